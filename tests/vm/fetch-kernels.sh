#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# fetch-kernels.sh [CACHE_DIR] - download and unpack the Debian kernels the VM
# tests boot: 6.12 (bookworm-backports / bookworm-security) and 6.1 (bookworm).
#
# Produces, per kernel K in {6.12, 6.1}:
#   CACHE/K/vmlinuz        the bzImage
#   CACHE/K/overlay.ko     overlayfs module, decompressed
#   CACHE/K/modules/       overlay.ko's dependencies (if any), decompressed
#   CACHE/K/modules.order  module file names in insmod order (deps first)
#   CACHE/K/PACKAGE        "<package> <version> <kernel release>"
#
# Only apt-get download + dpkg-deb -x are used: nothing is installed. Each
# kernel is assembled in a temp dir and renamed into place, so an interrupted
# run never leaves a CACHE/K that looks complete. Already-present kernels are
# skipped. Override the package choice with DG_VM_PKG_6_12 / DG_VM_PKG_6_1.
set -euo pipefail

cache=${1:-${DG_VM_CACHE:-/var/cache/driftguard-vm}}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

die() { echo "fetch-kernels.sh: error: $*" >&2; exit 1; }

for t in apt-get apt-cache dpkg-deb modinfo xz; do
	command -v "$t" >/dev/null || die "'$t' not found (install it: apt-get install apt dpkg kmod xz-utils)"
done

# Serialise concurrent runs (e.g. parallel CI jobs sharing a cache).
exec 9>"$cache/.lock"
flock 9
# Temp dirs of runs that were killed (we hold the lock, so none is live).
rm -rf "$cache"/.tmp-*

# pick_pkg REGEX: newest package whose name matches REGEX and that has an
# installation candidate. -unsigned packages sort first among equal versions
# (they hold the same vmlinuz without the Secure Boot signature).
pick_pkg() {
	local names
	names=$(apt-cache pkgnames linux-image- | { grep -E "$1" || true; })
	[ -n "$names" ] || return 0
	# shellcheck disable=SC2086 # one policy call for all names (fast)
	apt-cache policy $names | awk '
		/^[^ ].*:$/ { p = substr($0, 1, length($0) - 1) }
		/^  Candidate:/ && $2 != "(none)" { print $2, (p ~ /-unsigned$/), p }' |
		sort -k1,1V -k2,2n | tail -n1 | awk '{print $3}'
}

# fetch K REGEX OVERRIDE
fetch() {
	local k=$1 re=$2 pkg=${3:-} dst="$cache/$1" tmp ver kver
	if [ -f "$dst/.complete" ]; then
		echo "fetch-kernels.sh: $k: cached ($(cat "$dst/PACKAGE"))"
		return
	fi
	rm -rf "$dst"   # leftovers without the stamp are never trusted

	[ -n "$pkg" ] || pkg=$(pick_pkg "$re")
	[ -n "$pkg" ] || die "$k: no package matching /$re/ has an apt candidate.
  Run scripts/setup.sh (it adds bookworm-backports) and 'apt-get update', check
  'apt-cache search linux-image | grep -E \"6\\.(1|12)\\.\"', or set
  DG_VM_PKG_${k//./_}=<package name>."
	ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}')
	case $ver in
	"" | "(none)") die "$k: package '$pkg' has no apt candidate (run 'apt-get update'; check 'apt-cache policy $pkg')" ;;
	esac

	tmp=$(mktemp -d "$cache/.tmp-$k.XXXXXX")
	# apt-get download writes as user _apt when it can (else it warns).
	chown _apt "$tmp" 2>/dev/null || true
	# shellcheck disable=SC2064 # expand $tmp now
	trap "rm -rf '$tmp'" EXIT
	echo "fetch-kernels.sh: $k: downloading $pkg $ver"
	(cd "$tmp" && apt-get download -q=2 "$pkg=$ver") ||
		die "$k: 'apt-get download $pkg=$ver' failed (network/mirror? see above)"
	dpkg-deb -x "$tmp"/*.deb "$tmp/x"

	# The image package holds exactly one vmlinuz and its /lib/modules tree.
	set -- "$tmp"/x/boot/vmlinuz-*
	[ $# -eq 1 ] && [ -f "$1" ] || die "$k: $pkg has no (or several) /boot/vmlinuz-*; pick another package via DG_VM_PKG_${k//./_}"
	kver=${1##*/vmlinuz-}
	local mdir="$tmp/x/lib/modules/$kver"
	[ -d "$mdir" ] || die "$k: $pkg has no /lib/modules/$kver"

	mkdir -p "$tmp/out/modules"
	cp "$1" "$tmp/out/vmlinuz"

	# Resolve overlay's dependencies depth-first so modules.order is
	# insmod-able top to bottom. Modules may be .ko, .ko.xz or .ko.zst.
	: >"$tmp/out/modules.order"
	add_mod() {
		local name=$1 f dep
		f=$(find "$mdir/kernel" -name "$name.ko" -o -name "$name.ko.xz" -o -name "$name.ko.zst" | head -n1)
		[ -n "$f" ] || die "$k: module '$name' not found in $pkg"
		grep -qx "$name.ko" "$tmp/out/modules.order" && return
		for dep in $(modinfo -F depends "$f" | tr ',' ' '); do
			add_mod "$dep"
		done
		case $f in
		*.xz) xz -dc "$f" >"$tmp/out/modules/$name.ko" ;;
		*.zst) zstd -qdc "$f" >"$tmp/out/modules/$name.ko" ;;
		*) cp "$f" "$tmp/out/modules/$name.ko" ;;
		esac
		echo "$name.ko" >>"$tmp/out/modules.order"
	}
	add_mod overlay
	ln -s modules/overlay.ko "$tmp/out/overlay.ko"

	echo "$pkg $ver $kver" >"$tmp/out/PACKAGE"
	touch "$tmp/out/.complete"
	mv "$tmp/out" "$dst"   # atomic: same filesystem
	rm -rf "$tmp"
	trap - EXIT
	echo "fetch-kernels.sh: $k: $pkg $ver ($kver) -> $dst"
}

# 6.12 from bookworm-backports (newer point releases also appear in
# bookworm-security under the same name pattern; the newest wins).
fetch 6.12 '^linux-image-6\.12\.[0-9]+\+deb12(\.[0-9]+)?-amd64(-unsigned)?$' "${DG_VM_PKG_6_12:-}"
# 6.1 is bookworm's own kernel: linux-image-6.1.0-<abi>-amd64.
fetch 6.1 '^linux-image-6\.1\.0-[0-9]+-amd64(-unsigned)?$' "${DG_VM_PKG_6_1:-}"
