#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Enforcement outlives `driftguard enforce` (signal backend, this kernel):
# its links and maps are pinned in bpffs. A runc container execs a drifted
# copy of busybox in a loop the whole time, while the enforcer is killed
# with SIGKILL (the drift stays blocked, events queue), restarted (it adopts
# the pinned state with no gap and reads what queued), left with SIGQUIT
# (pinned on purpose), restarted again, and ended by `driftguard stop`
# (then the drift runs). `reload` signals only a running enforcer: never the
# pid that a stale pid file names.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/enforce_lib.sh"
require_root

PINS=/sys/fs/bpf/driftguard/enforce
RULES=$(dirname "$0")/../../rules/default.yaml

ov=$TMP/ov
overlay_bundle "$ov"
mkdir -p "$TMP/ctl"
# Whatever happens, nothing of ours stays loaded.
trap '"$DG" stop --pidfile "$TMP/dg.pid" >/dev/null 2>&1 || true; cleanup' EXIT
# /ctl: a bind mount of $TMP/ctl, where the loop finds its stop file.
jq --arg src "$TMP/ctl" '.mounts += [{"destination": "/ctl", "type": "bind", "source": $src,
	"options": ["rbind", "rw"]}]' "$ov/image/config.json" >"$ov/bundle/config.json"

# Every enforcer of this test appends to one events file (emptied once, below).
KEEP_EVENTS=1

# The drift loop: each try prints "try" and the drifted copy prints RAN if it runs.
tries() { grep -c '^try' "$TMP/loop.out" || true; }
ran() { grep -c '^RAN' "$TMP/loop.out" || true; }
# wait_tries N: until N more tries have been made (at most 20 s)
wait_tries() {
	local want=$(($(tries) + $1))
	for _ in $(seq 200); do
		[ "$(tries)" -ge "$want" ] && return 0
		sleep 0.1
	done
	return 1
}

: >"$TMP/events.json"
ENFORCE_LOG="$TMP/e1.log" start_enforcer "$RULES"
E1=$ENFORCER
check "the enforcer says where it pinned itself" grep -q "^driftguard: pinned in $PINS/$E1-" "$TMP/e1.log"
check "its links, maps and state are pinned" bash -c "ls $PINS/$E1-*/ | grep -q link_dg_exec_signal &&
	ls $PINS/$E1-*/ | grep -q map_events && ls $PINS/$E1-*/ | grep -qx state"

loop='mkdir -p /d && cp /bin/busybox /d/echo
while [ ! -e /ctl/stop ]; do echo try; /d/echo RAN; sleep 0.02; done'
set_args "$ov/bundle" sh -c "$loop"
lid=$(new_id restart)
runc run -b "$ov/bundle" "$lid" >"$TMP/loop.out" 2>&1 </dev/null &
LOOP=$!
check "the drift loop runs" wait_tries 20
check "while the enforcer runs, the drift is blocked" [ "$(ran)" -eq 0 ]

# kill -9: nothing is unloaded.
kill -9 "$E1"
wait "$E1" 2>/dev/null || true
t0=$(tries)
check "after kill -9 the loop goes on" wait_tries 50
check "after kill -9 every try is still blocked ($(($(tries) - t0)) tries, $(ran) ran)" [ "$(ran)" -eq 0 ]
check "after kill -9 the pins are still there" bash -c "ls -d $PINS/$E1-* >/dev/null"

# reload with the killed enforcer's pid file, or any stale one, signals nothing.
sleep 300 &
SLEEPER=$!
echo "$SLEEPER" >"$TMP/stale.pid"
set +e
err=$("$DG" reload --pidfile "$TMP/stale.pid" 2>&1)
rc=$?
set -e
check "reload refuses a stale pid file ($rc: $err)" \
	bash -c '[ "$1" -eq 1 ] && grep -q "stale" <<<"$2" && grep -q "nothing was signalled" <<<"$2"' \
	_ "$rc" "$err"
check "the process that got that pid was not signalled" kill -0 "$SLEEPER"
kill "$SLEEPER"
set +e
err=$("$DG" reload --pidfile "$TMP/dg.pid" 2>&1)
rc=$?
set -e
check "reload refuses the killed enforcer's pid file ($rc: $err)" \
	bash -c '[ "$1" -eq 1 ] && grep -q "pid '"$E1"' wrote it and is gone" <<<"$2"' _ "$rc" "$err"

# A restart adopts: no try gets through across it. The rules it is given
# replace the adopted ones (the rule is named otherwise); what queued while
# no daemon ran is read, named by the rules that decided it.
sed 's/name: no-drift$/name: no-drift-restarted/' "$RULES" >"$TMP/renamed.yaml"
ENFORCE_LOG="$TMP/e2.log" start_enforcer "$TMP/renamed.yaml"
E2=$ENFORCER
check "the restart says whom it adopts from ($(grep adopted "$TMP/e2.log"))" grep -qE \
	"^driftguard: adopted the enforcement that driftguard enforce pid $E1 \(started [0-9-]+ [0-9:]+ UTC\) left pinned: the signal backend, rules generation 1 from .*default.yaml" \
	"$TMP/e2.log"
check "it read the decisions that queued ($(grep queued "$TMP/e2.log"))" \
	grep -qE "^driftguard: [1-9][0-9]* decisions that had queued while no daemon ran were read" \
	"$TMP/e2.log"
check "the new generation is pinned, the old one is gone" bash -c \
	"grep -q '^driftguard: now rules generation 2, pinned in $PINS/$E2-' '$TMP/e2.log' &&
	! ls -d $PINS/$E1-* 2>/dev/null && ls -d $PINS/$E2-* >/dev/null"
check "the restarted enforcer keeps the loop blocked" wait_tries 50
check "no try got through across kill -9 and restart ($(tries) tries, $(ran) ran)" [ "$(ran)" -eq 0 ]
sleep 0.5
check "queued events name the rule that decided them" jq -e -s \
	'any(.[]; .rule == "no-drift" and .path == "/d/echo" and .action == "block")' \
	"$TMP/events.json" >/dev/null
check "new events name the new rules' rule" jq -e -s \
	'any(.[]; .rule == "no-drift-restarted" and .path == "/d/echo" and .action == "block")' \
	"$TMP/events.json" >/dev/null
set +e
err=$("$DG" enforce -r "$RULES" --events /dev/null --pidfile "$TMP/other.pid" 2>&1)
rc=$?
set -e
check "a second enforcer is refused while one runs ($rc: $err)" bash -c \
	'[ "$1" -eq 1 ] && grep -q "pid '"$E2"' .* already enforces" <<<"$2"' _ "$rc" "$err"
check "reload reaches the running one" "$DG" reload --pidfile "$TMP/dg.pid"

# SIGQUIT: exit, but leave the enforcement pinned (an upgrade).
kill -QUIT "$E2"
wait "$E2" 2>/dev/null || true
check "SIGQUIT says it leaves the enforcement pinned" grep -q "^driftguard: left pinned" "$TMP/e2.log"
check "after SIGQUIT the loop stays blocked" wait_tries 30
check "after SIGQUIT no try got through ($(ran) ran)" [ "$(ran)" -eq 0 ]
ENFORCE_LOG="$TMP/e3.log" start_enforcer "$RULES"
E3=$ENFORCER
# Generation 3: the reload above installed the rules again.
check "the next restart adopts generation 3 from pid $E2" grep -qE \
	"^driftguard: adopted the enforcement that driftguard enforce pid $E2 .* rules generation 3 from .*renamed.yaml" \
	"$TMP/e3.log"
check "still blocked after the second restart" wait_tries 30
check "no try got through ($(tries) tries, $(ran) ran)" [ "$(ran)" -eq 0 ]

# driftguard stop: the enforcer exits and nothing stays; then the drift runs.
"$DG" stop --pidfile "$TMP/dg.pid" >"$TMP/stop.out" 2>&1 || true
check "stop says what it stopped ($(tr '\n' ' ' <"$TMP/stop.out"))" \
	grep -q "^stopped driftguard enforce (pid $E3)" "$TMP/stop.out"
check "the enforcer exited" bash -c "! kill -0 $E3 2>/dev/null"
check "nothing is pinned any more" bash -c "! ls -d $PINS/*/ 2>/dev/null"
ran_before=$(ran)
check "after stop the drift runs" wait_tries 20
check "after stop the drift runs ($(ran) ran)" [ "$(ran)" -gt "$ran_before" ]

# A clean stop (SIGTERM) ends enforcement too; a killed one's leftovers go with stop.
ENFORCE_LOG="$TMP/e4.log" start_enforcer "$RULES"
wait_tries 10
r=$(ran)
wait_tries 20
check "enforcing again: blocked" [ "$(ran)" -eq "$r" ]
kill "$ENFORCER"
wait "$ENFORCER" 2>/dev/null || true
check "SIGTERM unpins" bash -c "! ls -d $PINS/*/ 2>/dev/null"
wait_tries 20
check "after SIGTERM the drift runs" [ "$(ran)" -gt "$r" ]
ENFORCE_LOG="$TMP/e5.log" start_enforcer "$RULES"
kill -9 "$ENFORCER"
wait "$ENFORCER" 2>/dev/null || true
"$DG" stop --pidfile "$TMP/dg.pid" >"$TMP/stop2.out" 2>&1 || true
check "stop removes what a killed enforcer left, and says so ($(tr '\n' ' ' <"$TMP/stop2.out"))" \
	grep -qE "^removed the enforcement that driftguard enforce pid $ENFORCER .* left pinned in $PINS/.*: the signal backend, rules generation 1 from .*default.yaml \(1 kernel rules\), [0-9]+ links, [0-9]+ maps" \
	"$TMP/stop2.out"
check "nothing is pinned after it" bash -c "! ls -d $PINS/*/ 2>/dev/null"
out=$("$DG" stop --pidfile "$TMP/dg.pid" 2>&1)
check "stop with nothing to stop says so ($out)" grep -q "^nothing to stop" <<<"$out"

touch "$TMP/ctl/stop"
wait "$LOOP" 2>/dev/null || true
finish
