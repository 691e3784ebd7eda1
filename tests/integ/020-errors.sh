#!/bin/sh
# SPDX-License-Identifier: MIT
# 301 rewrites the URL, 410 stops the feed, 500 backs off and recovers.
top_srcdir="${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integ/common.sh"

body=$(json_str "$(rss Site alpha beta)")
cat >"$tmp/routes.json" <<EOR
{"/old": {"status": 301, "redirect": "http://127.0.0.1:{port}/new"},
 "/new": {"body": $body},
 "/gone": {"status": 410, "body": "gone"},
 "/fail": {"sequence": [{"status": 500}, {"status": 500}, {"body": $body}]},
 "/page": {"body": "<html><body>not a feed</body></html>", "etag": "\"p1\""}}
EOR
printf 'min_interval = 60\nmax_interval = 1h\n' >"$tmp/sheafd.conf"
httpd_start
sheafd_start
check "sheafd starts" [ $? -eq 0 ]

# 301: the stored URL becomes the new one, and the entries arrive.
old=$(subscribe "http://127.0.0.1:$port/old")
wait_for 10 polled_since "$old"
check "301: the stored URL is rewritten" \
    [ "$(feed_field "$old" '["url"]')" = "http://127.0.0.1:$port/new" ]
api GET "/v1/entries?feed=$old" >/dev/null
check "301: the entries of the new URL are stored" \
    [ "$(jget "$tmp/body" 'len(d["entries"])')" = 2 ]
check "301: the move is logged" grep -q "moved permanently to" "$tmp/sheafd.log"

# 410: marked gone, never polled again, logged.
gone=$(subscribe "http://127.0.0.1:$port/gone")
wait_for 10 polled_since "$gone"
check "410: the feed is marked gone" [ "$(feed_field "$gone" '["gone"]')" = True ]
check "410: no next poll" [ "$(feed_field "$gone" '["next_poll"]')" = null ]
check "410: logged once" [ "$(grep -c "feed $gone .*gone (410)" "$tmp/sheafd.log")" = 1 ]

# 500: failures counted, backoff grows, one log line, then recovery.
fail=$(subscribe "http://127.0.0.1:$port/fail")
wait_for 10 polled_since "$fail"
check "500: last status" [ "$(feed_field "$fail" '["last_status"]')" = 500 ]
check "500: one failure counted" [ "$(feed_field "$fail" '["failures"]')" = 1 ]
check "500: the error is stored" [ "$(feed_field "$fail" '["last_error"]')" = "HTTP 500" ]
check "500: the next poll waits at least min_interval" \
    [ "$(feed_field "$fail" '["interval"]')" -ge 60 ]
check "500: the reason says backoff" \
    sh -c "[ -n \"\$(echo '$(feed_field "$fail" '["interval_reason"]')' | grep backoff)\" ]"
check "410: a later scan does not poll the gone feed" [ "$(requests /gone)" = 1 ]
api POST "/v1/feeds/$fail/poll" >/dev/null
wait_for 10 sh -c "[ \"\$(grep -c 'GET /fail\$' '$tmp/requests.log')\" -ge 2 ]"
wait_for 10 sh -c "curl -s --unix-socket '$tmp/sock' http://localhost/v1/feeds/$fail | grep -q '\"failures\": 2'"
check "500 again: two failures" [ "$(feed_field "$fail" '["failures"]')" = 2 ]
check "500 again: the backoff doubles" [ "$(feed_field "$fail" '["interval"]')" -ge 120 ]
check "a failing feed logs once" [ "$(grep -c "feed $fail .*failing" "$tmp/sheafd.log")" = 1 ]
api GET /v1/status >/dev/null
check "status counts the failing feed" [ "$(jget "$tmp/body" 'd["failing"]')" = 1 ]
api POST "/v1/feeds/$fail/poll" >/dev/null
wait_for 10 sh -c "curl -s --unix-socket '$tmp/sock' http://localhost/v1/feeds/$fail | grep -q '\"failures\": 0'"
check "recovery: failures reset" [ "$(feed_field "$fail" '["failures"]')" = 0 ]
check "recovery: the error is cleared" [ "$(feed_field "$fail" '["last_error"]')" = null ]
check "recovery: logged once" \
    [ "$(grep -c "feed $fail .*recovered after 2 failures" "$tmp/sheafd.log")" = 1 ]

# A 200 that is no feed: its validators are kept, so the same page comes
# back as 304 and still fails; a changed page is fetched whole and parsed.
page=$(subscribe "http://127.0.0.1:$port/page")
wait_for 10 polled_since "$page"
check "no feed: the error is stored" \
    [ -n "$(feed_field "$page" '["last_error"]' | grep -i 'not a feed')" ]
check "no feed: its ETag is kept" [ "$(feed_field "$page" '["etag"]')" = '"p1"' ]
api POST "/v1/feeds/$page/poll" >/dev/null
wait_for 10 sh -c "curl -s --unix-socket '$tmp/sock' http://localhost/v1/feeds/$page | grep -q '\"failures\": 2'"
check "no feed, unchanged: the poll is conditional and gets 304" \
    [ "$(feed_field "$page" '["last_status"]')" = 304 ]
check "no feed, unchanged: it still fails, with the same error" \
    [ -n "$(feed_field "$page" '["last_error"]' | grep -i 'not a feed')" ]
"$PYTHON" -c 'import json, sys
r = json.load(open(sys.argv[1]))
r["/page"] = {"body": sys.argv[2], "etag": "\"p2\""}
json.dump(r, open(sys.argv[1], "w"))' "$tmp/routes.json" "$(rss Page one)"
api POST "/v1/feeds/$page/poll" >/dev/null
wait_for 10 sh -c "curl -s --unix-socket '$tmp/sock' http://localhost/v1/feeds/$page | grep -q '\"failures\": 0'"
check "no feed, then a feed: it recovers" \
    [ "$(feed_field "$page" '["last_error"]')" = null ]
check "no feed, then a feed: the new ETag is stored" \
    [ "$(feed_field "$page" '["etag"]')" = '"p2"' ]

sheafd_stop
check "sheafd exits 0" [ "$sheafd_rc" = 0 ]

done_testing
