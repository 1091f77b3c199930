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
