#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`, dom0 side: one announced live migration of the guest, told
# in a few lines ("# DEMO ...") from what dom0 and the guest's application
# (hm_agent) saw.
. /rig/extra/dom0.sh

say() { echo "# DEMO $*"; }

d=$(xl domid "$GUEST")
p=/local/domain/$d/data/rig/sysfs
say "Xen $(xl info | sed -n 's/^xen_version *: *//p'), HVM guest '$GUEST' is domain $d"
say "guest /sys/hypervisor/hybrid: mode $(xenstore-read $p/mode), domid $(xenstore-read $p/domid), xen_version $(xenstore-read $p/xen_version), callback $(xenstore-read $p/callback), hvm_pirqs $(xenstore-read $p/hvm_pirqs)"
hm_log "$GUEST" || { not_ok "demo: the guest's application answers"; exit 1; }

say "dom0: xl-migrate-notify -t 30 $GUEST 'xl migrate-receive' -s ''"
if ! timeout 300 $NOTIFY -t 30 "$GUEST" "xl migrate-receive" -s "" 2>"$RES/demo.err"; then
	not_ok "demo: announced live migration"
	diag "$(cat "$RES/demo.err")"
	exit 1
fi
sed -n 's/^xl-migrate-notify: guest: /dom0: guest answered: /p' "$RES/demo.err" |
	while IFS= read -r l; do say "$l"; done
hm_log "$GUEST"
printf '%s' "$HMLOG" | tr '|' '\n' | while IFS= read -r l; do
	set -- $l
	case "$1 $3" in
	"HMEV type=PREPARE") say "app in guest: PREPARE  $2, $6 ($7, $8): acknowledging" ;;
	"HMACK "*) say "app in guest: ack of $2 taken ($3)" ;;
	"HMEV type=COMPLETE")
		say "app in guest: COMPLETE $2, $6, $4: $9 $7 ${10}"
		say "app in guest: woke ${12#latency_us=} us after the kernel resumed"
		;;
	esac
done
is "$(hm_count 'type=COMPLETE .*cflags=0x1 ')" 1 "demo: the application saw the announced migration complete"
