# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The rig's judgement of a lost Xen machine (sourced by rig.sh, and by
# tests/machine.sh offline): what ended it, where a hung one's vCPUs
# were, and whether it is booted again.

# machine_deaths SERIAL: the console's lines where Xen or dom0 reported
# its own death, or the host a hang; not the TAP lines, which may quote a
# guest's console
machine_deaths() {
	tr -d '\r' <"$1" | grep -v 'RIGTAP ' |
		grep -E 'rig: hung:|Panic on CPU|Hardware Dom0 (crashed|shutdown)|Kernel panic|Fatal|FATAL' || true
}

# What ended a Xen machine that never reported: Xen's own words if it
# said any, else the emulator (QEMU leaves a triple-faulted machine
# silently under -no-reboot).
machine_reset_reason() {
	local l
	l=$(machine_deaths "$1" | head -n 1)
	echo "${l:-no panic on the console: emulator}" | cut -c1-120
}

# machine_panicked SERIAL: Xen or dom0 reported its own death
machine_panicked() {
	machine_deaths "$1" | grep -qv 'rig: hung:'
}

# vcpu_sites: QEMU's "info registers -a" on stdin, one line per vCPU:
# "CPU#N RIP=... CPL=N HLT=N SITE".  Xen's text is at ffff82d0...; a
# 64-bit PV dom0 kernel runs in ring 3 at kernel addresses; ring 0 at
# kernel addresses outside Xen is an HVM guest's kernel, its modules
# (hybrid's among them) from ffffffffc0000000.
vcpu_sites() {
	awk '
		/^CPU#/ { cpu = $1 }
		/^[ER]IP=/ {
			rip = tolower(substr($1, 5)); cpl = hlt = "?"
			for (i = 2; i <= NF; i++) {
				if ($i ~ /^CPL=/) cpl = substr($i, 5)
				if ($i ~ /^HLT=/) hlt = substr($i, 5)
			}
			if (rip ~ /^ffff82d0/) site = "in Xen"
			else if (rip >= "ffff800000000000" && cpl == "3") site = "in the PV dom0 kernel"
			else if (rip >= "ffffffffc0000000") site = "in an HVM guest kernel'"'"'s module space"
			else if (rip >= "ffff800000000000") site = "in an HVM guest'"'"'s kernel"
			else site = "at a low address (user space or firmware)"
			print cpu, "RIP=" rip, "CPL=" cpl, "HLT=" hlt, site
		}'
}

# lapic_state: QEMU's "info lapic N" on stdin, one line: the vCPU's
# in-service and requested vectors and its priorities, which say whether
# an interrupt sent to a halted vCPU is waiting in its APIC or never came.
lapic_state() {
	awk '
		/^ISR/ { $1 = ""; isr = substr($0, 2) }
		/^IRR/ { $1 = ""; irr = substr($0, 2) }
		/^APR/ { for (i = 1; i < NF; i += 2) if ($i == "TPR" || $i == "PPR") pr = pr " " $i "=" $(i + 1) }
		END { printf "ISR %s; IRR %s;%s\n", isr == "" ? "?" : isr, irr == "" ? "?" : irr, pr }'
}

# vcpu_ticks QEMUPID: "TID TICKS" for each thread of QEMU's (utime+stime)
vcpu_ticks() {
	local t
	for t in /proc/"$1"/task/*; do
		awk -v t="${t##*/}" '{ sub(/^.*\) /, ""); print t, $12 + $13 }' "$t/stat" 2>/dev/null
	done
}

# hang_evidence MON QPID OUT: where a hung machine's vCPUs are: QEMU's
# state, then each vCPU's site sampled three times 5 s apart, the CPU
# time each vCPU thread used over those 10 s (a vCPU that neither halts
# nor uses time is stuck in the emulator itself), and each vCPU's local
# APIC after them.  The full register and APIC dumps go to OUT.  Prints
# the summary lines.
hang_evidence() {
	local mon=$1 qpid=$2 out=$3 qemu i t0 t1 hz cpu tid a b
	qemu=$(pgrep -P "$qpid" | head -n 1)
	qemu=${qemu:-$qpid}
	hz=$(getconf CLK_TCK)
	if ! "$OUT/tools/hmp" "$mon" "info status" "info cpus" >"$out" 2>&1; then
		echo "no answer from QEMU's monitor"
		return
	fi
	sed -n 's/^VM status: /QEMU: /p' "$out"
	t0=$(vcpu_ticks "$qemu")
	for i in 1 2 3; do
		[ "$i" = 1 ] || sleep 5	# the sampling interval
		"$OUT/tools/hmp" "$mon" "info registers -a" >"$out.$i" 2>&1 || break
		echo "sample $i: $(vcpu_sites <"$out.$i" | paste -sd ';')"
		cat "$out.$i" >>"$out"
		rm -f "$out.$i"
	done
	t1=$(vcpu_ticks "$qemu")
	sed -n 's/^[* ]*CPU #\([0-9]*\): thread_id=\([0-9]*\).*/\1 \2/p' "$out" |
		while read -r cpu tid; do
			a=$(echo "$t0" | awk -v t="$tid" '$1 == t { print $2 }')
			b=$(echo "$t1" | awk -v t="$tid" '$1 == t { print $2 }')
			echo "vCPU $cpu's thread used $(( (${b:-0} - ${a:-0}) * 1000 / hz )) ms of CPU in those 10 s"
			# its APIC ID is its index on the rig's machine
			"$OUT/tools/hmp" "$mon" "info lapic $cpu" >"$out.l" 2>&1 &&
				echo "vCPU $cpu's local APIC: $(lapic_state <"$out.l")"
			cat "$out.l" >>"$out"
			rm -f "$out.l"
		done
}

# hang_in_modules SERIAL: the first sample that found a vCPU in an HVM
# guest's module space, where hybrid's code runs; nothing if none did
hang_in_modules() {
	grep -m1 'module space' "$1" | cut -c1-160
}

# machine_again SERIAL RC TRY: whether a machine attempt that ended
# without dom0's report is booted again (true) or not, and MACHINE_WHY.
# Only a reset (QEMU exits 0 under -no-reboot) or a hang (125) is, while
# RIG_MACHINE_TRIES allows.  Before dom0 created a guest, no code of
# hybrid's had run on the machine: whatever ended it.  After, only with
# the emulator's evidence: no panic of Xen's or dom0's on the console
# (QEMU ends a triple-faulted machine silently), and for a hang no vCPU
# in an HVM guest's module space.
machine_again() {
	local serial=$1 rc=$2 try=$3 l
	MACHINE_WHY=$(machine_reset_reason "$serial")
	if [ "$rc" != 0 ] && [ "$rc" != 125 ]; then
		MACHINE_WHY="QEMU status $rc: not a reset or a hang"
		return 1
	fi
	if [ "$try" -ge "$RIG_MACHINE_TRIES" ]; then
		MACHINE_WHY="$MACHINE_WHY; attempt $try of at most $RIG_MACHINE_TRIES"
		return 1
	fi
	tr -d '\r' <"$serial" | grep -q 'RIGTAP # === guest ' || return 0
	if machine_panicked "$serial"; then
		MACHINE_WHY="$MACHINE_WHY: Xen or dom0 panicked after a guest ran, not the emulator's"
		return 1
	fi
	if [ "$rc" = 125 ]; then
		l=$(hang_in_modules "$serial")
		if [ -n "$l" ]; then
			MACHINE_WHY="hung with a vCPU in an HVM guest's module space, where hybrid runs: $l"
			return 1
		fi
	fi
	return 0
}
