#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh [PART...]: runs the project's tests, all parts by default.
#
# Each part writes TAP to build/check/PART.tap.  The last line printed is
# "N passed, N failed" over every part; the exit status is non-zero if
# anything failed.  Parts:
#   unit        user-space unit tests (kselftest harness)
#   tools       libhybridmigrate, the hybrid-migrate command, the example
#               and the benchmark: built with -Werror, tested without Xen
#   checkpatch  checkpatch.pl --strict on every C source and header
#   matrix      the modules for every pinned kernel, W=1 C=1, no warnings
#   dkms-check  dkms build on 6.1 and 6.12; refusal of a kernel without Xen
#   rig         the Xen test rig (selftests/rig): real Xen 4.17 and 4.20
#               HVM guests under QEMU, and a plain QEMU boot; PROFILE and
#               SCENARIO (space-separated) narrow it down.  A run of all
#               parts boots every profile unless HYBRID_CHECK_PROFILES
#               says otherwise, e.g. HYBRID_CHECK_PROFILES=native
#   packages    the Debian packages (make deb): built, lintian, installed
#               with apt-get into the Debian 12 and 13 build roots (DKMS
#               builds the modules for every kernel there), used, purged
#   demo-prepare  make demo's own set-up, all of it but the boot: its
#               guest, modules, suites and dom0 image (build/demo/), so
#               that a demo that cannot start fails here, where Xen boots
#               once (in "rig")
#   rig-debug   on request only (make rig-debug; hours, not in make
#               check): the rig's Xen profiles with one guest booted from
#               the debug kernel (KASAN, KFENCE, kmemleak, lockdep, UBSAN,
#               debug objects), built first if it is not cached
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/versions.env"
out=$top/build/check
parts=("$@")
if [ ${#parts[@]} -eq 0 ]; then
	parts=(unit tools checkpatch matrix dkms-check packages demo-prepare rig)
	: "${PROFILE:=${HYBRID_CHECK_PROFILES:-native xen417 xen420}}"
fi

matrix_kernels="$DEB12_KABI-amd64 $DEB12_KABI-cloud-amd64 $DEB12_612_KABI-amd64 $DEB13_KABI-amd64"

tap() { # STATUS(0=ok) DESCRIPTION
	if [ "$1" -eq 0 ]; then
		echo "ok - $2"
	else
		echo "not ok - $2"
	fi
}

sources() {
	(cd "$top" && git ls-files --cached --others --exclude-standard -- '*.c' '*.h' 2>/dev/null) ||
		(cd "$top" && find drivers include selftests tools -name '*.[ch]')
}

# run_ksft PART BIN: runs a kselftest-harness program; its results as TAP
run_ksft() {
	local part=$1 bin=$2 rc
	"$bin" >"$bin.out" 2>&1
	rc=$?
	sed -n "s/^\(ok\|not ok\) [0-9]* /\1 - $part: /p" "$bin.out"
	if [ $rc -ne 0 ]; then
		grep '^#' "$bin.out" >&2
		grep -q '^not ok' "$bin.out" ||
			tap 1 "$part: $(basename "$bin") exited with $rc"
	fi
}

part_unit() {
	local ksft bin src
	ksft=$("$top/selftests/build/linux-source.sh")/tools/testing/selftests || {
		tap 1 "unit: kselftest harness available"
		return
	}
	mkdir -p "$out/unit"
	for src in "$top"/selftests/unit/*_test.c; do
		bin=$out/unit/$(basename "$src" .c)
		if ! gcc -std=gnu11 -O2 -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
			-Werror \
			-D_GNU_SOURCE \
			-I"$top/selftests/unit/shim" -I"$top/include" \
			-I"$top/drivers/hybrid" -I"$ksft" \
			-o "$bin" "$src" "$top/drivers/hybrid/hvmfeat.c" \
			"$top/drivers/hybrid/migrate-proto.c" \
			"$top/drivers/hybrid/irq-msg.c" \
			>"$bin.log" 2>&1; then
			cat "$bin.log" >&2
			tap 1 "unit: build $(basename "$src")"
			continue
		fi
		run_ksft unit "$bin"
	done
	# the rig's classification of lost guests and machines, offline
	local l n t
	for t in crash-site.sh machine.sh tap.sh; do
		n=0
		while IFS= read -r l; do
			case $l in
			"RIGTAP ok - "*) tap 0 "unit: rig: ${l#RIGTAP ok - }" ;;
			"RIGTAP not ok - "*) tap 1 "unit: rig: ${l#RIGTAP not ok - }" ;;
			*) continue ;;
			esac
			n=$((n + 1))
		done < <("$top/selftests/rig/tests/$t" "$top/selftests/rig" 2>&1)
		[ "$n" -gt 0 ] || tap 1 "unit: rig: $t ran its tests"
	done
}

part_tools() {
	local ksft b=$out/tools
	ksft=$("$top/selftests/build/linux-source.sh")/tools/testing/selftests || {
		tap 1 "tools: kselftest harness available"
		return
	}
	rm -rf "$b"
	if ! make -C "$top/tools" O="$b" WERROR=1 KSFT="$ksft" all static test-progs \
		>"$out/tools-build.log" 2>&1; then
		cat "$out/tools-build.log" >&2
		tap 1 "tools: library, command, static command, example, bench build with -Wall -Wextra -Werror"
		return
	fi
	tap 0 "tools: library, command, static command, example, bench build with -Wall -Wextra -Werror"
	run_ksft tools "$b/hm_lib_test"
	"$top/tools/tests/cli-test.sh" "$b"
	"$top/tools/tests/notify-test.sh"
}

part_checkpatch() {
	local cp f
	cp=$("$top/selftests/build/linux-source.sh")/scripts/checkpatch.pl || {
		tap 1 "checkpatch: checkpatch.pl available"
		return
	}
	while read -r f; do
		if (cd "$top" && perl "$cp" --strict --no-tree --quiet \
			--show-types -f "$f") >"$out/checkpatch.log" 2>&1; then
			tap 0 "checkpatch: $f"
		else
			cat "$out/checkpatch.log" >&2
			tap 1 "checkpatch: $f"
		fi
	done < <(sources)
}

part_matrix() {
	local k dir rc
	for k in $matrix_kernels; do
		dir=$out/matrix/$k
		rm -rf "$dir"
		"$top/selftests/build/module.sh" "$k" "$dir" W=1 C=1 \
			>"$out/matrix-$k.log" 2>&1
		rc=$?
		if [ $rc -eq 0 ] && grep -qiE 'warning|error' "$dir/build.log"; then
			rc=1
		fi
		if [ $rc -eq 0 ] && { [ ! -f "$dir/hybrid.ko" ] ||
				      [ ! -f "$dir/hybrid-migrate.ko" ] ||
				      [ ! -f "$dir/hybrid-irq.ko" ]; }; then
			rc=1
		fi
		[ $rc -eq 0 ] || cat "$out/matrix-$k.log" "$dir/build.log" >&2
		tap $rc "matrix: $k builds with W=1 C=1, no warnings"
		check_probes "$k" "$dir"
	done
}

# The probes must find what the kernel has: selftests/build/probes-absent
# lists the only negatives expected.
check_probes() { # KERNEL DIR
	local k=$1 dir=$2 p name macro rc=0
	for p in "$top"/drivers/hybrid/compat/probes/*.c; do
		name=$(basename "$p" .c)
		macro=HAVE_$(echo "$name" | tr '[:lower:]-' '[:upper:]_')
		if grep -q "^$k $name\$" "$top/selftests/build/probes-absent"; then
			! grep -q "^#define $macro " "$dir/probes.h" 2>/dev/null || {
				echo "$k: $macro found, expected absent" >&2; rc=1; }
		else
			grep -q "^#define $macro " "$dir/probes.h" 2>/dev/null || {
				echo "$k: $macro not found" >&2; rc=1; }
		fi
	done
	[ $rc -eq 0 ] || cat "$dir"/probe-logs/*.log >&2 2>/dev/null
	tap $rc "matrix: $k compat probes give the expected answers"
}

part_dkms-check() {
	"$top/selftests/build/dkms-check.sh"
}

PACKAGES="hybrid-dkms hybrid-migrate libhybridmigrate1 libhybridmigrate-dev"

# in_chroot ROOT CMD: shell command CMD in a build root with /proc and
# /dev, as dkms needs them (in-root.sh)
in_chroot() {
	"$top/selftests/build/in-root.sh" "$1" sh -c "$2"
}

# pkg_try ROOTNAME ROOT: the packages of $out/deb installed into a build
# root, checked, and purged (purged whatever happened before)
pkg_try() {
	local r=$1 root=$2 k m rc bad log=$out/deb/$1.log
	rm -rf "$root/tmp/hybrid-debs"
	mkdir -p "$root/tmp/hybrid-debs"
	for m in $PACKAGES; do cp "$out/deb/${m}_"*.deb "$root/tmp/hybrid-debs/"; done
	# nothing of hybrid there before (a run stopped half-way, dkms-check)
	in_chroot "$root" 'for v in /var/lib/dkms/hybrid/[0-9]*; do
		[ -d "$v" ] && dkms remove "hybrid/${v##*/}" --all; done; rm -rf /usr/src/hybrid-*' >"$log" 2>&1
	# every kernel with headers in the root, as on a first installation
	# in a chroot; not just the running one
	autoinstall_all_kernels=1 DEBIAN_FRONTEND=noninteractive \
		in_chroot "$root" 'apt-get install -y -q /tmp/hybrid-debs/*.deb' >>"$log" 2>&1
	rc=$?
	tap $rc "packages: $r: apt-get install ./hybrid-dkms ./hybrid-migrate ./libhybridmigrate1 ./libhybridmigrate-dev"
	[ $rc -eq 0 ] || tail -n 30 "$log" >&2
	for k in $(ls "$root/lib/modules"); do
		chroot "$root" test -d "/lib/modules/$k/build" || continue
		bad=
		for m in hybrid hybrid-irq hybrid-migrate; do
			ls "$root/lib/modules/$k/updates/dkms/$m.ko"* >/dev/null 2>&1 || bad="$bad $m"
		done
		in_chroot "$root" "dkms status -m hybrid -k $k" 2>&1 | grep -q ': installed' || bad="$bad (dkms status)"
		[ -z "$bad" ]
		tap $? "packages: $r: DKMS built and installed hybrid, hybrid-irq and hybrid-migrate for $k${bad:+; missing:$bad}"
	done
	# the library, its header and pkg-config file, as an application uses them
	printf '%s\n' '#include <stdio.h>' '#include <hybrid-migrate.h>' \
		'int main(void) { puts(hm_version()); return 0; }' >"$root/tmp/hybrid-debs/app.c"
	chroot "$root" sh -c 'cc -Wall -Werror -o /tmp/hybrid-debs/app /tmp/hybrid-debs/app.c \
		$(sed -n "s/^Cflags: *//p" /usr/lib/*/pkgconfig/libhybridmigrate.pc | sed "s|\${includedir}|/usr/include/hybrid-migrate|") \
		-lhybridmigrate && /tmp/hybrid-debs/app' >>"$log" 2>&1
	tap $? "packages: $r: an application builds against libhybridmigrate-dev and runs with libhybridmigrate1"
	chroot "$root" sh -c 'hybrid-migrate --version &&
		test -f /lib/systemd/system/hybrid-migrate-hook.service &&
		test -f /usr/lib/udev/rules.d/70-hybrid-migrate.rules &&
		test -f /usr/share/man/man1/hybrid-migrate.1.gz &&
		test -f /usr/share/man/man3/hm_open.3.gz &&
		test -f /usr/include/hybrid-migrate/linux/hybrid_migrate.h &&
		! test -e /usr/include/linux/hybrid_migrate.h' >>"$log" 2>&1
	tap $? "packages: $r: hybrid-migrate runs; its unit, udev rule and man pages, the headers in their own directory"
	DEBIAN_FRONTEND=noninteractive in_chroot "$root" "apt-get purge -y -q $PACKAGES" >>"$log" 2>&1
	rc=$?
	bad=$(chroot "$root" sh -c 'dpkg-query -W -f="\${db:Status-Abbrev} \${Package}\n" '"$PACKAGES"' 2>/dev/null | grep -v "^un "
		ls -d /usr/src/hybrid-* /var/lib/dkms/hybrid /lib/modules/*/updates/dkms/hybrid* \
			/usr/include/hybrid-migrate /usr/lib/*/libhybridmigrate* /usr/bin/hybrid-migrate 2>/dev/null')
	[ $rc -eq 0 ] && [ -z "$bad" ]
	tap $? "packages: $r: apt-get purge leaves nothing behind${bad:+: $(echo $bad)}"
	rm -rf "$root/tmp/hybrid-debs"
}

part_packages() {
	local d=$out/deb m missing= r root
	if "$top/selftests/build/deb.sh" "$d" >&2; then
		for m in $PACKAGES; do
			ls "$d/${m}_"*.deb >/dev/null 2>&1 || missing="$missing $m"
		done
		[ -z "$missing" ]
		tap $? "packages: make deb builds $PACKAGES${missing:+ (missing:$missing)}"
	else
		tap 1 "packages: make deb builds $PACKAGES"
		return
	fi
	root=$("$top/selftests/build/chroot.sh" deb12)
	rm -rf "$root/tmp/lint"
	mkdir -p "$root/tmp/lint"
	cp "$d"/*.deb "$d"/*.changes "$d"/*.buildinfo "$d"/*.dsc "$d"/*.tar.* "$root/tmp/lint/"
	chroot "$root" lintian --fail-on error,warning --tag-display-limit 0 \
		/tmp/lint/"$(basename "$d"/*.changes)" >"$d/lintian.log" 2>&1
	tap $? "packages: lintian: no error and no warning"
	grep -v 'root privileges' "$d/lintian.log" >&2
	rm -rf "$root/tmp/lint"
	for r in deb12 deb13; do
		pkg_try "$r" "$("$top/selftests/build/chroot.sh" "$r")"
	done
}

# The hybrid-migrate suite rides along in the rig as its extra guest and
# dom0 suites: modules for every guest kernel, static test programs.
guest_kernels="$DEB12_KABI-amd64 $DEB13_KABI-amd64"
migrate_extras() {
	local d=$out/migrate-extra k ksft
	rm -rf "$d"
	mkdir -p "$d/guest/ko" "$d/dom0"
	ksft=$("$top/selftests/build/linux-source.sh")/tools/testing/selftests || return 1
	for k in $guest_kernels; do
		"$top/selftests/build/module.sh" "$k" "$d/guest/ko/$k" >&2 || {
			cat "$d/guest/ko/$k/build.log" >&2
			return 1
		}
	done
	gcc -static -O2 -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
		-Werror -pthread -I"$top/include/uapi" -I"$ksft" \
		-o "$d/guest/migrate_test" "$top/selftests/migrate/migrate_test.c" &&
	gcc -static -O2 -Wall -Wextra -Werror -I"$top/include/uapi" -I"$top/tools/lib" \
		-o "$d/guest/hm_agent" "$top/selftests/migrate/hm_agent.c" \
		"$top/tools/lib/hm.c" "$top/tools/lib/hm-features.c" &&
	gcc -static -O2 -Wall -Wextra -Werror -I"$top/include/uapi" \
		-o "$d/guest/hm_spin" "$top/selftests/migrate/hm_spin.c" &&
	gcc -static -O2 -Wall -Wextra -Werror \
		-o "$d/guest/hm_fanout" "$top/selftests/migrate/hm_fanout.c" &&
	gcc -static -O2 -Wall -Wextra -Werror -pthread -I"$top/include/uapi" \
		-o "$d/guest/hm_fuzz" "$top/selftests/migrate/hm_fuzz.c" || return 1
	make -s -C "$top/tools" static O="$d/tools" WERROR=1 >&2 || return 1
	cp "$d/tools/hybrid-migrate-static" "$d/guest/hybrid-migrate"
	cp "$d/tools/hm-bench-static" "$d/guest/hm-bench"
	cp "$top/selftests/migrate/guest.sh" "$top/selftests/migrate/agent.sh" "$d/guest/"
	cp "$top/selftests/irq/guest.sh" "$d/guest/irq.sh"
	cp "$top/selftests/migrate/guest-run.sh" "$d/guest/run.sh"
	cp "$top/selftests/migrate/dom0.sh" "$top/selftests/migrate/stress.sh" \
		"$top/tools/xl-migrate-notify" "$d/dom0/"
	cp "$top/selftests/irq/dom0.sh" "$d/dom0/irq.sh"
	if [ -n "${HYBRID_DEMO:-}" ]; then
		cp "$top/selftests/migrate/demo-dom0.sh" "$d/dom0/run.sh"
	else
		cp "$top/selftests/migrate/dom0-run.sh" "$d/dom0/run.sh"
		cp "$top/selftests/migrate/dom0-parts.sh" "$d/dom0/parts"
	fi
}

# run_rig PART OUTDIR DEFAULT-PROFILES: the rig with the suites above, its
# TAP prefixed with PART.  RIG_PREPARE_ONLY=1: everything but the boot
# (rig.sh --prepare-only); its TAP is then what the preparation found.
run_rig() {
	local part=$1 dir=$2 profiles=${PROFILE:-$3} args=(--out "$2") p f
	for p in $profiles; do args+=(--profile "$p"); done
	for p in ${SCENARIO:-}; do args+=(--scenario "$p"); done
	[ "${RIG_PREPARE_ONLY:-0}" = 1 ] && args+=(--prepare-only)
	if migrate_extras; then
		tap 0 "$part: hybrid-migrate suite built for the guests"
	else
		tap 1 "$part: hybrid-migrate suite built for the guests"
	fi
	RIG_EXTRA_GUEST=$out/migrate-extra/guest RIG_EXTRA_DOM0=$out/migrate-extra/dom0 \
		"$top/selftests/rig/rig.sh" "${args[@]}" >&2
	if [ "${RIG_PREPARE_ONLY:-0}" = 1 ]; then
		for p in $profiles; do
			sed -n "s/^\\(ok\\|not ok\\) - /\\1 - $part: /p" "$dir/$p/parts.tap" 2>/dev/null
			[ -s "$dir/$p/dom0.cpio.gz" ]
			tap $? "$part: $p: the machine's boot image is made"
		done
		return
	fi
	for p in $profiles; do
		f=$dir/$p/results.tap
		if [ ! -s "$f" ]; then
			tap 1 "$part: $p produced results"
			continue
		fi
		sed -n "s/^\\(ok\\|not ok\\) [0-9]* - /\\1 - $part: /p" "$f"
	done
}

part_rig() {
	run_rig rig "$top/build/rig" "native xen417 xen420"
}

# make demo's rig (selftests/demo.sh): one guest, the demo's dom0 script
part_demo() {
	HYBRID_DEMO=1 PROFILE=xen417 SCENARIO="sysfs extra" \
		RIG_GUESTS="g61:$DEB12_KABI-amd64:default" \
		run_rig demo "$top/build/demo" xen417
}

part_demo-prepare() {
	sh -n "$top/selftests/migrate/demo-dom0.sh"
	tap $? "demo-prepare: the demo's dom0 script parses"
	RIG_PREPARE_ONLY=1 part_demo | sed 's/^\(ok\|not ok\) - demo: /\1 - demo-prepare: /'
	rm -f "$top/build/demo/xen417/dom0.cpio.gz"
}

part_rig-debug() {
	if "$top/selftests/build/debug-kernel.sh" >&2; then
		tap 0 "rig-debug: the debug kernel $RIG_DEBUG_KVER is built"
	else
		tap 1 "rig-debug: the debug kernel $RIG_DEBUG_KVER is built"
		return
	fi
	guest_kernels="$guest_kernels $RIG_DEBUG_KVER"
	# the emulator lost the debug guest once in 7 to 11 suspends
	# (docs/measurements/2026-12-06-debug-guest.md), and the suites and
	# the stress suspend it about 80 times
	RIG_HM_STRESS=${RIG_HM_STRESS:-1} RIG_RECOVER=${RIG_RECOVER:-20} \
	RIG_GUESTS=${RIG_GUESTS:-gdebug:$RIG_DEBUG_KVER:default:debug} \
		run_rig rig-debug "$top/build/rig-debug" "xen417 xen420"
}

# failures: the first failed results again, each with at most 50 of the
# comments that follow it in the rig's own TAP (what the test saw, a
# kernel's whole report), just above the count: a log cut to its end
# still says what failed and why
failures() {
	local p l d
	for p in "${parts[@]}"; do
		grep '^not ok ' "$out/$p.tap" | grep -v '# TODO' | while IFS= read -r l; do
			echo "# failed: ${l#not ok - }"
			case $p in rig | rig-debug) ;; *) continue ;; esac
			d=${l#not ok - "$p": }
			cat "$top/build/$p"/*/results.tap 2>/dev/null |
				awk -v d="$d" 'f && /^#/ && n++ < 50 { print "#   " $0 }
					f && /^#/ { next }
					{ f = /^not ok [0-9]+ - / && substr($0, index($0, " - ") + 3) == d; n = 0 }'
		done
	done | head -n 160
}

mkdir -p "$out"
for p in "${parts[@]}"; do
	if ! declare -F "part_$p" >/dev/null; then
		echo "check.sh: unknown part '$p'" >&2
		exit 2
	fi
	echo "# $p"
	"part_$p" 2> >(sed 's/^/# /' >&2) | tee "$out/$p.tap"
done

passed=0
failed=0
todo=0
for p in "${parts[@]}"; do
	passed=$((passed + $(grep -c '^ok ' "$out/$p.tap")))
	failed=$((failed + $(grep '^not ok ' "$out/$p.tap" | grep -cv '# TODO')))
	todo=$((todo + $(grep -c '^not ok .*# TODO' "$out/$p.tap")))
done
[ "$todo" -eq 0 ] || echo "# $todo todo: known failures outside hybrid, each with why (not ok ... # TODO)"
failures
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
