#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Offline tests of the rig's crash classification (dom0/scenarios.sh):
# which guest triple faults count as the emulator's, and which as
# hybrid's; and which NIC after a checkpoint counts as a stock driver's
# known failure (nic_deaf).  A stub xl prints a made-up Xen log; the guests' console logs
# are files in a temporary directory.  Prints RIGTAP lines (common/tap.sh).
#
#   crash-site.sh RIGDIR    (RIGDIR: selftests/rig)
set -u
rig=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/console"
# "xl dmesg" prints $tmp/dmesg; anything else fails (no such domain)
cat >"$tmp/bin/xl" <<EOF
#!/bin/sh
[ "\$1" = dmesg ] && exec cat "$tmp/dmesg"
exit 1
EOF
chmod +x "$tmp/bin/xl"
PATH=$tmp/bin:$PATH
XEN_CONSOLES=$tmp/console
. "$rig/common/tap.sh"
. "$rig/dom0/scenarios.sh"

# dump RIP [CS]: Xen's log of a guest triple fault and its register dump
dump() {
	cat <<EOF
(XEN) [  480.843234] d1v0 Triple fault - invoking HVM shutdown action 1
(XEN) [  480.844480] *** Dumping Dom1 vcpu#0 state: ***
(XEN) [  480.845903] CPU:    0
(XEN) [  480.846384] RIP:    ${2:-0010}:[<$1>]
(XEN) [  480.848389] rax: ffffc900007c0000   rbx: ffff88800c1c8b80   rcx: 000000000000080b
EOF
}

# the guest's console, with carriage returns as xenconsoled keeps them
printf '%s\r\n' "[    3.1] e1000e: Intel(R) PRO/1000 Network Driver" \
	"[   12.3] rig: hybrid modules: hybrid ffffffffc0250000-ffffffffc0258000" \
	"[   40.0] rig: hybrid modules: hybrid ffffffffc0250000-ffffffffc0258000 hybrid_irq ffffffffc0260000-ffffffffc026b000" \
	>"$XEN_CONSOLES/guest-g.log"
printf '%s\r\n' "[   99.0] rig: hybrid modules: hybrid_migrate ffffffffc0300000-ffffffffc0310000" \
	>"$XEN_CONSOLES/guest-g--incoming.log"
printf '%s\r\n' "[    3.1] booted" >"$XEN_CONSOLES/guest-plain.log"

{ dump ffffffff81000000; dump ffffffffc026a4a8; } >"$tmp/dmesg"
is "$(tf_rip)" ffffffffc026a4a8 "tf_rip: the RIP of the last triple fault's dump"
: >"$tmp/dmesg"
is "$(tf_rip)" "" "tf_rip: nothing without a triple fault"

is "$(hybrid_at ffffffffc026a4a8 g)" hybrid_irq "hybrid_at: a RIP inside a module's range"
is "$(hybrid_at ffffffffc0250000 g)" hybrid "hybrid_at: a module's first byte"
is "$(hybrid_at ffffffffc026b000 g)" "" "hybrid_at: the byte after a module is not in it"
is "$(hybrid_at ffffffffc0258000 g)" "" "hybrid_at: nor a gap between modules"
is "$(hybrid_at ffffffffc0308000 g)" hybrid_migrate "hybrid_at: a range logged after a live migration (NAME--incoming)"
is "$(hybrid_at ffffffff819c0648 g)" "" "hybrid_at: the kernel's text is not hybrid's"
is "$(hybrid_at "" g)" "" "hybrid_at: no RIP, no module"
is "$(hybrid_at ffffffffc026a4a8 plain)" "" "hybrid_at: no module logged, no module"

# emu_failure NAME: 0 (the emulator's) or 1, and EMU_WHY
emu() {
	TF_BOOT=$1
	EMU_WHY=
	if emu_failure "$2" >/dev/null; then echo "0 $EMU_WHY"; else echo 1; fi
}

dump ffffffffc026a4a8 >"$tmp/dmesg"
is "$(emu 0 g)" 1 "emu_failure: a triple fault in hybrid-irq's code is not the emulator's"
is "$(emu 0 plain | cut -c1-2)" "0 " "emu_failure: the same RIP where no module of hybrid's was logged is"
dump ffffffff819c0648 >"$tmp/dmesg"
like "$(emu 0 g)" "0 .*Triple fault.* \\(RIP ffffffff819c0648, in none of hybrid's modules\\)" \
	"emu_failure: a triple fault in the kernel's text is the emulator's, and says where"
dump ffff82d0402044a5 e008 >"$tmp/dmesg"
like "$(emu 0 g)" "0 .*\\(RIP ffff82d0402044a5, in none of hybrid's modules\\)" \
	"emu_failure: so is one with Xen's own state in the dump"
is "$(emu 1 g)" 1 "emu_failure: a triple fault from before this boot is not this boot's"

# verdict JUDGE PINGS NET_DELTA: "yes" if JUDGE (nic_deaf,
# replies_lost_outside) says so of pings_traced's PINGS and NET_DELTA
verdict() {
	PINGS=$2 NET_DELTA=$3
	"$1" && echo yes || echo no
}

# nic_deaf: after a checkpoint
# run 27's control at its 5th checkpoint
d5='echo_in +0 echo_out +0 icmp_err +0 ip_discard +0 ip_in +0 ip_in_err +0 softnet +0 rx +31 rx_drop +0 rx_missed +0 tx +0 irq:eth0-rx-0 +38 irq:eth0-tx-0 +0 irq:eth0 +0'
is "$(verdict nic_deaf "50 0" "$d5")" yes "nic_deaf: frames counted, their interrupts raised, nothing to the stack"
is "$(verdict nic_deaf "50 2" "$d5")" no "nic_deaf: not where any echo request was answered"
is "$(verdict nic_deaf "50 0" "$(echo "$d5" | sed 's/eth0-rx-0 +38/eth0-rx-0 +15/')")" no \
	"nic_deaf: not where fewer than half of the frames raised an interrupt"
is "$(verdict nic_deaf "50 0" "$(echo "$d5" | sed 's/softnet +0/softnet +4/')")" no \
	"nic_deaf: not where the driver handed the stack packets"
is "$(verdict nic_deaf "50 0" "$(echo "$d5" | sed 's/rx +31/rx +6/')")" no \
	"nic_deaf: not where the NIC counted fewer than 10 frames"
is "$(verdict nic_deaf "50 0" "not read (after: '')")" no "nic_deaf: not where the counters were not read"

# boot_emu NAME TF: a boot try lost to the emulator (0) or not (1)
booted() {
	if boot_emu "$1" "$2" >/dev/null; then echo "0 $EMU_WHY"; else echo "1 $EMU_WHY"; fi
}
dump ffffffffc026a4a8 >"$tmp/dmesg"
like "$(booted g 0)" "1 .*RIP ffffffffc026a4a8 lies in hybrid's module hybrid_irq" \
	"boot_emu: a boot try that triple-faulted in hybrid-irq's code is not the emulator's"
dump ffffffff819c0648 >"$tmp/dmesg"
like "$(booted g 0)" "0 .*Triple fault.* \\(RIP ffffffff819c0648, in none of hybrid's modules\\)" \
	"boot_emu: one that triple-faulted in the kernel's text is"
: >"$tmp/dmesg"
like "$(booted plain 0)" "0 no triple fault and no kernel error.*" \
	"boot_emu: so is one gone without a triple fault or a kernel error"
printf '%s\r\n' "[    3.1] booted" "RIGTAP ok - xen: no WARNING/BUG/Oops in dmesg after 20 rounds" \
	>"$XEN_CONSOLES/guest-tap.log"
like "$(booted tap 0)" "0 .*" "boot_emu: the guest's own TAP lines are not kernel errors"
printf '%s\r\n' "[    3.1] booted" "[   40.2] BUG: kernel NULL pointer dereference, address: 0000000000000008" \
	"[   40.2] RIP: 0010:hirq_adopt+0x42/0x1f0 [hybrid_irq]" "[   40.2] EFLAGS: 00010246" \
	>"$XEN_CONSOLES/guest-oops.log"
like "$(booted oops 0)" "1 the guest's kernel reported an error as it booted" \
	"boot_emu: a kernel error on the console as it booted is not the emulator's"
printf '%s\r\n' "[    3.1] booted" "[   40.2] general protection fault: 0000 [#1] SMP" \
	"[   40.2] EFLAGS: 830c8426" >"$XEN_CONSOLES/guest-eflags.log"
like "$(booted eflags 0)" "0 .*EFLAGS 830c8426.*" \
	"boot_emu: one with EFLAGS no CPU can push is the emulator's"

# guest_tap: the guest's own TAP, and a boot lost to the emulator in it
# (reboot_guest stubbed: the next boot's console passes)
reboot_guest() {
	printf '%s\r\n' "RIGTAP ok - extra: migrate: device: global.overflow_reports_lost" \
		>"$XEN_CONSOLES/guest-$1.log"
	BOOTED=yes TRIES=1 BOOT_SECS=5
}
# gtap NAME RECOVERED: guest_tap's TAP file, its status last
gtap() {
	(
		TAP_FILE=$tmp/gtap.tap RECOVERED=$2 RECOVER=8 RECOVER_SECS=0 RES=$tmp
		: >"$TAP_FILE"
		guest_tap "$1" >/dev/null
		echo "status $?"
		cat "$TAP_FILE"
	) | tr '\n' '|'
}
emu_oops() {
	printf '%s\r\n' "RIGTAP not ok - extra: migrate: device: global.overflow_reports_lost" \
		"[   68.8] BUG: kernel NULL pointer dereference, address: 0000000000000000" \
		"[   68.8] RIP: 0010:0x0" "[   68.8] RSP: 0018:ffffd2b8413cfbf0 EFLAGS: $1"
}
emu_oops 4148f342 >"$XEN_CONSOLES/guest-gt.log"
like "$(gtap gt 0)" "status 0\|# \(lost to the emulator\) not ok - gt: guest: extra: .*\|# emulator failure in the guest's own tests: .*EFLAGS 4148f342.*\|ok - the guest boots again after an emulator failure .*\|ok - gt: guest: extra: migrate: device: global.overflow_reports_lost\|.*" \
	"guest_tap: a failed guest test beside a report with impossible EFLAGS is the emulator's: booted again, taken from that boot"
emu_oops 00010246 >"$XEN_CONSOLES/guest-gt.log"
is "$(gtap gt 0)" "status 0|not ok - gt: guest: extra: migrate: device: global.overflow_reports_lost|" \
	"guest_tap: beside a report with possible EFLAGS it fails"
emu_oops 4148f342 >"$XEN_CONSOLES/guest-gt.log"
like "$(gtap gt 8)" "status 0\|not ok - gt: guest: extra: .*\|# emulator failure in the guest's own tests .*no recovery left.*" \
	"guest_tap: and it fails with no recovery left"
printf '%s\r\n' "RIGTAP ok - extra: migrate: loads" "[ 9.1] RSP: 0018:ffffd2b8413cfbf0 EFLAGS: 4148f342" \
	>"$XEN_CONSOLES/guest-gt.log"
is "$(gtap gt 0)" "status 0|ok - gt: guest: extra: migrate: loads|" \
	"guest_tap: nothing failed, nothing recovered"
reboot_guest() { BOOTED=no TRIES=3; }
emu_oops 4148f342 >"$XEN_CONSOLES/guest-gt.log"
like "$(gtap gt 0)" "status 1\|.*not ok - the guest boots again after an emulator failure \(tries: 3\)\|" \
	"guest_tap: false where the guest does not boot again"

# replies_lost_outside: run 34's g613pirq after its checkpoint
r34='echo_in +50 echo_out +50 icmp_err +0 ip_discard +0 ip_in +50 ip_in_err +0 softnet +51 rx +51 rx_drop +0 rx_missed +0 tx +51 irq:eth0-rx-0 +71 irq:eth0-tx-0 +69 irq:eth0 +0'
is "$(verdict replies_lost_outside "50 49" "$r34")" yes "replies_lost_outside: every request taken in and answered, the replies sent"
is "$(verdict replies_lost_outside "50 50" "$r34")" no "replies_lost_outside: not where every reply came"
is "$(verdict replies_lost_outside "50 49" "$(echo "$r34" | sed 's/echo_in +50/echo_in +49/')")" no \
	"replies_lost_outside: not where the guest missed a request"
is "$(verdict replies_lost_outside "50 49" "$(echo "$r34" | sed 's/echo_out +50/echo_out +49/')")" no \
	"replies_lost_outside: not where it left one unanswered"
is "$(verdict replies_lost_outside "50 49" "$(echo "$r34" | sed 's/tx +51/tx +49/')")" no \
	"replies_lost_outside: not where its NIC sent fewer frames"
is "$(verdict replies_lost_outside "50 49" "not read (before: '')")" no "replies_lost_outside: not where the counters were not read"
is "$(verdict replies_lost_outside "" "$r34")" no "replies_lost_outside: not without ping's summary"
