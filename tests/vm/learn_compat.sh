#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Learning a 32-bit compat syscall (int 0x80 from a 64-bit program), in a VM:
# this development kernel runs with IA-32 emulation turned off, the Debian
# kernels have it on. The learned profile must name i386's syscall 20
# "getpid" (x86-64's 20 is writev) and list SCMP_ARCH_X86; then runc runs the
# workload under that profile with the same output, and without the X86
# architecture the compat syscall is refused.
set -euo pipefail
DG=${DG:?} WORKLOADS=${WORKLOADS:?}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/dg-vm-compat.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The in-VM script; host paths are the same inside (mkinitramfs.sh).
cat >"$work/in-vm.sh" <<EOS
set -u
fails=0
ok() { echo "ok - \$*"; }
bad() { echo "not ok - \$*"; fails=\$((fails + 1)); }
mkdir -p /sys/fs/cgroup /run && mount -t cgroup2 none /sys/fs/cgroup
b=/tmp/bundle
mkdir -p \$b/rootfs/bin
cp /bin/busybox $WORKLOADS/compat32 \$b/rootfs/bin/
(cd \$b && runc spec)
jq '.process.terminal = false | .process.args = ["/bin/compat32"] | .root.readonly = false' \
	\$b/config.json > \$b/c && mv \$b/c \$b/config.json
out=\$($DG learn -q -o /tmp/p.json -- runc run --no-pivot -b \$b c1)
[ "\$out" = "compat getpid ok" ] && ok "learn: workload ran (\$out)" || bad "learn: workload output '\$out'"
jq -e '.architectures | index("SCMP_ARCH_X86")' /tmp/p.json >/dev/null && ok "SCMP_ARCH_X86 listed" || bad "no SCMP_ARCH_X86: \$(cat /tmp/p.json)"
jq -e '[.syscalls[] | select(.action == "SCMP_ACT_ALLOW") | .names[]] | index("getpid")' /tmp/p.json >/dev/null && ok "i386 20 named getpid" || bad "getpid missing"
jq -e '[.syscalls[] | select(.action == "SCMP_ACT_ALLOW") | .names[]] | index("writev") | not' /tmp/p.json >/dev/null && ok "not misnamed writev" || bad "writev present"
jq --slurpfile p /tmp/p.json '.linux.seccomp = \$p[0]' \$b/config.json > \$b/c && cp \$b/c \$b/config.json
out=\$(runc run --no-pivot -b \$b c2 2>&1)
[ "\$out" = "compat getpid ok" ] && ok "replay under the learned profile (\$out)" || bad "replay: '\$out'"
jq '.linux.seccomp.architectures -= ["SCMP_ARCH_X86"]' \$b/c > \$b/config.json
out=\$(runc run --no-pivot -b \$b c3 2>&1)
[ "\$out" != "compat getpid ok" ] && ok "without SCMP_ARCH_X86 the compat syscall is refused (\$out)" || bad "ran without X86 arch"
echo "VM: \$fails failed"
exit \$fails
EOS

rc=0
for k in 6.12 6.1; do
	if "$here/run.sh" --kernel "$k" --timeout 240 "$work/in-vm.sh" \
		"$DG" "$WORKLOADS/compat32" "$(command -v runc)" "$(command -v jq)"; then
		echo "ok - compat learning on $k"
	else
		echo "not ok - compat learning on $k"
		rc=1
	fi
done
exit $rc
