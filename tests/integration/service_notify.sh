#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# What enforce tells systemd (the unit is Type=notify): with NOTIFY_SOCKET
# set, as systemd sets it, a datagram socket of the test's own receives
# READY=1 only once enforce enforces (its "enforcing" line written, its pid
# file there), RELOADING=1 then READY=1 around a reload (also a refused
# one), and STOPPING=1 when it stops. No systemd is involved.
. "$(dirname "$0")/lib.sh"
require_root
if ! command -v python3 >/dev/null; then
	echo "not ok - python3 is missing: run scripts/setup.sh"
	exit 1
fi

LISTENER=
ENFORCER=
stop_all() {
	for p in $ENFORCER $LISTENER; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}
trap 'stop_all; cleanup' EXIT

# The listener writes one line per message: what the enforcer had done by
# then (its log's last line, its pid file) and the message, newlines as "|".
sock=$TMP/notify.sock
python3 - "$sock" "$TMP/enforce.log" "$TMP/dg.pid" >"$TMP/notify.txt" <<'PY' &
import os, socket, sys
path, log, pidfile = sys.argv[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
open(path + ".ready", "w").close()
s.settimeout(30)
while True:
    try:
        msg = s.recv(4096).decode()
    except socket.timeout:
        break
    lines = open(log).read().splitlines() if os.path.exists(log) else []
    last = lines[-1] if lines else ""
    print("pidfile=%s last=%s msg=%s" % (os.path.exists(pidfile), last, msg.replace("\n", "|")),
          flush=True)
    if msg.startswith("STOPPING=1"):
        break
PY
LISTENER=$!
for _ in $(seq 50); do [ -e "$sock.ready" ] && break; sleep 0.1; done

cp "$(dirname "$0")/../../rules/default.yaml" "$TMP/rules.yaml"
NOTIFY_SOCKET=$sock "$DG" enforce -r "$TMP/rules.yaml" --events "$TMP/events.json" \
	--pidfile "$TMP/dg.pid" 2>"$TMP/enforce.log" &
ENFORCER=$!
# wait_lines N: the listener has N lines
wait_lines() {
	for _ in $(seq 100); do
		[ "$(wc -l <"$TMP/notify.txt")" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
check "READY=1 arrives" wait_lines 1
line1=$(sed -n 1p "$TMP/notify.txt")
check "READY=1 first, once enforcing and the pid file written ($line1)" \
	bash -c '[[ $1 == "pidfile=True last=driftguard: enforcing "*" msg=READY=1|"* ]]' _ "$line1"

kill -HUP "$ENFORCER"
check "a reload: RELOADING=1, then READY=1" wait_lines 3
check "RELOADING=1 with MONOTONIC_USEC" \
	bash -c 'sed -n 2p "$1" | grep -qE "msg=RELOADING=1\|MONOTONIC_USEC=[0-9]+$"' _ "$TMP/notify.txt"
check "READY=1 after the reload, which was done" \
	bash -c 'sed -n 3p "$1" | grep -qE "last=driftguard: reloaded .* msg=READY=1"' _ "$TMP/notify.txt"

echo "rules: [" >"$TMP/rules.yaml"
kill -HUP "$ENFORCER"
check "a refused reload: RELOADING=1, then READY=1 again (the old policy runs)" wait_lines 5
check "READY=1 after the refused reload" \
	bash -c 'sed -n 5p "$1" | grep -qE "last=.*reload of .* failed.* msg=READY=1"' _ "$TMP/notify.txt"

kill "$ENFORCER"
wait "$ENFORCER" && rc=0 || rc=$?
check "enforce stops cleanly (rc $rc)" [ "$rc" -eq 0 ]
check "STOPPING=1 last" bash -c 'tail -n1 "$1" | grep -q "msg=STOPPING=1$"' _ "$TMP/notify.txt"
check "five messages before it, no more" [ "$(wc -l <"$TMP/notify.txt")" -eq 6 ]
ENFORCER=
finish
