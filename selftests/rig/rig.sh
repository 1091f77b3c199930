#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Xen test rig: boots the real Debian Xen hypervisor under QEMU TCG
# with a PV dom0 and HVM guests, and tests hybrid.ko in them.
#
#   rig.sh [--profile native|xen417|xen420]... [--scenario NAME]...
#          [--out DIR] [--prepare-only]
#
# Without --profile every profile runs (native, xen417, xen420), one after
# the other.  Scenarios (default: all but soak, ckptsoak and irqbench,
# which run only when named): guest sysfs net saverestore migrate extra
# soak ckptsoak irqbench; the in-guest tests ("guest") always run since the others need
# a booted guest with the module loaded.
#
# Results: DIR/<profile>/results.tap, serial.log beside it, artifacts/
# (DIR defaults to <repo>/build/rig).  Exit status 0 iff every profile's
# TAP has no "not ok".
#
# Environment:
#   HYBRID_CACHE       download cache (default /var/cache/hybrid)
#   RIG_GUESTS         guest list for the Xen profiles, words of
#                      NAME:KERNEL:HVM_PIRQ[:OPTS] (HVM_PIRQ: default, 0
#                      or 1; OPTS, comma-separated: nomod, the guest
#                      never loads hybrid, for telling the module's
#                      effects from the rig's; smp2, 2 vCPUs; novcb,
#                      booted with xen_no_vector_callback: Linux leaves
#                      its MSIs on the LAPIC though Xen offers pirqs;
#                      vir, viridian with the APIC assist in xl.cfg;
#                      debug, the debug kernel's verdict at the end,
#                      for KERNEL $RIG_DEBUG_KVER: make rig-debug;
#                      spin, a process waking every millisecond after
#                      the guest's tests, to load a control as a guest
#                      with hybrid is)
#   RIG_FULL_MATRIX=1  every guest kernel on every Xen profile
#   RIG_EXTRA_GUEST    directory copied into the guest; its run.sh runs
#                      after the built-in guest tests, TAP merged
#   RIG_EXTRA_DOM0     directory copied into dom0; its run.sh runs once
#                      per guest (env GUEST, DOMID), TAP merged
#   RIG_BOOT_TRIES     guest boot attempts before giving up (default 3)
#   RIG_RECOVER        scenarios run again on a rebooted guest after an
#                      emulator failure, at most, per profile (default 8)
#   RIG_MACHINE_TRIES  boots of the whole emulated machine when it resets
#                      or hangs before dom0 reported (default 3): any
#                      loss before the first guest, a later one only
#                      with the emulator's evidence (machine.sh); the
#                      next boot goes on with the guests the lost one
#                      did not finish
#   RIG_MACHINE_QUIET  seconds without a console line after which a Xen
#                      machine counts as hung: QEMU's monitor is asked
#                      where its vCPUs are, and it is stopped (default
#                      180; dom0 prints a heartbeat every minute)
#   HYBRID_CHECK_DEADLINE  epoch seconds by which the rig must be done
#                      (make check's CI sets it): a machine is stopped
#                      two minutes before it, and a profile with less
#                      than five minutes left is not started (a failure)
#   RIG_TEST_MACHINE_RESET=N  dom0 resets the machine on machine attempt
#                      N once the toolstack is up (tests the retry above)
#   RIG_TEST_MACHINE_HANG=NAME  on its first attempt, the machine goes
#                      silent before guest NAME (tests the hang's
#                      evidence and a late machine retry; with a
#                      RIG_MACHINE_QUIET of 90 or more, above the
#                      heartbeat's 60)
#   RIG_TEST_EMU_OOPS=NAME  dom0 pauses guest NAME before its net scenario
#                      and puts an oops line with reserved EFLAGS bits in
#                      its console log (tests the emulator-failure
#                      recovery)
#   RIG_TEST_EMU_TF=NAME  30 s into guest NAME's extra suite dom0 pauses
#                      it and logs a made-up triple fault for it (tests
#                      that the suite is stopped at once and recovered)
#   RIG_VCPUS          guest vCPUs where OPTS does not say (default 1)
#   RIG_SOAK=N         live migrations in a row in the soak scenario,
#                      checkpoints in the ckptsoak one (default 10; both
#                      run only when named)
#   RIG_MIGRATIONS=N   announced live migrations in a row in the migrate
#                      suite, on every guest (default 3)
#   RIG_STREAM=1       the migrate suite's announced live migrations run
#                      under a stream of pings from dom0 (default 0: a
#                      suspend under traffic can leave the emulated NIC
#                      receiving no more, with or without hybrid)
#   RIG_HM_STRESS=1    the hybrid-migrate suite also runs its soak
#                      (RIG_HM_SOAK_MIGRATIONS announced live migrations,
#                      default 50, and RIG_HM_SOAK_SAVES saves, default
#                      10, in segments of at most RIG_HM_SOAK_SEGMENT,
#                      default 10, each a scenario of its own) and its
#                      fuzzer (RIG_HM_FUZZ_SECS, default 300) on every
#                      guest; make rig-debug sets it
#   RIG_XEN_CMDLINE    words appended to Xen's command line (for
#                      example asid=0), on every Xen profile
#   RIG_GUEST_CMDLINE  words appended to every guest's kernel command line
#   RIG_GUEST_XLCFG    lines appended to every guest's xl.cfg (';'-separated)
#   RIG_QEMU_ACCEL     QEMU -accel for the Xen profiles (tcg,thread=multi)
#   RIG_QEMU_CPU       QEMU -cpu for the Xen profiles
#   RIG_HOST_EMU       the emulator of every profile: qemu72 (Debian
#                      12's) or qemu10 (Debian 13's, prepared under the
#                      cache); default per profile, RIG_*_EMU in
#                      versions.env

set -eu
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
# shellcheck source=machine.sh
. "$RIG_DIR/machine.sh"

OUT=$TOP/build/rig
PROFILES=
SCENARIOS=
PREPARE_ONLY=no
while [ $# -gt 0 ]; do
	case $1 in
	--profile) PROFILES="$PROFILES $2"; shift 2 ;;
	--scenario) SCENARIOS="$SCENARIOS $2"; shift 2 ;;
	--out) OUT=$(mkdir -p "$2" && cd "$2" && pwd); shift 2 ;;
	--prepare-only) PREPARE_ONLY=yes; shift ;;
	-h | --help) sed -n '3,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) die "unknown argument $1 (try --help)" ;;
	esac
done
PROFILES=${PROFILES:-native xen417 xen420}
SCENARIOS_GIVEN=$SCENARIOS
SCENARIOS=${SCENARIOS:-guest sysfs net saverestore migrate soak ckptsoak extra irqbench}
for s in $SCENARIOS; do
	case $s in
	guest | sysfs | net | saverestore | migrate | soak | ckptsoak | extra | irqbench) ;;
	*) die "unknown scenario $s" ;;
	esac
done
for p in $PROFILES; do
	case $p in native | xen417 | xen420) ;; *) die "unknown profile $p" ;; esac
done
[ "$(id -u)" = 0 ] || die "the rig needs root (debootstrap, chroot, depmod)"
for c in qemu-system-x86_64 debootstrap cpio gzip timeout gcc make; do
	command -v "$c" >/dev/null || die "$c not found (make deps)"
done

RIG_BOOT_TRIES=${RIG_BOOT_TRIES:-3}
RIG_RECOVER=${RIG_RECOVER:-8}
RIG_MACHINE_TRIES=${RIG_MACHINE_TRIES:-3}
RIG_MACHINE_QUIET=${RIG_MACHINE_QUIET:-180}
RIG_VCPUS=${RIG_VCPUS:-1}
RIG_SOAK=${RIG_SOAK:-10}
RIG_HM_STRESS=${RIG_HM_STRESS:-0}
RIG_HM_SOAK_MIGRATIONS=${RIG_HM_SOAK_MIGRATIONS:-50}
RIG_HM_SOAK_SAVES=${RIG_HM_SOAK_SAVES:-10}
RIG_HM_FUZZ_SECS=${RIG_HM_FUZZ_SECS:-300}
RIG_HM_SOAK_SEGMENT=${RIG_HM_SOAK_SEGMENT:-10}
RIG_QEMU_ACCEL=${RIG_QEMU_ACCEL:-tcg,thread=multi}

# profile_emu PROFILE: the emulator the profile runs under
profile_emu() {
	if [ -n "${RIG_HOST_EMU:-}" ]; then
		echo "$RIG_HOST_EMU"
		return
	fi
	case $1 in
	xen417) echo "$RIG_XEN417_EMU" ;;
	xen420) echo "$RIG_XEN420_EMU" ;;
	*) echo "$RIG_NATIVE_EMU" ;;
	esac
}
QEMU_CPU=${RIG_QEMU_CPU:-qemu64,+svm,+npt,+aes,+popcnt,+sse4.1,+sse4.2,+ssse3}

# ---------------------------------------------------------------------------
# Guest lists

default_guests() {
	local k61=$DEB12_KABI-amd64 k61c=$DEB12_KABI-cloud-amd64
	local k612=$DEB12_612_KABI-amd64 k613=$DEB13_KABI-amd64
	if [ -n "${RIG_GUESTS:-}" ]; then
		echo "$RIG_GUESTS"
	elif [ "${RIG_FULL_MATRIX:-0}" = 1 ]; then
		case $1 in
		xen417) echo "g61:$k61:default g61nvcvir:$k61:default:novcb,vir g61cloud:$k61c:default g612:$k612:default g613:$k613:default" ;;
		xen420) echo "g613vir:$k613:default:vir g613pirq:$k613:1 g613:$k613:default g61:$k61:default g61cloud:$k61c:default g612:$k612:default" ;;
		esac
	else
		case $1 in
		xen417) echo "g61:$k61:default" ;;
		xen420) echo "g613:$k613:default g613pirq:$k613:1" ;;
		esac
	fi
}

# ---------------------------------------------------------------------------
# Host tools and the module

build_tools() {
	local d=$OUT/tools t
	mkdir -p "$d"
	for t in xsc modload xenexits udpsend pingwin spin hmp; do
		if [ ! -x "$d/$t" ] || [ "$RIG_DIR/tools/$t.c" -nt "$d/$t" ]; then
			gcc -static -O2 -Wall -Wextra -o "$d/$t" "$RIG_DIR/tools/$t.c" ||
				die "cannot build $t"
		fi
	done
}

# profile_scenarios PROFILE: the scenarios to run there.  The soak,
# ckptsoak and irqbench scenarios run only when named.
profile_scenarios() {
	if [ -n "$SCENARIOS_GIVEN" ]; then
		echo "$SCENARIOS"
	else
		echo "$SCENARIOS" | sed 's/ soak//; s/ ckptsoak//; s/ irqbench//'
	fi
}

# build_module KVER -> path of hybrid.ko (or fails).  Built in the pinned
# build roots (selftests/build/module.sh), like the build matrix, so no
# kernel headers are needed on the host.
build_module() {
	local kver=$1 b
	b=$OUT/modules/$kver
	rm -rf "$b"
	"$TOP/selftests/build/module.sh" "$kver" "$b" >&2 || return 1
	[ -f "$b/hybrid.ko" ] || return 1
	echo "$b/hybrid.ko"
}

# build_guest_initrd KVER KO OUTFILE
build_guest_initrd() {
	local kver=$1 ko=$2 outf=$3 kd s
	kd=$(prep_kernel "$kver")
	s=$(mktemp -d "$OUT/.guest.XXXXXX")
	mkdir -p "$s/bin" "$s/rig" "$s/proc" "$s/sys" "$s/dev" "$s/tmp"
	cp "$(prep_busybox)" "$s/bin/busybox"
	cp "$OUT/tools/xsc" "$OUT/tools/modload" "$OUT/tools/spin" "$s/rig/"
	cp "$RIG_DIR/guest/init" "$s/init"
	cp "$RIG_DIR/common/tap.sh" "$RIG_DIR/guest/tests.sh" "$s/rig/"
	cp "$ko" "$s/rig/hybrid.ko"
	copy_modules "$kd/root" "$kver" "$s" e1000e
	if [ -n "${RIG_EXTRA_GUEST:-}" ]; then
		[ -d "$RIG_EXTRA_GUEST" ] || die "RIG_EXTRA_GUEST=$RIG_EXTRA_GUEST is not a directory"
		cp -a "$RIG_EXTRA_GUEST" "$s/rig/extra"
	fi
	mk_cpio "$s" "$outf"
	rm -rf "$s"
}

# ---------------------------------------------------------------------------
# TAP assembly

# collect_tap LOG: the RIGTAP lines between BEGIN and END markers
collect_tap() {
	tr -d '\r' <"$1" | sed -n 's/^.*RIGTAP //p'
}

# finish_tap PARTS OUT: number the lines of PARTS, add the plan
finish_tap() {
	awk '
		/^(not )?ok / {
			n++
			sub(/^ok -? ?/, "ok " n " - ") || sub(/^not ok -? ?/, "not ok " n " - ")
		}
		{ line[NR] = $0 }
		END { print "1.." n; for (i = 1; i <= NR; i++) print line[i] }
	' "$1" >"$2"
}

# summarise RESULTS LABEL: the profile's counts, and the recoveries its
# dom0 reported (scenarios.sh) where it got that far
summarise() {
	local f=$1 p=$2 total nok todo rec lost
	total=$(grep -cE '^(not )?ok ' "$f" || true)
	todo=$(grep -E '^(not )?ok .*# TODO' "$f" | grep -c . || true)
	nok=$(grep -E '^not ok ' "$f" | grep -cv '# TODO' || true)
	rec=$(sed -n 's/^# [a-z0-9]*: \([0-9]* emulator failure(s) recovered .*\)/\1/p' "$f" | tail -n 1)
	lost=$(grep -c '^# [a-z0-9]*: machine attempt [0-9]* lost after [0-9]*s (' "$f" || true)
	[ "$lost" = 0 ] || rec="${rec:+$rec; }$lost lost machine(s) booted again"
	echo "# $p: $(( total - nok - todo )) passed, $nok failed, $todo todo, $total tests${rec:+; $rec}"
}

# ---------------------------------------------------------------------------
# Profile: native (plain QEMU, no Xen)

run_native() {
	local d=$OUT/native kver=$DEB12_KABI-amd64 ko kd parts t0 rc
	rm -rf "$d"
	mkdir -p "$d"
	parts=$d/parts.tap
	: >"$parts"
	if ! ko=$(build_module "$kver"); then
		echo "not ok - native: hybrid.ko builds against $kver" >>"$parts"
		finish_tap "$parts" "$d/results.tap"
		return
	fi
	echo "ok - native: hybrid.ko builds against $kver" >>"$parts"
	kd=$(prep_kernel "$kver")
	build_guest_initrd "$kver" "$ko" "$d/guest.cpio.gz"
	[ "$PREPARE_ONLY" = yes ] && return
	log "native: booting $kver under plain QEMU"
	t0=$(date +%s)
	rc=0
	run_bounded 400 "$d/serial.log" "$HOST_QEMU" -machine q35 -cpu qemu64 \
		-smp 1 -m 1024 -accel tcg -nographic -no-reboot -nic none \
		-kernel "$kd/root/boot/vmlinuz-$kver" -initrd "$d/guest.cpio.gz" \
		-append "console=ttyS0 panic=-1" || rc=$?
	log "native: QEMU ended with status $rc after $(( $(date +%s) - t0 )) s"
	if [ "$rc" = 0 ]; then
		echo "ok - native: guest ran and powered off (QEMU status 0, $(( $(date +%s) - t0 )) s)" >>"$parts"
	else
		echo "not ok - native: guest ran and powered off (QEMU status $rc; 124 = timeout)" >>"$parts"
	fi
	if grep -q '@@RIG-GUEST-TAP-END@@' "$d/serial.log"; then
		echo "ok - native: guest printed its complete TAP block" >>"$parts"
	else
		echo "not ok - native: guest printed its complete TAP block" >>"$parts"
		tail -n 30 "$d/serial.log" | sed 's/^/# serial: /' >>"$parts"
	fi
	collect_tap "$d/serial.log" >>"$parts"
	finish_tap "$parts" "$d/results.tap"
}

# ---------------------------------------------------------------------------
# Profiles: xen417, xen420 (Xen + PV dom0 + HVM guests, one boot)

# boot_machine PROFILE DIR XEN DOM0DIR DOM0KVER LIMIT TRY: one run of the
# emulated machine; sets MACHINE_RC (124: over the limit, 125: hung, its
# console silent for RIG_MACHINE_QUIET seconds) and MACHINE_TOOK.
boot_machine() {
	local p=$1 d=$2 xen=$3 dkd=$4 dkver=$5 limit=$6 try=$7 t0 qpid
	local size last_size=-1 last_change now mon=$d/monitor.sock

	# QEMU's monitor, to ask a hung machine where its CPUs are
	[ "${#mon}" -lt 100 ] || mon=$(mktemp -u /tmp/rig-monitor.XXXXXX)
	rm -f "$mon"
	log "$p: booting Xen + dom0, limit ${limit}s"
	t0=$(date +%s)
	MACHINE_RC=0
	timeout --kill-after=10 "$limit" "$HOST_QEMU" -machine q35 -cpu "$QEMU_CPU" \
		-smp 2 -m 3072 -accel "$RIG_QEMU_ACCEL" -nographic -no-reboot -nic none \
		-monitor "unix:$mon,server=on,wait=off" \
		-drive "file=$d/xfer.img,format=raw,if=virtio" \
		-kernel "$xen" \
		-append "console=com1 com1=115200,8n1 dom0_mem=1536M,max:1536M loglvl=all guest_loglvl=all console_timestamps=boot tbuf_size=256 conring_size=4M${RIG_XEN_CMDLINE:+ $RIG_XEN_CMDLINE}" \
		-initrd "$dkd/root/boot/vmlinuz-$dkver console=hvc0 earlyprintk=xen rig.attempt=$try,$d/dom0.cpio.gz" \
		</dev/null >"$d/serial.log" 2>&1 &
	qpid=$!
	last_change=$t0
	# dom0 says when it has written the results; Xen does not power the
	# emulated machine off, so stop QEMU then.
	while kill -0 "$qpid" 2>/dev/null; do
		if grep -q '@@RIG-DOM0-END@@' "$d/serial.log" 2>/dev/null; then
			sleep 2
			kill "$qpid" 2>/dev/null || true
			break
		fi
		now=$(date +%s)
		size=$(stat -c %s "$d/serial.log" 2>/dev/null || echo 0)
		if [ "$size" != "$last_size" ]; then
			last_size=$size
			last_change=$now
		elif [ $(( now - last_change )) -ge "$RIG_MACHINE_QUIET" ]; then
			hang_evidence "$mon" "$qpid" "$d/hang-attempt$try.txt" >"$d/hang.tmp"
			kill "$qpid" 2>/dev/null || true
			wait "$qpid" 2>/dev/null || true
			# appended once QEMU, which writes at its own offset,
			# has ended
			{
				echo "rig: hung: the console was silent for ${RIG_MACHINE_QUIET}s (RIG_MACHINE_QUIET); stopped"
				sed 's/^/rig: hung: /' "$d/hang.tmp"
			} >>"$d/serial.log"
			rm -f "$d/hang.tmp"
			MACHINE_RC=125
			break
		fi
		sleep 2
	done
	[ "$MACHINE_RC" = 125 ] || wait "$qpid" || MACHINE_RC=$?
	rm -f "$mon"
	MACHINE_TOOK=$(( $(date +%s) - t0 ))
	log "$p: QEMU ended (status $MACHINE_RC) after ${MACHINE_TOOK}s"
}

# deadline_left: seconds until HYBRID_CHECK_DEADLINE, or a day if unset
deadline_left() {
	if [ -n "${HYBRID_CHECK_DEADLINE:-}" ]; then
		echo $(( HYBRID_CHECK_DEADLINE - $(date +%s) ))
	else
		echo 86400
	fi
}

run_xen() {
	local p=$1 d=$OUT/$1 xen base dkver dkd ov parts g name kver pirq opts ko n guests
	rm -rf "$d"
	mkdir -p "$d/artifacts"
	parts=$d/parts.tap
	: >"$parts"
	echo "# $p: emulator $EMU, $("$HOST_QEMU" --version | head -n 1)" >>"$parts"

	xen=$(prep_xen "$p")
	dkver=$(profile_dom0_kver "$p")
	dkd=$(prep_kernel "$dkver")
	base=$(prep_dom0_base "$p")

	ov=$(mktemp -d "$OUT/.dom0.XXXXXX")
	mkdir -p "$ov/rig/guests"
	n=0
	guests=0
	for g in $(default_guests "$p"); do
		IFS=: read -r name kver pirq opts <<<"$g"
		if ko=$(build_module "$kver"); then
			echo "ok - $p: hybrid.ko builds against $kver" >>"$parts"
		else
			echo "not ok - $p: hybrid.ko builds against $kver" >>"$parts"
			tail -n 20 "$OUT/modules/$kver/build.log" 2>/dev/null | sed 's/^/# /' >>"$parts"
			continue
		fi
		mkdir -p "$ov/rig/guests/$name"
		cp "$(prep_kernel "$kver")/root/boot/vmlinuz-$kver" "$ov/rig/guests/$name/vmlinuz"
		build_guest_initrd "$kver" "$ko" "$ov/rig/guests/$name/initrd.gz"
		echo "$name $kver $pirq ${opts:-mod}" >>"$ov/rig/guests.list"
		guests=$(( guests + 1 ))
		# a debug guest takes about three times as long (scenarios.sh)
		case ",$opts," in
		*,debug,*) n=$(( n + 3 )) ;;
		*) n=$(( n + 1 )) ;;
		esac
	done
	if [ "$n" = 0 ]; then
		echo "not ok - $p: at least one guest prepared" >>"$parts"
		finish_tap "$parts" "$d/results.tap"
		rm -rf "$ov"
		return
	fi

	cp "$RIG_DIR/dom0/init" "$ov/init"
	cp "$RIG_DIR/common/tap.sh" "$RIG_DIR/dom0/scenarios.sh" "$OUT/tools/xenexits" \
		"$OUT/tools/udpsend" "$OUT/tools/pingwin" "$ov/rig/"
	if [ -n "${RIG_EXTRA_DOM0:-}" ]; then
		[ -d "$RIG_EXTRA_DOM0" ] || die "RIG_EXTRA_DOM0=$RIG_EXTRA_DOM0 is not a directory"
		cp -a "$RIG_EXTRA_DOM0" "$ov/rig/extra"
	fi
	cat >"$ov/rig/config" <<-EOF
	PROFILE=$p
	XEN_SHORT=$(profile_xen_short "$p")
	SCENARIOS="$(profile_scenarios "$p")"
	BOOT_TRIES=$RIG_BOOT_TRIES
	RECOVER=$RIG_RECOVER
	VCPUS=$RIG_VCPUS
	SOAK=$RIG_SOAK
	STREAM=${RIG_STREAM:-0}
	ANNOUNCED=${RIG_MIGRATIONS:-3}
	GUEST_CMDLINE="${RIG_GUEST_CMDLINE:-}"
	GUEST_XLCFG='${RIG_GUEST_XLCFG:-}'
	TEST_MACHINE_RESET="${RIG_TEST_MACHINE_RESET:-}"
	TEST_MACHINE_HANG="${RIG_TEST_MACHINE_HANG:-}"
	TEST_EMU_OOPS="${RIG_TEST_EMU_OOPS:-}"
	TEST_EMU_TF="${RIG_TEST_EMU_TF:-}"
	HM_STRESS=$RIG_HM_STRESS
	HM_SOAK_MIGRATIONS=$RIG_HM_SOAK_MIGRATIONS
	HM_SOAK_SAVES=$RIG_HM_SOAK_SAVES
	HM_FUZZ_SECS=$RIG_HM_FUZZ_SECS
	HM_SOAK_SEGMENT=$RIG_HM_SOAK_SEGMENT
	EOF
	# the dom0 roots are merged-/usr: /lib is a symlink the overlay must
	# not replace with a directory
	copy_modules "$dkd/root" "$dkver" "$ov/usr" xen-evtchn xen-gntdev xen-gntalloc \
		xen-privcmd xenfs tun bridge xen-netback virtio_pci virtio_blk
	mk_cpio "$ov" "$d/overlay.cpio.gz"
	rm -rf "$ov"
	cat "$base" "$d/overlay.cpio.gz" >"$d/dom0.cpio.gz"
	rm -f "$d/overlay.cpio.gz"
	[ "$PREPARE_ONLY" = yes ] && return
	# Results come back on a raw disk that dom0 writes a tar archive
	# to, after each guest; a machine booted again reads it back.
	rm -f "$d/xfer.img"
	truncate -s 512M "$d/xfer.img"

	# 25 minutes a guest, and 15 for each recovery the profile may spend
	# (a guest boot and a scenario run again: the extra suite took 12
	# here before the rig stopped a lost one at its triple fault, about
	# 3 since, but a debug guest's is longer), so that a recovered
	# profile is not cut off after all; CI's deadline caps the sum
	local limit=$(( 600 + n * 1500 + RIG_RECOVER * 900 )) try=1 left
	# the stress of RIG_HM_STRESS: 90 s a suspend and the fuzzer, a guest
	if [ "$RIG_HM_STRESS" = 1 ]; then
		limit=$(( limit + guests * (300 + RIG_HM_FUZZ_SECS +
			90 * (RIG_HM_SOAK_MIGRATIONS + RIG_HM_SOAK_SAVES)) ))
	fi
	while :; do
		left=$(( $(deadline_left) - 120 ))
		[ "$left" -lt "$limit" ] && limit=$left
		if [ "$limit" -lt 180 ]; then
			echo "not ok - $p: dom0 ran every scenario and reported (not started: HYBRID_CHECK_DEADLINE is $(deadline_left)s away)" >>"$parts"
			rm -f "$d/dom0.cpio.gz"
			finish_tap "$parts" "$d/results.tap"
			return
		fi
		boot_machine "$p" "$d" "$xen" "$dkd" "$dkver" "$limit" "$try"
		grep -q '@@RIG-DOM0-END@@' "$d/serial.log" && break
		# The emulated machine reset itself or hung before dom0
		# reported (machine.sh).  dom0 saves its results after each
		# guest, and a machine booted again goes on with the guests
		# the lost attempt did not finish.
		if ! machine_again "$d/serial.log" "$MACHINE_RC" "$try"; then
			echo "# $p: machine attempt $try lost after ${MACHINE_TOOK}s, not booted again: $MACHINE_WHY" >>"$parts"
			break
		fi
		echo "# $p: machine attempt $try lost after ${MACHINE_TOOK}s ($MACHINE_WHY); guests it finished: $(tar -xOf "$d/xfer.img" ./guests-done 2>/dev/null | paste -sd ' ' || true); serial tail:" >>"$parts"
		tail -n 40 "$d/serial.log" | tr -d '\r' | grep -v '^rig: hung: ' | sed 's/^/#   serial: /' >>"$parts"
		tr -d '\r' <"$d/serial.log" | sed -n 's/^rig: hung: /#   hung: /p' >>"$parts"
		mv "$d/serial.log" "$d/serial-attempt$try.log"
		log "$p: machine lost after ${MACHINE_TOOK}s ($MACHINE_WHY), booting again"
		try=$(( try + 1 ))
	done

	if grep -q '@@RIG-DOM0-END@@' "$d/serial.log"; then
		echo "ok - $p: dom0 ran every scenario and reported (${MACHINE_TOOK}s, machine attempt $try of at most $RIG_MACHINE_TRIES)" >>"$parts"
	else
		echo "not ok - $p: dom0 ran every scenario and reported (QEMU status $MACHINE_RC, 124 = timeout, 125 = hung, ${MACHINE_TOOK}s, machine attempt $try, $(machine_reset_reason "$d/serial.log"))" >>"$parts"
		tail -n 40 "$d/serial.log" | tr -d '\r' | sed 's/^/# serial: /' >>"$parts"
	fi
	if tar -xf "$d/xfer.img" -C "$d/artifacts" 2>/dev/null && [ -f "$d/artifacts/results.tap" ]; then
		cat "$d/artifacts/results.tap" >>"$parts"
		if ! grep -q '@@RIG-DOM0-END@@' "$d/serial.log"; then
			# saved after the last guest done; what came after
			# is only on the console
			echo "# results saved after the guests done; the rest from the serial log" >>"$parts"
			tr -d '\r' <"$d/serial.log" |
				awk '/^rig: guest .* done/ { n = NR } { l[NR] = $0 } END { for (i = n + 1; i <= NR; i++) print l[i] }' |
				sed -n 's/^.*RIGTAP //p' >>"$parts"
		fi
	else
		echo "# no result archive on the transfer disk; TAP taken from the serial log" >>"$parts"
		collect_tap "$d/serial.log" >>"$parts"
	fi
	rm -f "$d/xfer.img" "$d/dom0.cpio.gz"
	finish_tap "$parts" "$d/results.tap"
}

# ---------------------------------------------------------------------------

mkdir -p "$OUT"
build_tools
status=0
for p in $PROFILES; do
	log "=== profile $p ==="
	t=$(date +%s)
	EMU=$(profile_emu "$p")
	HOST_QEMU=$(prep_host_qemu "$EMU")
	case $p in
	native) run_native ;;
	*) run_xen "$p" ;;
	esac
	[ "$PREPARE_ONLY" = yes ] && { log "$p prepared in $(( $(date +%s) - t ))s"; continue; }
	summarise "$OUT/$p/results.tap" "$p ($(( $(date +%s) - t ))s)" | tee -a "$OUT/$p/results.tap"
	grep '^not ok ' "$OUT/$p/results.tap" | grep -qv '# TODO' && status=1
done
exit $status
