#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `driftguard learn --next PATTERN`: armed before the container exists, learn
# sees it at `runc create` (its process held back on the exec fifo), records
# it from where its seccomp filter starts once `runc start` releases it, and
# writes the profile when it exits; the profile starts the same workload. A
# container deleted before it ran leaves no profile.
. "$(dirname "$0")/lib.sh"
require_root

make_bundle "$TMP/b" sh -c 'echo hello | tr a-z A-Z; ls / | wc -l'
# The container's own filter (a runtime's default, as docker's and podman's):
# permissive here, so that the gate opens where a final profile would start.
echo '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
	"syscalls": [{"names": ["kexec_load"], "action": "SCMP_ACT_LOG"}]}' >"$TMP/allow.json"
use_profile "$TMP/b" "$TMP/allow.json"

# start_learning OUT PATTERN: learn --next in the background, once it waits
start_learning() {
	"$DG" learn -o "$1" --next "$2" 2>"$1.err" &
	DG_PID=$!
	for _ in $(seq 100); do
		grep -q "waiting for the next container" "$1.err" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "learn --next never said it was waiting: $(cat "$1.err")"
}

id=$(new_id next-a)
start_learning "$TMP/p.json" "dgtest-next-a-*"
runc create -b "$TMP/b" "$id" >"$TMP/out" 2>"$TMP/create.err" </dev/null
sleep 0.5
check "learn --next is still waiting while the container is only created" kill -0 "$DG_PID"
runc start "$id"
set +e
wait "$DG_PID"
rc=$?
set -e
check "learn --next exits 0 once the container exited ($rc; $(cat "$TMP/p.json.err"))" [ "$rc" -eq 0 ]
out1=$(cat "$TMP/out")
check "the container ran ($out1)" grep -q HELLO <<<"$out1"
check "the profile passes driftguard check" "$DG" check -q "$TMP/p.json"
check "the comment names the container, the pattern, and that it was armed at creation" \
	jq -e --arg id "$id" '.comment | contains("from container runc:" + $id + " (learn --next dgtest-next-a-*: armed at its creation")' "$TMP/p.json"
for s in execve pipe2 getdents64 wait4; do
	check "the workload is in: $s" profile_has "$TMP/p.json" "$s"
done
for s in pivot_root mount sethostname; do
	check "the runtime's set-up before the filter stays out: no $s" \
		bash -c "! jq -e --arg n $s '.syscalls[].names | index(\$n)' '$TMP/p.json' >/dev/null"
done
use_profile "$TMP/b" "$TMP/p.json"
id2=$(new_id next-replay)
set +e
out2=$(runc run -b "$TMP/b" "$id2" 2>"$TMP/replay.err")
rc=$?
set -e
check "runc runs it under the profile learn --next wrote (rc $rc; $(head -c 300 "$TMP/replay.err"))" [ "$rc" -eq 0 ]
check "the same output ($out2)" [ "$out1" = "$out2" ]
runc delete --force "$id" 2>/dev/null || true

# Deleted before `start`: its process never ran, nothing to learn.
use_profile "$TMP/b" "$TMP/allow.json"
id=$(new_id next-b)
start_learning "$TMP/q.json" "$id"
runc create -b "$TMP/b" "$id" >/dev/null 2>&1 </dev/null
sleep 0.5
runc delete --force "$id"
set +e
wait "$DG_PID"
rc=$?
set -e
check "deleted before start: non-zero exit ($rc)" [ "$rc" -ne 0 ]
# Either nothing was recorded, or a few syscalls of runc's Go threads (runc
# 1.1 installs the filter before it waits at exec.fifo; whether a thread makes
# one in that wait is timing) but no exec: both messages give the reason.
check "deleted before start: says why ($(tail -n1 "$TMP/q.json.err"))" \
	grep -qE "(nothing of the workload was recorded: |the workload never started: [0-9]+ syscalls were recorded under the filter but no exec of the container's process \()it was deleted before its process ran" "$TMP/q.json.err"
check "deleted before start: no profile" [ ! -e "$TMP/q.json" ]

# Stopped while waiting: no container, no profile, non-zero.
start_learning "$TMP/r.json" "dgtest-never-*"
kill -INT "$DG_PID"
set +e
wait "$DG_PID"
rc=$?
set -e
check "interrupted while waiting: non-zero ($rc)" [ "$rc" -ne 0 ]
check "interrupted while waiting: says so" grep -q 'no container matching "dgtest-never-\*" appeared' "$TMP/r.json.err"
check "interrupted while waiting: no profile" [ ! -e "$TMP/r.json" ]
finish
