# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The hybrid-migrate stress of make rig-debug (dom0, dash), sourced by
# run.sh after dom0.sh when the rig's config says HM_STRESS=1 (the rig's
# RIG_HM_STRESS).  The rig runs each part stress_parts names as a
# scenario of its own (run.sh PART), so that a guest the emulator
# crashes costs one part, run again on a new boot, and not the whole
# stress:
#   soak:KIND:I:N      segment I of the soak: N announced live migrations
#                      (KIND migrate) or saves and restores (save), with
#                      three fresh readers in the guest (agent.sh):
#                      agent A acknowledges, P only reads, N reads
#                      nothing until the end; every record is accounted
#                      for.  HM_SOAK_MIGRATIONS and HM_SOAK_SAVES in
#                      segments of at most HM_SOAK_SEGMENT
#   fuzz               hm_fuzz in the guest for HM_FUZZ_SECS, with
#                      PREPARE and ABORT storms from its debugfs, while
#                      dom0 migrates the guest, unannounced, all along
# The debug kernel's verdict on all of it comes after (scen_debug).
# The counts come from /rig/config, which rig.sh writes.

# stress_parts: the parts, one word each (the soak's migrations only
# where the rig runs its migrate scenario)
stress_parts() {
	_seg=${HM_SOAK_SEGMENT:-10}
	[ "$_seg" -gt 0 ] 2>/dev/null || _seg=10
	for _kind in migrate save; do
		if [ "$_kind" = migrate ]; then
			want migrate || continue
			_left=$HM_SOAK_MIGRATIONS
		else
			_left=$HM_SOAK_SAVES
		fi
		_i=0
		while [ "$_left" -gt 0 ]; do
			_i=$(( _i + 1 ))
			_k=$(( _left < _seg ? _left : _seg ))
			echo "soak:$_kind:$_i:$_k"
			_left=$(( _left - _k ))
		done
	done
	echo fuzz
}

# stress_part NAME PART: runs one part of stress_parts
stress_part() {
	case $2 in
	soak:*:*:*)
		_r=${2#soak:}
		_kind=${_r%%:*}
		_r=${_r#*:}
		scen_hm_soak "$1" "$_kind" "${_r%%:*}" "${_r#*:}" ;;
	fuzz) scen_hm_fuzz "$1" ;;
	*) not_ok "stress: no part '$2'" ;;
	esac
}

# soak_vars ANSWER: each KEY=N word of the guest's answer as SOAK_KEY
soak_vars() {
	for _w in $1; do
		case $_w in
		*[!a-z_=0-9]* | *=) ;;
		[a-z]*=[0-9]*) eval "SOAK_$_w" ;;
		esac
	done
}

# soak_one KIND NAME I: one announced live migration (KIND migrate) or
# save and restore (save) of guest NAME, the I-th of its segment; false
# (and a diag) if it failed
soak_one() {
	if [ "$1" = migrate ]; then
		timeout 300 "$NOTIFY" -t 30 "$2" "xl migrate-receive" -s "" \
			>"$RES/soak-mig.out" 2>"$RES/soak-mig.err" && return 0
		diag "soak: migration $3 failed:" "$(tail -n 5 "$RES/soak-mig.err")"
		return 1
	fi
	_rc=1
	if ! timeout 300 "$NOTIFY" -t 30 --save "$2" "/save/$2-soak.save" \
		>/dev/null 2>"$RES/soak-save.err"; then
		diag "soak: save $3 failed:" "$(tail -n 5 "$RES/soak-save.err")"
	elif ! timeout 300 xl restore "/save/$2-soak.save" >"$RES/soak-restore.out" 2>&1; then
		diag "soak: restore $3 failed:" "$(tail -n 5 "$RES/soak-restore.out")"
	else
		_rc=0
	fi
	rm -f "/save/$2-soak.save"
	return "$_rc"
}

# scen_hm_soak NAME KIND I N: segment I of the soak, N suspends of KIND
scen_hm_soak() {
	_n=$1 _kind=$2 _seg=$3 _want=$4
	_what="announced live migrations"
	[ "$_kind" = migrate ] || _what="announced saves and restores"
	_d=$(xl domid "$_n") && ask "$_d" 60 hm-soak-start
	if [ "$ANSWER" != started ]; then
		not_ok "soak $_kind $_seg: the guest started its readers (answer '$ANSWER')"
		return
	fi
	_t=$(now)
	_fail=0
	_all=0
	while [ "$_all" -lt "$_want" ] && xl domid "$_n" >/dev/null 2>&1; do
		_all=$(( _all + 1 ))
		soak_one "$_kind" "$_n" "$_all" || _fail=$(( _fail + 1 ))
	done
	is "$_fail $_all" "0 $_want" \
		"soak $_kind $_seg: $_want $_what, each answered ready and complete ($(elapsed "$_t")s)"
	if ! _d=$(xl domid "$_n") || ! ask "$_d" 120 hm-soak-end; then
		not_ok "soak $_kind $_seg: the guest accounts for what its three readers read"
		return
	fi
	diag "soak $_kind $_seg: $ANSWER"
	soak_vars "$ANSWER"
	is "${SOAK_a_prepare:-} ${SOAK_a_ack:-} ${SOAK_a_complete:-} ${SOAK_a_other:-}" \
		"$_all $_all $_all 0" \
		"soak $_kind $_seg: the acknowledger read, acked and saw complete each of the $_all, nothing lost or aborted"
	is "${SOAK_p_records:-} ${SOAK_p_gaps:-} ${SOAK_p_lost:-}" "$(( 2 * _all )) 0 0" \
		"soak $_kind $_seg: the plain reader read $(( 2 * _all )) records, no seq gap, nothing lost"
	is "$(( ${SOAK_n_lost:-0} + ${SOAK_n_records:-0} )) ${SOAK_n_last:-} ${SOAK_n_gaps:-}" \
		"${SOAK_p_records:-} ${SOAK_p_last:-} 0" \
		"soak $_kind $_seg: the reader that never read got LOST ${SOAK_n_lost:-?} + ${SOAK_n_records:-?} newest records: every record accounted for"
	recheck "$_n" "soak $_kind $_seg"
}

# fuzz_done DOMID: hm_fuzz has ended (its result in ANSWER)
fuzz_done() {
	ask "$1" 30 hm-fuzz-result && [ "$ANSWER" != running ]
}

scen_hm_fuzz() {
	_n=$1
	_seed=$(date +%s)
	_d=$(xl domid "$_n") && ask "$_d" 30 hm-fuzz "$HM_FUZZ_SECS" 4 "$_seed"
	if [ "$ANSWER" != fuzzing ]; then
		not_ok "fuzz: hm_fuzz started in the guest (answer '$ANSWER')"
		return
	fi
	_t=$(now)
	_m=0
	_mf=0
	while [ "$(elapsed "$_t")" -lt "$HM_FUZZ_SECS" ]; do
		if timeout 300 xl migrate -s "" "$_n" "xl migrate-receive" >"$RES/fuzz-mig.out" 2>&1; then
			_m=$(( _m + 1 ))
		else
			_mf=$(( _mf + 1 ))
			diag "fuzz: migration failed:" "$(tail -n 5 "$RES/fuzz-mig.out")"
			break
		fi
	done
	is "$_mf" 0 "fuzz: $_m unannounced live migrations while hm_fuzz ran (seed $_seed)"
	_d=$(xl domid "$_n") && wait_for "$(( HM_FUZZ_SECS + 120 ))" fuzz_done "$_d"
	diag "fuzz: $ANSWER"
	like "$ANSWER" "HMFUZZ calls=[1-9][0-9]* .* bad=0 rc=0" \
		"fuzz: hm_fuzz ran to its end and the device kept its ABI (seed $_seed)"
	recheck "$_n" "fuzz"
}
