"""libargon2 through argon2-cffi at the same parameters: the median of one hash, in ms."""
import statistics
import time

from argon2 import PasswordHasher

HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
for _ in range(3):
    HASHER.hash("correct horse battery staple")
times = []
for _ in range(30):
    started = time.perf_counter()
    HASHER.hash("correct horse battery staple")
    times.append((time.perf_counter() - started) * 1000)
print(f"{statistics.median(times):.3f}")
