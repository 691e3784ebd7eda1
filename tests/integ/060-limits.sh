#!/bin/sh
# SPDX-License-Identifier: MIT
# Limits: a slow server times out alone, big and gzip-bomb bodies are cut,
# 429 with Retry-After holds the whole host back.
top_srcdir="${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integ/common.sh"

body=$(json_str "$(rss Quick q1 q2)")
cat >"$tmp/routes.json" <<EOR
{"/slow": {"delay": 8, "body": $body},
 "/fast": {"body": $body},
 "/big": {"body_fill": ["x", 300000]},
 "/bomb": {"body_fill": ["0", 20000000], "gzip": true},
 "/limited": {"status": 429, "headers": {"Retry-After": "120"}},
 "/sibling": {"body": $body}}
EOR
printf 'fetch_timeout = 2s\nmax_body = 64K\nmax_per_host = 8\n' \
    >"$tmp/sheafd.conf"
# The slow server listens on a port of its own: another server, as far
# as connections go.
httpd_start --listen 2
sheafd_start
check "sheafd starts" [ $? -eq 0 ]

opml() {
	printf '<?xml version="1.0"?><opml version="2.0"><head/><body>'
	for p in "$@"; do
		printf '<outline text="%s" xmlUrl="http://127.0.0.1:%s%s"/>' \
		    "$p" "$port" "$p"
	done
	printf '</body></opml>'
}
opml /slow /fast /big /bomb | sed "s/:$port\/slow/:$port1\/slow/" >"$tmp/a.opml"
api POST /v1/opml --data-binary "@$tmp/a.opml" >/dev/null
check "four feeds imported" [ "$(jget "$tmp/body" 'd["added"]')" = 4 ]
api GET /v1/feeds >/dev/null
slow=$(jget "$tmp/body" '[f["id"] for f in d["feeds"] if f["url"].endswith("/slow")][0]')
fast=$(jget "$tmp/body" '[f["id"] for f in d["feeds"] if f["url"].endswith("/fast")][0]')
big=$(jget "$tmp/body" '[f["id"] for f in d["feeds"] if f["url"].endswith("/big")][0]')
bomb=$(jget "$tmp/body" '[f["id"] for f in d["feeds"] if f["url"].endswith("/bomb")][0]')

wait_for 10 polled_since "$fast"
wait_for 10 polled_since "$slow"
check "a quick feed is stored before a slow one times out" \
    [ "$(feed_field "$fast" '["last_poll"]')" \< \
    "$(feed_field "$slow" '["last_poll"]')" ]
check "the slow feed times out" \
    sh -c "echo '$(feed_field "$slow" '["last_error"]')' | grep -q 'timed out'"
check "the timeout counts as a failure" [ "$(feed_field "$slow" '["failures"]')" = 1 ]
wait_for 10 polled_since "$big"
check "an oversized body is cut with a clear error" \
    sh -c "echo '$(feed_field "$big" '["last_error"]')' | grep -q limit"
wait_for 10 polled_since "$bomb"
check "a gzip bomb is cut at the cap" \
    sh -c "echo '$(feed_field "$bomb" '["last_error"]')' | grep -q limit"
api GET "/v1/entries?feed=$bomb" >/dev/null
check "a cut body stores no entry" [ "$(jget "$tmp/body" 'len(d["entries"])')" = 0 ]

# 429 with Retry-After: the feed waits, and so does its host.
lim=$(subscribe "http://127.0.0.1:$port/limited")
wait_for 10 polled_since "$lim"
check "429: the next poll honours Retry-After" \
    [ "$(feed_field "$lim" '["interval"]')" -ge 119 ]
check "429: the reason says so" \
    [ "$(feed_field "$lim" '["interval_reason"]')" = "429 with Retry-After" ]
sib=$(subscribe "http://127.0.0.1:$port/sibling")
sleep 2
check "429: no other feed of the host is fetched sooner" [ "$(requests /sibling)" = 0 ]
check "429: the hold is logged" grep -q "holding its feeds back" "$tmp/sheafd.log"
sheafd_stop
check "sheafd exits 0" [ "$sheafd_rc" = 0 ]

done_testing
