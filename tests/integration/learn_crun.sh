#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `driftguard learn --container ID --runtime-root /run/crun` attaches to a
# running crun container and records its tasks (those that existed before,
# and new ones) until it exits: crun's state (status, not runc's
# state.json) is read through the inventory like runc's.
#
# crun 1.8 refuses this host's hybrid cgroups (v1 controllers on
# /sys/fs/cgroup, cgroup2 on /sys/fs/cgroup/unified), so crun runs in a
# mount namespace of its own (unshare -m, private propagation) where cgroup2
# is mounted on /sys/fs/cgroup, with no linux.resources in config.json (no
# controller to set up). driftguard runs on the host all the same, because
# only the mount table is private: /run is the same tmpfs, so crun's
# /run/crun/<id>/status is the host's; cgroup v2 has one hierarchy, so the
# cgroup crun makes ("/<id>") is the host's /sys/fs/cgroup/unified/<id>; and
# the pid namespace is shared, so the init's start time checks out. On a
# host with cgroup2 alone the namespace changes nothing.
. "$(dirname "$0")/lib.sh"
require_root

if ! command -v crun >/dev/null; then
	echo "not ok - crun is not installed (scripts/setup.sh installs it)"
	exit 1
fi

# crun_ns ARGS...: crun in its private mount namespace with cgroup2 on /sys/fs/cgroup
crun_ns() {
	unshare -m sh -c 'mount -t cgroup2 none /sys/fs/cgroup && exec crun "$@"' crun "$@"
}

CRUN_CONTAINERS=()
crun_cleanup() {
	for c in "${CRUN_CONTAINERS[@]}"; do
		crun_ns delete --force "$c" >/dev/null 2>&1 || true
	done
	cleanup
}
trap crun_cleanup EXIT

# crun_bundle DIR ARGS...: make_bundle's rootfs and process, without cgroup resources
crun_bundle() {
	local dir=$1
	make_bundle "$@"
	jq 'del(.linux.resources)' "$dir/config.json" >"$dir/config.json.new"
	mv "$dir/config.json.new" "$dir/config.json"
}

# wait_running ID: until crun says the container runs
wait_running() {
	for _ in $(seq 100); do
		[ "$(crun_ns state "$1" 2>/dev/null | jq -r .status)" = running ] && return 0
		sleep 0.1
	done
	return 1
}

crun_bundle "$TMP/c" sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done; ls /bin >/dev/null; /bin/threads'
id="dgtest-crun-$$"
CRUN_CONTAINERS+=("$id")
crun_ns run -b "$TMP/c" "$id" >"$TMP/c.out" 2>&1 &
crun_pid=$!
check "crun container $id runs ($(cat "$TMP/c.out"))" wait_running "$id"
check "its state is crun's status, visible on the host" [ -e "/run/crun/$id/status" ]

# Not under runc's root: the error says where it looked and what to try.
set +e
err=$("$DG" learn -o "$TMP/wrong.json" --container "$id" 2>&1)
rc=$?
set -e
check "without --runtime-root: exit 125 ($rc)" [ "$rc" -eq 125 ]
check "without --runtime-root: names crun list and --runtime-root ($err)" \
	bash -c 'grep -q "crun list" <<<"$1" && grep -q -- "--runtime-root" <<<"$1"' _ "$err"

"$DG" learn -q -o "$TMP/c.json" --container "$id" --runtime-root /run/crun &
dg=$!
sleep 1
touch "$TMP/c/rootfs/tmp/go"
set +e
wait "$dg"
rc=$?
wait "$crun_pid"
set -e
check "learn --container --runtime-root /run/crun exits 0 when the container exits ($rc)" \
	[ "$rc" -eq 0 ]
check "the profile's comment names the crun container" jq -e --arg id "$id" \
	'.comment | startswith("learned by driftguard ") and contains("from container crun:" + $id)' \
	"$TMP/c.json"
# The shell existed before; ls and threads were forked after attaching.
for s in getdents64 clone wait4 execve; do
	check "container task recorded: $s" profile_has "$TMP/c.json" "$s"
done

# A stopped crun container (detached: its state stays until deleted), its init gone.
crun_bundle "$TMP/s" true
id2="dgtest-crunstop-$$"
CRUN_CONTAINERS+=("$id2")
crun_ns run -d -b "$TMP/s" "$id2" >/dev/null 2>&1 </dev/null
for _ in $(seq 50); do
	[ "$(crun_ns state "$id2" 2>/dev/null | jq -r .status)" = stopped ] && break
	sleep 0.1
done
check "the detached container stopped, its state stays" [ -e "/run/crun/$id2/status" ]
set +e
err=$("$DG" learn -o "$TMP/s.json" --container "$id2" --runtime-root /run/crun 2>&1)
rc=$?
set -e
check "stopped crun container: exit 125 ($rc)" [ "$rc" -eq 125 ]
check "stopped crun container: says it is not running ($err)" grep -q "not running" <<<"$err"
check "stopped crun container: no file" [ ! -e "$TMP/s.json" ]

finish
