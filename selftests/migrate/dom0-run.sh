#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The hybrid-migrate suite's entry point in dom0, run by the rig as
# RIG_EXTRA_DOM0's run.sh once per guest (GUEST, DOMID, RES set): prints
# TAP.
. /rig/config
. /rig/tap.sh
. /rig/scenarios.sh
_tap_out() { echo "$*"; }
TAP_PREFIX=
. /rig/extra/dom0.sh

# Ten migrations in a row on the first guest of a profile; three on others.
case $GUEST in
*pirq*) MIGRATIONS=3 ;;
esac
scen_notify "$GUEST"
