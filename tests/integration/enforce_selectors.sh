#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `driftguard enforce` with a rule for some containers only (by name and by
# id): a container started after enforce is selected as soon as its runtime
# writes its state (the inventory's inotify), before its command drifts;
# others are left alone; a container gone is dropped from the policy.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/enforce_lib.sh"
require_root

ov=$TMP/ov
overlay_bundle "$ov"

# run_named NAME ID SCRIPT: output of sh -c SCRIPT in container ID named NAME
run_named() {
	set_args "$ov/bundle" sh -c "$3"
	jq --arg n "$1" '.annotations = {"io.kubernetes.container.name": $n}' \
		"$ov/bundle/config.json" >"$ov/bundle/config.json.new"
	mv "$ov/bundle/config.json.new" "$ov/bundle/config.json"
	runc run -b "$ov/bundle" "$2" 2>&1 || true
}

cat >"$TMP/rules.yaml" <<YAML
mode: enforce
rules:
  - name: web-no-drift
    containers:
      names: ["dgsel-web-*"]
      ids: ["dgtest-byid-$$"]
    match:
      origin: [upper, memfd, off-rootfs]
    action: block
YAML

start_enforcer "$TMP/rules.yaml" --flight-recorder 0 && pass "enforcer started"
enforcer=$ENFORCER

# The drift comes 0.3 s after start: well before a once-a-second refresh
# would surely have seen the container, after its state was written.
drift='sleep 0.3; mkdir -p /d && cp /bin/busybox /d/echo && /d/echo drift-ran; echo "rc=$?"'
out=$(run_named dgsel-web-1 "$(new_id selweb)" "$drift")
check "a container selected by name, started after enforce, is blocked ($out)" \
	bash -c '! grep -q drift-ran <<<"$1" && grep -q "rc=137" <<<"$1"' _ "$out"
out=$(run_named other "dgtest-byid-$$" "$drift")
CONTAINERS+=("dgtest-byid-$$")
check "a container selected by id is blocked ($out)" grep -q "rc=137" <<<"$out"
out=$(run_named other "$(new_id selother)" "$drift")
check "a container the rule does not name runs its drift ($out)" grep -q drift-ran <<<"$out"
sleep 0.3
check "block events name the rule and the container" jq -e -s \
	'[.[] | select(.action == "block" and .rule == "web-no-drift")] | length == 2' \
	"$TMP/events.json"
kill "$enforcer"
wait "$enforcer" || true
check "enforce stops cleanly ($(tail -1 "$TMP/enforce.log"))" grep -q "stopped: 2 blocked" "$TMP/enforce.log"

finish
