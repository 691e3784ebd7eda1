#!/bin/sh
# SPDX-License-Identifier: MIT
# sheaf cluster on the founding example (tests/data/cluster): the OpenAI
# board crisis is one story in every language it was written in, the other
# OpenAI and Microsoft stories of those weeks stay apart, re-posts are named
# as duplicates, and the output keeps SCHEMAS.md section 2.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

data="$top_srcdir/tests/data/cluster"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

"$SHEAF" cluster "$data/founding.jsonl" >"$tmp/out.jsonl" 2>"$tmp/err"
check "sheaf cluster exits 0" [ $? -eq 0 ]
check "nothing on stderr" [ ! -s "$tmp/err" ]

python3 - "$data" "$tmp/out.jsonl" "$tap_n" >"$tmp/tap" <<'PY'
import json, sys
data, out = sys.argv[1], sys.argv[2]
rows = [json.loads(l) for l in open(data + "/founding.jsonl")]
gold = {json.loads(l)["id"]: json.loads(l)["event"] for l in open(data + "/founding.gold.jsonl")}
dups = {json.loads(l)["id"]: json.loads(l)["duplicate_of"] for l in open(data + "/founding.dups.jsonl")}
pred = [json.loads(l) for l in open(out)]
lang = {r["id"]: r.get("lang") for r in rows}
n = int(sys.argv[3])
def check(ok, what):
    global n
    n += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n, what))
check([p["id"] for p in pred] == [r["id"] for r in rows], "one line per entry, in input order")
check(all(set(p) >= {"id", "cluster", "duplicate_of"} for p in pred), "each line has id, cluster, duplicate_of")
cl = {p["id"]: p["cluster"] for p in pred}
crisis = {cl[i] for i, e in gold.items() if e == "board-crisis"}
check(len(crisis) == 1, "the board crisis is one story (%d found)" % len(crisis))
langs = {lang[i] for i, e in gold.items() if e == "board-crisis"}
check(langs >= {"en", "fr", "de", "es"}, "the crisis story holds en, fr, de and es")
story = crisis.pop() if len(crisis) == 1 else None
for other in ("devday", "ignite", "gpt-store"):
    ids = [i for i, e in gold.items() if e == other]
    check(ids and all(cl[i] != story for i in ids), "%s stays apart from the crisis" % other)
    check(len({cl[i] for i in ids}) == 1, "%s is one story" % other)
apart = {cl[i] for i in gold if gold[i] in ("devday", "ignite")}
check(len(apart) == 2, "DevDay and Ignite are two stories")
pos = {p["id"]: k for k, p in enumerate(pred)}
named = {p["id"]: p["duplicate_of"] for p in pred if p["duplicate_of"]}
check(all(pos[d] < pos[i] for i, d in named.items()), "duplicate_of names an earlier entry")
check(all(gold[i] == gold[d] for i, d in named.items()), "duplicates are of the same story")
found = sum(1 for i in dups if i in named)
check(found * 4 >= len(dups) * 3, "at least 3/4 of the re-posts found (%d/%d)" % (found, len(dups)))
wrong = [i for i in named if i not in dups]
check(not wrong, "no original called a duplicate (%s)" % ",".join(wrong))
PY
cat "$tmp/tap"
tap_n=$((tap_n + $(grep -c '^ok\|^not ok' "$tmp/tap")))
tap_failed=$((tap_failed + $(grep -c '^not ok' "$tmp/tap")))

# Malformed input: a clear one-line error naming the line.
printf '{"id": "a", "title": "x"}\nnot json\n' >"$tmp/bad.jsonl"
"$SHEAF" cluster "$tmp/bad.jsonl" >/dev/null 2>"$tmp/err"
rc=$?
check "malformed line: exit 1" [ $rc -eq 1 ]
check "malformed line: error names line 2" grep -q 'bad.jsonl:2:' "$tmp/err"
check "malformed line: one line of error" [ "$(wc -l <"$tmp/err")" -eq 1 ]
printf '{"title": "no id"}\n' | "$SHEAF" cluster >/dev/null 2>"$tmp/err"
check "entry without id refused" grep -q 'no "id"' "$tmp/err"
# Empty input, standard input, unknown option.
check "empty stream gives empty output" \
    [ -z "$("$SHEAF" cluster </dev/null)" ]
"$SHEAF" cluster --set no_such=1 </dev/null 2>"$tmp/err"
check "unknown --set key is a usage error" [ $? -eq 2 ]
done_testing
