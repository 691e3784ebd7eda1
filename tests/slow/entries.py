#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The API side of the crash tests: what sheafd has committed.

Usage:
  entries.py snap SOCK FILE     list every entry (GET /v1/entries), print
                                "COMMITTED LOST": how many FILE and the
                                list hold together, and how many of FILE
                                the list lacks (up to five on stderr);
                                then add the list to FILE (one
                                "id feed entry_id" a line, sorted)
  entries.py lost SOCK FILE     print LOST alone, leaving FILE as it is
  entries.py poke SOCK N SEED   ask for polls of N feeds picked at random
  entries.py delays N SEED LO HI  N random delays in seconds, one a line

Everything an answer lists was committed: the daemon answers from read
transactions, which see only committed data.
"""

import http.client
import json
import os
import random
import socket
import sys
import urllib.parse


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=30):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def request(conn, method, path):
    conn.request(method, path)
    resp = conn.getresponse()
    return resp.status, resp.read()


def listed(sock):
    """Every entry the API lists, newest first, as text lines."""
    conn = UnixConnection(sock)
    out = set()
    cursor = None
    while True:
        path = "/v1/entries?limit=500"
        if cursor:
            path += "&cursor=" + urllib.parse.quote(cursor)
        status, body = request(conn, "GET", path)
        if status != 200:
            raise SystemExit("GET %s: %d %s" % (path, status, body[:200]))
        page = json.loads(body)
        for e in page["entries"]:
            out.add("%d %d %s" % (e["id"], e["feed"], e["entry_id"]))
        cursor = page["next_cursor"]
        if not cursor:
            break
    conn.close()
    return out


def read_set(path):
    try:
        with open(path, encoding="utf-8") as fp:
            return set(line.rstrip("\n") for line in fp if line.strip())
    except FileNotFoundError:
        return set()


def lost_of(before, now):
    gone = sorted(before - now)
    for line in gone[:5]:
        print("lost: " + line, file=sys.stderr)
    return len(gone)


def cmd_snap(sock, path):
    before = read_set(path)
    now = listed(sock)
    lost = lost_of(before, now)
    seen = before | now
    with open(path + ".tmp", "w", encoding="utf-8") as fp:
        for line in sorted(seen):
            fp.write(line + "\n")
    os.replace(path + ".tmp", path)
    print(len(seen), lost)


def cmd_lost(sock, path):
    print(lost_of(read_set(path), listed(sock)))


def cmd_poke(sock, n, seed):
    conn = UnixConnection(sock)
    status, body = request(conn, "GET", "/v1/feeds")
    if status != 200:
        raise SystemExit("GET /v1/feeds: %d" % status)
    ids = [f["id"] for f in json.loads(body)["feeds"]]
    rng = random.Random(seed)
    for i in rng.sample(ids, min(n, len(ids))):
        request(conn, "POST", "/v1/feeds/%d/poll" % i)
    conn.close()


def cmd_delays(n, seed, lo, hi):
    rng = random.Random(seed)
    for _ in range(n):
        print("%.2f" % rng.uniform(lo, hi))


def main(argv):
    if len(argv) >= 3 and argv[1] == "snap":
        cmd_snap(argv[2], argv[3])
    elif len(argv) >= 3 and argv[1] == "lost":
        cmd_lost(argv[2], argv[3])
    elif len(argv) == 5 and argv[1] == "poke":
        cmd_poke(argv[2], int(argv[3]), int(argv[4]))
    elif len(argv) == 6 and argv[1] == "delays":
        cmd_delays(int(argv[2]), int(argv[3]), float(argv[4]),
                   float(argv[5]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
