#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deb.sh OUTDIR: builds the Debian packages (debian/: hybrid-dkms,
# hybrid-migrate, libhybridmigrate1, libhybridmigrate-dev) with
# dpkg-buildpackage in the Debian 12 build root, from the files git
# tracks (or the whole tree outside git), and leaves the source package
# (.dsc, .tar.xz) and the .deb, .changes and .buildinfo files in OUTDIR.
# The build log is OUTDIR/build.log.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: deb.sh OUTDIR}
root=$("$top/selftests/build/chroot.sh" deb12)
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
work=/build/deb
src=$work/hybrid-$version

rm -rf "${root:?}$work"
mkdir -p "$root$src" "$out"
rm -f "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo "$out"/*.dsc "$out"/*.tar.*
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 cp -a --parents -t "$root$src")
else
	(cd "$top" && tar -c --exclude=./build .) | tar -x -C "$root$src"
fi
rc=0
chroot "$root" sh -c "cd $src && dpkg-buildpackage -us -uc" >"$out/build.log" 2>&1 || rc=$?
cp "$root$work"/*.deb "$root$work"/*.changes "$root$work"/*.buildinfo \
	"$root$work"/*.dsc "$root$work"/*.tar.* "$out/" 2>/dev/null || true
rm -rf "${root:?}$work"
if [ $rc -ne 0 ]; then
	tail -n 30 "$out/build.log" >&2
	echo "deb.sh: dpkg-buildpackage failed ($rc); log: $out/build.log" >&2
fi
exit $rc
