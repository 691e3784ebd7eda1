#!/bin/sh
# SPDX-License-Identifier: MIT
# `make eval` for stories: sheaf cluster on each labelled stream of
# ../shared/clustering-dev, scored by its scorer (BCubed P, R, F1 and the
# pairwise figures), next to the bar each set must reach.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

dev="$SHARED/clustering-dev"
if [ ! -f "$dev/score.py" ]; then
	echo "cluster eval: skipped, no $dev"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
status=0
printf '%-10s %7s %6s %6s %6s %6s  %s\n' set entries F1 P R bar "pairwise"
for set in basil:0.98 itn-en:0.96 itn-latin:0.90 itn-all:0.75; do
	name=${set%%:*} bar=${set#*:}
	[ -f "$dev/$name/input.jsonl" ] || continue
	"$SHEAF" cluster "$dev/$name/input.jsonl" >"$tmp/$name.jsonl" || status=1
	python3 "$dev/score.py" "$dev/$name/gold.jsonl" "$tmp/$name.jsonl" \
	    >"$tmp/$name.score" || status=1
	python3 - "$name" "$bar" "$tmp/$name.score" \
	    "$(wc -l <"$dev/$name/input.jsonl")" <<'PY' || status=1
import re, sys
name, bar, path, n = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
text = open(path).read()
f, p, r = map(float, re.search(r"F1=([\d.]+) P=([\d.]+) R=([\d.]+)\s*$", text).groups())
pw = re.search(r"pairwise P=([\d.]+) R=([\d.]+) F1=([\d.]+)", text).groups()
print("%-10s %7s %6.4f %6.4f %6.4f %6.2f  P=%s R=%s F1=%s %s" % (
    name, n.strip(), f, p, r, bar, pw[0], pw[1], pw[2], "ok" if f >= bar else "BELOW BAR"))
PY
done
exit $status
