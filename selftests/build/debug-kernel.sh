#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh [--install DESTROOT]
#
# Builds, once, the rig's debug guest kernel ($RIG_DEBUG_KVER): Debian
# 12's kernel source (linux-source-6.1 $LINUX_SOURCE_PKG, which 'make
# deps' installs) configured from Debian's cloud-amd64 configuration,
# with every module off but the guest's NIC, and debug.config (KASAN,
# KFENCE, kmemleak, lockdep, debug objects, UBSAN) merged on top.  It is
# built inside the "debug" build root (chroot.sh), where the tree stays
# as /usr/src/linux-headers-$RIG_DEBUG_KVER: module.sh builds hybrid
# against it there.  About 25 minutes on two cores, then cached until
# the source, the base configuration or debug.config change.
#
# With --install, puts boot/vmlinuz-KVER, boot/System.map-KVER and
# lib/modules/KVER under DESTROOT, as the linux-image package would.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/selftests/versions.env"
kver=$RIG_DEBUG_KVER
frag=$top/selftests/build/debug.config
tarball=/usr/src/linux-source-6.1.tar.xz
dest=
case ${1:-} in
--install) dest=${2:?usage: debug-kernel.sh [--install DESTROOT]} ;;
"") ;;
*) echo "usage: debug-kernel.sh [--install DESTROOT]" >&2; exit 2 ;;
esac

root=$("$top/selftests/build/chroot.sh" debug)
tree=/usr/src/linux-headers-$kver
base=/usr/src/linux-headers-$DEB12_KABI-cloud-amd64/.config
stamp="$LINUX_SOURCE_PKG $DEB12_KPKG $(sha256sum <"$frag" | cut -c1-16)"
jobs=$(nproc)

exec 9>"$root/.debug-kernel.lock"
flock 9

# stamped FILE: true if FILE holds this build's stamp
stamped() { [ -f "$1" ] && [ "$(cat "$1")" = "$stamp" ]; }

# Unpacked and configured once (.hybrid-config); a build that stopped
# half-way goes on where it was.
if ! stamped "$root$tree/.hybrid-config"; then
	have=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || true)
	if [ "$have" != "$LINUX_SOURCE_PKG" ] || [ ! -f "$tarball" ]; then
		echo "debug-kernel.sh: need linux-source-6.1 $LINUX_SOURCE_PKG (have '${have:-none}'); run 'make deps'" >&2
		exit 1
	fi
	echo "debug-kernel.sh: configuring $kver in $root$tree" >&2
	rm -rf "${root:?}$tree"
	mkdir -p "$root$tree"
	tar -xJf "$tarball" -C "$root$tree" --strip-components=1
	# every module off: the guest loads e1000e (debug.config) and
	# hybrid; the fragment's lines come last, so they win
	sed 's/^\(CONFIG_[A-Za-z0-9_]*\)=m$/# \1 is not set/' "$root$base" >"$root$tree/.config"
	cat "$frag" >>"$root$tree/.config"
	chroot "$root" make -C "$tree" olddefconfig >"$root$tree/build.log" 2>&1
	# every line of the fragment must have survived olddefconfig
	bad=0
	while read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF "$line" "$root$tree/.config" || { echo "debug-kernel.sh: not in .config: $line" >&2; bad=1; } ;;
		"# CONFIG_"*" is not set")
			opt=${line#\# }
			opt=${opt%% *}
			! grep -q "^$opt=" "$root$tree/.config" || { echo "debug-kernel.sh: still set: $opt" >&2; bad=1; } ;;
		esac
	done <"$frag"
	[ $bad = 0 ] || exit 1
	rel=$(chroot "$root" make -s -C "$tree" kernelrelease)
	if [ "$rel" != "$kver" ]; then
		echo "debug-kernel.sh: the tree says $rel, versions.env says $kver" >&2
		exit 1
	fi
	printf '%s' "$stamp" >"$root$tree/.hybrid-config"
fi
if ! stamped "$root$tree/.hybrid-stamp"; then
	echo "debug-kernel.sh: building $kver in $root$tree (log: build.log there)" >&2
	if ! chroot "$root" make -C "$tree" -j"$jobs" bzImage modules >>"$root$tree/build.log" 2>&1; then
		tail -n 30 "$root$tree/build.log" >&2
		echo "debug-kernel.sh: build failed" >&2
		exit 1
	fi
	printf '%s' "$stamp" >"$root$tree/.hybrid-stamp"
fi

if [ -n "$dest" ]; then
	if ! stamped "$dest/.hybrid-stamp"; then
		rm -rf "$dest" "$root/tmp/debug-install"
		mkdir -p "$dest/boot"
		chroot "$root" make -s -C "$tree" INSTALL_MOD_PATH=/tmp/debug-install \
			INSTALL_MOD_STRIP=1 modules_install >&2
		cp -a "$root/tmp/debug-install/lib" "$dest/"
		rm -rf "$root/tmp/debug-install"
		cp "$root$tree/arch/x86/boot/bzImage" "$dest/boot/vmlinuz-$kver"
		cp "$root$tree/System.map" "$dest/boot/System.map-$kver"
		cp "$root$tree/.config" "$dest/boot/config-$kver"
		printf '%s' "$stamp" >"$dest/.hybrid-stamp"
	fi
fi
echo "$root$tree"
