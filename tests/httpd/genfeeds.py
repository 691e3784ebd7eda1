#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A loopback HTTP server of generated RSS feeds that keep changing.

Usage:
  genfeeds.py --port-file FILE [--items N] [--step N] [--pad BYTES]

GET /f/<n> answers an RSS 2.0 document of N items (default 50) for feed n.
Every request for a feed moves its window forward by --step items
(default 5), so each poll brings new entries, and the summary of the
newest item carries the request number, so that some entries change too.
--pad adds that many bytes of text to every item, to fill a store fast.
Titles are words drawn from a generator seeded with the feed and item
numbers: the same item always reads the same, and items of different
feeds rarely look alike.

GET /count answers the number of feed requests served so far.  The
server writes its port to --port-file and runs until SIGTERM.
"""

import argparse
import os
import random
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WORDS = ("harbor council budget river storm vote market school bridge "
         "court festival railway energy museum strike drought election "
         "hospital airport treaty orchestra glacier satellite vaccine "
         "harvest tunnel reactor mayor senate football laboratory wildfire "
         "parliament pipeline archive cathedral village ferry summit "
         "volcano minister tariff campus stadium refinery forest").split()


class Feeds:
    """Per-feed request counters, shared by the handler threads."""

    def __init__(self, items, step, pad):
        self.lock = threading.Lock()
        self.seen = {}
        self.total = 0
        self.items = items
        self.step = step
        self.pad = pad

    def next_request(self, n):
        with self.lock:
            r = self.seen.get(n, 0)
            self.seen[n] = r + 1
            self.total += 1
            return r

    def title(self, n, i):
        rng = random.Random(n * 1000003 + i)
        return " ".join(rng.choice(WORDS) for _ in range(6))

    def document(self, n, r):
        last = self.items + r * self.step
        out = ['<?xml version="1.0"?><rss version="2.0"><channel>',
               "<title>Feed %d</title><link>http://example.org/%d</link>"
               % (n, n)]
        for i in range(last - 1, last - 1 - self.items, -1):
            summary = "item %d of feed %d" % (i, n)
            if i == last - 1:
                summary += ", as of request %d" % r
            out.append("<item><title>%s %d</title><guid>f%d-%d</guid>"
                       "<link>http://example.org/%d/%d</link>"
                       "<description>%s%s</description></item>"
                       % (self.title(n, i), i, n, i, n, i, summary,
                          " pad" * (self.pad // 4)))
        out.append("</channel></rss>")
        return "".join(out).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # noqa: A002 (the base's name)
        pass

    def answer(self, status, body, ctype):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 (the base's name)
        feeds = self.server.feeds
        path = self.path.split("?", 1)[0]
        if path == "/count":
            with feeds.lock:
                total = feeds.total
            self.answer(200, b"%d\n" % total, "text/plain")
            return
        if path.startswith("/f/") and path[3:].isdigit():
            n = int(path[3:])
            body = feeds.document(n, feeds.next_request(n))
            self.answer(200, body, "application/rss+xml")
            return
        self.answer(404, b"not found\n", "text/plain")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--step", type=int, default=5)
    ap.add_argument("--pad", type=int, default=0)
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.feeds = Feeds(args.items, args.step, args.pad)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    with open(args.port_file + ".tmp", "w") as fp:
        fp.write("%d\n" % srv.server_address[1])
    os.replace(args.port_file + ".tmp", args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
