"""reset-password (confirm) in plain Python, making the Rust function's AWS calls: one hit on the
per-source-IP counter, itsdangerous verify, one consistent GetItem, argon2id at the same parameters
(m=19456 KiB, t=2, p=1), one transaction of the conditional user update and its Password Changed
event's outbox item (TransactWriteItems), and the password-changed notice queued (SQS
SendMessage). The password policy as the Rust function applies it: at least 12 characters, and a
zxcvbn score of 3 or more with the account's address and the application's name as context.

`python reset_password.py issue ID...` prints one token per user id, for the benchmark."""
import json
import re
import sys
import time
import uuid

from argon2 import PasswordHasher
from itsdangerous import BadData
from zxcvbn import zxcvbn

from common import DYNAMODB, NOTICE_QUEUE_URL, outbox_put, SIGNER, SQS, TOKEN_TTL, USERS_TABLE, answer, body_of, hit, keyed, source_ip

HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
APP_NAME = "Demo App"


def strength_context(email):
    """The words zxcvbn is told an attacker would try first, as the Rust function builds them."""
    email = email.lower()
    local, _, domain = email.partition("@")
    words = [email, local]
    words += [w for w in re.split(r"[._+-]", local) if len(w) >= 3]
    words += [w for w in domain.split(".") if len(w) >= 3]
    words += [w for w in APP_NAME.lower().split() if len(w) >= 3]
    return words


def handler(event, context):
    if not hit(keyed("ip", source_ip(event))):
        return answer(429, "Too many requests.")
    body = body_of(event)
    try:
        claims = SIGNER.loads(str(body.get("token", "")), max_age=TOKEN_TTL)
    except BadData:
        return answer(400, "This reset link is invalid or has expired.")
    item = DYNAMODB.get_item(TableName=USERS_TABLE, Key={"id": {"S": claims["sub"]}}, ConsistentRead=True).get("Item")
    if not item or item["password_hash"]["S"][-16:] != claims["h"]:
        return answer(400, "This reset link is invalid or has expired.")
    password = str(body.get("password", ""))
    if len(password) < 12 or zxcvbn(password[:100], user_inputs=strength_context(item["email"]["S"]))["score"] < 3:
        return answer(400, "Choose a stronger password.")
    new_hash = HASHER.hash(password)
    now = int(time.time())
    update = {
        "Update": {
            "TableName": USERS_TABLE,
            "Key": {"id": {"S": claims["sub"]}},
            "UpdateExpression": "SET password_hash = :new, password_changed_at = :now",
            "ConditionExpression": "password_hash = :old",
            "ExpressionAttributeValues": {":new": {"S": new_hash}, ":old": item["password_hash"], ":now": {"N": str(now)}},
        }
    }
    changed = outbox_put("Password Changed", {"user_id": claims["sub"], "changed_at": now})
    try:
        DYNAMODB.transact_write_items(TransactItems=[update, changed])
    except DYNAMODB.exceptions.TransactionCanceledException:
        return answer(400, "This reset link is invalid or has expired.")
    notice = {"kind": "password_changed", "id": uuid.uuid4().hex, "user_id": claims["sub"], "changed_at": int(time.time())}
    SQS.send_message(QueueUrl=NOTICE_QUEUE_URL, MessageBody=json.dumps(notice))
    return answer(200, "Your password has been changed.")


if __name__ == "__main__" and sys.argv[1:2] == ["issue"]:
    for user_id in sys.argv[2:]:
        item = DYNAMODB.get_item(TableName=USERS_TABLE, Key={"id": {"S": user_id}}, ConsistentRead=True)["Item"]
        print(SIGNER.dumps({"sub": user_id, "h": item["password_hash"]["S"][-16:]}))
