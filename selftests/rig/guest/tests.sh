# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Guest-side tests (busybox ash).  Sourced by the guest init.

KO=/rig/hybrid.ko
SYSFS=/sys/hypervisor/hybrid
LOOPS=${RIG_LOAD_LOOPS:-20}
TAINT_OK_MASK=$(( 4096 | 8192 ))	# O (out-of-tree), E (unsigned)
BAD_DMESG='WARNING:|BUG:|Oops|Call Trace|general protection|RIP: |UBSAN|KASAN|kernel BUG'

loaded() { grep -q '^hybrid ' /proc/modules; }

# a control guest (RIG_GUESTS option nomod): nothing of hybrid runs in it
is_control() { grep -q 'rig\.module=0' /proc/cmdline; }

# new dmesg lines since mark N (line count)
dmesg_since() { dmesg | tail -n +"$(( $1 + 1 ))"; }

# --------------------------------------------------------------------------
# Not on Xen: the module must refuse to load with ENODEV and say why.
guest_native_tests() {
	like "$(cat /sys/hypervisor/type 2>/dev/null || echo none)" 'none|[^x].*' \
		"native: not running on Xen (/sys/hypervisor/type)"
	mark=$(dmesg | wc -l)
	out=$(modload "$KO" 2>&1)
	rc=$?
	diag "$out"
	is "$rc" 19 "native: loading hybrid.ko fails with errno 19 (ENODEV)"
	like "$out" '.*No such device.*' "native: the error is 'No such device'"
	if dmesg_since "$mark" | grep -q 'hybrid: not running on Xen, not loading'; then
		ok "native: kernel log says 'hybrid: not running on Xen, not loading'"
	else
		not_ok "native: kernel log says 'hybrid: not running on Xen, not loading'"
		diag "$(dmesg_since "$mark" | tail -n 20)"
	fi
	check "native: no $SYSFS afterwards" test ! -e "$SYSFS"
	check "native: hybrid not in /proc/modules" sh -c '! grep -q "^hybrid " /proc/modules'
	# the same through busybox insmod, as an operator would do it
	out=$(insmod "$KO" 2>&1)
	rc=$?
	diag "insmod: $out"
	if [ "$rc" -ne 0 ] && echo "$out" | grep -q 'No such device'; then
		ok "native: insmod exits non-zero with 'No such device'"
	else
		not_ok "native: insmod exits non-zero with 'No such device'"
	fi
}

# --------------------------------------------------------------------------
guest_xen_tests() {
	if is_control; then
		diag "rig.module=0: this guest does not load hybrid (a control for the rig)"
		mark=$(dmesg | wc -l)
		guest_network
		return
	fi
	taint0=$(cat /proc/sys/kernel/tainted)
	mark=$(dmesg | wc -l)
	pre=$(dmesg | grep -E "$BAD_DMESG")
	[ -z "$pre" ] || diag "boot already logged (not counted against hybrid):" "$pre"

	out=$(modload "$KO" 2>&1)
	is "$out" "modload: ok" "xen: hybrid.ko loads"
	check "xen: hybrid listed in /proc/modules" loaded
	line=$(dmesg_since "$mark" | grep 'hybrid: bound to Xen')
	if [ -n "$line" ]; then ok "xen: kernel log has 'hybrid: bound to Xen'"; diag "$line"
	else not_ok "xen: kernel log has 'hybrid: bound to Xen'"; fi

	for a in mode xen_version domid callback hvm_pirqs hvm_cpuid; do
		check "xen: $SYSFS/$a readable and not empty" test -s "$SYSFS/$a"
	done
	is "$(cat $SYSFS/mode)" hvm "xen: mode is hvm"
	like "$(cat $SYSFS/domid)" '[1-9][0-9]*' "xen: domid is a domain number"
	is "$(cat $SYSFS/domid)" "$(xsc read domid)" "xen: domid matches xenstore's ~/domid"
	like "$(cat $SYSFS/xen_version)" '[0-9]+\.[0-9]+.*' "xen: xen_version looks like a version"
	like "$(cat $SYSFS/hvm_pirqs)" '0|1' "xen: hvm_pirqs is 0 or 1"
	like "$(cat $SYSFS/callback)" '[a-z-]+' "xen: callback is named"
	like "$(cat $SYSFS/hvm_cpuid)" '0x[0-9a-f]{8}.*' "xen: hvm_cpuid is 0x%08x plus names"
	diag "sysfs: $(for a in mode xen_version domid callback hvm_pirqs hvm_cpuid; do printf '%s=%s; ' $a "$(cat $SYSFS/$a)"; done)"

	fails=0
	i=0
	while [ "$i" -lt "$LOOPS" ]; do
		i=$(( i + 1 ))
		if ! rmmod hybrid; then fails=$(( fails + 1 )); diag "rmmod failed in round $i"; continue; fi
		if [ -e "$SYSFS" ]; then fails=$(( fails + 1 )); diag "$SYSFS still there after rmmod, round $i"; fi
		out=$(modload "$KO" 2>&1)
		if [ "$out" != "modload: ok" ]; then fails=$(( fails + 1 )); diag "round $i: $out"; fi
		[ -r "$SYSFS/domid" ] || { fails=$(( fails + 1 )); diag "no $SYSFS/domid after load, round $i"; }
	done
	is "$fails" 0 "xen: $LOOPS unload/load rounds without a failure"
	check "xen: loaded after the rounds" loaded
	bound=$(dmesg_since "$mark" | grep -c 'hybrid: bound to Xen')
	is "$bound" $(( LOOPS + 1 )) "xen: one 'bound to Xen' line per load"

	bad=$(dmesg_since "$mark" | kernel_reports "$BAD_DMESG")
	if [ -z "$bad" ]; then ok "xen: no WARNING/BUG/Oops in dmesg after $LOOPS rounds"
	else not_ok "xen: no WARNING/BUG/Oops in dmesg after $LOOPS rounds"; diag "$bad"; fi
	taint1=$(cat /proc/sys/kernel/tainted)
	new=$(( taint1 & ~taint0 & ~TAINT_OK_MASK ))
	is "$new" 0 "xen: no new taint besides O/E (before $taint0, after $taint1)"

	guest_publish
	guest_network
}

# Publish what the guest saw, for dom0 to compare with what it knows.
guest_publish() {
	for a in mode xen_version domid callback hvm_pirqs; do
		xsc write "data/rig/sysfs/$a" "$(cat $SYSFS/$a)" ||
			not_ok "xen: publish $a in xenstore"
	done
}

guest_network() {
	out=$(modprobe e1000e 2>&1)
	check "xen: e1000e driver loads" test -z "$out"
	[ -z "$out" ] || diag "$out"
	if wait_for 30 test -e /sys/class/net/eth0; then
		ip link set eth0 up
		ip addr add 169.254.0.2/16 dev eth0
		ok "xen: eth0 configured 169.254.0.2/16"
	else
		not_ok "xen: eth0 configured 169.254.0.2/16"
	fi
	irq=$(grep -E 'eth0' /proc/interrupts | sed 's/  */ /g' | head -n 3 | tr '\n' ';')
	diag "eth0 interrupts: $irq"
	xsc write data/rig/nicirq "${irq:-none}"
}

# --------------------------------------------------------------------------
# rig.spin=1 (RIG_GUESTS option spin): a process that wakes about every
# millisecond runs from here on, the load hybrid-migrate's page watcher
# puts on a guest with hybrid, so that a control can be loaded the same
# way.  It must be seen waking: 500 wakeups within 20 s.
spin_wakeups() {
	sed -n 's/^voluntary_ctxt_switches:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null
}
spin_woke() { [ "$(spin_wakeups "$1")" -ge 500 ] 2>/dev/null; }

guest_spin() {
	grep -q 'rig\.spin=1' /proc/cmdline || return 0
	/rig/spin 2>/tmp/spin.err &
	spin_pid=$!
	t0=$(cut -d' ' -f1 /proc/uptime)
	if wait_for 20 spin_woke "$spin_pid"; then
		ok "load: a process wakes every millisecond ($(spin_wakeups "$spin_pid") wakeups from $t0 s to $(cut -d' ' -f1 /proc/uptime) s of uptime)"
	else
		not_ok "load: a process wakes every millisecond (wakeups: $(spin_wakeups "$spin_pid"))"
		diag "$(cat /tmp/spin.err 2>/dev/null)"
	fi
}

# --------------------------------------------------------------------------
# After dom0 saved/restored or migrated the guest: sysfs still readable
# and the kernel log clean since the tests ran.
guest_recheck() {
	r=ok
	# a control has no hybrid to find, only its dmesg
	if ! is_control; then
		for a in mode xen_version domid callback hvm_pirqs; do
			[ -s "$SYSFS/$a" ] || r="fail:$a-unreadable"
		done
		loaded || r="fail:not-loaded"
	fi
	# Soft-lockup reports (the watchdog seeing a stall of the emulated
	# CPU across a suspend) are reported, not failed, unless hybrid is
	# in them; any other WARNING/BUG/Oops fails.  "Modules linked in:"
	# names every loaded module, hybrid's too, so it says nothing of
	# who stalled.
	new=$(dmesg_since "$mark")
	bad=$(echo "$new" | grep -E 'WARNING:|Oops|BUG:|general protection|UBSAN|KASAN' |
		grep -v 'soft lockup' | head -n 3 | tr '\n' '|')
	hyb=$(echo "$new" | grep -E "$BAD_DMESG" -A 40 | grep -v 'Modules linked in:' |
		grep -E '\[hybrid\]|hybrid_' | head -n 3 | tr '\n' '|')
	lock=$(echo "$new" | grep -c 'soft lockup')
	[ -z "$bad$hyb" ] || r="fail:dmesg:$bad$hyb"
	echo "$r domid=$(cat $SYSFS/domid 2>/dev/null) xsdomid=$(xsc read domid) soft_lockups=$lock"
}

# The guest's side of dom0's pings, to tell where one was lost:
# "echo_in=N echo_out=N icmp_err=N ip_discard=N ip_in=N ip_in_err=N
# softnet=N rx=N rx_drop=N rx_missed=N tx=N irq:ACTION=N...", from the
# stack's counters (Icmp InEchos, OutEchoReps, OutErrors: a reply with
# no buffer, Ip OutDiscards, InReceives, and InHdrErrors + InAddrErrors
# + InDiscards), the packets the kernel's receive softirq took from the
# drivers (/proc/net/softnet_stat, all CPUs), eth0's counters (the
# e1000e's own: frames the device put in its ring), and the interrupts
# each of eth0's vectors took (by its action's name in /proc/interrupts:
# eth0-rx-0, eth0-tx-0, eth0)
guest_netstats() {
	awk '$1 == "Icmp:" && !icmp { for (i = 2; i <= NF; i++) ic[i] = $i; icmp = 1; next }
	$1 == "Icmp:" { for (i = 2; i <= NF; i++) v[ic[i]] = $i }
	$1 == "Ip:" && !ip { for (i = 2; i <= NF; i++) pc[i] = $i; ip = 1; next }
	$1 == "Ip:" { for (i = 2; i <= NF; i++) w[pc[i]] = $i }
	END { printf "echo_in=%d echo_out=%d icmp_err=%d ip_discard=%d ip_in=%d ip_in_err=%d",
		v["InEchos"], v["OutEchoReps"], v["OutErrors"], w["OutDiscards"],
		w["InReceives"], w["InHdrErrors"] + w["InAddrErrors"] + w["InDiscards"] }' /proc/net/snmp
	sn=0
	while read -r p _; do
		sn=$(( sn + 0x$p ))
	done </proc/net/softnet_stat
	printf ' softnet=%d' "$sn"
	s=/sys/class/net/eth0/statistics
	echo " rx=$(cat $s/rx_packets) rx_drop=$(cat $s/rx_dropped)" \
		"rx_missed=$(cat $s/rx_missed_errors) tx=$(cat $s/tx_packets)" \
		"$(awk 'NR == 1 { n = NF; next }
		$NF ~ /^eth0/ { c = 0; for (i = 2; i <= n + 1; i++) c += $i
			printf "%sirq:%s=%d", sep, $NF, c; sep = " " }' /proc/interrupts)"
}

# The debug kernel's verdict (make rig-debug): two kmemleak scans (an
# object is reported once no scan found a reference to it), then
# "leaks=N reports=N lockups=N resumes=N" over the kernel log since
# boot: leaks kmemleak suspects, reports from KASAN, KFENCE, lockdep,
# UBSAN, debug objects or any other BUG/WARNING, soft lockups (the
# watchdog seeing the emulated CPU stall across a suspend; counted, not
# reports), and the suspends this boot came back from (each thaws tasks
# once), whichever scenario or suite made them.
# Every leak and report line goes to the console, which dom0 keeps.
DEBUG_REPORTS='BUG:|WARNING:|UBSAN:|ODEBUG:|Oops|general protection|INFO: (possible|trying|task)|kmemleak: .*new suspected'
guest_debug_scan() {
	k=/sys/kernel/debug/kmemleak
	[ -e $k ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	if [ ! -w $k ]; then
		echo "no-kmemleak"
		return
	fi
	echo scan >$k
	echo scan >$k
	cat $k >/tmp/kmemleak
	sed 's/^/rig kmemleak: /' /tmp/kmemleak >/dev/console
	dmesg >/tmp/dmesg
	grep -E "$DEBUG_REPORTS" /tmp/dmesg | grep -v 'soft lockup' >/tmp/reports
	sed 's/^/rig report: /' /tmp/reports >/dev/console
	echo "leaks=$(grep -c '^unreferenced object' /tmp/kmemleak)" \
		"reports=$(grep -c . /tmp/reports)" \
		"lockups=$(grep -c 'soft lockup' /tmp/dmesg)" \
		"resumes=$(grep -cE 'Restarting tasks( \.\.\.|: Starting)' /tmp/dmesg)"
}

# Serve dom0: requests "SEQ CMD ARG..." in ~/data/rig/req, answers
# "SEQ RESULT" in ~/data/rig/resp.  A RIG_EXTRA_GUEST suite with an
# agent.sh gets the commands the rig does not know: the agent sources it
# and calls its extra_agent CMD ARG...
guest_agent() {
	extra=no
	if [ -f /rig/extra/agent.sh ] && ! is_control; then
		. /rig/extra/agent.sh
		extra=yes
	fi
	# The agent blocks on a xenstore watch: an idle guest runs nothing
	# (each start of a static program costs CPUID exits).  rig.agent=poll
	# (the debug guest) polls instead: a watch registered through
	# /dev/xen/xenbus completes a lock cycle in the kernel's own xenbus
	# code at the next suspend, and after that first report lockdep
	# checks nothing more (docs/testing.md)
	agent_poll=no
	grep -q 'rig\.agent=poll' /proc/cmdline && agent_poll=yes
	xsc write data/rig/agent ready
	last=
	while :; do
		if [ "$agent_poll" = yes ]; then
			req=$(xsc read data/rig/req 2>/dev/null)
			if [ -z "$req" ] || [ "$req" = "$last" ]; then
				sleep 0.3
				continue
			fi
		elif ! req=$(xsc next data/rig/req "$last"); then
			sleep 1	# xenbus failed; try again, not in a tight loop
			continue
		fi
		last=$req
		set -- $req
		seq=$1
		case ${2:-} in
		ping) resp="pong ${3:-} $(cut -d' ' -f1 /proc/uptime)" ;;
		recheck) resp=$(guest_recheck) ;;
		netstats) resp=$(guest_netstats) ;;
		debug-scan) resp=$(guest_debug_scan) ;;
		*)
			if [ "$extra" = yes ]; then
				shift
				resp=$(extra_agent "$@")
			else
				resp="unknown-command"
			fi
			;;
		esac
		xsc write data/rig/resp "$seq $resp"
		echo "rig agent: $seq $resp"
	done
}
