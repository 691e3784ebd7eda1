#!/bin/sh
# SPDX-License-Identifier: MIT
# A real feed reader as client: newsboat subscribes to the story feed
# through an exec: URL that runs `sheaf stories --atom`, and lists one
# item per story, the founding example's board crisis once, with the
# story's sources; a story that grows is still one item.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integ/common.sh"

command -v newsboat >/dev/null 2>&1 || skip_all "newsboat is not installed"

check "sheafd polls the demo feeds" demo_feeds_start
printf '"exec:%s -s %s stories --atom"\n' "$SHEAF" "$tmp/sock" >"$tmp/urls"
: >"$tmp/newsboat.conf"
reload() {
	HOME="$tmp" timeout 60 newsboat -u "$tmp/urls" -c "$tmp/cache.db" \
	    -C "$tmp/newsboat.conf" -x reload >"$tmp/newsboat.out" 2>&1
}
check "newsboat reloads the story feed" reload
api GET '/v1/stories?limit=100' >/dev/null
cp "$tmp/body" "$tmp/stories.json"

# What newsboat lists is in its cache, an SQLite file.
listed() {
	"$PYTHON" - "$tmp/cache.db" "$tmp/stories.json" <<'PY'
import json, sqlite3, sys
items = sqlite3.connect(sys.argv[1]).execute(
    "select guid, title, content from rss_item").fetchall()
stories = json.load(open(sys.argv[2]))["stories"]
want = {"urn:sheaf:story:%d" % s["id"]: s for s in stories}
got = {g: (t, c) for g, t, c in items}
assert len(items) == len(got), "an item listed twice"
assert set(got) == set(want), (sorted(got), sorted(want))
for g, s in want.items():
    assert got[g][0] == s["headline"], (got[g][0], s["headline"])
crisis = max(stories, key=lambda s: s["entries"])
content = got["urn:sheaf:story:%d" % crisis["id"]][1]
assert content.count("<li>") == crisis["entries"], content.count("<li>")
PY
}
check "newsboat lists one item per story, with its headline" listed
check "the crisis item lists all its sources" listed
n1=$(HOME="$tmp" newsboat -u "$tmp/urls" -c "$tmp/cache.db" \
    -C "$tmp/newsboat.conf" -x print-unread | cut -d' ' -f1)
check "every story is unread in newsboat" \
    [ "$n1" = "$(jget "$tmp/stories.json" 'len(d["stories"])')" ]
# A second reload with nothing new adds nothing.
check "newsboat reloads again" reload
n2=$(HOME="$tmp" newsboat -u "$tmp/urls" -c "$tmp/cache.db" \
    -C "$tmp/newsboat.conf" -x print-unread | cut -d' ' -f1)
check "a reload without news adds no item" [ "$n2" = "$n1" ]
done_testing
