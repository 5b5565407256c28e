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
# CMD runs in a private mount namespace of its own (unshare -m), whose root
# is the overlay, entered by pivot_root, as a container runtime does: the
# host's tree is detached from it, and it shares the host's kernel and all
# its other namespaces (pid, network, cgroup, user). Its root being the root
# of its mount namespace (not a chroot), CMD may make user namespaces: the
# kernel refuses CLONE_NEWUSER to a chrooted task, and enforce_signal's
# `unshare -Ur chroot` and pivot_root escapes need them in the containers its
# runc starts.
#
# A private mount namespace is not a container to driftguard: a container is
# a pid namespace below the host's or a cgroup a runtime's state names
# (bpf/lib/policy.bpf.h, in_container()), so the programs installed in the
# fresh root (its overlay's upper layer) are host programs, as on a fresh
# machine. None of the mounts is made in the host's namespace: they vanish
# with the namespace when its last process ends. What CMD left running is
# ended when it exits (its runc containers deleted, then every process of the
# namespace killed), and by the next run if this script was killed.
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

# kill_ns RUN: kill what is left in RUN's mount namespace (its inode is in
# RUN/mntns): processes of the fresh root a killed run, or a CMD that would
# not stop, left behind.
kill_ns() {
	local ns p left=""
	ns=$(cat "$1/mntns" 2>/dev/null) || return 0
	[ -n "$ns" ] || return 0
	for p in /proc/[0-9]*; do
		if [ "$(stat -L -c %i "$p/ns/mnt" 2>/dev/null)" = "$ns" ]; then
			left="$left ${p#/proc/}"
		fi
	done
	[ -n "$left" ] || return 0
	echo "$me: killing processes left running in the fresh root of $1:$left" >&2
	# shellcheck disable=SC2086 # a list of pids
	kill -KILL $left 2>/dev/null || true
	sleep 1
}

# unmount_run RUN: what a run leaves in the host's namespace: nothing but its
# processes (its mounts are in its own namespace); runs of this script before
# it used one left mounts under RUN/root: unmounted too. Fails if any stays.
unmount_run() {
	local root=$1/root
	kill_ns "$1"
	[ -n "$(mounts_under "$root")" ] || return 0
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
	# The namespace's first process ends CMD and what it left (see inner).
	if [ -n "${inner:-}" ] && kill -0 "$inner" 2>/dev/null; then
		kill -TERM "$inner" 2>/dev/null || true
		for _ in $(seq 100); do
			kill -0 "$inner" 2>/dev/null || break
			sleep 0.1
		done
	fi
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

stamp "running in the fresh root: $*"
t0=$(date +%s)
# The namespace's first process: makes the mounts, pivots into the root,
# runs CMD, and on its exit or a SIGTERM ends what CMD left: its runc
# containers (their state is in the root's /run/runc), then every other
# process of the namespace.
# shellcheck disable=SC2016 # expanded by the inner bash
inner_script='
set -euo pipefail
me=$1 run=$2 base=$3 cache=$4 apt_cache=$5
shift 5
root=$run/root
die() { echo "$me: error: $*" >&2; exit 125; }
stat -L -c %i /proc/self/ns/mnt >"$run/mntns"
mount -t overlay fresh-root -o "lowerdir=$base/rootfs,upperdir=$run/upper,workdir=$run/work" "$root" ||
	die "cannot mount the overlay root on $root (is the workdir on a filesystem overlayfs takes as upper, e.g. ext4, xfs?)"
# Copies in a private namespace: what the tests mount or unmount under them
# never reaches the host.
for d in dev proc sys; do
	mount --rbind "/$d" "$root/$d" || die "cannot bind /$d into the root"
done
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/tmp" || die "cannot mount a tmpfs on /tmp"
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$root/run" || die "cannot mount a tmpfs on /run"
# What systemd-tmpfiles makes at boot on a real machine (/var/lock -> /run/lock).
mkdir -m 1777 "$root/run/lock"
cp -L /etc/resolv.conf "$root/etc/resolv.conf" || die "cannot copy /etc/resolv.conf (apt needs name resolution)"
if [ "$apt_cache" -eq 1 ]; then
	mkdir -p "$cache/apt-archives/partial"
	mount --bind "$cache/apt-archives" "$root/var/cache/apt/archives" ||
		die "cannot bind $cache/apt-archives into the root (or use --no-apt-cache)"
fi
# pivot_root . . stacks the old root on the new one; detaching it leaves the
# overlay the root of the namespace, the host tree out of reach.
cd "$root"
pivot_root . . || die "pivot_root into $root failed"
umount -l . || die "cannot detach the host tree after pivot_root"
cd /
rc=0
# In the background, so that a SIGTERM (a CI timeout) is acted on at once.
/usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	/bin/bash -c "cd /src && exec \"\$@\"" fresh-root "$@" 0<&0 &
cmd=$!
trap "kill -TERM $cmd 2>/dev/null || true" TERM INT
while :; do
	wait "$cmd" && rc=0 || rc=$?
	kill -0 "$cmd" 2>/dev/null || break
done
trap - TERM INT
for c in /run/runc/*/; do
	[ -d "$c" ] && [ -x /usr/sbin/runc ] || continue
	c=$(basename "$c")
	echo "$me: deleting runc container $c left running" >&2
	/usr/sbin/runc delete --force "$c" >/dev/null 2>&1 || true
done
ns=$(stat -L -c %i /proc/self/ns/mnt)
left=""
for p in /proc/[0-9]*; do
	if [ "${p#/proc/}" != $$ ] && [ "$(stat -L -c %i "$p/ns/mnt" 2>/dev/null)" = "$ns" ]; then
		left="$left ${p#/proc/}"
	fi
done
if [ -n "$left" ]; then
	echo "$me: killing processes left running in the fresh root:$left" >&2
	kill -KILL $left 2>/dev/null || true
fi
exit "$rc"
'
rc=0
# 0<&0: keep stdin, which a background command would otherwise lose. 7>&-
# 8>&-: the locks are this script's; a process CMD leaves behind must not
# hold them (the next run would wait for it instead of cleaning it up).
unshare --mount --propagation private bash -c "$inner_script" fresh-root-ns \
	"$me" "$run" "$base" "$cache" "$apt_cache" "$@" 0<&0 7>&- 8>&- &
inner=$!
wait "$inner" || rc=$?
stamp "command exited $rc after $(($(date +%s) - t0))s"
exit "$rc"
