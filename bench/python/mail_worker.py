"""The mail worker in plain Python, making the Rust worker's AWS calls: for each SQS record, parse
the job, claim it in the job ledger (conditional UpdateItem), spend the three budgets (requester
network per day, address per day, address per minute: one conditional UpdateItem each), one Query
on the email index and, for a known account, one SES SendEmail with an itsdangerous token in the
link, then mark the job done (UpdateItem). No pacing. Answers a partial batch response."""
import json
import time
import urllib.parse

from common import DYNAMODB, EMAIL_INDEX, LIMITS_TABLE, RESET_PAGE_URL, SENDER, SESV2, SIGNER, USERS_TABLE, hit, keyed


def claim(job_id):
    now = int(time.time())
    DYNAMODB.update_item(
        TableName=LIMITS_TABLE,
        Key={"key": {"S": f"job#{job_id}"}},
        UpdateExpression="SET #state = :working, lease_until = :lease, expires_at = :expires REMOVE counted",
        ConditionExpression="attribute_not_exists(#state) OR #state = :retry OR (#state = :working AND lease_until < :now)",
        ExpressionAttributeNames={"#state": "state"},
        ExpressionAttributeValues={":working": {"S": "working"}, ":retry": {"S": "retry"}, ":now": {"N": str(now)},
                                   ":lease": {"N": str(now + 60)}, ":expires": {"N": str(now + 7 * 86400)}},
        ReturnValues="ALL_OLD",
    )


def finish(job_id):
    DYNAMODB.update_item(
        TableName=LIMITS_TABLE,
        Key={"key": {"S": f"job#{job_id}"}},
        UpdateExpression="SET #state = :done REMOVE lease_until",
        ExpressionAttributeNames={"#state": "state"},
        ExpressionAttributeValues={":done": {"S": "done"}},
    )


def deliver(job):
    claim(job["id"])
    address = keyed("email", job["email"])
    for key, window in [(address + keyed("net", job["requester"]), 86400), (address, 86400), (address, 60)]:
        hit(key, window=window)
    found = DYNAMODB.query(
        TableName=USERS_TABLE,
        IndexName=EMAIL_INDEX,
        KeyConditionExpression="#e = :e",
        ExpressionAttributeNames={"#e": "email"},
        ExpressionAttributeValues={":e": {"S": job["email"]}},
        Limit=2,
    )["Items"]
    if len(found) == 1:
        user = found[0]
        token = SIGNER.dumps({"sub": user["id"]["S"], "h": user["password_hash"]["S"][-16:]})
        link = RESET_PAGE_URL + "?" + urllib.parse.urlencode({"token": token})
        SESV2.send_email(
            FromEmailAddress=SENDER,
            Destination={"ToAddresses": [user["email"]["S"]]},
            Content={"Simple": {"Subject": {"Data": "Reset your password"}, "Body": {"Text": {"Data": f"Choose a new password: {link}"}}}},
        )
    finish(job["id"])


def handler(event, context):
    failures = []
    for record in event.get("Records", []):
        try:
            deliver(json.loads(record["body"]))
        except Exception:  # noqa: BLE001 - a failed message comes back; the rest go on
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
