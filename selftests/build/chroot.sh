#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# chroot.sh deb12|deb13|debug
#
# Makes (once) and prints the path of a Debian build root holding the
# pinned kernel headers, the compiler each kernel was built with, sparse
# and dkms.  Kernels are built inside these roots, never against the host,
# so the build matrix means the same on every machine.  Roots are cached
# under $HYBRID_CACHE and remade when the pins in versions.env change.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/selftests/versions.env"
cache=${HYBRID_CACHE:-/var/cache/hybrid}
name=${1:?usage: chroot.sh deb12|deb13|debug}

tools="gcc make libc6-dev sparse dkms kmod"
case $name in
deb12)
	suite=bookworm
	sources="deb $DEBIAN_MIRROR bookworm main
deb $DEBIAN_MIRROR bookworm-updates main
deb ${DEBIAN_MIRROR}-security bookworm-security main"
	# and the Debian packages are built and checked here (deb.sh)
	pkgs="$tools build-essential debhelper dh-dkms lintian
	      linux-headers-$DEB12_KABI-amd64=$DEB12_KPKG
	      linux-headers-$DEB12_KABI-cloud-amd64=$DEB12_KPKG
	      linux-headers-$DEB12_612_KABI-amd64=$DEB12_612_KPKG
	      linux-image-$DEB12_612_KABI-amd64-unsigned=$DEB12_612_KPKG"
	;;
debug)
	# builds the debug guest kernel (debug-kernel.sh) from Debian 12's
	# kernel source, and modules against it; cloud-amd64's headers
	# carry the configuration it starts from
	suite=bookworm
	sources="deb $DEBIAN_MIRROR bookworm main
deb ${DEBIAN_MIRROR}-security bookworm-security main"
	pkgs="$tools bc bison flex libelf-dev libssl-dev cpio xz-utils lz4
	      linux-headers-$DEB12_KABI-cloud-amd64=$DEB12_KPKG"
	;;
deb13)
	suite=trixie
	sources="deb $DEBIAN_MIRROR trixie main"
	pkgs="$tools linux-headers-$DEB13_KABI-amd64=$DEB13_KPKG"
	;;
*)
	echo "chroot.sh: unknown root '$name'" >&2
	exit 2
	;;
esac

root=$cache/chroot-$name
stamp="$sources $pkgs"
mkdir -p "$cache"
exec 9>"$cache/.chroot-$name.lock"
flock 9

if [ -f "$root/.hybrid-stamp" ] && [ "$(cat "$root/.hybrid-stamp")" = "$stamp" ]; then
	echo "$root"
	exit 0
fi

echo "chroot.sh: preparing $root" >&2
if [ ! -x "$root/usr/bin/apt-get" ]; then
	rm -rf "$root"
	debootstrap --variant=minbase "$suite" "$root" "$DEBIAN_MIRROR" >&2
fi
printf '%s\n' "$sources" >"$root/etc/apt/sources.list"
# Pinned kernels are installed explicitly; keep apt from adding others.
printf 'APT::Install-Recommends "false";\n' >"$root/etc/apt/apt.conf.d/90hybrid"
chroot "$root" apt-get update -q >&2
# shellcheck disable=SC2086
# INITRD=No: no initramfs for kernels that are only built against.
INITRD=No DEBIAN_FRONTEND=noninteractive chroot "$root" \
	apt-get install -y -q $pkgs >&2
chroot "$root" apt-get clean
printf '%s' "$stamp" >"$root/.hybrid-stamp"
echo "$root"
