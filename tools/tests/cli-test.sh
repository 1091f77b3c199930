#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cli-test.sh BUILD_DIR: tests of the hybrid-migrate command, the man pages,
# the library's exports, the static build, the install, the example and
# the benchmark, without Xen.  Events come from files of synthetic records
# (--device FILE) or from a socket (hm-feed, --fd 3), which also shows the
# acks written back.  Prints TAP lines "ok - tools: ..."; details of a
# failure go to standard error.  Nothing waits on time: every step waits
# for a process to exit or for a line of its output.
set -u

b=$(cd "$1" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
hm=$b/hybrid-migrate
feed=$b/hm-feed
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset HYBRID_MIGRATE_DEVICE HYBRID_MIGRATE_SYSFS

tap() { # STATUS(0=ok) DESCRIPTION
	if [ "$1" -eq 0 ]; then
		echo "ok - tools: $2"
	else
		echo "not ok - tools: $2"
	fi
}

# run NAME: runs the rest, keeping stdout, stderr and the exit status
run() {
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

show() { # what was got, for a failure
	echo "exit status $rc; stdout:" >&2
	sed 's/^/  /' "$tmp/out" >&2
	echo "stderr:" >&2
	sed 's/^/  /' "$tmp/err" >&2
}

expect() { # DESCRIPTION CONDITION...: a TAP line for a shell condition
	local what=$1
	shift
	if "$@"; then
		tap 0 "$what"
	else
		show
		tap 1 "$what"
	fi
}

# ---- command line ----

run "$hm"
expect "no command: usage on stderr, exit 64" \
	eval '[ $rc -eq 64 ] && grep -q "no command given" "$tmp/err" && grep -q "^usage: hybrid-migrate" "$tmp/err" && [ ! -s "$tmp/out" ]'

run "$hm" frobnicate
expect "unknown command: message and usage, exit 64" \
	eval '[ $rc -eq 64 ] && grep -q "unknown command .frobnicate." "$tmp/err" && grep -q "^usage:" "$tmp/err"'

run "$hm" --bogus status
expect "unknown global option: exit 64" \
	eval '[ $rc -eq 64 ] && grep -q "option .--bogus." "$tmp/err"'

for c in status watch wait hook; do
	run "$hm" --device /dev/null "$c" --bogus
	expect "$c --bogus: the command's usage, exit 64" \
		eval '[ $rc -eq 64 ] && grep -q "^usage: hybrid-migrate $c" "$tmp/err"'
	run "$hm" "$c" --help
	expect "$c --help: its usage on stdout, exit 0" \
		eval '[ $rc -eq 0 ] && grep -q "^usage: hybrid-migrate $c" "$tmp/out" && [ ! -s "$tmp/err" ]'
	run "$hm" "$c" extra-argument
	expect "$c with an extra argument: exit 64" eval '[ $rc -eq 64 ]'
done

ok=0
for args in "watch --count 0" "watch --count x" "wait --timeout abc" "wait --timeout -1" \
	    "wait --timeout" "--fd x watch" "--device" "watch --timeout 1" "wait --count 1"; do
	# shellcheck disable=SC2086
	run "$hm" $args
	[ $rc -eq 64 ] || { echo "'$args': exit $rc, expected 64" >&2; ok=1; }
done
tap $ok "bad or missing option values: exit 64"

run "$hm" -h
expect "-h: usage with every command and the exit codes, exit 0" \
	eval '[ $rc -eq 0 ] && grep -q "^  hook " "$tmp/out" && grep -q "64 bad command line" "$tmp/out"'

# shellcheck disable=SC2034 # used in the eval below
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
run "$hm" --version
expect "--version: the package version, exit 0" \
	eval '[ $rc -eq 0 ] && grep -qx "hybrid-migrate $version (libhybridmigrate 1.0.0, ABI 1)" "$tmp/out"'

# ---- a missing device ----

msg="hybrid-migrate: $tmp/none: No such file or directory (is hybrid-migrate.ko loaded? modprobe hybrid-migrate)"
ok=0
for c in watch wait "hook --complete true" status; do
	# shellcheck disable=SC2086
	run "$hm" --device "$tmp/none" $c
	if [ $rc -ne 3 ] || ! grep -qxF "$msg" "$tmp/err"; then
		show
		ok=1
	fi
done
tap $ok "missing device: the modprobe hint, exit 3 (every command)"

HYBRID_MIGRATE_DEVICE=$tmp/none run "$hm" watch
expect "HYBRID_MIGRATE_DEVICE names the device" \
	eval '[ $rc -eq 3 ] && grep -qF "$tmp/none: No such file" "$tmp/err"'

HYBRID_MIGRATE_DEVICE=$tmp/none run "$hm" --device "$tmp/other" watch
expect "--device wins over HYBRID_MIGRATE_DEVICE" \
	eval '[ $rc -eq 3 ] && grep -qF "$tmp/other: No such file" "$tmp/err"'

# ---- watch: every event type, text and JSON ----

records=(
	"prepare,seq=5,gen=2,flags=1,id=7,timeout=30000,ackers=1,deadline=9000,ts=1000,rt=1764107100000000000"
	"abort,seq=6,gen=2,id=7,reason=1"
	"abort,seq=7,gen=2,id=8,reason=2"
	"complete,seq=8,gen=3,id=9,changes=5,cflags=1,old_domid=1,new_domid=2,old_tsc=2000000,new_tsc=2100000,old_xen=0x40011,new_xen=0x40014,resume=5000"
	"lost,count=3"
	"9,seq=10,gen=3"
)
"$feed" --write "${records[@]}" >"$tmp/events"

# strict_json FILE: every line one JSON object that a strict reader takes
# (tools/tests/json-strict.py: no duplicate key, "version" 1 first, no
# number a double cannot hold)
strict_json() { python3 "$top/tools/tests/json-strict.py" "$1"; }

run "$hm" --device "$tmp/events" watch --json
ok=0
[ $rc -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 6 ] || ok=1
strict_json "$tmp/out" || ok=1
[ $ok -eq 0 ] || show
tap $ok "watch --json: one strict JSON object a line (version 1 first, no key twice, no number past 2^53), every record, exit 0 at the end"

jqcheck() { # LINE FILTER: jq -e on line LINE of the output
	sed -n "${1}p" "$tmp/out" | jq -e "$2" >/dev/null 2>&1
}
expect "watch --json: PREPARE fields" jqcheck 1 \
	'.type == "PREPARE" and .seq == 5 and .generation == 2 and .migration_id == "7" and
	 .timeout_ms == 30000 and .ackers == 1 and .deadline_ns == "9000" and
	 .ack_required == true and .flags == 1 and .timestamp_ns == "1000" and
	 .realtime_ns == "1764107100000000000"'
expect "watch --json: ABORT by the host" jqcheck 2 \
	'.type == "ABORT" and .seq == 6 and .migration_id == "7" and .reason == "host" and .reason_code == 1'
expect "watch --json: ABORT superseded" jqcheck 3 \
	'.type == "ABORT" and .reason == "superseded" and .reason_code == 2'
expect "watch --json: COMPLETE fields" jqcheck 4 \
	'.type == "COMPLETE" and .seq == 8 and .generation == 3 and .migration_id == "9" and
	 .changes == ["domain", "cpu"] and .changes_mask == 5 and .announced == true and
	 .old_domid == 1 and .new_domid == 2 and .old_tsc_khz == 2000000 and
	 .new_tsc_khz == 2100000 and .old_xen_version == "4.17" and
	 .new_xen_version == "4.20" and .resume_ns == "5000"'
expect "watch --json: LOST" jqcheck 5 '.type == "LOST" and .seq == 0 and .count == 3'
expect "watch --json: a type it does not know" jqcheck 6 \
	'.type == "UNKNOWN" and .type_code == 9 and .seq == 10'

run "$hm" --device "$tmp/events" watch
expect "watch: one text line an event, type first" \
	eval '[ $rc -eq 0 ] && [ "$(cut -d" " -f1 "$tmp/out" | tr "\n" " ")" = "PREPARE ABORT ABORT COMPLETE LOST UNKNOWN " ] &&
	      grep -q "^PREPARE seq=5 .* time=2025-11-25T21:45:00.000000Z .*migration_id=7 .*ack_required=yes" "$tmp/out" &&
	      grep -q "^COMPLETE .*changes=domain,cpu .*old_xen_version=4.17" "$tmp/out"'

run "$hm" --device "$tmp/events" watch --count 2 --json
expect "watch --count 2: two events, exit 0" \
	eval '[ $rc -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 2 ]'

"$feed" --write prepare,seq=1 short >"$tmp/short"
run "$hm" --device "$tmp/short" watch
expect "watch: a cut record is an error, exit 1" \
	eval '[ $rc -eq 1 ] && [ "$(wc -l <"$tmp/out")" -eq 1 ] && grep -q "Malformed event record" "$tmp/err"'

# watch stops cleanly on SIGTERM (as under systemctl stop)
mkfifo "$tmp/fifo"
"$feed" --hold --pid "$tmp/pid" prepare,seq=1 -- "$hm" --fd 3 watch >"$tmp/fifo" &
feeder=$!
exec 7<"$tmp/fifo"
read -r line <&7
kill -TERM "$(cat "$tmp/pid")"
rest=$(cat <&7)
exec 7<&-
wait $feeder
expect "watch: exits 0 on SIGTERM" eval '[ "${line%% *}" = PREPARE ] && [ "$rest" = "EXIT 0" ]'

# ---- wait ----

"$feed" --write prepare,seq=1 abort,seq=2 complete,seq=3,gen=1,changes=1 prepare,seq=4 >"$tmp/wait"
run "$hm" --device "$tmp/wait" wait --json
expect "wait: the next COMPLETE, exit 0" \
	eval '[ $rc -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 1 ] && strict_json "$tmp/out" && jq -e ".type == \"COMPLETE\" and .seq == 3" "$tmp/out" >/dev/null'

run "$feed" --hold prepare,seq=1 -- "$hm" --fd 3 wait --timeout 0.2
expect "wait --timeout: no COMPLETE in time, exit 2" \
	eval 'grep -qx "EXIT 2" "$tmp/out" && grep -q "no COMPLETE within the timeout" "$tmp/err"'

"$feed" --write prepare,seq=1 >"$tmp/nocomplete"
run "$hm" --device "$tmp/nocomplete" wait
expect "wait: the stream ended without a COMPLETE, exit 1" \
	eval '[ $rc -eq 1 ] && grep -q "End of the event stream" "$tmp/err"'

# ---- hook ----

dump='env | grep ^HYBRID_MIGRATE_ | sort >"$DUMP.$HYBRID_MIGRATE_TYPE.$HYBRID_MIGRATE_SEQ"'
export DUMP=$tmp/env
run "$feed" "${records[0]}" "${records[1]}" "${records[3]}" -- \
	"$hm" --fd 3 hook --prepare "$dump" --complete "$dump" --abort "$dump"
expect "hook: PREPARE acknowledged with one 16-byte ack record, exit 0 at the end" \
	eval '[ "$(cat "$tmp/out")" = "ACK size=16 type=1 seq=5
EXIT 0" ]'

envhas() { # FILE VAR=VALUE...
	local f=$1 kv
	shift
	for kv in "$@"; do
		grep -qxF "HYBRID_MIGRATE_$kv" "$f" || { echo "$f: no $kv" >&2; cat "$f" >&2; return 1; }
	done
}
expect "hook: the prepare command's environment" envhas "$DUMP.PREPARE.5" \
	TYPE=PREPARE SEQ=5 GENERATION=2 MIGRATION_ID=7 TIMEOUT_MS=30000 ACKERS=1 \
	ACK_REQUIRED=1 DEADLINE_NS=9000 FLAGS=1 TIMESTAMP_NS=1000 \
	REALTIME_NS=1764107100000000000
expect "hook: the abort command's environment" envhas "$DUMP.ABORT.6" \
	TYPE=ABORT SEQ=6 MIGRATION_ID=7 REASON=host REASON_CODE=1
expect "hook: the complete command's environment" envhas "$DUMP.COMPLETE.8" \
	TYPE=COMPLETE SEQ=8 GENERATION=3 MIGRATION_ID=9 "CHANGES=domain cpu" \
	CHANGES_MASK=5 ANNOUNCED=1 OLD_DOMID=1 NEW_DOMID=2 OLD_TSC_KHZ=2000000 \
	NEW_TSC_KHZ=2100000 OLD_XEN_VERSION=4.17 NEW_XEN_VERSION=4.20 RESUME_NS=5000

run "$feed" prepare,seq=5,flags=1 prepare,seq=6,flags=1 -- \
	"$hm" --fd 3 hook --prepare 'test "$HYBRID_MIGRATE_SEQ" = 6'
expect "hook: a failing prepare command is not acknowledged, and said so" \
	eval '[ "$(cat "$tmp/out")" = "ACK size=16 type=1 seq=6
EXIT 0" ] && grep -q "seq 5 exited with status 1; not acknowledged" "$tmp/err"'

run "$feed" prepare,seq=5 complete,seq=6 -- "$hm" --fd 3 hook --prepare true --complete ''
expect "hook: no ack where none is required" eval '[ "$(cat "$tmp/out")" = "EXIT 0" ]'

run "$feed" prepare,seq=5,flags=1 -- "$hm" --fd 3 hook --prepare '' --complete true
expect "hook: without a prepare command nothing is acknowledged" \
	eval '[ "$(cat "$tmp/out")" = "EXIT 0" ]'

# A command that outlives its timeout: killed with its process group
# (the sleep it started included), not acknowledged; the COMPLETE that
# came meanwhile waited in the queue and is handled after it.
gone() { # PIDFILE: the process is dead (gone, or a zombie not yet reaped)
	local p
	p=$(cat "$1") || return 1
	[ ! -e "/proc/$p" ] || [ "$(sed 's/.*) \(.\).*/\1/' "/proc/$p/stat" 2>/dev/null)" = Z ]
}
slow='sh -c "echo \$\$ >$SLEEPER; exec sleep 60" & wait'
SLEEPER=$tmp/sleeper run "$feed" prepare,seq=5,flags=1,deadline=1 complete,seq=6 -- \
	"$hm" --fd 3 hook --prepare "$slow" --complete "$dump"
expect "hook: a PREPARE command past the host's deadline is killed at its 1 s floor, with what it started, and not acknowledged" \
	eval '[ "$(cat "$tmp/out")" = "EXIT 0" ] && gone "$tmp/sleeper" &&
	      grep -q "PREPARE command for seq 5 ran out of its 1000 ms and was killed; not acknowledged" "$tmp/err"'
expect "hook: the COMPLETE that came meanwhile is handled after it" envhas "$DUMP.COMPLETE.6" TYPE=COMPLETE SEQ=6
rm -f "$tmp/sleeper"
SLEEPER=$tmp/sleeper run "$feed" complete,seq=7 -- \
	"$hm" --fd 3 hook --command-timeout 0.3 --complete "$slow"
expect "hook --command-timeout 0.3: a COMPLETE command is killed after 300 ms" \
	eval '[ "$(cat "$tmp/out")" = "EXIT 0" ] && gone "$tmp/sleeper" &&
	      grep -q "COMPLETE command for seq 7 ran out of its 300 ms and was killed" "$tmp/err"'
for t in 0 -1 x 86401; do
	run "$hm" --fd 3 hook --command-timeout "$t" --complete true
	expect "hook --command-timeout $t is refused, exit 64" \
		eval '[ $rc -eq 64 ] && grep -q "command-timeout takes seconds" "$tmp/err"'
done

# SIGTERM while a command runs stops the hook and the command at once.
rm -f "$tmp/sleeper" "$tmp/fifo"
mkfifo "$tmp/fifo"
started='sh -c "echo \$\$ >$SLEEPER; echo started >$FIFO; exec sleep 60" & wait'
SLEEPER=$tmp/sleeper FIFO=$tmp/fifo "$feed" --hold --pid "$tmp/pid" prepare,seq=5,flags=1,timeout=60000 -- \
	"$hm" --fd 3 hook --prepare "$started" >"$tmp/out" 2>"$tmp/err" &
feeder=$!
read -r line <"$tmp/fifo"
kill -TERM "$(cat "$tmp/pid")"
wait $feeder
rc=$?
expect "hook: SIGTERM while its PREPARE command runs: the command killed, exit 0, no ack" \
	eval '[ "$line" = started ] && [ "$(cat "$tmp/out")" = "EXIT 0" ] && gone "$tmp/sleeper" &&
	      grep -q "was killed: the hook was told to stop" "$tmp/err"'

# hook is an acknowledger (the device open for writing) only with --prepare
"$feed" --write complete,seq=1 >"$tmp/one"
flags='for f in /proc/$PPID/fd/*; do
	[ "$(readlink "$f")" = "$DEV" ] && sed -n "s/^flags:\t*//p" "/proc/$PPID/fdinfo/${f##*/}"
done >"$OUT"'
DEV=$tmp/one OUT=$tmp/ro run "$hm" --device "$tmp/one" hook --complete "$flags"
DEV=$tmp/one OUT=$tmp/rw run "$hm" --device "$tmp/one" hook --prepare true --complete "$flags"
expect "hook: the device is opened read-only without --prepare, read-write with it" \
	eval '[ -s "$tmp/ro" ] && [ $(( 0$(cat "$tmp/ro") & 3 )) -eq 0 ] &&
	      [ -s "$tmp/rw" ] && [ $(( 0$(cat "$tmp/rw") & 3 )) -eq 2 ]'

# ---- status ----

mkdir "$tmp/sys"
printf 'hvm\n' >"$tmp/sys/mode"
printf '4.17.7\n' >"$tmp/sys/xen_version"
printf '2\n' >"$tmp/sys/domid"
printf 'percpu-vector\n' >"$tmp/sys/callback"
printf '1\n' >"$tmp/sys/hvm_pirqs"
printf '0x0000005c "q" \\ x\n' >"$tmp/sys/hvm_cpuid"
HYBRID_MIGRATE_SYSFS=$tmp/sys run "$hm" --device "$tmp/events" status
expect "status: the binding from sysfs; no device there: exit 1" \
	eval '[ $rc -eq 1 ] && grep -q "^mode: *hvm$" "$tmp/out" && grep -q "^xen_version: *4.17.7$" "$tmp/out" &&
	      grep -q "^bound: *yes$" "$tmp/out" && grep -q "Not a hybrid-migrate device" "$tmp/err"'
HYBRID_MIGRATE_SYSFS=$tmp/sys run "$hm" --device "$tmp/events" status --json
expect "status --json: strict JSON, strings escaped" \
	eval 'strict_json "$tmp/out" && jq -e ".mode == \"hvm\" and .domid == \"2\" and .hvm_cpuid == \"0x0000005c \\\"q\\\" \\\\ x\" and .bound == true" "$tmp/out" >/dev/null'
HYBRID_MIGRATE_SYSFS=$tmp/nosys run "$hm" --device "$tmp/none" status --json
expect "status: not bound, no device: says so, exit 3" \
	eval '[ $rc -eq 3 ] && strict_json "$tmp/out" && jq -e ".bound == false and .open == false" "$tmp/out" >/dev/null'

# ---- man pages, exports, static build ----

ok=0
for m in "$top"/tools/man/*.[0-9]; do
	if ! LC_ALL=C.UTF-8 man --warnings -l -Tutf8 "$m" 2>"$tmp/err" >/dev/null ||
	   [ -s "$tmp/err" ]; then
		echo "$m:" >&2
		cat "$tmp/err" >&2
		ok=1
	fi
done
tap $ok "man pages: man --warnings is silent"

nm -D --defined-only "$b/libhybridmigrate.so" | awk '$2 != "A" { print $3 }' >"$tmp/syms"
expect "libhybridmigrate.so: exports hm_* only, with a version and soname" \
	eval '[ -s "$tmp/syms" ] && ! grep -v "^hm_[a-z0-9_]*@@HYBRIDMIGRATE_1$" "$tmp/syms" >&2 &&
	      grep -q "^hm_open@@" "$tmp/syms" && readelf -d "$b/libhybridmigrate.so" | grep -q "SONAME.*libhybridmigrate.so.1"'
# a function added without a line in the version script would not be
# exported: the script names each export, no pattern
sed -n 's/^[[:space:]]*\(hm_[a-z0-9_]*\);$/\1/p' "$top/tools/lib/libhybridmigrate.map" | sort >"$tmp/mapped"
sed 's/@.*//' "$tmp/syms" | sort >"$tmp/exported"
expect "libhybridmigrate.map: names every export, and nothing else, with no wildcard" \
	eval 'diff "$tmp/mapped" "$tmp/exported" >&2 && ! grep -q "hm_\*" "$top/tools/lib/libhybridmigrate.map"'

# the example of libhybridmigrate(3), as the page shows it, compiles
sed -n '/^\.EX$/,/^\.EE$/p' "$top/tools/man/libhybridmigrate.3" | sed '1d;$d' |
	sed -e 's/\\e/\\/g' -e 's/\\-/-/g' >"$tmp/example.c"
run cc -Wall -Wextra -Werror -O2 -I"$top/tools/lib" -I"$top/include/uapi" -o "$tmp/example" \
	"$tmp/example.c" "$b/libhybridmigrate.a"
expect "libhybridmigrate(3): its example compiles with -Wall -Wextra -Werror" \
	eval '[ $rc -eq 0 ] && grep -q "hm_gen_changed" "$tmp/example.c"'

# 32-bit user space reads the generation without libatomic: no
# __atomic_* call even for a CPU with no 64-bit atomic load (i386)
mkdir -p "$tmp/asm32"
ln -sf "/usr/include/$(cc -print-multiarch)/asm" "$tmp/asm32/asm"
printf '%s\n' '#include "hybrid-migrate.h"' \
	'unsigned long long gen(const struct hybrid_migrate_page *p) { return hm_page_generation(p); }' \
	>"$tmp/gen32.c"
run cc -m32 -march=i386 -O2 -Wall -Wextra -Werror -c -I"$tmp/asm32" -I"$top/tools/lib" \
	-I"$top/include/uapi" -o "$tmp/gen32.o" "$tmp/gen32.c"
expect "hm_page_generation(): a 32-bit (i386) build calls no __atomic_* function, needs no -latomic" \
	eval '[ $rc -eq 0 ] && nm "$tmp/gen32.o" | grep -q " T gen$" && ! nm "$tmp/gen32.o" | grep -q __atomic'

run "$b/hybrid-migrate-static" --version
expect "hybrid-migrate-static: fully static, runs" \
	eval '[ $rc -eq 0 ] && ! readelf -l "$b/hybrid-migrate-static" | grep -q INTERP &&
	      ! readelf -d "$b/hybrid-migrate-static" 2>/dev/null | grep -q NEEDED'

# ---- install ----

d=$tmp/root
run make -C "$top/tools" O="$b" DESTDIR="$d" PREFIX=/usr install
ok=0
[ $rc -eq 0 ] || ok=1
for f in usr/bin/hybrid-migrate usr/lib/libhybridmigrate.a usr/lib/libhybridmigrate.so.1.0.0 \
	 usr/lib/libhybridmigrate.so.1 usr/lib/libhybridmigrate.so usr/lib/pkgconfig/libhybridmigrate.pc \
	 usr/include/hybrid-migrate/hybrid-migrate.h usr/include/hybrid-migrate/linux/hybrid_migrate.h \
	 usr/share/man/man1/hybrid-migrate.1 usr/share/man/man3/libhybridmigrate.3 \
	 usr/share/man/man3/hm_open.3 usr/share/man/man3/hm_gen_changed.3 \
	 usr/share/man/man3/hm_page_generation.3 usr/share/man/man4/hybrid-migrate.4 \
	 usr/lib/udev/rules.d/70-hybrid-migrate.rules \
	 usr/lib/systemd/system/hybrid-migrate-hook.service; do
	[ -e "$d/$f" ] || { echo "not installed: $f" >&2; ok=1; }
done
grep -qx "prefix=/usr" "$d/usr/lib/pkgconfig/libhybridmigrate.pc" || ok=1
grep -q "^ExecStart=/usr/bin/hybrid-migrate hook " \
	"$d/usr/lib/systemd/system/hybrid-migrate-hook.service" || ok=1
[ ! -e "$d/usr/include/linux" ] || { echo "installed into usr/include/linux" >&2; ok=1; }
[ $ok -eq 0 ] || show
tap $ok "make install DESTDIR PREFIX=/usr: every file, .pc and unit for that prefix, nothing in include/linux"

# /usr/local: udev and systemd read its lib/ too; /opt: they do not
for p in /usr/local /opt/hybrid; do
	case $p in
	/usr/local) want="usr/local/lib/udev/rules.d usr/local/lib/systemd/system" ;;
	*) want="etc/udev/rules.d etc/systemd/system" ;;
	esac
	rules=${want% *} unit=${want#* }
	run make -C "$top/tools" O="$b" DESTDIR="$tmp/p" PREFIX="$p" install-data
	expect "make install-data PREFIX=$p: the rule in /$rules, the unit in /$unit" \
		eval '[ $rc -eq 0 ] && [ -f "$tmp/p/$rules/70-hybrid-migrate.rules" ] && [ -f "$tmp/p/$unit/hybrid-migrate-hook.service" ]'
	rm -rf "$tmp/p"
done

cat >"$tmp/app.c" <<'EOF'
#include <hybrid-migrate.h>
#include <stdio.h>

int main(void)
{
	struct hm_handle *h;

	printf("%s %d\n", hm_version(), hm_open("/nonexistent", 0, &h));
	return 0;
}
EOF
PKG_CONFIG_PATH=$d/usr/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$d \
	run sh -c "cc -Wall -Wextra -Werror -o '$tmp/app' '$tmp/app.c' \$(pkg-config --cflags --libs libhybridmigrate) &&
		   LD_LIBRARY_PATH='$d/usr/lib' '$tmp/app' && readelf -d '$tmp/app'"
expect "an application builds with pkg-config against the installed library" \
	eval '[ $rc -eq 0 ] && grep -qx "1.0.0 -2" "$tmp/out" && grep -q "NEEDED.*libhybridmigrate.so.1" "$tmp/out"'

run make -C "$top/tools" O="$b" DESTDIR="$d" PREFIX=/usr uninstall
expect "make uninstall DESTDIR PREFIX=/usr: not a file or link left of the install" \
	eval '[ $rc -eq 0 ] && [ -z "$(find "$d" -type f -o -type l | tee /dev/stderr)" ]'

if command -v systemd-analyze >/dev/null; then
	run make -C "$top/tools" O="$b" DESTDIR="$tmp/unit" PREFIX=/usr BINDIR="$b" install-data
	[ $rc -ne 0 ] ||
		run systemd-analyze verify --man=no "$tmp/unit/usr/lib/systemd/system/hybrid-migrate-hook.service"
	expect "hybrid-migrate-hook.service: systemd-analyze verify is silent" \
		eval '[ $rc -eq 0 ] && [ ! -s "$tmp/err" ]'
fi

# ---- the example and the benchmark ----

run "$b/feature-dispatch" --self-test
expect "feature-dispatch: the AES-NI and generic rounds agree" eval '[ $rc -eq 0 ]'
run "$b/feature-dispatch" --device "$tmp/none"
expect "feature-dispatch: no device, a message, exit 1" \
	eval '[ $rc -eq 1 ] && grep -q "No such file or directory" "$tmp/err"'

run "$b/hm-bench" -n 100000 -r 3 --device "$tmp/none"
expect "hm-bench: measures the page check and getrandom, says what it could not" \
	eval '[ $rc -eq 0 ] && grep -Eq "^\(a\) generation check, anonymous page +[0-9.]+ " "$tmp/out" &&
	      grep -Eq "^\(c\) getrandom.* +[0-9.]+ " "$tmp/out" &&
	      [ "$(grep -c "not measured: $tmp/none: No such file" "$tmp/out")" -eq 3 ]'
