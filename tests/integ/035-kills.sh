#!/bin/sh
# SPDX-License-Identifier: MIT
# The kill test of make check-slow in short: five kill -9 of a smaller ingest.
top_srcdir="${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}"
SHEAF_KILLS="${SHEAF_KILLS:-5}"
SHEAF_FEEDS="${SHEAF_FEEDS:-100}"
export top_srcdir SHEAF_KILLS SHEAF_FEEDS
exec "${SHELL:-/bin/sh}" "$top_srcdir/tests/slow/kill.sh"
