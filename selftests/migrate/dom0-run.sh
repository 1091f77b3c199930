#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The hybrid-migrate suite's entry point in dom0, run by the rig as
# RIG_EXTRA_DOM0's run.sh once per guest (GUEST, DOMID, RES set): prints
# TAP.
#   run.sh          the suite
#   run.sh --parts  the parts the rig runs after it, each as a scenario
#                   of its own: make rig-debug's stress (stress.sh)
#   run.sh PART     one of them
. /rig/extra/dom0.sh
. /rig/extra/irq.sh
# the scenarios this guest runs (the rig's, less any its options rule out)
[ -z "${GUEST_SCENARIOS:-}" ] || SCENARIOS=$GUEST_SCENARIOS
if [ $# -gt 0 ]; then
	[ "${HM_STRESS:-0}" = 1 ] || exit 0
	. /rig/extra/stress.sh
	case $1 in
	--parts) stress_parts ;;
	*) stress_part "$GUEST" "$1" ;;
	esac
	exit 0
fi
# scen_notify's stream of pings ends with it, or with this script
trap '[ -z "$IRQ_STREAM" ] || { kill "$IRQ_STREAM"; kill -CONT "$IRQ_STREAM"; } 2>/dev/null' EXIT

# Live migrations only where the rig runs its migrate scenario: three in
# a row on every guest (RIG_MIGRATIONS), which keeps make check inside
# CI's 90 minutes when a migration's emulator crash costs a guest boot
# and a rerun; there were ten on a 6.1 guest until a slower machine took
# 551-655 s for them.
want migrate || MIGRATIONS=0
scen_irq_traffic "$GUEST"
scen_irq_affinity "$GUEST"
! want saverestore || scen_irq_checkpoint "$GUEST"
scen_notify "$GUEST"
scen_irq_after "$GUEST"
