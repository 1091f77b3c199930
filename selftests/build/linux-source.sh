#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# linux-source.sh: prints a directory holding the few files the checks
# use from Debian's linux-source package (checkpatch.pl and its data, the
# kselftest harness headers), unpacked once into $HYBRID_CACHE.  They are
# used from there, never copied into the project.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/selftests/versions.env"
cache=${HYBRID_CACHE:-/var/cache/hybrid}
tarball=/usr/src/linux-source-6.1.tar.xz
dir=$cache/linux-source-$LINUX_SOURCE_PKG
files="scripts/checkpatch.pl scripts/spelling.txt scripts/const_structs.checkpatch
       tools/testing/selftests/kselftest_harness.h tools/testing/selftests/kselftest.h"

if [ ! -f "$dir/.done" ]; then
	if [ ! -f "$tarball" ]; then
		echo "linux-source.sh: $tarball missing; run 'make deps'" >&2
		exit 1
	fi
	rm -rf "$dir" && mkdir -p "$dir"
	# shellcheck disable=SC2086
	tar -xJf "$tarball" -C "$dir" --strip-components=1 \
		$(for f in $files; do echo "linux-source-6.1/$f"; done)
	touch "$dir/.done"
fi
echo "$dir"
