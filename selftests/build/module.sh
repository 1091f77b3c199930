#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# module.sh KERNEL OUTDIR [MAKE-ARGS...]
#
# Builds the modules for one pinned Debian kernel (a name such as
# 6.1.0-56-amd64, as in versions.env) inside its build root, with the
# compiler that kernel was built with.  Leaves the .ko files and the
# full build log (build.log) in OUTDIR; exits with make's status.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/selftests/versions.env"
kernel=${1:?usage: module.sh KERNEL OUTDIR [MAKE-ARGS...]}
out=${2:?usage: module.sh KERNEL OUTDIR [MAKE-ARGS...]}
shift 2

case $kernel in
"$RIG_DEBUG_KVER") rootname=debug ;;
"$DEB13_KABI"-*) rootname=deb13 ;;
*) rootname=deb12 ;;
esac
root=$("$top/selftests/build/chroot.sh" "$rootname")
kdir=/usr/src/linux-headers-$kernel
if [ ! -d "$root$kdir" ]; then
	echo "module.sh: no headers for '$kernel' in $root" >&2
	exit 2
fi

src=/build/hybrid-$kernel
rm -rf "${root:?}$src"
mkdir -p "$root$src" "$out"
cp -a "$top/Kbuild" "$top/drivers" "$top/include" "$root$src/"
rc=0
chroot "$root" make -C "$kdir" M="$src" modules "$@" >"$out/build.log" 2>&1 || rc=$?
find "$root$src" -name '*.ko' -exec cp {} "$out/" \;
cp -r "$root$src/drivers/hybrid/compat/probes.h" \
	"$root$src/drivers/hybrid/compat/probe-logs" "$out/" 2>/dev/null || true
exit $rc
