#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `driftguard learn --container ID` attaches to a running runc container and
# records its tasks (those that existed before, and new ones) until it exits.
. "$(dirname "$0")/lib.sh"
require_root

make_bundle "$TMP/c" sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done; ls /bin >/dev/null; /bin/threads'
id=$(new_id attach)
runc run -b "$TMP/c" "$id" >"$TMP/c.out" 2>&1 &
runc_pid=$!
for _ in $(seq 100); do
	[ "$(runc state "$id" 2>/dev/null | jq -r .status)" = running ] && break
	sleep 0.1
done
"$DG" learn -q -o "$TMP/c.json" --container "$id" &
dg=$!
sleep 1
touch "$TMP/c/rootfs/tmp/go"
set +e
wait "$dg"
rc=$?
wait "$runc_pid"
set -e
check "learn --container exits 0 when the container exits ($rc)" [ "$rc" -eq 0 ]
check "the profile's comment names the container" jq -e --arg id "$id" \
	'.comment | startswith("learned by driftguard ") and contains("from container runc:" + $id)' \
	"$TMP/c.json"
# The shell existed before; ls and threads were forked after attaching.
for s in getdents64 clone wait4 execve; do
	check "container task recorded: $s" profile_has "$TMP/c.json" "$s"
done

# --duration ends recording of a container that keeps running.
make_bundle "$TMP/d" sh -c 'while :; do sleep 0.2; done'
id=$(new_id duration)
runc run -b "$TMP/d" "$id" >/dev/null 2>&1 &
for _ in $(seq 100); do
	[ "$(runc state "$id" 2>/dev/null | jq -r .status)" = running ] && break
	sleep 0.1
done
start=$(date +%s)
"$DG" learn -q -o "$TMP/d.json" --container "$id" --duration 1.5
took=$(($(date +%s) - start))
check "--duration 1.5 stops recording (took ${took}s)" [ "$took" -le 4 ]
check "--duration profile has the loop's syscalls" profile_has "$TMP/d.json" clock_nanosleep
runc kill "$id" KILL 2>/dev/null || true

# Unknown container: clear error, no file.
set +e
err=$("$DG" learn -o "$TMP/none.json" --container no-such-ctr 2>&1)
rc=$?
set -e
check "unknown container: exit 125" [ "$rc" -eq 125 ]
check "unknown container: says what to do ($err)" grep -q "runc list" <<<"$err"
check "unknown container: no file" [ ! -e "$TMP/none.json" ]

finish
