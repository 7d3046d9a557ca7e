"""moto's server, handling one request at a time.

Real DynamoDB evaluates a ConditionExpression and applies the write atomically per item. moto's
own server is threaded and its update_item reads, checks and writes without a lock, so two
concurrent conditional updates can both pass (seen in CI: 2 winners of 20). Serializing requests
restores the per-item atomicity the service relies on; connections are still accepted
concurrently, so clients behave as against AWS.

Usage: python moto_serial.py HOST PORT
"""

import os
import sys
import threading

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    lock = threading.Lock()

    def serial(environ, start_response):
        with lock:
            return list(app(environ, start_response))

    run_simple(host, port, serial, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
