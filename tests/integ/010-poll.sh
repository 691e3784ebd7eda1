#!/bin/sh
# SPDX-License-Identifier: MIT
# Subscribe, see the entries, then a second poll with the exact validators.
top_srcdir="${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integ/common.sh"

etag='W/"abc, 1"'
lm='Tue, 02 Jan 2024 03:04:05 GMT'
cat >"$tmp/routes.json" <<EOR
{"/feed.xml": {"body": $(json_str "$(rss Wire one two three)"),
  "etag": $(json_str "$etag"), "last_modified": $(json_str "$lm"),
  "headers": {"Content-Type": "application/rss+xml; charset=utf-8"}}}
EOR
httpd_start
sheafd_start
check "sheafd starts and answers on its socket" [ $? -eq 0 ]
check "the socket is mode 0660" [ "$(stat -c %a "$tmp/sock")" = 660 ]

url="http://127.0.0.1:$port/feed.xml"
code=$(api POST /v1/feeds -d "{\"url\": \"$url\", \"folder\": \"News/Wire\"}")
check "POST /v1/feeds answers 201" [ "$code" = 201 ]
id=$(jget "$tmp/body" 'd["id"]')
check "the new feed keeps its folder" \
    [ "$(jget "$tmp/body" 'd["folder"]')" = "News/Wire" ]

wait_for 10 polled_since "$id"
check "a new feed is polled at once" [ $? -eq 0 ]
code=$(api GET "/v1/entries?feed=$id")
check "GET /v1/entries answers 200" [ "$code" = 200 ]
check "the three entries are stored" \
    [ "$(jget "$tmp/body" 'len(d["entries"])')" = 3 ]
check "entries carry their titles" \
    [ "$(jget "$tmp/body" '",".join(sorted(e["title"] for e in d["entries"]))')" = "one,three,two" ]
check "the feed reports status 200" [ "$(feed_field "$id" '["last_status"]')" = 200 ]
check "the ETag is stored exactly" [ "$(feed_field "$id" '["etag"]')" = "$etag" ]
check "Last-Modified is stored exactly" \
    [ "$(feed_field "$id" '["last_modified"]')" = "$lm" ]
check "the feed has a next poll and a reason" \
    [ "$(feed_field "$id" '["interval_reason"]')" != null ]
check "the document's title is kept" [ "$(feed_field "$id" '["title"]')" = Wire ]

# Second poll: conditional, 304, nothing parsed, nothing duplicated.
code=$(api POST "/v1/feeds/$id/poll")
check "POST /v1/feeds/ID/poll answers 202" [ "$code" = 202 ]
wait_for 10 sh -c "[ \$(grep -c '^REQUEST .* GET /feed.xml\$' '$tmp/requests.log') -ge 2 ]"
wait_for 10 sh -c "curl -s --unix-socket '$tmp/sock' http://localhost/v1/feeds/$id | grep -q '\"last_status\": 304'"
check "the second poll gets 304" [ "$(feed_field "$id" '["last_status"]')" = 304 ]
check "If-None-Match echoes the ETag exactly" \
    grep -qxF "If-None-Match: $etag" "$tmp/requests.log"
check "If-Modified-Since echoes Last-Modified exactly" \
    grep -qxF "If-Modified-Since: $lm" "$tmp/requests.log"
check "the first request had no validators" \
    [ "$(grep -c '^If-None-Match' "$tmp/requests.log")" = 1 ]
check "the User-Agent is honest" grep -q '^User-Agent: sheaf/' "$tmp/requests.log"
api GET "/v1/entries?feed=$id" >/dev/null
check "a 304 adds no entry" [ "$(jget "$tmp/body" 'len(d["entries"])')" = 3 ]
check "validators survive a 304" [ "$(feed_field "$id" '["etag"]')" = "$etag" ]

# The validators survive a restart too.
sheafd_stop
check "SIGTERM exits 0" [ "$sheafd_rc" = 0 ]
check "the socket file is removed at exit" [ ! -e "$tmp/sock" ]
sheafd_start
check "the ETag survives a restart" [ "$(feed_field "$id" '["etag"]')" = "$etag" ]
api GET /v1/status >/dev/null
check "status counts the feed and its entries" \
    [ "$(jget "$tmp/body" '(d["feeds"], d["entries"])')" = "(1, 3)" ]
sheafd_stop

done_testing
