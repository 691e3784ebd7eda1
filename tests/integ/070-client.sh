#!/bin/sh
# SPDX-License-Identifier: MIT
# The sheaf reader against the real sheafd: every command, its output and exit status.
top_srcdir="${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integ/common.sh"

[ -x "$SHEAF" ] || skip_all "sheaf is not built ($SHEAF)"

cat >"$tmp/routes.json" <<EOR
{"/a": {"body": $(json_str "$(rss Alpha 'first story' 'second story')")},
 "*": {"body": $(json_str "$(rss Other x y)")}}
EOR
httpd_start
sheafd_start
check "sheafd starts" [ $? -eq 0 ]

# sheaf ARGS...: the client on the test socket; stdout in $tmp/out,
# stderr in $tmp/err, the exit status in $rc.
sheaf() {
	"$SHEAF" -s "$tmp/sock" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# is_json FILE: FILE holds one JSON document.
is_json() {
	"$PYTHON" -c 'import json, sys; json.load(sys.stdin)' <"$1"
}

# has_entries N: sheaf entries lists N lines (for wait_for).
has_entries() {
	[ "$("$SHEAF" -s "$tmp/sock" entries | grep -c .)" = "$1" ]
}

url="http://127.0.0.1:$port/a"

# add, then feeds lists it.
sheaf add "$url" --folder News --title 'Alpha feed'
check "add exits 0" [ "$rc" = 0 ]
check "add says which feed" grep -q "^added feed [0-9]*: $url\$" "$tmp/out"
id=$(sed -n 's/^added feed \([0-9]*\):.*/\1/p' "$tmp/out")
sheaf add "$url"
check "adding it again exits 1" [ "$rc" = 1 ]
check "and says why on one line" \
    [ "$(cat "$tmp/err")" = "sheaf: already subscribed" ]
sheaf feeds
check "feeds exits 0" [ "$rc" = 0 ]
check "feeds lists the feed: id, title, folder" \
    grep -q "^$id	Alpha feed	News	" "$tmp/out"
check "feeds ends each line with the URL" grep -q "	$url\$" "$tmp/out"
sheaf --json feeds
check "feeds --json is JSON" is_json "$tmp/out"
check "feeds --json has the feed" \
    [ "$(jget "$tmp/out" '[f["url"] for f in d["feeds"]]')" = "['$url']" ]

# entries: the titles, JSON, limits, since.
wait_for 10 has_entries 2
check "the feed's entries arrive" [ $? -eq 0 ]
sheaf entries
check "entries exits 0" [ "$rc" = 0 ]
check "entries show the titles" \
    [ "$(cut -f4 "$tmp/out" | sort | tr '\n' ,)" = "first story,second story," ]
check "entries name their feed" [ "$(cut -f2 "$tmp/out" | sort -u)" = "$id" ]
sheaf --json entries --feed "$id"
check "entries --json is JSON" is_json "$tmp/out"
check "entries --json has both entries" \
    [ "$(jget "$tmp/out" 'len(d["entries"])')" = 2 ]
sheaf entries --limit 1
check "entries --limit 1 lists one" [ "$(grep -c . "$tmp/out")" = 1 ]
sheaf entries --all --since 1h
check "entries --all --since 1h lists both" [ "$(grep -c . "$tmp/out")" = 2 ]
sheaf entries --since '2099-01-01T00:00:00Z'
check "entries --since a later date lists none" \
    [ "$rc" = 0 ] && [ ! -s "$tmp/out" ]
sheaf entries --feed 999
check "entries of an unknown feed exits 1" [ "$rc" = 1 ]
check "and says so" [ "$(cat "$tmp/err")" = "sheaf: no such feed" ]

# import twice, export, round trip.
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
sheaf import "$tmp/subs.opml"
check "import exits 0" [ "$rc" = 0 ]
check "import prints the counts" \
    [ "$(cat "$tmp/out")" = "2 added, 1 existing, 1 skipped" ]
sheaf import "$tmp/subs.opml"
check "importing again adds nothing" \
    [ "$(cat "$tmp/out")" = "0 added, 3 existing, 1 skipped" ]
sheaf --json import "$tmp/subs.opml"
check "import --json is JSON" is_json "$tmp/out"
printf '<rss version="2.0"/>' >"$tmp/bad.opml"
sheaf import "$tmp/bad.opml"
check "importing no OPML exits 1 with one line" \
    [ "$rc" = 1 ] && [ "$(grep -c . "$tmp/err")" = 1 ]
sheaf import "$tmp/missing.opml"
check "importing a missing file exits 1" [ "$rc" = 1 ]
sheaf export
check "export exits 0" [ "$rc" = 0 ]
cp "$tmp/out" "$tmp/export1"
api GET /v1/opml >/dev/null
check "export is byte-identical to GET /v1/opml" cmp -s "$tmp/export1" "$tmp/body"
check "export keeps the nested folder" grep -q 'text="AI"' "$tmp/export1"
sheaf import "$tmp/export1"
check "importing the export adds nothing" \
    [ "$(cat "$tmp/out")" = "0 added, 3 existing, 0 skipped" ]

# poll one and all.
before=$(requests /a)
sheaf poll "$id"
check "poll ID exits 0" [ "$rc" = 0 ]
check "poll ID says so" [ "$(cat "$tmp/out")" = "feed $id: poll requested" ]
wait_for 10 sh -c "[ \$(grep -c '^REQUEST .* GET /a\$' '$tmp/requests.log') -gt $before ]"
check "poll ID fetches the feed again" [ $? -eq 0 ]
sheaf poll
check "poll exits 0" [ "$rc" = 0 ]
check "poll polls every feed" [ "$(cat "$tmp/out")" = "3 feeds: poll requested" ]
sheaf --json poll
check "poll --json is JSON" is_json "$tmp/out"
sheaf poll 999
check "polling an unknown feed exits 1" \
    [ "$rc" = 1 ] && [ "$(cat "$tmp/err")" = "sheaf: no such feed" ]

# status.
sheaf status
check "status exits 0" [ "$rc" = 0 ]
check "status counts the feeds" grep -q "^feeds	3 (" "$tmp/out"
check "status tells the version" grep -q "^version	" "$tmp/out"
sheaf --json status
check "status --json is JSON" is_json "$tmp/out"
SHEAF_SOCKET="$tmp/sock" "$SHEAF" status >/dev/null 2>&1
check "SHEAF_SOCKET picks the socket" [ $? -eq 0 ]

# A terminal gets a table with a header.
# on_tty COMMAND...: run COMMAND with stdout and stderr on a pseudo-terminal.
on_tty() {
	"$PYTHON" -c 'import os, subprocess, sys
m, s = os.openpty()
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=s,
    stderr=s)
os.close(s)
out = b""
while True:
    try:
        b = os.read(m, 65536)
    except OSError:
        break
    if not b:
        break
    out += b
sys.exit(p.wait() or not sys.stdout.buffer.write(out))' "$@"
}
on_tty "$SHEAF" -s "$tmp/sock" feeds >"$tmp/tty"
check "on a terminal, feeds prints a header" grep -q '^ID  *TITLE  *FOLDER' "$tmp/tty"
check "on a terminal, next poll is relative" grep -Eq ' (in [0-9]+[smhd]|due) ' "$tmp/tty"

# remove by URL and by id.
sheaf remove "$url"
check "remove URL exits 0" [ "$rc" = 0 ]
check "remove says what it deleted" \
    grep -q "^removed feed $id and its 2 entries\$" "$tmp/out"
sheaf feeds
check "the removed feed is no longer listed" [ "$(grep -c "	$url\$" "$tmp/out")" = 0 ]
other=$(head -n 1 "$tmp/out" | cut -f1)
sheaf remove "$other"
check "remove ID exits 0" [ "$rc" = 0 ]
sheaf remove 999
check "removing an unknown feed exits 1" [ "$rc" = 1 ]
sheaf remove "http://127.0.0.1:$port/nothing"
check "removing an unknown URL exits 1" [ "$rc" = 1 ]

# Usage errors exit 2.
sheaf add
check "add without a URL exits 2" [ "$rc" = 2 ]
sheaf entries --limit many
check "a bad --limit exits 2" [ "$rc" = 2 ]
sheaf entries --since someday
check "a bad --since exits 2" [ "$rc" = 2 ]
sheaf entries --all --limit 3
check "--all with --limit exits 2" [ "$rc" = 2 ]
sheaf poll abc
check "poll of no id exits 2" [ "$rc" = 2 ]
sheaf frobnicate
check "an unknown command exits 2" [ "$rc" = 2 ]
"$SHEAF" --bogus status >/dev/null 2>&1
check "an unknown global option exits 2" [ $? -eq 2 ]

# Round trip: the export imported into an empty daemon exports the same.
sheaf export
cp "$tmp/out" "$tmp/export2"
sheafd_stop
mv "$tmp/state" "$tmp/state.old"
sheafd_start
sheaf import "$tmp/export2"
check "the export imports into an empty daemon" \
    [ "$(cat "$tmp/out")" = "1 added, 0 existing, 0 skipped" ]
sheaf export
check "and exports byte for byte the same" cmp -s "$tmp/export2" "$tmp/out"
sheafd_stop

# No daemon: a clear message and exit 1; parse still works.
sheaf status
check "without sheafd, status exits 1" [ "$rc" = 1 ]
check "and says sheafd is not running" \
    [ "$(cat "$tmp/err")" = "sheaf: sheafd is not running (no socket at $tmp/sock)" ]
SHEAF_SOCKET="$tmp/nowhere" "$SHEAF" feeds >/dev/null 2>"$tmp/err"
check "the default socket comes from SHEAF_SOCKET" \
    grep -qF "no socket at $tmp/nowhere" "$tmp/err"
SHEAF_SOCKET="$tmp/nowhere" "$SHEAF" parse "$top_srcdir/tests/data/feeds/rss20.xml" \
    >"$tmp/out" 2>&1
check "parse needs no daemon" is_json "$tmp/out"

done_testing
