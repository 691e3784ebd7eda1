#!/bin/sh
# SPDX-License-Identifier: MIT
# The feed-parser conformance suite of ../shared (feedparser's own cases).
# Skips cleanly when ../shared is absent; --report prints the full table.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

suite="$SHARED/conformance"
[ -f "$suite/run.py" ] || skip_all "no conformance suite at $suite"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not found"

out=$(python3 "$suite/run.py" --cmd "$SHEAF parse" \
    --cases "$suite/public.txt" 2>&1)
if [ "${1:-}" = --report ]; then
	echo "$out"
	exit 0
fi
echo "$out" | sed 's/^/# /'
set -- $(echo "$out" | tail -n 1 |
    sed 's/.*: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) n\/a.*/\1 \2 \3/')
passed=$1 failed=$2
applicable=$((passed + failed))
check "conformance suite ran ($applicable applicable cases)" \
    [ "$applicable" -gt 0 ]
# At least 97% of the applicable cases, as the parser's acceptance asks.
check "conformance >= 97% ($passed/$applicable)" \
    [ $((passed * 100)) -ge $((applicable * 97)) ]
done_testing
