#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# The hybrid-migrate and hybrid-irq suites' entry point in the guest, run by the rig as
# RIG_EXTRA_GUEST's run.sh: prints TAP, then leaves the event agent
# running for the dom0 side (dom0-run.sh), which asks about it through the
# rig's guest agent (agent.sh).
export PATH=/rig:/bin
. /rig/tap.sh
# The rig merges this script's plain TAP lines itself.
_tap_out() { echo "$*"; }
. /rig/extra/guest.sh
. /rig/extra/irq.sh

if [ ! -f "$MKO" ]; then
	not_ok "migrate: hybrid-migrate.ko built for $(uname -r)"
	exit 1
fi
if [ "$(cat /sys/hypervisor/type 2>/dev/null)" != xen ]; then
	# Off Xen the core refuses, and so the driver cannot load either.
	out=$(modload "$MKO" 2>&1)
	like "$out" 'modload: errno [0-9]+ .*' "migrate: native: hybrid-migrate.ko is refused ($out)"
	check "migrate: native: no /dev/hybrid-migrate" test ! -e /dev/hybrid-migrate
	irq_native_tests
	exit 0
fi
irq_guest_tests
migrate_guest_tests
exit 0
