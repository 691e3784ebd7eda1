#!/bin/sh
# SPDX-License-Identifier: MIT
# Hostile servers: one sheafd polls seventy hostile feeds at once.
#
# tests/httpd/hostile.py writes the documents and the routes: slow, endless
# and truncated bodies, compression bombs, redirect loops and redirects to
# other schemes, huge and endless headers, lying charsets and broken UTF-8,
# entity bombs, external entities, deep nesting, a million entries and
# script injection in every field.  All of them are polled in one round,
# next to a well-behaved control feed.  Each must end in bounded time with
# a one-line error or with clean entries, and the daemon must go on serving
# and polling.  The second listener of the test server ({port1}) is what
# the hostile documents point at: it must see no connection at all.
#
# sheafd parses and stores on the thread that drives the transfers, so the
# entry limit is 2,000 here, not 10,000: storing and clustering ten thousand
# entries takes seconds on a loaded machine or under ASan, during which the
# other transfers wait and time out.
#
# Bounds: the whole round within 30 s (fetch_timeout is 8 s), and sheafd's
# peak resident memory (VmHWM) under 256 MiB (1 GiB under ASan, whose
# shadow memory and quarantine count there too).
top_srcdir="${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integ/common.sh"

started=$(date +%s)

# skip REASON DESCRIPTION: a test point that cannot run here.
skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $2 # SKIP $1"
}

printf 'hostile-secret-%s-%s\n' "$$" "$(date +%s)" >"$tmp/secret"
made=$("$PYTHON" "$top_srcdir/tests/httpd/hostile.py" "$tmp" "$tmp/secret") || {
	echo "Bail out! tests/httpd/hostile.py failed"
	exit 1
}
cat >"$tmp/sheafd.conf" <<EOF
fetch_timeout = 8s
connect_timeout = 2s
max_body = 8M
max_transfers = 100
max_per_host = 100
api_max_page = 20000
max_entries = 2000
EOF
httpd_start --listen 2 --log-connections
sheafd_start
check "sheafd starts" [ $? -eq 0 ]

# Every route but the recorder's and the redirects' targets is a feed;
# import them all at once.
"$PYTHON" - "$tmp/routes.json" "$port" >"$tmp/all.opml" <<'PY'
import json, sys
routes = json.load(open(sys.argv[1]))["routes"]
print('<?xml version="1.0"?><opml version="2.0"><head/><body>')
for p in sorted(routes):
    if not p.startswith(("/rec/", "/target/")):
        print('<outline text="%s" xmlUrl="http://127.0.0.1:%s%s"/>'
              % (p[1:], sys.argv[2], p))
print("</body></opml>")
PY
nfeeds=$(grep -c xmlUrl "$tmp/all.opml")
t0=$(date +%s)
api POST /v1/opml --data-binary "@$tmp/all.opml" >/dev/null
check "all $nfeeds feeds imported" [ "$(jget "$tmp/body" 'd["added"]')" = "$nfeeds" ]
check "every feed is polled within 30 s" wait_for 30 all_feeds_polled
echo "# the hostile round took $(($(date +%s) - t0)) s"
check "the API answers after the round" \
    [ "$(api GET /v1/status)" = 200 ]

api GET /v1/feeds >/dev/null
cp "$tmp/body" "$tmp/feeds.json"
# NAME, id and last_error of every feed, one per line, for the lookups
# below (each Python start costs, and the test runs on loaded machines).
"$PYTHON" - "$tmp/feeds.json" >"$tmp/feeds.tsv" <<'PY'
import json, sys
for f in json.load(open(sys.argv[1]))["feeds"]:
    e = f["last_error"]
    print("%s\t%d\t%s" % (f["url"].rsplit("/", 1)[1], f["id"],
                          "null" if e is None else repr(e)[1:-1]))
PY
# fid NAME: the id of the feed served at /NAME.
fid() {
	awk -F '\t' -v n="$1" '$1 == n { print $2 }' "$tmp/feeds.tsv"
}
# err NAME: the last_error of the feed served at /NAME after the round.
err() {
	awk -F '\t' -v n="$1" '$1 == n { print $3 }' "$tmp/feeds.tsv"
}
# fails_with NAME ERE: the feed failed, and its error matches ERE.
fails_with() {
	e=$(err "$1")
	[ "$e" != null ] && printf '%s\n' "$e" | grep -Eq -- "$2"
}
# merge_entries OUT FILE...: the entries of the JSON replies in FILEs,
# written one after the other, into OUT as one {"entries": [...]}, the
# title of the first into OUT.title; prints their number.
merge_entries() {
	"$PYTHON" - "$@" <<'PY'
import json, sys
out, dec = [], json.JSONDecoder()
for path in sys.argv[2:]:
    text, i = open(path, encoding="utf-8").read(), 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i == len(text):
            break
        v, i = dec.raw_decode(text, i)
        out += v["entries"]
with open(sys.argv[1], "w", encoding="utf-8") as fp:
    json.dump({"entries": out}, fp)
with open(sys.argv[1] + ".title", "w", encoding="utf-8") as fp:
    fp.write("%s\n" % (out[0]["title"] if out else None))
print(len(out))
PY
}
# entries NAME: all the feed's entries, page by page, into $tmp/NAME.json
# as {"entries": [...]}; prints their number.
entries() {
	: >"$tmp/$1.pages"
	q="feed=$(fid "$1")&limit=1000"
	cur=""
	while :; do
		api GET "/v1/entries?$q${cur:+&cursor=$cur}" >/dev/null
		cat "$tmp/body" >>"$tmp/$1.pages"
		cur=$(sed -n 's/.*"next_cursor": "\([^"]*\)".*/\1/p' "$tmp/body")
		[ -n "$cur" ] || break
	done
	merge_entries "$tmp/$1.json" "$tmp/$1.pages"
}
# holds FILE EXPR: a Python expression over the JSON in FILE (as d) is true.
holds() {
	jget "$1" "1/bool($2)" >/dev/null 2>&1
}
# title NAME: the title of the feed's first entry.
title() {
	entries "$1" >/dev/null
	cat "$tmp/$1.json.title"
}

# Every error is one short line of text.
"$PYTHON" - "$tmp/feeds.json" >"$tmp/badlines" <<'PY'
import json, sys
for f in json.load(open(sys.argv[1]))["feeds"]:
    e = f["last_error"]
    if e is not None and (len(e) > 200 or any(ord(c) < 32 for c in e)):
        print(f["url"], repr(e))
PY
check "every stored error is one line of at most 200 characters" \
    [ ! -s "$tmp/badlines" ]

# The connection.
check "drip: cut by the total timeout" fails_with drip 'timed out after 8 s'
for n in endless endless-close gzip-bomb deflate-bomb gzip2-bomb; do
	check "$n: cut at the body limit" fails_with "$n" 'body over the 8 MiB limit'
done
check "gzip7: seven layers of gzip are cut or refused" \
    fails_with gzip7 'body over the 8 MiB limit|could not decode'
for enc in br zstd; do
	if ! echo "$made" | grep -qx "$enc"; then
		skip "no $enc encoder for the test server" "$enc-bomb: cut at the body limit"
	elif ! grep -q "^Accept-Encoding:.*$enc" "$tmp/requests.log"; then
		skip "the libcurl of sheafd does not decode $enc" "$enc-bomb: cut at the body limit"
	else
		check "$enc-bomb: cut at the body limit" \
		    fails_with "$enc-bomb" 'body over the 8 MiB limit'
	fi
done
check "huge headers: cut at the header limit" \
    fails_with huge-headers 'headers over the 64 KiB limit'
check "endless headers: cut at the header limit" \
    fails_with endless-headers 'headers over the 64 KiB limit'
check "one endless header line: refused" \
    fails_with long-header-line 'a header line too long'
check "a reply that is not HTTP: refused" fails_with garbage 'bad response|HTTP/0.9'
check "an empty reply: refused" fails_with empty-reply 'no reply'
check "truncated under Content-Length: refused" \
    fails_with trunc-length 'body truncated'
check "truncated chunked body: refused" \
    fails_with trunc-chunked 'body truncated|receive failed'
check "truncated, close-delimited: no error" [ "$(err trunc-close)" = null ]
entries trunc-close >/dev/null
check "truncated, close-delimited: the whole entry is kept" \
    holds "$tmp/trunc-close.json" \
    '[e["title"] for e in d["entries"]].count("first") == 1'
check "truncated, close-delimited: nothing of the cut entry is garbage" \
    holds "$tmp/trunc-close.json" \
    'all(e["title"] in ("first", None) for e in d["entries"])'

check "an HTML page served as RSS: not a feed" fails_with html-page 'not a feed'
check "binary bytes served as RSS: not a feed" fails_with binary 'not a feed'
check "an empty body: not a feed" fails_with empty-body 'not a feed'

# Redirects.
check "a redirect loop stops" fails_with loop 'more than 5 redirects'
check "a two-step redirect loop stops" fails_with loop-a 'more than 5 redirects'
for s in file ftp gopher dict ldap telnet tftp smtp imap rtsp mqtt scp \
    data javascript; do
	check "redirect to $s: refused" fails_with "to-$s" "redirect to $s:// refused"
done
check "a move to a URL with a password: followed" [ "$(err moved)" = null ]
check "a move to a URL with a password: the log shows no password" \
    sh -c "! grep -q s3cr3t-pw '$tmp/sheafd.log'"
check "redirect to 0.0.0.0: refused by the address policy" \
    fails_with to-zero 'address 0\.0\.0\.0 refused by policy'

# Charsets: the text, or a clear error; never mojibake.
text="café naïve “q” 日本"
check "charset: header latin1, bytes UTF-8" [ "$(title cs-latin1-header)" = "$text" ]
check "charset: header UTF-8, bytes latin1" [ "$(title cs-latin1-bytes)" = "café naïve" ]
check "charset: header shift_jis, declaration koi8-r, UTF-16 with a BOM" \
    [ "$(title cs-utf16-bytes)" = "$text" ]
check "charset: a UTF-16 declaration on UTF-8 bytes" [ "$(title cs-utf16-label)" = "$text" ]
check "charset: labels nobody knows" [ "$(title cs-unknown)" = "$text" ]
check "charset: an EBCDIC label on ASCII bytes" [ "$(title cs-ebcdic)" = "$text" ]
check "charset: header koi8-r over a windows-1251 declaration" \
    [ "$(title cs-koi8)" = "Привет мир" ]
check "charset: UTF-7 smuggles no markup" \
    sh -c 'case $1 in *"<"*) exit 1 ;; esac' sh "$(title cs-utf7)"
# Invalid UTF-8: valid text comes out, without control characters or the
# API's '?' for bytes it could not send.
entries bad-utf8 >/dev/null
check "invalid UTF-8: the entry is valid UTF-8 without controls" \
    "$PYTHON" -c 'import json, sys
raw = open(sys.argv[1], "rb").read()
e = json.loads(raw.decode("utf-8"))["entries"][0]
for s in (e["title"], e["summary"]):
    assert s.startswith("bad ") and s.endswith(" end"), s
    assert "?" not in s, s
    assert not any(ord(c) < 32 or 0x7f <= ord(c) < 0xa0 or
                   0xd800 <= ord(c) < 0xe000 or ord(c) in (0xfffe, 0xffff)
                   for c in s), ascii(s)' "$tmp/bad-utf8.pages"

# Entities: nothing expands, nothing outside the document is read.
# unexpanded NAME MAX: the feed's entry holds no text longer than MAX.
unexpanded() {
	entries "$1" >/dev/null &&
	    holds "$tmp/$1.json" "all(len(e[k] or '') < $2 and 'lollol' not in
		(e[k] or '') and 'a' * 100 not in (e[k] or '')
		for e in d['entries'] for k in ('title', 'summary', 'content_html'))"
}
check "billion laughs: parsed, nothing expanded" unexpanded laughs 1000
check "parameter-entity laughs: parsed, nothing expanded" unexpanded pe-laughs 1000
check "quadratic blow-up: parsed, nothing expanded" unexpanded quadratic 400000
for n in xxe-file xxe-dtd xxe-pe xxe-misc xxe-atom; do
	check "$n: polled without error" [ "$(err "$n")" = null ]
done

# Structure.
check "100,000 nested elements: a clear error" \
    fails_with deep-xml 'nesting too deep \(limit 256 levels\)'
check "100,000 nested roots: a clear error" \
    fails_with deep-root 'nesting too deep \(limit 256 levels\)'
check "100,000 nested JSON arrays: a clear error" \
    fails_with deep-json 'depth'
entries deep-html >/dev/null
check "100,000 nested escaped divs: sanitized to at most 256 levels" \
    holds "$tmp/deep-html.json" \
    '0 < d["entries"][0]["content_html"].count("<div>") <= 256'
check "100,000 attributes on one element: refused before parsing" \
    fails_with many-attrs 'an element with more than 256 attributes'
check "5,000 DTD attribute defaults on 20,000 elements: parsed, quickly" \
    [ "$(err attr-defaults)" = null ]
check "2,500,000 empty JSON objects: refused before parsing" \
    fails_with json-values 'more than 128000 JSON values'
check "a million entries: no error" [ "$(err million)" = null ]
check "a million entries: the first 2,000 are kept" [ "$(entries million)" = 2000 ]

# Injection: nothing executable anywhere in the API.
for n in inj-rss inj-atom inj-json; do
	entries "$n" >/dev/null
done
merge_entries "$tmp/inj-entries.json" "$tmp/inj-rss.json" \
    "$tmp/inj-atom.json" "$tmp/inj-json.json" >/dev/null
# The stories, listed and in the Atom view, page by page (the million
# entries make ten thousand of them), and those of the injected entries
# one by one.
mkdir "$tmp/atom"
: >"$tmp/stories.json"
cur=""
page=0
while :; do
	page=$((page + 1))
	api GET "/v1/stories.atom?limit=1000${cur:+&cursor=$cur}" >/dev/null
	cp "$tmp/body" "$tmp/atom/$page.atom"
	api GET "/v1/stories?limit=1000${cur:+&cursor=$cur}" >/dev/null
	cat "$tmp/body" >>"$tmp/stories.json"
	cur=$(sed -n 's/.*"next_cursor": "\([^"]*\)".*/\1/p' "$tmp/body")
	[ -n "$cur" ] || break
done
: >"$tmp/story-each.json"
for s in $(jget "$tmp/inj-entries.json" \
    '" ".join(sorted({str(e["story"]) for e in d["entries"] if e["story"]}))'); do
	api GET "/v1/stories/$s" >/dev/null
	cat "$tmp/body" >>"$tmp/story-each.json"
done
api GET /v1/feeds >/dev/null
cp "$tmp/body" "$tmp/feeds-after.json"
# inject WHAT: the problems that tests/httpd/inject_check.py finds in WHAT.
inject() {
	"$PYTHON" "$top_srcdir/tests/httpd/inject_check.py" "$1" \
	    "$tmp/inj-entries.json" "$tmp/stories.json" "$tmp/story-each.json" \
	    "$tmp/atom" "$tmp/feeds-after.json" >"$tmp/inject-$1"
	rc=$?
	sed 's/^/# /' "$tmp/inject-$1"
	return $rc
}
check "injection: content_html holds no executable markup" inject html
check "injection: titles and summaries hold no markup or controls" inject text
check "injection: authors, categories and types hold no markup or controls" \
    inject labels
check "injection: no javascript:, vbscript: or data: URL in any link" inject urls
check "injection: stories.atom is well-formed, its HTML clean" inject atom

# The daemon after the storm.
check "no entry shows the local secret file" \
    sh -c "! grep -rqF '$(cat "$tmp/secret")' '$tmp'/*.json '$tmp/atom'"
check "no entry shows /etc/passwd" \
    sh -c "! grep -rq 'root:x*:0:0' '$tmp'/*.json '$tmp/atom'"
check "the connection log works (the feeds' listener saw many)" \
    [ "$(grep -c "^CONNECT [0-9]* $port\$" "$tmp/requests.log")" -gt 50 ]
check "the recorder saw no connection at all" \
    [ "$(grep -c "^CONNECT [0-9]* $port1\$" "$tmp/requests.log")" = 0 ]
check "the recorder saw no request at all" [ "$(requests '/rec/.*')" = 0 ]
check "/v1/status answers" [ "$(api GET /v1/status)" = 200 ]
control=$(fid control)
api POST "/v1/feeds/$control/poll" >/dev/null
check "the control feed is polled again" \
    wait_for 10 sh -c "[ \"\$(grep -c 'GET /control\$' '$tmp/requests.log')\" -ge 2 ]"
check "the control feed's new entry is stored" \
    wait_for 10 sh -c "[ \"\$(curl -s --unix-socket '$tmp/sock' 'http://localhost/v1/entries?feed=$control' | grep -c '\"title\": \"c3\"')\" = 1 ]"
check "the control feed has no error" [ "$(feed_field "$control" '["last_error"]')" = null ]

hwm=$(awk '/^VmHWM:/ { print int($2 / 1024) }' "/proc/$sheafd_pid/status")
bound=256
if grep -q __asan_init "$SHEAFD" 2>/dev/null; then
	bound=1024
fi
echo "# peak RSS of sheafd: $hwm MiB (bound $bound MiB)"
check "sheafd's peak RSS stays under $bound MiB" [ "$hwm" -lt "$bound" ]
sheafd_stop
check "sheafd exits 0" [ "$sheafd_rc" = 0 ]
check "the log never shows the secret" sh -c "! grep -qF '$(cat "$tmp/secret")' '$tmp/sheafd.log'"
echo "# the whole test took $(($(date +%s) - started)) s"

done_testing
