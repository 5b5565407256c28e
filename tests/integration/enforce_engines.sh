#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `driftguard enforce` with rules/default.yaml against real engines that the
# test starts itself (engines.sh): a docker container (overlay2), a
# containerd container started with `ctr run` (overlayfs snapshotter) and a
# podman container (runc). In each, what the image brought runs untouched;
# a binary and a script written after start (into the overlay's upper
# layer) are killed before they run; the events name the container the way
# its engine does (docker:<id> and its name, containerd:<namespace>/<id>,
# podman:<id> and its name); `driftguard dump NAME` finds its flight ring.
# Last, containers under a runc root driftguard does not know are still
# labelled containers (by their cgroup), not the host.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engines.sh"
require_root

for tool in "$DOCKERD_BIN" "$DOCKER_BIN" containerd ctr podman conmon umoci runc; do
	if ! command -v "$tool" >/dev/null; then
		echo "not ok - $tool is not installed: run scripts/setup.sh (docker.io, containerd, podman, umoci)"
		exit 1
	fi
done
engines_init

ENFORCER=
stop_enforcer() {
	[ -n "$ENFORCER" ] || return 0
	kill "$ENFORCER" 2>/dev/null || true
	wait "$ENFORCER" 2>/dev/null || true
	ENFORCER=
}
UNKNOWN_ROOT=$TMP/unknown-runc-root
before_cleanup() {
	stop_enforcer
	runc --root "$UNKNOWN_ROOT" delete --force "dgtest-unknown-$$" >/dev/null 2>&1 || true
	umount "$TMP/unknown/rootfs" 2>/dev/null || true
}
# shellcheck disable=SC2034 # engines.sh's cleanup runs it
ENGINES_BEFORE_CLEANUP=before_cleanup

# The engines and their images first: their daemons are the host's.
docker_ok=1 containerd_ok=1 podman_ok=1
docker_start && docker_import dgeng:1 || {
	engine_fail "dockerd started, image imported" "$ENGINES/docker/dockerd.log"
	docker_ok=0
}
containerd_start && containerd_import dgeng.local/dg:1 || {
	engine_fail "containerd started, OCI image made with umoci imported" \
		"$ENGINES/containerd/containerd.log"
	containerd_ok=0
}
podman_init && podman_import dgeng:1 || {
	engine_fail "podman works, image imported" "$ENGINES/podman/info.log"
	podman_ok=0
}

: >"$TMP/events.json"
"$DG" enforce -r "$(dirname "$0")/../../rules/default.yaml" --events "$TMP/events.json" \
	--pidfile "$TMP/dg.pid" 2>"$TMP/enforce.log" &
ENFORCER=$!
wait_for 10 grep -q "^driftguard: enforcing" "$TMP/enforce.log" || true
check "enforcer started ($(tail -1 "$TMP/enforce.log"))" grep -q "^driftguard: enforcing" \
	"$TMP/enforce.log"

drift='busybox echo image-ok
mkdir -p /d && cp /bin/busybox /d/echo && /d/echo upper-ran; echo "binary rc=$?"
printf "#!/bin/sh\necho script-ran\n" >/x.sh && chmod +x /x.sh && /x.sh; echo "script rc=$?"'
# In the engines' containers the drift is the container's own command, not
# an `exec` into it: in CI's fresh root (a chroot) `runc exec` joins the
# container's mount namespace, whose root is then the chroot's parent's, and
# runs the host's binaries there (driftguard rightly blocks those). The
# second's wait: an engine whose state lies where driftguard does not look
# by default (this dockerd's exec root) is found through its shim at the
# first lookup that misses, at most once a second; a drift in that second
# would be named by its cgroup only (docker:<id>, no name).
# After the drift it goes on making syscalls (a sleep a second): a container
# whose runtime root is found late (through its shim, at most every 10 s)
# has a flight ring only from then on, and dump shows what came after.
in_container="sleep 1; $drift; echo drift-done; while :; do sleep 1; done"

# logs_done CMD...: CMD's output (an engine's logs) says the drift is done
logs_done() {
	"$@" 2>&1 | grep -q '^drift-done'
}

# expect_blocked ENGINE ID NAME DISPLAY OUT: the drift of container ID was
# blocked, its image ran, and the events name it so
expect_blocked() {
	local engine=$1 id=$2 name=$3 display=$4 out=$5
	check "$engine: the image's binary runs ($out)" grep -q "^image-ok" <<<"$out"
	check "$engine: a binary written after start is killed before it runs" \
		bash -c '! grep -q upper-ran <<<"$1" && grep -q "binary rc=137" <<<"$1"' _ "$out"
	check "$engine: a script written after start is killed before it runs" \
		bash -c '! grep -q script-ran <<<"$1" && grep -q "script rc=137" <<<"$1"' _ "$out"
	wait_for 3 jq -e -s --arg id "$id" '[.[] | select(.container.id == $id)] | length >= 2' \
		"$TMP/events.json" || true
	jq -c --arg id "$id" 'select(.container.id == $id)' "$TMP/events.json" >"$TMP/$engine.events"
	check "$engine: two block events, the binary's and the script's ($(jq -c \
		'[.path, .container]' "$TMP/$engine.events" | tr '\n' ' '))" \
		jq -e -s --arg rt "$engine" --arg name "$name" --arg display "$display" '
		length == 2 and all(.[]; .action == "block" and .rule == "no-drift" and
			.origin == ["upper"] and .container.runtime == $rt and
			.container.name == $name and .container.display == $display) and
		([.[] | [.kind, .path]] | sort) == [["binary", "/d/echo"], ["script", "/x.sh"]]' \
		"$TMP/$engine.events"
}

# expect_dump ENGINE WHAT ID: `driftguard dump WHAT` is the ring of container ID
dump_has() {
	"$DG" dump --json "$2" >"$TMP/$1.dump" 2>"$TMP/$1.dump.err" &&
		jq -e --arg id "$3" '.session.container.id == $id and (.syscalls | length) > 0' \
			"$TMP/$1.dump" >/dev/null
}
expect_dump() {
	wait_for 15 dump_has "$@" || true
	check "$1: dump $2 ($(cat "$TMP/$1.dump.err"))" jq -e --arg id "$3" \
		'.tool == "enforce" and .session.container.id == $id and (.syscalls | length) > 0' \
		"$TMP/$1.dump"
}

if [ "$docker_ok" = 1 ]; then
	name=dgeng-web-$$
	id=$($DOCKER run -d --name "$name" --network none dgeng:1 sh -c "$in_container") ||
		engine_fail "docker run" "$ENGINES/docker/dockerd.log"
	wait_for 20 logs_done $DOCKER logs "$name" || true
	out=$($DOCKER logs "$name" 2>&1 || true)
	expect_blocked docker "$id" "$name" "docker:${id:0:12} ($name)" "$out"
	expect_dump docker "$name" "$id"
fi

if [ "$containerd_ok" = 1 ]; then
	id=dgeng-ctr-$$
	# ctr puts the container in cgroup /<namespace>/<id>, which names no
	# engine: only containerd's state says whose it is.
	log=$ENGINES/containerd/$id.log
	$CTR run -d --log-uri "file://$log" --snapshotter overlayfs dgeng.local/dg:1 "$id" \
		sh -c "$in_container" >/dev/null ||
		engine_fail "ctr run" "$ENGINES/containerd/containerd.log"
	wait_for 20 logs_done cat "$log" || true
	out=$(cat "$log" 2>&1 || true)
	expect_blocked containerd "$id" "" "containerd:$CTR_NS/$id" "$out"
	expect_dump containerd "$id" "$id"
fi

if [ "$podman_ok" = 1 ]; then
	name=dgeng-pod-$$
	# shellcheck disable=SC2086 # PODMAN_ULIMITS: options
	id=$($PODMAN run -d --name "$name" --network none $PODMAN_ULIMITS dgeng:1 \
		sh -c "$in_container" 2>"$TMP/podman-run.log") ||
		engine_fail "podman run" "$TMP/podman-run.log"
	wait_for 20 logs_done $PODMAN logs "$name" || true
	out=$($PODMAN logs "$name" 2>&1 || true)
	expect_blocked podman "$id" "$name" "podman:${id:0:12} ($name)" "$out"
	expect_dump podman "$name" "$id"
fi

# Runc roots nobody told driftguard of, no shim to find them through: a
# container is labelled by its cgroup when it follows an engine's
# convention (docker's cgroupfs driver: /docker/<id>), else as an unknown
# container with its cgroup; never as the host.
u=$TMP/unknown
mkdir -p "$u/rootfs" "$ENGINES/unknown/upper" "$ENGINES/unknown/work"
mount -t overlay overlay -o \
	"lowerdir=$ENGINES/rootfs,upperdir=$ENGINES/unknown/upper,workdir=$ENGINES/unknown/work" \
	"$u/rootfs"
(cd "$u" && runc spec)
# run_unknown CGROUP: the drift in a container of cgroup CGROUP, under the unknown root
run_unknown() {
	# No wait before the drift: the cgroup map was made again for the
	# previous container's events, less than a second ago (it is made at
	# most once a second); this cgroup's path is asked of the kernel.
	jq --arg cg "$1" --arg drift "$drift" '.process.terminal = false |
		.root.readonly = false | .process.args = ["sh", "-c", $drift] |
		.linux.cgroupsPath = $cg | del(.linux.seccomp)' "$u/config.json" >"$u/config.json.new"
	mv "$u/config.json.new" "$u/config.json"
	runc --root "$UNKNOWN_ROOT" run -b "$u" "dgtest-unknown-$$" 2>&1 || true
	runc --root "$UNKNOWN_ROOT" delete --force "dgtest-unknown-$$" >/dev/null 2>&1 || true
}
hex=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
out=$(run_unknown "/docker/$hex")
check "unknown runc root, docker's cgroup: the drift is blocked ($out)" \
	bash -c 'grep -q "binary rc=137" <<<"$1" && grep -q "script rc=137" <<<"$1"' _ "$out"
wait_for 3 jq -e -s --arg id "$hex" '[.[] | select(.container.id == $id)] | length >= 2' \
	"$TMP/events.json" || true
check "unknown runc root, docker's cgroup: the events name it docker:<id> ($(jq -c \
	'select(.path == "/d/echo") | .container' "$TMP/events.json" | tail -1))" \
	jq -e -s --arg id "$hex" --arg display "docker:${hex:0:12}" '
	[.[] | select(.container.id == $id and .container.runtime == "docker" and
		.container.display == $display)] | length == 2' "$TMP/events.json"
plain=/dgtest-plain-$$
out=$(run_unknown "$plain")
check "unknown runc root, a cgroup of no convention: the drift is blocked ($out)" \
	bash -c 'grep -q "binary rc=137" <<<"$1" && grep -q "script rc=137" <<<"$1"' _ "$out"
wait_for 3 jq -e -s '[.[] | select(.container.runtime == "unknown")] | length >= 2' \
	"$TMP/events.json" || true
check "unknown runc root, a cgroup of no convention: an unknown container with its cgroup ($(jq -c \
	'select(.path == "/d/echo") | .container' "$TMP/events.json" | tail -1))" \
	jq -e -s --arg display "unknown container (cgroup $plain)" '
	[.[] | select(.container.runtime == "unknown" and .container.display == $display)] |
	length == 2' "$TMP/events.json"
check "no event for the host or for images" jq -e -s \
	'all(.[]; .container.runtime != "host" and .origin != ["image"])' "$TMP/events.json"

stop_enforcer
check "enforce stops cleanly ($(tail -1 "$TMP/enforce.log"))" grep -q "stopped:" "$TMP/enforce.log"

finish
