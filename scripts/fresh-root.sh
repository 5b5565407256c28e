#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# fresh-root.sh [--keep] [--rev REV] [--no-apt-cache] [--rebuild-base] -- CMD [ARG...]
#
# Runs CMD, as root, in /src of a brand-new Debian 12 system: a throwaway
# copy-on-write view of a pristine `debootstrap --variant=minbase bookworm`
# root. /src is a clean clone of this repository at REV (default HEAD), so
# nothing untracked, uncommitted or built here leaks in. This is how the
# README's commands are checked on a "fresh machine" (.ci/run does it):
#
#   scripts/fresh-root.sh -- ./scripts/test.sh
#   scripts/fresh-root.sh -- ./scripts/demo.sh
#
# What CMD gets:
#   /          an overlay: lower = the pristine minbase (cached, read-only to
#              us), upper = a fresh directory on disk (GBs get installed and
#              built: not tmpfs). The cache is never written to.
#   /dev /proc /sys   the host's, bound recursively: cgroups (v1 and v2),
#              bpffs, tracefs, securityfs mounted there are visible; what the
#              tests mount on top stays in this run's mount namespace.
#   /tmp /run  fresh tmpfs.
#   /etc/resolv.conf  the host's (apt must reach deb.debian.org).
#   /var/cache/apt/archives  a host directory of downloaded .deb files
#              (unless --no-apt-cache), so repeated runs download less; apt
#              still checks each file against the index and installs afresh.
#   environment  only HOME, PATH and TERM; the host's is not passed on.
# It runs in a private mount namespace, chrooted to the overlay (a mount
# point, as runc's pivot_root needs). The host's network, pid, cgroup and
# UTS namespaces are shared: the tests need the real kernel, as on a machine.
#
# The minbase is built once into $DG_FRESH_CACHE/bookworm-minbase (default
# /var/cache/driftguard-ci): in a temp dir, stamped, then renamed into place,
# so an interrupted build is never used. --rebuild-base makes a new one.
# Run directories go under $DG_FRESH_WORKDIR (default /var/tmp) and are
# removed afterwards, unless --keep.
#
# Exits with CMD's status; 125 when the fresh root itself could not be made.
set -euo pipefail

me=fresh-root.sh
die() {
	echo "$me: error: $*" >&2
	exit 125
}
usage() {
	echo "usage: $0 [--keep] [--rev REV] [--no-apt-cache] [--rebuild-base] -- CMD [ARG...]" >&2
	exit 2
}

keep=0 rev=HEAD apt_cache=1 rebuild=0
while [ $# -gt 0 ]; do
	case $1 in
	--keep) keep=1; shift ;;
	--rev) rev=${2:?--rev needs a commit}; shift 2 ;;
	--no-apt-cache) apt_cache=0; shift ;;
	--rebuild-base) rebuild=1; shift ;;
	--) shift; break ;;
	-h | --help) usage ;;
	*) echo "$me: unknown option '$1' (the command goes after --)" >&2; usage ;;
	esac
done
[ $# -ge 1 ] || usage

[ "$(id -u)" -eq 0 ] || die "must run as root (it mounts an overlay and chroots); try: sudo $0 ..."
for t in git unshare mount chroot flock; do
	command -v "$t" >/dev/null || die "'$t' not found; install it: apt-get install git util-linux mount coreutils"
done
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
grep -qw overlay /proc/filesystems || die "this kernel has no overlayfs (try: modprobe overlay)"

cache=${DG_FRESH_CACHE:-/var/cache/driftguard-ci}
workdir=${DG_FRESH_WORKDIR:-/var/tmp}
mirror=${DG_FRESH_MIRROR:-http://deb.debian.org/debian}
base=$cache/bookworm-minbase
mkdir -p "$cache" "$workdir"

# The source: this script's repository, at REV.
top=$(git -C "$(dirname "$0")" rev-parse --show-toplevel) ||
	die "$(dirname "$0") is not in a git repository; fresh-root.sh tests a commit of one"
sha=$(git -C "$top" rev-parse --verify --quiet "$rev^{commit}") ||
	die "'$rev' is not a commit of $top"
if [ "$rev" = HEAD ] && [ -n "$(git -C "$top" status --porcelain --untracked-files=no)" ]; then
	echo "$me: note: $top has uncommitted changes; they are not part of this run (it runs commit ${sha:0:12})" >&2
fi

t_start=$(date +%s)
stamp() { echo "$me: [$(($(date +%s) - t_start))s] $*" >&2; }

# --- the pristine minbase ------------------------------------------------
# Builds hold the lock exclusively; runs hold it shared for as long as they
# use the base as their overlay's lower layer (changing a lower layer under a
# mounted overlay is undefined), so --rebuild-base waits for them.
exec 8>"$cache/.lock"
flock 8
if [ "$rebuild" -eq 1 ] || [ ! -f "$base/.complete" ]; then
	command -v debootstrap >/dev/null ||
		die "debootstrap is not installed (needed once, to build $base): apt-get install debootstrap"
	# Leftovers of builds that were killed (we hold the lock: none is live).
	# --one-file-system: never descend into a mount a killed debootstrap left.
	for d in "$cache"/.tmp-minbase.* "$cache"/.old-minbase.*; do
		[ -e "$d" ] && rm -rf --one-file-system "$d"
	done
	tmp=$(mktemp -d "$cache/.tmp-minbase.XXXXXX")
	stamp "building the pristine minbase: debootstrap --variant=minbase bookworm $mirror (log $tmp/debootstrap.log)"
	t0=$(date +%s)
	# A private mount namespace: the /proc and /sys debootstrap mounts in the
	# target vanish with it, even if it is killed.
	if ! unshare --mount --propagation private \
		debootstrap --variant=minbase bookworm "$tmp/rootfs" "$mirror" >"$tmp/debootstrap.log" 2>&1; then
		tail -n 20 "$tmp/debootstrap.log" >&2
		die "debootstrap failed (log: $tmp/debootstrap.log); check that $mirror is reachable"
	fi
	secs=$(($(date +%s) - t0))
	printf 'debootstrap --variant=minbase bookworm %s\nbuilt %s in %ss\n' \
		"$mirror" "$(date -u +%FT%TZ)" "$secs" >"$tmp/.complete"
	if [ -e "$base" ]; then
		old=$(mktemp -d "$cache/.old-minbase.XXXXXX")
		mv "$base" "$old/"
		rm -rf --one-file-system "$old"
	fi
	mv "$tmp" "$base"   # atomic: the stamp comes with it
	stamp "minbase built in ${secs}s -> $base"
else
	stamp "pristine minbase: $base ($(sed -n 's/^built //p' "$base/.complete"))"
fi
flock -s 8

# --- this run's root -----------------------------------------------------
run=$(mktemp -d "$workdir/driftguard-fresh.XXXXXX")
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	local rc=$?
	if [ "$keep" -eq 1 ]; then
		echo "$me: kept $run (upper layer: $run/upper, source: $run/upper/src). To look inside:" >&2
		echo "  unshare -m --propagation private sh -c 'mount -t overlay x -o lowerdir=$base/rootfs,upperdir=$run/upper,workdir=$run/work $run/root && chroot $run/root bash'" >&2
	else
		# The mounts live in the run's namespace, gone with it: this removes
		# plain directories, and --one-file-system keeps it to them.
		rm -rf --one-file-system "$run"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir "$run/upper" "$run/work" "$run/root"

# The clone goes straight into the upper layer: it is part of the new root.
git clone --quiet --no-checkout "$top" "$run/upper/src"
git -C "$run/upper/src" checkout --quiet --detach "$sha"
stamp "source: /src = clone of $top at ${sha:0:12} ($(git -C "$top" log -1 --format=%s "$sha"))"

if [ "$apt_cache" -eq 1 ]; then
	mkdir -p "$cache/apt-archives/partial"
fi

# inner RUN CMD...: in the private mount namespace. Assembles the root,
# runs CMD chrooted, then ends whatever CMD left running in the root.
# Failures to assemble exit 125, apart from any status of CMD.
# shellcheck disable=SC2317 # run through declare -f in the namespace
inner() {
	local run=$1 root=$1/root rc=0 p d left=""
	shift
	fail() {
		echo "$me: error: $*" >&2
		exit 125
	}
	mount -t overlay fresh-root -o "lowerdir=$base/rootfs,upperdir=$run/upper,workdir=$run/work" "$root" ||
		fail "cannot mount the overlay root on $root (is $workdir on a filesystem overlayfs accepts as upper, e.g. ext4, xfs?)"
	for d in dev proc sys; do
		mount --rbind "/$d" "$root/$d" || fail "cannot bind /$d into the root"
	done
	mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/tmp" || fail "cannot mount a tmpfs on /tmp"
	mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$root/run" || fail "cannot mount a tmpfs on /run"
	# What systemd-tmpfiles makes at boot on a real machine (/var/lock -> /run/lock).
	mkdir -m 1777 "$root/run/lock"
	cp -L /etc/resolv.conf "$root/etc/resolv.conf" || fail "cannot copy /etc/resolv.conf (apt needs name resolution)"
	if [ "$apt_cache" -eq 1 ]; then
		mount --bind "$cache/apt-archives" "$root/var/cache/apt/archives" ||
			fail "cannot bind $cache/apt-archives (or use --no-apt-cache)"
	fi

	chroot "$root" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/bash -c 'cd /src && exec "$@"' fresh-root "$@" || rc=$?

	# Processes CMD left behind (daemons, stuck tests) would keep the root
	# busy: name them, then kill them.
	for p in /proc/[0-9]*; do
		case $(readlink "$p/root" 2>/dev/null) in
		"$root" | "$root"/*) left="$left ${p#/proc/}" ;;
		esac
	done
	if [ -n "$left" ]; then
		echo "$me: killing processes left running in the root:$left" >&2
		# shellcheck disable=SC2086 # a list of pids
		kill -KILL $left 2>/dev/null || true
	fi
	return "$rc"
}

stamp "running in the fresh root: $*"
t0=$(date +%s)
rc=0
me=$me base=$base cache=$cache workdir=$workdir apt_cache=$apt_cache \
	unshare --mount --propagation private -- \
	bash -c "set -euo pipefail; $(declare -f inner); inner \"\$@\"" inner "$run" "$@" || rc=$?
stamp "command exited $rc after $(($(date +%s) - t0))s"
exit "$rc"
