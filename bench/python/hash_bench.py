"""One hash at the service's default parameters in Python's usual library for each format, the
median in ms of the thread's CPU time: `hash_bench.py [FORMAT]` (argon2id if none); `hash_bench.py zxcvbn`, the confirm's
strength check.

argon2id: libargon2 through argon2-cffi (m = 19456 KiB, t = 2, p = 1); django-pbkdf2: Django's
own PBKDF2PasswordHasher (hashlib, OpenSSL) at 1,500,000 iterations; bcrypt: pyca bcrypt at 12.
"""
import statistics
import sys
import time

FORMAT = sys.argv[1] if len(sys.argv) > 1 else "argon2id"
PASSWORD = "correct horse battery staple"

if FORMAT == "argon2id":
    from argon2 import PasswordHasher

    HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
    hash_one = lambda: HASHER.hash(PASSWORD)  # noqa: E731
    RUNS = 30
elif FORMAT == "django-pbkdf2":
    from django.conf import settings

    settings.configure()
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    HASHER = PBKDF2PasswordHasher()
    hash_one = lambda: HASHER.encode(PASSWORD, HASHER.salt(), iterations=1_500_000)  # noqa: E731
    RUNS = 11
elif FORMAT == "bcrypt":
    import bcrypt

    hash_one = lambda: bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(12))  # noqa: E731
    RUNS = 11
elif FORMAT == "zxcvbn":
    # Not a hash: the confirm's strength check (reset_password.py), for its figures.
    from zxcvbn import zxcvbn

    # reset_password.strength_context("bench-python-1@example.com"), as the Rust side builds it.
    CONTEXT = ["bench-python-1@example.com", "bench-python-1", "bench", "python", "example", "com", "demo", "app"]
    hash_one = lambda: zxcvbn("a new and long passphrase", user_inputs=CONTEXT)  # noqa: E731
    RUNS = 101
else:
    raise SystemExit(f"unknown format {FORMAT}")

for _ in range(2):
    hash_one()
times = []
for _ in range(RUNS):
    started = time.thread_time()
    hash_one()
    times.append((time.thread_time() - started) * 1000)
print(f"{statistics.median(times):.3f}")
