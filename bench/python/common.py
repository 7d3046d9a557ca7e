"""Shared by the Python equivalents: clients built once per process, as a Lambda would."""
import json
import os

import boto3
from itsdangerous import URLSafeTimedSerializer

DYNAMODB = boto3.client("dynamodb")
SESV2 = boto3.client("sesv2")
SQS = boto3.client("sqs")
MAIL_QUEUE_URL = os.environ["MAIL_QUEUE_URL"]
USERS_TABLE = os.environ["USERS_TABLE"]
EMAIL_INDEX = os.environ["USERS_EMAIL_INDEX"]
SENDER = os.environ["SENDER_EMAIL"]
RESET_PAGE_URL = os.environ["RESET_PAGE_URL"]
TOKEN_TTL = int(os.environ.get("TOKEN_TTL_SECONDS", "1800"))
SIGNER = URLSafeTimedSerializer(os.environ["BENCH_SIGNING_SECRET"], salt="password-reset")


def answer(status, message):
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps({"message": message})}


def body_of(event):
    return json.loads(event.get("body") or "{}")
