"""Signing in against a hash the password-reset service stored, in Python: the rule of the
`login-password` crate (docs/existing-users-table.md, "Signing in with a password set here").

    verify(password_as_typed, stored_phc) -> bool

Needs argon2-cffi. Usage as a script: python check.py PHC PASSWORD (prints match / no match).
"""

import sys
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


def verify(password: str, phc: str) -> bool:
    # NFKC of the password exactly as typed: no strip(), no lower(). The PHC string names its
    # own argon2id parameters, which argon2-cffi reads from it.
    try:
        return PasswordHasher().verify(phc, unicodedata.normalize("NFKC", password))
    except (VerificationError, InvalidHashError):
        return False


if __name__ == "__main__":
    print("match" if verify(sys.argv[2], sys.argv[1]) else "no match")
