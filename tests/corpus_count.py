#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run `sheaf parse` on every corpus file and compare the number of entries
with the count Python feedparser found (MANIFEST.tsv).  A file feedparser
finds no entries in matches when sheaf finds none too or rejects it with a
one-line error.  Prints DIFF lines, then "matched total crashes"."""
import concurrent.futures
import json
import os
import subprocess
import sys

sheaf, corpus, report = sys.argv[1], sys.argv[2], sys.argv[3] == "yes"
rows = [line.rstrip("\n").split("\t")
        for line in open(os.path.join(corpus, "MANIFEST.tsv"), encoding="utf-8")]
header, rows = rows[0], rows[1:]
col = {name: i for i, name in enumerate(header)}


def run(row):
    path = os.path.join(corpus, row[col["path"]])
    want = int(row[col["entries"]])
    try:
        p = subprocess.run([sheaf, "parse", path], capture_output=True,
                           timeout=60)
    except subprocess.TimeoutExpired:
        return row[col["path"]], row[col["format"]], want, None, False, True, "timeout"
    err = p.stderr.decode("utf-8", "replace")
    crashed = p.returncode not in (0, 1) or "Sanitizer" in err or "runtime error" in err
    got = None
    if p.returncode == 0:
        got = len(json.loads(p.stdout)["entries"])
    elif p.returncode == 1 and len(err.strip().splitlines()) != 1:
        crashed = True
    ok = got == want or (got is None and want == 0 and not crashed)
    return row[col["path"]], row[col["format"]], want, got, ok, crashed, err.strip()


with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
    results = list(ex.map(run, rows))
matched = sum(1 for r in results if r[4])
crashes = sum(1 for r in results if r[5])
for path, fmt, want, got, ok, crashed, err in results:
    if not ok or crashed:
        print("DIFF %s (%s): feedparser %d, sheaf %s%s%s" % (
            path, fmt, want, "error" if got is None else got,
            " CRASH" if crashed else "",
            (": " + err.splitlines()[-1][:160]) if (report and err) else ""))
print(matched, len(results), crashes)
