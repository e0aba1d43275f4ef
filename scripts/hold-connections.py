#!/usr/bin/env python3
"""Opens N established loopback TCP connections and holds them until killed.

Used by scripts/bench-ls. Spreads the connections over worker processes of at most
PER_PROC connections each (every connection costs two fds), each with its own
listener on 127.0.0.1, so the fd limit and the ephemeral port range are never hit.
Prints "ready" once every connection is up. Traffic stays on 127.0.0.1.
"""
import os
import resource
import signal
import socket
import sys
import time

PER_PROC = 5000


def worker(n, ready_w):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 2 * n + 64)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("127.0.0.1", 0))
    lst.listen(4096)
    addr = lst.getsockname()
    keep = []
    done = 0
    while done < n:
        batch = min(512, n - done)
        cs = []
        for _ in range(batch):
            c = socket.socket()
            c.connect(addr)
            cs.append(c)
        for _ in range(batch):
            s, _ = lst.accept()
            keep.append(s)
        keep.extend(cs)
        done += batch
    os.write(ready_w, b"x")
    signal.pause()


def main():
    total = int(sys.argv[1])
    r, w = os.pipe()
    kids = []
    left = total
    while left > 0:
        n = min(PER_PROC, left)
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                worker(n, w)
            finally:
                os._exit(0)
        kids.append(pid)
        left -= n
    os.close(w)
    got = 0
    while got < len(kids):
        b = os.read(r, 64)
        if not b:
            break
        got += len(b)

    def stop(*_):
        for k in kids:
            try:
                os.kill(k, signal.SIGTERM)
            except ProcessLookupError:
                pass
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
