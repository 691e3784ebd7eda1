#!/bin/sh
# SPDX-License-Identifier: MIT
# Install the Debian packages sheaf's build, tests and benchmarks need.
set -eu
pkgs="build-essential autoconf automake pkg-config clang clang-format
    libclang-rt-14-dev libxml2-dev libcurl4-openssl-dev liblmdb-dev
    libmicrohttpd-dev libjansson-dev libicu-dev libstemmer-dev
    libsystemd-dev libcmocka-dev mandoc python3 python3-feedparser sfeed
    xz-utils newsboat sqlite3 time curl valgrind"
if [ "$(id -u)" -eq 0 ]; then
	SUDO=
else
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
# make bench-poll runs nginx as a child of its own (never as a service);
# the tests do not need it, so a failed install does not stop them.
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends nginx >/dev/null ||
    echo "deps.sh: nginx not installed; make bench-poll will say so" >&2
