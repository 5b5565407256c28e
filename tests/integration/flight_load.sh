#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Flight tails under load: 20 runc containers, started while enforce runs,
# all drifting at once (each a blocked exec every ~0.1 s among image
# commands). Every block is one event, labelled with its own container
# (never the host), carrying that container's tail up to the refused exec:
# the whole ring is read, and a container is looked up again when its event
# comes before enforce has read its state.
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
trap 'umount "$ov/merged" 2>/dev/null || true; cleanup' EXIT

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
sleep 1
kill "$ENFORCER"
wait "$ENFORCER" || true
echo "# $N containers, $ROUNDS blocked execs each, in $(($(date +%s) - start)) s"
check "every container ran to its end" [ "$(cat "$TMP"/out* | grep -c '^done')" -eq $N ]
check "nothing dropped ($(grep stopped "$TMP/enforce.log"))" \
	grep -q "stopped: .* 0 events dropped" "$TMP/enforce.log"
idlist=$(printf '%s\n' "${ids[@]}" | jq -R . | jq -s .)
check "$((N * ROUNDS)) events of our containers, none labelled the host or unknown" jq -e -s \
	--argjson ids "$idlist" --argjson want $((N * ROUNDS)) '
	[.[] | select(.path == "/d/echo")] |
	length == $want and all(.[]; .container.runtime == "runc") and
	([.[].container.id] | unique) == ($ids | sort) and
	(group_by(.container.id) | all(.[]; length == '"$ROUNDS"'))' "$TMP/events.json"
missing=$(jq -s '[.[] | select(.path == "/d/echo" and (.syscalls | length) == 0)] | length' \
	"$TMP/events.json")
check "every event carries its container's tail ($missing without: $(jq -r -s \
	'[.[].syscalls_unavailable // empty] | unique | join("; ")' "$TMP/events.json"))" \
	[ "$missing" -eq 0 ]
check "each tail ends with the blocked task's execve" jq -e -s '
	all(.[] | select(.path == "/d/echo");
	    .tid as $t | ([.syscalls[] | select(.tid == $t)] | last | .name) == "execve")' \
	"$TMP/events.json"
finish
