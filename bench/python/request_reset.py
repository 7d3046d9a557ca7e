"""request-reset in plain Python: one Query on the email index and, for a known account, one
SES SendEmail with an itsdangerous token in the link. No rate limits, no time floor."""
import urllib.parse

from common import DYNAMODB, EMAIL_INDEX, RESET_PAGE_URL, SENDER, SESV2, SIGNER, USERS_TABLE, answer, body_of

ACCEPTED = "If an account uses this address, we have sent it a link to reset the password. Check your inbox."


def handler(event, context):
    email = str(body_of(event).get("email", "")).strip().lower()
    if "@" not in email:
        return answer(400, "Enter a valid email address.")
    found = DYNAMODB.query(
        TableName=USERS_TABLE,
        IndexName=EMAIL_INDEX,
        KeyConditionExpression="#e = :e",
        ExpressionAttributeNames={"#e": "email"},
        ExpressionAttributeValues={":e": {"S": email}},
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
    return answer(202, ACCEPTED)
