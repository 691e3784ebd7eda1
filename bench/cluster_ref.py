#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The reference peer of `sheaf cluster` in bench/cluster.sh: a
straightforward streaming clusterer in pure Python.  See bench/README.md.

usage: cluster_ref.py [--threshold T] [--window DAYS] [FILE]

Reads entries as JSON Lines (FILE or stdin), writes one line per entry,
{"id", "cluster", "duplicate_of"}, in input order, as `sheaf cluster` does
(../shared/SCHEMAS.md, section 2).  One pass, in arrival order:

  * an entry is the words of its title (counted twice) and of its text
    (HTML tags dropped), lower-cased, one-letter words left out, as a
    TF-IDF vector: (1 + log tf) * idf, idf = 1 + log((N + 1) / (df + 1))
    from the entries read so far (itself included), L2-normalized;
  * a story is the sum of the vectors of its entries (its centroid); it is
    active while its last entry is less than --window days (3) older than
    the current one;
  * the entry joins the active story with the highest cosine to its
    centroid if that is at least --threshold (0.3), else starts a new one.
    Stories are found through an index from word to the active stories
    that hold it, looked up with the entry's ten heaviest words, leaving
    out those that more than 1 % (and 50) of the active stories hold; the
    cosine is then computed in full;
  * duplicate_of is the earlier entry of the same story, within the
    window, with the highest cosine if that is at least --dup (0.8), else
    null.

Nothing is re-clustered and stories never merge, so each line is final
when written.  Memory holds the active stories and the document
frequencies.
"""
import argparse
import heapq
import json
import math
import re
import sys
from collections import Counter, deque
from datetime import datetime

RE_TAG = re.compile(r"<[^>]*>")
RE_WORD = re.compile(r"\w\w+")
TOP = 10                # heaviest words of an entry used to find stories
COMMON = 0.01           # ... if in at most this share of the stories
COMMON_MIN = 50         # ... or in at most this many


def epoch(s, last):
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
    except (AttributeError, TypeError, ValueError):
        return last


def words(e):
    title = str(e.get("title") or "")
    text = str(e.get("text") or "")
    if "<" in text:
        text = RE_TAG.sub(" ", text)
    s = ("%s %s %s" % (title, title, text)).lower()
    return RE_WORD.findall(s)


class Story:
    __slots__ = ("id", "sum", "norm2", "last", "members")

    def __init__(self, id_):
        self.id = id_
        self.sum = {}           # word -> summed weight (the centroid)
        self.norm2 = 0.0        # |sum|^2
        self.last = 0.0         # time of the last entry
        self.members = deque()  # (time, entry id, vector) of its entries


def dot(a, b):
    return sum([a[t] * b[t] for t in a.keys() & b.keys()])


def main():
    ap = argparse.ArgumentParser(
        description="Reference streaming TF-IDF clusterer (pure Python).")
    ap.add_argument("file", nargs="?", default="-")
    ap.add_argument("--threshold", type=float, default=0.3)
    ap.add_argument("--dup", type=float, default=0.8)
    ap.add_argument("--window", type=float, default=3.0, help="days")
    args = ap.parse_args()
    window = args.window * 86400

    inp = (sys.stdin if args.file == "-"
           else open(args.file, encoding="utf-8"))
    # Buffered whatever PYTHONUNBUFFERED says: one write per line costs.
    out = open(sys.stdout.fileno(), "w", encoding="utf-8", buffering=1 << 16,
               closefd=False)
    df = Counter()
    ndocs = 0
    stories = {}                # active stories by number
    index = {}                  # word -> set of active story numbers
    expiry = deque()            # (time of an update, story number)
    nstories = 0
    now = 0.0
    log = math.log
    for line in inp:
        line = line.strip()
        if not line:
            continue
        e = json.loads(line)
        now = max(now, epoch(e.get("published"), now))

        # Stories whose last entry is out of the window leave the index.
        while expiry and expiry[0][0] < now - window:
            t, k = expiry.popleft()
            s = stories.get(k)
            if s is None or s.last != t:
                continue            # gone already, or updated since
            for w in s.sum:
                ks = index[w]
                ks.discard(k)
                if not ks:
                    del index[w]
            del stories[k]

        tf = Counter(words(e))
        ndocs += 1
        for w in tf:
            df[w] += 1
        vec = {w: (1 + log(n)) * (1 + log((ndocs + 1) / (df[w] + 1)))
               for w, n in tf.items()}
        norm = math.sqrt(sum(x * x for x in vec.values())) or 1.0
        vec = {w: x / norm for w, x in vec.items()}

        best, best_cos, best_dot = None, args.threshold, 0.0
        cands = set()
        common = max(COMMON_MIN, len(stories) * COMMON)
        for w in heapq.nlargest(TOP, vec, key=vec.get):
            ks = index.get(w, ())
            if len(ks) <= common:
                cands.update(ks)
        for k in cands:
            s = stories[k]
            d = dot(vec, s.sum)
            c = d / math.sqrt(s.norm2) if s.norm2 > 0 else 0.0
            if c >= best_cos:
                best, best_cos, best_dot = s, c, d
        dup = None
        if best is None:
            nstories += 1
            best = Story("c%d" % nstories)
            stories[nstories] = best
            best_dot = 0.0
            key = nstories
        else:
            key = int(best.id[1:])
            dup_cos = args.dup
            # Entries out of the window are forgotten, as whole stories are.
            members = best.members
            while members and members[0][0] < now - window:
                members.popleft()
            for _, mid, mvec in members:
                c = dot(vec, mvec)
                if c >= dup_cos:
                    dup, dup_cos = mid, c
        ssum = best.sum
        for w, x in vec.items():
            if w not in ssum:
                index.setdefault(w, set()).add(key)
            ssum[w] = ssum.get(w, 0.0) + x
        best.norm2 += 2 * best_dot + (1.0 if vec else 0.0)  # |vec| = 1
        best.last = now
        eid = e.get("id")
        best.members.append((now, eid, vec))
        expiry.append((now, key))
        out.write(json.dumps({"id": eid, "cluster": best.id,
                              "duplicate_of": dup}) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
