#!/bin/sh
# SPDX-License-Identifier: MIT
# Story clustering throughput: sheaf cluster on the first 10k, 100k and 1M
# entries of a synthetic news stream made from the shared corpus, next to a
# straightforward streaming TF-IDF clusterer in pure Python (cluster_ref.py).
# See bench/README.md.
#
# Run from the build directory (make bench-cluster does that after building
# client/sheaf).  The source directory is found from this script's path,
# the build directory is the current one, and the corpus is
# $srcdir/../shared/corpus.  bench/mkstream.py makes the stream once and it
# is kept in $builddir/bench-cluster.cache (about 600 MB for 1M entries),
# made again when mkstream.py, the size or the seed change.  Everything
# runs one thing at a time.

set -eu

SIZES=${BENCH_SIZES:-10000 100000 1000000}
REF_MAX=${BENCH_REF_MAX:-100000}	# the reference runs up to this size
SEED=${BENCH_SEED:-1}
PYTHON=${PYTHON:-/usr/bin/python3}
# The targets for sheaf cluster.
TARGET_RATE=20000	# entries/s, at every size
TARGET_FLAT=0.8		# entries/s, largest size over the one before, at least
TARGET_MEM=1.25		# peak RSS, largest size over the one before, at most

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(pwd)
corpus=$srcdir/../shared/corpus
SHEAF=${SHEAF:-$builddir/client/sheaf}
score=$srcdir/../shared/clustering-dev/score.py

say() {
	echo "bench-cluster: $*" >&2
}

if [ ! -d "$corpus/feeds" ]; then
	echo "bench-cluster: ../shared/corpus not found, skipped"
	exit 0
fi
corpus=$(cd "$corpus" && pwd)
if [ ! -x "$SHEAF" ]; then
	say "no $SHEAF: run me from the build directory after make," \
	    "or name the binary in SHEAF"
	exit 1
fi
if ! "$SHEAF" cluster </dev/null >/dev/null 2>&1; then
	say "$SHEAF cluster </dev/null fails: no working sheaf cluster"
	exit 1
fi
for n in $SIZES; do
	case $n in
	'' | *[!0-9]*)
		say "BENCH_SIZES: not a number: $n"
		exit 1
		;;
	esac
done
SIZES=$(for n in $SIZES; do echo "$n"; done | sort -n -u | tr '\n' ' ')
max=$(for n in $SIZES; do echo "$n"; done | tail -n 1)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-cluster.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# Wall time from date +%N where it works (GNU date), else from time(1).
case $(date +%N) in
*[!0-9]*) fine_clock=false ;;
*) fine_clock=true ;;
esac
now() {
	date +%s.%N
}

# Peak RSS from /usr/bin/time (Debian package time), else from Python's
# getrusage(RUSAGE_CHILDREN) around the command.
if /usr/bin/time -f '%e %M' -o "$tmp/probe" true 2>/dev/null; then
	timer=usr_bin_time
else
	timer=python
	say "no /usr/bin/time (Debian package time): peak RSS from" \
	    "getrusage(RUSAGE_CHILDREN) in $PYTHON"
fi

# measure OUT CMD...: run CMD with its output in OUT, and set seconds and
# rss_kib.  A failing CMD stops the benchmark.
measure() {
	out=$1
	shift
	t0=$(now)
	if [ "$timer" = usr_bin_time ]; then
		/usr/bin/time -f '%e %M' -o "$tmp/rusage" "$@" >"$out" || {
			say "failed: $*"
			exit 1
		}
	else
		"$PYTHON" -c '
import resource, subprocess, sys, time
t = time.monotonic()
rc = subprocess.call(sys.argv[2:], stdout=open(sys.argv[1], "wb"))
t = time.monotonic() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.2f %d" % (t, r.ru_maxrss))
sys.exit(rc)' "$out" "$@" >"$tmp/rusage" || {
			say "failed: $*"
			exit 1
		}
	fi
	t1=$(now)
	rss_kib=$(awk '{ r = $2 } END { print r }' "$tmp/rusage")
	if $fine_clock; then
		seconds=$(awk -v a="$t0" -v b="$t1" \
		    'BEGIN { printf "%.3f\n", b - a }')
	else
		seconds=$(awk '{ s = $1 } END { print s }' "$tmp/rusage")
	fi
}

# The stream, made once.  The stamp names what it was made from; the
# stream is made again when that changes or mkstream.py is newer.
cache=${BENCH_CACHE:-$builddir/bench-cluster.cache}
if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
	cache=${TMPDIR:-/tmp}/sheaf-bench-cluster.cache
	mkdir -p "$cache"
fi
stamp="n=$max seed=$SEED corpus=$corpus"
if [ ! -f "$cache/stamp" ] || [ ! -f "$cache/stream.jsonl" ] ||
    [ "$(sed -n 1p "$cache/stamp")" != "$stamp" ] ||
    [ -z "$(find "$cache/stream.jsonl" -newer "$srcdir/bench/mkstream.py")" ]
then
	say "making a stream of $max entries in $cache (seed $SEED)"
	rm -f "$cache/stamp"
	t0=$(now)
	"$PYTHON" "$srcdir/bench/mkstream.py" --corpus "$corpus" \
	    --gold "$cache/gold.tmp" --dups "$cache/dups.tmp" "$max" "$SEED" \
	    >"$cache/stream.tmp"
	gen=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f\n", b - a }')
	mv "$cache/gold.tmp" "$cache/gold.jsonl"
	mv "$cache/dups.tmp" "$cache/dups.jsonl"
	mv "$cache/stream.tmp" "$cache/stream.jsonl"
	printf '%s\n%s\n' "$stamp" "$gen" >"$cache/stamp"
else
	say "using the stream in $cache"
fi
gen=$(sed -n 2p "$cache/stamp")
stream=$cache/stream.jsonl
bytes=$(wc -c <"$stream" | tr -d ' ')
first=$(head -n 1 "$stream" | sed 's/.*"published": *"\([^"]*\)".*/\1/')
last=$(tail -n 1 "$stream" | sed 's/.*"published": *"\([^"]*\)".*/\1/')

have_score=false
if [ -f "$score" ]; then
	have_score=true
else
	say "no ../shared/clustering-dev/score.py: no quality columns"
fi

# check N OUT: OUT has one line per entry of the first N, same ids in the
# same order, a cluster each, duplicate_of null or an earlier id.
check() {
	"$PYTHON" - "$cache/gold.jsonl" "$1" "$2" <<'EOF'
import itertools, json, sys
gold, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
seen = set()
with open(gold, encoding="utf-8") as g, open(out, encoding="utf-8") as o:
    for k, (gl, ol) in enumerate(itertools.zip_longest(
            itertools.islice(g, n), o), 1):
        if gl is None or ol is None:
            sys.exit("line %d: %s" % (k, "one line too many" if gl is None
                                      else "output ends early"))
        want = json.loads(gl)["id"]
        try:
            r = json.loads(ol)
        except ValueError:
            sys.exit("line %d: not JSON: %.60s" % (k, ol))
        if r.get("id") != want:
            sys.exit("line %d: id %r, wanted %r" % (k, r.get("id"), want))
        if r.get("cluster") in (None, ""):
            sys.exit("line %d: no cluster" % k)
        d = r.get("duplicate_of", 0)
        if d is not None and d not in seen:
            sys.exit("line %d: duplicate_of %r is not an earlier id" % (k, d))
        seen.add(want)
EOF
}

# quality N OUT: BCubed F1 and duplicate F1 against the stream's truth.
quality() {
	head -n "$1" "$cache/gold.jsonl" >"$tmp/gold"
	# The re-posts among the first N entries (the id ends in :SEQUENCE).
	awk -v n="$1" '{
		s = $0
		sub(/^\{"id": "[^"]*:/, "", s)
		sub(/".*/, "", s)
		if (s + 0 >= n)
			exit
		print
	}' "$cache/dups.jsonl" >"$tmp/dups"
	"$PYTHON" "$score" "$tmp/gold" "$2" "$tmp/dups" >"$tmp/score"
	bf1=$(sed -n 's/^F1=\([0-9.]*\) .*/\1/p' "$tmp/score")
	df1=$(sed -n 's/^duplicates .*F1=\([0-9.]*\) .*/\1/p' "$tmp/score")
}

# row TOOL ENTRIES SECONDS RSS_KIB BCUBED DUPF1: one line of the table.
row() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$tmp/rows"
}
: >"$tmp/rows"

# run TOOL N IN CMD...: time CMD on the first N entries in IN, check and
# score its output, add its row.
run() {
	tool=$1 n=$2 in=$3
	shift 3
	say "$tool, $n entries"
	cat "$in" >/dev/null	# from the page cache, for both alike
	measure "$tmp/out" "$@" "$in"
	if ! check "$n" "$tmp/out" >"$tmp/check" 2>&1; then
		say "$tool: bad output on $n entries: $(cat "$tmp/check")"
		exit 1
	fi
	bf1=- df1=-
	if $have_score; then
		quality "$n" "$tmp/out"
	fi
	row "$tool" "$n" "$seconds" "$rss_kib" "${bf1:--}" "${df1:--}"
}

for n in $SIZES; do
	if [ "$n" -eq "$max" ]; then
		in=$stream
	else
		in=$tmp/in.jsonl
		head -n "$n" "$stream" >"$in"
	fi
	run "sheaf cluster" "$n" "$in" "$SHEAF" cluster
	if [ "$n" -le "$REF_MAX" ]; then
		run "reference (Python)" "$n" "$in" "$PYTHON" \
		    "$srcdir/bench/cluster_ref.py"
	fi
done

# The report.
cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
version=$("$SHEAF" --version 2>/dev/null | head -n 1) || version='?'
echo
echo "sheaf cluster benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: ${cpu:-unknown CPU}, $(nproc 2>/dev/null || echo '?')" \
    "cores, one job at a time; load average at the end:" \
    "$(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || echo '?')"
echo "versions: ${version:-?}, $("$PYTHON" --version 2>&1)"
echo "binary: $SHEAF"
echo "stream: bench/mkstream.py $max $SEED on $corpus"
echo "  $max entries, $bytes bytes, published $first .. $last;" \
    "made in $gen s, kept in $cache"
echo
awk -F '\t' -v max="$max" -v refmax="$REF_MAX" -v rate="$TARGET_RATE" '
BEGIN {
	printf "%-19s %8s %8s %10s %9s %10s %7s\n", "tool", "entries", \
	    "seconds", "entries/s", "peak MiB", "BCubed F1", "dup F1"
}
{
	eps = $3 > 0 ? $2 / $3 : 0
	printf "%-19s %8d %8.2f %10.0f %9.1f %10s %7s\n", $1, $2, $3, eps, \
	    $4 / 1024, $5, $6
	if ($1 ~ /^reference/)
		ref[$2] = eps
}
END {
	best = 0
	for (n in ref)
		if (n + 0 > best)
			best = n + 0
	if (max + 0 > refmax + 0 && best > 0 && ref[best] > 0) {
		t = max / ref[best]
		t = t < 120 ? sprintf("%.0f s", t) : sprintf("%.0f min", t / 60)
		printf "%-19s %8d   not run, too slow in pure Python: about" \
		    " %s at its %d-entry rate\n", "reference (Python)", max, \
		    t, best
	}
	printf "%-19s %8s %8s %10s %9s\n", "target (sheaf)", "", "", \
	    ">= " rate, "bounded"
}' "$tmp/rows"
echo
echo "seconds: wall time of one run on the first N entries of the stream," \
    "read from a file"
echo "in the page cache, output to a file.  peak MiB: maximum resident" \
    "set size ($(
	[ "$timer" = usr_bin_time ] && echo "/usr/bin/time %M" ||
	    echo "getrusage"))."
if $have_score; then
	echo "BCubed F1, dup F1: ../shared/clustering-dev/score.py against" \
	    "the truth of the stream"
	echo "(its stories and re-posts as mkstream.py made them): a check" \
	    "that the output is a"
	echo "clustering, not a measure of quality, since the stream is" \
	    "synthetic."
fi
echo
awk -F '\t' -v rate="$TARGET_RATE" -v flat="$TARGET_FLAT" \
    -v mem="$TARGET_MEM" '
$1 == "sheaf cluster" {
	k++
	n[k] = $2
	eps[k] = $3 > 0 ? $2 / $3 : 0
	rss[k] = $4
}
function verdict(ok) {
	return ok ? "met" : "NOT MET"
}
END {
	if (k == 0)
		exit
	low = eps[1]
	for (i = 2; i <= k; i++)
		if (eps[i] < low)
			low = eps[i]
	print "targets for sheaf cluster:"
	printf "  %-58s %-12s %s\n", "at least " rate " entries/s at every size", \
	    sprintf("lowest %.0f", low), verdict(low >= rate)
	if (k < 2)
		exit
	r = eps[k - 1] > 0 ? eps[k] / eps[k - 1] : 0
	printf "  %-58s %-12s %s\n", sprintf("flat: entries/s at %d over %d" \
	    " >= %s", n[k], n[k - 1], flat), sprintf("%.2f", r), \
	    verdict(r >= flat)
	r = rss[k - 1] > 0 ? rss[k] / rss[k - 1] : 0
	printf "  %-58s %-12s %s\n", sprintf("memory bounded: peak RSS at %d" \
	    " over %d <= %s", n[k], n[k - 1], mem), sprintf("%.2f", r), \
	    verdict(r <= mem)
}' "$tmp/rows"
