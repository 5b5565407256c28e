#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Container identity (containers/identity.c) on real runc containers: their
# pid, cgroup path and cgroup id resolve to the container id and the name in
# the bundle's annotations; sub-cgroups resolve to the container; the host
# and deleted containers do not. Uses the identity_probe test helper.
. "$(dirname "$0")/lib.sh"
require_root

PROBE=${IDENTITY_PROBE:?IDENTITY_PROBE must name the identity_probe test helper}
CG2=$(awk '$9 == "cgroup2" && $4 == "/" { print $5; exit }' /proc/self/mountinfo)
if [ -z "$CG2" ]; then
	echo "not ok - cgroup2 is not mounted (neither /sys/fs/cgroup nor /sys/fs/cgroup/unified)"
	exit 1
fi

# wait_running ID: until runc says the container runs
wait_running() {
	for _ in $(seq 100); do
		[ "$(runc state "$1" 2>/dev/null | jq -r .status)" = running ] && return 0
		sleep 0.1
	done
	return 1
}

# probe_is JQ_FILTER ARGS...: the probe's JSON output satisfies the filter
probe_is() {
	local filter=$1 out
	shift
	local rc=0
	# exit 0: a container, 1: the host (both print the identity), 2: an error
	out=$("$PROBE" --json --state-root /run/runc "$@") || rc=$?
	[ "$rc" -le 1 ] || { echo "probe $*: exit $rc" >&2; return 1; }
	jq -e "$filter" <<<"$out" >/dev/null || { echo "probe $*: $out" >&2; return 1; }
}

# 1. A container with annotations, cgroupsPath left to runc ("/<id>").
make_bundle "$TMP/a" sh -c 'while :; do sleep 1; done'
jq '.annotations = {"io.kubernetes.cri.container-name": "web",
	"io.kubernetes.cri.sandbox-name": "shop-0", "io.kubernetes.cri.sandbox-namespace": "prod"}' \
	"$TMP/a/config.json" >"$TMP/a/config.json.new"
mv "$TMP/a/config.json.new" "$TMP/a/config.json"
id=$(new_id ident)
runc run -d -b "$TMP/a" "$id" >/dev/null 2>&1 </dev/null
check "container $id runs" wait_running "$id"
pid=$(runc state "$id" | jq -r .pid)
cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
cgid=$(stat -c %i "$CG2$cg")

check "by pid: runc id and name" probe_is \
	".runtime == \"runc\" and .id == \"$id\" and .name == \"web\" and .init_pid == $pid" \
	--pid "$pid"
check "by pid: mount namespace is the init's" probe_is \
	".mntns == $(stat -L -c %i "/proc/$pid/ns/mnt")" --pid "$pid"
check "by pid: pod from annotations" probe_is '.pod.name == "shop-0" and .pod.namespace == "prod"' \
	--pid "$pid"
check "by cgroup path ($cg)" probe_is ".id == \"$id\" and .cgroup == \"$cg\"" --path "$cg"
check "by /proc line" probe_is ".id == \"$id\"" --path "0::$cg"
check "by cgroup directory" probe_is ".id == \"$id\"" --path "$CG2$cg"
check "by cgroup id ($cgid)" probe_is ".id == \"$id\" and .cgroup_id == $cgid" --cgroup-id "$cgid"
display=$("$PROBE" --state-root /run/runc --pid "$pid")
check "display line ($display)" [ "$display" = "runc:$id (pod prod/shop-0, container web)" ]

# A sub-cgroup the container made resolves to the container (and its cgroup id).
mkdir "$CG2$cg/sub"
subid=$(stat -c %i "$CG2$cg/sub")
check "sub-cgroup by id" probe_is ".id == \"$id\" and .cgroup_id == $cgid" --cgroup-id "$subid"
check "sub-cgroup by path" probe_is ".id == \"$id\" and .cgroup == \"$cg\"" --path "$cg/sub"
rmdir "$CG2$cg/sub"

# The list of the state directory has it.
check "listed" bash -c "'$PROBE' --list --json --state-root /run/runc | jq -e 'select(.id == \"$id\")' >/dev/null"

# 2. /<parent>/<id> cgroupsPath, no annotations: named by its id.
make_bundle "$TMP/b" sh -c 'while :; do sleep 1; done'
id2=$(new_id nested)
jq --arg p "/dgtest-parent-$$/$id2" '.linux.cgroupsPath = $p' "$TMP/b/config.json" \
	>"$TMP/b/config.json.new"
mv "$TMP/b/config.json.new" "$TMP/b/config.json"
runc run -d -b "$TMP/b" "$id2" >/dev/null 2>&1 </dev/null
check "container $id2 runs" wait_running "$id2"
pid2=$(runc state "$id2" | jq -r .pid)
check "parent/id cgroup by pid" probe_is \
	".id == \"$id2\" and .cgroup == \"/dgtest-parent-$$/$id2\" and (has(\"name\") | not)" \
	--pid "$pid2"
check "parent/id display is the id" [ "$("$PROBE" --state-root /run/runc --pid "$pid2")" = "runc:$id2" ]
check "the parent cgroup is no container" probe_is '.runtime == "host"' --path "/dgtest-parent-$$"

# 3. The host is not a container.
set +e
"$PROBE" --state-root /run/runc --pid $$ >"$TMP/host.out"
rc=$?
set -e
if [ "$(sed -n 's/^0:://p' /proc/$$/cgroup)" = / ]; then
	check "this shell is the host (exit $rc, $(cat "$TMP/host.out"))" \
		[ "$rc:$(cat "$TMP/host.out")" = "1:host" ]
fi
check "cgroup / is the host" probe_is '.runtime == "host"' --path /

# 4. Once deleted, its cgroup is nobody's.
runc kill "$id" KILL 2>/dev/null || true
for _ in $(seq 50); do
	[ "$(runc state "$id" 2>/dev/null | jq -r .status)" = stopped ] && break
	sleep 0.1
done
runc delete --force "$id" >/dev/null 2>&1 || true
set +e
"$PROBE" --state-root /run/runc --path "$cg" >/dev/null
rc=$?
set -e
check "deleted container's cgroup is the host (exit $rc)" [ "$rc" -eq 1 ]
runc delete --force "$id2" >/dev/null 2>&1 || true
rmdir "$CG2/dgtest-parent-$$" 2>/dev/null || true

finish
