#!/usr/bin/python3
"""Python gevent peer for bench/echo_compare.sh: a gevent StreamServer echo server.

Each connection is a greenlet that reads and writes back what it read, on gevent's one
hub (libev or libuv, as the installed gevent chose):

    /usr/bin/python3 bench/python/echo_server.py --port=0
    port=39321

Listens on 127.0.0.1; --port=0 lets the kernel pick. The first line on stdout is
`port=N`. Serves until SIGTERM or SIGINT, then exits 0. Needs python3-gevent (Debian).
"""

import argparse
import signal
import socket
import sys

import gevent
import gevent.event
from gevent.server import StreamServer


def echo(sock, _address):
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    recv = sock.recv
    sendall = sock.sendall
    try:
        while True:
            data = recv(16384)
            if not data:
                break
            sendall(data)
    except OSError:
        pass
    finally:
        sock.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0,
                        help="TCP port on 127.0.0.1; 0 lets the kernel pick")
    args = parser.parse_args()

    server = StreamServer(("127.0.0.1", args.port), echo, backlog=1024)
    server.start()
    print(f"port={server.address[1]}", flush=True)

    stop = gevent.event.Event()
    gevent.signal_handler(signal.SIGTERM, stop.set)
    gevent.signal_handler(signal.SIGINT, stop.set)
    stop.wait()
    server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
