#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The flight recorder: `driftguard dump` while `learn` runs shows the last
# syscalls of the session, oldest first, with names, ABI, tid and return
# values; for `learn -- CMD`, for `learn --container` (by id and by name),
# for a container started by `learn -- runc run`; clear errors; the pins
# and the index go away when learn ends.
. "$(dirname "$0")/lib.sh"
require_root

KS=$WORKLOADS/known_sequence

# progs PID: "name xlated_bytes" of the BPF programs process PID holds.
progs() {
	local id
	for id in $(grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -u); do
		bpftool prog show id "$id" -j | jq -r '"\(.name) \(.bytes_xlated)"'
	done
}

# wait_blocked WHAT: until the session's last recorded syscall is the
# workload's final read, still in progress (the sequence is complete).
wait_blocked() {
	for _ in $(seq 100); do
		if "$DG" dump --json "$1" 2>/dev/null >"$TMP/wait.json" &&
			jq -e '.syscalls[-1] | .name == "read" and .ret == null' "$TMP/wait.json" >/dev/null &&
			jq -e '.syscalls[-2].name == "getpid"' "$TMP/wait.json" >/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# tail_is JSON PPID_RET PID_RET TID: the last five syscalls are exactly
# getppid, sysinfo, getcpu, getpid, read (in progress), x86_64, from TID.
tail_is() {
	jq -e --argjson ppid "$2" --argjson pid "$3" --argjson tid "$4" '
		.syscalls[-5:] as $t |
		($t | map(.name)) == ["getppid", "sysinfo", "getcpu", "getpid", "read"] and
		($t | map(.abi) | unique) == ["x86_64"] and
		($t | map(.tid) | unique) == [$tid] and
		($t | map(.ret)) == [$ppid, 0, 0, $pid, null] and
		($t | map(.ts_ns)) == ($t | map(.ts_ns) | sort) and
		($t | map(.seq)) == [range($t[0].seq; $t[0].seq + 5)]
	' "$1" >/dev/null
}

# --- learn -- CMD -------------------------------------------------------
"$DG" learn -q --flight-recorder 256 -o "$TMP/cmd.json" -- "$KS" &
dg=$!
check "learn -- CMD: the sequence completes under the recorder" wait_blocked "cmd:$dg"
ks=$(pgrep -f -P "$dg" known_sequence || true)
"$DG" dump --json "cmd:$dg" >"$TMP/cmd.dump.json"
check "dump cmd:PID --json: exact tail getppid, sysinfo, getcpu, getpid, read with return values" \
	tail_is "$TMP/cmd.dump.json" "$dg" "$ks" "$ks"
check "dump --json names the session" jq -e --arg n "cmd:$dg" --argjson p "$ks" \
	'.name == $n and .session.pid == $p and .entries == 256 and .total >= 5' "$TMP/cmd.dump.json"
check "the execve that started the workload is in the ring (oldest first)" \
	jq -e '.syscalls[0].name == "execve" and .syscalls[0].ret == 0' "$TMP/cmd.dump.json"
"$DG" dump "cmd:$dg" >"$TMP/cmd.dump.txt"
tail -5 "$TMP/cmd.dump.txt" | awk '{print $3, $4}' | sed 's/(.*//' >"$TMP/cmd.names"
check "dump text: the tail in order ($(tr '\n' ' ' <"$TMP/cmd.names"))" \
	[ "$(tr '\n' ' ' <"$TMP/cmd.names")" = "x86_64 getppid x86_64 sysinfo x86_64 getcpu x86_64 getpid x86_64 read " ]
check "dump text: return values" bash -c "tail -5 '$TMP/cmd.dump.txt' | sed 's/.*) = //' | tr '\n' '|' |
	grep -qx '$dg|0|0|$ks|? (in progress)|'"
check "dump text: tid column is the workload's" bash -c "tail -5 '$TMP/cmd.dump.txt' | awk '{print \$2}' | sort -u | grep -qx '$ks'"
check "dump by the learn pid" bash -c "'$DG' dump '$dg' | tail -1 | grep -q ' read('"
check "dump by the workload pid" bash -c "'$DG' dump '$ks' | tail -1 | grep -q ' read('"
progs "$dg" >"$TMP/progs.on"
check "ring on: sys_exit loaded ($(tr '\n' ' ' <"$TMP/progs.on"))" grep -q '^dg_sys_exit ' "$TMP/progs.on"
SUPP=$(cd "$(dirname "$0")/.." && pwd)/valgrind.supp
vg() {
	valgrind --quiet --suppressions="$SUPP" --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=99 "$@" >/dev/null
}
check "dump under valgrind: no leaks or memory errors" vg "$DG" dump --json "cmd:$dg"
check "dump of an unknown session under valgrind: no leaks (exit 1)" \
	bash -c "SUPP='$SUPP'; $(declare -f vg); vg '$DG' dump no-such-thing 2>/dev/null; [ \$? -eq 1 ]"
check "pins exist while learn runs" [ -e "/sys/fs/bpf/driftguard/$dg/flight" ]
check "index exists while learn runs" [ -e "/run/driftguard/learn-$dg.json" ]
kill -INT "$dg"
set +e
wait "$dg"
rc=$?
set -e
check "learn stops on SIGINT (status $rc)" [ "$rc" -eq 130 ]
check "pins removed on Ctrl-C" [ ! -e "/sys/fs/bpf/driftguard/$dg" ]
check "index removed on Ctrl-C" [ ! -e "/run/driftguard/learn-$dg.json" ]
check "the profile has the sequence" profile_has "$TMP/cmd.json" getcpu

# Nothing running: clear error, exit 1.
set +e
err=$("$DG" dump "cmd:$dg" 2>&1)
rc=$?
set -e
check "dump with no recorder running: exit 1 ($rc)" [ "$rc" -eq 1 ]
check "dump with no recorder running: says so ($err)" grep -q "no flight recorder is running" <<<"$err"

# --flight-recorder 0: no ring, no sys_exit, nothing published; N is rounded up.
"$DG" learn -q --flight-recorder 0 -o "$TMP/off.json" -- "$KS" &
dg=$!
sleep 1
set +e
err=$("$DG" dump "cmd:$dg" 2>&1)
rc=$?
set -e
check "--flight-recorder 0: nothing to dump (rc $rc: $err)" [ "$rc" -eq 1 ]
check "--flight-recorder 0: nothing pinned" [ ! -e "/sys/fs/bpf/driftguard/$dg" ]
progs "$dg" >"$TMP/progs.off"
check "--flight-recorder 0: sys_exit not loaded ($(tr '\n' ' ' <"$TMP/progs.off"))" \
	bash -c "grep -q '^dg_sys_enter ' '$TMP/progs.off' && ! grep -q '^dg_sys_exit ' '$TMP/progs.off'"
on=$(awk '$1 == "dg_sys_enter" {print $2}' "$TMP/progs.on")
off=$(awk '$1 == "dg_sys_enter" {print $2}' "$TMP/progs.off")
check "--flight-recorder 0: the ring code is dead in sys_enter ($off < $on bytes)" [ "$off" -lt "$on" ]
kill -TERM "$dg"
wait "$dg" || true
check "--flight-recorder 0: the profile is still learned" profile_has "$TMP/off.json" getcpu
"$DG" learn -q --flight-recorder 3 -o "$TMP/small.json" -- "$KS" &
dg=$!
check "--flight-recorder 3: the sequence completes" wait_blocked "cmd:$dg"
"$DG" dump --json "cmd:$dg" >"$TMP/small.dump.json"
check "--flight-recorder 3 keeps the last 4 (rounded up): sysinfo..read" jq -e \
	'.entries == 4 and ([.syscalls[].name] == ["sysinfo", "getcpu", "getpid", "read"])' \
	"$TMP/small.dump.json"
kill -TERM "$dg"
wait "$dg" || true
set +e
err=$("$DG" learn --flight-recorder 70000 -o "$TMP/x.json" -- true 2>&1)
rc=$?
set -e
check "--flight-recorder beyond 65536: usage error ($rc)" [ "$rc" -eq 2 ]

# --- learn --container ID (runc) ----------------------------------------
make_bundle "$TMP/c" /bin/known_sequence /tmp/go
cp "$KS" "$TMP/c/rootfs/bin/"
# A name, as a CRI would annotate it, to dump the container by name.
jq '.annotations = {"io.kubernetes.container.name": "flightweb"}' "$TMP/c/config.json" >"$TMP/c/config.json.new"
mv "$TMP/c/config.json.new" "$TMP/c/config.json"
id=$(new_id flight)
runc run -b "$TMP/c" "$id" >/dev/null 2>&1 &
for _ in $(seq 100); do
	[ "$(runc state "$id" 2>/dev/null | jq -r .status)" = running ] && break
	sleep 0.1
done
init=$(runc state "$id" | jq .pid)
"$DG" learn -q --flight-recorder 256 -o "$TMP/ctr.json" --container "$id" &
dg=$!
# The go file only once the recorder has seen the wait loop: the index file
# appears before the container's tasks are first recorded, and under load
# the sequence could otherwise start before any nanosleep was recorded.
waited=false
for _ in $(seq 100); do
	if "$DG" dump --json "$id" 2>/dev/null >"$TMP/ready.json" &&
		jq -e '[.syscalls[].name] | index("nanosleep") != null or index("clock_nanosleep") != null' \
			"$TMP/ready.json" >/dev/null; then
		waited=true
		break
	fi
	sleep 0.1
done
touch "$TMP/c/rootfs/tmp/go"
check "learn --container: the sequence completes under the recorder" wait_blocked "$id"
"$DG" dump --json "$id" >"$TMP/ctr.dump.json"
# In the container's pid namespace the init is pid 1 and its parent is outside (0);
# the tid is the kernel's.
check "dump ID --json: exact tail, container return values, host tid $init" \
	tail_is "$TMP/ctr.dump.json" 0 1 "$init"
check "dump ID --json: the session is the container" jq -e --arg id "$id" \
	'.session.container.id == $id and .session.container.runtime == "runc" and
	 .session.container.name == "flightweb"' "$TMP/ctr.dump.json"
check "dump by container name" bash -c "'$DG' dump flightweb | tail -1 | grep -q ' read('"
check "dump by id prefix" bash -c "'$DG' dump '${id:0:12}' | tail -1 | grep -q ' read('"
check "the wait loop is recorded before the go file is made" $waited
check "the wait loop before the sequence is there too" \
	jq -e '[.syscalls[].name] | index("nanosleep") != null or index("clock_nanosleep") != null' \
	"$TMP/ctr.dump.json"
set +e
err=$("$DG" dump no-such-ctr 2>&1)
rc=$?
set -e
check "unknown container: exit 1 ($rc)" [ "$rc" -eq 1 ]
check "unknown container: names what is being learned ($err)" \
	grep -q "no flight recorder records \"no-such-ctr\"; recorded: .*runc:$id" <<<"$err"
runc kill "$id" KILL
set +e
wait "$dg"
rc=$?
set -e
check "learn --container ends with the container ($rc)" [ "$rc" -eq 0 ]
check "pins removed when the container exits" [ ! -e "/sys/fs/bpf/driftguard/$dg" ]
check "index removed when the container exits" [ ! -e "/run/driftguard/learn-$dg.json" ]

# --- learn -- runc run ... : dump finds it by the container id -----------
make_bundle "$TMP/r" /bin/known_sequence
cp "$KS" "$TMP/r/rootfs/bin/"
id=$(new_id flightrun)
"$DG" learn -q --flight-recorder 256 -o "$TMP/run.json" -- runc run -b "$TMP/r" "$id" >/dev/null 2>&1 &
dg=$!
check "learn -- runc run: dump by container id" wait_blocked "$id"
"$DG" dump --json "$id" >"$TMP/run.dump.json"
check "learn -- runc run: the tail is the container's" jq -e \
	'[.syscalls[-5:][].name] == ["getppid", "sysinfo", "getcpu", "getpid", "read"] and
	 .syscalls[-2].ret == 1' "$TMP/run.dump.json"
runc kill "$id" KILL 2>/dev/null || true
wait "$dg" || true

finish
