# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The hybrid-migrate suite's commands for the rig's guest agent (busybox
# ash), which sources this file and hands it the requests it does not
# know itself; the answer is printed.
#   hm-log K          event lines of agent A (HMDIR/A.log) after line K,
#                     '|'-joined, at most 8, then " lines=NEXT total=TOTAL"
#   hm-hold           start an agent that opens the device for writing and
#                     never acknowledges
#   hm-unhold         kill it
#   hm-hook           start "hybrid-migrate hook" whose PREPARE command
#                     waits for hm-hook-go; it logs every event it ran for
#   hm-hook-go        let the PREPARE command exit 0 (so the hook acks)
#   hm-hook-stop      stop the hook; answers the events it ran for
#   irq-*             the hybrid-irq suite's, see irq.sh
#   hm-watch TYPE     "W A G": how many TYPE events "hybrid-migrate watch
#                     --json" printed so far (W), how many agent A read
#                     (A), and the generation of watch's last event (G)
#   hm-timeline       for each resume the driver recorded since it was
#                     loaded, '|'-joined: "gen=G early=E complete_us=C
#                     thaw_us=T woke_us=W seen=S uevents=U": microseconds
#                     from the resume to page and COMPLETE (C), to the
#                     page watcher's first sample after it (T, "none" if
#                     no sample spans the resume), to agent A reading the
#                     COMPLETE (W); S is the generation that first sample
#                     saw, U how many uevents the watcher heard for G
#   hm-soak-start     (a segment of make rig-debug's soak) mark agent A's
#                     log, start a plain reader P and a reader N that is
#                     stopped at once and so never reads
#   hm-soak-end       let N read, end P and N, and say what the three
#                     read since the mark: "a_prepare= a_ack= a_complete=
#                     a_other= p_records= p_first= p_last= p_gaps= p_lost=
#                     n_records= n_first= n_last= n_lost="
#   hm-fuzz S T SEED  start hm_fuzz for S seconds with T threads
#   hm-fuzz-result    "running", or its HMFUZZ line, " rc=N" and its
#                     first 3 other lines (its complaints), '|'-joined

HMDIR=/tmp/hm
# the hybrid-irq suite's commands (irq-*) are in its own file
[ -f /rig/extra/irq.sh ] && . /rig/extra/irq.sh

# soak_stop: the soak's readers P and N of the last segment, if any, end
soak_stop() {
	for _p in P N; do
		[ -s "$HMDIR/$_p.pid" ] || continue
		kill -KILL "$(cat "$HMDIR/$_p.pid")" 2>/dev/null
		rm -f "$HMDIR/$_p.pid"
	done
}

# soak_reader X LOG: "X_records= X_first= X_last= X_gaps= X_lost=" for an
# hm_agent's log: records other than LOST, their first and last seq, how
# many seq gaps not covered by a LOST record, and the LOST counts' sum
soak_reader() {
	grep '^HMEV' "$2" | awk -v x="$1" '
		{ for (i = 2; i <= NF; i++) { k = $i; sub(/=.*/, "", k); v = $i; sub(/^[^=]*=/, "", v); f[k] = v } }
		f["type"] == "LOST" { lost += f["count"]; covered = f["count"]; next }
		{
			n++
			if (!first) first = f["seq"]
			if (last && f["seq"] != last + 1 + covered) gaps++
			last = f["seq"]; covered = 0
		}
		END { printf "%s_records=%d %s_first=%d %s_last=%d %s_gaps=%d %s_lost=%d",
			x, n, x, first, x, last, x, gaps, x, lost }'
}

extra_agent() {
	case ${1:-} in
	irq-*)
		irq_agent "$@"
		;;
	hm-log)
		# At most 8 lines a call, to stay well inside xenstore's 4 KiB.
		_from=${2:-0}
		tail -n +"$(( _from + 1 ))" "$HMDIR/A.log" | head -n 8 >"$HMDIR/chunk"
		grep -E '^HM(EV|ACK|AGENT)' "$HMDIR/chunk" | tr '\n' '|'
		echo " lines=$(( _from + $(wc -l <"$HMDIR/chunk") )) total=$(wc -l <"$HMDIR/A.log")"
		;;
	hm-hold)
		/rig/extra/hm_agent --hold >"$HMDIR/hold.log" 2>&1 &
		echo $! >"$HMDIR/hold.pid"
		if wait_for 10 grep -q 'HMAGENT ready' "$HMDIR/hold.log"; then
			echo held
		else
			echo hold-failed
		fi
		;;
	hm-unhold)
		kill "$(cat "$HMDIR/hold.pid")" 2>/dev/null && echo released ||
			echo not-held
		;;
	hm-hook)
		rm -f "$HMDIR/go" "$HMDIR/hook.log"
		/rig/extra/hybrid-migrate hook \
			--prepare "until [ -e $HMDIR/go ]; do sleep 0.2; done; echo \"PREPARE \$HYBRID_MIGRATE_MIGRATION_ID\" >>$HMDIR/hook.log" \
			--abort "echo \"ABORT \$HYBRID_MIGRATE_MIGRATION_ID\" >>$HMDIR/hook.log" \
			>"$HMDIR/hook.out" 2>&1 &
		echo $! >"$HMDIR/hook.pid"
		# hooked once the hook holds the device open for writing
		if wait_for 10 sh -c "ls -l /proc/$(cat "$HMDIR/hook.pid")/fd 2>/dev/null | grep -q hybrid-migrate"; then
			echo hooked
		else
			echo hook-failed
		fi
		;;
	hm-hook-go)
		touch "$HMDIR/go" && echo go
		;;
	hm-hook-stop)
		kill "$(cat "$HMDIR/hook.pid")" 2>/dev/null
		tr '\n' '|' <"$HMDIR/hook.log"
		echo
		;;
	hm-watch)
		echo "$(grep -c "\"type\": *\"$2\"" "$HMDIR/W.json")" \
			"$(grep -c "^HMEV .*type=$2 " "$HMDIR/A.log")" \
			"$(grep -o '"generation": *[0-9]*' "$HMDIR/W.json" | tail -n 1 | grep -o '[0-9]*$')"
		;;
	hm-timeline)
		{
			cat /sys/kernel/debug/hybrid-migrate/timeline
			grep -E '^HMSPIN (before|uevent)' "$HMDIR/spin.log"
			grep '^HMEV .*type=COMPLETE' "$HMDIR/A.log"
		} | awk '
			{ delete f; for (i = 1; i <= NF; i++) { k = $i; sub(/=.*/, "", k); v = $i; sub(/^[^=]*=/, "", v); f[k] = v } }
			/^resume_ns=/ { n++; r[n] = f["resume_ns"]; c[n] = f["complete_ns"]; g[n] = f["gen"]; e[n] = f["early"] }
			/^HMSPIN uevent/ { ue[f["gen"]]++ }
			/^HMSPIN before=/ { split($0, w, " "); s++; sb[s] = substr(w[2], 8); sa[s] = substr(w[4], 7); sg[s] = substr(w[5], 5) }
			/^HMEV/ { woke[f["gen"]] = f["latency_us"] }
			END {
				for (i = 1; i <= n; i++) {
					t = "none"; seen = "none"
					for (j = 1; j <= s; j++)
						if (sb[j] + 0 < r[i] + 0 && sa[j] + 0 >= r[i] + 0) {
							t = int((sa[j] - r[i]) / 1000); seen = sg[j]; break
						}
					printf "gen=%s early=%s complete_us=%d thaw_us=%s woke_us=%s seen=%s uevents=%d|", g[i], e[i], (c[i] - r[i]) / 1000, t, (g[i] in woke) ? woke[g[i]] : "none", seen, ue[g[i]]
				}
				print ""
			}'
		;;
	hm-soak-start)
		soak_stop
		wc -l <"$HMDIR/A.log" >"$HMDIR/soak.mark"
		/rig/extra/hm_agent --no-ack >"$HMDIR/P.log" 2>&1 &
		echo $! >"$HMDIR/P.pid"
		/rig/extra/hm_agent --no-ack >"$HMDIR/N.log" 2>&1 &
		echo $! >"$HMDIR/N.pid"
		if wait_for 10 grep -q 'HMAGENT ready' "$HMDIR/P.log" &&
		   wait_for 10 grep -q 'HMAGENT ready' "$HMDIR/N.log" &&
		   kill -STOP "$(cat "$HMDIR/N.pid")"; then
			echo started
		else
			echo start-failed
		fi
		;;
	hm-soak-end)
		kill -CONT "$(cat "$HMDIR/N.pid")"
		# N has caught up once it read P's last record
		_last=$(grep '^HMEV' "$HMDIR/P.log" | tail -n 1 | sed 's/^HMEV seq=\([0-9]*\).*/\1/')
		wait_for 30 grep -q "^HMEV seq=${_last:-x} " "$HMDIR/N.log"
		tail -n +"$(( $(cat "$HMDIR/soak.mark") + 1 ))" "$HMDIR/A.log" >"$HMDIR/A.soak"
		echo "a_prepare=$(grep -c '^HMEV .*type=PREPARE ' "$HMDIR/A.soak")" \
			"a_ack=$(grep -c '^HMACK .* rc=0' "$HMDIR/A.soak")" \
			"a_complete=$(grep -c '^HMEV .*type=COMPLETE .*cflags=0x1 ' "$HMDIR/A.soak")" \
			"a_other=$(grep -c '^HMEV .*type=\(LOST\|ABORT\)' "$HMDIR/A.soak")" \
			"$(soak_reader p "$HMDIR/P.log") $(soak_reader n "$HMDIR/N.log")"
		soak_stop
		;;
	hm-fuzz)
		rm -f "$HMDIR/fuzz.rc"
		( /rig/extra/hm_fuzz "$2" "$3" "$4" >"$HMDIR/fuzz.out" 2>&1
		  echo $? >"$HMDIR/fuzz.rc" ) >/dev/null 2>&1 &
		echo fuzzing
		;;
	hm-fuzz-result)
		if [ -s "$HMDIR/fuzz.rc" ]; then
			_more=$(grep -v '^HMFUZZ \(seed\|calls\)=' "$HMDIR/fuzz.out" |
				head -n 3 | tr '\n' '|')
			echo "$(grep '^HMFUZZ calls=' "$HMDIR/fuzz.out") rc=$(cat "$HMDIR/fuzz.rc")${_more:+ $_more}"
		else
			echo running
		fi
		;;
	*)
		echo "unknown-hm-command"
		;;
	esac
}
