"""End to end: the chat server on loopback. Lines reach every other client;
a client that never reads is disconnected once its queue is full, and the
others keep getting every line meanwhile."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time

# The binary of one backend (BUILD.bazel passes it).
server_bin = sys.argv[1] if len(sys.argv) > 1 else "examples/chat_server/chat_server"
port_file = os.path.join(os.environ["TEST_TMPDIR"], "port")


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


proc = subprocess.Popen([server_bin, "--port=0", "--port_file=" + port_file,
                         "--queue=3000"],
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
for _ in range(100):
    if os.path.exists(port_file) and os.path.getsize(port_file) > 0:
        break
    time.sleep(0.05)
else:
    fail("the server did not start")
port = int(open(port_file).read())


class Client:
    def __init__(self):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def line(self):
        while b"\n" not in self.buf:
            data = self.s.recv(65536)
            if not data:
                fail("connection closed while waiting for a line")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode().rstrip("\r")

    def send(self, text):
        self.s.sendall(text.encode() + b"\r\n")


a = Client()
if not a.line().startswith("welcome, you are guest1"):
    fail("welcome")
b = Client()
b.line()
if a.line() != "* guest2 joined":
    fail("join notice")
a.send("hello")
if b.line() != "[guest1] hello":
    fail("broadcast")

# A slow client: connects, never reads. A floods; B gets every line, and the
# slow one is dropped once its queue (3,000 lines) is full and its socket
# buffers too.
slow = socket.socket()
slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect
slow.settimeout(10)
slow.connect(("127.0.0.1", port))
if b.line() != "* guest3 joined" or a.line() != "* guest3 joined":
    fail("slow client's join")
n = 10000
payload = "x" * 200
start = time.time()
problems = []


def read_b():  # B keeps up, in its own thread, while A floods
    data = b.buf
    want = sum(len("[guest1] %d %s\r\n" % (i, payload)) for i in range(n))
    while len(data.replace(b"* guest3 left\r\n", b"")) < want:
        chunk = b.s.recv(1 << 20)
        if not chunk:
            problems.append("closed after %d bytes" % len(data))
            return
        data += chunk
    lines = [l for l in data.decode().split("\r\n") if l and not l.startswith("*")]
    for i, got in enumerate(lines):
        if got != "[guest1] %d %s" % (i, payload):
            problems.append("line %d: %r" % (i, got[:40]))
            return


reader = threading.Thread(target=read_b)
reader.start()
batch = 100
for i in range(0, n, batch):
    a.s.sendall("".join("%d %s\r\n" % (j, payload)
                        for j in range(i, i + batch)).encode())
    time.sleep(0.001)  # let B's reader thread have the GIL
reader.join(30)
if reader.is_alive() or problems:
    fail("B did not get every line: %s" % problems)
if time.time() - start > 20:
    fail("the flood took too long: the slow client stalled the others")
# The slow client was cut off.
slow.settimeout(10)
total = 0
try:
    while True:
        data = slow.recv(65536)
        if not data:
            break
        total += len(data)
except (ConnectionResetError, socket.timeout) as e:
    if isinstance(e, socket.timeout):
        fail("the slow client was never disconnected")
if total >= n * len(payload):
    fail("the slow client got everything: it was not slow")
a.send("/quit")
if b.line() != "* guest1 left":
    fail("quit notice")
proc.send_signal(signal.SIGTERM)
out = proc.communicate(timeout=10)[0].decode()
if proc.returncode != 0 or "guest3 disconnected: too slow" not in out:
    fail("server output: %s" % out)
print("ok")
