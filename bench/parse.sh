#!/bin/sh
# SPDX-License-Identifier: MIT
# Parser throughput on the shared corpus: sheaf next to sfeed, Python
# feedparser and a bare libxml2 SAX2 pass, in one run.  See bench/README.md.
#
# Run from the build directory (make bench-parse does that after building
# client/sheaf).  The source directory is found from this script's path,
# the build directory is the current one, and the corpus is
# $srcdir/../shared/corpus/feeds.  Everything runs one thing at a time.
#
# The machine may be shared, so the tools being compared take turns: each
# round runs sheaf and then its counterpart, and the best round of each is
# kept.  Load that comes and goes then hits both sides alike.

set -eu

# Alternating rounds, per process and in process.
PAIRS=${BENCH_PAIRS:-3}
INPROC_ROUNDS=2	# rounds inside each run of the C programs
NSTART=100	# processes in the start-up-only loops
PYTHON=${PYTHON:-/usr/bin/python3}
SFEED=${SFEED:-sfeed}
CC=${CC:-cc}

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(pwd)
corpus=$srcdir/../shared/corpus/feeds
sheaf=$builddir/client/sheaf

say() {
	echo "bench-parse: $*" >&2
}

if [ ! -d "$corpus" ]; then
	echo "bench-parse: ../shared/corpus not found, skipped"
	exit 0
fi
corpus=$(cd "$corpus" && pwd)
if [ ! -x "$sheaf" ] || [ ! -f "$builddir/config.h" ] ||
    [ ! -f "$builddir/feeds/libfeeds.a" ]; then
	say "run me from the build directory after make (no client/sheaf," \
	    "config.h or feeds/libfeeds.a in $builddir)"
	exit 1
fi
case $(date +%N) in
*[!0-9]*)
	say "needs date +%N (GNU date) for sub-second timing"
	exit 1
	;;
esac
have_sfeed=false
if command -v "$SFEED" >/dev/null 2>&1; then
	have_sfeed=true
else
	say "no $SFEED in PATH (Debian package sfeed): its row is left out"
fi
have_fp=false
if "$PYTHON" -c 'import feedparser' 2>/dev/null; then
	have_fp=true
else
	say "no feedparser module for $PYTHON (Debian package" \
	    "python3-feedparser): its row is left out"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-parse.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# The file lists: everything, the XML documents (no JSON Feed) that sfeed
# and libxml2 can read, and the first few for the start-up loops.  Sorted,
# so every tool sees the same files in the same order.
find "$corpus" -type f | LC_ALL=C sort >"$tmp/all.list"
grep -v '\.json$' "$tmp/all.list" >"$tmp/xml.list" || :
head -n "$NSTART" "$tmp/xml.list" >"$tmp/start.list"
nxml=$(awk 'END { print NR }' "$tmp/xml.list")
nstart=$(awk 'END { print NR }' "$tmp/start.list")

now() {
	date +%s.%N
}

# elapsed T0: seconds since T0, from now().
elapsed() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.6f\n", b - a }'
}

# min A B: the smaller number; an empty A counts as none yet.
min() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		print (a != "" && a + 0 < b + 0) ? a : b
	}'
}

# get KEY LINE: the value of KEY=value in a line of key=value pairs.
get() {
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# row TOOL MODE FILES BYTES SECONDS ENTRIES: one line of the table.
row() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$tmp/rows"
}
: >"$tmp/rows"

# In process: the two C programs, built against this tree's libraries.
say "building bench/parse_inproc.c and bench/saxpass.c"
xml_cflags=$(pkg-config --cflags libxml-2.0)
xml_libs=$(pkg-config --libs libxml-2.0)
all_libs=$(pkg-config --libs libxml-2.0 jansson icu-uc icu-i18n)
# shellcheck disable=SC2086 # pkg-config output is a list of words
$CC -O2 -Wall -Wextra -I"$srcdir/common" -I"$srcdir/feeds" \
    -include "$builddir/config.h" $xml_cflags \
    -o "$tmp/parse_inproc" "$srcdir/bench/parse_inproc.c" \
    "$builddir/feeds/libfeeds.a" "$builddir/common/libcommon.a" $all_libs
# shellcheck disable=SC2086
$CC -O2 -Wall -Wextra -include "$builddir/config.h" $xml_cflags \
    -o "$tmp/saxpass" "$srcdir/bench/saxpass.c" $xml_libs

say "in process: sheaf library and bare libxml2, best of" \
    "$((PAIRS * INPROC_ROUNDS)), taking turns"
# sfeed without process start-up: one process reads every XML file of the
# corpus concatenated into one stream.  Its state machine does not mind
# several documents in a row, so this is its parsing speed alone, the
# figure to hold the in-process library against.
if $have_sfeed; then
	while IFS= read -r f; do cat "$f"; done <"$tmp/xml.list" >"$tmp/all.xml"
fi
lib_all='' lib_xml='' sax='' sfs=''
i=0
while [ "$i" -lt "$PAIRS" ]; do
	r=$("$tmp/parse_inproc" -r "$INPROC_ROUNDS" <"$tmp/all.list")
	lib_all=$(min "$lib_all" "$(get seconds "$r")")
	lib_xml=$(min "$lib_xml" "$(get xml_seconds "$r")")
	s=$("$tmp/saxpass" -r "$INPROC_ROUNDS" <"$tmp/all.list")
	sax=$(min "$sax" "$(get seconds "$s")")
	if $have_sfeed; then
		j=0
		while [ "$j" -lt "$INPROC_ROUNDS" ]; do
			t0=$(now)
			"$SFEED" <"$tmp/all.xml" >/dev/null 2>&1 || :
			sfs=$(min "$sfs" "$(elapsed "$t0")")
			j=$((j + 1))
		done
	fi
	i=$((i + 1))
done
nall=$(get files "$r")
ball=$(get bytes "$r")
bxml=$(get xml_bytes "$r")
entries_xml=$(get xml_entries "$r")
failed_all=$(get failed "$r")
failed_xml=$(get xml_failed "$r")
sax_errors=$(get errors "$s")
if [ "$(get files "$s")" != "$nxml" ] || [ "$(get bytes "$s")" != "$bxml" ]
then
	say "saxpass and parse_inproc disagree on the XML files; a bug"
	exit 1
fi
row "sheaf library" "in process" "$nxml" "$bxml" "$lib_xml" "$entries_xml"
row "libxml2 SAX2, bare" "in process" "$nxml" "$bxml" "$sax" \
    "$(get entries "$s")"
row "sheaf library" "in process" "$nall" "$ball" "$lib_all" \
    "$(get entries "$r")"
if $have_sfeed; then
	row "sfeed" "one stream" "$nxml" "$bxml" "$sfs" \
	    "$("$SFEED" <"$tmp/all.xml" 2>/dev/null | wc -l)"
fi

# Python feedparser: one round, it is slow.
fp_version=
if $have_fp; then
	say "in process: Python feedparser, all files, 1 round"
	r=$("$PYTHON" - "$tmp/all.list" <<'EOF'
import sys
import time

import feedparser

with open(sys.argv[1], encoding="utf-8") as fp:
    names = [line.rstrip("\n") for line in fp if line.strip()]
docs = []
for name in names:
    with open(name, "rb") as fp:
        docs.append(fp.read())
entries = 0
t0 = time.monotonic()
for doc in docs:
    entries += len(feedparser.parse(doc).entries)
t = time.monotonic() - t0
print("files=%d bytes=%d seconds=%.6f entries=%d version=%s"
      % (len(docs), sum(map(len, docs)), t, entries, feedparser.__version__))
EOF
)
	fp_version=$(get version "$r")
	row "feedparser (Python)" "in process" "$(get files "$r")" \
	    "$(get bytes "$r")" "$(get seconds "$r")" "$(get entries "$r")"
fi

# Per process: one process per file, the way both tools are used from a
# script, in the same shell loop.  sheaf reads stdin as sfeed does.
loop_sheaf() {
	while IFS= read -r f; do
		"$sheaf" parse - <"$f" >/dev/null 2>&1 || :
	done <"$tmp/xml.list"
}
loop_sfeed() {
	while IFS= read -r f; do
		"$SFEED" <"$f" >/dev/null 2>&1 || :
	done <"$tmp/xml.list"
}
# The same loops without parsing: what starting a process costs.
loop_sheaf_start() {
	while IFS= read -r f; do
		"$sheaf" --version >/dev/null 2>&1 || :
	done <"$tmp/start.list"
}
loop_sfeed_start() {
	while IFS= read -r f; do
		"$SFEED" </dev/null >/dev/null 2>&1 || :
	done <"$tmp/start.list"
}

if $have_sfeed; then
	say "per process: sheaf parse and sfeed, one process per XML file," \
	    "best of $PAIRS, taking turns"
else
	say "per process: sheaf parse, one process per XML file," \
	    "best of $PAIRS"
fi
cli='' sf='' cli_start='' sf_start=''
i=0
while [ "$i" -lt "$PAIRS" ]; do
	t0=$(now)
	loop_sheaf
	cli=$(min "$cli" "$(elapsed "$t0")")
	t0=$(now)
	loop_sheaf_start
	cli_start=$(min "$cli_start" "$(elapsed "$t0")")
	if $have_sfeed; then
		t0=$(now)
		loop_sfeed
		sf=$(min "$sf" "$(elapsed "$t0")")
		t0=$(now)
		loop_sfeed_start
		sf_start=$(min "$sf_start" "$(elapsed "$t0")")
	fi
	i=$((i + 1))
done
# Same parser, same files: the entry count is the in-process one.
row "sheaf parse (CLI)" "per process" "$nxml" "$bxml" "$cli" "$entries_xml"
if $have_sfeed; then
	# sfeed writes one TSV line per item; count them outside the clock.
	n=$(while IFS= read -r f; do
		"$SFEED" <"$f" 2>/dev/null || :
	done <"$tmp/xml.list" | wc -l)
	row "sfeed" "per process" "$nxml" "$bxml" "$sf" "$n"
fi

# The report.
cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
versions="$("$sheaf" --version)"
versions="$versions, libxml2 $(pkg-config --modversion libxml-2.0)"
if $have_sfeed; then
	v=$(dpkg-query -W -f '${Version}' sfeed 2>/dev/null) || v='?'
	versions="$versions, sfeed $v"
fi
if [ -n "$fp_version" ]; then
	versions="$versions, feedparser $fp_version"
fi
echo
echo "sheaf parser benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: ${cpu:-unknown CPU}, $(nproc 2>/dev/null || echo '?')" \
    "cores, one job at a time; load average at the end:" \
    "$(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || echo '?')"
echo "versions: $versions"
echo "corpus: $corpus"
echo "  all files: $nall, $ball bytes; XML files (no JSON Feed):" \
    "$nxml, $bxml bytes"
echo "  sheaf rejects $failed_xml XML and $failed_all files in all;" \
    "libxml2 finds $sax_errors XML files not well-formed"
echo
awk -F '\t' '
BEGIN {
	printf "%-19s %-11s %5s %6s %8s %7s %7s %9s\n", "tool", "mode", \
	    "files", "MB", "seconds", "MB/s", "entries", "entries/s"
}
{
	mb = $4 / 1e6
	mbs = $5 > 0 ? mb / $5 : 0
	eps = $5 > 0 ? $6 / $5 : 0
	printf "%-19s %-11s %5d %6.2f %8.3f %7.2f %7d %9.0f\n", $1, $2, $3, \
	    mb, $5, mbs, $6, eps
}' "$tmp/rows"
echo
echo "MB = 10^6 bytes of input as stored.  seconds: best of $PAIRS" \
    "(per process), best of $((PAIRS * INPROC_ROUNDS)) (C, in process)$(
	$have_fp && echo ", one round (feedparser)")."
awk -F '\t' -v cli_start="$cli_start" -v sf_start="$sf_start" \
    -v nxml="$nxml" -v nstart="$nstart" -v bxml="$bxml" '
{ t[$1 "|" $2 "|" $3] = $5 }
function ratio(label, a, b) {
	if (a == "" || b == "" || a + 0 <= 0)
		return
	printf "  %-47s %6.2fx\n", label, b / a
}
function startup(label, ts, tp,    per, net) {
	if (ts == "" || tp == "")
		return
	per = ts / nstart
	net = tp - per * nxml
	net = net > 0 ? bxml / 1e6 / net : 0
	printf "  %-16s %5.2f ms a process; per-process MB/s without it:" \
	    " %.1f\n", label, per * 1000, net
}
END {
	print "ratios (throughput of the first over the second, same files):"
	ratio("sheaf parse / sfeed (per process, XML)", \
	    t["sheaf parse (CLI)|per process|" nxml], \
	    t["sfeed|per process|" nxml])
	ratio("sheaf library / sfeed (no start-up, XML)", \
	    t["sheaf library|in process|" nxml], \
	    t["sfeed|one stream|" nxml])
	ratio("sheaf library / libxml2 bare (in process, XML)", \
	    t["sheaf library|in process|" nxml], \
	    t["libxml2 SAX2, bare|in process|" nxml])
	for (k in t)
		if (k ~ /^feedparser/)
			fp = k
	if (fp != "") {
		split(fp, p, "|")
		ratio("sheaf library / feedparser (in process, all)", \
		    t["sheaf library|in process|" p[3]], t[fp])
	}
	# What starting a process costs, and the per-process rows without
	# it: a rough split, since a process that parses also pages in more
	# of itself than one that only prints its version.
	printf "start-up alone (same loop, %d processes, no input):\n", nstart
	startup("sheaf --version", cli_start, \
	    t["sheaf parse (CLI)|per process|" nxml])
	startup("sfeed </dev/null", sf_start, t["sfeed|per process|" nxml])
}' "$tmp/rows"
