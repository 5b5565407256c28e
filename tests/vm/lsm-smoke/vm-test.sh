#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Runs inside the VM (as /test.sh, busybox sh). $LOADER is substituted by
# smoke.sh with the host path of the built dg-lsm-block.
LOADER=@LOADER@
PIN=/sys/fs/bpf/dg_block

fail() { echo "lsm-smoke: FAIL: $*"; exit 1; }

# Two identical scripts with different inodes: only "target" gets blocked.
printf '#!/bin/sh\necho ran\n' >/tmp/target
cp /tmp/target /tmp/other
chmod 755 /tmp/target /tmp/other
[ "$(/tmp/target)" = ran ] || fail "target does not run before the program is loaded"

"$LOADER" /tmp/target "$PIN" || fail "loader failed"
[ -e "$PIN" ] || fail "link not pinned"

out=$(/tmp/target 2>&1)
rc=$?
echo "lsm-smoke: exec /tmp/target -> rc=$rc: $out"
# -EPERM from the hook: busybox sh reports strerror(EPERM) and status 126.
[ "$rc" -eq 126 ] || fail "expected exit status 126, got $rc"
case $out in
*"Operation not permitted"*) ;;
*) fail "expected EPERM (Operation not permitted)" ;;
esac
[ "$(/tmp/other)" = ran ] || fail "/tmp/other (different inode) was blocked too"
echo "lsm-smoke: /tmp/other still runs"

# Unpinning drops the last link reference and detaches the program, but
# asynchronously (bpffs frees the inode after an RCU grace period): retry.
rm "$PIN"
i=0
until [ "$(/tmp/target 2>/dev/null)" = ran ]; do
	i=$((i + 1))
	[ $i -le 50 ] || fail "target still blocked 5s after unpinning"
	sleep 0.1
done
echo "lsm-smoke: PASS (blocked while attached; runs again $((i * 100))ms after unpin)"
