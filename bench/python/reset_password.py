"""reset-password (confirm) in plain Python: itsdangerous verify, one consistent GetItem,
argon2id at the same parameters (m=19456 KiB, t=2, p=1), one conditional UpdateItem. No password
policy, no notice mail.

`python reset_password.py issue ID...` prints one token per user id, for the benchmark."""
import sys
import time

from argon2 import PasswordHasher
from itsdangerous import BadData

from common import DYNAMODB, SIGNER, TOKEN_TTL, USERS_TABLE, answer, body_of

HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def handler(event, context):
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
    return answer(200, "Your password has been changed.")


if __name__ == "__main__" and sys.argv[1:2] == ["issue"]:
    for user_id in sys.argv[2:]:
        item = DYNAMODB.get_item(TableName=USERS_TABLE, Key={"id": {"S": user_id}}, ConsistentRead=True)["Item"]
        print(SIGNER.dumps({"sub": user_id, "h": item["password_hash"]["S"][-16:]}))
