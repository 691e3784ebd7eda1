#!/bin/sh
# SPDX-License-Identifier: MIT
# The socket under abuse: malformed requests, slow clients, hundreds of
# connections, clients that leave mid-answer and event streams nobody
# reads.  After each case sheafd is alive and /v1/status answers at once.
top_srcdir="${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integ/common.sh"

ABUSE="$top_srcdir/tests/integ/socket_abuse.py"
TIMEOUT=2
CLIENTS=64
NFEEDS=8
ITEMS=150

# abuse CASE ARGS...: run a client; its figures become a TAP comment.
abuse() {
	"$PYTHON" "$ABUSE" "$tmp/sock" "$@" >"$tmp/abuse.out" 2>&1
	rc=$?
	sed 's/^/# /' "$tmp/abuse.out"
	return $rc
}

# still_serving: sheafd runs and answers /v1/status within a second.
still_serving() {
	kill -0 "$sheafd_pid" 2>/dev/null &&
	    "$PYTHON" "$ABUSE" "$tmp/sock" status 1 >/dev/null
}

# rss_anon: sheafd's anonymous memory, in KiB.
rss_anon() {
	sed -n 's/^RssAnon:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$sheafd_pid/status"
}

# entries_at_least N: the store holds N entries or more.
entries_at_least() {
	api GET /v1/status >/dev/null
	[ "$(jget "$tmp/body" 'd["entries"]')" -ge "$1" ]
}

mkdir -p "$tmp/www"
"$PYTHON" "$ABUSE" feeds "$tmp/www" 1 "$NFEEDS" "$ITEMS"
"$PYTHON" - "$NFEEDS" >"$tmp/routes.json" <<'PY'
import json, sys
print(json.dumps({"/f%d.xml" % k: {"body_file": "www/f%d.xml" % k}
                  for k in range(int(sys.argv[1]))}))
PY
cat >"$tmp/sheafd.conf" <<EOC
api_timeout = ${TIMEOUT}s
api_max_clients = $CLIENTS
api_max_request = 64K
api_max_page = 1000
EOC
httpd_start
sheafd_start
check "sheafd starts" [ $? -eq 0 ]
k=0
while [ $k -lt $NFEEDS ]; do
	subscribe "http://127.0.0.1:$port/f$k.xml" >/dev/null
	k=$((k + 1))
done
wait_for 60 entries_at_least $((NFEEDS * ITEMS))
check "the test feeds are stored" [ $? -eq 0 ]

# Malformed requests: an answer (4xx or 5xx) or a close, never a hang.
for c in garbage nohttp badline badmethod badversion hugeheaders \
    manyheaders hugeurl badchunk shortchunk badlength bigbody bigchunked; do
	check "malformed: $c" abuse malformed "$c" "$TIMEOUT"
	check "after $c: sheafd serves" still_serving
done
check "pipelined requests get their answers in order" abuse pipelined
check "after pipelining: sheafd serves" still_serving

# A slowloris: steady bytes do not keep a request alive past api_timeout.
check "a request sent a byte at a time is cut at api_timeout" \
    abuse slowloris "$TIMEOUT"
check "a body sent a byte at a time is cut at api_timeout" \
    abuse slowloris "$TIMEOUT" body
check "after the slow clients: sheafd serves" still_serving

# Hundreds of silent connections: the newest push the oldest idle ones
# out, so at most api_max_clients stay open and readers get answers.
check "500 silent connections: at most api_max_clients kept, readers served" \
    abuse hold 500 "$CLIENTS" "$sheafd_pid"
check "after 500 connections: sheafd serves" still_serving
check "reaching api_max_clients is logged once" \
    [ "$(grep -c 'connections open (api_max_clients)' "$tmp/sheafd.log")" = 1 ]
# Busy connections cannot be pushed out: past them comes 503 busy.
check "api_max_clients event streams: the next reader gets 503 busy" \
    abuse busy "$CLIENTS"
check "after the streams: sheafd serves" still_serving

# Clients that leave in the middle of a big answer or of their request.
check "clients that leave a big page or a half-sent request" \
    abuse hangup "/v1/entries?limit=1000" 40
check "after the hang-ups: sheafd serves" still_serving

# An event stream that is never read while stories keep coming: nothing
# blocks, memory stays bounded and the stream is closed at api_timeout.
mkfifo "$tmp/stall.in"
"$PYTHON" "$ABUSE" "$tmp/sock" stall <"$tmp/stall.in" >"$tmp/stall.out" 2>&1 &
stall_pid=$!
exec 3>"$tmp/stall.in"
wait_for 5 grep -q stalled "$tmp/stall.out"
before=$(rss_anon)
"$PYTHON" "$ABUSE" feeds "$tmp/www" 2 "$NFEEDS" "$ITEMS"
api GET /v1/feeds >/dev/null
for id in $(jget "$tmp/body" '" ".join(str(f["id"]) for f in d["feeds"])'); do
	api POST "/v1/feeds/$id/poll" >/dev/null
done
slow=0
i=0
while ! entries_at_least $((2 * NFEEDS * ITEMS)) && [ $i -lt 300 ]; do
	still_serving || slow=$((slow + 1))
	i=$((i + 1))
done
check "new stories arrive while a stream is not read" \
    entries_at_least $((2 * NFEEDS * ITEMS))
check "/v1/status answers within a second meanwhile ($slow late)" [ $slow = 0 ]
after=$(rss_anon)
echo "# RssAnon before ${before} KiB, after ${after} KiB"
check "memory grows by less than 64 MiB" [ $((after - before)) -lt 65536 ]
sleep $((TIMEOUT + 2))
exec 3>&-
wait "$stall_pid"
check "the stream nobody reads is closed" [ $? -eq 0 ]
sed 's/^/# /' "$tmp/stall.out"
check "after the stalled stream: sheafd serves" still_serving

sheafd_stop
check "sheafd exits 0" [ "$sheafd_rc" = 0 ]

done_testing
