#!/bin/sh
# SPDX-License-Identifier: MIT
# The socket API under load: requests/s and latency of /v1/status,
# /v1/feeds and a 50-entry page of /v1/entries with 1 and 16 keep-alive
# clients (bench/apiload), while sheafd ingests; next to the same client
# against bench/mhd_trivial answering the same bytes with the same
# libmicrohttpd options (the ceiling), and curl --parallel against that.
# See bench/README.md.
#
# Run from the build directory after building daemon/sheafd,
# bench/apiload and bench/mhd_trivial (make bench-api does that).

set -eu

NFEEDS=${BENCH_FEEDS:-300}
ITEMS=${BENCH_ITEMS:-20}
CHURN=${BENCH_CHURN:-4}		# feeds given new entries and polled, per s
SCALE=${BENCH_SCALE:-1}		# multiplies the request counts
PYTHON=${PYTHON:-python3}
TARGET_RATIO=0.5		# the page's requests/s over the ceiling's
TARGET_P99=5			# ms

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(pwd)
SHEAFD=${SHEAFD:-$builddir/daemon/sheafd}
APILOAD=$builddir/bench/apiload
TRIVIAL=$builddir/bench/mhd_trivial

say() {
	echo "bench-api: $*" >&2
}

for p in "$SHEAFD" "$APILOAD" "$TRIVIAL"; do
	if [ ! -x "$p" ]; then
		say "no $p: run me from the build directory after make bench-api"
		exit 1
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/sheaf-bench-api.XXXXXX")
httpd_pid=
sheafd_pid=
trivial_pid=
churn_pid=
cleanup() {
	exec 3>&- 2>/dev/null || :
	for p in $churn_pid $trivial_pid $sheafd_pid $httpd_pid; do
		kill "$p" 2>/dev/null || :
	done
	wait 2>/dev/null || :
	if [ -n "${BENCH_KEEP:-}" ]; then
		say "kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# wait_for SECONDS COMMAND...: poll every 0.1 s until COMMAND succeeds.
wait_for() {
	n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# get SOCKET PATH FILE: the answer's body into FILE.
get() {
	curl -sf --unix-socket "$1" -o "$3" "http://localhost$2"
}

stored() {
	get "$work/sheaf.sock" /v1/status "$work/status.json" &&
	    "$PYTHON" -c 'import json, sys
sys.exit(json.load(open(sys.argv[1]))["entries"] < int(sys.argv[2]))' \
		"$work/status.json" "$1"
}

say "writing $NFEEDS feeds of $ITEMS entries"
mkdir -p "$work/www"
"$PYTHON" "$srcdir/bench/api_feeds.py" write "$work/www" "$NFEEDS" "$ITEMS"
"$PYTHON" "$srcdir/tests/httpd/server.py" --routes "$work/www/routes.json" \
    --port-file "$work/port" --no-stdin >/dev/null 2>&1 &
httpd_pid=$!
wait_for 10 test -s "$work/port" || {
	say "the feed server did not start"
	exit 1
}
port=$(cut -d' ' -f1 "$work/port")
sed "s/PORT/$port/g" "$work/www/feeds.opml" >"$work/feeds.opml"

: >"$work/sheafd.conf"
"$SHEAFD" -f -c "$work/sheafd.conf" -d "$work/state" -s "$work/sheaf.sock" \
    2>"$work/sheafd.log" &
sheafd_pid=$!
wait_for 10 get "$work/sheaf.sock" /v1/status /dev/null || {
	say "sheafd did not start"
	exit 1
}
curl -sf --unix-socket "$work/sheaf.sock" --data-binary "@$work/feeds.opml" \
    -o /dev/null http://localhost/v1/opml
say "sheafd polls them"
wait_for 300 stored $((NFEEDS * ITEMS)) || {
	say "the feeds were not all stored in 300 s"
	exit 1
}

ENDPOINTS="/v1/status /v1/feeds /v1/entries?limit=50"
# Requests per connection: 1 client, then each of 16.
reqs() {
	case $1 in
	/v1/status) n1=5000 n16=1000 ;;
	/v1/feeds) n1=300 n16=60 ;;
	*) n1=2000 n16=400 ;;
	esac
	[ "$2" = 1 ] && echo $((n1 * SCALE)) || echo $((n16 * SCALE))
}

# load SOCKET LABEL PATH CONNS: one apiload run, after a short warm-up;
# its figures go to $work/results as LABEL PATH CONNS key=value...
load() {
	threads=$(($4 < 4 ? $4 : 4))
	"$APILOAD" -s "$1" -c "$4" -t "$threads" -n 20 "$3" >/dev/null
	line=$("$APILOAD" -s "$1" -c "$4" -t "$threads" -n "$(reqs "$3" "$4")" \
	    "$3")
	say "$2 $3 x$4: $line"
	echo "$2 $3 $4 $line" >>"$work/results"
}

: >"$work/results"
i=0
for e in $ENDPOINTS; do
	i=$((i + 1))
	get "$work/sheaf.sock" "$e" "$work/body$i"
done

say "sheafd, while it ingests ($CHURN feeds/s get 5 new entries each)"
mkfifo "$work/churn.in"
"$PYTHON" "$srcdir/bench/api_feeds.py" churn "$work/www" "$work/sheaf.sock" \
    "$NFEEDS" "$ITEMS" "$CHURN" <"$work/churn.in" &
churn_pid=$!
exec 3>"$work/churn.in"
get "$work/sheaf.sock" /v1/status "$work/before.json"
wait_for 30 stored $((NFEEDS * ITEMS + 1)) || {
	say "nothing new was stored in 30 s"
	exit 1
}
for e in $ENDPOINTS; do
	for c in 1 16; do
		load "$work/sheaf.sock" sheafd "$e" "$c"
	done
done
get "$work/sheaf.sock" /v1/status "$work/after.json"
exec 3>&-
wait "$churn_pid" || :
churn_pid=
ingested=$("$PYTHON" -c 'import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
print(b["entries"] - a["entries"])' "$work/before.json" "$work/after.json")

"$TRIVIAL" -s "$work/trivial.sock" -r "/v1/status=$work/body1" \
    -r "/v1/feeds=$work/body2" -r "/v1/entries=$work/body3" &
trivial_pid=$!
wait_for 10 get "$work/trivial.sock" /v1/status /dev/null || {
	say "mhd_trivial did not start"
	exit 1
}
say "mhd_trivial, the same bytes"
for e in $ENDPOINTS; do
	for c in 1 16; do
		load "$work/trivial.sock" trivial "$e" "$c"
	done
done

# curl --parallel: requests/s of the whole run, 16 at a time.
say "curl --parallel against mhd_trivial"
for e in $ENDPOINTS; do
	n=$(($(reqs "$e" 16) * 4))
	k=0
	while [ $k -lt "$n" ]; do
		echo "url = \"http://localhost$e\""
		echo 'output = "/dev/null"'
		k=$((k + 1))
	done >"$work/curl.cfg"
	t0=$(date +%s.%N)
	curl -s --no-progress-meter --parallel --parallel-max 16 \
	    --unix-socket "$work/trivial.sock" -K "$work/curl.cfg"
	t1=$(date +%s.%N)
	echo "curl $e 16 rps=$(echo "$n $t0 $t1" |
	    awk '{ printf "%.0f", $1 / ($3 - $2) }')" >>"$work/results"
done

size() {
	wc -c <"$work/body$1" | awk '{ printf "%.1f KB", $1 / 1000 }'
}
echo "sheaf API: $NFEEDS feeds, $(($NFEEDS * $ITEMS)) entries at start," \
    "$ingested more ingested during the sheafd runs"
echo "answers: /v1/status $(size 1), /v1/feeds $(size 2)," \
    "/v1/entries?limit=50 $(size 3)"
echo
awk -v ratio="$TARGET_RATIO" -v p99max="$TARGET_P99" '
function kv(s, k,    i, n, a, b) {
	n = split(s, a, " ")
	for (i = 1; i <= n; i++) {
		split(a[i], b, "=")
		if (b[1] == k)
			return b[2]
	}
	return ""
}
{
	key = $2 " " $3
	rest = $0
	if (!(key in seen)) {
		seen[key] = 1
		order[++nkeys] = key
	}
	if ($1 == "curl") {
		curl[key] = kv(rest, "rps")
		next
	}
	rps[$1, key] = kv(rest, "rps")
	p50[$1, key] = kv(rest, "p50_ms")
	p99[$1, key] = kv(rest, "p99_ms")
	err[$1, key] = kv(rest, "errors")
	cpu[$1, key] = kv(rest, "client_cpu")
}
END {
	printf "%-22s %5s | %8s %7s %7s %4s | %8s %7s %7s | %5s | %8s\n",
	    "endpoint", "conns", "sheafd/s", "p50 ms", "p99 ms", "err",
	    "ceil/s", "p50 ms", "p99 ms", "ratio", "curl/s"
	for (i = 1; i <= nkeys; i++) {
		k = order[i]
		split(k, f, " ")
		r = rps["trivial", k] > 0 ? rps["sheafd", k] / rps["trivial", k] : 0
		printf "%-22s %5s | %8s %7s %7s %4s | %8s %7s %7s | %5.2f | %8s\n",
		    f[1], f[2], rps["sheafd", k], p50["sheafd", k],
		    p99["sheafd", k], err["sheafd", k], rps["trivial", k],
		    p50["trivial", k], p99["trivial", k], r,
		    (k in curl) ? curl[k] : "-"
		if (f[1] ~ /entries/) {
			ok = r >= ratio && p99["sheafd", k] < p99max && \
			    err["sheafd", k] == 0
			verdict = verdict sprintf("target (page at >= %.1f of the " \
			    "ceiling, p99 < %d ms, no errors) with %s: %s\n",
			    ratio, p99max, f[2] == 1 ? "1 client" : \
			    f[2] " clients", ok ? "met" : "MISSED")
		}
	}
	printf "\n%s", verdict
}' "$work/results"
echo "client CPU (apiload, % of one core):" $(awk '$1 != "curl" {
	for (i = 4; i <= NF; i++)
		if ($i ~ /^client_cpu=/) {
			sub("client_cpu=", "", $i)
			printf "%s ", $i
		}
}' "$work/results")
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
