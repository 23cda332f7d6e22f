#!/usr/bin/python3
"""Python gevent peer for bench/http_compare.sh: gevent.pywsgi answering GET / with
"hello\\n", keep-alive, as the http_server example does:

    /usr/bin/python3 bench/python/http_server.py --port=0
    port=39321

Listens on 127.0.0.1; --port=0 lets the kernel pick. The first line on stdout is
`port=N`. Serves until SIGTERM or SIGINT. Needs python3-gevent (Debian).
"""

import argparse
import signal
import sys

import gevent
from gevent.pywsgi import WSGIServer


def hello(_environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "6")])
    return [b"hello\n"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = WSGIServer(("127.0.0.1", args.port), hello, log=None)
    server.start()
    print(f"port={server.server_port}", flush=True)
    gevent.signal_handler(signal.SIGTERM, server.stop)
    gevent.signal_handler(signal.SIGINT, server.stop)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
