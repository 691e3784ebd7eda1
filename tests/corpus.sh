#!/bin/sh
# SPDX-License-Identifier: MIT
# The real-feed corpus of ../shared: entry counts against Python feedparser.
# Skips cleanly when ../shared is absent.  With --report, prints every
# difference instead of TAP.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

corpus="$SHARED/corpus"
[ -f "$corpus/MANIFEST.tsv" ] || skip_all "no corpus at $corpus"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not found"

report=no
[ "${1:-}" = --report ] && report=yes

out=$(python3 "$top_srcdir/tests/corpus_count.py" "$SHEAF" "$corpus" \
    "$report")
status=$?
if [ $report = yes ]; then
	echo "$out"
	exit $status
fi
# The last line holds: matched total asan_reports
set -- $(echo "$out" | tail -n 1)
matched=$1 total=$2 sanitizer=$3
echo "# corpus: $matched of $total files give feedparser's entry count"
echo "$out" | sed -n 's/^DIFF /# /p'
# At least 98% of the files, as the parser's acceptance asks.
check "corpus entry counts match on >= 98% ($matched/$total)" \
    [ $((matched * 100)) -ge $((total * 98)) ]
check "no crash or sanitizer report on any corpus file" [ "$sanitizer" -eq 0 ]
done_testing
