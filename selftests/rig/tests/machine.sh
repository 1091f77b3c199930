#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Offline tests of the rig's judgement of a lost Xen machine (machine.sh):
# where a hung machine's vCPUs were, and which lost machine is booted
# again.  The serial logs are made-up files.  Prints RIGTAP lines
# (common/tap.sh).
#
#   machine.sh RIGDIR    (RIGDIR: selftests/rig)
set -u
rig=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=../common/tap.sh
. "$rig/common/tap.sh"
# shellcheck source=../machine.sh
. "$rig/machine.sh"
# shellcheck disable=SC2034 # read by machine_again
RIG_MACHINE_TRIES=2

# QEMU 7.2's "info registers -a", the lines vcpu_sites reads
regs() {
	local n=0 r
	for r in "$@"; do
		printf 'CPU#%s\nRAX=0000000000000000 RBX=0000000000000000\n' "$n"
		printf 'RIP=%s RFL=00000246 [---Z-P-] CPL=%s II=0 A20=1 SMM=0 HLT=%s\n' \
			"${r%%/*}" "$(echo "$r" | cut -d/ -f2)" "${r##*/}"
		n=$((n + 1))
	done
}

is "$(regs ffff82d040234567/0/1 | vcpu_sites | paste -sd ';')" \
	"CPU#0 RIP=ffff82d040234567 CPL=0 HLT=1 in Xen" "vcpu_sites: Xen's text"
is "$(regs ffffffff81e01234/3/0 | vcpu_sites)" \
	"CPU#0 RIP=ffffffff81e01234 CPL=3 HLT=0 in the PV dom0 kernel" \
	"vcpu_sites: kernel addresses in ring 3 are the PV dom0's kernel"
is "$(regs ffffffffc0a01234/3/0 | vcpu_sites)" \
	"CPU#0 RIP=ffffffffc0a01234 CPL=3 HLT=0 in the PV dom0 kernel" \
	"vcpu_sites: and so are dom0's modules"
is "$(regs ffffffff81e01234/0/0 | vcpu_sites)" \
	"CPU#0 RIP=ffffffff81e01234 CPL=0 HLT=0 in an HVM guest's kernel" \
	"vcpu_sites: kernel addresses in ring 0 outside Xen are an HVM guest's"
is "$(regs ffffffffc0a01234/0/0 | vcpu_sites)" \
	"CPU#0 RIP=ffffffffc0a01234 CPL=0 HLT=0 in an HVM guest kernel's module space" \
	"vcpu_sites: its module space"
is "$(regs 00007f0012345678/3/0 | vcpu_sites)" \
	"CPU#0 RIP=00007f0012345678 CPL=3 HLT=0 at a low address (user space or firmware)" \
	"vcpu_sites: user space"
is "$(printf 'CPU#1\nEIP=000fd09a EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=1\n' | vcpu_sites)" \
	"CPU#1 RIP=000fd09a CPL=0 HLT=1 at a low address (user space or firmware)" \
	"vcpu_sites: a 32-bit vCPU's EIP"

# again SERIAL-LINES... -- RC TRY: "yes" or "no: MACHINE_WHY"
again() {
	local rc try
	: >"$tmp/serial"
	while [ "$1" != -- ]; do
		printf '%s\r\n' "$1" >>"$tmp/serial"
		shift
	done
	rc=$2 try=$3
	if machine_again "$tmp/serial" "$rc" "$try"; then echo yes; else echo "no: $MACHINE_WHY"; fi
}
guest='RIGTAP # === guest g613: kernel 6.12.117+deb13-amd64, hvm_pirq default, 1 vCPU(s), mod ==='
hung='rig: hung: the console was silent for 420s (RIG_MACHINE_QUIET); stopped'

is "$(again '(XEN) Xen version 4.20' -- 0 1)" yes "machine_again: a silent reset before any guest"
like "$(again '(XEN) Xen version 4.20' -- 0 2)" "no: .*attempt 2 of at most 2" \
	"machine_again: not when the attempts are spent"
like "$(again '(XEN) Xen version 4.20' -- 124 1)" "no: QEMU status 124.*" \
	"machine_again: not a machine over its time limit"
is "$(again '(XEN) Panic on CPU 1:' -- 0 1)" yes \
	"machine_again: a panic before any guest ran is no code of hybrid's"
is "$(again "$guest" 'RIGTAP ok - g613: guest booted' -- 0 1)" yes \
	"machine_again: a silent reset after a guest ran is the emulator's"
like "$(again "$guest" '(XEN) Panic on CPU 0:' -- 0 1)" "no: .*Panic on CPU 0.*panicked after a guest ran.*" \
	"machine_again: a Xen panic after a guest ran is not"
like "$(again "$guest" '[ 1234.5] Kernel panic - not syncing: Fatal exception' -- 0 1)" \
	"no: .*Kernel panic.*" "machine_again: nor a dom0 panic"
is "$(again "$guest" "$hung" 'rig: hung: QEMU: running' \
	"rig: hung: sample 1: $(regs ffff82d040234567/0/1 ffffffff81e01234/3/0 | vcpu_sites | paste -sd ';')" -- 125 1)" yes \
	"machine_again: a hang with the vCPUs in Xen and dom0 is the emulator's"
is "$(again "$guest" "$hung" 'rig: hung: no answer from QEMU'"'"'s monitor' -- 125 1)" yes \
	"machine_again: so is one whose QEMU no longer answers its monitor"
like "$(again "$guest" "$hung" \
	"rig: hung: sample 2: $(regs ffff82d040234567/0/1 ffffffffc0a01234/0/0 | vcpu_sites | paste -sd ';')" -- 125 1)" \
	"no: hung with a vCPU in an HVM guest's module space.*CPU#1 RIP=ffffffffc0a01234.*" \
	"machine_again: a hang with a vCPU in a guest's module space is not"
is "$(again "$guest" 'RIGTAP # g613: [  40.2] Kernel panic - not syncing: Fatal exception' -- 0 1)" yes \
	"machine_again: a guest's panic quoted in the TAP is not dom0's"

# QEMU 7.2's "info lapic N", the lines lapic_state reads
lapic() {
	printf 'dumping local APIC state for CPU %s \n\n' "$1"
	printf 'LVT0\t 0x00010700 active-hi edge  masked                      ExtINT (vec 0)\n'
	printf 'ICR\t 0x000000fd physical edge de-assert no-shorthand\n'
	printf 'ISR\t %s\nIRR\t %s\n\n' "$2" "$3"
	printf 'APR 0x00 TPR 0x00 DFR 0x0f LDR 0x00 PPR 0x%s\n' "$4"
}
is "$(lapic 0 '(none)' '(none)' 00 | lapic_state)" \
	"ISR (none); IRR (none); TPR=0x00 PPR=0x00" "lapic_state: an idle APIC"
is "$(lapic 0 '49e' '243e 253e' 30 | lapic_state)" \
	"ISR 49e; IRR 243e 253e; TPR=0x00 PPR=0x30" \
	"lapic_state: vectors waiting behind one in service"
is "$(echo 'Error: no such APIC' | lapic_state)" "ISR ?; IRR ?;" \
	"lapic_state: an answer without an APIC's state"
