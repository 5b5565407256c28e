#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# What a container is, under `driftguard enforce` (signal backend here):
# a pid namespace below the host's, or a cgroup a runtime's state names; not
# a mount namespace. runc started from a private mount namespace (a systemd
# unit with PrivateTmp, a CI runner, a kind node) starts containers, drift in
# them is blocked and named; runc's re-execution of itself from a detached
# read-only bind mount of its own binary (runc 1.1's ensure_cloned_binary) is
# the inode it already runs and passes even under a rule that covers the
# runtime itself, which nothing else can borrow: a drifted binary that execs
# itself by another name is still drift. A container without a pid namespace
# of its own (--pid=host) is a container by its cgroup.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/enforce_lib.sh"
require_root
rules=$(dirname "$0")/../../rules/default.yaml

ov=$TMP/ov
overlay_bundle "$ov"

# in_private_ns ARGS...: ARGS in a new, private mount namespace
in_private_ns() {
	unshare -m --propagation private "$@"
}

# run_in_container SCRIPT [WRAPPER...]: output of sh -c SCRIPT in a fresh
# container, runc run by WRAPPER (e.g. in_private_ns)
run_in_container() {
	local script=$1
	shift
	set_args "$ov/bundle" sh -c "$script"
	"$@" runc run -b "$ov/bundle" "$(new_id runtime-ns)" 2>&1 || true
}

drift='busybox echo image-ok
mkdir -p /d && cp /bin/busybox /d/echo && /d/echo upper-ran; echo "binary rc=$?"'

# 1. The default rules; runc run from a private mount namespace.
start_enforcer "$rules" --flight-recorder 0
out=$(run_in_container "$drift" in_private_ns)
check "runc from a private mount namespace starts the container ($out)" grep -q "^image-ok" <<<"$out"
check "drift in it is blocked" bash -c '! grep -q upper-ran <<<"$1" && grep -q "binary rc=137" <<<"$1"' _ "$out"
out=$(in_private_ns "$ov/upper/d/echo" host-ran 2>&1 || true)
check "a host program in a private mount namespace is not in 'containers: all' ($out)" [ "$out" = host-ran ]
sleep 0.3
check "the block names the container, not the host" event_with '.action == "block" and
	.path == "/d/echo" and .container.runtime == "runc"'
check "no event for runc itself" bash -c "! jq -e -s 'any(.[]; .comm == \"runc\" or
	.comm == \"runc:[0:PARENT]\" or .container.runtime == \"host\")' '$TMP/events.json' >/dev/null"
stop_enforcer

# 2. A rule that covers the runtime itself (host tasks too): runc's
# re-execution from the detached bind mount of its binary is off every root,
# and passes only as the inode runc already runs. The container's own
# off-rootfs drift (a copy on its /dev tmpfs) is still blocked.
cat >"$TMP/any.yaml" <<'YAML'
mode: enforce
rules:
  - name: off-rootfs-anywhere
    containers: any
    match:
      origin: [off-rootfs]
      kind: [binary]
    action: block
YAML
start_enforcer "$TMP/any.yaml" --flight-recorder 0
out=$(run_in_container 'busybox echo image-ok; cp /bin/busybox /dev/echo && /dev/echo dev-ran; echo "dev rc=$?"' in_private_ns)
check "runc's self-copy passes a rule that covers runc ($out)" grep -q "^image-ok" <<<"$out"
check "off-rootfs drift in that container is still blocked" bash -c '! grep -q dev-ran <<<"$1" && grep -q "dev rc=137" <<<"$1"' _ "$out"
out=$(run_in_container 'busybox echo image-ok')
check "and so from the host's mount namespace ($out)" grep -q "^image-ok" <<<"$out"
sleep 0.3
check "no event for runc" bash -c "! jq -e -s 'any(.[]; .comm | startswith(\"runc\"))' '$TMP/events.json' >/dev/null"
stop_enforcer

# 3. Nothing else borrows the pass: an allowed drifted binary (an exception
# by path) that execs itself by another name (a hard link: the same inode) is
# judged as what it runs, drift, under that other name.
cat >"$TMP/except.yaml" <<'YAML'
mode: enforce
exceptions:
  - name: allow-d-sh
    containers: all
    path: /d/sh
rules:
  - name: no-drift
    containers: all
    match:
      origin: [upper, memfd, off-rootfs]
    action: block
YAML
start_enforcer "$TMP/except.yaml" --flight-recorder 0
out=$(run_in_container 'mkdir -p /d/x && cp /bin/busybox /d/sh && ln /d/sh /d/x/echo &&
/d/sh -c "echo allowed-ran; /d/x/echo link-ran; echo \"link rc=\$?\""')
check "the allowed drifted binary runs ($out)" grep -q "^allowed-ran" <<<"$out"
check "its hard link (the inode it runs) is blocked" bash -c '! grep -q link-ran <<<"$1" && grep -q "link rc=137" <<<"$1"' _ "$out"
sleep 0.3
check "block event for the link, as drift (upper), judged as the running file" event_with \
	'.action == "block" and .path == "/d/x/echo" and .origin == ["upper"] and .self_exec'
stop_enforcer

# 4. --pid=host: no pid namespace of its own; a container by its cgroup,
# which enforce learns from runc's state (before the container's process is
# released; the sleep leaves the enforcer's loop time to read it).
jq '.linux.namespaces |= map(select(.type != "pid"))' "$ov/bundle/config.json" \
	>"$ov/bundle/config.json.new"
mv "$ov/bundle/config.json.new" "$ov/bundle/config.json"
start_enforcer "$rules" --flight-recorder 0
out=$(run_in_container "sleep 1; $drift")
check "--pid=host container: image runs ($out)" grep -q "^image-ok" <<<"$out"
check "--pid=host container: drift is blocked" bash -c '! grep -q upper-ran <<<"$1" && grep -q "binary rc=137" <<<"$1"' _ "$out"
sleep 0.3
check "--pid=host container: the event names it" event_with '.action == "block" and
	.path == "/d/echo" and .container.runtime == "runc"'
stop_enforcer

finish
