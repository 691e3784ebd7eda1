#!/bin/sh
# SPDX-License-Identifier: MIT
# Stories end to end: sheafd polls the demo feeds (the founding example)
# from a local server and clusters them at ingest; the API lists the
# stories, one story with its evidence, read marks, the Atom feed and the
# event stream; sheaf cluster on the same entries in the same order gives
# the same stories; a restart rebuilds the window from the store and a new
# entry still finds its story.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integ/common.sh"

# jok FILE EXPR: true when EXPR over the JSON in FILE evaluates without
# error (the checks below divide by zero to fail).
jok() {
	jget "$@" >/dev/null 2>&1
}

check "sheafd polls the demo feeds" demo_feeds_start

# The stories, as a reader gets them.
check "GET /v1/stories is 200" [ "$(api GET '/v1/stories?limit=100')" = 200 ]
cp "$tmp/body" "$tmp/stories.json"
crisis=$(jget "$tmp/stories.json" \
    'max(d["stories"], key=lambda s: s["entries"])["id"]')
check "the biggest story has 19 entries" \
    [ "$(jget "$tmp/stories.json" \
	"[s for s in d['stories'] if s['id'] == $crisis][0]['entries']")" = 19 ]
check "it is told in en, fr, de and es" \
    [ "$(jget "$tmp/stories.json" \
	"sorted([s for s in d['stories'] if s['id'] == $crisis][0]['languages'])")" = \
	"['de', 'en', 'es', 'fr']" ]
check "its headline is about the board crisis" \
    jok "$tmp/stories.json" \
    "1/0 if 'Altman' not in [s for s in d['stories'] if s['id'] == $crisis][0]['headline'] else 1"
# DevDay and Ignite are stories of their own, apart from the crisis.
for what in DevDay Ignite; do
	check "$what is not in the crisis story" jok "$tmp/stories.json" \
	    "1/0 if any('$what' in (s['headline'] or '') and s['id'] == $crisis for s in d['stories']) else 1"
done
check "the Ignite entries are one story of three" jok "$tmp/stories.json" \
    "1/0 if sum(1 for s in d['stories'] if s['entries'] == 3 and 'de' in s['languages']) < 1 else 1"

# One story: its entries, duplicates and why each is there.
check "GET /v1/stories/ID is 200" [ "$(api GET "/v1/stories/$crisis")" = 200 ]
cp "$tmp/body" "$tmp/story.json"
check "every entry says why it is there" jok "$tmp/story.json" \
    "1/0 if not all(e['why']['reason'] in ('new', 'text', 'names', 'near-duplicate', 'same-url', 'same-id') for e in d['entries']) else 1"
check "re-posts are marked as duplicates" jok "$tmp/story.json" \
    "1/0 if sum(1 for e in d['entries'] if e['duplicate_of']) < 3 else 1"
check "a names match shows the shared names" jok "$tmp/story.json" \
    "1/0 if not any('~altmn' in e['why']['shared'] for e in d['entries'] if e['why']['reason'] == 'names') else 1"
check "an unknown story is 404" [ "$(api GET /v1/stories/999999)" = 404 ]
check "a bad parameter is 400" [ "$(api GET '/v1/stories?limit=x')" = 400 ]
check "lang= filters" jok "$tmp/stories.json" 1
api GET '/v1/stories?lang=es' >/dev/null
check "lang=es lists only stories with Spanish" jok "$tmp/body" \
    "1/0 if not d['stories'] or not all('es' in s['languages'] for s in d['stories']) else 1"
api GET '/v1/stories?min_sources=3' >/dev/null
check "min_sources=3 lists only stories with 3 feeds" jok "$tmp/body" \
    "1/0 if not d['stories'] or not all(s['sources'] >= 3 for s in d['stories']) else 1"
api GET '/v1/stories?limit=2' >/dev/null
cursor=$(jget "$tmp/body" 'd["next_cursor"]')
api GET "/v1/stories?limit=2&cursor=$cursor" >/dev/null
check "pages follow the cursor without repeats" jok "$tmp/body" \
    "1/0 if set(s['id'] for s in d['stories']) & set(s['id'] for s in json.load(open('$tmp/stories.json'))['stories'][:2]) else 1"

# The same entries through sheaf cluster, in the order the daemon took
# them, make the same stories.
api GET '/v1/entries?limit=1000' >/dev/null
"$PYTHON" - "$tmp/body" >"$tmp/stream.jsonl" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for e in sorted(d["entries"], key=lambda e: e["id"]):
    row = {"id": e["entry_id"], "title": e["title"] or "",
           "text": e["content_html"] or e["summary"] or "",
           "published": e["published"] or e["first_seen"],
           "url": e["link"], "seq": e["id"], "story": e["story"]}
    if e["language"]:
        row["lang"] = e["language"]
    print(json.dumps(row))
PY
"$SHEAF" cluster "$tmp/stream.jsonl" >"$tmp/offline.jsonl" 2>"$tmp/err"
check "sheaf cluster runs on the daemon's entries" [ $? -eq 0 ]
check "sheaf cluster and sheafd make the same stories" \
    "$PYTHON" - "$tmp/stream.jsonl" "$tmp/offline.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
out = [json.loads(l) for l in open(sys.argv[2])]
def groups(labels):
    g = {}
    for i, l in enumerate(labels):
        g.setdefault(l, set()).add(i)
    return sorted(sorted(s) for s in g.values())
a = groups([r["story"] for r in rows])
b = groups([o["cluster"] for o in out])
if a != b:
    print("# daemon:", a)
    print("# offline:", b)
    sys.exit(1)
PY

# Reading a story, and a story that grows after it was read.
check "POST read is 200" [ "$(api POST "/v1/stories/$crisis/read")" = 200 ]
check "all its entries were marked" [ "$(jget "$tmp/body" 'd["marked"]')" = 19 ]
api GET "/v1/stories/$crisis" >/dev/null
check "the story is read" [ "$(jget "$tmp/body" 'd["story"]["status"]')" = read ]
check "unread=1 leaves it out" jok "$tmp/body" 1
api GET '/v1/stories?unread=1&limit=100' >/dev/null
check "unread=1 does not list it" jok "$tmp/body" \
    "1/0 if any(s['id'] == $crisis for s in d['stories']) else 1"

# The Atom feed: one entry per story, with a stable id.
check "stories.atom is 200" [ "$(api GET /v1/stories.atom)" = 200 ]
cp "$tmp/body" "$tmp/atom1.xml"
check "stories.atom is Atom with one entry per story" "$PYTHON" - \
    "$tmp/atom1.xml" "$tmp/stories.json" <<'PY'
import json, sys, xml.etree.ElementTree as ET
A = "{http://www.w3.org/2005/Atom}"
root = ET.parse(sys.argv[1]).getroot()
entries = root.findall(A + "entry")
stories = json.load(open(sys.argv[2]))["stories"]
assert root.tag == A + "feed", root.tag
assert len(entries) == len(stories), (len(entries), len(stories))
ids = [e.find(A + "id").text for e in entries]
assert len(set(ids)) == len(ids)
assert all(e.find(A + "title").text for e in entries)
assert all(e.find(A + "updated").text for e in entries)
PY

# Events: a stream open while a story grows announces it.
curl -sN --unix-socket "$tmp/sock" http://localhost/v1/events \
    >"$tmp/events" 2>/dev/null &
events_pid=$!
wait_for 5 grep -q 'sheaf events' "$tmp/events"
# A restart first: the window comes back from the store.
kill "$events_pid" 2>/dev/null
wait "$events_pid" 2>/dev/null
sheafd_stop
check "sheafd stops cleanly" [ "$sheafd_rc" -eq 0 ]
check "sheafd restarts" sheafd_start
check "the window is restored from the store" \
    grep -q 'stories: 39 entries of the last' "$tmp/sheafd.log"
curl -sN --unix-socket "$tmp/sock" http://localhost/v1/events \
    >"$tmp/events" 2>/dev/null &
events_pid=$!
wait_for 5 grep -q 'sheaf events' "$tmp/events"
cat >"$tmp/www/late.xml" <<'XML'
<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Late Desk</title>
<link>https://latedesk.example/</link><language>en</language>
<item><title>Sam Altman returns to OpenAI as chief executive after five days of turmoil</title>
<link>https://latedesk.example/2023/11/22/altman-returns</link>
<guid>late-1</guid><pubDate>Wed, 22 Nov 2023 16:00:00 GMT</pubDate>
<description>Sam Altman is back as chief executive of OpenAI after a board revolt
that saw Greg Brockman quit, Microsoft offer jobs and Emmett Shear serve as
interim chief. Ilya Sutskever said he regretted his role.</description></item>
</channel></rss>
XML
"$PYTHON" -c 'import json, sys
r = json.load(open(sys.argv[1])); r["/late.xml"] = {"body_file": "www/late.xml"}
json.dump(r, open(sys.argv[1], "w"))' "$tmp/routes.json"
late=$(subscribe "http://127.0.0.1:$port/late.xml")
check "the late feed is polled" wait_for 20 polled_since "$late"
check "the story thread catches up" wait_for 20 stories_done
api GET "/v1/stories/$crisis" >/dev/null
check "the late entry joined the crisis story" \
    [ "$(jget "$tmp/body" 'd["story"]["entries"]')" = 20 ]
check "a read story that grows shows as updated" \
    [ "$(jget "$tmp/body" 'd["story"]["status"]')" = updated ]
announced() {
	"$PYTHON" - "$tmp/events" "$crisis" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    if line.startswith("data: "):
        ev = json.loads(line[6:])
        if ev["id"] == int(sys.argv[2]) and ev["event"] == "updated":
            sys.exit(0)
sys.exit(1)
PY
}
check "the event stream announced the update" wait_for 10 announced
kill "$events_pid" 2>/dev/null
wait "$events_pid" 2>/dev/null
api GET /v1/stories.atom >/dev/null
check "the story's Atom updated moved" "$PYTHON" - "$tmp/atom1.xml" \
    "$tmp/body" "$crisis" <<'PY'
import sys, xml.etree.ElementTree as ET
A = "{http://www.w3.org/2005/Atom}"
def upd(path):
    for e in ET.parse(path).getroot().findall(A + "entry"):
        if e.find(A + "id").text.endswith(":" + sys.argv[3]):
            return e.find(A + "updated").text
sys.exit(0 if upd(sys.argv[2]) > upd(sys.argv[1]) else 1)
PY
"$SHEAFD" --check -d "$tmp/state" >"$tmp/check" 2>&1
check "the store passes its check (stories included)" \
    grep -q 'stories$' "$tmp/check"
done_testing
