"""request-reset in plain Python, making the Rust function's AWS calls: validate the address,
one hit on the per-source-IP counter and one on each of the source's three job budgets (a minute,
an hour, a day: a conditional UpdateItem each), one SQS SendMessage for the mail worker; the same
answer for every address."""
import json
import time
import uuid

from common import MAIL_QUEUE_URL, SQS, answer, body_of, hit, keyed, source_ip

ACCEPTED = "If an account uses this address, we have sent it a link to reset the password. Check your inbox."


def handler(event, context):
    email = str(body_of(event).get("email", "")).strip().lower()
    if "@" not in email:
        return answer(400, "Enter a valid email address.")
    if not hit(keyed("ip", source_ip(event))):
        return answer(429, "Too many requests.")
    source = keyed("source-jobs", source_ip(event))
    for window in (60, 3600, 86400):
        if not hit(source, window=window):
            return answer(202, ACCEPTED)
    job = {"kind": "reset_link", "id": uuid.uuid4().hex, "email": email, "requester": keyed("net", source_ip(event)), "requested_at": int(time.time())}
    SQS.send_message(QueueUrl=MAIL_QUEUE_URL, MessageBody=json.dumps(job))
    return answer(202, ACCEPTED)
