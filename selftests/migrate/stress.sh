# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The hybrid-migrate stress of make rig-debug (dom0, dash), sourced by
# run.sh after dom0.sh when the rig's config says HM_STRESS=1 (the rig's
# RIG_HM_STRESS):
#   scen_hm_soak NAME  HM_SOAK_MIGRATIONS announced live migrations, then
#                      HM_SOAK_SAVES announced saves and restores, with
#                      three readers in the guest (agent.sh): agent A
#                      acknowledges, P only reads, N reads nothing until
#                      the end; every record is accounted for
#   scen_hm_fuzz NAME  hm_fuzz in the guest for HM_FUZZ_SECS, with PREPARE
#                      and ABORT storms from its debugfs, while dom0
#                      migrates the guest, unannounced, all along
# The debug kernel's verdict on all of it comes after (scen_debug).
# The counts come from /rig/config, which rig.sh writes.

# soak_vars ANSWER: each KEY=N word of the guest's answer as SOAK_KEY
soak_vars() {
	for _w in $1; do
		case $_w in
		*[!a-z_=0-9]* | *=) ;;
		[a-z]*=[0-9]*) eval "SOAK_$_w" ;;
		esac
	done
}

scen_hm_soak() {
	_n=$1
	_d=$(xl domid "$_n") && ask "$_d" 60 hm-soak-start
	if [ "$ANSWER" != started ]; then
		not_ok "soak: the guest started its readers (answer '$ANSWER')"
		return
	fi
	_t=$(now)
	_fail=0
	_i=0
	while [ "$_i" -lt "$HM_SOAK_MIGRATIONS" ]; do
		_i=$(( _i + 1 ))
		if ! timeout 300 "$NOTIFY" -t 30 "$_n" "xl migrate-receive" -s "" \
			>"$RES/soak-mig.out" 2>"$RES/soak-mig.err"; then
			_fail=$(( _fail + 1 ))
			diag "soak: migration $_i failed:" "$(tail -n 5 "$RES/soak-mig.err")"
			xl domid "$_n" >/dev/null 2>&1 || break
		fi
	done
	is "$_fail $_i" "0 $HM_SOAK_MIGRATIONS" \
		"soak: $HM_SOAK_MIGRATIONS announced live migrations, each answered ready and complete ($(elapsed "$_t")s)"
	_t=$(now)
	_sfail=0
	_j=0
	while [ "$_j" -lt "$HM_SOAK_SAVES" ] && xl domid "$_n" >/dev/null 2>&1; do
		_j=$(( _j + 1 ))
		if ! timeout 300 "$NOTIFY" -t 30 --save "$_n" "/save/$_n-soak.save" \
			>/dev/null 2>"$RES/soak-save.err"; then
			_sfail=$(( _sfail + 1 ))
			diag "soak: save $_j failed:" "$(tail -n 5 "$RES/soak-save.err")"
		elif ! timeout 300 xl restore "/save/$_n-soak.save" >"$RES/soak-restore.out" 2>&1; then
			_sfail=$(( _sfail + 1 ))
			diag "soak: restore $_j failed:" "$(tail -n 5 "$RES/soak-restore.out")"
		fi
		rm -f "/save/$_n-soak.save"
	done
	is "$_sfail $_j" "0 $HM_SOAK_SAVES" \
		"soak: $HM_SOAK_SAVES announced saves and restores ($(elapsed "$_t")s)"
	_all=$(( _i + _j ))
	if ! _d=$(xl domid "$_n") || ! ask "$_d" 120 hm-soak-end; then
		not_ok "soak: the guest accounts for what its three readers read"
		return
	fi
	diag "soak: $ANSWER"
	soak_vars "$ANSWER"
	is "${SOAK_a_prepare:-} ${SOAK_a_ack:-} ${SOAK_a_complete:-} ${SOAK_a_other:-}" \
		"$_all $_all $_all 0" \
		"soak: the acknowledger read, acked and saw complete each of the $_all, nothing lost or aborted"
	is "${SOAK_p_records:-} ${SOAK_p_gaps:-} ${SOAK_p_lost:-}" "$(( 2 * _all )) 0 0" \
		"soak: the plain reader read $(( 2 * _all )) records, no seq gap, nothing lost"
	is "$(( ${SOAK_n_lost:-0} + ${SOAK_n_records:-0} )) ${SOAK_n_last:-} ${SOAK_n_gaps:-}" \
		"${SOAK_p_records:-} ${SOAK_p_last:-} 0" \
		"soak: the reader that never read got LOST ${SOAK_n_lost:-?} + ${SOAK_n_records:-?} newest records: every record accounted for"
	recheck "$_n" "soak"
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
