#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Helpers of bench/poll.sh: talk to sheafd over its socket, time commands.
See bench/README.md.

usage:
  poll_feeds.py port
      print a free TCP port on 127.0.0.1
  poll_feeds.py run RUSAGE CMD [ARG...]
      run CMD (stdin, stdout and stderr inherited) and write
      "SECONDS PEAK_KIB EXIT_STATUS" to RUSAGE: wall time around the child
      (time.monotonic), the largest resident set of the child and of the
      children it waited for (getrusage RUSAGE_CHILDREN), and its exit
      status (128 + N when killed by signal N).  Exits 0.
  poll_feeds.py wait SOCK N TIMEOUT OUT [BEFORE]
      wait until sheafd on SOCK has N feeds, none of them due
      (GET /v1/status, every 0.2 s), and every one of them polled: its
      last_poll set, and different from its last_poll in BEFORE (the
      /v1/feeds answer of an earlier round) when given.  The first check of
      the feeds follows the first status that shows nothing due; when some
      feed is still not polled then, the feeds are checked again every
      second.  Writes the last GET /v1/feeds answer to OUT, and prints
      "done_at=UNIX_SECONDS" (when the status first showed the round over,
      or when the feeds check first passed, whichever is later) and
      "missing=COUNT" (0 on success).  Exits 1 after TIMEOUT seconds
      without success, 0 otherwise.
  poll_feeds.py stories SOCK TIMEOUT
      wait until sheafd on SOCK has no entry waiting for its story
      (stories_pending of GET /v1/status, every 0.2 s).  Exits 1 after
      TIMEOUT seconds without that, 0 otherwise.
  poll_feeds.py summary FEEDS [BEFORE]
      counts of a GET /v1/feeds answer, as shell assignments: feeds,
      polled (last_poll set, or different from BEFORE's when given),
      st200, st304, stother (other HTTP statuses), nostatus (no HTTP
      answer), failing (last_error set); with BEFORE also failing_before
      (feeds with an error in BEFORE) and not304_were_failing (feeds
      without a 304 now that had an error in BEFORE).  The distinct
      last_error messages, with their counts, go to stderr.
"""
import http.client
import json
import os
import resource
import socket
import subprocess
import sys
import time
from collections import Counter


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=60):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.path)
        self.sock = s


class Api:
    """GET requests on one kept-alive connection, reconnecting when needed."""

    def __init__(self, path):
        self.path = path
        self.conn = None

    def get(self, url):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = UnixConnection(self.path)
            try:
                self.conn.request("GET", url)
                r = self.conn.getresponse()
                body = r.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                continue
            if r.status != 200:
                raise RuntimeError("GET %s: HTTP %d: %.200r"
                                   % (url, r.status, body))
            return body
        raise AssertionError


def cmd_port(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def cmd_run(args):
    out, cmd = args[0], args[1:]
    t = time.monotonic()
    rc = subprocess.call(cmd)
    t = time.monotonic() - t
    if rc < 0:
        rc = 128 - rc
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(out, "w") as f:
        f.write("%.3f %d %d\n" % (t, peak, rc))


def last_polls(doc):
    return {f["id"]: f["last_poll"] for f in doc["feeds"]}


def not_polled(doc, before):
    """Ids of the feeds not polled (since BEFORE, when given)."""
    out = []
    for f in doc["feeds"]:
        lp = f["last_poll"]
        if lp is None or (before is not None and
                          before.get(f["id"]) == lp):
            out.append(f["id"])
    return out


def cmd_wait(args):
    sock, n, timeout, out = args[0], int(args[1]), float(args[2]), args[3]
    before = None
    if len(args) > 4:
        with open(args[4], "rb") as f:
            before = last_polls(json.load(f))
    api = Api(sock)
    start = time.monotonic()
    deadline = start + timeout
    last_note = start
    over_at = None  # when the status first showed nothing due
    doc = None
    missing = []
    ok = False
    while True:
        now = time.monotonic()
        if over_at is None:
            st = json.loads(api.get("/v1/status"))
            if st["feeds"] >= n and st["due"] == 0:
                over_at = time.time()
            elif now - last_note >= 15:
                last_note = now
                print("poll_feeds: %.0f s, %d of %d feeds due"
                      % (now - start, st["due"], st["feeds"]),
                      file=sys.stderr)
        if over_at is not None:
            checked_at = time.time()
            doc = json.loads(api.get("/v1/feeds"))
            missing = not_polled(doc, before)
            if len(doc["feeds"]) >= n and not missing:
                ok = True
                # The status showed the end, or a later check did.
                done_at = over_at if checked_at - over_at < 1 \
                    else checked_at
                break
            if now - last_note >= 15:
                last_note = now
                print("poll_feeds: %.0f s, nothing due but %d feeds not"
                      " polled yet" % (now - start, len(missing)),
                      file=sys.stderr)
        if now >= deadline:
            if doc is None:
                doc = json.loads(api.get("/v1/feeds"))
                missing = not_polled(doc, before)
            done_at = time.time()
            break
        time.sleep(0.2 if over_at is None else 1.0)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    print("done_at=%.3f" % done_at)
    print("missing=%d" % (max(0, n - len(doc["feeds"])) + len(missing)))
    return 0 if ok else 1


def cmd_stories(args):
    api = Api(args[0])
    deadline = time.monotonic() + float(args[1])
    while json.loads(api.get("/v1/status"))["stories_pending"] != 0:
        if time.monotonic() >= deadline:
            return 1
        time.sleep(0.2)
    return 0


def cmd_summary(args):
    with open(args[0], "rb") as f:
        doc = json.load(f)
    before_doc = None
    if len(args) > 1:
        with open(args[1], "rb") as f:
            before_doc = json.load(f)
    before = last_polls(before_doc) if before_doc is not None else None
    c = Counter()
    errors = Counter()
    was_failing = set()
    if before_doc is not None:
        was_failing = {f["id"] for f in before_doc["feeds"]
                       if f["last_error"] is not None}
    for f in doc["feeds"]:
        c["feeds"] += 1
        lp = f["last_poll"]
        if lp is not None and (before is None or before.get(f["id"]) != lp):
            c["polled"] += 1
        st = f["last_status"]
        if st == 200:
            c["st200"] += 1
        elif st == 304:
            c["st304"] += 1
        elif st is None:
            c["nostatus"] += 1
        else:
            c["stother"] += 1
        if f["last_error"] is not None:
            c["failing"] += 1
            errors[f["last_error"]] += 1
        if before_doc is not None and st != 304 and f["id"] in was_failing:
            c["not304_were_failing"] += 1
    keys = ["feeds", "polled", "st200", "st304", "stother", "nostatus",
            "failing"]
    if before_doc is not None:
        keys.append("not304_were_failing")
        c["failing_before"] = len(was_failing)
        keys.append("failing_before")
    for k in keys:
        print("%s=%d" % (k, c[k]))
    for msg, k in errors.most_common():
        print("%6d  %s" % (k, msg), file=sys.stderr)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    want = {"port": (0, 0), "run": (2, None), "wait": (4, 5),
            "stories": (2, 2), "summary": (1, 2)}
    if cmd not in want:
        sys.exit(__doc__)
    lo, hi = want[cmd]
    if len(args) < lo or (hi is not None and len(args) > hi):
        sys.exit(__doc__)
    fn = {"port": cmd_port, "run": cmd_run, "wait": cmd_wait,
          "stories": cmd_stories, "summary": cmd_summary}[cmd]
    sys.exit(fn(args) or 0)


if __name__ == "__main__":
    main()
