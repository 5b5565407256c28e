#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# smoke.sh [--kernel 6.12|6.1]... - self-test of the VM harness, for CI.
# Per kernel (default: both) it boots three VMs:
#   basic   bpf is an active LSM, overlay is registered and an overlay mounts
#   status  the test exits 3 and run.sh must return exactly 3
#   lsm     a real libbpf BPF-LSM program (lsm-smoke/) denies exec of a file
# and prints one summary line. Exits non-zero if anything fails; never skips.
# Kernels are fetched first (cached). VM logs go to $DG_VM_LOGDIR (default: a
# fresh /tmp dir, printed); set V=1 to also stream the consoles (stderr).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kernels=()
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernels+=("${2:?}"); shift 2 ;;
	*) echo "usage: $0 [--kernel 6.12|6.1]..." >&2; exit 2 ;;
	esac
done
[ ${#kernels[@]} -gt 0 ] || kernels=(6.12 6.1)

"$here/fetch-kernels.sh"
logdir=${DG_VM_LOGDIR:-$(mktemp -d /tmp/driftguard-vm-smoke.XXXXXX)}
mkdir -p "$logdir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Build the BPF-LSM loader; a build failure is a smoke failure.
"$here/lsm-smoke/build.sh" "$work/lsm" >"$logdir/lsm-build.log" 2>&1 || {
	cat "$logdir/lsm-build.log" >&2
	echo "smoke.sh: FAIL: lsm-smoke/build.sh failed" >&2
	exit 1
}
sed "s|@LOADER@|$work/lsm/dg-lsm-block|" "$here/lsm-smoke/vm-test.sh" >"$work/lsm.sh"

cat >"$work/basic.sh" <<'EOF'
set -e
tr , '\n' </sys/kernel/security/lsm | grep -qx bpf || { echo "bpf not in LSM list"; exit 1; }
grep -qw overlay /proc/filesystems || { echo "overlay not registered"; exit 1; }
mkdir -p /tmp/ov/lower /tmp/ov/upper /tmp/ov/work /tmp/ov/merged
echo lower >/tmp/ov/lower/f
mount -t overlay overlay -o lowerdir=/tmp/ov/lower,upperdir=/tmp/ov/upper,workdir=/tmp/ov/work /tmp/ov/merged
[ "$(cat /tmp/ov/merged/f)" = lower ]
echo upper >/tmp/ov/merged/f   # copy-up: lower stays untouched
[ "$(cat /tmp/ov/upper/f)" = upper ] && [ "$(cat /tmp/ov/lower/f)" = lower ]
umount /tmp/ov/merged
echo "basic: OK"
EOF
printf 'echo "status: exiting 3"\nexit 3\n' >"$work/status.sh"

# vm KERNEL NAME EXPECTED_RC SCRIPT [FILE...]: prints "NAME ok (Ns)" or
# "NAME FAIL(rc=X)"; returns non-zero on mismatch.
vm() {
	local k=$1 name=$2 want=$3 rc=0 t0 log="$logdir/$1-$2.log"
	shift 3
	t0=$(date +%s)
	if [ "${V:-0}" = 1 ]; then
		"$here/run.sh" --kernel "$k" --timeout 180 --log "$log" "$@" >&2 || rc=$?
	else
		"$here/run.sh" --kernel "$k" --timeout 180 --log "$log" "$@" >/dev/null 2>"$log.err" || rc=$?
	fi
	if [ "$rc" -eq "$want" ]; then
		echo "$name ok ($(($(date +%s) - t0))s)"
		return 0
	fi
	echo "$name FAIL(rc=$rc, want $want)"
	{
		echo "---- $k/$name failed (rc=$rc, want $want); log $log; tail:"
		tail -n 30 "$log" | tr -d '\r'
		[ -f "$log.err" ] && cat "$log.err"
	} >&2
	return 1
}

failed=0
for k in "${kernels[@]}"; do
	r1=$(vm "$k" basic 0 "$work/basic.sh") || failed=1
	r2=$(vm "$k" status 3 "$work/status.sh") || failed=1
	r3=$(vm "$k" lsm 0 "$work/lsm.sh" "$work/lsm/dg-lsm-block") || failed=1
	pkg=$(cut -d' ' -f1,2 "${DG_VM_CACHE:-/var/cache/driftguard-vm}/$k/PACKAGE")
	echo "smoke: kernel $k [$pkg]: $r1, $r2, $r3"
done
echo "smoke: logs in $logdir"
if [ "$failed" -ne 0 ]; then
	echo "smoke: FAIL" >&2
	exit 1
fi
echo "smoke: PASS"
