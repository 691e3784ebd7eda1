#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Clients that misbehave on sheafd's socket, for tests/integ/120-socket.sh.

Usage: socket_abuse.py SOCKET CASE [ARGS...]

Each case talks to the daemon over raw AF_UNIX sockets, checks what it
expects, prints one line of figures and exits 0, or prints why not on
stderr and exits 1.  "feeds DIR ROUND N ITEMS" writes test feeds instead.
"""

import json
import os
import random
import select
import socket
import sys
import threading
import time


def fail(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


def connect(path, timeout=5.0):
    """A blocking connect, which waits while the listen backlog is full
    (a non-blocking one fails with EAGAIN), then reads with a timeout."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(timeout)
    return s


# Bytes read past the end of a response, kept for the next one.
pending = {}


def read_response(s, deadline):
    """One HTTP response: (status, headers, body), or None when the
    daemon closed the connection without one."""
    data = pending.pop(s.fileno(), b"")
    while b"\r\n\r\n" not in data:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            chunk = b""
        if not chunk:
            return None if not data else (0, {}, data)
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        fail("not an HTTP status line: %r" % lines[0])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "-1"))
    while n >= 0 and len(body) < n:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = s.recv(65536)
        if not chunk:
            break
        body += chunk
    if n >= 0 and len(body) > n:
        pending[s.fileno()] = body[n:]
        body = body[:n]
    return status, headers, body


def exchange(path, data, timeout=10.0):
    """Send data, read one response; (response or None, seconds)."""
    t0 = time.monotonic()
    s = connect(path)
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the daemon answered and closed before taking it all
    try:
        r = read_response(s, t0 + timeout)
    except socket.timeout:
        fail("no answer and no close in %.0f s" % timeout)
    s.close()
    return r, time.monotonic() - t0


def get(path_, target, timeout=5.0):
    req = "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n" % target
    return exchange(path_, req.encode(), timeout)


def status_ok(path, within):
    r, secs = get(path, "/v1/status", within)
    if r is None or r[0] != 200:
        fail("/v1/status: %r" % (r,))
    if secs > within:
        fail("/v1/status took %.2f s" % secs)
    return secs


# Malformed requests: each is answered with the status given (None: the
# connection is closed without an answer) within the time given.

def huge_headers():
    return (b"GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Big: " +
            b"a" * 200000 + b"\r\n\r\n")


def many_headers():
    return (b"GET /v1/status HTTP/1.1\r\nHost: x\r\n" +
            b"".join(b"X-H%d: v\r\n" % i for i in range(20000)) + b"\r\n")


def chunked(body_chunks):
    return (b"POST /v1/feeds HTTP/1.1\r\nHost: x\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + body_chunks)


def malformed(path, name, timeout):
    rnd = random.Random(7)
    cases = {
        "garbage": (bytes(rnd.randrange(256) for _ in range(8192)),
                    (None, 400)),
        "nohttp": (b"hello, is anybody there?\r\n\r\n", (None, 400)),
        "badline": (b"GET /v1/status\r\nHost: x\r\n\r\n", (400,)),
        "badmethod": (b"G\x01T /v1/status HTTP/1.1\r\nHost: x\r\n\r\n",
                      (None, 400, 405)),
        "badversion": (b"GET /v1/status HTTP/7.3\r\nHost: x\r\n\r\n",
                       (505, 400)),
        "hugeheaders": (huge_headers(), (431,)),
        "manyheaders": (many_headers(), (431,)),
        "hugeurl": (b"GET /v1/entries?x=" + b"a" * 200000 +
                    b" HTTP/1.1\r\nHost: x\r\n\r\n", (414,)),
        "badchunk": (chunked(b"zz\r\nabc\r\n0\r\n\r\n"), (400,)),
        "shortchunk": (chunked(b"5\r\nabcdefghij\r\n0\r\n\r\n"), (400,)),
        "badlength": (b"POST /v1/feeds HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Length: 12abc\r\n\r\n{}", (400, 413)),
        "bigbody": (b"POST /v1/feeds HTTP/1.1\r\nHost: x\r\n"
                    b"Content-Length: 300000\r\n\r\n" + b"{" * 300000,
                    (413,)),
        "bigchunked": (chunked(b"".join(b"4000\r\n" + b" " * 0x4000 + b"\r\n"
                                        for _ in range(20)) + b"0\r\n\r\n"),
                       (413,)),
    }
    data, want = cases[name]
    r, secs = exchange(path, data, timeout + 5)
    got = None if r is None else r[0]
    if got not in want:
        fail("%s: got %r, wanted one of %r" % (name, got, want))
    if secs > timeout + 2:
        fail("%s: %.1f s to answer" % (name, secs))
    if got == 413:
        err = json.loads(r[2])["error"]
        if err["code"] != "too_large":
            fail("%s: error code %r" % (name, err["code"]))
    print("%s: %s in %.2f s" % (name, got if got else "closed", secs))


def pipelined(path):
    """Three requests in one write get three answers in order."""
    req = b"GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n"
    s = connect(path)
    s.sendall(req + b"GET /v1/nothing HTTP/1.1\r\nHost: x\r\n\r\n" + req)
    deadline = time.monotonic() + 5
    got = [read_response(s, deadline)[0] for _ in range(3)]
    s.close()
    if got != [200, 404, 200]:
        fail("pipelined: %r" % got)
    print("pipelined: %r" % got)


# Slow clients.

def slowloris(path, timeout, body):
    """Send a request a byte at a time, 10 a second, while other readers
    ask for /v1/status; the daemon must cut it near api_timeout."""
    if body:
        req = (b"POST /v1/feeds HTTP/1.1\r\nHost: x\r\n"
               b"Content-Length: 400\r\n\r\n")
        s = connect(path)
        s.sendall(req)
        req = b"{" + b" " * 399
    else:
        req = (b"GET /v1/status HTTP/1.1\r\nHost: x\r\n" +
               b"X-Slow: " + b"s" * 400 + b"\r\n\r\n")
        s = connect(path)
    result = {}

    def drip():
        t0 = time.monotonic()
        for i in range(len(req)):
            try:
                s.send(req[i:i + 1])
            except OSError:
                result["cut"] = (time.monotonic() - t0, i)
                return
            time.sleep(0.1)
        result["whole"] = time.monotonic() - t0

    th = threading.Thread(target=drip)
    th.start()
    worst = 0.0
    while th.is_alive():
        worst = max(worst, status_ok(path, 1.0))
        time.sleep(0.2)
    th.join()
    if "cut" not in result:
        fail("the slow client sent its whole request in %.1f s" %
             result["whole"])
    secs, n = result["cut"]
    if not timeout - 0.5 <= secs <= timeout + 2.5:
        fail("cut after %.1f s, api_timeout is %d s" % (secs, timeout))
    print("slowloris (%s): cut after %.1f s and %d bytes; "
          "/v1/status meanwhile in %.3f s at worst" %
          ("body" if body else "headers", secs, n, worst))


# Many connections.

def is_closed(s):
    r, _, _ = select.select([s], [], [], 0)
    if not r:
        return False
    try:
        return s.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def threads_of(pid):
    with open("/proc/%s/status" % pid) as fp:
        for line in fp:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return 0


def hold(path, n, limit, pid):
    """Open n connections at once and keep them silent: the daemon keeps
    at most limit of them, and answers other readers meanwhile."""
    held = []
    t0 = time.monotonic()
    for _ in range(n):
        try:
            held.append(connect(path, 10))
        except OSError as e:
            fail("connect %d: %s" % (len(held), e))
    opened = time.monotonic() - t0
    time.sleep(0.5)
    secs = [status_ok(path, 1.0) for _ in range(20)]
    alive = sum(not is_closed(s) for s in held)
    if alive > limit:
        fail("%d of %d silent connections still open, limit %d" %
             (alive, n, limit))
    # A thread per connection, the headroom, and a few of the daemon's.
    threads = threads_of(pid)
    if threads > limit + limit // 8 + 8 + 16:
        fail("%d threads for %d connections" % (threads, limit))
    for s in held:
        s.close()
    print("hold: %d opened in %.2f s, %d kept open (limit %d), %d threads; "
          "/v1/status meanwhile in %.3f s at worst" %
          (n, opened, alive, limit, threads, max(secs)))


def busy(path, limit):
    """limit event streams that read: the next reader gets 503 busy; once
    they close, readers are answered again."""
    streams = []
    for _ in range(limit):
        s = connect(path)
        s.sendall(b"GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
        streams.append(s)
    for s in streams:
        r = read_response(s, time.monotonic() + 5)
        if r is None or r[0] != 200:
            fail("an event stream got %r" % (r,))
    r, _ = get(path, "/v1/status")
    if r is None or r[0] != 503:
        fail("past the limit: %r" % (r,))
    if json.loads(r[2])["error"]["code"] != "busy":
        fail("past the limit: %r" % r[2])
    if r[1].get("connection", "").lower() != "close":
        fail("503 busy without Connection: close")
    for s in streams:
        s.close()
    t0 = time.monotonic()
    while True:
        r, _ = get(path, "/v1/status")
        if r is not None and r[0] == 200:
            break
        if time.monotonic() - t0 > 5:
            fail("still refused after the streams closed: %r" % (r,))
        time.sleep(0.1)
    print("busy: %d streams, the next reader got 503 busy; 200 again "
          "%.2f s after they closed" % (limit, time.monotonic() - t0))


# Clients that go away.

def hangup(path, target, n):
    """Ask for a big page and close after its first bytes, n times."""
    r, _ = get(path, target, 20)
    if r is None or r[0] != 200:
        fail("%s: %r" % (target, r))
    size = len(r[2])
    for i in range(n):
        s = connect(path)
        s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % target.encode())
        if i % 2 == 0:
            s.recv(1000)
        s.close()
    # And requests cut in the middle.
    for i in range(n):
        s = connect(path)
        s.sendall(b"POST /v1/feeds HTTP/1.1\r\nHost: x\r\nContent-Len")
        s.close()
    print("hangup: %d clients left a %d-byte page, %d a half-sent "
          "request" % (n, size, n))


def stall(path):
    """Open an event stream and never read it; print nothing, exit when
    stdin closes, then report whether the daemon closed the stream."""
    s = connect(path)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(b"GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
    print("stalled", flush=True)
    sys.stdin.read()
    s.settimeout(10)
    total = 0
    try:
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            total += len(chunk)
    except socket.timeout:
        fail("the stalled stream is still open (%d bytes read)" % total)
    print("stall: closed by the daemon after %d bytes" % total)


# Test feeds.

def feeds(directory, rnd_round, n, items):
    """n RSS feeds of items entries each, with words and guids of their
    own for each round, so that every entry is a story of its own."""
    rnd = random.Random(int(rnd_round))
    letters = "abcdefghijklmnopqrstuvwxyz"

    def word():
        return "".join(rnd.choice(letters) for _ in range(rnd.randint(4, 9)))

    for k in range(int(n)):
        out = ['<?xml version="1.0"?><rss version="2.0"><channel>'
               "<title>Feed %d</title><link>http://example.org/%d</link>" %
               (k, k)]
        for i in range(int(items)):
            title = " ".join(word() for _ in range(8))
            text = " ".join(word() for _ in range(250))
            out.append("<item><title>%s</title><guid>r%s-f%d-i%d</guid>"
                       "<link>http://example.org/%d/%s/%d</link>"
                       "<description>%s</description></item>" %
                       (title, rnd_round, k, i, k, rnd_round, i, text))
        out.append("</channel></rss>")
        with open(os.path.join(directory, "f%d.xml" % k), "w") as fp:
            fp.write("".join(out))


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "feeds":
        feeds(*sys.argv[2:6])
        return
    path, case, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if case == "malformed":
        malformed(path, args[0], int(args[1]))
    elif case == "pipelined":
        pipelined(path)
    elif case == "slowloris":
        slowloris(path, int(args[0]), len(args) > 1 and args[1] == "body")
    elif case == "hold":
        hold(path, int(args[0]), int(args[1]), args[2])
    elif case == "busy":
        busy(path, int(args[0]))
    elif case == "hangup":
        hangup(path, args[0], int(args[1]))
    elif case == "stall":
        stall(path)
    elif case == "status":
        print("status in %.3f s" % status_ok(path, float(args[0])))
    else:
        fail("unknown case " + case)


if __name__ == "__main__":
    main()
