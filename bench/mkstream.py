#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write a synthetic news stream for `sheaf cluster`, made from the real feeds
of the shared corpus.  See bench/README.md.

usage: mkstream.py [--corpus DIR] [--gold FILE] [--dups FILE] N [SEED]

Writes N entries as JSON Lines on stdout, in the input format of
`sheaf cluster` (../shared/SCHEMAS.md, section 2):

  {"id": ..., "title": ..., "text": ..., "published": ...,
   "lang": ..., "source": ...}

Titles and summaries are the entries of the corpus feeds (RSS, RDF, Atom,
JSON Feed), read with the standard library only, the summary turned into
plain text and cut to 1,200 characters.  `source` is the host of the
feed's site, `lang` the feed's declared language (left out when it has
none).  The stream looks like an aggregator's:

  * published times increase through the stream, about 3,000 entries a
    day with a daily rhythm and random gaps;
  * about 10 % are re-posts: an entry of the last two days (median two
    hours) again, from another source, with small edits to title and text;
  * about 20 % are follow-ups of a story of the last few hours: the same
    title words, a few changed, and a new text that opens with the story's
    first sentence;
  * the rest are new stories.  The corpus holds some 8,000 distinct
    entries, fewer than a long stream needs: each pass over it after the
    first pairs every title with the text of another entry of the same
    language and changes a few words, so new stories stay distinct, and
    the same title comes back only after a full pass (about four days of
    stream).

ids are unique.  The same N, SEED and corpus give the same bytes.

--gold FILE writes the true story of every entry, {"id", "event"}, and
--dups FILE the re-posts, {"id", "duplicate_of"}: the files that
../shared/clustering-dev/score.py reads.
"""
import argparse
import bisect
import codecs
import html
import json
import math
import os
import random
import re
import sys
import time
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(HERE, "..", "..", "shared", "corpus")

PER_DAY = 3000          # mean entries a day
START = 1704067200      # 2024-01-01T00:00:00Z
P_REPOST = 0.10         # share of re-posts
P_FOLLOW = 0.20         # share of follow-ups
RECENT = 48 * 3600      # how far back re-posts and follow-ups look
MAX_TEXT = 1200         # characters of summary kept, cut at a word
MAX_TITLE = 200

# The daily rhythm: cos of the hour, highest at 15:00 UTC.
COS_DAY = [math.cos(2 * math.pi * (h - 15) / 24) for h in range(24)]

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# --- reading the corpus -----------------------------------------------------

RE_DROP = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->", re.S | re.I)
RE_TAG = re.compile(r"<[^>]*>")
RE_SPACE = re.compile(r"\s+")
RE_SENT = re.compile(r"(?<=[.!?])\s+")


def plain(s):
    """Text of an HTML fragment: tags out, entities decoded, spaces folded.
    Twice, for feeds that escape their HTML twice."""
    for _ in range(2):
        if "<" not in s and "&" not in s:
            break
        s = RE_DROP.sub(" ", s)
        s = RE_TAG.sub(" ", s)
        s = html.unescape(s)
    return RE_SPACE.sub(" ", s).strip()


def cut(s, n):
    if len(s) <= n:
        return s
    i = s.rfind(" ", 0, n)
    return s[: i if i > n // 2 else n]


def host_of(url):
    try:
        h = urlsplit((url or "").strip()).hostname or ""
    except ValueError:
        return ""
    h = h.lower()
    return h[4:] if h.startswith("www.") else h


def norm_lang(s):
    s = (s or "").strip().replace("_", "-").lower()
    return s if re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{1,8})*", s) else ""


def local(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def itext(el):
    return "".join(el.itertext())


RE_ENC = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)""")
RE_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
RE_DOCTYPE = re.compile(r"<!DOCTYPE[^\[>]*(\[.*?\])?\s*>", re.S)
RE_ENTITY = re.compile(r"&(#[0-9]+;|#x[0-9A-Fa-f]+;|[A-Za-z][A-Za-z0-9]*;)?")
RE_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
XML_ENTS = {"amp;", "lt;", "gt;", "quot;", "apos;"}


def fix_entity(m):
    e = m.group(1)
    if e is None:
        return "&amp;"                  # a bare ampersand
    if e in XML_ENTS or e.startswith("#"):
        return m.group(0)
    u = html.unescape("&" + e)          # an HTML entity XML does not know
    return "" if u.startswith("&") else html.escape(u, quote=False)


def tolerant_tree(data):
    """Second try at a document expat refused: decode it ourselves, drop
    the declaration and DOCTYPE, fix entities and control characters."""
    m = RE_ENC.search(data[:200])
    enc = m.group(1).decode("ascii") if m else "utf-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        enc = "utf-16"
    try:
        s = data.decode(enc, "replace")
    except LookupError:
        s = data.decode("utf-8", "replace")
    s = s.lstrip("\ufeff")
    s = RE_DECL.sub("", s)
    s = RE_DOCTYPE.sub("", s, count=1)
    s = RE_ENTITY.sub(fix_entity, s)
    s = RE_CTRL.sub("", s)
    return ET.fromstring(s)


RE_ITEM = re.compile(r"<((?:\w+:)?(?:item|entry))\b[^>]*>(.*?)</\1\s*>",
                     re.S | re.I)
RE_FIELD = r"<(?:\w+:)?%s\b[^>]*>(.*?)</(?:\w+:)?%s\s*>"
RE_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)


def regex_items(data):
    """Last try: cut items out with regular expressions."""
    s = data.decode("utf-8", "replace")
    out = []
    for m in RE_ITEM.finditer(s):
        body = m.group(2)
        fields = {}
        for name in ("title", "description", "summary", "encoded",
                     "content", "link"):
            f = re.search(RE_FIELD % (name, name), body, re.S | re.I)
            if f:
                fields[name] = RE_CDATA.sub(r"\1", f.group(1))
        text = next((fields[k] for k in ("description", "summary",
                                         "encoded", "content")
                     if fields.get(k)), "")
        out.append((fields.get("title", ""), text, fields.get("link", "")))
    lang = re.search(r"<(?:\w+:)?language>\s*([^<\s]+)", s)
    link = re.search(r"<(?:\w+:)?link>\s*([^<\s]+)", s)
    return out, lang.group(1) if lang else "", link.group(1) if link else ""


def child(el, *names):
    for c in el:
        if local(c.tag) in names:
            return c
    return None


def link_of(el):
    """The site link of a channel, feed or entry (RSS text, Atom href)."""
    best = ""
    for c in el:
        if local(c.tag) != "link":
            continue
        href = c.get("href")
        if href is None:
            if (c.text or "").strip():
                return c.text.strip()
            continue
        rel = c.get("rel", "alternate")
        if rel == "alternate":
            return href
        if not best:
            best = href
    return best


def tree_items(root):
    name = local(root.tag)
    if name == "rss":
        head = child(root, "channel")
        head = root if head is None else head
    elif name == "RDF":
        head = child(root, "channel")
        head = root if head is None else head
    else:
        head = root
    lang = root.get(XML_LANG) or head.get(XML_LANG) or ""
    if not lang:
        lang_el = child(head, "language")
        lang = itext(lang_el) if lang_el is not None else ""
    site = link_of(head)
    out = []
    for el in root.iter():
        if local(el.tag) not in ("item", "entry"):
            continue
        t = child(el, "title")
        title = itext(t) if t is not None else ""
        text = ""
        for k in ("description", "summary", "encoded", "content"):
            c = child(el, k)
            if c is not None and itext(c).strip():
                text = itext(c)
                break
        out.append((title, text, link_of(el)))
    return out, lang, site


def json_items(data):
    doc = json.loads(data.decode("utf-8-sig"), strict=False)
    out = []
    rss = doc.get("rss")
    if isinstance(rss, dict) and isinstance(rss.get("channel"), dict):
        # RSS 2.0 written as JSON (scripting.com)
        ch = rss["channel"]
        items = ch.get("item") or []
        for it in items if isinstance(items, list) else [items]:
            if isinstance(it, dict):
                out.append((str(it.get("title") or ""),
                            str(it.get("description") or ""),
                            str(it.get("link") or "")))
        return out, str(ch.get("language") or ""), str(ch.get("link") or "")
    for it in doc.get("items") or []:
        if not isinstance(it, dict):
            continue
        text = (it.get("summary") or it.get("content_text")
                or it.get("content_html") or "")
        out.append((str(it.get("title") or ""), str(text),
                    str(it.get("url") or "")))
    site = doc.get("home_page_url") or doc.get("feed_url") or ""
    return out, str(doc.get("language") or ""), str(site)


def read_file(path):
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".json"):
        return json_items(data)
    try:
        return tree_items(ET.fromstring(data))
    except Exception:
        pass
    try:
        return tree_items(tolerant_tree(data))
    except Exception:
        pass
    return regex_items(data)


def read_corpus(root):
    """Distinct (title, text, lang, host) of every entry that has a title."""
    feeds = os.path.join(root, "feeds")
    if os.path.isdir(feeds):
        root = feeds
    paths = []
    for d, dirs, names in os.walk(root):
        dirs.sort()
        paths += [os.path.join(d, n) for n in sorted(names)]
    pool, seen = [], set()
    nfiles = skipped = 0
    for path in paths:
        try:
            items, lang, site = read_file(path)
        except Exception:
            skipped += 1
            continue
        if not items:
            skipped += 1
            continue
        nfiles += 1
        lang = norm_lang(lang)
        host = host_of(site)
        fallback = os.path.splitext(os.path.basename(path))[0].lower()
        for title, text, link in items:
            title = cut(plain(title), MAX_TITLE)
            text = cut(plain(text), MAX_TEXT)
            if not title or (title, text) in seen:
                continue
            seen.add((title, text))
            h = host or host_of(link) or fallback + ".example"
            pool.append((title, text, lang, h))
    return pool, nfiles, skipped


# --- making the stream ------------------------------------------------------

class Item:
    """One entry of the stream that later ones may re-post or follow."""
    __slots__ = ("id", "story", "title", "text", "lang", "host", "root")

    def __init__(self, id_, story, title, text, lang, host, root=None):
        self.id, self.story, self.title = id_, story, title
        self.text, self.lang, self.host = text, lang, host
        self.root = root    # the story's first entry, None if this one


def main():
    ap = argparse.ArgumentParser(
        description="Synthetic news stream for sheaf cluster, from the "
        "shared feed corpus (JSON Lines on stdout).")
    ap.add_argument("n", type=int, metavar="N", help="entries to write")
    ap.add_argument("seed", type=int, nargs="?", default=1, metavar="SEED",
                    help="random seed (default 1)")
    ap.add_argument("--corpus", default=DEFAULT_CORPUS,
                    help="corpus directory, or its feeds/ folder "
                    "(default ../shared/corpus beside the source tree)")
    ap.add_argument("--gold", metavar="FILE",
                    help="write {id, event} of every entry")
    ap.add_argument("--dups", metavar="FILE",
                    help="write {id, duplicate_of} of the re-posts")
    args = ap.parse_args()
    if args.n < 0:
        ap.error("N must be 0 or more")
    if not os.path.isdir(args.corpus):
        sys.exit("mkstream: no corpus at %s" % args.corpus)

    t0 = time.monotonic()
    pool, nfiles, skipped = read_corpus(args.corpus)
    if not pool:
        sys.exit("mkstream: no entries found in %s" % args.corpus)
    rng = random.Random(args.seed)
    rand, randrange, expo = rng.random, rng.randrange, rng.expovariate

    # Words to change titles and texts with, by language, as often as they
    # occur; the sources by language, for re-posts.
    title_words, text_words, hosts = {}, {}, {}
    for title, text, lang, host in pool:
        title_words.setdefault(lang, []).extend(title.split())
        text_words.setdefault(lang, []).extend(text.split()[:60])
        hosts.setdefault(lang.split("-")[0], set()).add(host)
    hosts = {k: sorted(v) for k, v in hosts.items()}
    all_hosts = sorted({h for v in hosts.values() for h in v})

    # New stories go through the pool in one shuffled order, pass after
    # pass; a title is paired with the text of the entry `npass` places
    # further in its own language's list.
    order = list(range(len(pool)))
    rng.shuffle(order)
    by_lang = {}
    for i in order:
        by_lang.setdefault(pool[i][2], []).append(i)
    place = {}
    for members in by_lang.values():
        for k, i in enumerate(members):
            place[i] = k
    pool_words = [(p[0].split(), p[1].split()) for p in pool]

    def swap(words, k, vocab):
        """words with k of them replaced by words of vocab."""
        if not words or not vocab:
            return words
        words = list(words)
        n, nv = len(words), len(vocab)
        for _ in range(k):
            words[randrange(n)] = vocab[randrange(nv)]
        return words

    def fresh(seq, story):
        npass, j = divmod(seq, len(order))
        a = order[j]
        title, text, lang, host = pool[a]
        if npass:
            members = by_lang[lang]
            b = members[(place[a] + npass) % len(members)]
            tw, xw = pool_words[a][0], pool_words[b][1]
            title = " ".join(swap(tw, 1 + len(tw) // 4,
                                  title_words[lang]))
            text = " ".join(swap(xw, 1 + len(xw) // 20, text_words[lang]))
        return Item(None, story, title, text, lang, host)

    def repost(src):
        """The same entry from another source, edited a little."""
        choices = hosts[src.lang.split("-")[0]]
        if len(choices) < 2:
            choices = all_hosts
        host = src.host
        while host == src.host and len(choices) > 1:
            host = choices[randrange(len(choices))]
        title, text = src.title, src.text
        r = rand()
        if r < 0.25:
            title = "%s - %s" % (title, src.host)
        elif r < 0.4:
            title = " ".join(swap(title.split(), 1, title_words[src.lang]))
        elif r < 0.5 and " " in title:
            title = title.rsplit(" ", 1)[0]
        r = rand()
        if r < 0.25:
            sents = RE_SENT.split(text)
            if len(sents) > 1:
                text = " ".join(sents[: max(1, len(sents) - 1)])
        elif r < 0.45:
            text = "%s The post %s appeared first on %s." % (
                text, src.title, src.host)
        elif r < 0.65:
            text = " ".join(swap(text.split(), 2, text_words[src.lang]))
        return Item(None, src.story, title, text, src.lang, host,
                    src.root or src)

    def follow(src):
        """More on the story of src: the title words of its first entry
        again, a few changed, and a new text that starts with the first
        sentence of that entry."""
        root = src.root or src
        tw = swap(root.title.split(), 1 + len(root.title) // 40,
                  title_words[root.lang])
        if len(tw) > 3 and rand() < 0.5:
            k = randrange(len(tw) - 1)
            tw[k], tw[k + 1] = tw[k + 1], tw[k]
        first = cut(RE_SENT.split(root.text, 1)[0], 300)
        members = by_lang[root.lang]
        more = pool_words[members[randrange(len(members))]][1][:50]
        text = " ".join([first] + swap(more, 1 + len(more) // 10,
                                        text_words[root.lang]))
        return Item(None, src.story, " ".join(tw), text.strip(), root.lang,
                    src.host, root)

    out = sys.stdout.buffer
    gold = open(args.gold, "w", encoding="utf-8") if args.gold else None
    dups = open(args.dups, "w", encoding="utf-8") if args.dups else None
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    recent_t, recent = [], []   # entries of the last RECENT seconds
    head = 0                    # first of them still in the window
    t = float(START)
    last = START - 1
    nstories = nfresh = 0
    lines, glines, dlines = [], [], []
    for seq in range(args.n):
        # A daily rhythm: three times the rate at 15:00 UTC as at 03:00.
        hour = (t % 86400) / 3600
        rate = PER_DAY / 86400 * (1 + 0.5 * COS_DAY[int(hour)])
        t += expo(rate)
        now = max(last + 1, int(t))
        last = now
        while recent_t[head:head + 1] and recent_t[head] < now - RECENT:
            head += 1
        if head > 8192:
            del recent_t[:head], recent[:head]
            head = 0
        r = rand()
        src = None
        if r < P_REPOST + P_FOLLOW and len(recent) > head:
            if r < P_REPOST:
                back = min(rng.lognormvariate(8.9, 1.1), RECENT)  # ~2 h
            else:
                back = min(expo(1 / 7200.0), 6 * 3600)
            k = bisect.bisect_left(recent_t, now - back, head)
            src = recent[min(k, len(recent) - 1)]
        if src is None:
            nstories += 1
            item = fresh(nfresh, nstories)
            nfresh += 1
        elif r < P_REPOST:
            item = repost(src)
        else:
            item = follow(src)
        # Unique by the sequence number; a tag: URI as many feeds use.
        item.id = id_ = "tag:%s,2024:%d" % (item.host, seq)
        if dups and src is not None and r < P_REPOST:
            dlines.append(dumps({"id": id_, "duplicate_of": src.id}))
        recent_t.append(now)
        recent.append(item)
        rec = {"id": id_, "title": item.title, "text": item.text,
               "published": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                          time.gmtime(now))}
        if item.lang:
            rec["lang"] = item.lang
        rec["source"] = item.host
        lines.append(dumps(rec))
        if gold:
            glines.append(dumps({"id": id_, "event": "s%d" % item.story}))
        if len(lines) >= 4096:
            out.write(("\n".join(lines) + "\n").encode("utf-8"))
            lines = []
            if gold:
                gold.write("\n".join(glines) + "\n")
                glines = []
            if dups and dlines:
                dups.write("\n".join(dlines) + "\n")
                dlines = []
    if lines:
        out.write(("\n".join(lines) + "\n").encode("utf-8"))
    if gold:
        if glines:
            gold.write("\n".join(glines) + "\n")
        gold.close()
    if dups:
        if dlines:
            dups.write("\n".join(dlines) + "\n")
        dups.close()
    out.flush()
    print("mkstream: %d entries (%d stories) from %d corpus entries of "
          "%d feeds (%d files skipped) in %.1f s"
          % (args.n, nstories, len(pool), nfiles, skipped,
             time.monotonic() - t0), file=sys.stderr)


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        # `mkstream.py N | head`: the reader is gone, that is fine.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
