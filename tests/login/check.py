"""Signing in against a hash the password-reset service stored, in Python: the rule of the
`login-password` crate (docs/existing-users-table.md, "Signing in with a password set here").

    verify(password_as_typed, stored_phc) -> bool

And the session rule after a reset (the same document, "Sessions after a reset"):

    session_is_current(session_issued_at, password_changed_at) -> bool

Needs argon2-cffi. Usage as a script: python check.py PHC PASSWORD (prints match / no match);
python check.py sessions, with one JSON array [issued_at, password_changed_at] a line on stdin
(a JSON number is read as the Decimal boto3 gives, a string as DynamoDB's number text, null as
absent), prints current / ended a line: how tests/api/login.rs runs the cases.
"""

import json
import sys
import unicodedata
from decimal import Decimal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


def verify(password: str, phc: str) -> bool:
    # NFKC of the password exactly as typed: no strip(), no lower(). The PHC string names its
    # own argon2id parameters, which argon2-cffi reads from it.
    try:
        return PasswordHasher().verify(phc, unicodedata.normalize("NFKC", password))
    except (VerificationError, InvalidHashError):
        return False


def session_is_current(session_issued_at: int, password_changed_at) -> bool:
    # password_changed_at as read from the user item: None when it has none (no reset ever),
    # else an int, boto3's Decimal, or DynamoDB's number text ("1733200000").
    if password_changed_at is None:
        return True
    text = str(password_changed_at)
    if not (text.isascii() and text.isdigit()):
        return False  # not whole Unix seconds: fail closed, end the session
    # The same second as the reset stands: a sign-in right after it must not be ended.
    return session_issued_at >= int(text)


def _sessions() -> None:
    for line in sys.stdin.read().splitlines():
        issued_at, changed_at = json.loads(line, parse_int=Decimal)
        print("current" if session_is_current(int(issued_at), changed_at) else "ended")


if __name__ == "__main__":
    if sys.argv[1:] == ["sessions"]:
        _sessions()
    else:
        print("match" if verify(sys.argv[2], sys.argv[1]) else "no match")
