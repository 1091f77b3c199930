#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boots Xen 4.17 with a Debian 12 HVM guest under QEMU, loads
# hybrid in it, runs an application on /dev/hybrid-migrate and migrates
# the guest live, announced; then tells what happened in a few lines.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/versions.env"
mkdir -p "$top/build"
echo "Booting Xen, dom0 and an HVM guest under QEMU (software emulation: minutes)..."
# one guest, the one the story is told with (check.sh's part "demo", whose
# set-up make check runs as "demo-prepare")
"$top/selftests/check.sh" demo >"$top/build/demo.log" 2>&1
rc=$?
echo
# the story, and where the emulator lost the guest and the rig told it again
sed -n -e 's/^# .*extra: # DEMO /  /p' \
	-e 's/^# emulator failure in .*(\(RIP [^)]*\)).*/  (the emulator crashed the guest, \1; booting it again)/p' \
	-e 's/^# emulator failure in .*/  (the emulator lost the guest; booting it again)/p' \
	"$top/build/demo/xen417/results.tap" 2>/dev/null
echo
if [ $rc -eq 0 ]; then
	echo "demo: ok (full log: build/demo.log, build/demo/xen417/)"
else
	grep '^not ok' "$top/build/demo/xen417/results.tap" 2>/dev/null | head
	echo "demo: something failed (full log: build/demo.log, build/demo/xen417/)"
fi
exit $rc
