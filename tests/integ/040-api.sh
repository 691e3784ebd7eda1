#!/bin/sh
# SPDX-License-Identifier: MIT
# The socket API: bad requests get a 4xx with a JSON error; OPML import.
top_srcdir="${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integ/common.sh"

cat >"$tmp/routes.json" <<EOR
{"*": {"body": $(json_str "$(rss Any x y z)")}}
EOR
printf 'api_max_request = 2K\napi_max_page = 2\n' >"$tmp/sheafd.conf"
httpd_start
sheafd_start
check "sheafd starts" [ $? -eq 0 ]

# is_error STATUS CODE: the last answer had STATUS and error code CODE.
is_error() {
	[ "$got" = "$1" ] &&
	    [ "$(jget "$tmp/body" 'd["error"]["code"]')" = "$2" ] &&
	    [ "$(jget "$tmp/body" 'd["error"]["message"]')" != null ]
}

got=$(api GET /v1/nothing)
check "unknown path: 404 not_found" is_error 404 not_found
got=$(api GET /v2/status)
check "unknown version: 404" is_error 404 not_found
got=$(api DELETE /v1/status)
check "wrong method: 405" is_error 405 method_not_allowed
allow=$(curl -s -i --unix-socket "$tmp/sock" -X PUT http://localhost/v1/feeds |
    tr -d '\r' | sed -n 's/^Allow: //p')
check "405 says what is allowed" [ "$allow" = "GET, POST" ]
got=$(api POST /v1/feeds -d 'not json')
check "malformed JSON: 400" is_error 400 bad_request
got=$(api POST /v1/feeds -d '[1]')
check "JSON that is no object: 400" is_error 400 bad_request
got=$(api POST /v1/feeds -d '{"url": "ftp://example.org/feed"}')
check "a URL that is not http(s): 400" is_error 400 bad_request
got=$(api POST /v1/feeds -d '{"title": "no url"}')
check "no URL: 400" is_error 400 bad_request
got=$(api POST /v1/feeds -d "{\"url\": \"http://127.0.0.1:$port/a\", \"folder\": 5}")
check "a folder that is no string: 400" is_error 400 bad_request
head -c 4096 /dev/zero | tr '\0' ' ' >"$tmp/big"
got=$(api POST /v1/feeds --data-binary "@$tmp/big")
check "a body over api_max_request: 413" is_error 413 too_large
got=$(api GET /v1/feeds/999)
check "unknown feed: 404" is_error 404 not_found
got=$(api DELETE /v1/feeds/999)
check "deleting an unknown feed: 404" is_error 404 not_found
got=$(api POST /v1/feeds/999/poll)
check "polling an unknown feed: 404" is_error 404 not_found
got=$(api GET /v1/feeds/abc)
check "a feed id that is no number: 404" is_error 404 not_found
got=$(api GET '/v1/entries?limit=abc')
check "a bad limit: 400" is_error 400 bad_request
got=$(api GET '/v1/entries?since=yesterday-ish')
check "a bad since: 400" is_error 400 bad_request
got=$(api GET '/v1/entries?cursor=nonsense')
check "a bad cursor: 400" is_error 400 bad_request

# Read answers are kept while the store stands still, never past a write.
cache_hits() {
	api GET /v1/status >/dev/null
	jget "$tmp/body" 'd["api_cache"]["hits"]'
}
api GET /v1/feeds >/dev/null
cp "$tmp/body" "$tmp/feeds0"
h0=$(cache_hits)
for i in 1 2 3 4 5; do api GET /v1/feeds >/dev/null; done
cmp -s "$tmp/body" "$tmp/feeds0"
check "a read answered again is the same answer" [ $? -eq 0 ]
check "the same read within a second is answered from the cache" \
    [ "$(cache_hits)" -gt "$h0" ]
url="http://127.0.0.1:$port/a"
got=$(api POST /v1/feeds -d "{\"url\": \"$url\"}")
check "subscribing: 201" [ "$got" = 201 ]
id=$(jget "$tmp/body" 'd["id"]')
api GET /v1/feeds >/dev/null
check "after a write the read answer shows it at once" \
    [ "$(jget "$tmp/body" 'len(d["feeds"])')" = \
    "$(($(jget "$tmp/feeds0" 'len(d["feeds"])') + 1))" ]
got=$(api POST /v1/feeds -d "{\"url\": \"$url\"}")
check "subscribing twice: 409" is_error 409 conflict
wait_for 10 polled_since "$id"

# Pages: capped by api_max_page, with a cursor that reaches every entry.
got=$(api GET "/v1/entries?feed=$id&limit=100")
check "limit is capped by api_max_page" [ "$(jget "$tmp/body" 'len(d["entries"])')" = 2 ]
cursor=$(jget "$tmp/body" 'd["next_cursor"]')
got=$(api GET "/v1/entries?feed=$id&cursor=$cursor")
check "the cursor gives the rest" [ "$(jget "$tmp/body" 'len(d["entries"])')" = 1 ]
check "the last page has no cursor" [ "$(jget "$tmp/body" 'd["next_cursor"]')" = null ]
got=$(api GET "/v1/entries?since=1h")
check "since takes a duration" [ "$got" = 200 ]

# OPML: invalid changes nothing; the same file twice adds nothing.
got=$(api POST /v1/opml --data-binary '<rss version="2.0"/>')
check "invalid OPML: 400" is_error 400 bad_opml
cat >"$tmp/subs.opml" <<EOO
<?xml version="1.0"?>
<opml version="2.0"><head><title>t</title></head><body>
<outline text="Tech"><outline text="AI">
 <outline type="rss" text="B" xmlUrl="http://127.0.0.1:$port/b"/></outline>
 <outline type="rss" text="C" xmlUrl="http://127.0.0.1:$port/c"/></outline>
<outline type="rss" text="A" xmlUrl="$url"/>
<outline type="rss" text="cmd" xmlUrl="exec:ls"/>
</body></opml>
EOO
got=$(api POST /v1/opml --data-binary "@$tmp/subs.opml")
check "OPML import: 200" [ "$got" = 200 ]
check "OPML import counts added, existing, skipped" \
    [ "$(jget "$tmp/body" '(d["added"], d["existing"], d["skipped"])')" = "(2, 1, 1)" ]
got=$(api POST /v1/opml --data-binary "@$tmp/subs.opml")
check "the same OPML twice adds nothing" \
    [ "$(jget "$tmp/body" '(d["added"], d["existing"])')" = "(0, 3)" ]
api GET /v1/feeds >/dev/null
check "folders are kept" \
    [ "$(jget "$tmp/body" 'sorted(str(f["folder"]) for f in d["feeds"])')" = "['None', 'Tech', 'Tech/AI']" ]
got=$(api GET /v1/opml)
cp "$tmp/body" "$tmp/export1"
check "OPML export: 200" [ "$got" = 200 ]
check "the export is OPML 2.0" grep -q '<opml version="2.0">' "$tmp/export1"
api GET /v1/opml >/dev/null
check "a second export is byte-for-byte the same" cmp -s "$tmp/export1" "$tmp/body"

# Poll all: one request makes every feed due, and says how many.
nfeeds=$(api GET /v1/feeds >/dev/null && jget "$tmp/body" 'len(d["feeds"])')
got=$(api POST /v1/poll)
check "POST /v1/poll answers 202" [ "$got" = 202 ]
check "POST /v1/poll counts every feed" \
    [ "$(jget "$tmp/body" 'd["polled"] + d["skipped"]')" = "$nfeeds" ]
got=$(api GET /v1/poll)
check "GET /v1/poll: 405" is_error 405 method_not_allowed
# Every feed's path is asked for again.
all_requests() {
	grep -c "^REQUEST " "$tmp/requests.log" 2>/dev/null || true
}
before=$(all_requests)
api POST /v1/poll >/dev/null
polled=$(jget "$tmp/body" 'd["polled"]')
check "POST /v1/poll again: every feed is polled" \
    wait_for 10 sh -c "[ \$(grep -c '^REQUEST ' '$tmp/requests.log') -ge $((before + polled)) ]"

# Delete.
got=$(api DELETE "/v1/feeds/$id")
check "DELETE answers 200" [ "$got" = 200 ]
got=$(api GET "/v1/feeds/$id")
check "the deleted feed is gone" is_error 404 not_found

# A second daemon on the same socket refuses to start.
"$SHEAFD" -f -c "$tmp/sheafd.conf" -d "$tmp/state2" -s "$tmp/sock" \
    2>"$tmp/second.log"
check "a second sheafd on a live socket exits 1" [ $? -eq 1 ]
check "and says why" grep -q "another sheafd is listening" "$tmp/second.log"
got=$(api GET /v1/status)
check "the first daemon still answers" [ "$got" = 200 ]
sheafd_stop
check "sheafd exits 0" [ "$sheafd_rc" = 0 ]

done_testing
