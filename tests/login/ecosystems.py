"""Each stored format read by the library an application in that ecosystem verifies it with, as
that application would call it, after normalizing the password as typed to NFKC (the rule in
docs/existing-users-table.md). Used by tests/api/hash_formats.rs; not a snippet to copy.

stdin: one JSON object per line, {"format": ..., "stored": ..., "password": ...}, optionally with
"raw": true
stdout: one line per object, "match" or "no match"; with "raw", the library's own call as
docs/existing-users-table.md shows it (no format check, nothing caught), and "raises
<module>.<class>" when it raises

Formats (PASSWORD_HASH_FORMAT): argon2id (argon2-cffi), django-argon2 and django-pbkdf2
(Django's check_password; Django would read either, so the format asked for is held by
identify_hasher first), bcrypt and bcrypt-2y (Python bcrypt, which reads $2a$, $2b$ and $2y$
alike, as Rails' and Devise's bcrypt-ruby does: the version letter is held by a prefix check here,
and PHP's own reading of $2y$ is tests/login/ecosystems.php).
"""

import json
import sys
import unicodedata

import argon2
import bcrypt
import django
from django.conf import settings

settings.configure(
    PASSWORD_HASHERS=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]
)
django.setup()

from django.contrib.auth.hashers import identify_hasher, check_password  # noqa: E402

DJANGO_ALGORITHM = {"django-argon2": "argon2", "django-pbkdf2": "pbkdf2_sha256"}


def verify(fmt: str, stored: str, password: str) -> bool:
    password = unicodedata.normalize("NFKC", password)
    if fmt == "argon2id":
        try:
            return argon2.PasswordHasher().verify(stored, password)
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return False
    if fmt in DJANGO_ALGORITHM:
        # The format must be the one asked for: Django would read either.
        try:
            if identify_hasher(stored).algorithm != DJANGO_ALGORITHM[fmt]:
                return False
        except ValueError:
            return False
        return check_password(password, stored)
    if fmt in ("bcrypt", "bcrypt-2y"):
        version = "$2b$" if fmt == "bcrypt" else "$2y$"
        if not stored.startswith(version):
            return False
        try:
            return bcrypt.checkpw(password.encode(), stored.encode())
        except ValueError:
            return False
    raise SystemExit(f"unknown format {fmt}")


def raw(fmt: str, stored: str, password: str) -> bool:
    password = unicodedata.normalize("NFKC", password)
    if fmt == "argon2id":
        return argon2.PasswordHasher().verify(stored, password)
    if fmt in DJANGO_ALGORITHM:
        return check_password(password, stored)
    if fmt in ("bcrypt", "bcrypt-2y"):
        return bcrypt.checkpw(password.encode(), stored.encode())
    raise SystemExit(f"unknown format {fmt}")


def answer(case: dict) -> str:
    if not case.get("raw"):
        return "match" if verify(case["format"], case["stored"], case["password"]) else "no match"
    try:
        return "match" if raw(case["format"], case["stored"], case["password"]) else "no match"
    except Exception as e:  # noqa: BLE001 (what the library raises is the answer)
        return f"raises {type(e).__module__}.{type(e).__qualname__}"


for line in sys.stdin:
    print(answer(json.loads(line)), flush=True)
