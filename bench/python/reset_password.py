"""reset-password (confirm) in plain Python, making the Rust function's AWS calls: one hit on the
per-source-IP counter, itsdangerous verify, one consistent GetItem, argon2id at the same parameters
(m=19456 KiB, t=2, p=1), one conditional UpdateItem, and the password-changed notice queued (SQS
SendMessage). No password policy (the Rust function runs zxcvbn besides).

`python reset_password.py issue ID...` prints one token per user id, for the benchmark."""
import json
import sys
import time
import uuid

from argon2 import PasswordHasher
from itsdangerous import BadData

from common import DYNAMODB, NOTICE_QUEUE_URL, SIGNER, SQS, TOKEN_TTL, USERS_TABLE, answer, body_of, hit, keyed, source_ip

HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


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
    new_hash = HASHER.hash(str(body.get("password", "")))
    try:
        DYNAMODB.update_item(
            TableName=USERS_TABLE,
            Key={"id": {"S": claims["sub"]}},
            UpdateExpression="SET password_hash = :new, password_changed_at = :now",
            ConditionExpression="password_hash = :old",
            ExpressionAttributeValues={":new": {"S": new_hash}, ":old": item["password_hash"], ":now": {"N": str(int(time.time()))}},
        )
    except DYNAMODB.exceptions.ConditionalCheckFailedException:
        return answer(400, "This reset link is invalid or has expired.")
    notice = {"kind": "password_changed", "id": uuid.uuid4().hex, "user_id": claims["sub"], "changed_at": int(time.time())}
    SQS.send_message(QueueUrl=NOTICE_QUEUE_URL, MessageBody=json.dumps(notice))
    return answer(200, "Your password has been changed.")


if __name__ == "__main__" and sys.argv[1:2] == ["issue"]:
    for user_id in sys.argv[2:]:
        item = DYNAMODB.get_item(TableName=USERS_TABLE, Key={"id": {"S": user_id}}, ConsistentRead=True)["Item"]
        print(SIGNER.dumps({"sub": user_id, "h": item["password_hash"]["S"][-16:]}))
