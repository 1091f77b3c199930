# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Host-side helpers of the Xen test rig: logging, the download cache,
# kernel/Xen/dom0-root preparation, initramfs assembly, bounded QEMU runs.
# Sourced by rig.sh; every function fails loudly (set -eu in the caller).

RIG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$RIG_DIR/../.." && pwd)
HYBRID_CACHE=${HYBRID_CACHE:-/var/cache/hybrid}
RIG_CACHE=$HYBRID_CACHE/rig
# shellcheck source=../versions.env
. "$TOP/selftests/versions.env"

log() { printf '[rig %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

# stamp_ok NAME VALUE: true if step NAME was completed with VALUE.
stamp_ok() { [ -f "$RIG_CACHE/stamps/$1" ] && [ "$(cat "$RIG_CACHE/stamps/$1")" = "$2" ]; }
stamp_set() { mkdir -p "$RIG_CACHE/stamps"; printf '%s\n' "$2" >"$RIG_CACHE/stamps/$1"; }

# ---------------------------------------------------------------------------
# Package downloads.  Bookworm comes from the host's apt; trixie from a
# private apt configuration under the cache (the host's sources stay as
# they are).

trixie_apt_dir() { echo "$RIG_CACHE/apt-trixie"; }

trixie_apt() {
	local d
	d=$(trixie_apt_dir)
	apt-get -q -o Dir::Etc::SourceList="$d/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null \
		-o Dir::Etc::Preferences=/dev/null \
		-o Dir::Etc::PreferencesParts=/dev/null \
		-o Dir::State="$d/state" -o Dir::Cache="$d/cache" \
		-o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root "$@"
}

trixie_apt_update() {
	local d
	d=$(trixie_apt_dir)
	stamp_ok apt-trixie "$(date -u +%Y-%m-%d)" && return 0
	mkdir -p "$d/state/lists/partial" "$d/cache/archives/partial"
	echo "deb $DEBIAN_MIRROR trixie main" >"$d/sources.list"
	: >"$d/state/status"
	trixie_apt update >/dev/null || die "apt-get update (trixie) failed"
	stamp_set apt-trixie "$(date -u +%Y-%m-%d)"
}

# fetch_deb SUITE PKG VERSION -> prints path of the cached .deb
fetch_deb() {
	local suite=$1 pkg=$2 ver=$3 dir f
	dir=$RIG_CACHE/debs/$suite
	mkdir -p "$dir"
	f=$(find "$dir" -maxdepth 1 -name "${pkg}_*.deb" -print | while read -r x; do
		[ "$(dpkg-deb -f "$x" Version)" = "$ver" ] && echo "$x"; done | head -n1)
	if [ -z "$f" ]; then
		log "downloading $pkg=$ver ($suite)"
		if [ "$suite" = trixie ]; then
			trixie_apt_update
			(cd "$dir" && trixie_apt download "$pkg=$ver" >/dev/null) ||
				die "cannot download $pkg=$ver from trixie"
		else
			(cd "$dir" && apt-get -q -o APT::Sandbox::User=root download "$pkg=$ver" >/dev/null) ||
				die "cannot download $pkg=$ver"
		fi
		f=$(find "$dir" -maxdepth 1 -name "${pkg}_*.deb" -print | while read -r x; do
			[ "$(dpkg-deb -f "$x" Version)" = "$ver" ] && echo "$x"; done | head -n1)
	fi
	[ -n "$f" ] || die "no $pkg=$ver in $dir"
	echo "$f"
}

# ---------------------------------------------------------------------------
# Kernels: KABI -> suite and package version (all pinned in versions.env).

kernel_suite() {
	case $1 in
	*+deb13*) echo trixie ;;
	*) echo bookworm ;;
	esac
}

kernel_pkgver() {
	case $1 in
	"$RIG_DEBUG_KVER") echo "debug" ;;
	"$DEB12_KABI"-*) echo "$DEB12_KPKG" ;;
	"$DEB12_612_KABI"-*) echo "$DEB12_612_KPKG" ;;
	"$DEB13_KABI"-*) echo "$DEB13_KPKG" ;;
	*) die "unknown kernel $1" ;;
	esac
}

# prep_kernel KVER (e.g. 6.1.0-56-amd64): extracted linux-image package in
# $RIG_CACHE/kernels/KVER/root with modules.dep.  Prints that directory.
# The debug guest kernel is built from source instead (debug-kernel.sh).
prep_kernel() {
	local kver=$1 ver suite deb d
	if [ "$kver" = "$RIG_DEBUG_KVER" ]; then
		d=$RIG_CACHE/kernels/$kver
		"$TOP/selftests/build/debug-kernel.sh" --install "$d/root" >/dev/null ||
			die "cannot build the debug kernel $kver"
		echo "$d"
		return
	fi
	ver=$(kernel_pkgver "$kver")
	suite=$(kernel_suite "$kver")
	d=$RIG_CACHE/kernels/$kver
	if ! stamp_ok "kernel-$kver" "$ver"; then
		deb=$(fetch_deb "$suite" "linux-image-$kver" "$ver")
		rm -rf "$d"
		mkdir -p "$d/root"
		dpkg-deb -x "$deb" "$d/root"
		# merged-/usr packages (trixie) ship /usr/lib/modules
		[ -e "$d/root/lib" ] || ln -s usr/lib "$d/root/lib"
		depmod -b "$d/root" "$kver"
		stamp_set "kernel-$kver" "$ver"
	fi
	echo "$d"
}

# copy_modules KROOT KVER DESTROOT MODULE...: the modules and everything
# they depend on, then depmod in DESTROOT.
copy_modules() {
	local kroot=$1 kver=$2 dest=$3 m path todo done_list dep
	shift 3
	local mdir=$kroot/lib/modules/$kver
	todo="$*"
	done_list=" "
	while [ -n "$todo" ]; do
		# shellcheck disable=SC2086 # a word list on purpose
		set -- $todo
		m=$1
		shift
		todo="$*"
		m=${m//-/_}
		case $done_list in *" $m "*) continue ;; esac
		done_list="$done_list$m "
		# modules.dep lines: path: dep dep ...; names use - or _
		path=$(awk -F: -v m="$m" '{
			n = $1; sub(/.*\//, "", n); sub(/\.ko(\.[a-z]+)?$/, "", n);
			gsub(/-/, "_", n); if (n == m) { print $1; exit } }' "$mdir/modules.dep")
		if [ -z "$path" ]; then
			# built into this kernel?
			grep -q "/${m}.ko\$\|/${m//_/-}.ko\$" "$mdir/modules.builtin" 2>/dev/null && continue
			die "module $m not found for $kver"
		fi
		mkdir -p "$dest/lib/modules/$kver/$(dirname "$path")"
		case $path in
		*.ko.xz)	# plain .ko: busybox insmod/modprobe cannot decompress
			xz -dc "$mdir/$path" >"$dest/lib/modules/$kver/${path%.xz}" ;;
		*) cp "$mdir/$path" "$dest/lib/modules/$kver/$path" ;;
		esac
		for dep in $(awk -F: -v p="$path" '$1 == p { print $2 }' "$mdir/modules.dep"); do
			dep=${dep##*/}
			dep=${dep%%.ko*}
			todo="$todo $dep"
		done
	done
	cp "$mdir"/modules.order "$mdir"/modules.builtin* "$dest/lib/modules/$kver/" 2>/dev/null || true
	depmod -b "$dest" "$kver"
}

# ---------------------------------------------------------------------------
# Xen hypervisor binaries (gunzipped ELF for QEMU's multiboot loader).

# prep_xen PROFILE -> prints path of the xen ELF
prep_xen() {
	local profile=$1 pkg ver suite deb d
	case $profile in
	xen417) pkg=xen-hypervisor-4.17-amd64 ver=$RIG_XEN417_VERSION suite=bookworm ;;
	xen420) pkg=xen-hypervisor-4.20-amd64 ver=$RIG_XEN420_VERSION suite=trixie ;;
	*) die "no Xen for profile $profile" ;;
	esac
	d=$RIG_CACHE/xen/$profile
	if ! stamp_ok "xen-$profile" "$ver"; then
		deb=$(fetch_deb "$suite" "$pkg" "$ver")
		rm -rf "$d"
		mkdir -p "$d/x"
		dpkg-deb -x "$deb" "$d/x"
		gz=$(find "$d/x/boot" -name 'xen-4.*-amd64.gz' | head -n1)
		[ -n "$gz" ] || die "no xen-*.gz in $pkg"
		gunzip -c "$gz" >"$d/xen"
		rm -rf "$d/x"
		stamp_set "xen-$profile" "$ver"
	fi
	echo "$d/xen"
}

# ---------------------------------------------------------------------------
# dom0 root (debootstrap), kept as a directory and as a gzip'd cpio.

profile_suite() {
	case $1 in
	xen417) echo bookworm ;;
	xen420) echo trixie ;;
	esac
}

profile_dom0_kver() {
	case $1 in
	xen417) echo "$DEB12_KABI-amd64" ;;
	xen420) echo "$DEB13_KABI-amd64" ;;
	esac
}

profile_xen_short() {
	case $1 in
	xen417) echo 4.17 ;;
	xen420) echo 4.20 ;;
	esac
}

# prep_dom0_base PROFILE -> prints path of dom0-base.cpio.gz
prep_dom0_base() {
	local profile=$1 suite xs key d root qpin xpin got
	suite=$(profile_suite "$profile")
	xs=$(profile_xen_short "$profile")
	case $profile in
	xen417) xpin=$RIG_XEN417_VERSION qpin=$RIG_XEN417_QEMU_XEN ;;
	xen420) xpin=$RIG_XEN420_VERSION qpin=$RIG_XEN420_QEMU_XEN ;;
	esac
	key="$suite $xpin $qpin v1"
	d=$RIG_CACHE/dom0/$profile
	root=$d/root
	if ! stamp_ok "dom0-$profile" "$key"; then
		rm -rf "$d"
		mkdir -p "$d"
		log "debootstrap $suite dom0 root (once; cached)"
		debootstrap --variant=minbase \
			--include="xen-utils-$xs,qemu-system-xen,seabios,busybox,iproute2,kmod,iputils-ping" \
			"$suite" "$root" "$DEBIAN_MIRROR" >"$d/debootstrap.log" 2>&1 ||
			die "debootstrap failed, see $d/debootstrap.log"
		if [ "$suite" = bookworm ]; then
			# Debian 12's Xen fixes come through bookworm-security
			cat >"$root/etc/apt/sources.list" <<-EOS
			deb $DEBIAN_MIRROR bookworm main
			deb $DEBIAN_MIRROR bookworm-updates main
			deb ${DEBIAN_MIRROR}-security bookworm-security main
			EOS
			printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
			chmod +x "$root/usr/sbin/policy-rc.d"
			{ chroot "$root" apt-get -q update &&
			  DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get -q -y upgrade
			} >>"$d/debootstrap.log" 2>&1 || die "dom0 root upgrade failed, see $d/debootstrap.log"
			rm -f "$root/usr/sbin/policy-rc.d"
		fi
		# shellcheck disable=SC2016 # dpkg-query's own ${Version}
		got=$(chroot "$root" dpkg-query -W -f '${Version}' "xen-utils-$xs")
		[ "$got" = "$xpin" ] || die "dom0 $profile: xen-utils-$xs is $got, pinned $xpin"
		# shellcheck disable=SC2016
		got=$(chroot "$root" dpkg-query -W -f '${Version}' qemu-system-xen)
		[ "$got" = "$qpin" ] || die "dom0 $profile: qemu-system-xen is $got, pinned $qpin"
		rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* \
			"$root"/usr/share/locale/* "$root"/var/cache/apt/archives/*.deb \
			"$root"/var/lib/apt/lists/*_Packages
		(cd "$root" && find . -xdev | cpio -o -H newc --quiet | gzip -1) >"$d/base.cpio.gz.tmp"
		mv "$d/base.cpio.gz.tmp" "$d/base.cpio.gz"
		stamp_set "dom0-$profile" "$key"
	fi
	echo "$d/base.cpio.gz"
}

# prep_host_qemu EMU -> prints the path of the qemu-system-x86_64 of the
# emulator EMU names: "qemu72" is the host's own Debian 12 package
# (deps.sh installs it); "qemu10" is Debian 13's, in a trixie root of its
# own under the cache (its libraries are newer than Debian 12's), run with
# that root's dynamic loader and firmware.
prep_host_qemu() {
	local d=$RIG_CACHE/hostqemu-trixie root got
	case $1 in
	qemu72)
		got=$(dpkg-query -W -f '${Version}' qemu-system-x86 2>/dev/null || true)
		[ "$got" = "$RIG_HOST_QEMU" ] ||
			die "host qemu-system-x86 is ${got:-missing}, pinned $RIG_HOST_QEMU (make deps)"
		command -v qemu-system-x86_64
		return ;;
	qemu10) ;;
	*) die "emulator $1: qemu72 or qemu10" ;;
	esac
	root=$d/root
	if ! stamp_ok hostqemu-trixie "$RIG_HOST_QEMU10 v1"; then
		rm -rf "$d"
		mkdir -p "$d"
		log "debootstrap a trixie root for QEMU $RIG_HOST_QEMU10 (once; cached)"
		debootstrap --variant=minbase --include=qemu-system-x86 \
			trixie "$root" "$DEBIAN_MIRROR" >"$d/debootstrap.log" 2>&1 ||
			die "debootstrap failed, see $d/debootstrap.log"
		# shellcheck disable=SC2016 # dpkg-query's own ${Version}
		got=$(chroot "$root" dpkg-query -W -f '${Version}' qemu-system-x86)
		[ "$got" = "$RIG_HOST_QEMU10" ] ||
			die "trixie qemu-system-x86 is $got, pinned $RIG_HOST_QEMU10"
		cat >"$d/qemu-system-x86_64" <<-EOF
		#!/bin/sh
		r=$root
		exec "\$r/usr/lib64/ld-linux-x86-64.so.2" --library-path "\$r/usr/lib/x86_64-linux-gnu" \\
			"\$r/usr/bin/qemu-system-x86_64" -L "\$r/usr/share/qemu" -L "\$r/usr/share/seabios" "\$@"
		EOF
		chmod +x "$d/qemu-system-x86_64"
		"$d/qemu-system-x86_64" --version >/dev/null || die "QEMU $RIG_HOST_QEMU10 does not run"
		stamp_set hostqemu-trixie "$RIG_HOST_QEMU10 v1"
	fi
	echo "$d/qemu-system-x86_64"
}

# prep_busybox -> path of a static busybox binary
prep_busybox() {
	local d=$RIG_CACHE/busybox deb
	if ! stamp_ok busybox "$RIG_BUSYBOX_STATIC"; then
		deb=$(fetch_deb bookworm busybox-static "$RIG_BUSYBOX_STATIC")
		rm -rf "$d"
		mkdir -p "$d/x"
		dpkg-deb -x "$deb" "$d/x"
		cp "$d/x/bin/busybox" "$d/busybox"
		rm -rf "$d/x"
		stamp_set busybox "$RIG_BUSYBOX_STATIC"
	fi
	echo "$d/busybox"
}

# mk_cpio DIR OUT: gzip'd newc cpio of DIR, owned by root
mk_cpio() {
	(cd "$1" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1) >"$2"
}

# ---------------------------------------------------------------------------
# Bounded QEMU runs.

# run_bounded TIMEOUT LOG CMD...: runs CMD with output to LOG; kills it
# after TIMEOUT seconds.  Returns CMD's status, 124 on timeout.
run_bounded() {
	local t=$1 out=$2
	shift 2
	timeout --kill-after=10 "$t" "$@" </dev/null >"$out" 2>&1
}

