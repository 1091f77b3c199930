#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh: installs everything `make check` needs on a Debian 12 machine
# (as root; idempotent), then prepares the cached build roots.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/versions.env"

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: run as root (apt-get, debootstrap, chroot)" >&2
	exit 1
fi

host_pkgs=(
	gcc make libc6-dev perl git python3 kmod
	debootstrap util-linux cpio xz-utils gzip coreutils
	# the tools part: JSON checks, man page checks, pkg-config
	jq man-db groff-base pkgconf
	"linux-source-6.1=$LINUX_SOURCE_PKG"
	# the Xen test rig
	"qemu-system-x86=$RIG_HOST_QEMU"
	"linux-headers-$DEB12_KABI-amd64=$DEB12_KPKG"
)

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${host_pkgs[@]}"

"$top/selftests/build/chroot.sh" deb12 >/dev/null
"$top/selftests/build/chroot.sh" deb13 >/dev/null
"$top/selftests/build/linux-source.sh" >/dev/null
