#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Feeds for make bench-api, and the churn that keeps sheafd ingesting.

  api_feeds.py write DIR N ITEMS   N feeds of ITEMS entries: DIR/fK.xml,
                                   DIR/routes.json for tests/httpd/server.py
                                   and DIR/feeds.opml for POST /v1/opml
  api_feeds.py churn DIR SOCKET N ITEMS RATE
                                   until stdin closes: RATE times a second,
                                   give one feed (in turn) 5 new entries and
                                   ask sheafd to poll it

Entries look like news: an eight-word title, a summary of 60 words and
three paragraphs of HTML content, in words made up per entry, so that
each entry is a story of its own.
"""

import json
import os
import random
import socket
import sys
import threading
import time

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def words(rnd, n):
    return " ".join("".join(rnd.choices(LETTERS, k=rnd.randint(3, 9)))
                    for _ in range(n))


def item(rnd, k, serial):
    content = "".join("<p>%s</p>" % words(rnd, 80) for _ in range(3))
    # From yesterday, a second apart: the same in write and churn.
    published = time.time() // 86400 * 86400 - 86400 + serial
    return ("<item><title>%s</title><guid>f%d-%d</guid>"
            "<link>http://example.org/%d/%d</link>"
            "<pubDate>%s</pubDate>"
            "<description>%s</description>"
            "<content:encoded><![CDATA[%s]]></content:encoded></item>" %
            (words(rnd, 8), k, serial, k, serial,
             time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                           time.gmtime(published)),
             words(rnd, 60), content))


def feed(k, items):
    return ('<?xml version="1.0"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            "<channel><title>Feed %d</title>"
            "<link>http://example.org/%d</link>%s</channel></rss>" %
            (k, k, "".join(items)))


def write_file(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as fp:
        fp.write(text)
    os.replace(tmp, path)


def write(directory, n, nitems):
    rnd = random.Random(1)
    routes = {}
    outlines = []
    for k in range(n):
        items = [item(rnd, k, i) for i in range(nitems)]
        write_file(os.path.join(directory, "f%d.xml" % k), feed(k, items))
        routes["/f%d.xml" % k] = {"body_file": "f%d.xml" % k}
        outlines.append('<outline text="f%d" xmlUrl="http://127.0.0.1:'
                        'PORT/f%d.xml"/>' % (k, k))
    write_file(os.path.join(directory, "routes.json"), json.dumps(routes))
    write_file(os.path.join(directory, "feeds.opml"),
               '<?xml version="1.0"?><opml version="2.0"><head/><body>' +
               "".join(outlines) + "</body></opml>")


def ask(path, method, target):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    s.sendall(b"%s %s HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
              b"Connection: close\r\n\r\n" % (method, target))
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return data.partition(b"\r\n\r\n")[2]


def feed_ids(path):
    feeds = json.loads(ask(path, b"GET", b"/v1/feeds"))["feeds"]
    return {int(f["url"].rsplit("/f", 1)[1].split(".")[0]): f["id"]
            for f in feeds}


def items_of(path):
    with open(path) as fp:
        text = fp.read()
    return ["<item>" + p.split("</item>")[0] + "</item>"
            for p in text.split("<item>")[1:]]


def churn(directory, path, n, nitems, rate):
    rnd = random.Random(2)
    ids = feed_ids(path)
    serial = nitems
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()),
                     daemon=True).start()
    k = 0
    while not stop.wait(1.0 / rate):
        name = os.path.join(directory, "f%d.xml" % k)
        fresh = [item(rnd, k, serial + i) for i in range(5)]
        serial += 5
        write_file(name, feed(k, (fresh + items_of(name))[:nitems]))
        ask(path, b"POST", b"/v1/feeds/%d/poll" % ids[k])
        k = (k + 1) % n


def main():
    if sys.argv[1] == "write":
        write(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1] == "churn":
        churn(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]),
              float(sys.argv[6]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
