#!/bin/sh
# SPDX-License-Identifier: MIT
# Rules the tree keeps: only store/ includes lmdb.h, C follows .clang-format,
# the man pages are clean under mandoc -Tlint.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

cd "$top_srcdir" || exit 1
srcs=$(find common feeds cluster store daemon client tests bench \
    -name '*.[ch]' 2>/dev/null | sort)

bad=$(grep -l '#include <lmdb.h>' $srcs 2>/dev/null | grep -v '^store/')
check "only store/ includes lmdb.h${bad:+ (not: $bad)}" [ -z "$bad" ]

if command -v clang-format >/dev/null 2>&1; then
	unformatted=""
	for f in $srcs; do
		clang-format --dry-run --Werror "$f" >/dev/null 2>&1 ||
		    unformatted="$unformatted $f"
	done
	check "C sources follow .clang-format${unformatted:+ (not:$unformatted)}" \
	    [ -z "$unformatted" ]
else
	ok "C sources follow .clang-format # SKIP clang-format not installed"
fi

if command -v mandoc >/dev/null 2>&1; then
	for page in doc/*.[1-8]; do
		[ -f "$page" ] || continue
		lint=$(mandoc -Tlint -W warning "$page" 2>&1)
		check "mandoc -Tlint $page${lint:+: $lint}" [ -z "$lint" ]
	done
else
	ok "man pages lint clean # SKIP mandoc not installed"
fi

for f in $srcs; do
	head -n 1 "$f" | grep -q 'SPDX-License-Identifier' ||
	    missing="${missing:-} $f"
done
check "every C file starts with an SPDX line${missing:+ (not:$missing)}" \
    [ -z "${missing:-}" ]
done_testing
