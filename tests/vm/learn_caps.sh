#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Capability learning, in a VM with BPF-LSM active (this development kernel
# can load neither lsm/ nor fentry programs). The caps_needs workload needs
# CAP_CHOWN and CAP_NET_BIND_SERVICE. Learned under runc, the capability set
# must be exactly those two: the runtime's own privileged set-up (before it
# applies the container's sets) stays out, with noNewPrivileges true and
# false. Each capability's first syscall is reported. Then runc runs the
# workload with the learned set (and the learned seccomp profile), and fails
# with either capability removed. The fexit/cap_capable fallback is forced
# with DG_CAPS_BACKEND=fexit; a plain command that drops CAP_CHOWN itself
# shows the denied check reported apart and kept out of the set.
set -euo pipefail
DG=${DG:?} WORKLOADS=${WORKLOADS:?}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/dg-vm-caps.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The in-VM script; host paths are the same inside (mkinitramfs.sh).
cat >"$work/in-vm.sh" <<EOS
set -u
fails=0
ok() { echo "ok - \$*"; }
bad() { echo "not ok - \$*"; fails=\$((fails + 1)); }
want='["CAP_CHOWN","CAP_NET_BIND_SERVICE"]'
mkdir -p /sys/fs/cgroup /run && mount -t cgroup2 none /sys/fs/cgroup
$DG probe | grep -E '^  caps ' || true
$DG probe | grep -q '^  caps *lsm/capable' && ok "probe: caps backend lsm/capable" || bad "probe: \$($DG probe)"

b=/tmp/bundle
mkdir -p \$b/rootfs/bin
cp $WORKLOADS/caps_needs \$b/rootfs/bin/
(cd \$b && runc spec)
jq '.process.terminal = false | .process.args = ["/bin/caps_needs"] | .root.readonly = false' \
	\$b/config.json > \$b/c && mv \$b/c \$b/config.json
cp \$b/config.json /tmp/orig.json

for nnp in true false; do
	jq ".process.noNewPrivileges = \$nnp" /tmp/orig.json > \$b/config.json
	out=\$($DG learn -o /tmp/p.json --caps /tmp/caps.json -- runc run --no-pivot -b \$b c-\$nnp 2>/tmp/err)
	cat /tmp/err
	[ "\$out" = "caps ok" ] && ok "nnp=\$nnp learn: workload ran" || bad "nnp=\$nnp learn: output '\$out'"
	for set in bounding effective permitted; do
		got=\$(jq -c ".\$set" /tmp/caps.json)
		[ "\$got" = "\$want" ] && ok "nnp=\$nnp \$set = \$got" || bad "nnp=\$nnp \$set = \$got, want \$want"
	done
	[ "\$(jq -c .ambient /tmp/caps.json)" = "[]" ] && ok "nnp=\$nnp ambient empty" || bad "ambient: \$(cat /tmp/caps.json)"
	grep -q 'granted (in the set): CAP_CHOWN (fchown), CAP_NET_BIND_SERVICE (bind)' /tmp/err &&
		ok "nnp=\$nnp triggering syscalls reported" || bad "nnp=\$nnp report: \$(cat /tmp/err)"
done

# Kubernetes snippet.
jq '.process.noNewPrivileges = true' /tmp/orig.json > \$b/config.json
$DG learn -q -o /tmp/p.json --caps /tmp/k8s.json --caps-format k8s -- runc run --no-pivot -b \$b c-k8s >/dev/null
[ "\$(jq -c .securityContext.capabilities /tmp/k8s.json)" = '{"drop":["ALL"],"add":["CHOWN","NET_BIND_SERVICE"]}' ] &&
	ok "k8s: \$(jq -c . /tmp/k8s.json)" || bad "k8s: \$(cat /tmp/k8s.json)"

# Replay with the learned capability set and seccomp profile.
jq --slurpfile c /tmp/caps.json --slurpfile p /tmp/p.json \
	'.process.capabilities = \$c[0] | .linux.seccomp = \$p[0]' /tmp/orig.json > /tmp/learned.json
cp /tmp/learned.json \$b/config.json
out=\$(runc run --no-pivot -b \$b r1 2>&1); rc=\$?
[ \$rc -eq 0 ] && [ "\$out" = "caps ok" ] && ok "replay with the learned set" || bad "replay: rc=\$rc '\$out'"
for cap in CAP_CHOWN:1 CAP_NET_BIND_SERVICE:2; do
	name=\${cap%:*} want_rc=\${cap#*:}
	jq ".process.capabilities |= map_values(map(select(. != \"\$name\")))" /tmp/learned.json > \$b/config.json
	out=\$(runc run --no-pivot -b \$b r-\$want_rc 2>&1); rc=\$?
	[ \$rc -eq \$want_rc ] && ok "without \$name it fails (rc \$rc: \$out)" || bad "without \$name: rc=\$rc '\$out'"
done

# The fexit/cap_capable fallback (used where BPF-LSM is not active) under runc.
jq '.process.noNewPrivileges = false' /tmp/orig.json > \$b/config.json
DG_CAPS_BACKEND=fexit $DG learn -o /tmp/p.json --caps /tmp/fx.json -- runc run --no-pivot -b \$b c-fx >/dev/null 2>/tmp/err
[ "\$(jq -c .bounding /tmp/fx.json)" = "\$want" ] && grep -q 'seen through fexit/cap_capable;' /tmp/err &&
	ok "fexit backend: \$(jq -c .bounding /tmp/fx.json)" || bad "fexit backend: \$(cat /tmp/fx.json /tmp/err)"

# A plain command (no gate, from its first instruction) that drops CAP_CHOWN
# itself: the chown is a denied check, listed apart and kept out of the set.
for be in lsm+fexit fexit; do
	out=\$(DG_CAPS_BACKEND=\$be $DG learn -o /tmp/p2.json --caps /tmp/c2.json -- \
		$WORKLOADS/caps_needs --drop-chown /tmp/f 2>/tmp/err)
	cat /tmp/err
	[ "\$out" = "chown denied, bind ok" ] && [ "\$(jq -c .bounding /tmp/c2.json)" = '["CAP_NET_BIND_SERVICE"]' ] &&
		ok "\$be: plain command, set \$(jq -c .bounding /tmp/c2.json)" || bad "\$be: '\$out' \$(cat /tmp/c2.json)"
	grep -q 'denied (not in the set): CAP_CHOWN (fchown)\$' /tmp/err &&
		ok "\$be: denied CAP_CHOWN (fchown) reported" || bad "\$be: denial not reported"
done

# learn --caps --container: attach to a running runc container. Its config
# keeps runc's default set, which lacks CAP_CHOWN: the chown is a denied
# check of the container, the bind a granted one (--drop-chown only makes
# caps_needs go on to the bind after the refused chown).
c=/tmp/cbundle
mkdir -p \$c/rootfs/bin
cp $WORKLOADS/caps_needs /bin/busybox \$c/rootfs/bin/
ln -s busybox \$c/rootfs/bin/sh && ln -s busybox \$c/rootfs/bin/sleep
jq '.process.args = ["/bin/sh", "-c", "while [ ! -e /go ]; do sleep 0.1; done; /bin/caps_needs --drop-chown"]' \
	/tmp/orig.json > \$c/config.json
runc run --no-pivot -b \$c attach >/tmp/attach.out 2>&1 &
for i in \$(seq 50); do
	[ "\$(runc state attach 2>/dev/null | jq -r .status)" = running ] && break
	sleep 0.1
done
$DG learn -o /tmp/pa.json --caps /tmp/ca.json --container attach 2>/tmp/aerr &
lp=\$!
for i in \$(seq 50); do
	grep -q 'recording container' /tmp/aerr && break
	sleep 0.1
done
touch \$c/rootfs/go
wait \$lp; lrc=\$?
wait
cat /tmp/aerr
[ \$lrc -eq 0 ] && ok "learn --caps --container ends with the container" || bad "learn --container rc=\$lrc"
[ "\$(jq -c .bounding /tmp/ca.json)" = '["CAP_NET_BIND_SERVICE"]' ] &&
	ok "--container: set \$(jq -c .bounding /tmp/ca.json)" || bad "--container: \$(cat /tmp/ca.json)"
grep -q 'granted (in the set): CAP_NET_BIND_SERVICE (bind)\$' /tmp/aerr &&
	grep -q 'denied (not in the set): CAP_CHOWN (fchown)\$' /tmp/aerr &&
	ok "--container: granted bind, denied chown reported" || bad "--container report"
jq -e '.comment | contains("container runc:attach")' /tmp/pa.json >/dev/null &&
	ok "--container: the profile names it" || bad "--container comment: \$(jq .comment /tmp/pa.json)"

echo "VM: \$fails failed"
exit \$fails
EOS

rc=0
for k in 6.12 6.1; do
	if "$here/run.sh" --kernel "$k" --timeout 300 "$work/in-vm.sh" \
		"$DG" "$WORKLOADS/caps_needs" "$(command -v runc)" "$(command -v jq)"; then
		echo "ok - capability learning on $k"
	else
		echo "not ok - capability learning on $k"
		rc=1
	fi
done
exit $rc
