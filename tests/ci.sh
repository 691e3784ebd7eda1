#!/bin/sh
# SPDX-License-Identifier: MIT
# Build and test everything, as CI does: a build that must print no warning,
# make check, the same tests under AddressSanitizer and UBSan, and make
# distcheck.  The last line sums every test point: "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
jobs=$(nproc 2>/dev/null || echo 2)
passed=0 failed=0 skipped=0

say() {
	printf '\n=== %s\n' "$*"
}

point() { # NAME STATUS: one test point of the script itself
	if [ "$2" -eq 0 ]; then
		passed=$((passed + 1))
		echo "PASS: $1"
	else
		failed=$((failed + 1))
		echo "FAIL: $1"
	fi
}

count_suite() { # LOG: add the counts of an automake test-suite.log
	if [ ! -f "$1" ]; then
		failed=$((failed + 1))
		echo "FAIL: no $1"
		return
	fi
	p=$(sed -n 's/^# PASS: *//p' "$1" | head -n 1)
	f=$(sed -n 's/^# FAIL: *//p' "$1" | head -n 1)
	x=$(sed -n 's/^# XPASS: *//p' "$1" | head -n 1)
	e=$(sed -n 's/^# ERROR: *//p' "$1" | head -n 1)
	s=$(sed -n 's/^# SKIP: *//p' "$1" | head -n 1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0} + ${x:-0} + ${e:-0}))
	skipped=$((skipped + ${s:-0}))
}

build() { # DIR CONFIGURE-FLAGS...: configure and make in a fresh build dir
	dir=$1
	shift
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && "$top/configure" -q "$@" >configure.log 2>&1) || {
		cat "$dir/configure.log"
		return 1
	}
	(cd "$dir" && make -j"$jobs" >make.log 2>&1 &&
	    make -j"$jobs" check TESTS= >>make.log 2>&1)
	st=$?
	[ $st -eq 0 ] || tail -n 40 "$dir/make.log"
	return $st
}

say "autogen"
./autogen.sh >/dev/null 2>&1 || ./autogen.sh || exit 1

say "build with -Wall -Wextra: no warning allowed"
build build-ci/plain
point "plain build succeeds" $?
warnings=$(grep -c 'warning:' build-ci/plain/make.log)
grep 'warning:' build-ci/plain/make.log | head -n 20
point "plain build prints no warning ($warnings)" "$warnings"

say "make check"
(cd build-ci/plain && make -j"$jobs" check >check.log 2>&1)
grep -E '^(PASS|FAIL|ERROR|SKIP|XPASS)' build-ci/plain/check.log |
    grep -v '^PASS' | head -n 50
count_suite build-ci/plain/test-suite.log
[ -f build-ci/plain/test-suite.log ] &&
    grep -q '^# FAIL: *0' build-ci/plain/test-suite.log ||
    sed -n '/^FAIL\|^ERROR\|^not ok/p' build-ci/plain/tests/*.log \
        build-ci/plain/tests/unit/*.log 2>/dev/null | head -n 40

say "make check under AddressSanitizer and UndefinedBehaviorSanitizer"
build build-ci/asan --enable-asan --enable-debug
point "asan build succeeds" $?
(cd build-ci/asan && ASAN_OPTIONS=detect_leaks=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    make -j"$jobs" check >check.log 2>&1)
grep -E '^(FAIL|ERROR|XPASS)' build-ci/asan/check.log | head -n 50
count_suite build-ci/asan/test-suite.log

say "fuzzing: every libFuzzer target under ASan+UBSan"
# clang builds the targets from the same sources as the programs; each
# runs FUZZ_SECONDS (60 unless set) on its seeds.  A crash, a leak, a
# timeout or a broken invariant fails its point.
if command -v clang >/dev/null 2>&1; then
	rm -rf build-ci/fuzz
	mkdir -p build-ci/fuzz
	(cd build-ci/fuzz && "$top/configure" -q CC=clang --enable-fuzzing \
	    >configure.log 2>&1 && make -j"$jobs" >make.log 2>&1)
	st=$?
	[ $st -eq 0 ] || tail -n 40 build-ci/fuzz/make.log build-ci/fuzz/configure.log
	point "fuzz build succeeds" $st
	if [ $st -eq 0 ]; then
		# A fixed seed: a run that fails can be run again the same way.
		(cd build-ci/fuzz && FUZZ_ARGS="${FUZZ_ARGS:--seed=1}" &&
		    export FUZZ_ARGS &&
		    make fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-60}" >fuzz.log 2>&1)
		sed -n '/^fuzz summary/,$p' build-ci/fuzz/fuzz.log
		grep -E '^   ' build-ci/fuzz/fuzz.log | head -n 40
		for t in parse date url html opml cluster api; do
			line=$(grep -E "^$t +executions" build-ci/fuzz/fuzz.log |
			    tail -n 1)
			case $line in
			*"crashes 0") st=0 ;;
			*) st=1 ;;
			esac
			grep -q "fuzz_$t exited with status" \
			    build-ci/fuzz/fuzz.log && st=1
			point "fuzz_$t runs clean: ${line:-did not run}" $st
		done
	fi
else
	point "clang is installed for the fuzz targets" 1
fi

say "make install"
rm -rf build-ci/dest
(cd build-ci/plain && make install DESTDIR="$top/build-ci/dest" \
    >install.log 2>&1)
st=$?
for f in bin/sheaf share/man/man1/sheaf.1; do
	[ -f "build-ci/dest/usr/local/$f" ] || st=1
done
point "make install DESTDIR= installs sheaf and its man page" $st

say "make distcheck"
(cd build-ci/plain && make -j"$jobs" distcheck >distcheck.log 2>&1)
st=$?
[ $st -eq 0 ] || tail -n 40 build-ci/plain/distcheck.log
point "make distcheck" $st

echo
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
