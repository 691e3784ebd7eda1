#!/bin/sh
# SPDX-License-Identifier: MIT
# Run each libFuzzer target on a copy of its seeds and report what it found.
#
# usage: run.sh [BUILDDIR [TARGET...]]
#
# BUILDDIR is a build configured with --enable-fuzzing (default: $top_builddir,
# else the current directory); TARGETs are names like "parse" or "api"
# (default: every fuzz_* program built there).  Each target runs for
# FUZZ_SECONDS (default 60; 0 runs the seeds once and stops) in
# BUILDDIR/tests/fuzz/out/NAME/, on a fresh copy of tests/fuzz/seeds/NAME/,
# with tests/fuzz/dict/NAME.dict when there is one.  Crashes, leaks,
# timeouts and broken invariants are kept in out/NAME/crashes/.  The exit
# status is 1 when any target crashed, 2 when one could not run.
#
# Other knobs: FUZZ_TIMEOUT (seconds per input, default 25; 60 for api),
# FUZZ_RSS_MB (default 4096), FUZZ_ARGS (more libFuzzer flags).

srcdir=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${1:-${top_builddir:-.}}
builddir=$(cd "$builddir" && pwd) || exit 2
[ $# -gt 0 ] && shift
seconds=${FUZZ_SECONDS:-60}

if [ $# -gt 0 ]; then
	targets="$*"
else
	targets=$(cd "$builddir/tests/fuzz" 2>/dev/null &&
	    for f in fuzz_*; do
		    case $f in *.o | *.c | *.h) continue ;; esac
		    [ -x "$f" ] && echo "${f#fuzz_}"
	    done)
fi
if [ -z "$targets" ]; then
	echo "run.sh: no fuzz targets in $builddir/tests/fuzz;" \
	    "configure with --enable-fuzzing and run make" >&2
	exit 2
fi

# UBSan stops at the first report even if the build lets it recover;
# ASan's report is what libFuzzer shows.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS UBSAN_OPTIONS

status=0
report=""
for name in $targets; do
	bin=$builddir/tests/fuzz/fuzz_$name
	work=$builddir/tests/fuzz/out/$name
	if [ ! -x "$bin" ]; then
		echo "run.sh: $bin not built" >&2
		status=2
		continue
	fi
	rm -rf "$work/corpus"
	mkdir -p "$work/corpus" "$work/crashes"
	if [ -d "$srcdir/tests/fuzz/seeds/$name" ]; then
		cp "$srcdir/tests/fuzz/seeds/$name"/* "$work/corpus/"
	fi
	set -- -print_final_stats=1 -artifact_prefix="$work/crashes/" \
	    -rss_limit_mb="${FUZZ_RSS_MB:-4096}"
	if [ "$seconds" -gt 0 ]; then
		set -- "$@" -max_total_time="$seconds"
	else
		set -- "$@" -runs=0
	fi
	dict=$srcdir/tests/fuzz/dict/$name.dict
	[ -f "$dict" ] && set -- "$@" -dict="$dict"
	case $name in
	cluster)
		# Clusterers live across inputs (see fuzz_cluster.c), so every
		# input looks like a leak to libFuzzer's per-input check.
		set -- "$@" -detect_leaks=0 -timeout="${FUZZ_TIMEOUT:-25}"
		;;
	api)
		# The daemon's threads allocate while an input runs.  The
		# socket's path must fit in sun_path.
		set -- "$@" -detect_leaks=0 -timeout="${FUZZ_TIMEOUT:-60}"
		if [ ${#work} -lt 70 ]; then
			FUZZ_API_TMPDIR=$work
		else
			FUZZ_API_TMPDIR=${TMPDIR:-/var/tmp}
		fi
		export FUZZ_API_TMPDIR
		;;
	*)
		set -- "$@" -timeout="${FUZZ_TIMEOUT:-25}"
		;;
	esac
	touch "$work/.start"
	echo "== fuzz_$name: ${seconds}s, log in $work/log"
	# shellcheck disable=SC2086
	"$bin" "$@" $FUZZ_ARGS "$work/corpus" >"$work/log" 2>&1
	rc=$?

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log")
	if [ -z "$execs" ]; then
		# A crash ends the run before the final statistics.
		last=$(grep -E '^#[0-9]+' "$work/log" | tail -n 1)
		execs=$(echo "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
		eps=$(echo "$last" | sed -n 's/.*exec\/s: \([0-9]*\).*/\1/p')
	fi
	corpus=$(find "$work/corpus" -type f | wc -l)
	new=$(find "$work/crashes" -type f -newer "$work/.start")
	ncrash=$(echo "$new" | grep -c .)
	line=$(printf '%-8s executions %10s  exec/s %6s  corpus %5s  crashes %s' \
	    "$name" "${execs:-?}" "${eps:-?}" "$corpus" "$ncrash")
	echo "$line"
	report="$report$line
"
	if [ "$ncrash" -gt 0 ] || [ "$rc" -ne 0 ]; then
		status=1
		for f in $new; do
			echo "   crashing input: $f"
		done
		[ "$ncrash" -eq 0 ] &&
		    echo "   fuzz_$name exited with status $rc; see $work/log"
		grep -m 1 -E 'ERROR: |runtime error|invariant broken|deadly signal' \
		    "$work/log" | sed 's/^/   /'
		grep -E '^ +#[0-9]+ ' "$work/log" | head -n 8 | sed 's/^/   /'
	fi
done

echo
echo "fuzz summary (${seconds}s per target):"
printf '%s' "$report"
exit $status
