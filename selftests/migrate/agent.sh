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

HMDIR=/tmp/hm

extra_agent() {
	case ${1:-} in
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
	*)
		echo "unknown-hm-command"
		;;
	esac
}
