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
#   /          an overlay: lower = the pristine minbase (cached; never
#              written), upper = a fresh directory on disk (GBs get installed
#              and built there: not tmpfs).
#   /dev /proc /sys   the host's, bound recursively: cgroups (v1 and v2),
#              bpffs, tracefs, securityfs mounted there are visible. The
#              binds are slaves: what the tests mount or unmount under them
#              never reaches the host's /dev, /proc, /sys.
#   /tmp /run  fresh tmpfs.
#   /etc/resolv.conf  the host's (apt must reach deb.debian.org).
#   /var/cache/apt/archives  a host directory of downloaded .deb files
#              (unless --no-apt-cache), so repeated runs download less; apt
#              still checks each file against the index and installs afresh.
#   environment  only HOME, PATH and TERM; the host's is not passed on.
# CMD runs chrooted to the overlay (a mount point, as runc's pivot_root
# needs), sharing the host's kernel and all its namespaces.
#
# Why the host's mount namespace and not a private one: driftguard takes the
# mount namespace of pid 1 as the host's and every task in another one as in
# a container (bpf/enforce.bpf.c, in_container()). In a private namespace,
# the whole fresh root would be "a container" whose every installed program
# lives in an overlay's upper layer, i.e. is drift: the enforce tests' own
# jq and helpers would be killed, and any enforcer running on the host would
# kill apt's maintainer scripts. A fresh machine's tests run on the host;
# so do these. Hence the mounts live in the host's namespace, under a
# private mount point ($DG_FRESH_WORKDIR), so that none of them propagates
# to other namespaces, and are unmounted afterwards; runs a killed script
# left behind are cleaned up by the next run.
#
# The minbase is built once into $DG_FRESH_CACHE/bookworm-minbase (default
# /var/cache/driftguard-ci): in a temp dir, stamped, then renamed into place,
# so an interrupted build is never used. --rebuild-base makes a new one.
# Runs go under $DG_FRESH_WORKDIR (default /var/tmp/driftguard-fresh) and are
# removed afterwards; --keep keeps one (unmounted) for a look.
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
for t in git mount umount findmnt chroot flock unshare; do
	command -v "$t" >/dev/null || die "'$t' not found; install it: apt-get install git mount util-linux coreutils"
done
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
grep -qw overlay /proc/filesystems || die "this kernel has no overlayfs (try: modprobe overlay)"

cache=${DG_FRESH_CACHE:-/var/cache/driftguard-ci}
workdir=${DG_FRESH_WORKDIR:-/var/tmp/driftguard-fresh}
mirror=${DG_FRESH_MIRROR:-http://deb.debian.org/debian}
base=$cache/bookworm-minbase
mkdir -p "$cache" "$workdir"
workdir=$(cd "$workdir" && pwd -P)

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

# mounts_under DIR: mount points at or below DIR, deepest first.
mounts_under() {
	findmnt -rn -o TARGET | awk -v d="$1" '$0 == d || index($0, d "/") == 1' | sort -r
}

# kill_left ROOT: end what CMD left running: runc containers (their state is
# in ROOT/run/runc; their roots are in their own mount namespaces), then the
# processes chrooted in ROOT or below (daemons, stuck tests).
kill_left() {
	local p c left=""
	for c in "$1"/run/runc/*/; do
		if [ ! -d "$c" ] || [ ! -x "$1/usr/sbin/runc" ]; then
			continue
		fi
		c=$(basename "$c")
		echo "$me: deleting runc container '$c' left running" >&2
		chroot "$1" /usr/sbin/runc delete --force "$c" >/dev/null 2>&1 || true
	done
	for p in /proc/[0-9]*; do
		case $(readlink "$p/root" 2>/dev/null) in
		"$1" | "$1"/*) left="$left ${p#/proc/}" ;;
		esac
	done
	[ -n "$left" ] || return 0
	echo "$me: killing processes left running in $1:$left" >&2
	# shellcheck disable=SC2086 # a list of pids
	kill -KILL $left 2>/dev/null || true
	sleep 1
}

# unmount_run RUN: unmount everything under RUN/root; fails if anything stays.
unmount_run() {
	local root=$1/root
	kill_left "$root"
	[ -n "$(mounts_under "$root")" ] || return 0
	# The binds under the root are slaves and the rest private, so this
	# cannot unmount anything of the host's.
	umount -R "$root" 2>/dev/null || umount -R -l "$root" 2>/dev/null || true
	[ -z "$(mounts_under "$root")" ]
}

# --- the lock, the pristine minbase, stale runs ---------------------------
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

# The workdir is made a private mount point (once; it stays so until
# reboot): mounts below it then never propagate to other namespaces (on a
# systemd host / is shared), so unmounting them leaves no copies behind.
if [ "$(findmnt -n -o TARGET --mountpoint "$workdir" || true)" != "$workdir" ]; then
	mount --bind "$workdir" "$workdir" || die "cannot bind $workdir onto itself"
fi
mount --make-private "$workdir" || die "cannot make $workdir a private mount point"

# Runs whose script was killed: their lock is free (the live ones hold it).
for d in "$workdir"/run.*; do
	if [ ! -d "$d" ] || [ -e "$d/.kept" ]; then
		continue
	fi
	flock -n "$d/.lock" true 2>/dev/null || continue
	if unmount_run "$d"; then
		rm -rf --one-file-system "$d"
		stamp "removed $d, left by a killed run"
	else
		stamp "warning: $d, left by a killed run, is still mounted; not removed"
	fi
done

run=$(mktemp -d "$workdir/run.XXXXXX")
exec 7>"$run/.lock"
flock 7
flock -s 8

# --- this run's root -----------------------------------------------------
root=$run/root
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if ! unmount_run "$run"; then
		echo "$me: warning: cannot unmount all of $root; left as is (the next run retries):" >&2
		mounts_under "$root" >&2
	elif [ "$keep" -eq 1 ]; then
		touch "$run/.kept"
		echo "$me: kept $run (upper layer: $run/upper; source: $run/upper/src). To look inside:" >&2
		echo "  mount -t overlay fresh-root -o lowerdir=$base/rootfs,upperdir=$run/upper,workdir=$run/work $root && chroot $root bash; umount $root" >&2
		echo "  and to remove it: rm -rf --one-file-system $run" >&2
	else
		rm -rf --one-file-system "$run"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir "$run/upper" "$run/work" "$root"

# The clone goes straight into the upper layer: it is part of the new root.
git clone --quiet --no-checkout "$top" "$run/upper/src"
git -C "$run/upper/src" checkout --quiet --detach "$sha"
stamp "source: /src = clone of $top at ${sha:0:12} ($(git -C "$top" log -1 --format=%s "$sha"))"

mount -t overlay fresh-root -o "lowerdir=$base/rootfs,upperdir=$run/upper,workdir=$run/work" "$root" ||
	die "cannot mount the overlay root on $root (is $workdir on a filesystem overlayfs takes as upper, e.g. ext4, xfs?)"
for d in dev proc sys; do
	# A bind of a shared mount would be its peer: make the copies slaves so
	# that unmounting them (or mounts the tests make) stays here.
	{ mount --rbind "/$d" "$root/$d" && mount --make-rslave "$root/$d"; } ||
		die "cannot bind /$d into the root"
done
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/tmp" || die "cannot mount a tmpfs on /tmp"
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$root/run" || die "cannot mount a tmpfs on /run"
# What systemd-tmpfiles makes at boot on a real machine (/var/lock -> /run/lock).
mkdir -m 1777 "$root/run/lock"
cp -L /etc/resolv.conf "$root/etc/resolv.conf" || die "cannot copy /etc/resolv.conf (apt needs name resolution)"
if [ "$apt_cache" -eq 1 ]; then
	mkdir -p "$cache/apt-archives/partial"
	{ mount --bind "$cache/apt-archives" "$root/var/cache/apt/archives" &&
		mount --make-private "$root/var/cache/apt/archives"; } ||
		die "cannot bind $cache/apt-archives into the root (or use --no-apt-cache)"
fi

stamp "running in the fresh root: $*"
t0=$(date +%s)
rc=0
# In the background, so that a SIGTERM (a CI timeout) is acted on at once:
# the trap's cleanup kills what runs in the root. 0<&0: keep stdin, which a
# background command would otherwise lose. 7>&- 8>&-: the locks are this
# script's; a process CMD leaves behind must not hold them (the next run
# would wait for it instead of cleaning it up).
chroot "$root" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	/bin/bash -c 'cd /src && exec "$@"' fresh-root "$@" 0<&0 7>&- 8>&- &
wait $! || rc=$?
stamp "command exited $rc after $(($(date +%s) - t0))s"
exit "$rc"
