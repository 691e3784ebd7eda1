#!/bin/sh
# SPDX-License-Identifier: MIT
# sheaf parse as a user runs it: exit codes, stdout, one-line errors.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
data="$top_srcdir/tests/data/feeds"

# A good feed: exit 0, JSON on stdout, nothing on stderr.
"$SHEAF" parse --base https://example.org/feed "$data/rss20.xml" \
    >"$tmp/out" 2>"$tmp/err"
check "well-formed RSS exits 0" [ $? -eq 0 ]
check "well-formed RSS prints JSON" grep -q '"format": "rss2.0"' "$tmp/out"
check "well-formed RSS writes nothing on stderr" [ ! -s "$tmp/err" ]

# Standard input.
"$SHEAF" parse - <"$data/atom10.xml" >"$tmp/out" 2>"$tmp/err"
check "stdin is read for -" grep -q '"format": "atom1.0"' "$tmp/out"

# Recovery: exit 0 and one line on stderr that says what was recovered.
"$SHEAF" parse "$data/entities.xml" >"$tmp/out" 2>"$tmp/err"
check "recovered feed exits 0" [ $? -eq 0 ]
check "recovery is reported on one line" [ "$(wc -l <"$tmp/err")" -eq 1 ]
check "recovery names the entities" grep -q "undeclared entities" "$tmp/err"

# Not a feed: exit 1, one line on stderr, nothing on stdout.
printf '<html><body>hello</body></html>' >"$tmp/page.html"
"$SHEAF" parse "$tmp/page.html" >"$tmp/out" 2>"$tmp/err"
check "HTML page exits 1" [ $? -eq 1 ]
check "HTML page prints nothing" [ ! -s "$tmp/out" ]
check "HTML page error is one line" [ "$(wc -l <"$tmp/err")" -eq 1 ]
check "HTML page error says not a feed" grep -q "not a feed" "$tmp/err"

# Garbage and empty input.
printf '\001\002 garbage' >"$tmp/garbage"
"$SHEAF" parse "$tmp/garbage" >"$tmp/out" 2>"$tmp/err"
check "garbage exits 1" [ $? -eq 1 ]
: >"$tmp/empty"
"$SHEAF" parse "$tmp/empty" >"$tmp/out" 2>"$tmp/err"
check "empty file exits 1" [ $? -eq 1 ]
check "empty file prints nothing" [ ! -s "$tmp/out" ]

# Missing file and bad usage.
"$SHEAF" parse "$tmp/nonexistent" >"$tmp/out" 2>"$tmp/err"
check "missing file exits 1" [ $? -eq 1 ]
check "missing file error names the file" grep -q nonexistent "$tmp/err"
"$SHEAF" parse >"$tmp/out" 2>"$tmp/err"
check "no file is a usage error" [ $? -eq 2 ]
"$SHEAF" --version >"$tmp/out"
check "--version prints the version" grep -q '^sheaf [0-9]' "$tmp/out"

# Over the document size limit: a clear error, no output.
head -c 17000000 /dev/zero | tr '\0' ' ' >"$tmp/big"
"$SHEAF" parse "$tmp/big" >"$tmp/out" 2>"$tmp/err"
check "oversized document exits 1" [ $? -eq 1 ]
check "oversized document error names the limit" grep -q "limit" "$tmp/err"

# Nesting past the depth limit: a clear error, no crash.
{
	printf '<rss version="2.0"><channel>'
	i=0
	while [ $i -lt 2000 ]; do printf '<x>'; i=$((i + 1)); done
	printf '</channel></rss>'
} >"$tmp/deep.xml"
"$SHEAF" parse "$tmp/deep.xml" >"$tmp/out" 2>"$tmp/err"
check "deep nesting exits 1" [ $? -eq 1 ]
check "deep nesting error says so" grep -q "nesting" "$tmp/err"

# JSON Feed.
"$SHEAF" parse "$data/jsonfeed11.json" >"$tmp/out" 2>"$tmp/err"
check "JSON Feed 1.1 is recognised" grep -q '"format": "jsonfeed1.1"' "$tmp/out"

# The content type's charset is used.
"$SHEAF" parse --content-type 'text/xml; charset=iso-8859-1' \
    "$data/latin1-undeclared.xml" >"$tmp/out" 2>"$tmp/err"
check "--content-type charset decodes latin-1" grep -q 'Caf\xc3\xa9\|Café' "$tmp/out"

done_testing
