# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Guest side of the hybrid-migrate tests (busybox ash), run by the rig as
# its RIG_EXTRA_GUEST suite (run.sh), with the rig's TAP helpers loaded.
#
#   migrate_guest_tests   load hybrid-migrate.ko, run migrate_test, unload
#                         and reload it with a PREPARE pending, then start
#                         the event agent the dom0 scenarios read (agent.sh)

. /rig/extra/agent.sh
MKO=/rig/extra/ko/$(uname -r)/hybrid-migrate.ko
HM_BAD='WARNING:|BUG:|Oops|Call Trace|general protection|RIP: |UBSAN|KASAN|kernel BUG'

migrate_loaded() { grep -q '^hybrid_migrate ' /proc/modules; }

migrate_guest_tests() {
	mkdir -p "$HMDIR"
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	hm_mark=$(dmesg | wc -l)

	out=$(modload "$MKO" 2>&1)
	is "$out" "modload: ok" "migrate: hybrid-migrate.ko loads"
	check "migrate: /dev/hybrid-migrate exists" test -c /dev/hybrid-migrate
	is "$(stat -c %a /dev/hybrid-migrate 2>/dev/null)" 644 \
		"migrate: the node is mode 0644 (anyone reads, root acks)"
	is "$(xsc read data/hybrid-migrate/version 2>&1)" 1 \
		"migrate: data/hybrid-migrate/version is 1 in xenstore"

	# The device tests; their TAP is merged in.
	/rig/extra/migrate_test >"$HMDIR/migrate_test.out" 2>&1
	rc=$?
	ksft_merge "migrate: device" "$HMDIR/migrate_test.out"
	is "$rc" 0 "migrate: migrate_test exited 0"

	# What a PREPARE costs with 1, 100 and 10000 open files (a table for
	# docs/performance.md; times under TCG mean little, ratios do).
	if /rig/extra/hm_fanout >"$HMDIR/fanout.out" 2>&1; then
		ok "migrate: hm_fanout measured a PREPARE with 1, 100 and 10000 open files"
	else
		not_ok "migrate: hm_fanout measured a PREPARE with 1, 100 and 10000 open files"
	fi
	while IFS= read -r l; do diag "fanout: $l"; done <"$HMDIR/fanout.out"

	# Unload with a PREPARE pending (no file open): clean, host told.
	id=$(( $(date +%s) * 1000 + 1 ))
	echo "prepare $id 60000" >/sys/kernel/debug/hybrid-migrate/inject
	hold_then_unload "$id"

	# Loads that fail half-way (the driver's fail_init_at test hook)
	# unwind: no node, nothing left in xenstore, and a plain load works.
	for step in 1:28 2:16; do
		rmmod hybrid_migrate
		out=$(modload "$MKO" "fail_init_at=${step%:*}" 2>&1)
		like "$out" "modload: errno ${step#*:} .*" \
			"migrate: a load failing at step ${step%:*} is refused ($out)"
		if [ -e /dev/hybrid-migrate ] || xsc read data/hybrid-migrate/version >/dev/null 2>&1; then
			not_ok "migrate: ... and leaves no node, no data/hybrid-migrate/version"
		else
			ok "migrate: ... and leaves no node, no data/hybrid-migrate/version"
		fi
		is "$(modload "$MKO" 2>&1)" "modload: ok" "migrate: ... and a plain load works after it"
	done

	# Unload refused while a reader is blocked in read(); it stays usable.
	/rig/extra/hm_agent --no-ack >"$HMDIR/blocked.log" 2>&1 &
	bpid=$!
	wait_for 10 grep -q 'HMAGENT ready' "$HMDIR/blocked.log"
	if rmmod hybrid_migrate 2>/dev/null; then
		not_ok "migrate: rmmod refused while a reader is blocked"
		modload "$MKO" >/dev/null 2>&1
	else
		ok "migrate: rmmod refused while a reader is blocked"
	fi
	id=$(( id + 1 ))
	echo "prepare $id 60000" >/sys/kernel/debug/hybrid-migrate/inject
	echo "abort $id" >/sys/kernel/debug/hybrid-migrate/inject
	if wait_for 10 grep -q "type=ABORT.* id=$id" "$HMDIR/blocked.log"; then
		ok "migrate: the blocked reader still gets events"
	else
		not_ok "migrate: the blocked reader still gets events"
		diag "$(cat "$HMDIR/blocked.log")"
	fi
	kill "$bpid"
	wait "$bpid" 2>/dev/null
	if rmmod hybrid_migrate && modload "$MKO" >/dev/null 2>&1; then
		ok "migrate: unload and reload once the reader is gone"
	else
		not_ok "migrate: unload and reload once the reader is gone"
	fi

	bad=$(dmesg | tail -n +"$((hm_mark + 1))" | kernel_reports "$HM_BAD")
	if [ -z "$bad" ]; then
		ok "migrate: no WARNING/BUG/Oops in dmesg"
	else
		not_ok "migrate: no WARNING/BUG/Oops in dmesg"
		diag "$bad"
	fi

	migrate_tool_tests

	# Agent A acknowledges every PREPARE; dom0 reads what it saw, and
	# what the command-line tool's watch (W) saw beside it.
	/rig/extra/hm_agent >"$HMDIR/A.log" 2>&1 &
	if wait_for 10 grep -q 'HMAGENT ready' "$HMDIR/A.log"; then
		ok "migrate: event agent started"
	else
		not_ok "migrate: event agent started"
	fi
	/rig/extra/hybrid-migrate watch --json >"$HMDIR/W.json" 2>"$HMDIR/W.err" &
	# ... and an application that looks at the generation page all the
	# time, for the resume timeline (agent.sh's hm-timeline)
	/rig/extra/hm_spin >"$HMDIR/spin.log" 2>&1 &
	if wait_for 10 grep -q 'HMSPIN ready' "$HMDIR/spin.log"; then
		ok "migrate: page watcher started"
	else
		not_ok "migrate: page watcher started"
	fi
}

# The command-line tool and the library on the real device.
migrate_tool_tests() {
	out=$(/rig/extra/hybrid-migrate status 2>&1)
	rc=$?
	is "$rc" 0 "migrate: tool: hybrid-migrate status exits 0"
	diag "$out"
	gen=$(cat /sys/hypervisor/hybrid/domid 2>/dev/null)
	like "$out" ".*domid[^0-9]*$gen.*" "migrate: tool: status shows the domid sysfs has ($gen)"
	out=$(/rig/extra/hybrid-migrate status --json 2>&1)
	like "$out" '\{.*"generation": *[0-9]+.*\}' "migrate: tool: status --json has the generation"
	# sysfs's domid and the device's, each under a key of its own
	is "$(echo "$out" | grep -o '"domid":"[0-9]*"' | wc -l) $(echo "$out" | grep -o '"device_domid":[0-9]*' | wc -l) $(echo "$out" | grep -o '"xen_version"' | wc -l)" \
		"1 1 1" "migrate: tool: status --json has domid (a string, from sysfs), device_domid and xen_version once each"
	out=$(/rig/extra/hybrid-migrate wait --timeout 1 2>&1)
	is "$?" 2 "migrate: tool: wait --timeout 1 exits 2 with no migration"
	# The library's cheap check on the device page, against a system call
	# per check, in this guest (times under TCG: compare rows, not runs).
	# (fewer checks than on a real machine: this CPU is emulated)
	/rig/extra/hm-bench -n 200000 -r 3 >"$HMDIR/bench.out" 2>&1
	is "$?" 0 "migrate: tool: hm-bench ran on the device"
	while IFS= read -r l; do diag "bench: $l"; done <"$HMDIR/bench.out"
}

# The host's answer to the PREPARE injected before an unload.
hold_then_unload() {
	if rmmod hybrid_migrate; then
		ok "migrate: unload with a PREPARE pending"
	else
		not_ok "migrate: unload with a PREPARE pending"
	fi
	is "$(xsc read data/hybrid-migrate/response 2>&1)" "$1 withdrawn 0 0" \
		"migrate: the host is told 'withdrawn' on unload"
	if xsc read data/hybrid-migrate/version >/dev/null 2>&1; then
		not_ok "migrate: data/hybrid-migrate/version removed on unload"
	else
		ok "migrate: data/hybrid-migrate/version removed on unload"
	fi
	out=$(modload "$MKO" 2>&1)
	is "$out" "modload: ok" "migrate: hybrid-migrate.ko loads again"
}
