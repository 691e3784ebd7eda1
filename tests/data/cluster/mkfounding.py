#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Build the founding-example clustering data from the demo feeds.

Runs `sheaf parse` on every file of examples/feeds/ and writes, beside this
script:

  founding.jsonl       the entries as `sheaf cluster` input (SCHEMAS.md §2):
                       {"id","title","text","published","lang","source"},
                       sorted by published time (ties by id)
  founding.gold.jsonl  {"id","event"}: the true story of each entry, same order
  founding.dups.jsonl  {"id","duplicate_of"}: each re-post and the earlier
                       original it copies, in order of the re-post

id is the entry id `sheaf parse` reports (guid / atom:id / rdf:about / JSON
Feed id).  text is the entry's content as plain text (HTML tags dropped,
one line per block), or its summary when it has no content.  lang is the
entry's language, else the feed's, reduced to the primary subtag ("en-us" ->
"en").  source is the host name of the feed's site link.

The true labels are the tables GOLD and DUPS below, keyed by entry id; the
script stops with an error when a feed entry has no label or a label names no
entry, so the demo feeds and these files cannot drift apart.

Usage: mkfounding.py [--sheaf PATH] [--feeds DIR] [--out DIR] [--check]
  --sheaf  the sheaf binary (default: $SHEAF, else <top>/client/sheaf)
  --feeds  the feed directory (default: <top>/examples/feeds)
  --out    where to write (default: this script's directory)
  --check  write nothing; exit 1 when the files on disk differ from what
           would be written
Python 3 standard library only.
"""
import argparse
import html.parser
import json
import os
import re
import subprocess
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", "..", ".."))

# The true story of every entry of examples/feeds/, decided by whoever wrote
# the feeds.  "board-crisis" is the founding example (17-22 Nov 2023); the
# others share names with it (devday, ignite, gpt-store, chatgpt-outage) or
# only the time window (the rest).
GOLD = {
    # wire.xml: Continental Wire (en), the originals
    "cw-20231101-0187": "fed-rates-nov",
    "cw-20231102-0044": "storm-ciaran",
    "cw-20231106-0311": "devday",
    "cw-20231115-0290": "ignite",
    "cw-20231117-0412": "board-crisis",  # the firing
    "cw-20231118-0019": "board-crisis",  # Brockman quits
    "cw-20231120-0007": "election-argentina",
    "cw-20231120-0023": "board-crisis",  # Emmett Shear interim CEO
    "cw-20231120-0031": "board-crisis",  # Microsoft hires Altman, Brockman
    "cw-20231120-0158": "board-crisis",  # staff letter, Sutskever's regret
    "cw-20231122-0026": "board-crisis",  # Altman returns
    "cw-20231122-0377": "election-netherlands",
    # courier.xml: Bayside Courier (en), wire re-posts
    "https://baysidecourier.example.org/news/business/2023/11/06/openai-slashes-prices/": "devday",
    "https://baysidecourier.example.org/news/business/2023/11/17/sam-altman-out-as-openai-chief/": "board-crisis",
    "https://baysidecourier.example.org/news/business/2023/11/20/microsoft-lands-altman/": "board-crisis",
    "https://baysidecourier.example.org/news/business/2023/11/22/altman-back-in-charge-at-openai/": "board-crisis",
    # roundup.xml: Signal Roundup (en, Atom), wire re-posts
    "tag:roundup.example.net,2023:post-5502": "ignite",
    "tag:roundup.example.net,2023:post-5548": "board-crisis",
    "tag:roundup.example.net,2023:post-5561": "board-crisis",
    "tag:roundup.example.net,2023:post-5590": "board-crisis",
    # blog-fr.xml: Le Fil Numérique (fr, WordPress)
    "https://blog.filnumerique.example/?p=1142": "storm-ciaran",
    "https://blog.filnumerique.example/?p=1156": "devday",
    "https://blog.filnumerique.example/?p=1187": "board-crisis",
    "https://blog.filnumerique.example/?p=1190": "football-france-gibraltar",
    "https://blog.filnumerique.example/?p=1203": "board-crisis",
    "https://blog.filnumerique.example/?p=1219": "board-crisis",
    # json-de.json: Digitale Lage (de, JSON Feed)
    "tag:digitalelage.example,2023:4540": "ignite",
    "tag:digitalelage.example,2023:4563": "board-crisis",
    "tag:digitalelage.example,2023:4591": "board-crisis",
    "tag:digitalelage.example,2023:4598": "election-netherlands",
    "tag:digitalelage.example,2023:4712": "ecb-rates-dec",
    # noticias-es.xml: Noticias Red (es, Atom)
    "tag:noticiasred.example,2023-11-20:/mundo/milei-gana-balotaje-argentina": "election-argentina",
    "tag:noticiasred.example,2023-11-20:/tecnologia/microsoft-ficha-altman-brockman": "board-crisis",
    "tag:noticiasred.example,2023-11-22:/tecnologia/sam-altman-vuelve-openai": "board-crisis",
    "tag:noticiasred.example,2024-01-11:/tecnologia/openai-abre-gpt-store": "gpt-store",
    # rdf-site.rdf: Byteline (en, RSS 1.0)
    "http://byteline.example/2023/11/06/openai-devday-everything-announced": "devday",
    "http://byteline.example/2023/11/09/chatgpt-outage-ddos": "chatgpt-outage",
    "http://byteline.example/2023/11/18/starship-second-flight-stage-separation": "starship-flight2",
    "http://byteline.example/2024/01/10/openai-gpt-store-launch-chatgpt-team": "gpt-store",
}

# Re-posts of wire copy (new headline, byline, a changed sentence, "Related:"
# lines or an editor's note) -> the wire original they copy.
DUPS = {
    "https://baysidecourier.example.org/news/business/2023/11/06/openai-slashes-prices/": "cw-20231106-0311",
    "https://baysidecourier.example.org/news/business/2023/11/17/sam-altman-out-as-openai-chief/": "cw-20231117-0412",
    "https://baysidecourier.example.org/news/business/2023/11/20/microsoft-lands-altman/": "cw-20231120-0031",
    "https://baysidecourier.example.org/news/business/2023/11/22/altman-back-in-charge-at-openai/": "cw-20231122-0026",
    "tag:roundup.example.net,2023:post-5502": "cw-20231115-0290",
    "tag:roundup.example.net,2023:post-5548": "cw-20231120-0023",
    "tag:roundup.example.net,2023:post-5561": "cw-20231120-0158",
    "tag:roundup.example.net,2023:post-5590": "cw-20231122-0026",
}

BLOCK = {"address", "article", "aside", "blockquote", "br", "dd", "div", "dl",
         "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5",
         "h6", "header", "hr", "li", "ol", "p", "pre", "section", "table",
         "td", "th", "tr", "ul"}
SKIP = {"script", "style", "template", "noscript"}


class _Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIP:
            self.skip += 1
        elif tag in BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_to_text(fragment):
    p = _Text()
    p.feed(fragment)
    p.close()
    lines = (re.sub(r"\s+", " ", line).strip()
             for line in "".join(p.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def lang_of(tag):
    if not tag:
        return None
    return re.split(r"[-_]", tag.strip())[0].lower() or None


def host_of(url):
    if not url:
        return None
    host = urllib.parse.urlsplit(url).hostname
    if host and host.startswith("www."):
        host = host[4:]
    return host


def parse_feed(sheaf, path):
    p = subprocess.run([sheaf, "parse", path], capture_output=True)
    if p.returncode != 0 or p.stderr:
        sys.exit("mkfounding: sheaf parse %s: exit %d: %s" % (
            path, p.returncode, p.stderr.decode("utf-8", "replace").strip()))
    return json.loads(p.stdout.decode("utf-8"))


def build(sheaf, feeds):
    entries = []
    for name in sorted(os.listdir(feeds)):
        path = os.path.join(feeds, name)
        if not os.path.isfile(path):
            continue
        feed = parse_feed(sheaf, path)
        source = host_of(feed.get("link"))
        for e in feed["entries"]:
            if not e.get("published"):
                sys.exit("mkfounding: %s: entry %s has no published time"
                         % (name, e["id"]))
            if e.get("content_html"):
                text = html_to_text(e["content_html"])
            else:
                text = e.get("summary") or ""
            entries.append({
                "id": e["id"],
                "title": e.get("title"),
                "text": text,
                "published": e["published"],
                "lang": lang_of(e.get("language") or feed.get("language")),
                "source": source or host_of(e.get("link")),
            })
    entries.sort(key=lambda x: (x["published"], x["id"]))

    ids = [x["id"] for x in entries]
    problems = []
    if len(set(ids)) != len(ids):
        problems.append("duplicate entry ids in the feeds")
    problems += ["no gold event for %s" % i for i in ids if i not in GOLD]
    problems += ["gold label for missing entry %s" % i
                 for i in GOLD if i not in ids]
    when = {x["id"]: x["published"] for x in entries}
    for dup, orig in DUPS.items():
        if dup not in when or orig not in when:
            problems.append("duplicate pair %s -> %s names a missing entry"
                            % (dup, orig))
        elif when[orig] >= when[dup]:
            problems.append("%s is not earlier than its re-post %s"
                            % (orig, dup))
        elif GOLD.get(dup) != GOLD.get(orig):
            problems.append("re-post %s and original %s differ in event"
                            % (dup, orig))
    if problems:
        sys.exit("mkfounding: " + "\n  ".join(problems))

    def lines(rows):
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)

    return {
        "founding.jsonl": lines(entries),
        "founding.gold.jsonl": lines({"id": i, "event": GOLD[i]}
                                     for i in ids),
        "founding.dups.jsonl": lines({"id": i, "duplicate_of": DUPS[i]}
                                     for i in ids if i in DUPS),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sheaf", default=os.environ.get("SHEAF") or
                    os.path.join(TOP, "client", "sheaf"))
    ap.add_argument("--feeds", default=os.path.join(TOP, "examples", "feeds"))
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()

    files = build(args.sheaf, args.feeds)
    stale = []
    for name, body in files.items():
        path = os.path.join(args.out, name)
        if args.check:
            try:
                with open(path, encoding="utf-8") as f:
                    if f.read() != body:
                        stale.append(name)
            except FileNotFoundError:
                stale.append(name)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(body)
    if stale:
        print("mkfounding: out of date: " + " ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
