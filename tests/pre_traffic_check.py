"""Runs the pre-traffic hook exactly as template.yaml ships it (its inline code, written to a file
by the test) against functions served by `cargo lambda watch`: boto3's Lambda client is replaced
by one that invokes through watch's Invoke API, and CodeDeploy's by one that records the status
the hook reports. Prints that status.

usage: pre_traffic_check.py HOOK_FILE INVOKE_URL_WITH_{function}
(behind the edge: ORIGIN_VERIFY_SECRET_ID and ORIGIN_VERIFY_VALUE set, as the hook's secret read)
"""
import importlib.util
import io
import json
import os
import sys
import urllib.error
import urllib.request

import boto3

hook_file, invoke_url = sys.argv[1], sys.argv[2]
reported = []


class Lambda:
    def invoke(self, FunctionName, Payload):
        request = urllib.request.Request(invoke_url.format(function=FunctionName), data=Payload, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                body, error = answer.read(), answer.headers.get("X-Amz-Function-Error")
        except urllib.error.HTTPError as err:
            body, error = err.read(), "Unhandled"
        reply = {"Payload": io.BytesIO(body)}
        if error:
            reply["FunctionError"] = error
        return reply


class Secrets:
    """Behind the edge: the origin-verify secret, read from moto by the test and passed here."""

    def get_secret_value(self, SecretId):
        assert SecretId == os.environ["ORIGIN_VERIFY_SECRET_ID"], SecretId
        return {"SecretString": os.environ["ORIGIN_VERIFY_VALUE"]}


class CodeDeploy:
    def put_lifecycle_event_hook_execution_status(self, **kwargs):
        reported.append(kwargs)


clients = {"lambda": Lambda(), "codedeploy": CodeDeploy(), "secretsmanager": Secrets()}
boto3.client = lambda name, **_: clients[name]

spec = importlib.util.spec_from_file_location("index", hook_file)
hook = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hook)
returned = hook.handler({"DeploymentId": "d-TEST", "LifecycleEventHookExecutionId": "hook-TEST"}, None)
print(json.dumps({"returned": returned, "reported": reported}))
