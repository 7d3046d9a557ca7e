"""The mail worker in plain Python: for each SQS record, parse the job, one Query on the email
index and, for a known account, one SES SendEmail with an itsdangerous token in the link. No
budgets, no job ledger, no pacing. Answers a partial batch response."""
import json
import urllib.parse

from common import DYNAMODB, EMAIL_INDEX, RESET_PAGE_URL, SENDER, SESV2, SIGNER, USERS_TABLE


def deliver(job):
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


def handler(event, context):
    failures = []
    for record in event.get("Records", []):
        try:
            deliver(json.loads(record["body"]))
        except Exception:  # noqa: BLE001 - a failed message comes back; the rest go on
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
