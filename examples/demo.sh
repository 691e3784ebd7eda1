#!/bin/sh
# SPDX-License-Identifier: MIT
# The offline demo: start sheafd on a temporary state directory, serve the
# bundled feeds from a local HTTP server, subscribe through `sheaf import`,
# wait for the first poll round, and print the stories.
#
# Usage: examples/demo.sh [BUILDDIR]   (default: the current directory)
set -eu
srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "${1:-.}" && pwd)
sheafd=$builddir/daemon/sheafd
sheaf=$builddir/client/sheaf
[ -x "$sheafd" ] && [ -x "$sheaf" ] || {
	echo "demo: build first (no $sheafd or $sheaf)" >&2
	exit 1
}
tmp=$(mktemp -d)
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || :; done
	wait 2>/dev/null || :
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# A static server on a free loopback port for examples/feeds.
python3 - "$srcdir/examples/feeds" "$tmp/port" <<'PY' &
import functools, http.server, sys


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


handler = functools.partial(Quiet, directory=sys.argv[1])
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
with open(sys.argv[2] + ".tmp", "w") as fp:
    fp.write(str(srv.server_address[1]))
import os
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
srv.serve_forever()
PY
pids="$pids $!"
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$tmp/port")

# The subscriptions, as an OPML file a user would import.
{
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo '<opml version="2.0"><head><title>sheaf demo</title></head><body>'
	echo '<outline text="Demo">'
	for f in "$srcdir"/examples/feeds/*; do
		n=$(basename "$f")
		echo "<outline type=\"rss\" text=\"$n\" xmlUrl=\"http://127.0.0.1:$port/$n\"/>"
	done
	echo '</outline></body></opml>'
} >"$tmp/demo.opml"

sock=$tmp/sheaf.sock
"$sheafd" -f -d "$tmp/state" -s "$sock" 2>"$tmp/sheafd.log" &
pids="$pids $!"
i=0
while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
"$sheaf" -s "$sock" import "$tmp/demo.opml"

# Wait until every feed has been polled once.
n=$(ls "$srcdir"/examples/feeds | wc -l)
i=0
while [ $i -lt 150 ]; do
	polled=$("$sheaf" -s "$sock" --json feeds | python3 -c '
import json, sys
d = json.load(sys.stdin)
feeds = d["feeds"] if isinstance(d, dict) else d
print(sum(1 for f in feeds if f.get("last_status")))')
	[ "$polled" -ge "$n" ] && break
	sleep 0.2
	i=$((i + 1))
done
# Then until the story thread has clustered every entry.
i=0
while [ $i -lt 150 ]; do
	pending=$("$sheaf" -s "$sock" --json status |
	    python3 -c 'import json, sys; print(json.load(sys.stdin)["stories_pending"])')
	[ "$pending" = 0 ] && break
	sleep 0.2
	i=$((i + 1))
done
"$sheaf" -s "$sock" feeds
echo
echo "Stories (one line each; the board crisis is one story in four languages):"
"$sheaf" -s "$sock" stories
# The biggest story, entry by entry.
big=$("$sheaf" -s "$sock" --json stories | python3 -c '
import json, sys
d = json.load(sys.stdin)
stories = d["stories"] if isinstance(d, dict) else d
print(max(stories, key=lambda s: s["entries"])["id"] if stories else "")')
if [ -n "$big" ]; then
	echo
	"$sheaf" -s "$sock" story "$big"
fi
