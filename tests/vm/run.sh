#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run.sh --kernel 6.12|6.1 [--timeout SECS] [--log FILE] [--append ARGS]
#        [--no-bpf-lsm] TEST_SCRIPT [FILE...]
#
# Boots TEST_SCRIPT (plus FILEs, see mkinitramfs.sh) in a QEMU TCG VM with
# BPF LSM enabled (--no-bpf-lsm: a stock kernel's lsm=, without bpf), streams
# the serial console to stdout and to a log file,
# and exits with the script's exit status. Any harness failure (no boot,
# panic/oops, timeout, missing result marker, bpf (not) an active LSM) exits
# 125 with a message naming the log, so it can't be mistaken for a test
# result or a skip. The log is kept; default under ${DG_VM_LOGDIR:-/tmp}.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kernel="" timeout=300 log="" append="" lsm=lockdown,capability,landlock,yama,bpf
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--log) log=${2:?}; shift 2 ;;
	--append) append=${2:?}; shift 2 ;;
	--no-bpf-lsm) lsm=lockdown,capability,landlock,yama; shift ;;
	--) shift; break ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
if [ -z "$kernel" ] || [ $# -lt 1 ]; then
	echo "usage: $0 --kernel 6.12|6.1 [--timeout SECS] [--log FILE] [--append ARGS] [--no-bpf-lsm] TEST_SCRIPT [FILE...]" >&2
	exit 2
fi

command -v qemu-system-x86_64 >/dev/null || {
	echo "run.sh: FAIL: qemu-system-x86_64 not found (apt-get install qemu-system-x86)" >&2
	exit 125
}
cache=${DG_VM_CACHE:-/var/cache/driftguard-vm}
if [ ! -f "$cache/$kernel/.complete" ]; then
	echo "run.sh: FAIL: kernel $kernel not in $cache; run tests/vm/fetch-kernels.sh first" >&2
	exit 125
fi
[ -n "$log" ] || log=${DG_VM_LOGDIR:-${TMPDIR:-/tmp}}/driftguard-vm-$kernel-$(date +%Y%m%d-%H%M%S)-$$.log
mkdir -p "$(dirname "$log")"
: >"$log"

fail() {
	echo "run.sh: FAIL (kernel $kernel): $* -- see $log" >&2
	exit 125
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$here/mkinitramfs.sh" --kernel "$kernel" "$work/initrd.gz" "$@" || fail "mkinitramfs.sh failed"

# Random id on the command line; /init echoes it in the result marker.
id=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
t0=$(date +%s.%N)
# KVM is not usable on this host, hence TCG. One TCG thread: with multi-
# threaded TCG, the kernel's int3-based text patching (static keys flipped
# when BPF trampolines and LSM hooks attach) raced with the other vCPU and
# oopsed the guest ("Oops: int3" in code being patched, seen in CI).
# -no-reboot + panic=-1 turns a
# panic into a prompt QEMU exit. stdin is /dev/null so QEMU leaves the
# terminal alone. timeout -k: SIGKILL if QEMU ignores SIGTERM.
set +e
timeout -k 5 "$timeout" qemu-system-x86_64 \
	-accel tcg,thread=single -cpu max -m 1024 -smp 2 \
	-nographic -no-reboot -net none \
	-kernel "$cache/$kernel/vmlinuz" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 quiet lsm=$lsm panic=-1 dg.id=$id $append" \
	</dev/null 2>&1 | tee -a "$log"
qrc=${PIPESTATUS[0]}
set -e
secs=$(echo "$(date +%s.%N) - $t0" | bc)

# Serial output has CRLF line ends, and SeaBIOS emits terminal escapes.
clean=$(tr -d '\r' <"$log" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g')
if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
	fail "timed out after ${timeout}s"
fi
grep -qE 'Kernel panic - not syncing|Oops: |BUG: |general protection fault' <<<"$clean" &&
	fail "kernel panic/oops/BUG in the guest"
grep -q 'DG-VM-INIT: ' <<<"$clean" || fail "VM did not boot to /init (qemu exit $qrc)"
grep -q '^DG-VM: insmod' <<<"$clean" && fail "a kernel module (overlay) failed to load"
active=$(sed -n 's/^DG-VM-LSM: //p' <<<"$clean" | head -n1)
[ -n "$active" ] || fail "no LSM list reported"
case ",$lsm,:,$active," in
*,bpf,*:*,bpf,*) ;;
*,bpf,*:*) fail "bpf is not an active LSM in the guest (got '$active')" ;;
*:*,bpf,*) fail "bpf is an active LSM in the guest although lsm= left it out (got '$active')" ;;
esac
result=$(grep -E "^DG-VM-RESULT: rc=[0-9]+ id=$id\$" <<<"$clean" | tail -n1 || true)
[ -n "$result" ] || fail "no result marker (qemu exit $qrc): the test or VM died before finishing"
rc=${result#DG-VM-RESULT: rc=}
rc=${rc%% *}
echo "run.sh: kernel $kernel: test exited $rc after ${secs%.*}s (log $log)" >&2
exit "$rc"
