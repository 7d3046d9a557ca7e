"""Shared by the Python equivalents: clients built once per process, as a Lambda would, and the
same rate-limit counter and job ledger writes the Rust functions make (one conditional
UpdateItem each, keys as keyed hashes), so that both sides make the same AWS calls."""
import hashlib
import hmac
import json
import os
import time
import uuid

import boto3
from itsdangerous import URLSafeTimedSerializer

DYNAMODB = boto3.client("dynamodb")
SESV2 = boto3.client("sesv2")
SQS = boto3.client("sqs")
MAIL_QUEUE_URL = os.environ["MAIL_QUEUE_URL"]
NOTICE_QUEUE_URL = os.environ["NOTICE_QUEUE_URL"]
USERS_TABLE = os.environ["USERS_TABLE"]
EMAIL_INDEX = os.environ["USERS_EMAIL_INDEX"]
LIMITS_TABLE = os.environ["RATE_LIMIT_TABLE"]
OUTBOX_TABLE = os.environ["EVENT_OUTBOX_TABLE"]
SENDER = os.environ["SENDER_EMAIL"]
RESET_PAGE_URL = os.environ["RESET_PAGE_URL"]
TOKEN_TTL = int(os.environ.get("TOKEN_TTL_SECONDS", "1800"))
SECRET = os.environ["BENCH_SIGNING_SECRET"]
SIGNER = URLSafeTimedSerializer(SECRET, salt="password-reset")
# The benchmark lifts the limits (as it does for the Rust functions): every hit is counted.
GENEROUS = 1_000_000


def keyed(kind, value):
    return kind + "#" + hmac.new(SECRET.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


def hit(key, limit=GENEROUS, window=60):
    """One hit on a fixed-window counter: True if allowed."""
    now = int(time.time())
    start = now - now % window
    try:
        DYNAMODB.update_item(
            TableName=LIMITS_TABLE,
            Key={"key": {"S": f"{key}#{window}#{start}"}},
            UpdateExpression="ADD #count :one SET #expires = :expires",
            ConditionExpression="attribute_not_exists(#count) OR #count < :limit",
            ExpressionAttributeNames={"#count": "count", "#expires": "expires_at"},
            ExpressionAttributeValues={":one": {"N": "1"}, ":limit": {"N": str(limit)}, ":expires": {"N": str(start + window + 60)}},
        )
        return True
    except DYNAMODB.exceptions.ConditionalCheckFailedException:
        return False


def outbox_put(detail_type, detail):
    """The Put of an event's outbox item, for the transaction that makes the change it reports
    (as the Rust functions write their events)."""
    now = int(time.time())
    return {
        "Put": {
            "TableName": OUTBOX_TABLE,
            "Item": {
                "event_id": {"S": uuid.uuid4().hex},
                "detail_type": {"S": detail_type},
                "detail": {"S": json.dumps(detail)},
                "occurred_at": {"N": str(now)},
                "expires_at": {"N": str(now + 14 * 86400)},
            },
            "ConditionExpression": "attribute_not_exists(event_id)",
        }
    }


def source_ip(event):
    return event.get("requestContext", {}).get("http", {}).get("sourceIp", "-")


def answer(status, message):
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps({"message": message})}


def body_of(event):
    return json.loads(event.get("body") or "{}")
