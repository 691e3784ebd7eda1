#!/bin/sh
# SPDX-License-Identifier: MIT
# Polling throughput: sheafd's first round over 10,000 feeds served by a
# local nginx, then a second round that the server answers with 304, next
# to curl --parallel and newsboat on the same URLs.  See bench/README.md.
#
# Run from the build directory (make bench-poll does that after building
# daemon/sheafd and client/sheaf).  The source directory is found from this
# script's path, the build directory is the current one, and the corpus is
# $srcdir/../shared/corpus: its mkscale.py makes the 10,000 feed files, in
# a temporary directory, from its real feeds.  nginx runs as a child of
# this script on a free loopback port, with its own configuration; sheafd
# on its own state directory and socket, with the default configuration.
# Everything runs one thing at a time: sheafd's two rounds, curl's two,
# then newsboat, capped by a timeout.

set -eu

FEEDS=${BENCH_FEEDS:-10000}
SEED=${BENCH_SEED:-1}
MAX_SIZE=${BENCH_MAX_SIZE:-0}	# mkscale.py --max-size; 0: every file
CURL_BATCH=${BENCH_CURL_BATCH:-2000}
CURL_PARALLEL=32
NB_TIMEOUT=${BENCH_NEWSBOAT_TIMEOUT:-600}
ROUND_TIMEOUT=${BENCH_ROUND_TIMEOUT:-1800}
PYTHON=${PYTHON:-/usr/bin/python3}
CURL=${CURL:-curl}
NEWSBOAT=${NEWSBOAT:-newsboat}
NGINX=${NGINX:-}
# The targets for sheafd.
TARGET_CURL=2	# each round: seconds at most this many times curl's
TARGET_NB=10	# first round: feeds/s at least this many times newsboat's
TARGET_MIB=64	# peak RSS below this many MiB

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(pwd)
corpus=$srcdir/../shared/corpus
SHEAFD=${SHEAFD:-$builddir/daemon/sheafd}
SHEAF=${SHEAF:-$builddir/client/sheaf}
helper=$srcdir/bench/poll_feeds.py

say() {
	echo "bench-poll: $*" >&2
}

if [ ! -d "$corpus/feeds" ]; then
	echo "bench-poll: ../shared/corpus not found, skipped"
	exit 0
fi
corpus=$(cd "$corpus" && pwd)
if [ ! -f "$corpus/mkscale.py" ]; then
	echo "bench-poll: ../shared/corpus/mkscale.py not found, skipped"
	exit 0
fi
if [ ! -x "$SHEAFD" ] || [ ! -x "$SHEAF" ]; then
	say "no $SHEAFD or $SHEAF: run me from the build directory after" \
	    "make, or name the binaries in SHEAFD and SHEAF"
	exit 1
fi
for n in "$FEEDS" "$SEED" "$MAX_SIZE" "$CURL_BATCH" "$NB_TIMEOUT" \
    "$ROUND_TIMEOUT"; do
	case $n in
	'' | *[!0-9]*)
		say "not a number: '$n' (the BENCH_* variables)"
		exit 1
		;;
	esac
done
if [ "$FEEDS" -lt 1 ] || [ "$CURL_BATCH" -lt 1 ]; then
	say "BENCH_FEEDS and BENCH_CURL_BATCH must be at least 1"
	exit 1
fi
case $(date +%N) in
*[!0-9]*)
	say "needs date +%N (GNU date) for sub-second timing"
	exit 1
	;;
esac
if ! "$PYTHON" -c 'import sys' 2>/dev/null; then
	say "no $PYTHON (set PYTHON)"
	exit 1
fi
if [ -z "$NGINX" ]; then
	NGINX=$(command -v nginx 2>/dev/null) || NGINX=/usr/sbin/nginx
fi
if ! command -v "$NGINX" >/dev/null 2>&1; then
	say "needs nginx to serve the feeds (Debian package nginx; only the" \
	    "binary is used, no service)"
	exit 1
fi
if ! command -v "$CURL" >/dev/null 2>&1; then
	say "needs curl (Debian package curl)"
	exit 1
fi
have_nb=false
if command -v "$NEWSBOAT" >/dev/null 2>&1; then
	have_nb=true
else
	say "no $NEWSBOAT in PATH (Debian package newsboat): its row and" \
	    "target are left out"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-poll.XXXXXX")
nginx_pid='' sheafd_pid=''
cleanup() {
	if [ -n "$sheafd_pid" ]; then
		kill "$sheafd_pid" 2>/dev/null || :
		wait "$sheafd_pid" 2>/dev/null || :
	fi
	if [ -n "$nginx_pid" ]; then
		kill "$nginx_pid" 2>/dev/null || :
		wait "$nginx_pid" 2>/dev/null || :
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

now() {
	date +%s.%N
}
# sub A B: B - A, in seconds with three decimals.
sub() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", b - a }'
}
# The page cache holds every feed file before each tool runs, for all alike.
warm() {
	find "$www/f" -type f -exec cat {} + >/dev/null
}
hz=$(getconf CLK_TCK 2>/dev/null) || hz=100
# cpu PID: user + system seconds the process has used so far.
cpu() {
	awk -v hz="$hz" '{ printf "%.2f\n", ($14 + $15) / hz }' \
	    "/proc/$1/stat"
}
# hwm PID: its peak resident set (VmHWM), KiB.
hwm() {
	awk '$1 == "VmHWM:" { print $2 }' "/proc/$1/status"
}
# rss_now PID: its resident set now, "N MiB (heap and other anonymous N
# MiB, mapped files N MiB)": the store's memory map and the shared
# libraries (ICU's data among them) count as mapped files.
rss_now() {
	awk '
	$1 == "VmRSS:" { t = $2 }
	$1 == "RssAnon:" { a = $2 }
	$1 == "RssFile:" { f = $2 }
	$1 == "RssShmem:" { f += $2 }
	END {
		printf "%.0f MiB (anonymous %.0f MiB, mapped files %.0f" \
		    " MiB)\n", t / 1024, a / 1024, f / 1024
	}' "/proc/$1/status"
}
# log_mark: the line count of nginx's access log, after the last answers'
# lines are written.  served FROM TO: what nginx answered between two
# marks, "N requests (STATUS: N, ...)".
log_mark() {
	sleep 0.3
	wc -l <"$tmp/nginx/access.log" | tr -d ' '
}
served() {
	awk -v from="$1" -v to="$2" '
	NR > from && NR <= to { n++; st[$1]++ }
	END {
		s = ""
		for (k in st)
			s = s (s == "" ? "" : ", ") k ": " st[k]
		printf "%d requests (%s)\n", n, s
	}' "$tmp/nginx/access.log"
}
# key NAME FILE: the value of NAME=VALUE in FILE.
key() {
	sed -n "s/^$1=//p" "$2"
}
# row TOOL ROUND FEEDS SECONDS PEAK_KIB N304: one line of the table.
row() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$tmp/rows"
}
: >"$tmp/rows"

# The feeds: mkscale.py samples the corpus files and makes each copy
# distinct (ids, titles, links, dates).
www=$tmp/www
say "making $FEEDS feeds with mkscale.py (seed $SEED)"
set -- -n "$FEEDS" --seed "$SEED" -o "$www" --corpus "$corpus/feeds"
if [ "$MAX_SIZE" -gt 0 ]; then
	set -- "$@" --max-size "$MAX_SIZE"
fi
made=$("$PYTHON" "$corpus/mkscale.py" "$@")
(cd "$www/f" && ls) >"$tmp/names"
if [ "$(wc -l <"$tmp/names" | tr -d ' ')" -ne "$FEEDS" ]; then
	say "mkscale.py made $(wc -l <"$tmp/names" | tr -d ' ') files," \
	    "not $FEEDS"
	exit 1
fi
njson=$(grep -c '\.json$' "$tmp/names") || :

# nginx, on a free loopback port: static files, with the ETag and
# Last-Modified it sends for them; no gzip; one line a request in its
# access log, the status and the time, to count what each tool asked for.
mkdir "$tmp/nginx"
user_line=''
if [ "$(id -u)" -eq 0 ]; then
	# Workers would run as nobody, who cannot read the temporary dir.
	user_line="user $(id -un) $(id -gn);"
fi
first=$(head -n 1 "$tmp/names")
tries=0
while :; do
	port=$("$PYTHON" "$helper" port)
	cat >"$tmp/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
$user_line
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events {
	worker_connections 1024;
}
http {
	types {
		application/xml xml;
		application/feed+json json;
	}
	default_type application/octet-stream;
	sendfile on;
	gzip off;
	log_format status '\$status \$msec';
	access_log $tmp/nginx/access.log status;
	client_body_temp_path $tmp/nginx/body;
	proxy_temp_path $tmp/nginx/proxy;
	fastcgi_temp_path $tmp/nginx/fastcgi;
	uwsgi_temp_path $tmp/nginx/uwsgi;
	scgi_temp_path $tmp/nginx/scgi;
	server {
		listen 127.0.0.1:$port;
		root $www;
	}
}
EOF
	"$NGINX" -p "$tmp/nginx/" -c "$tmp/nginx/nginx.conf" \
	    -e "$tmp/nginx/error.log" 2>>"$tmp/nginx/stderr" &
	nginx_pid=$!
	i=0
	code=000
	while [ "$i" -lt 50 ] && kill -0 "$nginx_pid" 2>/dev/null; do
		code=$("$CURL" -s -o /dev/null -w '%{http_code}' \
		    "http://127.0.0.1:$port/f/$first") || :
		[ "$code" = 200 ] && break
		sleep 0.1
		i=$((i + 1))
	done
	[ "$code" = 200 ] && break
	kill "$nginx_pid" 2>/dev/null || :
	wait "$nginx_pid" 2>/dev/null || :
	nginx_pid=''
	tries=$((tries + 1))
	if [ "$tries" -ge 3 ]; then
		say "nginx does not serve the feeds:"
		cat "$tmp/nginx/stderr" "$tmp/nginx/error.log" >&2 || :
		exit 1
	fi
done
base=http://127.0.0.1:$port/f/
sed "s|^|$base|" "$tmp/names" >"$tmp/urls"

# sheafd: the default configuration (an empty file, so that no
# /etc/sheaf/sheafd.conf applies), its own state directory and socket.
sd=$tmp/sheafd
mkdir "$sd"
: >"$sd/sheafd.conf"
awk -v base="$base" '
BEGIN {
	print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	print "<opml version=\"2.0\">"
	print "<head><title>bench-poll</title></head><body>"
}
{ printf "<outline type=\"rss\" text=\"%s\" xmlUrl=\"%s%s\"/>\n", $1, base, $1 }
END { print "</body></opml>" }' "$tmp/names" >"$sd/subs.opml"
say "starting sheafd"
"$SHEAFD" -f -c "$sd/sheafd.conf" -d "$sd/state" -s "$sd/sock" \
    >"$sd/log" 2>&1 &
sheafd_pid=$!
i=0
until "$CURL" -s -o /dev/null --unix-socket "$sd/sock" \
    http://localhost/v1/status; do
	if ! kill -0 "$sheafd_pid" 2>/dev/null || [ "$i" -ge 300 ]; then
		say "sheafd did not start:"
		cat "$sd/log" >&2
		exit 1
	fi
	sleep 0.1
	i=$((i + 1))
done

# Round 1: from the import to every feed polled.
say "sheafd, round 1: importing $FEEDS feeds and waiting until all are" \
    "polled"
warm
mark=$(log_mark)
c0=$(cpu "$sheafd_pid")
t0=$(now)
"$SHEAF" -s "$sd/sock" import "$sd/subs.opml" >"$sd/import.out"
r1_ok=true
"$PYTHON" "$helper" wait "$sd/sock" "$FEEDS" "$ROUND_TIMEOUT" \
    "$sd/r1.json" >"$sd/r1.wait" || r1_ok=false
done_at=$(sed -n 's/^done_at=//p' "$sd/r1.wait")
sd1_s=$(sub "$t0" "$done_at")
sd1_rss=$(hwm "$sheafd_pid")
sd1_now=$(rss_now "$sheafd_pid")
sd1_cpu=$(sub "$c0" "$(cpu "$sheafd_pid")")
mark2=$(log_mark)
sd1_served=$(served "$mark" "$mark2")
"$PYTHON" "$helper" summary "$sd/r1.json" >"$sd/r1.sum" 2>"$sd/r1.errors"
sd1_polled=$(key polled "$sd/r1.sum")
sd1_304=$(key st304 "$sd/r1.sum")
sd1_200=$(key st200 "$sd/r1.sum")
sd1_failing=$(key failing "$sd/r1.sum")
row sheafd "1 (first)" "$sd1_polled" "$sd1_s" "$sd1_rss" "$sd1_304"

# The story thread clusters what round 1 stored, after it was stored:
# wait until it is done, so that round 2 times the conditional requests.
say "sheafd: waiting until every entry of round 1 has its story"
"$PYTHON" "$helper" stories "$sd/sock" "$ROUND_TIMEOUT" ||
    say "entries still without a story after $ROUND_TIMEOUT s"
sd1_stories_s=$(sub "$t0" "$(now)")
sd1_stories_cpu=$(sub "$c0" "$(cpu "$sheafd_pid")")
sd1_stories_rss=$(hwm "$sheafd_pid")

# Round 2: every feed again, now with its validators.  last_poll has a
# resolution of a second: round 2 starts in a later second than round 1's
# last poll.
sleep 2
say "sheafd, round 2: sheaf poll, and waiting until every feed is polled" \
    "again"
warm
mark=$(log_mark)
c0=$(cpu "$sheafd_pid")
t0=$(now)
poll_rc=0
"$SHEAF" -s "$sd/sock" poll >"$sd/poll.out" 2>"$sd/poll.err" || poll_rc=$?
t_poll=$(sub "$t0" "$(now)")
r2_ok=true
"$PYTHON" "$helper" wait "$sd/sock" "$FEEDS" "$ROUND_TIMEOUT" \
    "$sd/r2.json" "$sd/r1.json" >"$sd/r2.wait" || r2_ok=false
done_at=$(sed -n 's/^done_at=//p' "$sd/r2.wait")
sd2_s=$(sub "$t0" "$done_at")
sd2_rss=$(hwm "$sheafd_pid")
sd2_now=$(rss_now "$sheafd_pid")
sd2_cpu=$(sub "$c0" "$(cpu "$sheafd_pid")")
mark2=$(log_mark)
sd2_served=$(served "$mark" "$mark2")
"$PYTHON" "$helper" summary "$sd/r2.json" "$sd/r1.json" >"$sd/r2.sum" \
    2>"$sd/r2.errors"
sd2_polled=$(key polled "$sd/r2.sum")
sd2_304=$(key st304 "$sd/r2.sum")
sd2_200=$(key st200 "$sd/r2.sum")
sd2_failing=$(key failing "$sd/r2.sum")
sd2_not304_failing=$(key not304_were_failing "$sd/r2.sum")
row sheafd "2 (conditional)" "$sd2_polled" "$sd2_s" "$sd2_rss" "$sd2_304"
kill "$sheafd_pid"
wait "$sheafd_pid" || :
sheafd_pid=''
store_kib=$(du -sk "$sd/state" | cut -f 1)

# curl: batches of 2,000 URLs, each from a -K file with one set of options
# a URL ("next" between them): url, output, the ETag to save (round 1) or
# compare (round 2), and the status to print.
mkdir "$tmp/curl" "$tmp/curl/1" "$tmp/curl/2" "$tmp/curl/etag"
cfgs=$(awk -v batch="$CURL_BATCH" -v base="$base" -v dir="$tmp/curl" '
{
	b = int((NR - 1) / batch) + 1
	if (b != last) {
		if (last != "") {
			close(f[1])
			close(f[2])
		}
		for (r = 1; r <= 2; r++)
			f[r] = dir "/r" r "." b ".cfg"
		last = b
	}
	id = $1
	sub(/\.[^.]*$/, "", id)
	for (r = 1; r <= 2; r++) {
		if ((NR - 1) % batch != 0)
			print "next" >f[r]
		printf "url = \"%s%s\"\n", base, $1 >f[r]
		printf "output = \"%s/%d/%s\"\n", dir, r, $1 >f[r]
		printf "etag-%s = \"%s/etag/%s\"\n", \
		    (r == 1 ? "save" : "compare"), dir, id >f[r]
		print "write-out = \"%{http_code}\\n\"" >f[r]
	}
}
END { print b }' "$tmp/names")
# curl_round R: run the batches of round R one after the other; sets secs
# (their sum) and peak (the largest peak RSS, KiB).
curl_round() {
	secs=0 peak=0
	: >"$tmp/curl/codes$1"
	: >"$tmp/curl/err$1"
	b=1
	while [ "$b" -le "$cfgs" ]; do
		"$PYTHON" "$helper" run "$tmp/curl/rusage" "$CURL" \
		    --no-progress-meter --parallel \
		    --parallel-max "$CURL_PARALLEL" -K "$tmp/curl/r$1.$b.cfg" \
		    >>"$tmp/curl/codes$1" 2>>"$tmp/curl/err$1"
		read -r s k rc <"$tmp/curl/rusage"
		secs=$(awk -v a="$secs" -v b="$s" \
		    'BEGIN { printf "%.3f\n", a + b }')
		if [ "$k" -gt "$peak" ]; then
			peak=$k
		fi
		if [ "$rc" -ne 0 ]; then
			say "curl exited with $rc in batch $b"
		fi
		b=$((b + 1))
	done
}
# codes FILE: "STATUS: N, ..." of a file of one status a line.
codes() {
	sort "$1" | uniq -c | awk '
	{ s = s (s == "" ? "" : ", ") $2 ": " $1 }
	END { print s }'
}
for r in 1 2; do
	say "curl, round $r: $cfgs batches of at most $CURL_BATCH URLs," \
	    "$CURL_PARALLEL at once"
	warm
	mark=$(log_mark)
	curl_round "$r"
	mark2=$(log_mark)
	n=$(grep -c -E '^(200|304)$' "$tmp/curl/codes$r") || :
	n304=$(grep -c '^304$' "$tmp/curl/codes$r") || :
	if [ "$r" = 1 ]; then
		round="1 (first)"
	else
		round="2 (conditional)"
	fi
	row "curl --parallel $CURL_PARALLEL" "$round" "$n" "$secs" "$peak" \
	    "$n304"
	if [ "$r" = 1 ]; then
		what="output to files, --etag-save"
	else
		what="--etag-compare"
	fi
	e=$(grep -c . "$tmp/curl/err$r") || :
	{
		echo "curl, round $r: $cfgs runs of \`curl --parallel" \
		    "--parallel-max $CURL_PARALLEL -K FILE\`,"
		echo "  $what; statuses $(codes "$tmp/curl/codes$r");" \
		    "$e lines on stderr;"
		echo "  nginx: $(served "$mark" "$mark2")."
	} >>"$tmp/curl/notes"
done
curl_kib=$(du -sk "$tmp/curl/1" | cut -f 1)
rm -rf "$tmp/curl/1" "$tmp/curl/2"

# newsboat: a urls file, its own cache and an empty configuration (its
# defaults), HOME in the temporary directory; stopped after NB_TIMEOUT.
nb_done=''
if $have_nb; then
	nb=$tmp/newsboat
	mkdir "$nb"
	cp "$tmp/urls" "$nb/urls"
	: >"$nb/config"
	say "newsboat -x reload, $FEEDS feeds, at most $NB_TIMEOUT s"
	warm
	mark=$(log_mark)
	nb_t0=$(now)
	HOME=$nb "$PYTHON" "$helper" run "$nb/rusage" timeout -k 10 \
	    "$NB_TIMEOUT" "$NEWSBOAT" -u "$nb/urls" -c "$nb/cache.db" \
	    -C "$nb/config" -x reload >"$nb/out" 2>&1 </dev/null
	mark2=$(log_mark)
	read -r nb_s nb_rss nb_rc <"$nb/rusage"
	# Its pace in its first and in its last minute.
	nb_pace=$(awk -v from="$mark" -v to="$mark2" -v t0="$nb_t0" \
	    -v t1="$(awk -v a="$nb_t0" -v b="$nb_s" \
	    'BEGIN { printf "%.3f\n", a + b }')" '
	NR > from && NR <= to {
		if ($2 < t0 + 60)
			first++
		if ($2 >= t1 - 60)
			last++
	}
	END {
		if (t1 - t0 >= 120)
			printf "%.0f feeds/s in its first minute, %.0f in its" \
			    " last", first / 60, last / 60
	}' "$tmp/nginx/access.log")
	nb_served=$(served "$mark" "$mark2")
	nb_n=$((mark2 - mark))
	nb_done=true
	case $nb_rc in
	124 | 137) nb_done=false ;;
	0) ;;
	*) say "newsboat exited with $nb_rc" ;;
	esac
	nb_stored=$("$PYTHON" -c '
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute(
    "select count(*) from rss_feed").fetchone()[0])' "$nb/cache.db" \
	    2>/dev/null) || nb_stored='?'
	nb_errs=$(grep -c -i 'error' "$nb/out") || :
	row newsboat "1 (first)" "$nb_n" "$nb_s" "$nb_rss" "-"
fi

# The report.
cpu_model=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo 2>/dev/null |
    head -n 1)
v_sheafd=$("$SHEAFD" --version 2>/dev/null | head -n 1) || v_sheafd='?'
v_curl=$("$CURL" --version | head -n 1 | cut -d ' ' -f 1-2)
v_nginx=$("$NGINX" -v 2>&1 | sed 's/.*nginx\//nginx /')
versions="$v_sheafd, $v_curl, $v_nginx"
if $have_nb; then
	versions="$versions, $("$NEWSBOAT" -v 2>/dev/null | head -n 1 |
	    cut -d ' ' -f 1-2)"
fi
echo
echo "sheafd polling benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: ${cpu_model:-unknown CPU}, $(nproc 2>/dev/null || echo '?')" \
    "cores, one job at a time; load average at the end:" \
    "$(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || echo '?')"
echo "versions: $versions"
echo "feeds: mkscale.py -n $FEEDS --seed $SEED$(if [ "$MAX_SIZE" -gt 0 ]; then
	echo " --max-size $MAX_SIZE"; fi) on $corpus/feeds:"
echo "  $made; $njson of them JSON Feed"
echo "served by nginx at $base"
echo "  one worker, static files with ETag and Last-Modified, no gzip"
echo
awk -F '\t' '
BEGIN {
	printf "%-19s %-15s %6s %8s %8s %9s %6s\n", "tool", "round", \
	    "feeds", "seconds", "feeds/s", "peak MiB", "304s"
}
{
	rate = $4 > 0 ? $3 / $4 : 0
	printf "%-19s %-15s %6d %8.2f %8.0f %9.1f %6s\n", $1, $2, $3, $4, \
	    rate, $5 / 1024, $6
}' "$tmp/rows"
echo
echo "feeds: polled (sheafd: last_poll set, or moved in round 2), answered"
echo "200 or 304 (curl), served by nginx (newsboat).  seconds: wall time."
echo "peak MiB: VmHWM of sheafd at the end of each round (so round 2 shows" \
    "the"
echo "peak of both); the largest resident set (getrusage) of a curl run," \
    "and of"
echo "newsboat."
echo
echo "sheafd, round 1: from \`sheaf import\` ($(cat "$sd/import.out"))"
echo "  until every feed's last_poll is set$(
	$r1_ok || echo ": NOT REACHED in $ROUND_TIMEOUT s, $(sed -n \
	    's/^missing=//p' "$sd/r1.wait") feeds not polled")."
echo "  $sd1_200 answered 200, $sd1_failing failing; sheafd used" \
    "$sd1_cpu s of CPU."
echo "  nginx: $sd1_served."
echo "  resident at the end: $sd1_now."
echo "  every entry had its story ${sd1_stories_s} s after the import" \
    "(${sd1_stories_cpu} s of CPU, peak $((sd1_stories_rss / 1024)) MiB):" \
    "the story thread clusters entries after they are stored."
if [ -s "$sd/r1.errors" ]; then
	echo "  errors (feeds, last_error):"
	head -n 5 "$sd/r1.errors" | sed 's/^/  /'
fi
echo "sheafd, round 2: from \`sheaf poll\` (done asking for the polls" \
    "after $t_poll s,"
echo "  exit status $poll_rc)"
echo "  until every feed's last_poll has moved$(
	$r2_ok || echo ": NOT REACHED in $ROUND_TIMEOUT s, $(sed -n \
	    's/^missing=//p' "$sd/r2.wait") feeds not polled again")."
echo "  $sd2_304 answered 304, $sd2_200 answered 200; $sd2_not304_failing" \
    "of those without a 304"
echo "  had failed in round 1; $sd2_failing failing; sheafd used $sd2_cpu s" \
    "of CPU."
echo "  nginx: $sd2_served."
echo "  resident at the end: $sd2_now."
echo "  store: $((store_kib / 1024)) MiB on disk."
cat "$tmp/curl/notes"
echo "  round 1 wrote $((curl_kib / 1024)) MiB of files."
if $have_nb; then
	if $nb_done; then
		echo "newsboat: -x reload finished in $nb_s s (exit status" \
		    "$nb_rc), $nb_stored feeds in its cache."
	else
		echo "newsboat: -x reload DID NOT FINISH: stopped after" \
		    "$NB_TIMEOUT s; its row is what"
		echo "  nginx served it by then; $nb_stored feeds in its cache."
	fi
	echo "  nginx: $nb_served."
	if [ -n "$nb_pace" ]; then
		echo "  its pace: $nb_pace."
	fi
	echo "  $nb_errs lines of its output mention an error."
fi
# sheafd's log without the lines of every start, import and stop.
grep -v -E -e '^sheafd: store .*: [0-9]+ feeds, [0-9]+ entries$' \
    -e '^sheafd: stories: [0-9]+ entries of .* restored$' \
    -e '^sheafd: sheafd [^ ]+ started: ' -e '^sheafd: opml import: ' \
    -e '^sheafd: (signal TERM: stopping|sheafd stopping)$' \
    "$sd/log" >"$sd/log.rest" || :
echo "sheafd's log: $(wc -l <"$sd/log" | tr -d ' ') lines, $(wc -l \
    <"$sd/log.rest" | tr -d ' ') other than start, import and stop$(
	if [ -s "$sd/log.rest" ]; then
		echo "; the most"
		echo "  common (numbers as N):"
	else
		echo "."
	fi)"
sed -e 's/^sheafd: //' -e 's/feed [0-9][0-9]* ([^)]*)/feed N/' \
    -e 's/[0-9][0-9]*/N/g' "$sd/log.rest" | sort | uniq -c | sort -rn |
    head -n 8 | sed 's/^/  /'
echo
awk -F '\t' -v tc="$TARGET_CURL" -v tn="$TARGET_NB" -v tm="$TARGET_MIB" \
    -v feeds="$FEEDS" -v r1ok="$r1_ok" -v nbdone="$nb_done" \
    -v curl="curl --parallel $CURL_PARALLEL" '
{ k = $1 "|" substr($2, 1, 1); n[k] = $3; s[k] = $4; rss[k] = $5; c[k] = $6 }
function verdict(ok) {
	return ok ? "met" : "NOT MET"
}
END {
	print "targets for sheafd:"
	a = s["sheafd|1"]
	b = s[curl "|1"]
	r = b > 0 ? a / b : 0
	printf "  %-50s %-16s %s\n", "first round within " tc "x of curl'\''s" \
	    " time", sprintf("%.2fx", r), verdict(r1ok == "true" && r <= tc)
	if ("newsboat|1" in n) {
		ra = a > 0 ? n["sheafd|1"] / a : 0
		rb = s["newsboat|1"] > 0 ? n["newsboat|1"] / s["newsboat|1"] : 0
		r = rb > 0 ? ra / rb : 0
		printf "  %-50s %-16s %s\n", "first round at least " tn "x" \
		    " newsboat'\''s feeds/s", sprintf("%.1fx%s", r, \
		    nbdone == "true" ? "" : " (partial)"), \
		    verdict(r1ok == "true" && r >= tn)
	}
	a = s["sheafd|2"]
	b = s[curl "|2"]
	r = b > 0 ? a / b : 0
	printf "  %-50s %-16s %s\n", "second round within " tc "x of curl -z'\''s" \
	    " time", sprintf("%.2fx", r), verdict(r <= tc)
	m = rss["sheafd|2"] / 1024
	printf "  %-50s %-16s %s\n", "peak memory below " tm " MiB", \
	    sprintf("%.1f MiB", m), verdict(m < tm)
	printf "  %-50s %-16s %s\n", "second round all 304", \
	    sprintf("%d of %d", c["sheafd|2"], feeds), \
	    verdict(c["sheafd|2"] == feeds)
}' "$tmp/rows"
