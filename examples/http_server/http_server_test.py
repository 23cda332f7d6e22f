"""End to end: the example HTTP server on loopback, driven with Python's
http.client and raw sockets (keep-alive, routes, limits, slow clients)."""
import http.client
import os
import signal
import socket
import subprocess
import sys
import time

server_bin = "examples/http_server/http_server"
tmp = os.environ["TEST_TMPDIR"]
port_file = os.path.join(tmp, "port")


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


proc = subprocess.Popen(
    [server_bin, "--port=0", "--port_file=" + port_file,
     "--request_timeout=1s", "--idle_timeout=5s", "--max_request=1024"],
    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
for _ in range(100):
    if os.path.exists(port_file) and os.path.getsize(port_file) > 0:
        break
    time.sleep(0.05)
else:
    fail("the server did not start")
port = int(open(port_file).read())

# Keep-alive: several requests on one connection.
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
for _ in range(3):
    c.request("GET", "/")
    r = c.getresponse()
    if r.status != 200 or r.read() != b"hello\n":
        fail("GET /")
c.request("POST", "/echo", body=b"photo bytes")
r = c.getresponse()
if r.status != 200 or r.read() != b"photo bytes":
    fail("POST /echo")
c.request("GET", "/nope")
r = c.getresponse()
r.read()
if r.status != 404:
    fail("404 expected, got %d" % r.status)
c.request("POST", "/")
r = c.getresponse()
r.read()
if r.status != 405:
    fail("405 expected, got %d" % r.status)

# Concurrency: 50 sleeps of 300 ms at once take about 300 ms.
start = time.time()
conns = []
for _ in range(50):
    k = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    k.request("GET", "/sleep?ms=300")
    conns.append(k)
for k in conns:
    if k.getresponse().read() != b"slept 300 ms\n":
        fail("sleep")
if time.time() - start > 5:
    fail("the sleeps ran one after another")

# Too large: 413, connection closed.
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(b"GET /" + b"x" * 4000 + b" HTTP/1.1\r\nHost: a\r\n\r\n")
if not s.recv(100).startswith(b"HTTP/1.1 413"):
    fail("oversized request not refused with 413")
s.close()

# Garbage: 400.
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(b"\x00\x01\x02 garbage\r\n\r\n")
if not s.recv(100).startswith(b"HTTP/1.1 400"):
    fail("garbage not refused with 400")
s.close()

# Slowloris: half a request, then nothing: cut after --request_timeout.
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n")
start = time.time()
data = s.recv(100)
if not data.startswith(b"HTTP/1.1 408") or time.time() - start > 4:
    fail("a slow client was not timed out: %r" % data)
s.close()

# Stats, then a clean stop on SIGTERM.
c.request("GET", "/stats")
body = c.getresponse().read().decode()
if "requests" not in body:
    fail("stats: " + body)
c.close()
proc.send_signal(signal.SIGTERM)
out = proc.communicate(timeout=10)[0].decode()
if proc.returncode != 0 or "stopped after" not in out:
    fail("stop: %d %s" % (proc.returncode, out))

# Bad flags.
r = subprocess.run([server_bin, "--port=-1"], capture_output=True)
if r.returncode == 0:
    fail("accepted --port=-1")
print("ok")
