#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms-check.sh: prints TAP for DKMS with Debian's real dkms package, in
# the build roots: add, build and install for every pinned kernel, and
# the clean refusal (BUILD_EXCLUSIVE_CONFIG) of a kernel without Xen
# guest support.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/selftests/versions.env"
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
log=$top/build/check/dkms
mkdir -p "$log"

tap() { # STATUS DESCRIPTION
	if [ "$1" -eq 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi
}

# dkms wants /proc and /dev (in-root.sh)
in_root() { # ROOT LOGNAME CMD...
	local root=$1 name=$2
	shift 2
	"$top/selftests/build/in-root.sh" "$root" "$@" >"$log/$name.log" 2>&1
}

# A copy of a headers tree whose .config lacks Xen guest support.
make_noxen() { # ROOT KERNEL
	local root=$1 k=$2 fake=${2%-amd64}-noxen
	rm -rf "$root/usr/src/linux-headers-$fake" "$root/lib/modules/$fake"
	cp -a "$root/usr/src/linux-headers-$k" "$root/usr/src/linux-headers-$fake"
	# dkms 3.0 reads .config, dkms 3.2 include/config/auto.conf, Kbuild
	# the latter: take Xen out of all three.
	sed -i '/^CONFIG_XEN/d' "$root/usr/src/linux-headers-$fake/.config" \
		"$root/usr/src/linux-headers-$fake/include/config/auto.conf"
	sed -i '/define CONFIG_XEN/d' \
		"$root/usr/src/linux-headers-$fake/include/generated/autoconf.h"
	mkdir -p "$root/lib/modules/$fake"
	ln -s "/usr/src/linux-headers-$fake" "$root/lib/modules/$fake/build"
	echo "$fake"
}

check_root() { # ROOTNAME KERNEL...
	local rootname=$1 root k rc fake ko m
	shift
	root=$("$top/selftests/build/chroot.sh" "$rootname") || {
		tap 1 "dkms: build root $rootname"
		return
	}
	in_root "$root" "$rootname-remove" dkms remove "hybrid/$version" --all
	rm -rf "$root/usr/src/hybrid-$version"
	mkdir -p "$root/usr/src/hybrid-$version"
	cp -a "$top/Kbuild" "$top/drivers" "$top/include" "$top/dkms.conf" \
		"$root/usr/src/hybrid-$version/"
	in_root "$root" "$rootname-add" dkms add "hybrid/$version"
	tap $? "dkms: add hybrid/$version ($rootname)"

	for k in "$@"; do
		in_root "$root" "build-$k" dkms build "hybrid/$version" -k "$k"
		rc=$?
		tap $rc "dkms: build for $k"
		[ $rc -eq 0 ] || cat "$log/build-$k.log" >&2
		in_root "$root" "install-$k" dkms install "hybrid/$version" -k "$k"
		rc=$?
		for m in hybrid hybrid-migrate hybrid-irq; do
			ko=$(ls "$root/lib/modules/$k/updates/dkms/$m.ko"* 2>/dev/null)
			[ -n "$ko" ] &&
			chroot "$root" modinfo -F vermagic "${ko#"$root"}" | grep -q "^$k " ||
				rc=1
		done
		[ $rc -eq 0 ] || cat "$log/install-$k.log" >&2
		tap $rc "dkms: install for $k puts hybrid, hybrid-migrate and hybrid-irq with vermagic $k in updates/dkms"
	done

	fake=$(make_noxen "$root" "$1")
	in_root "$root" "build-$fake" dkms build "hybrid/$version" -k "$fake"
	rc=$?
	# dkms exits 77 when BUILD_EXCLUSIVE_* rules a kernel out; nothing
	# may have been compiled for it.
	if [ $rc -eq 77 ] && ! find "$root/var/lib/dkms/hybrid/$version/$fake" \
			-name '*.ko*' 2>/dev/null | grep -q .; then
		rc=0
	else
		cat "$log/build-$fake.log" >&2
		rc=1
	fi
	tap $rc "dkms: refuses $fake (no Xen guest support) before building"

	# the root as it was, for the packages' test (check.sh)
	in_root "$root" "$rootname-remove" dkms remove "hybrid/$version" --all
	rm -rf "$root/usr/src/linux-headers-$fake" "$root/lib/modules/$fake" \
		"$root/usr/src/hybrid-$version"
}

roots=${DKMS_ROOTS:-deb12 deb13}
for r in $roots; do
	case $r in
	deb12) check_root deb12 "$DEB12_KABI-amd64" "$DEB12_KABI-cloud-amd64" \
			"$DEB12_612_KABI-amd64" ;;
	deb13) check_root deb13 "$DEB13_KABI-amd64" ;;
	esac
done
