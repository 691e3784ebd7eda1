#!/bin/sh
# SPDX-License-Identifier: MIT
# A full disk: sheafd says so once, serves reads, loses nothing, resumes.
#
# The state directory is a small tmpfs that the feeds fill up.  Then the
# daemon must report the failure (one log line, store_error in
# /v1/status), answer reads with everything committed, pass --check,
# start again on the full disk, and store again once the tmpfs grows,
# without a restart.  Needs root for the mount; skips without it.
top_srcdir="${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
[ "$(id -u)" = 0 ] || skip_all "mounting a tmpfs needs root"
. "$top_srcdir/tests/integ/common.sh"

mnt="$tmp/state"
mounted=""
fulldisk_cleanup() {
	if [ -n "$sheafd_pid" ]; then
		kill -9 "$sheafd_pid" 2>/dev/null
		wait "$sheafd_pid" 2>/dev/null
		sheafd_pid=""
	fi
	[ -n "$mounted" ] && umount "$mnt"
	integ_cleanup
}
trap fulldisk_cleanup EXIT

mkdir "$mnt"
mount -t tmpfs -o size=1m,mode=0700 sheaf-test "$mnt" 2>/dev/null ||
    skip_all "cannot mount a tmpfs"
mounted=1

helper() {
	"$PYTHON" "$top_srcdir/tests/slow/entries.py" "$@"
}
status() {
	api GET /v1/status >/dev/null
	jget "$tmp/body" "d$1"
}
store_failing() {
	[ "$(status '["store_error"]')" != null ]
}
store_working() {
	[ "$(status '["store_error"]')" = null ]
}
entries_above() {
	[ "$(status '["entries"]')" -gt "$1" ]
}
# loglines TEXT: how many lines of the daemon's log hold TEXT.
loglines() {
	grep -c "$1" "$tmp/sheafd.log" || true
}

# Forty feeds of fifty entries of 2 KB each: four times the disk.
"$PYTHON" "$top_srcdir/tests/httpd/genfeeds.py" --port-file "$tmp/port" \
    --pad 2000 >/dev/null 2>&1 &
httpd_pid=$!
wait_for 10 test -s "$tmp/port" || {
	echo "Bail out! the feed generator did not start"
	exit 1
}
port=$(cat "$tmp/port")
printf 'max_per_host = 8\n' >"$tmp/sheafd.conf"
{
	printf '<?xml version="1.0"?><opml version="2.0"><head/><body>'
	for i in $(seq 2 40); do
		printf '<outline text="f%s" xmlUrl="http://127.0.0.1:%s/f/%s"/>' \
		    "$i" "$port" "$i"
	done
	printf '</body></opml>'
} >"$tmp/subs.opml"

sheafd_start
check "sheafd starts on a 1 MiB tmpfs" [ $? -eq 0 ]
# One feed first, which fits, then the others.
subscribe "http://127.0.0.1:$port/f/1" >/dev/null
wait_for 10 entries_above 0
check "the first feed's entries are stored" entries_above 0
check "thirty-nine more feeds imported" \
    [ "$(api POST /v1/opml --data-binary "@$tmp/subs.opml")" = 200 ]
wait_for 30 store_failing
check "/v1/status reports the store's failure" store_failing
msg=$(status '["store_error"]["message"]')
echo "# store_error: $msg"
check "the message says the disk is full" \
    sh -c "echo '$msg' | grep -q 'no space left on the device'"
check "the failure is logged" [ "$(loglines 'store: store write failed')" -ge 1 ]
# Each failure logged ends with a recovery logged, but the last one.
check "the log says when the failure starts, not at each feed" \
    [ "$(loglines 'store: store write failed')" -eq \
    $(($(loglines 'store: writes succeed again') + 1)) ]
check "no line per feed" [ "$(loglines 'cannot store the poll')" -eq 0 ]
grep 'store: ' "$tmp/sheafd.log" | sed 's/^/# /'
df -k "$mnt" | sed 's/^/# /'

committed=$(status '["entries"]')
echo "# $committed entries stored before the disk filled"
set -- $(helper snap "$tmp/sock" "$tmp/committed")
check "GET /v1/entries lists every committed entry" \
    [ "${1:-0}" -eq "$committed" ]
check "GET /v1/feeds answers" [ "$(api GET /v1/feeds)" = 200 ]
"$SHEAF" -s "$tmp/sock" status >"$tmp/status.txt" 2>&1
check "sheaf status shows the store error" \
    grep -q '^store error.*no space left' "$tmp/status.txt"
"$SHEAFD" --check -c "$tmp/sheafd.conf" -d "$mnt" >"$tmp/check" 2>&1
check "sheafd --check passes beside the daemon on the full disk" [ $? -eq 0 ]
sed 's/^/# /' "$tmp/check"
check "sheafd is still running" kill -0 "$sheafd_pid"

sheafd_stop
check "sheafd stops cleanly on the full disk" [ "$sheafd_rc" -eq 0 ]
sheafd_start
check "sheafd starts again on the full disk" [ $? -eq 0 ]
check "and lists every committed entry" \
    [ "$(helper lost "$tmp/sock" "$tmp/committed")" = 0 ]
# The feeds whose polls were not stored are still due: their next polls
# meet the full disk again (stored in batches, so not at once).
wait_for 30 store_failing
check "the restarted daemon meets the full disk again" store_failing

mount -o remount,size=64m "$mnt"
check "the tmpfs grows to 64 MiB" [ $? -eq 0 ]
# A poll request is a write too, and it makes the daemon scan at once
# instead of half a minute later.
check "a write request succeeds once there is room" \
    [ "$(api POST /v1/feeds/1/poll)" = 202 ]
wait_for 30 entries_above "$committed"
check "new entries are stored again, without a restart" \
    entries_above "$committed"
wait_for 10 store_working
check "/v1/status clears the failure" store_working
check "the log says writes work again" \
    [ "$(loglines 'store: writes succeed again')" -ge 1 ]
check "nothing committed before was lost" \
    [ "$(helper lost "$tmp/sock" "$tmp/committed")" = 0 ]
sheafd_stop
check "sheafd stops cleanly" [ "$sheafd_rc" -eq 0 ]
"$SHEAFD" --check -c "$tmp/sheafd.conf" -d "$mnt" >"$tmp/check" 2>&1
check "sheafd --check passes at the end" [ $? -eq 0 ]
sed 's/^/# /' "$tmp/check"

done_testing
