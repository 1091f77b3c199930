#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Offline tests of the TAP helpers that carry evidence out of a guest
# (common/tap.sh): a kselftest's failure with its own comments, a kernel
# report in whole.  Prints RIGTAP lines (common/tap.sh).
#
#   tap.sh RIGDIR    (RIGDIR: selftests/rig)
set -u
rig=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$rig/common/tap.sh"

# what the helpers under test print, without the console's RIGTAP prefix
run() { ( _tap_out() { printf '%s\n' "$*"; }; "$@" ); }

cat >"$tmp/ksft" <<'KSFT'
TAP version 13
1..2
# Starting 2 tests from 1 test cases.
#  RUN           global.first ...
#            OK  global.first
ok 1 global.first
#  RUN           global.second ...
# migrate_test.c:540:second:Expected 9 (9) == got (8)
# second: Test terminated by assertion
#          FAIL  global.second
not ok 2 global.second
# FAILED: 1 / 2 tests passed.
KSFT
run ksft_merge "migrate: device" "$tmp/ksft" >"$tmp/out"
is "$(grep -n '^ok - migrate: device: global.first$' "$tmp/out" | cut -d: -f1)" 4 \
	"ksft_merge: a passed test keeps its comments before it"
is "$(sed -n '5p' "$tmp/out")" "not ok - migrate: device: global.second" \
	"ksft_merge: a failed test is named with the prefix"
is "$(sed -n '6,9p' "$tmp/out" | tr '\n' '|')" \
	"#  RUN           global.second ...|# migrate_test.c:540:second:Expected 9 (9) == got (8)|# second: Test terminated by assertion|#          FAIL  global.second|" \
	"ksft_merge: ... and its own comments follow it"
is "$(tail -n 1 "$tmp/out")" "# FAILED: 1 / 2 tests passed." \
	"ksft_merge: comments after the last result are kept"
is "$(wc -l <"$tmp/out")" 10 "ksft_merge: nothing else is printed"

{
	echo "[   60.0] e1000e 0000:00:04.0 eth0: NIC Link is Up"
	echo "[   68.7] BUG: kernel NULL pointer dereference, address: 0000000000000000"
	echo "[   68.8] Oops: Oops: 0010 [#1] PREEMPT SMP NOPTI"
	echo "[   68.8] CPU: 0 UID: 0 PID: 301 Comm: migrate_test Tainted: G OE 6.12.117"
	echo "[   68.8] RIP: 0010:0x0"
	i=0
	while [ $i -lt 60 ]; do echo "[   68.9] trace line $i"; i=$((i + 1)); done
} >"$tmp/dmesg"
BAD='WARNING:|BUG:|Oops|Call Trace|general protection|RIP: |UBSAN|KASAN|kernel BUG'
kernel_reports "$BAD" <"$tmp/dmesg" >"$tmp/rep"
like "$(sed -n 3p "$tmp/rep")" ".*Comm: migrate_test.*" \
	"kernel_reports: the task the report names is kept"
is "$(head -n 1 "$tmp/rep")" "[   68.7] BUG: kernel NULL pointer dereference, address: 0000000000000000" \
	"kernel_reports: from the first line of the report"
is "$(tail -n 1 "$tmp/rep")" "[   68.9] trace line 39" \
	"kernel_reports: to 40 lines after the last matching line"
is "$(printf '%s\n' "[1] RIP: 0010:0x0" | kernel_reports "$BAD")" "[1] RIP: 0010:0x0" \
	"kernel_reports: a report at the log's end"
is "$(echo "[1] fine" | kernel_reports "$BAD")" "" "kernel_reports: nothing without a report"
