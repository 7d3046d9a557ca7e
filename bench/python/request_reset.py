"""request-reset in plain Python: validate the address and queue one job for the mail worker
(one SQS SendMessage), the same for every address. No rate limit, no keyed hashes."""
import json
import time
import uuid

from common import MAIL_QUEUE_URL, SQS, answer, body_of

ACCEPTED = "If an account uses this address, we have sent it a link to reset the password. Check your inbox."


def handler(event, context):
    email = str(body_of(event).get("email", "")).strip().lower()
    if "@" not in email:
        return answer(400, "Enter a valid email address.")
    job = {"kind": "reset_link", "id": uuid.uuid4().hex, "email": email, "requester": "-", "requested_at": int(time.time())}
    SQS.send_message(QueueUrl=MAIL_QUEUE_URL, MessageBody=json.dumps(job))
    return answer(202, ACCEPTED)
