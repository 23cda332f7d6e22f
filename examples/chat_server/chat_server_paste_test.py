"""End to end: one client pastes 100,000 lines into the chat server (default
flags: a client may lag 256 lines); two readers that keep up get every line,
in order, and nobody is dropped as too slow, whatever the backend.

"Keep up" is made exact so that a loaded machine cannot break it: the paster
sends a chunk only while it is at most WINDOW lines ahead of the slower reader.
WINDOW is well above the server's queue (so a server that lets its writers
fall behind the flood drops the readers, as io_uring did before the hub polled
once per round for queued sends), and its bytes fit in the kernel's socket
buffers on the way to each reader (so a reader thread that the machine stalls
for a while cannot make the server drop it). The only clock is a stall limit:
no progress for STALL seconds fails the test instead of hanging it."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time

server_bin = sys.argv[1]  # the binary of one backend (BUILD.bazel passes it)
port_file = os.path.join(os.environ["TEST_TMPDIR"], "port")
LINES = 100000
CHUNK = 500  # lines per sendall
WINDOW = 2000  # lines the paster may be ahead of the slower reader
STALL = 120  # seconds without progress before the test gives up


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    proc.kill()
    print(proc.communicate()[0].decode(errors="replace"), file=sys.stderr)
    sys.exit(1)


proc = subprocess.Popen([server_bin, "--port=0", "--port_file=" + port_file],
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
for _ in range(200):
    if os.path.exists(port_file) and os.path.getsize(port_file) > 0:
        break
    time.sleep(0.05)
else:
    fail("the server did not start")
port = int(open(port_file).read())


def connect():
    s = socket.create_connection(("127.0.0.1", port), timeout=STALL)
    # The welcome line: this client is in the room once it has it.
    buf = b""
    while b"\n" not in buf:
        data = s.recv(4096)
        if not data:
            fail("closed before the welcome line")
        buf += data
    return s, buf.split(b"\n", 1)[1]


cond = threading.Condition()
received = []  # lines of the paste each reader has, in order
problems = []


def read(index, sock, rest):
    """Counts the paste's lines as they come; checks each one."""
    buf = bytearray(rest)
    n = 0
    while n < LINES:
        try:
            data = sock.recv(1 << 20)
        except OSError as e:
            data = b""
            problems.append("reader %d: %s after %d lines" % (index, e, n))
        if not data:
            if not problems:
                problems.append("reader %d was dropped after %d lines" %
                                (index, n))
            break
        buf += data
        end = buf.rfind(b"\n")
        if end < 0:
            continue
        for line in bytes(buf[:end]).split(b"\n"):
            if line.startswith(b"*"):  # join and leave notices
                continue
            want = b"[guest3] line %d\r" % n
            if line != want:
                problems.append("reader %d: line %d is %r, not %r" %
                                (index, n, line[:60], want))
                break
            n += 1
        del buf[:end + 1]
        with cond:
            received[index] = n
            cond.notify_all()
        if problems:
            break
    with cond:
        cond.notify_all()


readers = []
for i in range(2):  # guest1 and guest2
    s, rest = connect()
    received.append(0)
    readers.append((s, threading.Thread(target=read, args=(i, s, rest),
                                         daemon=True)))
paster, _ = connect()  # guest3
for _, t in readers:
    t.start()

sent = 0
while sent < LINES:
    with cond:
        deadline = time.monotonic() + STALL
        while (not problems and sent - min(received) + CHUNK > WINDOW):
            if not cond.wait(timeout=max(0, deadline - time.monotonic())):
                fail("no progress for %d s: sent %d, readers have %s" %
                     (STALL, sent, received))
        if problems:
            break
    end = min(sent + CHUNK, LINES)
    paster.sendall(b"".join(b"line %d\r\n" % i for i in range(sent, end)))
    sent = end
for _, t in readers:
    t.join(STALL)
    if t.is_alive():
        fail("no progress for %d s at the end: readers have %s" %
             (STALL, received))
if problems:
    fail("; ".join(problems))
if received != [LINES, LINES]:
    fail("readers have %s of %d lines" % (received, LINES))

paster.sendall(b"/quit\r\n")
paster.close()
for s, _ in readers:
    s.close()
proc.send_signal(signal.SIGTERM)
out = proc.communicate(timeout=STALL)[0].decode(errors="replace")
if proc.returncode != 0 or "too slow" in out:
    fail("server output: %s" % out)
print("ok: %d lines to each of 2 readers" % LINES)
