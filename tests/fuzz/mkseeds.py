#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write tests/fuzz/seeds/NAME/ from the test data and the unit tests.

Run from anywhere: python3 tests/fuzz/mkseeds.py.  The seeds are small
files, a few dozen per target, laid out as each fuzz_NAME.c reads its input
(a selector byte first for parse, html and cluster).  String cases are taken
from the C literals of tests/unit/test_*.c, so new unit cases become seeds
when this runs again.  Existing seeds directories are replaced.
"""

import json
import os
import re
import shutil
import struct
import sys

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(TOP, "tests", "data")
UNIT = os.path.join(TOP, "tests", "unit")
OUT = os.path.join(TOP, "tests", "fuzz", "seeds")

# C tokens: comments, string literals, identifiers, braces and commas.
TOKEN = re.compile(
    r'//[^\n]*|/\*.*?\*/|"(?:[^"\\\n]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*|[{},]'
    r"|\S",
    re.S,
)
ESCAPES = {"n": 10, "t": 9, "r": 13, "v": 11, "f": 12, "a": 7, "b": 8,
           "\\": 92, '"': 34, "'": 39, "?": 63, "0": 0}


def unescape(lit):
    """Bytes of one C string literal's body."""
    out, i = bytearray(), 0
    while i < len(lit):
        c = lit[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        n = lit[i + 1]
        if n == "x":
            m = re.match(r"[0-9a-fA-F]+", lit[i + 2:])
            out.append(int(m.group(0), 16) & 0xFF)
            i += 2 + len(m.group(0))
        elif n in "01234567":
            m = re.match(r"[0-7]{1,3}", lit[i + 1:])
            out.append(int(m.group(0), 8) & 0xFF)
            i += 1 + len(m.group(0))
        else:
            out.append(ESCAPES[n])
            i += 2
    return bytes(out)


def groups(path, macros=None):
    """Innermost brace groups of a C file as lists of bytes or None."""
    macros = macros or {}
    toks = [t for t in TOKEN.findall(open(path, encoding="utf-8").read())
            if not t.startswith("//") and not t.startswith("/*")]
    stack, result, last = [], [], None
    for t in toks:
        if t == "{":
            stack.append([])
        elif t == "}":
            if stack:
                g = stack.pop()
                if g and all(x is None or isinstance(x, bytes) for x in g):
                    result.append(g)
                elif stack:
                    stack[-1].append("group")
        elif stack:
            g = stack[-1]
            if t.startswith('"'):
                b = unescape(t[1:-1])
                if last is not None and last.startswith('"'):
                    g[-1] += b  # adjacent literals are one string
                else:
                    g.append(b)
            elif t == "NULL":
                g.append(None)
            elif t in macros:
                g.append(macros[t])
            elif t != ",":
                g.append("other")
        last = t
    return result


def spread(items, n):
    """At most n items, taken evenly from the list."""
    if len(items) <= n:
        return items
    return [items[i * len(items) // n] for i in range(n)]


def write(name, seeds):
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    seen = set()
    for label, data in seeds:
        if data in seen:
            continue
        seen.add(data)
        label = re.sub(r"[^A-Za-z0-9_.-]+", "-", label)[:40].strip("-")
        with open(os.path.join(d, "%02d-%s" % (len(seen), label)), "wb") as f:
            f.write(data)
    print("%-8s %3d seeds" % (name, len(seen)))


def seeds_parse():
    # Selector byte: low 4 bits content type, bits 4-5 base, bit 6 tight.
    kind = {".xml": 1, ".rdf": 11, ".json": 3}
    out = []
    for fn in sorted(os.listdir(os.path.join(DATA, "feeds"))):
        doc = open(os.path.join(DATA, "feeds", fn), "rb").read()
        ct = kind.get(os.path.splitext(fn)[1], 0)
        out.append((fn + "-plain", b"\x00" + doc))
        out.append((fn + "-typed", bytes([ct | 0x10]) + doc))
        out.append((fn + "-tight", bytes([0x40 | 0x20 | ct]) + doc))
    out.append(("rss-script", b"\x01" + b"<rss version='2.0'><channel>"
                b"<item><title>a &lt;b&gt;</title><description><![CDATA["
                b"<p onclick=x>hi<script>alert(1)</script><a href='jav&#x61;"
                b"script:x'>l</a><img srcset='a.png 1x, javascript:y 2x'>"
                b"]]></description></item></channel></rss>"))
    out.append(("json-html", b"\x03" + json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "t",
        "items": [{"id": "1", "content_html":
                   "<iframe src=x></iframe><a href=' javascript:1'>x</a>",
                   "url": "/rel", "date_published": "2023-11-20T10:00:00Z",
                   "attachments": [{"url": "a.mp3", "size_in_bytes": 5}]}]
    }).encode()))
    out.append(("utf16", b"\x07" + "<?xml version='1.0' encoding='utf-16'?>"
                "<rss><channel><title>\u00e9</title></channel></rss>"
                .encode("utf-16")))
    out.append(("atom-xhtml", b"\x12" + b"<feed xmlns='http://www.w3.org/2005/"
                b"Atom' xml:base='http://ex.org/a/'><entry><id>1</id>"
                b"<content type='xhtml'><div xmlns='http://www.w3.org/1999/"
                b"xhtml'><a href='b'>x</a></div></content></entry></feed>"))
    return out


def seeds_date():
    strs = [g[0] for g in groups(os.path.join(UNIT, "test_date.c"))
            if g and isinstance(g[0], bytes)]
    # The loose string arrays (rejected dates) are one group each.
    out = [("d", s) for s in strs]
    flat = []
    for g in groups(os.path.join(UNIT, "test_date.c")):
        if len(g) > 2:
            flat += [x for x in g if isinstance(x, bytes)]
    out += [("d", s) for s in flat]
    return spread(out, 60)


def seeds_url():
    rfc = b"http://a/b/c/d;p?q"
    out = []
    for g in groups(os.path.join(UNIT, "test_url.c"), {"RFC_BASE": rfc}):
        if len(g) == 3 and isinstance(g[1], bytes):
            base, ref = g[0], g[1]
            out.append(("resolve", ref if base is None else base + b"\n" + ref))
        elif len(g) > 3:
            out += [("safe", x) for x in g if isinstance(x, bytes)]
    canon = [("canon", g[0]) for g in groups(os.path.join(UNIT, "test_canon.c"))
             if len(g) == 2 and isinstance(g[0], bytes)]
    return spread(out, 40) + spread(canon, 30)


def seeds_html():
    out = []
    for g in groups(os.path.join(UNIT, "test_html.c"),
                    {"BASE": b"https://ex.org/a/c"}):
        if len(g) == 2 and isinstance(g[0], bytes):
            out.append(("case", g[0]))
        elif len(g) > 2:
            out += [("list", x) for x in g if isinstance(x, bytes)]
    out = [(l, s) for l, s in out if len(s) > 2]
    out = spread(out, 56)
    # Selector byte: limit in bits 0-2, base in bits 3-5.
    return [(l, bytes([(i * 9) & 0x3F if i % 4 == 0 else 0]) + s)
            for i, (l, s) in enumerate(out)]


def seeds_opml():
    out = []
    d = os.path.join(DATA, "opml")
    for fn in sorted(os.listdir(d)):
        out.append((fn, open(os.path.join(d, fn), "rb").read()))
    for g in groups(os.path.join(UNIT, "test_opml.c")):
        for x in g:
            if isinstance(x, bytes) and b"<opml" in x:
                out.append(("unit", x))
    src = open(os.path.join(UNIT, "test_opml.c"), encoding="utf-8").read()
    for m in re.finditer(r'((?:"(?:[^"\\\n]|\\.)*"\s*)+)', src):
        lits = re.findall(r'"((?:[^"\\\n]|\\.)*)"', m.group(1))
        doc = b"".join(unescape(l) for l in lits)
        if b"<opml" in doc and len(doc) < 2000:
            out.append(("unit", doc))
    return spread(out, 40)


def seeds_cluster():
    t0 = 1700000000

    def rec(e):
        t = e.get("published", "2023-11-15T00:00:00Z")
        import datetime
        ts = int(datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ")
                 .replace(tzinfo=datetime.timezone.utc).timestamp())
        steps = max(-32768, min(32767, (ts - t0) // 300))
        fields = [e.get("lang", ""), e.get("title", ""), e.get("text", "")
                  [:600], "https://%s/%s" % (e.get("source", "x"), e["id"]),
                  e["id"]]
        return struct.pack(">h", steps) + b"\x1f".join(
            f.encode("utf-8") for f in fields)

    lines = [json.loads(l) for l in
             open(os.path.join(DATA, "cluster", "founding.jsonl"),
                  encoding="utf-8")]
    dups = [json.loads(l) for l in
            open(os.path.join(DATA, "cluster", "founding.dups.jsonl"),
                 encoding="utf-8")]
    out = []
    for i in range(0, len(lines), 4):
        chunk = lines[i:i + 5]
        sel = [0x00, 0x01, 0x02, 0x03, 0x20][(i // 4) % 5]
        out.append(("founding%d" % i,
                    bytes([sel]) + b"\x1e".join(rec(e) for e in chunk)))
    for i in range(0, len(dups), 2):
        chunk = dups[i:i + 2] + lines[i:i + 2]
        out.append(("dups%d" % i, b"\x00" + b"\x1e".join(rec(e) for e in chunk)))
    return out


def http(method, path, body=None, headers=(), version="HTTP/1.1"):
    h = ["%s %s %s" % (method, path, version), "Host: localhost"]
    h += list(headers)
    if body is not None:
        if isinstance(body, str):
            body = body.encode()
        h.append("Content-Length: %d" % len(body))
    return ("\r\n".join(h) + "\r\n\r\n").encode() + (body or b"")


def seeds_api():
    nested = open(os.path.join(DATA, "opml", "nested.opml"), "rb").read()
    j = "Content-Type: application/json"
    out = [
        ("status", http("GET", "/v1/status")),
        ("feeds", http("GET", "/v1/feeds")),
        ("feed1", http("GET", "/v1/feeds/1")),
        ("feed-bad", http("GET", "/v1/feeds/18446744073709551616")),
        ("feed-poll", http("POST", "/v1/feeds/2/poll")),
        ("feed-del", http("DELETE", "/v1/feeds/999")),
        ("feed-put", http("PUT", "/v1/feeds")),
        ("entries", http("GET", "/v1/entries?feed=1&limit=2")),
        ("entries-since", http("GET", "/v1/entries?since=2h&limit=abc")),
        ("entries-date", http("GET", "/v1/entries?since=Mon,%2020%20Nov%202023"
                              "%2010:00:00%20GMT")),
        ("entries-cursor", http("GET", "/v1/entries?cursor=AAAA&feed=1")),
        ("entries-page", http("GET", "/v1/entries?limit=50&cursor=a"
                              "0000000065000000ffffffffffffffff")),
        ("entries-feed-page", http("GET", "/v1/entries?feed=2&cursor=f"
                                   "00000000655b0000000000000000000a")),
        ("stories-page", http("GET", "/v1/stories?limit=50&cursor=s"
                              "00000000655b0000000000000000000a")),
        ("opml-get", http("GET", "/v1/opml")),
        ("opml-post", http("POST", "/v1/opml", nested,
                           ["Content-Type: text/x-opml"])),
        ("opml-bad", http("POST", "/v1/opml", "<rss version='2.0'/>")),
        ("add", http("POST", "/v1/feeds", json.dumps(
            {"url": "http://example.org/feed.xml", "title": "T",
             "folder": "A/B"}), [j])),
        ("add-bad", http("POST", "/v1/feeds", '{"url": 5, "folder": "\\u0001"}',
                         [j])),
        ("add-notjson", http("POST", "/v1/feeds", "not json")),
        ("stories", http("GET", "/v1/stories?lang=en&min_sources=1&unread=1"
                         "&limit=3")),
        ("stories-since", http("GET", "/v1/stories?since=30d&cursor=x")),
        ("atom", http("GET", "/v1/stories.atom?limit=2&lang=de")),
        ("story1", http("GET", "/v1/stories/1")),
        ("story-read", http("POST", "/v1/stories/2/read")),
        ("events", http("GET", "/v1/events")),
        ("pipelined", http("GET", "/v1/status") + http("GET", "/v1/feeds/1")),
        ("chunked", b"POST /v1/feeds HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:"
         b" chunked\r\n\r\n5\r\n{\"url\r\n0\r\n\r\n"),
        ("expect", http("POST", "/v1/opml", nested, ["Expect: 100-continue"])),
        ("too-large", b"POST /v1/opml HTTP/1.1\r\nHost: x\r\nContent-Length: "
         b"99999999999\r\n\r\nabc"),
        ("http10", http("GET", "/v1/status", version="HTTP/1.0")),
        ("absolute", http("GET", "http://localhost/v1/feeds?x=1&x=2")),
        ("encoded", http("GET", "/v1/%73tories/%31?lang=%00")),
        ("head", http("HEAD", "/v1/stories")),
        ("garbage", b"\x00\xffGET / HTTP/9.9\r\n\r\n"),
    ]
    return out


def main():
    write("parse", seeds_parse())
    write("date", seeds_date())
    write("url", seeds_url())
    write("html", seeds_html())
    write("opml", seeds_opml())
    write("cluster", seeds_cluster())
    write("api", seeds_api())
    return 0


if __name__ == "__main__":
    sys.exit(main())
