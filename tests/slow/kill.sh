#!/bin/sh
# SPDX-License-Identifier: MIT
# kill -9 at random moments of a heavy ingest, many times: nothing lost.
#
# A generated server offers SHEAF_FEEDS feeds (default 200) of 50 entries
# each; every request of a feed moves it five entries on, and in every
# round the test asks for polls of 40 feeds at random, so entries keep
# arriving.  The feeds are subscribed in five batches over the first
# rounds, so the first kills land in the initial ingest.  Each round
# waits a random time, lists every entry through the API (what a read
# transaction sees is committed) and kills sheafd with SIGKILL at once.
# Then sheafd --check must pass, sheafd must start again on the same
# store, and the next list must hold every entry listed before.  The map
# starts small, so that some kills land while it grows.
#
# SHEAF_KILLS sets the number of kills (default 60) and SHEAF_SEED the
# random delays (printed, so that a failing run can be repeated).
top_srcdir="${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integ/common.sh"

kills=${SHEAF_KILLS:-60}
nfeeds=${SHEAF_FEEDS:-200}
seed=${SHEAF_SEED:-$(date +%s)}
pokes=40
batches=5
helper() {
	"$PYTHON" "$top_srcdir/tests/slow/entries.py" "$@"
}
poke_pid=""
started=$(date +%s)
echo "# $kills kills, $nfeeds feeds, seed $seed"

"$PYTHON" "$top_srcdir/tests/httpd/genfeeds.py" --port-file "$tmp/port" \
    >/dev/null 2>&1 &
httpd_pid=$!
wait_for 10 test -s "$tmp/port" || {
	echo "Bail out! the feed generator did not start"
	exit 1
}
port=$(cat "$tmp/port")
# A map of 1 MiB to begin with: it grows five times under the kills.
printf '%s\n' 'max_per_host = 32' 'max_transfers = 32' 'api_max_page = 1000' \
    'map_size = 1M' >"$tmp/sheafd.conf"
helper delays "$kills" "$seed" 0.2 2.0 >"$tmp/delays"

# subscribe_batch N: POST /v1/opml with the N-th fifth of the feeds.
subscribe_batch() {
	first=$(($1 * nfeeds / batches + 1))
	last=$((($1 + 1) * nfeeds / batches))
	{
		printf '<?xml version="1.0"?><opml version="2.0"><head/><body>'
		i=$first
		while [ "$i" -le "$last" ]; do
			printf '<outline text="f%s" xmlUrl="http://127.0.0.1:%s/f/%s"/>' \
			    "$i" "$port" "$i"
			i=$((i + 1))
		done
		printf '</body></opml>'
	} >"$tmp/subs.opml"
	[ "$(api POST /v1/opml --data-binary "@$tmp/subs.opml")" = 200 ]
}

# stop_poke: end the background poll requests, which the kill cut off.
stop_poke() {
	[ -n "$poke_pid" ] && kill "$poke_pid" 2>/dev/null
	[ -n "$poke_pid" ] && wait "$poke_pid" 2>/dev/null
	poke_pid=""
}

sheafd_start || {
	echo "Bail out! sheafd did not start"
	exit 1
}
n=0
lost=0
committed=0
first_committed=""
bad_checks=0
bad_starts=0
while [ "$n" -lt "$kills" ]; do
	n=$((n + 1))
	if [ "$n" -le "$batches" ]; then
		subscribe_batch $((n - 1)) || not_ok "kill $n: subscribe"
	fi
	helper poke "$tmp/sock" "$pokes" "$((seed + n))" >/dev/null 2>&1 &
	poke_pid=$!
	sleep "$(sed -n "${n}p" "$tmp/delays")"
	set -- $(helper snap "$tmp/sock" "$tmp/committed" 2>>"$tmp/lost.log")
	kill -9 "$sheafd_pid"
	wait "$sheafd_pid" 2>/dev/null
	sheafd_pid=""
	stop_poke
	if [ $# -ne 2 ]; then
		not_ok "kill $n: cannot list the entries"
		break
	fi
	committed=$1
	lost=$((lost + $2))
	[ -n "$first_committed" ] || first_committed=$committed
	"$SHEAFD" --check -c "$tmp/sheafd.conf" -d "$tmp/state" \
	    >"$tmp/check" 2>&1
	ck=$?
	[ "$ck" -eq 0 ] || bad_checks=$((bad_checks + 1))
	sheafd_start
	st=$?
	[ "$st" -eq 0 ] || bad_starts=$((bad_starts + 1))
	if [ "$ck" -eq 0 ] && [ "$st" -eq 0 ] && [ "$2" -eq 0 ]; then
		ok "kill $n: $committed entries committed, --check passes," \
		    "sheafd restarts"
	else
		not_ok "kill $n: --check $ck, restart $st, $2 lost"
		sed 's/^/# /' "$tmp/check" "$tmp/lost.log"
		[ "$st" -eq 0 ] || break
	fi
done

# The last kill: its entries are checked by one more list.
set -- $(helper lost "$tmp/sock" "$tmp/committed" 2>>"$tmp/lost.log")
check "every entry committed before the last kill is listed" \
    [ "${1:-1}" -eq 0 ]
lost=$((lost + ${1:-1}))
check "new entries kept arriving between the kills" \
    [ "$committed" -gt "${first_committed:-0}" ]
api GET /v1/status >/dev/null
map_mib=$(jget "$tmp/body" 'd["store"]["map_size"] >> 20')
sheafd_stop
check "sheafd stops cleanly at the end" [ "$sheafd_rc" -eq 0 ]
"$SHEAFD" --check -c "$tmp/sheafd.conf" -d "$tmp/state" >"$tmp/check" 2>&1
check "sheafd --check passes at the end" [ $? -eq 0 ]
sed 's/^/# /' "$tmp/check"
echo "# kills: $n"
echo "# committed entries: $committed"
echo "# losses: $lost"
echo "# map: grew from 1 to $map_mib MiB"
echo "# failed checks: $bad_checks, failed restarts: $bad_starts"
echo "# feed requests served: $(curl -s "http://127.0.0.1:$port/count")"
echo "# run time: $(($(date +%s) - started)) s"
check "nothing committed was lost" [ "$lost" -eq 0 ]

done_testing
