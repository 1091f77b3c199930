# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# dom0 side of the hybrid-migrate tests (dash), run by the rig as its
# RIG_EXTRA_DOM0 suite (run.sh).  scen_notify NAME drives the protocol with
# tools/xl-migrate-notify against a guest whose event agent
# (selftests/migrate/guest.sh) records every record it reads; the
# assertions are on those records.
#
# Uses the rig's alive/recheck helpers and TAP functions; its own TAP goes
# to stdout, which the rig merges.
. /rig/config
. /rig/tap.sh
. /rig/scenarios.sh
_tap_out() { echo "$*"; }
TAP_PREFIX=

NOTIFY=/rig/extra/xl-migrate-notify
HM_LINES=0
MIGRATIONS=${ANNOUNCED:-3}

# hm_log NAME: the agent's event lines since the last call, in HMLOG
# ('|'-separated); false if the guest agent did not answer.
hm_log() {
	_d=$(xl domid "$1" 2>/dev/null) || return 1
	HMLOG=
	while :; do
		ask "$_d" 60 hm-log "$HM_LINES" || return 1
		_a=$ANSWER
		case $_a in *" lines="*" total="*) ;; *) return 1 ;; esac
		_total=${_a##* total=}
		_a=${_a% total=*}
		HM_LINES=${_a##* lines=}
		HMLOG=$HMLOG${_a% lines=*}
		[ "$HM_LINES" -lt "$_total" ] || return 0
	done
}

# hm_count REGEX: how many lines of HMLOG match
hm_count() {
	printf '%s' "$HMLOG" | tr '|' '\n' | grep -cE "$1"
}

# hm_field LINE-REGEX FIELD: FIELD's value in the first matching line
hm_field() {
	printf '%s' "$HMLOG" | tr '|' '\n' | grep -E "$1" | head -n 1 |
		tr ' ' '\n' | sed -n "s/^$2=//p"
}

hm_show() { diag "agent saw:" "$(printf '%s' "$HMLOG" | tr '|' '\n')"; }

# notify_prepare NAME SECONDS: announce; sets ID, NRC and the guest's
# answer NANSWER
notify_prepare() {
	_o=$($NOTIFY -t "$2" --prepare "$1" 2>"$RES/notify.err")
	NRC=$?
	ID=$(printf '%s\n' "$_o" | sed -n 1p)
	NANSWER=$(printf '%s\n' "$_o" | sed -n 2p)
}

scen_notify() {
	_n=$1
	alive "$_n" "notify: before" || return
	_d=$(xl domid "$_n")
	if hm_log "$_n" && [ "$(hm_count '^HMAGENT ready ack=1 writer=1')" = 1 ]; then
		ok "notify: the guest's event agent runs and reports what it read"
	else
		not_ok "notify: the guest's event agent runs and reports what it read"
		diag "answer: ${HMLOG:-none}"
		return
	fi
	# The rig's own saves and migrations of this boot of the guest before
	# this scenario (RESUMES): unannounced resumes.
	_plain=${RESUMES:-0}
	is "$(hm_count 'type=COMPLETE .* id=0 changes=0x[0-9a-f]+ cflags=0x0 ')" "$_plain" \
		"notify: each unannounced resume gave one COMPLETE with id 0"
	_gen=$(printf '%s' "$HMLOG" | tr '|' '\n' | grep 'type=COMPLETE' | tail -n 1 |
		tr ' ' '\n' | sed -n 's/^gen=//p')
	_gen=${_gen:-0}
	[ "$_plain" -eq 0 ] || hm_show

	# 1. PREPARE, acknowledged, then aborted
	notify_prepare "$_n" 20
	is "$NRC" 0 "notify: prepare answered"
	is "$NANSWER" "$ID ready 1 1" "notify: the guest answers ready when its one acknowledger acked"
	hm_log "$_n"
	is "$(hm_count "type=PREPARE .*flags=1 id=$ID timeout_ms=20000 ackers=1")" 1 \
		"notify: the agent read one PREPARE with the host's id and timeout"
	_s=$(hm_field 'type=PREPARE' seq)
	is "$(hm_count "^HMACK seq=$_s rc=0")" 1 "notify: the agent's ack was taken"
	$NOTIFY --abort "$_n" "$ID" >/dev/null 2>>"$RES/notify.err"
	is "$?" 0 "notify: abort answered"
	is "$(xenstore-read "/local/domain/$_d/data/hybrid-migrate/response")" "$ID aborted" \
		"notify: the guest answers 'aborted'"
	hm_log "$_n"
	is "$(hm_count "type=ABORT .* id=$ID reason=1")" 1 "notify: the agent read the ABORT"

	# 2. An application that never acknowledges: the guest answers on timeout.
	ask "$_d" 30 hm-hold
	is "$ANSWER" held "notify: a non-acknowledging writer opens the device"
	notify_prepare "$_n" 4
	is "$NANSWER" "$ID timeout 1 2" "notify: with one writer silent, the guest answers timeout after 4 s"
	$NOTIFY --abort "$_n" "$ID" >/dev/null 2>>"$RES/notify.err"

	# 3. ... and one that dies counts as having acknowledged.
	$NOTIFY -t 60 --prepare "$_n" >"$RES/notify-die.out" 2>>"$RES/notify.err" &
	_np=$!
	_t=$(now)
	wait_for 30 sh -c "xenstore-read /local/domain/$_d/control/hybrid-migrate | grep -q '^prepare '"
	ID=$(xenstore-read "/local/domain/$_d/control/hybrid-migrate" | cut -d' ' -f2)
	hm_wait_prepare "$_n" "$ID"
	ask "$_d" 30 hm-unhold
	is "$ANSWER" released "notify: the silent writer is killed once the PREPARE is out"
	wait "$_np"
	is "$(sed -n 2p "$RES/notify-die.out")" "$ID ready 2 2" \
		"notify: its death counts as an ack: ready 2 of 2 ($(elapsed "$_t")s, host timeout 60 s)"
	$NOTIFY --abort "$_n" "$ID" >/dev/null 2>>"$RES/notify.err"
	hm_log "$_n"

	# 4. The command-line tool's hook acknowledges once its PREPARE
	# command exited 0, and not before.
	ask "$_d" 30 hm-hook
	is "$ANSWER" hooked "notify: hybrid-migrate hook holds the device for writing"
	$NOTIFY -t 60 --prepare "$_n" >"$RES/notify-hook.out" 2>>"$RES/notify.err" &
	_np=$!
	wait_for 30 sh -c "xenstore-read /local/domain/$_d/control/hybrid-migrate | grep -q '^prepare '"
	ID=$(xenstore-read "/local/domain/$_d/control/hybrid-migrate" | cut -d' ' -f2)
	hm_wait_prepare "$_n" "$ID"
	_r=$(xenstore-read "/local/domain/$_d/data/hybrid-migrate/response" 2>/dev/null)
	case $_r in
	"$ID "*) not_ok "notify: no answer while the hook's PREPARE command runs (got '$_r')" ;;
	*) ok "notify: no answer while the hook's PREPARE command runs" ;;
	esac
	ask "$_d" 30 hm-hook-go
	wait "$_np"
	is "$(sed -n 2p "$RES/notify-hook.out")" "$ID ready 2 2" \
		"notify: ready 2 of 2 once the hook's command exited 0"
	$NOTIFY --abort "$_n" "$ID" >/dev/null 2>>"$RES/notify.err"
	wait_for 10 sh -c "xenstore-read /local/domain/$_d/data/hybrid-migrate/response | grep -q '^$ID aborted'"
	ask "$_d" 30 hm-hook-stop
	like "$ANSWER" "PREPARE $ID\\|ABORT $ID\\|" \
		"notify: the hook ran its commands with the event's id in its environment"
	hm_log "$_n"

	# 5. Announced live migration, MIGRATIONS times in a row; with
	# RIG_STREAM=1 while dom0 pings the guest (irq.sh, sourced by run.sh)
	if [ "$MIGRATIONS" -gt 0 ]; then
		if [ "${STREAM:-0}" = 1 ]; then
			irq_stream_start
		fi
		scen_notify_migrations "$_n"
		irq_stream_stop "$_n" migration	# nothing without a stream
	else
		diag "notify: no live migration in this profile"
	fi

	# 6. Announced save and restore, where the rig migrates too, inside
	# a stream of pings that dom0 holds from the save until the restored
	# guest's agent answers (irq.sh, before irq_stream_start)
	if want migrate; then
		irq_stream_start
		wait_for 60 irq_stream_back 0 ||
			diag "irq: the stream had $(irq_stream_answers 0) answers before the save"
		irq_window_hold
		scen_notify_save "$_n"
		irq_window_release
		irq_stream_stop "$_n" save
	else
		diag "notify: no announced save/restore in this run (no migrate scenario)"
	fi

	# The command-line tool's watch saw what the agent saw.
	_d=$(xl domid "$_n")
	ask "$_d" 30 hm-watch COMPLETE
	set -- $ANSWER
	is "${1:-none} ${3:-none}" "${2:-} $_gen" \
		"notify: hybrid-migrate watch --json printed every COMPLETE the agent read (${2:-?}), last generation $_gen"
	scen_notify_timeline "$_n"
}

# scen_notify_timeline NAME: every resume of this boot of the guest, as
# the driver recorded it and as an application saw it (agent.sh's
# hm-timeline): the page and COMPLETE came before any process ran again.
scen_notify_timeline() {
	_d=$(xl domid "$1") && ask "$_d" 60 hm-timeline || {
		not_ok "notify: timeline: the guest agent answers"
		return
	}
	_tl=$(printf '%s' "$ANSWER" | tr '|' '\n' | grep '^gen=')
	_all=$(printf '%s\n' "$_tl" | grep -c '^gen=')
	_early=$(printf '%s\n' "$_tl" | grep -c ' early=1 ')
	# this boot's announced ones at least: migrations and the save
	_min=$MIGRATIONS
	! want migrate || _min=$(( _min + 1 ))
	if [ "$_all" -ge "$_min" ]; then
		ok "notify: timeline: the driver recorded $_all resumes (at least $_min)"
	else
		not_ok "notify: timeline: the driver recorded $_all resumes (at least $_min)"
	fi
	is "$_early" "$_all" "notify: timeline: each resume's COMPLETE was raised from the resume notifier"
	# the page watcher's first sample after each resume has its generation
	# (no resume, as in a run without the migrate scenario: nothing to check)
	_bad=
	[ -z "$_tl" ] || _bad=$(printf '%s\n' "$_tl" | awk '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		if (f["thaw_us"] == "none") print f["gen"] ": no sample spans the resume"
		else if (f["seen"] + 0 < f["gen"] + 0) print f["gen"] ": the first sample after it saw generation " f["seen"]
		if (f["uevents"] != 1) print f["gen"] ": " f["uevents"] " uevents"
	}')
	is "${_bad:-none}" none \
		"notify: timeline: page and COMPLETE out before any process ran again; no process saw the old generation after a resume; one uevent each"
	diag "timeline (us after each resume):" "$_tl"
}

# hm_wait_prepare NAME ID: until agent A has read the PREPARE of ID
hm_wait_prepare() {
	_i=0
	while [ "$_i" -lt 60 ] && hm_log "$1" && [ "$(hm_count "type=PREPARE .* id=$2 ")" = 0 ]; do
		_i=$(( _i + 1 ))
	done
}

scen_notify_migrations() {
	_n=$1
	_ids=
	_fail=0
	_i=0
	_t=$(now)
	while [ "$_i" -lt "$MIGRATIONS" ]; do
		_i=$(( _i + 1 ))
		irq_window_open
		timeout 300 $NOTIFY -t 30 "$_n" "xl migrate-receive" -s "" \
			>"$RES/notify-mig.out" 2>"$RES/notify-mig.err"
		_rc=$?
		irq_window_close
		if [ "$_rc" = 0 ]; then
			_id=$(sed -n 's/.*guest: \([0-9]*\) complete .*/\1/p' "$RES/notify-mig.err")
			_ids="$_ids $_id"
		else
			_fail=$(( _fail + 1 ))
			diag "migration $_i failed:" "$(cat "$RES/notify-mig.err")"
		fi
	done
	is "$_fail" 0 "notify: $MIGRATIONS announced live migrations, each answered ready and complete ($(elapsed "$_t")s)"
	if ! hm_log "$_n"; then
		not_ok "notify: the guest agent answers after $MIGRATIONS migrations"
		return
	fi
	is "$(hm_count 'type=PREPARE')" "$MIGRATIONS" "notify: the agent read $MIGRATIONS PREPAREs"
	is "$(hm_count '^HMACK .* rc=0')" "$MIGRATIONS" "notify: and acked each"
	is "$(hm_count 'type=COMPLETE .*cflags=0x1 ')" "$MIGRATIONS" \
		"notify: and read $MIGRATIONS announced COMPLETEs"
	is "$(hm_count 'type=(LOST|ABORT)')" 0 "notify: nothing lost, nothing aborted"
	# Each COMPLETE names its PREPARE's id, has the next generation and a
	# new domain; sequence numbers have no gap and no repeat.
	_bad=$(printf '%s' "$HMLOG" | tr '|' '\n' | grep '^HMEV' | awk -v g="$_gen" -v ids="$_ids" '
		BEGIN { n = split(ids, want, " ") }
		{ for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } }
		prev && f["seq"] != prev + 1 { print "seq gap " prev " -> " f["seq"] }
		{ prev = f["seq"] }
		f["type"] == "PREPARE" { pid = f["id"] }
		f["type"] == "COMPLETE" {
			c++
			if (f["id"] != pid) print "COMPLETE id " f["id"] " after PREPARE " pid
			if (f["id"] != want[c]) print "COMPLETE id " f["id"] ", host said " want[c]
			if (f["gen"] != g + c) print "gen " f["gen"] ", expected " g + c
			h = f["changes"]; sub(/^0x/, "", h); v = 0
			for (k = 1; k <= length(h); k++)
				v = v * 16 + index("0123456789abcdef", substr(h, k, 1)) - 1
			if (v % 4 != 3) print "changes " f["changes"] " lack domain|domid"
		}
		END { if (c != n) print c " COMPLETEs for " n " migrations" }')
	is "${_bad:-none}" none "notify: every COMPLETE matches its PREPARE, generations +1 each, no seq gap"
	diag "resume-to-application latency (us): $(printf '%s' "$HMLOG" | tr '|' '\n' |
		sed -n 's/.*type=COMPLETE.*latency_us=\([0-9]*\).*/\1/p' | tr '\n' ' ')"
	_gen=$(( _gen + MIGRATIONS ))
}

scen_notify_save() {
	_n=$1
	_t=$(now)
	if timeout 300 $NOTIFY -t 30 --save "$_n" "/save/$_n-notify.save" \
		>/dev/null 2>"$RES/notify-save.err"; then
		ok "notify: announced xl save ($(elapsed "$_t")s)"
	else
		not_ok "notify: announced xl save"
		diag "$(cat "$RES/notify-save.err")"
		return
	fi
	ID=$(sed -n 's/.*guest: \([0-9]*\) ready .*/\1/p' "$RES/notify-save.err")
	if ! timeout 300 xl restore "/save/$_n-notify.save" >"$RES/notify-restore.out" 2>&1; then
		not_ok "notify: xl restore"
		diag "$(tail -n 10 "$RES/notify-restore.out")"
		rm -f "/save/$_n-notify.save"
		return
	fi
	rm -f "/save/$_n-notify.save"
	_d=$(xl domid "$_n")
	if wait_for 60 sh -c "xenstore-read /local/domain/$_d/data/hybrid-migrate/response 2>/dev/null | grep -q '^$ID complete '"; then
		ok "notify: after restore the guest reports '$ID complete' in its new domain"
	else
		not_ok "notify: after restore the guest reports '$ID complete' in its new domain"
	fi
	hm_log "$_n"
	is "$(hm_count "type=COMPLETE gen=$(( _gen + 1 )) .* id=$ID .*cflags=0x1 ")" 1 \
		"notify: the agent read the restore's COMPLETE, id $ID, generation $(( _gen + 1 ))"
	_gen=$(( _gen + 1 ))
	recheck "$_n" "notify"
}
