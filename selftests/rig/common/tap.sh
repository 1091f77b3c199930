# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# TAP helpers shared by the guest init and the dom0 init (busybox ash and
# dash).  Every result line goes to the console prefixed with "RIGTAP "
# so the collector can pick results out of an interleaved log, and to
# $TAP_FILE when that is set.  Numbering and the plan are added by the
# host when it merges all parts.

TAP_PREFIX=${TAP_PREFIX:-}

_tap_out() {
	echo "RIGTAP $*"
	if [ -n "${TAP_FILE:-}" ]; then echo "$*" >>"$TAP_FILE"; fi
}

ok() { _tap_out "ok - $TAP_PREFIX$*"; }
not_ok() { _tap_out "not ok - $TAP_PREFIX$*"; }
# todo DESC WHY: a known failure that is not the code under test's, with
# why (TAP's TODO directive: counted apart, neither passed nor failed)
todo() { _tap_out "not ok - $TAP_PREFIX$1 # TODO $2"; }
diag() {
	for _a in "$@"; do printf '%s\n' "$_a"; done |
		while IFS= read -r _l; do _tap_out "# $_l"; done
}

# check DESC CMD...: ok if CMD succeeds
check() {
	_d=$1
	shift
	if "$@"; then ok "$_d"; else not_ok "$_d"; fi
}

# is GOT WANT DESC
is() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3"
		diag "  got: '$1'" "  expected: '$2'"
	fi
}

# like GOT REGEX DESC (extended regex, whole value)
like() {
	if printf '%s\n' "$1" | grep -Eq "^($2)\$"; then
		ok "$3"
	else
		not_ok "$3"
		diag "  got: '$1'" "  expected to match: $2"
	fi
}

# wait_for SECONDS CMD...: polls CMD every half second; false on timeout
wait_for() {
	local n=$(( $1 * 2 ))
	shift
	while [ "$n" -gt 0 ]; do
		if "$@"; then return 0; fi
		sleep 0.5
		n=$(( n - 1 ))
	done
	return 1
}

# kernel_reports REGEX: of the kernel log on stdin, each line matching
# REGEX (grep -E) with the 40 lines after it, at most 120 lines: a whole
# report (the task, RIP and its symbol, registers, call trace) for a
# failed dmesg check's diag, so that a log cut to its end still says
# where the kernel was, not only that it oopsed
kernel_reports() {
	grep -E -A 40 "$1" | head -n 120
}

# ksft_merge PREFIX FILE: a kselftest harness's TAP in FILE as the rig's,
# each result named "PREFIX: name"; a failed test's own comments (its
# RUN line, the expectations it missed, how it ended) follow its "not ok"
# line as diag, where the summaries of check.sh look for them
ksft_merge() {
	_km_buf=
	while IFS= read -r _km_l; do
		case $_km_l in
		"ok "*)
			_ksft_flush
			_tap_out "$(printf '%s\n' "$_km_l" | sed -E "s/^ok [0-9]+ /ok - $1: /")" ;;
		"not ok "*)
			_tap_out "$(printf '%s\n' "$_km_l" | sed -E "s/^not ok [0-9]+ /not ok - $1: /")"
			_ksft_flush ;;
		"#"*)
			_km_buf="$_km_buf$_km_l
" ;;
		esac
	done <"$2"
	_ksft_flush
}

_ksft_flush() {
	printf '%s' "$_km_buf" | while IFS= read -r _km_c; do _tap_out "$_km_c"; done
	_km_buf=
}
