#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Bad input everywhere: one clear line, non-zero exit, no partial output.
. "$(dirname "$0")/lib.sh"
require_root

# expect RC PATTERN DESCRIPTION CMD...: exit status RC and stderr matching PATTERN
expect() {
	local want=$1 pattern=$2 what=$3 err rc
	shift 3
	set +e
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	set -e
	if [ "$rc" -eq "$want" ] && grep -qE -- "$pattern" <<<"$err"; then
		pass "$what"
	else
		fail "$what: rc $rc (want $want), stderr: $err"
	fi
}

expect 2 'unknown command "frobnicate"' "unknown command" "$DG" frobnicate
expect 2 'unrecognized option' "unknown flag" "$DG" learn --frob -o x -- true
expect 2 '-o FILE is required' "learn without -o" "$DG" learn -- true
expect 2 'either a command' "learn without a command" "$DG" learn -o "$TMP/x.json"
expect 2 'duration wants a positive' "bad --duration" "$DG" learn -o x --duration abc -- true
# The docker CLI starts no container of its own: learn says how to learn the
# container (--next) instead of writing a profile of the CLI.
expect 2 'docker runs its containers under a daemon.*--next PATTERN' "learn -- docker run" \
	"$DG" learn -o "$TMP/docker.json" -- docker run --rm busybox true
check "learn -- docker run: no profile" [ ! -e "$TMP/docker.json" ]
expect 125 'cannot create a file in /nonexistent' "output dir missing" \
	"$DG" learn -o /nonexistent/p.json -- true
check "no file in a missing dir" [ ! -e /nonexistent/p.json ]
expect 125 'needs root.*sudo' "learn as non-root" \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$DG" learn -o /tmp/dg-nonroot.json -- true
check "non-root leaves no file" [ ! -e /tmp/dg-nonroot.json ]
expect 1 'No such file' "check a missing file" "$DG" check /nonexistent.json
printf '{\n  "defaultAction": "SCMP_ACT_ERRNO",\n  "syscalls": [\n' >"$TMP/trunc.json"
expect 1 'trunc.json:[0-9]+:[0-9]+' "check reports line:column" "$DG" check "$TMP/trunc.json"
echo '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["nosuchcall"],"action":"SCMP_ACT_ALLOW"}]}' >"$TMP/unk.json"
expect 1 'nosuchcall' "check --strict names an unknown syscall" "$DG" check --strict "$TMP/unk.json"
expect 0 'warning: .*unknown syscall "nosuchcall" ignored' \
	"check warns about an unknown syscall and leaves it out, as runc and crun" "$DG" check "$TMP/unk.json"
echo '{"defaultAction":"SCMP_ACT_FROB"}' >"$TMP/act.json"
expect 1 'SCMP_ACT_FROB' "check names a bad action" "$DG" check "$TMP/act.json"
expect 2 'takes no arguments' "probe with an argument" "$DG" probe extra
check "probe names the flight recorder's backend" bash -c "'$DG' probe | grep -q '^  flight   tp_btf/sys_enter'"
expect 2 'flight-recorder wants a number of syscalls from 0 to 65536, not "abc"' \
	"enforce: bad --flight-recorder" "$DG" enforce -r rules.yaml --flight-recorder abc
expect 2 'event-syscalls wants a number of syscalls from 0 to 65536, not "70000"' \
	"enforce: --event-syscalls beyond the maximum" "$DG" enforce -r rules.yaml --event-syscalls 70000
expect 2 'timeout wants seconds from 0 to 3600, not "soon"' "stop: bad --timeout" \
	"$DG" stop --timeout soon
expect 1 'no driftguard enforce runs: there is no pid file /nonexistent/dg.pid; nothing was signalled' \
	"reload without an enforcer" "$DG" reload --pidfile /nonexistent/dg.pid
expect 1 'stopping enforcement needs root.*sudo' "stop as non-root" \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$DG" stop --pidfile /nonexistent/dg.pid
expect 2 '--metrics "localhost:9477": want ADDR:PORT' "enforce: --metrics wants a numeric address" \
	"$DG" enforce -r rules.yaml --metrics localhost:9477
expect 2 '--bpf-stats is for the metrics' "enforce: --bpf-stats without --metrics" \
	"$DG" enforce -r rules.yaml --bpf-stats
# A port in use: refused before anything is loaded (python3 holds the port).
rules=$(dirname "$0")/../../rules/default.yaml
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(30)' >"$TMP/port" &
holder=$!
for _ in $(seq 50); do [ -s "$TMP/port" ] && break; sleep 0.1; done
expect 1 "--metrics 127.0.0.1:$(cat "$TMP/port"): cannot serve there: Address already in use \(another process listens there" \
	"enforce: --metrics on a port in use" "$DG" enforce -r "$rules" --pidfile "$TMP/dg.pid" \
	--metrics "127.0.0.1:$(cat "$TMP/port")"
kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true
check "nothing was loaded (no pid file)" [ ! -e "$TMP/dg.pid" ]

finish
