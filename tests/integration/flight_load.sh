#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Flight tails under load: 20 runc containers, started while enforce runs,
# all drifting at once (each a blocked exec every ~0.1 s among image
# commands). Every block is one event, labelled with its own container
# (never the host), carrying that container's tail up to the refused exec:
# the whole ring is read, and a container is looked up again when its event
# comes before enforce has read its state. Then events read late (enforce
# stopped while the container goes on): the tail survives as long as the
# ring holds it, and an empty one says truly why.
. "$(dirname "$0")/lib.sh"
require_root

N=20
ROUNDS=15
ov=$TMP/ov
mkdir -p "$ov/upper/d" "$ov/work" "$ov/merged"
make_bundle "$ov/image" true
cp /bin/busybox "$ov/upper/d/echo" # drift: written in the upper layer
mount -t overlay overlay -o "lowerdir=$ov/image/rootfs,upperdir=$ov/upper,workdir=$ov/work" \
	"$ov/merged"
trap 'kill -CONT "${ENFORCER:-}" 2>/dev/null || true; umount "$ov/merged" 2>/dev/null || true
	cleanup' EXIT

: >"$TMP/events.json"
"$DG" enforce -r "$(dirname "$0")/../../rules/default.yaml" --events "$TMP/events.json" \
	--pidfile "$TMP/dg.pid" 2>"$TMP/enforce.log" &
ENFORCER=$!
for _ in $(seq 100); do
	grep -q "^driftguard: enforcing" "$TMP/enforce.log" && break
	sleep 0.1
done
check "enforcer started" grep -q "^driftguard: enforcing" "$TMP/enforce.log"

# Each container: found by enforce within its first second, then busy.
work="sleep 1; i=0; while [ \$i -lt $ROUNDS ]; do cat /proc/self/stat >/dev/null;
	ls / >/dev/null; /d/echo x 2>/dev/null; sleep 0.1; i=\$((i+1)); done; echo done"
pids=()
ids=()
start=$(date +%s)
for n in $(seq $N); do
	b=$TMP/b$n
	mkdir -p "$b"
	jq --arg root "$ov/merged" --arg work "$work" \
		'.root.path = $root | .process.args = ["sh", "-c", $work]' \
		"$ov/image/config.json" >"$b/config.json"
	id=$(new_id "load$n")
	CONTAINERS+=("$id") # new_id ran in a subshell
	ids+=("$id")
	runc run -b "$b" "$id" >"$TMP/out$n" 2>&1 </dev/null &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || true; done

# An event read long after its decision (enforce stopped meanwhile, as a
# loaded machine does): the container made ~170 syscalls since (a dd of 75
# bytes one at a time), more than the 128 entries enforce once read but well
# inside the 256 of the ring: the tail is all there. Then ~800 syscalls
# since: the ring has moved on, and the event says so (not that the
# container was found only after it).
late=$(new_id late)
CONTAINERS+=("$late")
jq --arg root "$ov/merged" '.root.path = $root | .process.args = ["sh", "-c",
	"for n in 1 2; do while [ ! -e /go$n ]; do sleep 0.05; done; /d/echo x 2>/dev/null;
	 dd if=/dev/zero of=/dev/null bs=1 count=$((n * n * 75 + (n - 1) * 100)) 2>/dev/null;
	 touch /mark$n; done"]' "$ov/image/config.json" >"$TMP/b1/config.json"
runc run -b "$TMP/b1" "$late" >"$TMP/late.out" 2>&1 </dev/null &
latepid=$!
for _ in $(seq 100); do
	"$DG" dump "$late" >/dev/null 2>&1 && break
	sleep 0.1
done
for n in 1 2; do
	kill -STOP "$ENFORCER"
	touch "$ov/merged/go$n"
	for _ in $(seq 100); do
		[ -e "$ov/merged/mark$n" ] && break
		sleep 0.05
	done
	kill -CONT "$ENFORCER"
	sleep 0.5
done
wait "$latepid" || true
sleep 1
kill -CONT "$ENFORCER"
kill "$ENFORCER"
wait "$ENFORCER" || true
jq -c --arg id "$late" 'select(.container.id == $id)' "$TMP/events.json" >"$TMP/late.json"
check "late: two events" [ "$(wc -l <"$TMP/late.json")" -eq 2 ]
check "late: ~170 syscalls after the decision, its tail is whole, up to the execve" jq -e -s '
	.[0] | (.syscalls | length) == 32 and
	(.tid as $t | [.syscalls[] | select(.tid == $t)] | last | .name) == "execve"' \
	"$TMP/late.json"
check "late: ~800 syscalls after it, the ring moved on and the event says so ($(jq -s -r \
	'.[1].syscalls_unavailable' "$TMP/late.json"))" jq -e -s '.[1] | .syscalls == [] and
	(.syscalls_unavailable | test("had moved on"))' "$TMP/late.json"
echo "# $N containers, $ROUNDS blocked execs each, in $(($(date +%s) - start)) s"
check "every container ran to its end" [ "$(cat "$TMP"/out* | grep -c '^done')" -eq $N ]
check "nothing dropped ($(grep stopped "$TMP/enforce.log"))" \
	grep -q "stopped: .* 0 events dropped" "$TMP/enforce.log"
idlist=$(printf '%s\n' "${ids[@]}" | jq -R . | jq -s .)
check "$((N * ROUNDS)) events of our containers, none labelled the host or unknown" jq -e -s \
	--argjson ids "$idlist" --argjson want $((N * ROUNDS)) --arg late "$late" '
	[.[] | select(.path == "/d/echo" and .container.id != $late)] |
	length == $want and all(.[]; .container.runtime == "runc") and
	([.[].container.id] | unique) == ($ids | sort) and
	(group_by(.container.id) | all(.[]; length == '"$ROUNDS"'))' "$TMP/events.json"
missing=$(jq -s --arg late "$late" '[.[] | select(.path == "/d/echo" and .container.id != $late and
	(.syscalls | length) == 0)] | length' "$TMP/events.json")
check "every event carries its container's tail ($missing without: $(jq -r -s \
	'[.[].syscalls_unavailable // empty] | unique | join("; ")' "$TMP/events.json"))" \
	[ "$missing" -eq 0 ]
check "each tail ends with the blocked task's execve" jq -e -s '
	all(.[] | select(.path == "/d/echo" and .container.id != "'"$late"'");
	    .tid as $t | ([.syscalls[] | select(.tid == $t)] | last | .name) == "execve")' \
	"$TMP/events.json"
finish
