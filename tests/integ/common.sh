# SPDX-License-Identifier: MIT
# Helpers of the integration tests: a test HTTP server, sheafd, its API.
#
# Source after tests/lib.sh.  Everything lives in $tmp, which the EXIT
# trap removes after stopping the processes these helpers started (by
# their pids).  Waits are bounded polls, never long sleeps.

SHEAFD="${SHEAFD:-$top_builddir/daemon/sheafd}"
HTTPD="$top_srcdir/tests/httpd/server.py"

[ -x "$SHEAFD" ] || skip_all "sheafd is not built ($SHEAFD)"
command -v curl >/dev/null 2>&1 || skip_all "curl is not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
# The interpreter itself: wrappers such as pyenv's shims cost a lot per call.
PYTHON=$(python3 -c 'import sys; print(sys.executable)')

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sheaf-integ.XXXXXX")
httpd_pid=""
sheafd_pid=""

integ_cleanup() {
	[ -n "$sheafd_pid" ] && kill -9 "$sheafd_pid" 2>/dev/null
	[ -n "$httpd_pid" ] && kill "$httpd_pid" 2>/dev/null
	if [ "$tap_failed" -ne 0 ] && [ -f "$tmp/sheafd.log" ]; then
		sed 's/^/# /' "$tmp/sheafd.log"
	fi
	rm -rf "$tmp"
}
trap integ_cleanup EXIT
trap 'exit 1' INT TERM

# wait_for SECONDS COMMAND...: poll every 0.1 s until COMMAND succeeds.
wait_for() {
	limit=$(($1 * 10))
	shift
	i=0
	while [ $i -lt $limit ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# httpd_start [SERVER OPTIONS...]: serve $tmp/routes.json, log requests to
# $tmp/requests.log, and set $port (and $port1 with --listen 2).
httpd_start() {
	"$PYTHON" "$HTTPD" --routes "$tmp/routes.json" --log "$tmp/requests.log" \
	    --port-file "$tmp/port" --no-stdin "$@" >/dev/null 2>&1 &
	httpd_pid=$!
	wait_for 10 test -s "$tmp/port" || {
		echo "Bail out! the test HTTP server did not start"
		exit 1
	}
	port=$(cut -d' ' -f1 "$tmp/port")
	port1=$(cut -s -d' ' -f2 "$tmp/port")
}

# sheafd_start [OPTIONS...]: start sheafd -f on $tmp/state and $tmp/sock.
sheafd_start() {
	[ -f "$tmp/sheafd.conf" ] || : >"$tmp/sheafd.conf"
	"$SHEAFD" -f -v -c "$tmp/sheafd.conf" -d "$tmp/state" -s "$tmp/sock" \
	    "$@" 2>>"$tmp/sheafd.log" &
	sheafd_pid=$!
	wait_for 10 curl -sf --unix-socket "$tmp/sock" http://localhost/v1/status
}

# sheafd_stop: SIGTERM, and wait for the exit; its status in $sheafd_rc.
sheafd_stop() {
	kill -TERM "$sheafd_pid"
	wait "$sheafd_pid"
	sheafd_rc=$?
	sheafd_pid=""
}

# api METHOD PATH [CURL ARGS...]: the body in $tmp/body, prints the status.
api() {
	m=$1
	p=$2
	shift 2
	curl -s --unix-socket "$tmp/sock" -X "$m" -o "$tmp/body" \
	    -w '%{http_code}' "$@" "http://localhost$p"
}

# jget FILE EXPR: print a Python expression over the JSON in FILE (as d).
jget() {
	"$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print("null" if v is None else v)' "$1" "$2"
}

# feed_field ID EXPR: a field of GET /v1/feeds/ID.
feed_field() {
	api GET "/v1/feeds/$1" >/dev/null
	jget "$tmp/body" "d$2"
}

# subscribe URL: POST /v1/feeds; prints the new feed's id.
subscribe() {
	api POST /v1/feeds -d "{\"url\": \"$1\"}" >/dev/null
	jget "$tmp/body" 'd["id"]'
}

# polled ID: true once feed ID has been polled at least N times ($2, 1).
polled_since() {
	[ "$(feed_field "$1" '["last_poll"]')" != "null" ]
}

# requests PATH: how many requests the server saw for PATH.
requests() {
	grep -c "^REQUEST [0-9]* [0-9]* GET $1\$" "$tmp/requests.log" \
	    2>/dev/null || true
}

# rss TITLE ITEMS...: an RSS 2.0 document with one item per title.
rss() {
	printf '<?xml version="1.0"?><rss version="2.0"><channel>'
	printf '<title>%s</title><link>http://example.org/</link>' "$1"
	shift
	for t in "$@"; do
		printf '<item><title>%s</title><guid>%s</guid></item>' "$t" "$t"
	done
	printf '</channel></rss>'
}

# json_str TEXT: TEXT as a JSON string.
json_str() {
	"$PYTHON" -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$1"
}

# demo_feeds_start: serve examples/feeds (the founding example), start
# sheafd, subscribe to every feed and wait until each has been polled.
# Sets $nfeeds.  Fails (status 1) when something did not come up.
demo_feeds_start() {
	mkdir -p "$tmp/www"
	cp "$top_srcdir"/examples/feeds/* "$tmp/www/"
	"$PYTHON" - "$tmp/www" >"$tmp/routes.json" <<'PY'
import json, os, sys
print(json.dumps({"/" + n: {"body_file": "www/" + n}
                  for n in sorted(os.listdir(sys.argv[1]))}))
PY
	httpd_start
	sheafd_start || return 1
	for f in "$tmp"/www/*; do
		subscribe "http://127.0.0.1:$port/$(basename "$f")" >/dev/null
	done
	nfeeds=$(ls "$tmp/www" | wc -l)
	wait_for 30 all_feeds_polled && wait_for 30 stories_done
}

# all_feeds_polled: every subscribed feed has been polled once.
all_feeds_polled() {
	api GET /v1/feeds >/dev/null
	jget "$tmp/body" \
	    '1/0 if not all(f["last_poll"] for f in d["feeds"]) else 1'
}

# stories_done: every stored entry has its story (the story thread is idle).
stories_done() {
	api GET /v1/status >/dev/null
	jget "$tmp/body" '1/0 if d["stories_pending"] else 1'
}
