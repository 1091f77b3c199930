# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# dom0-side scenarios (dash).  Sourced by the dom0 init.  Each guest is
# booted, its own TAP collected from its console log, then the selected
# scenarios act on it:
#   sysfs        what the guest's /sys/hypervisor/hybrid says vs. what
#                dom0 knows (xl domid, xl info, the domain's hvm_pirq)
#   net          flood ping over link-local while xenexits counts exits
#   saverestore  xl save + xl restore; the guest agent must answer after
#   migrate      local live migration; the guest agent must answer after
#   soak         SOAK live migrations in a row; a guest that crashes is
#                booted again and the soak goes on, so that one run
#                yields a crash rate (only when named)
#   ckptsoak     SOAK checkpoints (xl save -c) in a row, each followed by
#                50 pings from dom0: how often the NIC stops taking in
#                frames after a cancelled suspend, with the per-vector
#                interrupts and Xen's event channels of each such case
#                (only when named)
#   extra        RIG_EXTRA_DOM0's run.sh
#   irqbench     VM exits per device interrupt under fixed loads, and per
#                mask+unmask of one NIC vector, as IRQBENCH lines for
#                selftests/irq/bench.sh, with the NIC as the stock kernel
#                has it and adopted by hybrid-irq (only when named)
# Waits are polls of a condition with a bounded timeout, never fixed
# sleeps.

GUEST_BOOT_TIMEOUT=${GUEST_BOOT_TIMEOUT:-900}
# a boot whose console stays silent this long is hung (boots print all along)
GUEST_QUIET_TIMEOUT=${GUEST_QUIET_TIMEOUT:-240}
# where xenconsoled logs each guest's console (guest-NAME.log)
XEN_CONSOLES=${XEN_CONSOLES:-/var/log/xen/console}
GUEST_IP=169.254.0.2
DOM0_IP=169.254.0.1
# ask()'s sequence numbers.  Several dom0 processes ask one guest in
# turn (the rig, the extra suite, each of its parts), and the agent
# takes a request equal to the last one it took as that one again: each
# process counts from its own PID's thousands.
SEQ=$(( $$ * 1000 ))

# xen_hints: what the hypervisor said about crashed or shut down guests
xen_hints() {
	xl dmesg 2>/dev/null | grep -E 'Triple fault|crash|shutdown action' | tail -n 3 |
		while IFS= read -r _l; do diag "xl dmesg: $_l"; done
}

want() { case " $SCENARIOS " in *" $1 "*) return 0 ;; esac; return 1; }
elapsed() { echo $(( $(cut -d. -f1 /proc/uptime) - $1 )); }
now() { cut -d. -f1 /proc/uptime; }

dom0_setup() {
	DOM0_OK=no
	bad=
	for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs tun bridge xen-netback; do
		modprobe "$m" || bad="$bad $m"
	done
	is "${bad:-none}" none "$PROFILE: dom0 loads the Xen backend modules"
	mkdir -p /save
	mount -t tmpfs -o size=1100M tmpfs /save
	mkdir -p /proc/xen /run/xen /run/xenstored "$XEN_CONSOLES" /var/lib/xen /var/run/xen
	chmod 700 /run/xen
	mount -t xenfs xenfs /proc/xen || { not_ok "$PROFILE: xenfs mounted"; return; }
	xenstored --pid-file /run/xenstore.pid >"$RES/xenstored.out" 2>&1
	if ! wait_for 30 xenstore-ls /local; then
		not_ok "$PROFILE: xenstored answers"
		return
	fi
	xen-init-dom0 >"$RES/xen-init-dom0.out" 2>&1
	xenconsoled --log=guest --pid-file /run/xenconsoled.pid
	ip link add xenbr0 type bridge
	ip addr add "$DOM0_IP/16" dev xenbr0
	ip link set xenbr0 up
	if xl info >"$RES/xl-info.txt" 2>&1; then
		ok "$PROFILE: toolstack up (xenstored, xenconsoled, xl info) after $(now)s of dom0 uptime"
		DOM0_OK=yes
	else
		not_ok "$PROFILE: toolstack up (xenstored, xenconsoled, xl info)"
		diag "$(cat "$RES/xl-info.txt")"
		return
	fi
	XEN_VERSION=$(sed -n 's/^xen_version *: *//p' "$RES/xl-info.txt")
	diag "xl info: xen_version $XEN_VERSION, $(grep -E '^(xen_caps|nr_cpus|free_memory|xen_commandline)' "$RES/xl-info.txt" | tr -s ' ' | tr '\n' ';')"
}

# guest_vcpus OPTS: the guest's vCPUs, VCPUS unless OPTS says smp2
guest_vcpus() {
	case ",$1," in
	*,smp2,*) echo 2 ;;
	*) echo "$VCPUS" ;;
	esac
}

# guest_cfg NAME PIRQ OPTS (comma-separated: nomod, smp2, novcb: booted
# with xen_no_vector_callback, so that Linux leaves its MSIs on the LAPIC
# in a domain with HVM pirqs; vir: Xen's viridian enlightenments with the
# APIC assist, for hybrid-irq's assisted EOI; debug: the debug kernel,
# make rig-debug; spin: a process waking every millisecond from the end
# of the guest's tests on, the load of a guest with hybrid for a
# control).  tsc_mode "native": QEMU's CPU has no invariant TSC, so Xen
# would emulate every RDTSC of the guest; that swamps the exit counts,
# and the guests triple-faulted right after such exits (docs/testing.md).
# The kernel's console is Xen's PV console alone (hvc0, which xenconsoled
# logs): on the emulated UART every character is a few port I/O exits
# to the device model, and a console there, which nobody reads, made up
# most of a guest's boot (docs/measurements/2026-12-07-guest-console.md).
guest_cfg() {
	_cmd="xen_emul_unplug=never"
	case ",$3," in *,nomod,*) _cmd="$_cmd rig.module=0" ;; esac
	case ",$3," in *,novcb,*) _cmd="$_cmd xen_no_vector_callback" ;; esac
	case ",$3," in *,spin,*) _cmd="$_cmd rig.spin=1" ;; esac
	# the debug kernel's reports must not push each other out of the
	# log, a RIP in Xen's dump after a triple fault is found in its
	# System.map as it is (no KASLR), and its agent polls (guest/tests.sh)
	case ",$3," in *,debug,*) _cmd="$_cmd log_buf_len=8M nokaslr rig.agent=poll" ;; esac
	[ -z "$GUEST_CMDLINE" ] || _cmd="$_cmd $GUEST_CMDLINE"
	cat <<-EOC
	name = "$1"
	type = "hvm"
	memory = 512
	vcpus = $(guest_vcpus "$3")
	kernel = "/rig/guests/$1/vmlinuz"
	ramdisk = "/rig/guests/$1/initrd.gz"
	cmdline = "$_cmd console=hvc0"
	serial = "pty"
	vnc = 0
	sdl = 0
	on_poweroff = "destroy"
	on_reboot = "destroy"
	on_crash = "destroy"
	vif = [ "model=e1000e,bridge=xenbr0" ]
	tsc_mode = "native"
	EOC
	[ "$2" = default ] || echo "hvm_pirq = $2"
	case ",$3," in *,vir,*) echo 'viridian = [ "base", "apic_assist" ]' ;; esac
	[ -z "$GUEST_XLCFG" ] || echo "$GUEST_XLCFG" | tr ';' '\n'
}

# boot_guest NAME: sets BOOTED=yes|no, TRIES, BOOT_SECS; RESUMES counts
# the resumes (save/restore, migration) of this boot of the guest;
# TF_BOOT is how many triple faults Xen had logged when it booted.  A
# boot and the guest's tests may take GUEST_LIMIT seconds (run_guest).
boot_guest() {
	_n=$1
	_limit=${GUEST_LIMIT:-$GUEST_BOOT_TIMEOUT}
	_log=$XEN_CONSOLES/guest-$_n.log
	BOOTED=no
	RESUMES=0
	TRIES=0
	while [ "$TRIES" -lt "$BOOT_TRIES" ] && [ "$BOOTED" = no ]; do
		TRIES=$(( TRIES + 1 ))
		rm -f "$_log"
		_t=$(now)
		_tf0=$(triple_faults)
		_co=$RES/$_n-create-$(( GUEST_BOOTS + 1 )).out
		if ! xl create "/tmp/$_n.cfg" >"$_co" 2>&1; then
			diag "boot try $TRIES: xl create failed:" "$(tail -n 15 "$_co")"
			continue
		fi
		GUEST_BOOTS=$(( GUEST_BOOTS + 1 ))
		_why=timeout
		_size=0
		_quiet=$(now)
		while [ "$(elapsed "$_t")" -lt "$_limit" ]; do
			if grep -q '@@RIG-GUEST-TAP-END@@' "$_log" 2>/dev/null; then _why=up; break; fi
			if ! xl domid "$_n" >/dev/null 2>&1; then _why=gone; break; fi
			_s=$(wc -c <"$_log" 2>/dev/null || echo 0)
			if [ "$_s" != "$_size" ]; then
				_size=$_s
				_quiet=$(now)
			elif [ "$(elapsed "$_quiet")" -ge "$GUEST_QUIET_TIMEOUT" ]; then
				_why=quiet
				break
			fi
			sleep 1
		done
		BOOT_SECS=$(elapsed "$_t")
		# by the guest's boots in all, so that a recovery's boot does
		# not overwrite the console of a try lost before it
		cp "$_log" "$RES/$_n-console-boot$GUEST_BOOTS.log" 2>/dev/null
		case $_why in
		up) BOOTED=yes; TF_BOOT=$(triple_faults) ;;
		gone)
			diag "boot try $TRIES: the domain disappeared after ${BOOT_SECS}s (crashed, rebooted or powered off; on_crash/on_reboot = destroy)" \
				"$(tail -n 8 "$_log" 2>/dev/null)" "$(xl dmesg | grep -iE 'triple|crash|d[0-9]+v[0-9]+.*(fault|shutdown)' | tail -n 5)" ;;
		timeout | quiet)
			if [ "$_why" = quiet ]; then
				diag "boot try $TRIES: console silent for ${GUEST_QUIET_TIMEOUT}s, hung after ${BOOT_SECS}s" "$(tail -n 8 "$_log" 2>/dev/null)"
			else
				diag "boot try $TRIES: no end of guest TAP within ${_limit}s" "$(tail -n 8 "$_log" 2>/dev/null)"
			fi
			xl destroy "$_n" >/dev/null 2>&1 ;;
		esac
		[ "$_why" = up ] && break
		# the first kernel error of the try, if any, whoever's it was
		_err=$(tr -d '\r' <"$_log" | grep -v RIGTAP | grep -E -A 24 -m 1 "$KERNEL_ERRORS")
		if boot_emu "$_n" "$_tf0"; then
			diag "boot try $TRIES: lost to the emulator: $EMU_WHY" ${_err:+"$_err"}
		else
			diag "boot try $TRIES: not the emulator's: $EMU_WHY; no further try" ${_err:+"$_err"}
			break
		fi
	done
}

# boot_emu NAME TF: true if the boot try of guest NAME that began when
# Xen had logged TF triple faults was lost to the emulator, by the rules
# of emu_failure: emu_evidence; or, without any, a guest that died or
# hung without a kernel error on its console.  A triple fault in
# hybrid's code, or a kernel error (the guest's tests load and unload
# hybrid's modules as it boots), is the guest's own failure, which
# another try would hide.  Sets EMU_WHY.
boot_emu() {
	_bl=$XEN_CONSOLES/guest-$1.log
	emu_evidence "$1" "$2" "$_bl"
	case $? in
	0) return 0 ;;
	1) return 1 ;;
	esac
	if tr -d '\r' <"$_bl" 2>/dev/null | grep -v RIGTAP | grep -v 'soft lockup' |
		grep -qE "$KERNEL_ERRORS"; then
		EMU_WHY="the guest's kernel reported an error as it booted"
		return 1
	fi
	EMU_WHY="no triple fault and no kernel error on its console"
	return 0
}

# ask DOMID TIMEOUT CMD [ARG...]: asks the guest agent (~/data/rig/req);
# its answer in ANSWER.  Not for a command substitution: SEQ must count.
ask() {
	local d=$1 to=$2 p t r
	shift 2
	p=/local/domain/$d/data/rig
	SEQ=$(( SEQ + 1 ))
	ANSWER=
	xenstore-rm "$p/resp" >/dev/null 2>&1
	xenstore-write "$p/req" "$SEQ $*" || return 1
	t=$(now)
	while [ "$(elapsed "$t")" -lt "$to" ]; do
		r=$(xenstore-read "$p/resp" 2>/dev/null)
		case $r in "$SEQ "*) ANSWER=${r#"$SEQ "}; return 0 ;; esac
		sleep 0.3
	done
	return 1
}

# pong DOMID: the guest agent answers a fresh nonce; sets UPTIME
pong() {
	local nonce
	nonce=$(( SEQ + 1 ))-$(now)
	ask "$1" 90 ping "$nonce" || return 1
	case $ANSWER in "pong $nonce "*) UPTIME=${ANSWER##* }; return 0 ;; esac
	return 1
}

# alive NAME WHAT: TAP for pong
alive() {
	_d=$(xl domid "$1" 2>/dev/null) || { not_ok "$2: domain $1 exists"; return 1; }
	if pong "$_d"; then
		ok "$2: guest agent answers (domain $_d, guest uptime ${UPTIME}s)"
		return 0
	fi
	not_ok "$2: guest agent answers (domain $_d)"
	diag "answer: '$ANSWER'"
	xen_hints
	return 1
}

# recheck NAME WHAT: after a suspend, hybrid is still loaded in the guest,
# its dmesg clean and its domid the domain's; in a control (CONTROL=yes,
# a nomod guest) the dmesg only
recheck() {
	_d=$(xl domid "$1" 2>/dev/null) || return 1
	ask "$_d" 60 recheck
	_a=$ANSWER
	case $_a in *soft_lockups=[1-9]*)
		diag "note: the guest logged soft lockup(s) (CPU stall seen by its watchdog); without hybrid in them they are not failed" ;;
	esac
	_w="module still loaded, sysfs readable, no WARNING/BUG/Oops in guest dmesg"
	# a nomod guest: no hybrid to find
	[ "${CONTROL:-no}" != yes ] || _w="the control answers, no WARNING/BUG/Oops in its dmesg"
	case $_a in
	ok*) ok "$2: $_w"; diag "$_a" ;;
	*)
		# the guest's answer names the first reports: on the
		# result's own line, where a summary that keeps only
		# result lines still shows why
		not_ok "$2: $_w: $(printf '%s' "${_a:-no answer}" | cut -c 1-300)"
		crash_report "$1" 'soft lockup'
		;;
	esac
	[ "${CONTROL:-no}" != yes ] || return 0
	# the domain has a new domid after restore/migration; hybrid
	# discovers again on resume
	_hd=$(echo "$_a" | sed -n 's/.* domid=\([0-9]*\).*/\1/p')
	is "${_hd:-none}" "$_d" "$2: hybrid's domid follows the domain (xl domid $_d)"
}

# scen_sysfs NAME PIRQ OPTS
scen_sysfs() {
	_n=$1 _pirq=$2 _opts=$3
	_d=$(xl domid "$_n")
	_p=/local/domain/$_d/data/rig
	is "$(xenstore-read $_p/sysfs/mode 2>&1)" hvm "sysfs: mode is hvm"
	is "$(xenstore-read $_p/sysfs/domid 2>&1)" "$_d" "sysfs: domid matches 'xl domid' ($_d)"
	is "$(xenstore-read $_p/sysfs/xen_version 2>&1)" "$XEN_VERSION" "sysfs: xen_version matches 'xl info'"
	if [ "$_pirq" = default ]; then
		case $XEN_SHORT in 4.17) _want=1 ;; *) _want=0 ;; esac
	else
		_want=$_pirq
	fi
	is "$(xenstore-read $_p/sysfs/hvm_pirqs 2>&1)" "$_want" "sysfs: hvm_pirqs is $_want (Xen $XEN_SHORT, hvm_pirq $_pirq)"
	_irq=$(xenstore-read $_p/nicirq 2>&1)
	_cb=$(xenstore-read $_p/sysfs/callback 2>&1)
	diag "guest eth0 interrupts: $_irq" "callback: $_cb"
	case ",$_opts," in
	*,novcb,*)
		# events on the platform device's INTx, and no MSI on a pirq
		is "$_cb" intx "sysfs: booted with xen_no_vector_callback, the callback is intx"
		_want=0
		;;
	esac
	if [ "$_want" = 1 ]; then
		like "$_irq" '.*xen-pirq.*' "sysfs: NIC vectors are Xen pirqs (xen-pirq in /proc/interrupts)"
	else
		case $_irq in
		*xen-pirq*) not_ok "sysfs: NIC vectors are not pirqs (no xen-pirq in /proc/interrupts)" ;;
		*) ok "sysfs: NIC vectors are not pirqs (no xen-pirq in /proc/interrupts)" ;;
		esac
	fi
}

# netstats_delta BEFORE AFTER: "KEY +N ..." from two answers of the
# guest agent's netstats
netstats_delta() {
	case $1 in *=*) ;; *) echo "not read (before: '$1')"; return ;; esac
	case $2 in *=*) ;; *) echo "not read (after: '$2')"; return ;; esac
	printf '%s\n%s\n' "$1" "$2" | awk '{
		for (i = 1; i <= NF; i++) {
			split($i, kv, "=")
			if (NR == 1) { a[kv[1]] = kv[2]; continue }
			printf "%s%s +%d", sep, kv[1], kv[2] - a[kv[1]]; sep = " "
		}
	} END { print "" }'
}

# ping_summary FILE: "SENT RECEIVED" from ping's summary in FILE
ping_summary() {
	sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$1"
}

# tap_read DOMID: frames QEMU has read from the tap of domain DOMID's
# emulated NIC (tun counts a frame sent when its reader takes it)
tap_read() {
	cat "/sys/class/net/vif$1.0-emu/statistics/tx_packets" 2>/dev/null
}

# tap_delta BEFORE AFTER: AFTER - BEFORE, or "?" if either is unread
tap_delta() {
	case "$1.$2" in
	*[!0-9.]* | .* | *.) echo "?" ;;
	*) echo "$(( $2 - $1 ))" ;;
	esac
}

# pings_traced DOMID COUNT OUT: COUNT echo requests from dom0 to the
# guest of domain DOMID, 20 ms apart (ping's output in OUT), and where
# they went, should they stop: PING_RC, ping's status; PINGS, "SENT
# RECEIVED"; TAP_READ, the frames QEMU read from the NIC's tap meanwhile
# ("?" if unread); NET_DELTA, the guest's netstats over them
pings_traced() {
	_pt_ns0= _pt_ns1=
	ask "$1" 60 netstats && _pt_ns0=$ANSWER
	_pt_tx0=$(tap_read "$1")
	ping -q -c "$2" -i 0.02 -W 10 "$GUEST_IP" >"$3" 2>&1
	PING_RC=$?
	_pt_tx1=$(tap_read "$1")
	ask "$1" 60 netstats && _pt_ns1=$ANSWER
	PINGS=$(ping_summary "$3")
	TAP_READ=$(tap_delta "$_pt_tx0" "$_pt_tx1")
	NET_DELTA=$(netstats_delta "$_pt_ns0" "$_pt_ns1")
}

# nic_deaf: true if the pings of pings_traced met a NIC whose stock
# driver lost its receive ring in a thaw: none was answered, the NIC
# counted 10 frames or more and raised a receive interrupt for half of
# them or more, and the driver handed the stack nothing (softnet +0).
# Guests without hybrid do the same after a checkpoint, more often than
# with it (docs/measurements/2026-12-07-checkpoint-nic.md); the
# interrupts, hybrid-irq's part, arrived, and what is lost comes after.
nic_deaf() {
	case ${PINGS:-} in *" 0") ;; *) return 1 ;; esac
	echo "$NET_DELTA" | awk '{
		for (i = 1; i < NF; i += 2) {
			v[$i] = $(i + 1) + 0
			if ($i ~ /^irq:eth0-rx/) irq += $(i + 1)
		}
	} END { exit !(("softnet" in v) && v["softnet"] == 0 && v["rx"] >= 10 && 2 * irq >= v["rx"]) }'
}

# replies_lost_outside: true if the pings of pings_traced that dom0 saw
# unanswered were answered all the same: the guest took in every echo
# request, answered each, and its NIC sent as many frames; the replies
# were lost after the guest (the device model, the tap, dom0's bridge)
replies_lost_outside() {
	case ${PINGS:-} in *" "*) ;; *) return 1 ;; esac
	[ "${PINGS#* }" -lt "${PINGS% *}" ] 2>/dev/null || return 1
	echo "$NET_DELTA" | awk -v sent="${PINGS% *}" '{
		for (i = 1; i < NF; i += 2)
			v[$i] = $(i + 1) + 0
	} END { exit !(("tx" in v) && v["echo_in"] >= sent && v["echo_out"] >= sent && v["tx"] >= sent) }'
}

# tf_gone: true if Xen logged a triple fault since the scenario began
# (SCEN_TF, set by scenario())
tf_gone() { [ "$(triple_faults)" -gt "${SCEN_TF:-$(triple_faults)}" ]; }

# tf_run SECS CMD...: CMD, in a session of its own, stopped (status 124)
# after SECS seconds, or (status 143) as soon as tf_gone: its guest is
# gone, and CMD would only wait out its timeouts against a dead domain (a
# flood of pingwin's waited 10 minutes so).  CMD's status otherwise.
# Not timeout(1) inside: it makes a process group of its own, which the
# stop would miss.
tf_run() {
	_tw_secs=$1
	shift
	_tw_done=/tmp/tf-done.$$
	rm -f "$_tw_done"
	setsid sh -c '"$@"; echo $? >"$0"' "$_tw_done" "$@" &
	_tw_pid=$!
	_tw_t=$(now)
	_tw_rc=143
	while [ ! -e "$_tw_done" ]; do
		if tf_gone; then
			echo "Xen logged a triple fault: $1 is stopped, its guest is gone" >&2
			break
		fi
		if [ "$(elapsed "$_tw_t")" -ge "$_tw_secs" ]; then
			echo "$1 is stopped after ${_tw_secs}s" >&2
			_tw_rc=124
			break
		fi
		sleep 3	# a poll of Xen's log and the clock, not a wait for an event
	done
	[ -e "$_tw_done" ] || kill -TERM -"$_tw_pid" 2>/dev/null
	wait "$_tw_pid"
	[ ! -e "$_tw_done" ] || _tw_rc=$(cat "$_tw_done")
	rm -f "$_tw_done"
	return "$_tw_rc"
}

scen_net() {
	_n=$1
	if ping -c 3 -W 5 "$GUEST_IP" >"$RES/$_n-ping.out" 2>&1; then
		ok "net: dom0 reaches the guest at $GUEST_IP"
	else
		not_ok "net: dom0 reaches the guest at $GUEST_IP"
		diag "$(cat "$RES/$_n-ping.out")"
		if tf_gone; then
			diag "net: Xen logged a triple fault: the guest is gone, the scenario stops here"
			return
		fi
	fi
	# The guest's counters around the pings tell a request that never
	# arrived from a reply the guest did not send.
	_ns0= _ns1=
	ask "$(xl domid "$_n")" 60 netstats && _ns0=$ANSWER
	# No loss: 2000 echo requests, never more than 8 unanswered, each
	# given 120 s.  A flood, or ping -A, keeps sending while the guest
	# is stalled (under TCG its vCPU or its device model can stop for
	# tens of seconds) and overflows the tap queue or the NIC's ring:
	# emulation speed, not a lost packet.  A fixed window cannot.
	tf_run 600 /rig/pingwin "$GUEST_IP" 2000 8 120 >"$RES/$_n-flood.out" 2>&1
	_rc=$?
	ask "$(xl domid "$_n")" 60 netstats && _ns1=$ANSWER
	_got=$(sed -n 's/.*\(received [0-9]* lost [0-9]* late [0-9]* dup [0-9]*\).*/\1/p' "$RES/$_n-flood.out")
	is "${_got:-none}" "received 2000 lost 0 late 0 dup 0" \
		"net: 2000 pings (8 in flight at most) from dom0, each answered once"
	diag "pingwin exit $_rc: $(head -n 12 "$RES/$_n-flood.out" | tr '\n' ';')"
	diag "guest counters over the pings: $(netstats_delta "$_ns0" "$_ns1")"
	if tf_gone; then
		diag "net: Xen logged a triple fault: the guest is gone, the scenario stops here"
		return
	fi
	# exits under load: a timed flood while xentrace records 6 s
	timeout 60 ping -f -w 10 "$GUEST_IP" >"$RES/$_n-flood-traced.out" 2>&1 &
	_pp=$!
	timeout 120 /rig/xenexits -t 6 -o "/tmp/$_n.trace" >"$RES/$_n-exits.txt" 2>&1
	_xrc=$?
	wait "$_pp"
	diag "traced flood: $(grep -E 'transmitted' "$RES/$_n-flood-traced.out")"
	diag "$(cat "$RES/$_n-exits.txt")"
	is "$_xrc" 0 "exits: xenexits traced the guest for 6 s"
	_tot=$(sed -n 's/^exits_total //p' "$RES/$_n-exits.txt")
	_reasons=$(grep -cE '^exit 0x[0-9a-f]+ +[A-Z_?]+ +[1-9]' "$RES/$_n-exits.txt")
	like "${_tot:-0}" '[1-9][0-9]*' "exits: non-zero exit count under network load"
	like "$_reasons" '[2-9]|[1-9][0-9]+' "exits: counted per reason (at least 2 reasons non-zero)"
	like "$(sed -n 's/^interrupts_injected //p' "$RES/$_n-exits.txt")" '[1-9][0-9]*' \
		"exits: interrupts injected into the guest were counted"
	rm -f "/tmp/$_n.trace"
}

scen_saverestore() {
	_n=$1
	alive "$_n" "saverestore: before save" || return
	_u0=$UPTIME
	_t=$(now)
	if timeout 300 xl save "$_n" "/save/$_n.save" >"$RES/$_n-save.out" 2>&1; then
		ok "saverestore: xl save ($(elapsed "$_t")s)"
	else
		not_ok "saverestore: xl save"
		diag "$(tail -n 10 "$RES/$_n-save.out")"
		xen_hints
		return
	fi
	check "saverestore: domain gone after save" sh -c "! xl domid $_n >/dev/null 2>&1"
	_t=$(now)
	if timeout 300 xl restore "/save/$_n.save" >"$RES/$_n-restore.out" 2>&1; then
		ok "saverestore: xl restore ($(elapsed "$_t")s)"
	else
		not_ok "saverestore: xl restore"
		diag "$(tail -n 10 "$RES/$_n-restore.out")"
		xen_hints
		rm -f "/save/$_n.save"
		return
	fi
	rm -f "/save/$_n.save"
	RESUMES=$(( RESUMES + 1 ))
	alive "$_n" "saverestore: after restore" || return
	like "$(awk -v a="$UPTIME" -v b="$_u0" 'BEGIN { print (a > b) ? "later" : "earlier" }')" later \
		"saverestore: guest kept running (uptime $_u0 -> $UPTIME, no reboot)"
	recheck "$_n" "saverestore"
}

scen_migrate() {
	_n=$1
	alive "$_n" "migrate: before" || return
	_u0=$UPTIME
	_d0=$(xl domid "$_n")
	_t=$(now)
	if timeout 300 xl migrate -s "" "$_n" "xl migrate-receive" >"$RES/$_n-migrate.out" 2>&1; then
		ok "migrate: xl migrate ($(elapsed "$_t")s)"
	else
		not_ok "migrate: xl migrate"
		diag "$(tail -n 10 "$RES/$_n-migrate.out")"
		xen_hints
		return
	fi
	RESUMES=$(( RESUMES + 1 ))
	_d1=$(xl domid "$_n" 2>/dev/null)
	like "${_d1:-none}" '[0-9]+' "migrate: domain $_n exists after migration (domid $_d0 -> ${_d1:-none})"
	alive "$_n" "migrate: after" || return
	like "$(awk -v a="$UPTIME" -v b="$_u0" 'BEGIN { print (a > b) ? "later" : "earlier" }')" later \
		"migrate: guest kept running (uptime $_u0 -> $UPTIME, no reboot)"
	recheck "$_n" "migrate"
}

# reboot_guest NAME: destroys what is left of the guest and boots it
# again (boot_guest's results)
reboot_guest() {
	xl destroy "$1" >/dev/null 2>&1
	# a live migration stopped halfway leaves its receiving domain
	xl destroy "$1--incoming" >/dev/null 2>&1
	wait_for 60 sh -c "! xl domid $1 >/dev/null 2>&1"
	boot_guest "$1"
}

# xen_log: Xen's log (xl dmesg), with the made-up lines of fake_emu_tf,
# which only a test of the rig asks for, in their place by Xen's
# timestamps (a line without one goes with the line before it)
TEST_XEN_LOG=/tmp/rig-test-xen.log
xen_log() {
	if [ ! -s "$TEST_XEN_LOG" ]; then
		xl dmesg 2>/dev/null
		return
	fi
	{ xl dmesg 2>/dev/null; cat "$TEST_XEN_LOG"; } |
		awk '{
			t = $0
			if (sub(/^\(XEN\) \[ */, "", t) && sub(/\].*/, "", t) && t ~ /^[0-9.]+$/)
				last = t
			printf "%.6f\t%09d\t%s\n", last, NR, $0
		}' | sort -k1,1n -k2,2n | cut -f3-
}

# triple_faults: how many guest triple faults Xen has logged so far
triple_faults() { xen_log | grep -c 'Triple fault'; }

# xen_saves: how many times Xen has saved an HVM domain's state so far,
# by its "HVM dNv0 save: CPU" lines: once in each suspend (save/restore,
# live migration, checkpoint), and once as xl create builds a domain
xen_saves() { xl dmesg 2>/dev/null | grep -cE 'HVM d[0-9]+v0 save: CPU$'; }

# soak_lost NAME LABEL I WHY: a soak's guest NAME stopped answering in
# its step I (WHY): counted as a triple fault (one logged since _tf) or
# another failure (_crash, _other), its console kept, and booted again
# (_reboots).  False if it did not boot.
soak_lost() {
	_tf1=$(triple_faults)
	if [ "$_tf1" -gt "$_tf" ]; then
		_crash=$(( _crash + 1 ))
		diag "$2 $3: the guest triple-faulted ($4)" \
			"$(xl dmesg | grep -A 4 'Triple fault' | tail -n 5)"
	else
		_other=$(( _other + 1 ))
		diag "$2 $3: $4 (answer '$ANSWER')"
	fi
	_tf=$_tf1
	cp "$XEN_CONSOLES/guest-$1.log" "$RES/$1-$2-$3-console.log" 2>/dev/null
	reboot_guest "$1"
	_reboots=$(( _reboots + TRIES ))
	[ "$BOOTED" != yes ] || return 0
	diag "$2 $3: the guest did not boot again; $2 stopped"
	return 1
}

scen_soak() {
	_n=$1 _i=0 _good=0 _crash=0 _other=0 _reboots=0
	_tf=$(triple_faults)
	while [ "$_i" -lt "$SOAK" ]; do
		_i=$(( _i + 1 ))
		_why=
		_t=$(now)
		if ! _d=$(xl domid "$_n" 2>/dev/null); then
			_why="no domain before the migration"
		elif ! pong "$_d"; then
			_why="no answer before the migration"
		elif ! timeout 300 xl migrate -s "" "$_n" "xl migrate-receive" >"$RES/$_n-soak-$_i.out" 2>&1; then
			_why="xl migrate failed: $(tail -n 2 "$RES/$_n-soak-$_i.out" | tr '\n' ' ')"
		elif ! _d=$(xl domid "$_n" 2>/dev/null) || ! pong "$_d"; then
			_why="no answer after the migration"
		fi
		if [ -z "$_why" ]; then
			_good=$(( _good + 1 ))
			diag "soak $_i: migrated in $(elapsed "$_t")s, domain $_d, guest uptime ${UPTIME}s"
			continue
		fi
		soak_lost "$_n" soak "$_i" "$_why" || break
	done
	diag "soak: $_good of $SOAK migrations kept the guest answering; $_crash triple fault(s), $_other other failure(s), $_reboots boot(s) to recover"
	is "$_good" "$SOAK" "soak: $SOAK live migrations in a row, the guest answering after each"
}

# evtchn_dump DOMID FILE: Xen's event channels of domain DOMID (debug key
# 'e'), as the hypervisor's log has them, into FILE
evtchn_dump() {
	xl debug-keys e >/dev/null 2>&1
	xl dmesg 2>/dev/null | awk -v d="$1" '
		/Event channel information for domain/ { on = ($NF == d":" || $NF == d) ; if (on) out = ""; }
		on { out = out $0 "\n" }
		END { printf "%s", out }' >"$2"
}

# scen_ckptsoak NAME: SOAK checkpoints in a row, each followed by 50 pings
# from dom0.  A checkpoint whose domain does not answer its agent after
# it is the emulator's or not as in scen_soak, and the guest is booted
# again; one whose NIC answers fewer than 50 is counted, with where the
# pings went (QEMU's reads of the tap, the guest's counters and the
# interrupts of each of eth0's vectors) and Xen's event channels of the
# domain kept as NAME-ckpt-I-evtchn.txt.  The next checkpoint goes on
# from there (the NIC's driver starts afresh in each).
scen_ckptsoak() {
	_n=$1 _i=0 _good=0 _deaf=0 _crash=0 _other=0 _reboots=0
	_tf=$(triple_faults)
	while [ "$_i" -lt "$SOAK" ]; do
		_i=$(( _i + 1 ))
		_why=
		_t=$(now)
		if ! _d=$(xl domid "$_n" 2>/dev/null); then
			_why="no domain before the checkpoint"
		elif ! pong "$_d"; then
			_why="no answer before the checkpoint"
		elif ! timeout 300 xl save -c "$_n" "/save/$_n.ckpt" >"$RES/$_n-ckpt-$_i.out" 2>&1; then
			_why="xl save -c failed: $(tail -n 2 "$RES/$_n-ckpt-$_i.out" | tr '\n' ' ')"
		elif ! pong "$_d"; then
			_why="no answer after the checkpoint"
		fi
		rm -f "/save/$_n.ckpt"
		if [ -z "$_why" ]; then
			pings_traced "$_d" 50 "$RES/$_n-ckpt-ping.out"
			_rc=$PING_RC _s=$PINGS _dl=$NET_DELTA
			evtchn_dump "$_d" "$RES/$_n-ckpt-$_i-evtchn.txt"
			# the pirqs bound to event channels (state 4, ECS_PIRQ), by Xen
			_dl="pirqs $(sed -n 's/.* s=4 .* p=\([0-9]*\).*/\1/p' "$RES/$_n-ckpt-$_i-evtchn.txt" | sort -n | tr '\n' ',' | sed 's/,$//'); $_dl"
			if [ "$_rc $_s" = "0 50 50" ]; then
				_good=$(( _good + 1 ))
				rm -f "$RES/$_n-ckpt-$_i-evtchn.txt"
				diag "ckptsoak $_i: checkpoint in $(elapsed "$_t")s, 50 of 50 answered; $_dl"
				continue
			fi
			_deaf=$(( _deaf + 1 ))
			diag "ckptsoak $_i: after the checkpoint the NIC answered '${_s:-none}' (ping exit $_rc); QEMU read $TAP_READ frame(s) from the tap; $_dl"
			[ "${CONTROL:-no}" = yes ] || { ask "$_d" 60 irq-state && diag "ckptsoak $_i: hybrid-irq: $ANSWER"; }
			diag "ckptsoak $_i: Xen's event channels of domain $_d kept as $_n-ckpt-$_i-evtchn.txt ($(grep -c . "$RES/$_n-ckpt-$_i-evtchn.txt") lines)"
			continue
		fi
		soak_lost "$_n" ckptsoak "$_i" "$_why" || break
	done
	diag "ckptsoak: $_good of $SOAK checkpoints left the NIC answering 50 pings of 50; $_deaf left it answering fewer; $_crash triple fault(s), $_other other failure(s), $_reboots boot(s) to recover"
	is "$_good" "$SOAK" "ckptsoak: $SOAK checkpoints in a row, the NIC answering 50 pings of 50 after each"
}

# Emulator failures.  Under QEMU TCG, HVM guests triple-fault or stop
# dead now and then, with or without hybrid in them (docs/testing.md).
# When a scenario fails and its guest died that way, the scenario's TAP
# lines become comments, the guest is booted again and the scenario runs
# once more, at most RECOVER times per profile, each one reported.
# RECOVER_SECS: what the recoveries cost, in dom0 seconds: each lost run
# of a scenario and the boot that replaced the guest.
RECOVERED=0
RECOVER_SECS=0

# guest_console NAME: the console log of this boot of the guest.  A
# live migration's receiving domain is created as NAME--incoming, and
# xenconsoled goes on logging it under that name after the rename.
guest_console() {
	_gc=$XEN_CONSOLES/guest-$1
	if [ -f "$_gc--incoming.log" ] && [ "$_gc--incoming.log" -nt "$_gc.log" ]; then
		echo "$_gc--incoming.log"
	else
		echo "$_gc.log"
	fi
}

# after_tests NAME: what the guest's console printed after its tests
# (all of it, if the domain has migrated since)
after_tests() {
	_at=$(guest_console "$1")
	case $_at in
	*--incoming.log) tr -d '\r' <"$_at" ;;
	*) sed -n '/@@RIG-GUEST-TAP-END@@/,$p' "$_at" | tr -d '\r' ;;
	esac 2>/dev/null
}

# bad_eflags FILE: the first EFLAGS of a kernel report in FILE that has
# a bit set which x86 reserves as 0 (3, 5, 15, 22 and up).  No CPU
# pushes such a value on an exception, and POPF and IRET cannot load
# one, so the emulated CPU's state was corrupt before the report.
bad_eflags() {
	sed -n 's/.* EFLAGS: \([0-9a-f][0-9a-f]*\).*/\1/p' "$1" 2>/dev/null |
		while read -r _fl; do
			if [ "${#_fl}" -gt 8 ] || [ $(( 0x$_fl & 0xffc08028 )) -ne 0 ]; then
				echo "$_fl"
				break
			fi
		done
}

# what a guest kernel prints when something went wrong
KERNEL_ERRORS='Kernel panic|BUG|Oops|WARNING|general protection|blocked for more than|rcu.*stall'

# crash_report NAME [SKIP]: the first kernel error on the guest's console
# after its tests, as TAP comments, for a failure that was not the
# emulator's; lines matching SKIP (an extended regex) do not count as one
crash_report() {
	_cr=$(after_tests "$1" | if [ -n "${2:-}" ]; then grep -Ev "$2"; else cat; fi |
		grep -E -A 24 -m 1 "$KERNEL_ERRORS")
	if [ -n "$_cr" ]; then
		diag "$1: the guest's console after its tests:" "$_cr"
	fi
}

# tf_rip: the RIP in Xen's dump of the vCPU after its last triple fault
tf_rip() {
	xen_log |
		sed -n '/Triple fault/,/RIP:/ s/.*RIP: *[0-9a-f]*:\[<\([0-9a-f]*\)>\].*/\1/p' |
		tail -n 1
}

# hybrid_at RIP NAME: the module of hybrid's that lay at RIP in this boot
# of the guest, if one did.  The rig's modload logs "rig: hybrid
# modules: NAME START-END..." on the console after each load; every
# range of the boot counts (code run after its module was unloaded is
# still hybrid's doing).  Equal-length hex strings compare as numbers.
hybrid_at() {
	cat "$XEN_CONSOLES/guest-$2.log" \
		"$XEN_CONSOLES/guest-$2--incoming.log" 2>/dev/null |
		tr -d '\r' | sed -n 's/.*rig: hybrid modules://p' |
		awk -v rip="$1" '{
			for (i = 1; i < NF; i += 2) {
				split($(i + 1), r, "-")
				if (length(rip) == 16 && rip "" >= r[1] "" && rip "" < r[2] "") {
					print $i
					exit
				}
			}
		}'
}

# emu_evidence NAME TF CONSOLE: what a lost boot of guest NAME left of
# the emulator, with EMU_WHY: 0 where Xen logged a triple fault since it
# had TF (with on_crash = "destroy" nothing survives one) and its RIP was
# in none of hybrid's modules (hybrid_at), or where the kernel reported
# an error with impossible EFLAGS on CONSOLE (bad_eflags); 1 where the
# triple fault's RIP was in hybrid's code; 2 with neither.
emu_evidence() {
	if [ "$(triple_faults)" -gt "$2" ]; then
		_rip=$(tf_rip)
		_mod=$(hybrid_at "$_rip" "$1")
		if [ -n "$_mod" ]; then
			EMU_WHY="the triple fault's RIP $_rip lies in hybrid's module $_mod"
			return 1
		fi
		EMU_WHY="$(xen_log | grep 'Triple fault' | tail -n 1) (RIP ${_rip:-unknown}, in none of hybrid's modules)"
		return 0
	fi
	_fl=$(bad_eflags "$3")
	if [ -n "$_fl" ]; then
		EMU_WHY="the guest's kernel reported an error with EFLAGS $_fl, which has bits set that x86 reserves as 0"
		return 0
	fi
	return 2
}

# emu_failure NAME: true if this boot of the guest died of the emulator:
# emu_evidence since it booted (a triple fault may have come before the
# failing scenario began, at the end of one that passed); or the domain
# is there but its agent does not answer and its console shows no
# panic, oops or warning.  Sets EMU_WHY.
emu_failure() {
	emu_evidence "$1" "${TF_BOOT:-0}" "$(guest_console "$1")"
	case $? in
	0) return 0 ;;
	1)
		diag "$1: $EMU_WHY: a failure of the test, not one of the emulator's"
		return 1 ;;
	esac
	_ed=$(xl domid "$1" 2>/dev/null) || return 1
	pong "$_ed" && return 1
	# the guest logs kernel errors on its console after its tests
	after_tests "$1" | grep -v 'soft lockup' |
		grep -qE "$KERNEL_ERRORS|Call Trace" &&
		return 1
	EMU_WHY="domain $_ed stopped answering; no panic, oops, warning or hung task on its console"
	return 0
}

# --- irqbench ---------------------------------------------------------------
IRQBENCH_SECS=${IRQBENCH_SECS:-5}
IRQBENCH_RATES=${IRQBENCH_RATES:-100 400 1600}
IRQBENCH_MASKS=${IRQBENCH_MASKS:-2000}

# trace_start FILE: xentrace records the HVM events once this returns
trace_start() {
	rm -f "$1" "$1.log"
	xentrace -D -e 0x0008f000 -S 256 "$1" >"$1.log" 2>&1 &
	TRACE_PID=$!
	wait_for 20 grep -q 'change evtmask' "$1.log"
}

# trace_stop FILE: stops it and counts (FILE.txt); sets EXITS_LINE
trace_stop() {
	kill -INT "$TRACE_PID" 2>/dev/null
	wait "$TRACE_PID"
	/rig/xenexits "$1" >"$1.txt" 2>&1
	EXITS_LINE=$(awk '
		/^exits_total/ { t = $2 }
		/^exit 0x/ { r[$3] = $4 }
		/^upcalls/ { u = $2 }
		/^device_vectors/ { d = $2 }
		/^msr_writes/ { e = $4 }
		/^physdevop/ { p = $2 }
		/^hypercall/ { h = h (h ? "," : "") $2 ":" $3 }
		/lost_records/ { l = $4 }
		END {
			printf "exits=%d eoi=%d upcalls=%d devvec=%d vintr=%d npf=%d vmmcall=%d msr=%d cpuid=%d physdevop=%d hypercalls=%s lost=%d",
				t, e, u, d, r["VINTR"], r["NPF"], r["VMMCALL"], r["MSR"], r["CPUID"], p, (h ? h : "-"), l
		}' "$1.txt")
	rm -f "$1"
}

# nic_counts DOMID: NIC_IRQS (comma list), NIC_COUNT, NIC_RX, NIC_DELIVERY
nic_counts() {
	ask "$1" 30 irq-nic || return 1
	for _w in $ANSWER; do
		case $_w in
		irqs=*) NIC_IRQS=${_w#irqs=} ;;
		count=*) NIC_COUNT=${_w#count=} ;;
		rx=*) NIC_RX=${_w#rx=} ;;
		delivery=*) NIC_DELIVERY=${_w#delivery=} ;;
		esac
	done
	[ -n "$NIC_COUNT" ]
}

# irqbench_pass NAME DOMID MODE: the loads and the mask+unmask windows,
# with the NIC given back (MODE stock) or adopted by hybrid-irq (adopted)
irqbench_pass() {
	_n=$1 _d=$2 _m=$3
	case $_m in
	stock) ask "$_d" 60 irq-adopt none ;;
	*) ask "$_d" 60 irq-adopt nic ;;
	esac
	if [ "$ANSWER" != ok ] || ! nic_counts "$_d"; then
		not_ok "irqbench: $_m: the guest set the NIC's adoption and reports its interrupts (answer '$ANSWER')"
		return 1
	fi
	ok "irqbench: $_m: the guest reports its NIC's interrupts (irqs $NIC_IRQS, $NIC_DELIVERY)"
	_k=$NIC_DELIVERY
	[ "$_m" = stock ] || _k=$_k/$_m
	_tr=/tmp/irqbench.trace
	for _load in idle flood $(for _r in $IRQBENCH_RATES; do echo "udp$_r"; done); do
		nic_counts "$_d"
		_c0=$NIC_COUNT _r0=$NIC_RX
		if ! trace_start "$_tr"; then
			not_ok "irqbench: $_load: xentrace started"
			diag "$(cat "$_tr.log")"
			return 1
		fi
		case $_load in
		idle) sleep "$IRQBENCH_SECS" ;;	# the measurement window itself
		flood) timeout $(( IRQBENCH_SECS + 10 )) ping -f -w "$IRQBENCH_SECS" "$GUEST_IP" >"$RES/$_n-irqbench-$_m-$_load.out" 2>&1 ;;
		udp*) /rig/udpsend "$GUEST_IP" 9 "${_load#udp}" "$IRQBENCH_SECS" >"$RES/$_n-irqbench-$_m-$_load.out" 2>&1 ;;
		esac
		trace_stop "$_tr"
		cp "$_tr.txt" "$RES/$_n-irqbench-$_m-$_load-exits.txt"
		nic_counts "$_d"
		diag "IRQBENCH $PROFILE $_n $_k $_load secs=$IRQBENCH_SECS dev_irqs=$(( NIC_COUNT - _c0 )) rx=$(( NIC_RX - _r0 )) $EXITS_LINE"
	done
	# mask+unmask of the NIC's first vector: the same traced window with
	# no operation and with IRQBENCH_MASKS of them
	_irq=${NIC_IRQS%%,*}
	for _k2 in 0 "$IRQBENCH_MASKS"; do
		trace_start "$_tr" || { not_ok "irqbench: mask: xentrace started"; return 1; }
		ask "$_d" 300 irq-maskbench "$_irq" "$_k2"
		_a=$ANSWER
		trace_stop "$_tr"
		cp "$_tr.txt" "$RES/$_n-irqbench-$_m-mask$_k2-exits.txt"
		diag "IRQBENCH $PROFILE $_n $_k mask$_k2 irq=$_irq ops=$_k2 result='$_a' $EXITS_LINE"
		like "$_a" "$_irq $_k2 [0-9]+" "irqbench: $_m: $_k2 mask+unmask pairs of irq $_irq ran in the guest"
	done
}

scen_irqbench() {
	_n=$1
	_d=$(xl domid "$_n" 2>/dev/null)
	irqbench_pass "$_n" "$_d" stock &&
		irqbench_pass "$_n" "$_d" adopted
	check "irqbench: the NIC still answers after the benchmark" ping -c 3 -W 5 "$GUEST_IP"
}

# fake_emu_oops NAME: an emulator failure on request (RIG_TEST_EMU_OOPS),
# to test its recovery: the guest is paused, so that the next scenario
# fails, and its console log gets an oops line with reserved EFLAGS bits
fake_emu_oops() {
	diag "$1: pausing the guest and writing an oops line with EFLAGS 830c8426 to its console log (RIG_TEST_EMU_OOPS)"
	xl pause "$1"
	echo "[ 0.000000] RSP: 0018:ffffd32cc009fd78 EFLAGS: 830c8426 (RIG_TEST_EMU_OOPS)" >>"$(guest_console "$1")"
}

# fake_emu_tf NAME SECS: a triple fault on request (RIG_TEST_EMU_TF), to
# test that the extra suite is stopped and recovered: SECS seconds into
# the suite, in the background (FAKE_TF_PID, killed once the suite has
# ended, however it ended), the guest is paused and a triple fault with
# a RIP in no module of hybrid's is added to what xen_log reads
fake_emu_tf() {
	(
		sleep "$2"	# the test's own delay, not a wait for anything
		_fd=$(xl domid "$1" 2>/dev/null)
		xl pause "$1"
		# stamped with Xen's latest time, so that it sorts after
		# everything Xen logged before it (xen_log)
		_ft=$(xl dmesg 2>/dev/null | sed -n 's/^(XEN) \[ *\([0-9.]*\)\].*/\1/p' | tail -n 1)
		printf '%s\n' "(XEN) [${_ft:-0}] d${_fd}v0 Triple fault - invoking HVM shutdown action 1 (RIG_TEST_EMU_TF)" \
			"(XEN) [${_ft:-0}] RIP:    0010:[<ffffffff81000000>]" >>"$TEST_XEN_LOG"
	) >/dev/null 2>&1 &
	FAKE_TF_PID=$!
	diag "$1: in ${2}s the guest is paused and a triple fault is logged for it (RIG_TEST_EMU_TF)"
}

# scenario NAME FUNC [ARG...]: FUNC NAME ARG..., again on a freshly booted
# guest after an emulator failure
scenario() {
	_sn=$1 _sf=$2
	shift 2
	_sw=${_sf#scen_}
	[ "$_sf" != scen_extra ] || _sw="extra${1:+ $1}"	# and its part
	while :; do
		_mark=$(wc -l <"$TAP_FILE")
		_st=$(now)
		SCEN_TF=$(triple_faults)
		"$_sf" "$_sn" "$@"
		tail -n +"$(( _mark + 1 ))" "$TAP_FILE" | grep -q '^not ok' || return 0
		if ! emu_failure "$_sn"; then
			crash_report "$_sn"
			return 0
		fi
		if [ "$RECOVERED" -ge "$RECOVER" ]; then
			diag "emulator failure in $_sw ($EMU_WHY); no recovery left (RECOVER=$RECOVER)"
			return 0
		fi
		emu_recover "$_sn" "$_mark" "$_sw" "$_st" || return 0
	done
}

# emu_recover NAME MARK WHAT START: recovers guest NAME from the
# emulator's failure in WHAT (EMU_WHY says why it was the emulator's):
# the TAP lines since line MARK are kept as comments, the lost boot's
# console in RES, the guest boots again, and the time since START (from
# now()) counts as the recovery's cost.  False if it did not boot again.
emu_recover() {
	RECOVERED=$(( RECOVERED + 1 ))
	sed -i -e "$(( $2 + 1 )),\$ s/^\(not ok\|ok\) /# (lost to the emulator) \1 /" \
		-e "$(( $2 + 1 )),\$ s/^# IRQBENCH /# (lost to the emulator) IRQBENCH /" "$TAP_FILE"
	diag "emulator failure in $3: $EMU_WHY" \
		"the guest is booted again to run $3 again (recovery $RECOVERED of at most $RECOVER)"
	cp "$XEN_CONSOLES/guest-$1.log" "$RES/$1-console-lost$RECOVERED.log" 2>/dev/null
	mv "$XEN_CONSOLES/guest-$1--incoming.log" \
		"$RES/$1-console-lost$RECOVERED-incoming.log" 2>/dev/null
	reboot_guest "$1"
	_er_t=$(elapsed "$4")
	RECOVER_SECS=$(( RECOVER_SECS + _er_t ))
	if [ "$BOOTED" != yes ]; then
		not_ok "the guest boots again after an emulator failure (tries: $TRIES)"
		return 1
	fi
	ok "the guest boots again after an emulator failure (${BOOT_SECS}s, tries: $TRIES)"
	diag "recovery $RECOVERED cost ${_er_t}s (the lost run of $3 and the boot after it)"
}

# extra_run NAME [ARG]: RIG_EXTRA_DOM0's run.sh for guest NAME, in a
# session of its own, stopped as soon as Xen logs a triple fault: the
# guest is then gone, and the rest of the suite would only wait out its
# timeouts against a dead domain (one such run took 20 minutes).  The
# suite's status, 143 if stopped.
extra_run() {
	_ew_tf=$(triple_faults)
	_ew_done=/tmp/extra-done.$$
	rm -f "$_ew_done"
	GUEST=$1 DOMID=$(xl domid "$1") RES=$RES RESUMES=$RESUMES \
		GUEST_SCENARIOS=$SCENARIOS setsid sh -c \
		'cd /rig/extra && ./run.sh "$@"; echo $? >"$0"' "$_ew_done" ${2:+"$2"} &
	_ew_pid=$!
	while [ ! -e "$_ew_done" ]; do
		if [ "$(triple_faults)" -gt "$_ew_tf" ]; then
			echo "Xen logged a triple fault: the suite is stopped, its guest is gone" >&2
			kill -TERM -"$_ew_pid" 2>/dev/null
			break
		fi
		sleep 3	# a poll of Xen's log, not a wait for an event
	done
	wait "$_ew_pid"
	_ew_rc=143
	[ ! -e "$_ew_done" ] || _ew_rc=$(cat "$_ew_done")
	rm -f "$_ew_done"
	return "$_ew_rc"
}

# extra_parts NAME: the parts RIG_EXTRA_DOM0's suite runs for guest NAME
# one by one, each a scenario of its own, as its executable "parts"
# prints them; none (run.sh runs whole) without one
extra_parts() {
	[ -x /rig/extra/parts ] || return 0
	(cd /rig/extra && GUEST=$1 DOMID=$(xl domid "$1") RES=$RES RESUMES=$RESUMES \
		GUEST_SCENARIOS=$SCENARIOS ./parts) 2>/dev/null
}

# scen_extra NAME [PART]: RIG_EXTRA_DOM0's suite, or one of the parts
# extra_parts names (each a scenario of its own, recovered alone).  A
# suite that leaves the guest's resumes since its boot in
# $RES/NAME-resumes (its own suspends added to RESUMES) passes them on
# to the next part.
scen_extra() {
	_n=$1
	_x="extra${2:+ $2}"
	if [ ! -x /rig/extra/run.sh ]; then
		not_ok "extra: RIG_EXTRA_DOM0 has no executable run.sh"
		return
	fi
	_out="$RES/$_n-extra${2:+-$(echo "$2" | tr : -)}.out"
	FAKE_TF_PID=
	if [ "${TEST_EMU_TF:-}" = "$_n" ]; then
		TEST_EMU_TF=
		fake_emu_tf "$_n" 30
	fi
	rm -f "$RES/$_n-resumes"
	extra_run "$_n" ${2:+"$2"} >"$_out" 2>&1
	_rc=$?
	[ -z "$FAKE_TF_PID" ] || kill "$FAKE_TF_PID" 2>/dev/null
	_r=$(cat "$RES/$_n-resumes" 2>/dev/null)
	case $_r in
	"" | *[!0-9]*) ;;
	*) RESUMES=$_r ;;
	esac
	while IFS= read -r _l; do
		case $_l in
		"ok "* | "not ok "*) _tap_out "$(echo "$_l" | sed -E "s/^(not ok|ok) *[0-9]* *-? */\\1 - $TAP_PREFIX$_x: /")" ;;
		*) _tap_out "# $_x: $_l" ;;
		esac
	done <"$_out"
	is "$_rc" 0 "$_x: dom0 script exited 0"
}

# scen_debug NAME: after every other scenario, the debug kernel's
# verdict on everything the guest ran since it booted (guest_debug_scan)
scen_debug() {
	_d=$(xl domid "$1" 2>/dev/null)
	if [ -z "$_d" ] || ! ask "$_d" 600 debug-scan; then
		not_ok "debug: the guest scanned for leaks and reports (answer '${ANSWER:-}')"
		return
	fi
	diag "debug: $ANSWER ($RECOVERED recovery(s) in this profile)"
	if [ "$RECOVERED" -gt 0 ]; then
		diag "debug: a boot lost to the emulator was not scanned; its console is kept as $1-console-lost*.log"
	fi
	like "$ANSWER" "leaks=0 reports=0 lockups=[0-9]+ resumes=[0-9]+" "debug: no kmemleak leak and no KASAN, KFENCE, lockdep, UBSAN or debug-objects report"
	case $ANSWER in
	"leaks=0 reports=0 "*) ;;
	*) diag "debug: what the guest found:" "$(tr -d '\r' <"$(guest_console "$1")" |
		grep -E '^rig (kmemleak|report): ' | head -n 60)" ;;
	esac
}

# guest_scenarios OPTS: the scenarios a guest with OPTS runs.  A guest
# that does not load hybrid (nomod) runs no extra suite: the suite's
# guest part does not run in it either.  Such a guest booted with
# xen_no_vector_callback (novcb) is not suspended either: the kernel does
# not set its INTx event callback again after a restore, so it never
# answers again; hybrid sets it (docs/interrupts.md).
guest_scenarios() {
	case ",$1," in
	*,nomod,*) ;;
	*) echo "$SCENARIOS"; return ;;
	esac
	case ",$1," in
	*,novcb,*) no_suspends | sed 's/ extra / /' ;;
	*) echo " $SCENARIOS " | sed 's/ extra / /' ;;
	esac
}

# no_suspends: SCENARIOS without saverestore, migrate, soak and ckptsoak
no_suspends() {
	echo " $SCENARIOS " | sed 's/ saverestore / /; s/ migrate / /; s/ soak / /; s/ ckptsoak / /'
}

# guest_exposure NAME SAVES TF: what the guest went through under the
# emulator since xen_saves was SAVES and triple_faults TF, for a loss
# rate per boot and per suspend (docs/testing.md)
guest_exposure() {
	diag "$1: under the emulator: $GUEST_BOOTS boot(s), $(( $(xen_saves) - $2 - GUEST_BOOTS )) suspend(s), $(( $(triple_faults) - $3 )) triple fault(s), by Xen's log"
}

# guest_tap NAME: the guest's own TAP (its tests and the suites' guest
# parts, run as it booted), prefixed with its name.  Where one failed and
# the guest's kernel reported an error with impossible EFLAGS on its
# console (bad_eflags: the emulated CPU's state was corrupt), the boot
# is the emulator's loss as a scenario's would be: its results are kept
# as lost, the guest boots again and they are taken from that boot,
# within the same RECOVER budget.  False if it did not boot again.
guest_tap() {
	while :; do
		_gt_mark=$(wc -l <"$TAP_FILE")
		# the lost boot ran the tests: its time counts as the loss's
		_gt_t=$(( $(now) - ${BOOT_SECS:-0} ))
		sed -n 's/^.*RIGTAP //p' "$XEN_CONSOLES/guest-$1.log" | tr -d '\r' |
			sed -E "s/^(not ok|ok) - /\\1 - $1: guest: /" |
			while IFS= read -r _l; do _tap_out "$_l"; done
		tail -n +"$(( _gt_mark + 1 ))" "$TAP_FILE" | grep -q '^not ok' || return 0
		_fl=$(bad_eflags "$XEN_CONSOLES/guest-$1.log")
		[ -n "$_fl" ] || return 0
		EMU_WHY="the guest's kernel reported an error with EFLAGS $_fl, which has bits set that x86 reserves as 0"
		if [ "$RECOVERED" -ge "$RECOVER" ]; then
			diag "emulator failure in the guest's own tests ($EMU_WHY); no recovery left (RECOVER=$RECOVER)"
			return 0
		fi
		emu_recover "$1" "$_gt_mark" "the guest's own tests" "$_gt_t" || return 1
	done
}

# run_guest NAME KVER PIRQ OPTS
run_guest() {
	_name=$1
	_scen_all=$SCENARIOS
	SCENARIOS=$(guest_scenarios "$4")
	case ",$4," in *,nomod,*) CONTROL=yes ;; *) CONTROL=no ;; esac
	TAP_PREFIX="$_name: "
	diag "=== guest $_name: kernel $2, hvm_pirq $3, $(guest_vcpus "$4") vCPU(s), $4 ==="
	case ",$4," in
	*,nomod,*)
		case " $_scen_all " in
		*" extra "*) diag "$_name: no extra suite: a control runs none of hybrid" ;;
		esac
		case ",$4,:$_scen_all " in
		*,novcb,*:*" saverestore "* | *,novcb,*:*" migrate "* | *,novcb,*:*" soak "*)
			diag "$_name: no save/restore or migration: without hybrid, a guest booted with xen_no_vector_callback does not come back from a restore" ;;
		esac ;;
	esac
	guest_cfg "$_name" "$3" "$4" >"/tmp/$_name.cfg"
	cp "/tmp/$_name.cfg" "$RES/$_name.cfg"
	GUEST_BOOTS=0
	_rg_saves=$(xen_saves)
	_rg_tf=$(triple_faults)
	# KASAN, lockdep and kmemleak slow the debug kernel down about threefold
	GUEST_LIMIT=$GUEST_BOOT_TIMEOUT
	case ",$4," in *,debug,*) GUEST_LIMIT=$(( GUEST_BOOT_TIMEOUT * 3 )) ;; esac
	boot_guest "$_name"
	if [ "$BOOTED" = yes ]; then
		ok "guest booted and ran its tests in ${BOOT_SECS}s (boot tries: $TRIES of at most $BOOT_TRIES)"
	else
		not_ok "guest booted and ran its tests (boot tries: $TRIES of at most $BOOT_TRIES)"
	fi
	# guest_tap boots the guest again where the emulator lost its tests
	if [ "$BOOTED" != yes ] || ! guest_tap "$_name"; then
		for s in $SCENARIOS; do
			not_ok "$s: not run, the guest did not boot"
		done
		guest_exposure "$_name" "$_rg_saves" "$_rg_tf"
		TAP_PREFIX=
		SCENARIOS=$_scen_all
		return
	fi
	# hybrid_at's map: a triple fault's RIP is told from hybrid's code
	# only where the guest's console says where its modules lie
	[ "$CONTROL" = yes ] ||
		check "the guest's console says where hybrid's modules lie" \
			grep -q 'rig: hybrid modules:.* hybrid [0-9a-f]\{16\}-[0-9a-f]\{16\}' \
			"$XEN_CONSOLES/guest-$_name.log"
	want sysfs && scenario "$_name" scen_sysfs "$3" "$4"
	[ "${TEST_EMU_OOPS:-}" = "$_name" ] && fake_emu_oops "$_name"
	want net && scenario "$_name" scen_net
	want saverestore && scenario "$_name" scen_saverestore
	want migrate && scenario "$_name" scen_migrate
	if want extra && [ -e /rig/extra ]; then
		_parts=$(extra_parts "$_name")
		if [ -z "$_parts" ]; then
			scenario "$_name" scen_extra
		else
			for _part in $_parts; do
				scenario "$_name" scen_extra "$_part"
			done
		fi
	fi
	want soak && scen_soak "$_name"
	want ckptsoak && scen_ckptsoak "$_name"
	want irqbench && scenario "$_name" scen_irqbench
	case ",$4," in *,debug,*) scen_debug "$_name" ;; esac
	guest_exposure "$_name" "$_rg_saves" "$_rg_tf"
	cp "$XEN_CONSOLES/guest-$_name.log" "$RES/$_name-console.log" 2>/dev/null
	xl destroy "$_name" >/dev/null 2>&1
	if wait_for 60 sh -c "! xl domid $_name >/dev/null 2>&1"; then
		ok "guest destroyed"
	else
		not_ok "guest destroyed"
	fi
	TAP_PREFIX=
	SCENARIOS=$_scen_all
}
