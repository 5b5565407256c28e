#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `driftguard enforce` with the signal backend on this kernel (BPF-LSM cannot
# load here): runc on an overlay-mounted busybox rootfs. What the image
# brought runs; copies and scripts written after start are killed before
# they run; audit mode only logs; exceptions run; a bad rules file never
# replaces the running policy. The BPF-LSM backend is tested in tests/vm/.
. "$(dirname "$0")/lib.sh"
require_root

# A bundle whose rootfs is an overlay: lower = busybox image, upper = drift.
ov=$TMP/ov
mkdir -p "$ov/upper" "$ov/work"
make_bundle "$ov/image" true
mkdir -p "$ov/bundle/rootfs"
mount -t overlay overlay -o "lowerdir=$ov/image/rootfs,upperdir=$ov/upper,workdir=$ov/work" \
	"$ov/bundle/rootfs"
trap 'umount "$ov/bundle/rootfs" 2>/dev/null || true; cleanup' EXIT
cp "$ov/image/config.json" "$ov/bundle/config.json"

# run_in_container SCRIPT: output of sh -c SCRIPT in a fresh container
run_in_container() {
	set_args "$ov/bundle" sh -c "$1"
	runc run -b "$ov/bundle" "$(new_id enforce)" 2>&1 || true
}

# start_enforcer RULES [ARGS...]: driftguard enforce in the background
start_enforcer() {
	local rules=$1
	shift
	: >"$TMP/events.json"
	"$DG" enforce -r "$rules" --events "$TMP/events.json" --pidfile "$TMP/dg.pid" "$@" \
		2>"$TMP/enforce.log" &
	ENFORCER=$!
	for _ in $(seq 100); do
		grep -qE "^driftguard: (enforcing|auditing)" "$TMP/enforce.log" && return 0
		kill -0 "$ENFORCER" 2>/dev/null || break
		sleep 0.1
	done
	fail "enforcer did not start: $(cat "$TMP/enforce.log")"
	return 1
}

stop_enforcer() {
	kill "$ENFORCER" 2>/dev/null || true
	wait "$ENFORCER" 2>/dev/null || true
}

# event_with JQ-FILTER: some event line satisfies the filter
event_with() {
	jq -e -s "any(.[]; $1)" "$TMP/events.json" >/dev/null
}

drift='busybox echo image-ok
mkdir -p /d && cp /bin/busybox /d/echo && /d/echo upper-ran; echo "binary rc=$?"
printf "#!/bin/sh\necho script-ran\n" >/x.sh && chmod +x /x.sh && /x.sh; echo "script rc=$?"'

start_enforcer "$(dirname "$0")/../../rules/default.yaml"
check "backend chosen and said (signal here)" grep -q "^driftguard: backend: signal" "$TMP/enforce.log"
out=$(run_in_container "$drift")
check "image binary runs ($out)" grep -q "^image-ok" <<<"$out"
check "upper-layer copy is killed before it runs" bash -c '! grep -q upper-ran <<<"$1" && grep -q "binary rc=137" <<<"$1"' _ "$out"
check "upper-layer script is killed before it runs" bash -c '! grep -q script-ran <<<"$1" && grep -q "script rc=137" <<<"$1"' _ "$out"
sleep 0.3
check "block event for the binary" event_with '.action == "block" and .backend == "signal" and
	.kind == "binary" and .path == "/d/echo" and .fupper_layer and .origin == ["upper"] and
	.rule == "no-drift" and .container.runtime == "runc" and (.pid > 0)'
check "block event for the script (the script, not the interpreter)" event_with \
	'.action == "block" and .kind == "script" and .path == "/x.sh" and .fupper_layer and
	(.eupper_layer | not)'
check "no event for image binaries" bash -c "! jq -e -s 'any(.[]; .origin == [\"image\"])' '$TMP/events.json' >/dev/null"
out=$("$ov/upper/d/echo" host-ran 2>&1 || true)
check "host processes are not in 'containers: all' ($out)" [ "$out" = host-ran ]

# A bad rules file never replaces the running policy; a good one does, atomically.
cp "$(dirname "$0")/../../rules/default.yaml" "$TMP/live.yaml"
stop_enforcer
start_enforcer "$TMP/live.yaml"
printf 'mode: enforce\nrules:\n  - name: x\n    action: deny\n' >"$TMP/live.yaml"
"$DG" reload --pidfile "$TMP/dg.pid"
sleep 1
check "bad reload is refused with its position" grep -qE "reload of .* failed, keeping the running policy: .*live.yaml:[0-9]+:[0-9]+" "$TMP/enforce.log"
out=$(run_in_container '/d/echo still-blocked; echo "rc=$?"')
check "after a bad reload the old policy still blocks ($out)" grep -q "rc=137" <<<"$out"
sed 's/^mode: enforce/mode: audit/' "$(dirname "$0")/../../rules/default.yaml" >"$TMP/live.yaml"
"$DG" reload --pidfile "$TMP/dg.pid"
sleep 1
check "good reload is taken" grep -q "reloaded" "$TMP/enforce.log"
out=$(run_in_container '/d/echo now-audited; echo "rc=$?"')
check "after reloading an audit policy the binary runs ($out)" grep -q now-audited <<<"$out"
stop_enforcer

# --audit: everything runs, every decision is logged as audit.
start_enforcer "$(dirname "$0")/../../rules/default.yaml" --audit
check "audit mode is announced" grep -q "^driftguard: auditing" "$TMP/enforce.log"
out=$(run_in_container "$drift")
check "audit mode lets the upper binary run ($out)" grep -q upper-ran <<<"$out"
check "audit mode lets the upper script run" grep -q script-ran <<<"$out"
sleep 0.3
check "audit events logged" event_with '.action == "audit" and .path == "/d/echo"'
stop_enforcer

# An exception lets one path run; everything else stays blocked.
cat >"$TMP/except.yaml" <<'YAML'
mode: enforce
exceptions:
  - name: allow-d-echo
    containers: all
    path: /d/echo
rules:
  - name: no-drift
    containers: all
    match:
      origin: [upper, memfd, off-rootfs]
    action: block
YAML
start_enforcer "$TMP/except.yaml"
out=$(run_in_container "$drift")
check "allowlisted path runs ($out)" grep -q upper-ran <<<"$out"
check "other drift still blocked" grep -q "script rc=137" <<<"$out"
stop_enforcer
check "summary counts blocks" grep -q "stopped: 1 blocked" "$TMP/enforce.log"

finish
