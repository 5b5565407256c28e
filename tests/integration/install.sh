#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `meson install --destdir` into a temporary root: every file is where the
# README says, the systemd unit names files that are installed and passes
# `systemd-analyze verify` (and stays hardened), the bash completion knows
# the commands and options of the installed binary. Nothing is installed on
# the host and nothing is loaded into the kernel.
. "$(dirname "$0")/lib.sh"

BUILD_ROOT=${BUILD_ROOT:?BUILD_ROOT must name the meson build directory}
SOURCE_ROOT=${SOURCE_ROOT:?SOURCE_ROOT must name the source directory}
: "${DG_SBINDIR:?}" "${DG_RULESDIR:?}" "${DG_PROFILESDIR:?}" "${DG_UNITDIR:?}"
: "${DG_COMPLETIONDIR:?}" "${DG_PIDFILE:?}" "${DG_SERVICE_TYPE:?}" "${DG_OCIHOOKSDIR:?}"
for tool in meson systemd-analyze; do
	if ! command -v "$tool" >/dev/null; then
		echo "not ok - $tool is missing: run scripts/setup.sh (Debian: apt-get install systemd)"
		exit 1
	fi
done

# quietly CMD...: CMD succeeds (its output dropped); fails CMD...: CMD fails.
quietly() { "$@" >/dev/null 2>&1; }
fails() { ! "$@"; }

ROOT=$TMP/root
if ! meson install -C "$BUILD_ROOT" --no-rebuild --quiet --destdir "$ROOT" >"$TMP/install.log" 2>&1; then
	fail "meson install --destdir: $(cat "$TMP/install.log")"
	finish
fi
pass "meson install --destdir $ROOT"

# The layout (README: "Installing").
BIN=$ROOT$DG_SBINDIR/driftguard
UNIT=$ROOT$DG_UNITDIR/driftguard.service
check "binary in sbindir: $DG_SBINDIR/driftguard" [ -x "$BIN" ]
check "the installed binary runs" "$BIN" --version
for r in "$SOURCE_ROOT"/rules/*.yaml; do
	check "rules $(basename "$r") in $DG_RULESDIR, unchanged" cmp -s "$r" "$ROOT$DG_RULESDIR/$(basename "$r")"
done
check "profiles folder $DG_PROFILESDIR exists (empty or not)" [ -d "$ROOT$DG_PROFILESDIR" ]
while IFS= read -r p; do
	rel=${p#"$SOURCE_ROOT"/profiles/}
	check "profile $rel installed" cmp -s "$p" "$ROOT$DG_PROFILESDIR/$rel"
done < <(find "$SOURCE_ROOT/profiles" -name '*.json')
check "only profiles in the profiles folder" \
	[ -z "$(find "$ROOT$DG_PROFILESDIR" -type f ! -name '*.json')" ]
check "systemd unit in $DG_UNITDIR" [ -f "$UNIT" ]
check "bash completion in $DG_COMPLETIONDIR" [ -f "$ROOT$DG_COMPLETIONDIR/driftguard" ]
HOOK=$ROOT$DG_OCIHOOKSDIR/driftguard-trace-syscall.json
check "OCI hook JSON in $DG_OCIHOOKSDIR" [ -f "$HOOK" ]
if [ -f "$HOOK" ]; then
	check "the hook JSON runs the installed binary's hook command" \
		jq -e --arg dg "$DG_SBINDIR/driftguard" \
		'.version == "1.0.0" and .hook.path == $dg and .hook.args == ["driftguard", "hook"] and
		.stages == ["prestart"] and .when.annotations["^io\\.containers\\.trace-syscall$"] == ".*"' \
		"$HOOK"
	check "the hook JSON has no unfilled @VARIABLE@" fails grep -q '@[A-Z_]*@' "$HOOK"
fi
unexpected=$(cd "$ROOT" && find . -type f | sed 's|^\.||' | grep -vxF \
	-e "$DG_SBINDIR/driftguard" -e "$DG_UNITDIR/driftguard.service" \
	-e "$DG_COMPLETIONDIR/driftguard" -e "$DG_OCIHOOKSDIR/driftguard-trace-syscall.json" \
	$(for r in "$SOURCE_ROOT"/rules/*.yaml; do echo "-e $DG_RULESDIR/$(basename "$r")"; done) |
	grep -v "^$DG_PROFILESDIR/" || true)
check "nothing else is installed (got: ${unexpected:-nothing})" [ -z "$unexpected" ]

# The unit: what it runs is installed, every @VARIABLE@ was filled in.
if [ -f "$UNIT" ]; then
	check "unit has no unfilled @VARIABLE@" fails grep -q '@[A-Z_]*@' "$UNIT"
	exec_start=$(sed -n 's/^ExecStart=//p' "$UNIT")
	read -r exe verb _ <<<"$exec_start"
	rules=$(sed -nE 's/.*--rules ([^ ]+).*/\1/p' <<<"$exec_start")
	pidfile=$(sed -nE 's/.*--pidfile ([^ ]+).*/\1/p' <<<"$exec_start")
	check "ExecStart runs the installed binary ($exe)" [ "$exe" = "$DG_SBINDIR/driftguard" ]
	check "ExecStart runs enforce ($verb)" [ "$verb" = enforce ]
	check "ExecStart's rules $rules are the installed default.yaml" \
		cmp -s "$ROOT$rules" "$SOURCE_ROOT/rules/default.yaml"
	ok=false
	[ "$pidfile" = "$DG_PIDFILE" ] &&
		[ "$(dirname "$pidfile")" = "/run/$(sed -n 's/^RuntimeDirectory=//p' "$UNIT")" ] &&
		ok=true
	check "pid file $pidfile is in the unit's RuntimeDirectory" $ok
	check "ExecReload reloads through the same pid file" \
		grep -qxF "ExecReload=$DG_SBINDIR/driftguard reload --pidfile $pidfile" "$UNIT"
	check "Restart=on-failure" grep -qx 'Restart=on-failure' "$UNIT"

	# systemd 252's verify wants every Exec binary to exist. --root=DESTDIR
	# would look for all of them and for the targets the unit depends on
	# (sysinit.target, ...) inside DESTDIR, so the unit is checked against
	# the host instead, its binary path pointed at the DESTDIR copy; only
	# that path differs from the installed file.
	mkdir -p "$TMP/verify" "$TMP/verify-simple"
	sed "s|$DG_SBINDIR/driftguard|$ROOT$DG_SBINDIR/driftguard|g" "$UNIT" \
		>"$TMP/verify/driftguard.service"
	out=$(systemd-analyze verify --man=no "$TMP/verify/driftguard.service" 2>&1) && rc=0 || rc=$?
	ok=false
	[ "$rc" -eq 0 ] && [ -z "$out" ] && ok=true
	check "systemd-analyze verify: no error, no warning (rc $rc: ${out:-silent})" $ok
	# Type=notify where enforce can send READY=1 (built with libsystemd:
	# tests/integration/service_notify.sh); the Type=simple variant of a build
	# without it verifies too.
	check "unit has Type=$DG_SERVICE_TYPE (notify with libsystemd)" \
		grep -qx "Type=$DG_SERVICE_TYPE" "$UNIT"
	if [ "$DG_SERVICE_TYPE" = notify ]; then
		check "the installed binary links libsystemd (it sends READY=1)" \
			bash -c 'ldd "$1" | grep -q libsystemd' _ "$BIN"
	fi
	sed -E 's/^Type=(simple|notify)$/Type=simple/' "$TMP/verify/driftguard.service" \
		>"$TMP/verify-simple/driftguard.service"
	out=$(systemd-analyze verify --man=no "$TMP/verify-simple/driftguard.service" 2>&1) &&
		rc=0 || rc=$?
	ok=false
	[ "$rc" -eq 0 ] && [ -z "$out" ] && ok=true
	check "the Type=simple variant verifies too (rc $rc: ${out:-silent})" $ok
	check "the unit lets --metrics listen (AF_INET AF_INET6)" \
		grep -qx 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' "$UNIT"
	# Hardening cannot be dropped silently: 4.7 when written, 5.0 since the
	# unit lets --metrics listen (AF_INET AF_INET6).
	exposure=$(systemd-analyze security --offline=true "$TMP/verify/driftguard.service" 2>&1 |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	check "systemd-analyze security: exposure ${exposure:-unknown} is at most 5.0" \
		quietly systemd-analyze security --offline=true --threshold=50 \
		"$TMP/verify/driftguard.service"
fi

# The completion, as bash runs it with the installed binary first in PATH.
# complete WORD...: what bash offers for the last word.
complete_words() {
	PATH="$ROOT$DG_SBINDIR:$PATH" bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_driftguard; printf "%s\n" "${COMPREPLY[@]}"' _ "$ROOT$DG_COMPLETIONDIR/driftguard" "$@" |
		sort | tr '\n' ' ' | sed 's/ $//'
}
# expect_completion WANT WORD...: the offered words are exactly WANT
expect_completion() {
	local want=$1 got
	shift
	got=$(complete_words "$@")
	if [ "$got" = "$want" ]; then pass "complete '$*' -> $got"; else
		fail "complete '$*': got '$got', want '$want'"; fi
}
# expect_offered WORD WORDS...: WORD is among the offered
expect_offered() {
	local want=$1 got
	shift
	got=" $(complete_words "$@") "
	if [[ $got == *" $want "* ]]; then pass "complete '$*' offers $want"; else
		fail "complete '$*': '$want' not in '$got'"; fi
}
expect_completion "--help --version check convert dump enforce hook learn merge probe reload stop" driftguard ""
for o in --rules --backend --events --audit --pidfile --flight-recorder --event-syscalls \
	--metrics --bpf-stats; do
	expect_offered "$o" driftguard enforce --
done
for o in --output --container --duration --gate --caps --caps-format --runtime-root; do
	expect_offered "$o" driftguard learn --
done
expect_offered "--log" driftguard hook --
expect_completion "--pidfile" driftguard reload --p
expect_completion "--pidfile" driftguard stop --p
expect_offered "--timeout" driftguard stop --
expect_completion "auto lsm signal" driftguard enforce --backend ""
expect_completion "lsm" driftguard enforce --backend = l
expect_completion "k8s oci" driftguard learn --caps-format ""
expect_completion "seccomp" driftguard learn --gate s
mkdir -p "$TMP/c/rules.d"
touch "$TMP/c/r1.yaml"
expect_completion "$TMP/c/r1.yaml $TMP/c/rules.d" driftguard enforce -r "$TMP/c/r"
expect_completion "$TMP/c/rules.d" driftguard learn --runtime-root "$TMP/c/"
expect_completion "" driftguard enforce --flight-recorder ""
expect_completion "$TMP/c/r1.yaml $TMP/c/rules.d" driftguard merge "$TMP/c/r"
expect_offered "true" driftguard learn -o p.json -- tru

finish
