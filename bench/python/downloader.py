#!/usr/bin/python3
"""Python peer for the photo downloader (examples/downloader): the same job as the C++ approaches.

Per user, download_photos(user): log in, list the photos, fetch each one over the same
keep-alive http.client connection and check its size and CRC-32 checksum, then save them
to <out>/<user>/photo-<id>.jpg. Run for every user at once, in one of three ways:

    threads    a threading.Thread per user: start all, join all
    processes  a multiprocessing.Pool (fork) of --max-processes, map over the users
    gevent     monkey.patch_all(), then a gevent.Greenlet per user, joinall

    downloader --serve --port=18080 &     # the photo server (C++)
    /usr/bin/python3 bench/python/downloader.py --approach gevent \\
        --server 127.0.0.1:18080 --users 1000 --out /dev/shm/dl-py

The last line on stdout is the C++ child's report (examples/downloader main.cc, RunChild):
`RESULT <users> <failed> <wall_seconds>\\t<first error>`. Exits 0 even if users failed; 2 on
bad flags. Needs python3-gevent (Debian) for --approach gevent.
"""

import sys


def _approach(argv):
    """--approach, read before argparse: the patching must precede every other import."""
    for i, arg in enumerate(argv):
        if arg == "--approach" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--approach="):
            return arg.split("=", 1)[1]
    return None


if _approach(sys.argv[1:]) == "gevent":
    from gevent import monkey
    monkey.patch_all()

import argparse  # noqa: E402
import http.client  # noqa: E402
import multiprocessing  # noqa: E402
import os  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import zlib  # noqa: E402

SERVER = None  # (host, port)
OUT = None
TIMEOUT = 30


def checksum(data):
    """photos.cc Checksum: CRC-32 (zlib's), as 8 lowercase hex digits."""
    return "%08x" % zlib.crc32(data)


def get(conn, path):
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read()  # to the end, so the connection can be reused
    if resp.status != 200:
        raise RuntimeError(f"GET {path}: HTTP {resp.status}")
    return body


def get_auth_connection(user):
    conn = http.client.HTTPConnection(*SERVER, timeout=TIMEOUT)
    conn.token = get(conn, "/login?user=" + user).decode()
    return conn


def get_photos(conn):
    photos = []
    for line in get(conn, "/photos?token=" + conn.token).decode().splitlines():
        photo_id, size, crc = line.split()
        data = get(conn, f"/photo/{photo_id}?token={conn.token}")
        if len(data) != int(size) or checksum(data) != crc:
            raise RuntimeError(f"photo {photo_id}: checksum mismatch")
        photos.append((int(photo_id), data))
    return photos


def save_photos(user, photos):
    user_dir = os.path.join(OUT, user)
    os.makedirs(user_dir, exist_ok=True)
    for photo_id, data in photos:
        with open(os.path.join(user_dir, f"photo-{photo_id}.jpg"), "wb") as f:
            f.write(data)


def download_photos(user):
    """Returns "" on success, else "<user>: <error>"."""
    try:
        conn = get_auth_connection(user)
        try:
            photos = get_photos(conn)
        finally:
            conn.close()  # one socket per user at a time, as the C++ client
        save_photos(user, photos)
        return ""
    except Exception as e:  # pylint: disable=broad-except
        return f"{user}: {e}"


def run_threads(users):
    # 10,000 threads at the default 8 MiB stack reserve 80 GiB of address space:
    # fine under Linux's default overcommit, refused under strict accounting. 256 KiB
    # is plenty for this code (only touched pages count in RSS either way).
    threading.stack_size(256 * 1024)
    out = [""] * len(users)

    def work(i):
        out[i] = download_photos(users[i])

    threads = []
    for i in range(len(users)):
        t = threading.Thread(target=work, args=(i,))
        try:
            t.start()
        except RuntimeError as e:  # "can't start new thread"
            out[i] = f"{users[i]}: no thread: {e}"
            continue
        threads.append(t)
    for t in threads:
        t.join()
    return out


def run_processes(users, max_processes):
    with multiprocessing.get_context("fork").Pool(max_processes) as pool:
        return pool.map(download_photos, users, chunksize=1)


def run_gevent(users):
    import gevent  # pylint: disable=import-outside-toplevel
    greenlets = [gevent.Greenlet(download_photos, user) for user in users]
    for g in greenlets:
        g.start()
    gevent.joinall(greenlets)
    return [g.value if g.successful() else "greenlet failed" for g in greenlets]


def main():
    global SERVER, OUT  # pylint: disable=global-statement
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--approach", required=True, choices=["threads", "processes", "gevent"])
    parser.add_argument("--server", required=True, help="host:port of the photo server")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--out", required=True, help="where to save the photos")
    parser.add_argument("--max-processes", type=int, default=64)
    args = parser.parse_args()
    host, _, port = args.server.rpartition(":")
    if not host or not port.isdigit() or args.users < 1 or args.max_processes < 1:
        parser.error("bad --server, --users or --max-processes")
    SERVER, OUT = (host, int(port)), args.out

    users = ["user%04d" % i for i in range(args.users)]  # photos.cc UserName
    start = time.monotonic()
    if args.approach == "threads":
        out = run_threads(users)
    elif args.approach == "processes":
        out = run_processes(users, args.max_processes)
    else:
        out = run_gevent(users)
    wall = time.monotonic() - start
    errors = [e for e in out if e]
    first = errors[0].replace("\n", " ") if errors else ""
    print(f"RESULT {len(users)} {len(errors)} {wall:.6f}\t{first}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
