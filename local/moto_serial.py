"""moto's server, handling one request at a time.

Real DynamoDB evaluates a ConditionExpression and applies the write atomically per item. moto's
own server is threaded and its update_item reads, checks and writes without a lock, so two
concurrent conditional updates can both pass (seen in CI: 2 winners of 20). Serializing requests
restores the per-item atomicity the service relies on; connections are still accepted
concurrently, so clients behave as against AWS.

MOTO_KEEP_ALIVE=1 serves it with waitress instead of werkzeug's development server, which closes
every connection after one answer (its handler sends `Connection: close`) where AWS's endpoints keep
them open for the next call. The benchmark (bench/) sets it: a warm Lambda reuses its connections
on AWS, so a connect, accept and close per call is not what ships. The tests keep werkzeug's server.

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

    if os.environ.get("MOTO_KEEP_ALIVE") == "1":
        try:
            import waitress
        except ImportError:
            sys.exit("MOTO_KEEP_ALIVE=1 needs waitress: pip install -r bench/python/requirements.txt")
        # Connections stay open between requests; the lock still serializes the answers.
        waitress.serve(serial, host=host, port=port, threads=8, _quiet=True)
    else:
        run_simple(host, port, serial, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
