#!/bin/sh
# SPDX-License-Identifier: MIT
# SIGHUP re-reads sheafd.conf: changed limits apply, a bad file is refused.
top_srcdir="${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integ/common.sh"

cat >"$tmp/routes.json" <<EOR
{"*": {"body": $(json_str "$(rss Five e1 e2 e3 e4 e5)")}}
EOR
printf 'api_max_page = 500\nmax_transfers = 32\n' >"$tmp/sheafd.conf"
httpd_start
sheafd_start
check "sheafd starts" [ $? -eq 0 ]
id=$(subscribe "http://127.0.0.1:$port/five")
wait_for 10 polled_since "$id"
api GET "/v1/entries?limit=100" >/dev/null
check "before SIGHUP: a page holds all five entries" \
    [ "$(jget "$tmp/body" 'len(d["entries"])')" = 5 ]

printf 'api_max_page = 2\nmax_transfers = 4\n' >"$tmp/sheafd.conf"
kill -HUP "$sheafd_pid"
wait_for 10 grep -q "config: api_max_page 500 -> 2" "$tmp/sheafd.log"
check "SIGHUP logs the changed limit" [ $? -eq 0 ]
check "SIGHUP logs the fetcher's limit" \
    grep -q "config: max_transfers 32 -> 4" "$tmp/sheafd.log"
wait_for 10 grep -q "fetch limits applied" "$tmp/sheafd.log"
check "the fetch limits apply once the fetcher is idle" [ $? -eq 0 ]
api GET "/v1/entries?limit=100" >/dev/null
check "after SIGHUP: a page holds at most api_max_page" \
    [ "$(jget "$tmp/body" 'len(d["entries"])')" = 2 ]

printf 'api_max_page = lots\n' >"$tmp/sheafd.conf"
kill -HUP "$sheafd_pid"
wait_for 10 grep -q "keeping the running configuration" "$tmp/sheafd.log"
check "a bad file is refused and logged" [ $? -eq 0 ]
check "the error names the line and the key" \
    grep -q "sheafd.conf:1: bad value \"lots\" for api_max_page" "$tmp/sheafd.log"
got=$(api GET "/v1/entries?limit=100")
check "the daemon still answers" [ "$got" = 200 ]
check "the running limit stays" [ "$(jget "$tmp/body" 'len(d["entries"])')" = 2 ]

# Polling still works with the rebuilt fetcher.
api POST "/v1/feeds/$id/poll" >/dev/null
wait_for 10 sh -c "[ \"\$(grep -c 'GET /five\$' '$tmp/requests.log')\" -ge 2 ]"
check "the rebuilt fetcher polls" [ $? -eq 0 ]
sheafd_stop
check "sheafd exits 0" [ "$sheafd_rc" = 0 ]

done_testing
