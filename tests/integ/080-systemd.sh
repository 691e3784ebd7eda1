#!/bin/sh
# SPDX-License-Identifier: MIT
# The systemd units: systemd-analyze verify passes on both, the service's
# sandbox scores 1.5 or lower in systemd-analyze security, and (only where
# systemd runs the machine and we are root) sheafd serves and polls under
# that sandbox as a transient service started with systemd-run.
top_srcdir="${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"

MAX_EXPOSURE=1.5
SHEAFD="${SHEAFD:-$top_builddir/daemon/sheafd}"
units="$top_srcdir/systemd"

command -v systemd-analyze >/dev/null 2>&1 ||
	skip_all "systemd-analyze is not installed"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sheaf-systemd.XXXXXX")
run_unit=""
httpd_pid=""
made_dirs=""
cleanup() {
	if [ -n "$run_unit" ]; then
		systemctl stop "$run_unit" "${run_unit%.service}.socket" \
		    >/dev/null 2>&1
		systemctl reset-failed "$run_unit" >/dev/null 2>&1
	fi
	[ -n "$httpd_pid" ] && kill "$httpd_pid" 2>/dev/null
	# The state directories systemd made for the test's services.
	for n in $made_dirs; do
		rm -rf "/var/lib/private/$n" "/var/lib/$n"
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The units as make install writes them, with @sbindir@ pointing at an
# executable sheafd: the built one, or a stand-in when it is not built.
mkdir "$tmp/sbin" "$tmp/units"
if [ -x "$SHEAFD" ]; then
	ln -s "$SHEAFD" "$tmp/sbin/sheafd"
else
	printf '#!/bin/sh\nexit 0\n' >"$tmp/sbin/sheafd"
	chmod +x "$tmp/sbin/sheafd"
fi
sed "s|@sbindir@|$tmp/sbin|g" "$units/sheafd.service.in" \
    >"$tmp/units/sheafd.service"
cp "$units/sheafd.socket" "$tmp/units/sheafd.socket"

check "sheafd.service.in substitutes every @...@" \
    sh -c "! grep -q '@[a-z_]*@' '$tmp/units/sheafd.service'"

# verify: exit 0 and not a single warning.  The man pages are checked
# where they are installed, not here.
(cd "$tmp/units" && systemd-analyze verify --man=no \
    ./sheafd.service ./sheafd.socket) >"$tmp/verify.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && [ ! -s "$tmp/verify.out" ]
check "systemd-analyze verify passes on sheafd.service and sheafd.socket" \
    [ $? -eq 0 ]
sed 's/^/# /' "$tmp/verify.out"

systemd-analyze security --offline=yes "$tmp/units/sheafd.service" \
    >"$tmp/security.out" 2>&1
score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' \
    "$tmp/security.out")
echo "# systemd-analyze security: exposure ${score:-unknown}"
grep '✗' "$tmp/security.out" | sed 's/  */ /g; s/^/#   /'
check "systemd-analyze security scores at most $MAX_EXPOSURE" \
    awk -v s="$score" -v m="$MAX_EXPOSURE" \
    'BEGIN { exit !(s != "" && s + 0 <= m + 0) }'

# The units agree with the daemon's defaults.
sock=$(sed -n 's/^#define SYSTEM_SOCKET "\(.*\)"$/\1/p' \
    "$top_srcdir/daemon/main.c")
check "sheafd.socket listens where sheafd binds by default ($sock)" \
    grep -qx "ListenStream=$sock" "$units/sheafd.socket"
check "sheafd.socket makes the socket 0660, like sheafd" \
    grep -qx "SocketMode=0660" "$units/sheafd.socket"
check "the socket's group is the service's group" \
    [ "$(sed -n 's/^SocketGroup=//p' "$units/sheafd.socket")" = \
      "$(sed -n 's/^Group=//p' "$units/sheafd.service.in")" ]
check "the sysusers snippet makes the service's user" \
    grep -q "^u $(sed -n 's/^User=//p' "$units/sheafd.service.in") " \
    "$units/sheaf.sysusers"

# Under systemd itself: only where it is PID 1 and we may start services.
why=""
if [ ! -d /run/systemd/system ]; then
	why="systemd is not PID 1 here"
elif [ "$(id -u)" != 0 ]; then
	why="not root"
elif [ ! -x "$SHEAFD" ]; then
	why="sheafd is not built"
elif ! command -v systemd-run >/dev/null 2>&1 ||
    ! command -v curl >/dev/null 2>&1 ||
    ! command -v python3 >/dev/null 2>&1; then
	why="systemd-run, curl or python3 is missing"
else
	case $(readlink -f "$SHEAFD") in
	/home/* | /root/* | /run/user/* | /tmp/* | /var/tmp/*)
		why="the sandbox hides $SHEAFD (ProtectHome=, PrivateTmp=)" ;;
	esac
fi
if [ -n "$why" ]; then
	echo "# not run under systemd-run: $why"
	done_testing
	exit $?
fi

# Every [Service] setting of the unit except who runs it and where it
# keeps things: a dynamic user and directories of this test instead.
name="sheafd-test-$$"
made_dirs="$name sheafd-test-sa-$$"
set --
while IFS= read -r line; do
	case $line in
	'' | '#'* | Type=* | NotifyAccess=* | ExecStart=* | ExecReload=* | \
	    Restart=* | User=* | Group=* | StateDirectory* | \
	    RuntimeDirectory* | ConfigurationDirectory*) ;;
	*) set -- "$@" -p "$line" ;;
	esac
done <<EOS
$(sed -n '/^\[Service\]/,/^\[/{/^\[/d;p}' "$units/sheafd.service.in")
EOS
run_unit="$name.service"
mkdir -p "$tmp/www"
cp "$top_srcdir/examples/feeds/wire.xml" "$tmp/www/wire.xml"
(cd "$tmp/www" && exec python3 -u -m http.server 0 --bind 127.0.0.1) \
    >"$tmp/httpd.log" 2>&1 &
httpd_pid=$!
i=0
port=""
while [ $i -lt 50 ] && [ -z "$port" ]; do
	port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$tmp/httpd.log" | head -1)
	sleep 0.1
	i=$((i + 1))
done

systemd-run --quiet --unit="$name" -p Type=notify -p NotifyAccess=main \
    -p DynamicUser=yes -p StateDirectory="$name" \
    -p RuntimeDirectory="$name" -p RemainAfterExit=yes \
    -p StandardError="file:$tmp/sheafd.log" "$@" -p WatchdogSec=2s \
    "$SHEAFD" -f -v
check "systemd-run starts sheafd with the unit's sandbox (Type=notify)" \
    [ $? -eq 0 ]
socket="/run/$name/sheaf.sock"
api() {
	p=$1
	shift
	curl -sf --unix-socket "$socket" "http://localhost$p" "$@"
}
check "sheafd answers on its socket" api /v1/status -o /dev/null
check "the socket is mode 0660" [ "$(stat -c %a "$socket")" = 660 ]
api /v1/feeds -o /dev/null -d "{\"url\": \"http://127.0.0.1:$port/wire.xml\"}"
i=0
while [ $i -lt 100 ]; do
	api "/v1/entries?limit=1" -o "$tmp/entries" &&
	    grep -q '"entry_id"' "$tmp/entries" && break
	sleep 0.1
	i=$((i + 1))
done
check "sheafd fetches and stores a feed inside the sandbox" \
    grep -q '"entry_id"' "$tmp/entries"
systemctl kill -s HUP "$run_unit"
i=0
while [ $i -lt 50 ] && ! grep -q "re-read" "$tmp/sheafd.log"; do
	sleep 0.1
	i=$((i + 1))
done
check "SIGHUP re-reads the configuration" grep -q "re-read" "$tmp/sheafd.log"
check "sheafd runs on after SIGHUP" \
    [ "$(systemctl show -P SubState "$run_unit")" = running ]
pid=$(systemctl show -P MainPID "$run_unit")
check "the sandbox holds: no capabilities, no new privileges, seccomp" \
    [ "$(awk '/^(CapBnd|NoNewPrivs|Seccomp):/ { printf "%s ", $2 }' \
        "/proc/$pid/status")" = "0000000000000000 1 2 " ]
# The test runs it with WatchdogSec=2s: without pings it would be killed.
sleep 3
check "sheafd pings the watchdog (WatchdogSec=2s, 3 s later)" \
    [ "$(systemctl show -P MainPID "$run_unit")" = "$pid" ]
# RemainAfterExit= keeps the unit, and so its exit status, until stopped.
systemctl kill -s TERM "$run_unit"
i=0
while [ $i -lt 100 ] &&
    [ "$(systemctl show -P SubState "$run_unit")" = running ]; do
	sleep 0.1
	i=$((i + 1))
done
st="$(systemctl show -P ExecMainStatus "$run_unit")"
st="$st $(systemctl show -P Result "$run_unit")"
check "SIGTERM: sheafd exits 0 ($st)" [ "$st" = "0 success" ]
systemctl stop "$run_unit" 2>/dev/null
run_unit=""

# Socket activation: systemd makes the socket, the first reader starts
# sheafd, which takes the socket and leaves the file at exit.
name="sheafd-test-sa-$$"
run_unit="$name.service"
socket="/run/$name.sock"
systemd-run --quiet --unit="$name" --socket-property=ListenStream="$socket" \
    --socket-property=SocketMode=0660 -p Type=notify -p NotifyAccess=main \
    -p DynamicUser=yes -p StateDirectory="$name" \
    -p StandardError="file:$tmp/sheafd-sa.log" "$@" "$SHEAFD" -f -v
check "systemd-run sets up the socket unit" [ $? -eq 0 ]
check "the first request activates sheafd" api /v1/status -o /dev/null
check "sheafd takes the socket from systemd" \
    grep -q "socket from systemd" "$tmp/sheafd-sa.log"
systemctl stop "$run_unit" 2>/dev/null
check "the socket stays after sheafd stops" [ -S "$socket" ]
systemctl stop "$name.socket" 2>/dev/null
run_unit=""
if [ "$tap_failed" -ne 0 ]; then
	sed 's/^/# /' "$tmp/sheafd.log"
fi
done_testing
