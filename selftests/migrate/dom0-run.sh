#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The hybrid-migrate suite's entry point in dom0, run by the rig as
# RIG_EXTRA_DOM0's run.sh once per guest (GUEST, DOMID, RES set): prints
# TAP.
#   run.sh          the suite, its parts in a row
#   run.sh --parts  the parts the rig runs instead, each as a scenario of
#                   its own (an emulator failure in one costs a rerun of
#                   that one alone): irq, notify, and with HM_STRESS make
#                   rig-debug's stress (stress.sh)
#   run.sh PART     one of them
# RESUMES: the guest's resumes of this boot before the suite, from the
# rig's own scenarios; the suite's plain ones (the checkpoint) are added,
# and the count at the end is left in $RES/$GUEST-resumes for the rig.
. /rig/extra/dom0.sh
. /rig/extra/irq.sh
# the scenarios this guest runs (the rig's, less any its options rule out)
[ -z "${GUEST_SCENARIOS:-}" ] || SCENARIOS=$GUEST_SCENARIOS

# Live migrations only where the rig runs its migrate scenario: three in
# a row on every guest (RIG_MIGRATIONS), which keeps make check inside
# CI's 90 minutes when a migration's emulator crash costs a guest boot
# and a rerun; there were ten on a 6.1 guest until a slower machine took
# 551-655 s for them.
want migrate || MIGRATIONS=0

part_irq() {
	scen_irq_traffic "$GUEST"
	scen_irq_affinity "$GUEST"
	! want saverestore || scen_irq_checkpoint "$GUEST"
}

part_notify() {
	scen_notify "$GUEST"
	scen_irq_after "$GUEST"
}

# scen_notify's stream of pings ends with it, or with this script
trap '[ -z "$IRQ_STREAM" ] || { kill "$IRQ_STREAM"; kill -CONT "$IRQ_STREAM"; } 2>/dev/null
echo "${RESUMES:-0}" >"$RES/$GUEST-resumes"' EXIT

case ${1:-} in
"")
	part_irq
	part_notify ;;
--parts)
	echo irq
	echo notify
	if [ "${HM_STRESS:-0}" = 1 ]; then
		. /rig/extra/stress.sh
		stress_parts
	fi ;;
irq) part_irq ;;
notify) part_notify ;;
*)
	[ "${HM_STRESS:-0}" = 1 ] || exit 0
	. /rig/extra/stress.sh
	stress_part "$GUEST" "$1"
	exit 0 ;;
esac
