#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Every decision is an event: execs of files whose names are not UTF-8 (and
# whose 15-byte comm ends inside a character), on the host and in a runc
# container, blocked and audited, each make one valid JSON line with the
# raw bytes recoverable from KEY_base64 (README, "Text that is not UTF-8"),
# and nothing is dropped. Signal backend (this kernel).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/enforce_lib.sh"
require_root

# A runc bundle on an overlay: lower = busybox image, upper = what the container writes.
ov=$TMP/ov
overlay_bundle "$ov"
# Host files live on a tmpfs of their own (off the host's root); the host rule is
# scoped to it.
shm=$TMP/host
mkdir -p "$shm"
mount -t tmpfs tmpfs "$shm"
UNMOUNT+=("$shm")

cat >"$TMP/rules.yaml" <<YAML
mode: enforce
rules:
  - name: no-drift
    containers: all
    match:
      origin: [upper, memfd, off-rootfs]
    action: block
  - name: host-test-dir
    containers: host
    match:
      origin: off-rootfs
      path: $shm/
    action: block
YAML

# Names: two bytes that are never UTF-8; nine "é" (comm keeps 15 bytes: seven
# and half of the eighth); a valid name with a backslash (kept as it is). As
# printf formats: config.json (jq) would turn bytes that are not UTF-8 into U+FFFD.
formats=('\377\376' '\303\251\303\251\303\251\303\251\303\251\303\251\303\251\303\251\303\251'
	'back\\x41slash')
names=()
for f in "${formats[@]}"; do
	names+=("$(printf "$f")")
done
slash=${names[2]}

raw_hex() {
	local b64
	b64=$(jq -r --arg k "$2_base64" '.[$k] // empty' <<<"$1")
	if [ -n "$b64" ]; then
		base64 -d <<<"$b64" | od -An -tx1 | tr -d ' \n'
	else
		jq -j --arg k "$2" '.[$k]' <<<"$1" | od -An -tx1 | tr -d ' \n'
	fi
}

jq_ok() { jq -e "$@" >/dev/null; }

hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }

# check_events MODE WHERE: one valid line per name, with its bytes recoverable.
check_events() {
	local mode=$1 where=$2 line name n=0
	check "$mode/$where: every event line is valid JSON" jq_ok -s 'length > 0' "$TMP/events.json"
	for name in "${names[@]}"; do
		n=$((n + 1))
		line=$(jq -c --arg m "$mode" --arg w "$where" 'select(.action == $m and
			(if $w == "host" then .container.runtime == "host" else .container.runtime == "runc" end))' \
			"$TMP/events.json" | while read -r l; do
			if [ "$(raw_hex "$l" path)" = "$(hex "$3$name")" ]; then echo "$l"; fi
		done)
		check "$mode/$where: event $n's path gives back its bytes ($(hex "$name"))" [ -n "$line" ]
		[ -n "$line" ] || continue
		check "$mode/$where: event $n's comm gives back its first 15 bytes" \
			[ "$(raw_hex "$line" comm)" = "$(hex "$name" | cut -c1-30)" ]
		case $name in
		"$slash")
			check "$mode/$where: valid UTF-8 is written as it is, no base64" jq_ok --arg n "$3$name" \
				'.path == $n and (has("path_base64") | not) and .comm == "back\\x41slash"' <<<"$line" ;;
		"${names[1]}")
			check "$mode/$where: a comm cut inside a character is escaped with \\xNN, its path is not" \
				jq_ok --arg n "$3$name" '.path == $n and (has("path_base64") | not) and
				(.comm | endswith("\\xc3")) and has("comm_base64")' <<<"$line" ;;
		*)
			check "$mode/$where: text that is not UTF-8 is escaped with \\xNN" jq_ok \
				'.path | endswith("/\\xff\\xfe")' <<<"$line" ;;
		esac
	done
}

# run_all: the names on the host and in a container; their exit statuses.
run_all() {
	local name out
	for name in "${names[@]}"; do
		cp /bin/busybox "$shm/$name"
		"$shm/$name" true >/dev/null 2>&1 && echo "host rc=0" || echo "host rc=$?"
	done
	set_args "$ov/bundle" sh -c 'mkdir -p "$0"; for f in "$@"; do n=$(printf "$f");
		cp /bin/busybox "$0/$n"; "$0/$n" true >/dev/null 2>&1; echo "container rc=$?"; done' \
		"$1" "${formats[@]}"
	runc run -b "$ov/bundle" "$(new_id names)" 2>&1 </dev/null || true
}

for mode in block audit; do
	if [ $mode = block ]; then start_enforcer "$TMP/rules.yaml"; else start_enforcer "$TMP/rules.yaml" --audit; fi
	out=$(run_all /d-$mode)
	sleep 0.5
	stop_enforcer
	if [ $mode = block ]; then
		check "block: every exec killed ($(tr '\n' ' ' <<<"$out"))" \
			[ "$(grep -c "rc=137" <<<"$out")" -eq 6 ]
		check "block: 6 blocked, 0 dropped ($(grep stopped "$TMP/enforce.log"))" \
			grep -q "stopped: 6 blocked, 0 audited, 0 events dropped" "$TMP/enforce.log"
	else
		check "audit: nothing killed ($(tr '\n' ' ' <<<"$out"))" \
			bash -c '! grep -q "rc=137" <<<"$1" && [ "$(grep -c rc= <<<"$1")" -eq 6 ]' _ "$out"
		check "audit: 6 audited, 0 dropped ($(grep stopped "$TMP/enforce.log"))" \
			grep -q "stopped: 0 blocked, 6 audited, 0 events dropped" "$TMP/enforce.log"
	fi
	check "$mode: 6 event lines" [ "$(wc -l <"$TMP/events.json")" -eq 6 ]
	check_events $mode host "$shm/"
	check_events $mode container "/d-$mode/"
	rm -f "$shm"/*
done

# --coalesce: a container drifting in a loop makes one line at once (with its
# tail), then one line for the identical rest of the window, with their count.
start_enforcer "$TMP/rules.yaml" --coalesce 10000
set_args "$ov/bundle" sh -c 'mkdir -p /co && cp /bin/busybox /co/echo; i=0;
	while [ $i -lt 50 ]; do /co/echo x 2>/dev/null; i=$((i+1)); done; echo loop-done'
out=$(runc run -b "$ov/bundle" "$(new_id coalesce)" 2>&1 </dev/null || true)
sleep 0.5
stop_enforcer
check "coalesce: the loop ran ($out)" grep -q loop-done <<<"$out"
check "coalesce: 50 blocked, 0 dropped ($(grep stopped "$TMP/enforce.log"))" \
	grep -q "stopped: 50 blocked, 0 audited, 0 events dropped" "$TMP/enforce.log"
check "coalesce: two lines, the first at once with its tail, the second standing for 49" \
	jq_ok -s '[.[] | select(.path == "/co/echo")] | length == 2 and
	(.[0] | has("coalesced") | not) and (.[0].syscalls | length) > 0 and
	.[1].coalesced == 49 and .[1].syscalls == null and .[1].first_time >= .[0].time and
	.[1].time >= .[1].first_time' "$TMP/events.json"

finish
