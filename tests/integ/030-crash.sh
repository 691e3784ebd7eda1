#!/bin/sh
# SPDX-License-Identifier: MIT
# kill -9 in the middle of a poll round: nothing committed is lost.
top_srcdir="${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integ/common.sh"

# Four quick feeds and four that answer only after a while.
{
	printf '{'
	for i in 1 2 3 4; do
		printf '"/fast%s": {"body": %s},\n' "$i" \
		    "$(json_str "$(rss "Fast $i" "f$i-a" "f$i-b")")"
		printf '"/slow%s": {"delay": 3, "body": %s},\n' "$i" \
		    "$(json_str "$(rss "Slow $i" "s$i-a")")"
	done
	printf '"/none": {"status": 404}}\n'
} >"$tmp/routes.json"
printf 'max_per_host = 8\n' >"$tmp/sheafd.conf"
httpd_start

{
	printf '<?xml version="1.0"?><opml version="2.0"><head/><body>'
	for i in 1 2 3 4; do
		printf '<outline text="f%s" xmlUrl="http://127.0.0.1:%s/fast%s"/>' \
		    "$i" "$port" "$i"
		printf '<outline text="s%s" xmlUrl="http://127.0.0.1:%s/slow%s"/>' \
		    "$i" "$port" "$i"
	done
	printf '</body></opml>'
} >"$tmp/subs.opml"

sheafd_start
check "sheafd starts" [ $? -eq 0 ]
code=$(api POST /v1/opml --data-binary "@$tmp/subs.opml")
check "POST /v1/opml answers 200" [ "$code" = 200 ]
check "eight feeds imported" [ "$(jget "$tmp/body" 'd["added"]')" = 8 ]
entries() {
	api GET /v1/status >/dev/null
	jget "$tmp/body" 'd["entries"]'
}
entries_are() {
	[ "$(entries)" = "$1" ]
}
wait_for 10 entries_are 8
check "the quick feeds' entries are committed" [ "$(entries)" = 8 ]
api GET /v1/status >/dev/null
check "the round is still running (slow feeds in flight)" \
    [ "$(jget "$tmp/body" 'd["round_running"]')" = True ]

kill -9 "$sheafd_pid"
wait "$sheafd_pid" 2>/dev/null
sheafd_pid=""
"$SHEAFD" --check -c "$tmp/sheafd.conf" -d "$tmp/state" >"$tmp/check" 2>&1
check "sheafd --check passes after kill -9" [ $? -eq 0 ]
check "sheafd --check prints a report" [ -s "$tmp/check" ]

check "a stale socket does not stop a restart" sheafd_start
check "no subscription is lost" [ "$(jget "$tmp/body" 'd["feeds"]')" = 8 ]
check "no committed entry is lost" [ "$(entries)" -ge 8 ]
# The slow feeds were in flight: still due, they are fetched again.
wait_for 20 entries_are 12
check "the interrupted feeds are polled after the restart" [ "$(entries)" = 12 ]
sheafd_stop
"$SHEAFD" --check -c "$tmp/sheafd.conf" -d "$tmp/state" >"$tmp/check" 2>&1
check "sheafd --check passes at the end" [ $? -eq 0 ]
"$SHEAFD" --check -c "$tmp/sheafd.conf" -d "$tmp/nostore" >"$tmp/check" 2>&1
check "sheafd --check fails without a store" [ $? -eq 1 ]

done_testing
