#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# driftguard enforce --backend lsm, for real, in a VM on each Debian kernel
# (6.12 and 6.1; this development kernel cannot load lsm/ programs). The
# "container" is what a runtime builds, minus the runtime: a new pid and
# mount namespace (the pid namespace is what makes it a container), an
# overlay (lower = a busybox image, upper on tmpfs) and a chroot into it. Every drifted execution must fail with EPERM before
# anything of it runs, and be logged as exactly one JSON event with the
# right kind, origin, upper-layer flags and a complete path; image programs,
# their normal dynamic loading and the allowlisted path must run with no
# event at all. A real runc container is recorded by enforce's flight
# recorder: its block event ends with the refused execve (EPERM).
set -euo pipefail
DG=${DG:?} WORKLOADS=${WORKLOADS:?}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/dg-vm-enforce.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The image needs hello_dyn's libraries and loader, at their own paths; the
# VM has them too, because run.sh copies hello_dyn with its ldd libraries.
libs=$(ldd "$WORKLOADS/hello_dyn" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' |
	tr '\n' ' ')
loader=$(ldd "$WORKLOADS/hello_dyn" | awk '$1 ~ /^\// {print $1}')

cat >"$work/rules.yaml" <<'EOF'
mode: enforce
exceptions:
  - name: allowed-tools
    containers: all
    path: /opt/allowed/
rules:
  - name: no-drift
    containers: all
    match:
      origin: [upper, memfd, off-rootfs]
      kind: [binary, script, mapping]
    action: block
EOF

cat >"$work/interp.yaml" <<'EOF'
mode: enforce
rules:
  - name: no-drift
    containers: all
    match:
      origin: [upper, memfd, off-rootfs]
      kind: [binary, script, mapping]
    action: block
  - name: no-interpreted-drift
    containers: all
    match: {origin: [upper, memfd, off-rootfs], kind: interpreted}
    action: block
EOF
# busybox is not in the default list (its applets would all count): listed,
# for upper and memfd files only (the VM's mount and friends are busybox too,
# and read /proc, which is off-rootfs).
sed -e '1i interpreters: [busybox, dash]' -e 's/origin: \[upper, memfd, off-rootfs\], kind: interpreted/origin: [upper, memfd], kind: interpreted/' \
	"$work/interp.yaml" >"$work/interp-busybox.yaml"

# The in-VM script; host paths are the same inside (mkinitramfs.sh).
cat >"$work/in-vm.sh" <<EOS
set -u
fails=0
ok() { echo "ok - \$*"; }
bad() { echo "not ok - \$*"; fails=\$((fails + 1)); }
W=$WORKLOADS EV=/tmp/ev.json
# Container identity (events' "container") reads the cgroup2 hierarchy.
mkdir -p /sys/fs/cgroup /run && mount -t cgroup2 none /sys/fs/cgroup

# The image: static busybox, hello_dyn and what it loads, memfd_exec.
L=/tmp/lower
mkdir -p \$L/bin \$L/dev \$L/proc \$L/mnt \$L/tmp \$L/opt/allowed /tmp/upper /tmp/ovlwork /tmp/merged
cp /bin/busybox \$W/hello_dyn \$W/memfd_exec \$W/mprotect_exec \$L/bin/
\$W/mprotect_exec -w \$L/code.bin >/dev/null # code of the image
cp $(command -v dash) \$L/bin/dash # a shell of kind interpreted's default list
printf 'echo image-script-ran\n' >\$L/img.sh
mkdir -p \$L/jail/bin && cp /bin/busybox \$L/jail/bin/ # chroot into the image: still image
/bin/busybox --install -s \$L/bin
for f in $libs; do mkdir -p \$L\$(dirname \$f) && cp \$f \$L\$f; done

# ctr CMD: run CMD with sh in a fresh "container" over the same layers.
ctr() {
	unshare -m -p -f sh -c 'mount -t overlay overlay -o lowerdir=/tmp/lower,upperdir=/tmp/upper,workdir=/tmp/ovlwork /tmp/merged &&
		mount -t proc proc /tmp/merged/proc && mount --bind /dev /tmp/merged/dev && exec chroot /tmp/merged /bin/sh -c "\$1"' ctr "\$1" 2>&1
}

# [RULES=FILE] start [--audit]: (re)start the enforcer and wait until it enforces.
dgpid=
start() {
	[ -z "\$dgpid" ] || { kill \$dgpid; wait \$dgpid; }
	: >/tmp/dg.log
	$DG enforce --backend lsm -r \${RULES:-$work/rules.yaml} --events \$EV --pidfile /tmp/dg.pid "\$@" \
		2>/tmp/dg.log &
	dgpid=\$!
	for i in \$(seq 100); do
		grep -qE 'enforcing|auditing' /tmp/dg.log && break
		kill -0 \$dgpid 2>/dev/null || break
		sleep 0.1
	done
	if grep -qE 'enforcing|auditing' /tmp/dg.log; then
		ok "driftguard enforce \$* started: \$(grep backend: /tmp/dg.log)"
	else
		bad "driftguard enforce \$* did not start"
		cat /tmp/dg.log
		# Again with -v: the verifier's log, its end says why.
		$DG enforce -v --backend lsm -r $work/rules.yaml --events /dev/null \
			--pidfile /tmp/dg.pid "\$@" 2>&1 | grep -v '^driftguard: libbpf: *\$' | tail -n 60
		exit 1
	fi
}

# Events are read from the ring buffer every 200 ms.
seen=0
settle() {
	for i in \$(seq 30); do
		[ \$(wc -l <\$EV) -gt \$seen ] && break
		sleep 0.1
	done
	sleep 0.4 # a second event would be a duplicate: give it time to show
}
new_events() { tail -n +\$((seen + 1)) \$EV; }
# expect_event DESC JQ: exactly one new event, and JQ holds for it.
expect_event() {
	settle
	if [ \$(new_events | wc -l) -eq 1 ] && new_events | jq -e "\$2" >/dev/null; then
		ok "\$1: event"
	else
		bad "\$1: want one event with \$2, got: \$(new_events)"
	fi
	seen=\$(wc -l <\$EV)
}
expect_no_event() {
	settle
	[ \$(new_events | wc -l) -eq 0 ] && ok "\$1: no event" || bad "\$1: unexpected events: \$(new_events)"
	seen=\$(wc -l <\$EV)
}
# expect_eperm DESC OUTPUT: the shell could not exec: EPERM, status 126.
expect_eperm() {
	case "\$2" in
	*"Operation not permitted"*"rc=126") ok "\$1: refused with EPERM" ;;
	*) bad "\$1: not refused with EPERM: \$2" ;;
	esac
}
# Common fields of a block by the LSM backend, path complete.
B='.action == "block" and .backend == "lsm" and .rule == "no-drift" and .path_complete'
up='(.origin | index("upper") != null)'

start

out=\$(ctr '/bin/hello_dyn; echo rc=\$?')
[ "\$out" = "\$(printf 'hello\nrc=0')" ] && ok "image binary runs" || bad "image binary: \$out"
out=\$(ctr 'ls / >/dev/null; echo rc=\$?')
[ "\$out" = rc=0 ] && ok "image busybox runs" || bad "image busybox: \$out"
expect_no_event "image binaries, their libraries and the container setup"

out=\$(ctr 'cp /bin/hello_dyn /up_hello && /up_hello; echo rc=\$?')
expect_eperm "upper binary" "\$out"
expect_event "upper binary" "\$B"' and .kind == "binary" and '"\$up"' and .fupper_layer and .eupper_layer and .path == "/up_hello"'

out=\$(ctr 'printf "#!/bin/sh\necho script ran\n" >/script.sh && chmod +x /script.sh && cd / && ./script.sh; echo rc=\$?')
expect_eperm "upper script" "\$out"
expect_event "upper script" "\$B"' and .kind == "script" and '"\$up"' and .fupper_layer and (.eupper_layer | not) and .path == "/script.sh"'

out=\$(ctr '/bin/memfd_exec /bin/hello_dyn; echo rc=\$?')
expect_eperm "memfd exec" "\$out"
expect_event "memfd exec" "\$B"' and .kind == "binary" and (.origin | index("memfd") != null) and (.fupper_layer | not) and .path == "/memfd:dg-test (deleted)"'

out=\$(ctr 'exec 3</up_hello && /proc/self/fd/3; echo rc=\$?')
expect_eperm "exec via /proc/self/fd of an upper file" "\$out"
expect_event "exec via /proc/self/fd" "\$B"' and .kind == "binary" and '"\$up"' and .fupper_layer and .path == "/up_hello"'

out=\$(ctr '$loader /up_hello; echo rc=\$?')
case "\$out" in
*"failed to map segment"*rc=127) ok "ld.so /up_hello: mapping refused" ;;
*) bad "ld.so /up_hello: \$out" ;;
esac
expect_event "ld.so /up_hello" "\$B"' and .kind == "mapping" and '"\$up"' and .fupper_layer and .path == "/up_hello"'

out=\$(ctr '$loader /bin/hello_dyn; echo rc=\$?')
[ "\$out" = "\$(printf 'hello\nrc=0')" ] && ok "ld.so of an image binary runs" || bad "ld.so image binary: \$out"
expect_no_event "ld.so of an image binary"

out=\$(ctr 'cat >/up.so && LD_PRELOAD=/up.so /bin/hello_dyn; echo rc=\$?' <\$W/preload.so)
case "\$out" in
*"cannot be preloaded"*hello*rc=0) case "\$out" in *"preload loaded"*) bad "LD_PRELOAD ran: \$out" ;; *) ok "LD_PRELOAD of an upper library refused" ;; esac ;;
*) bad "LD_PRELOAD: \$out" ;;
esac
expect_event "LD_PRELOAD" "\$B"' and .kind == "mapping" and '"\$up"' and .path == "/up.so"'

# mprotect(PROT_EXEC) of a file mapped without it: an image file's runs
# (overlayfs maps the layer's file: judged as the overlay file), a drifted
# file's is refused.
out=\$(ctr '/bin/mprotect_exec /code.bin; /bin/mprotect_exec -p /code.bin; echo rc=\$?')
[ "\$out" = "\$(printf 'code ran: 42\ncode ran: 42\nrc=0')" ] && ok "mprotect(PROT_EXEC) of an image file runs" || bad "mprotect of an image file: \$out"
expect_no_event "mprotect(PROT_EXEC) of an image file"
MP='.kind == "mapping" and .hook == "lsm/file_mprotect"'
out=\$(ctr '/bin/mprotect_exec -w /up.bin; echo rc=\$?')
expect_eperm "mprotect(PROT_EXEC) of an upper file" "\$out"
expect_event "mprotect of an upper file" "\$B and \$MP"' and '"\$up"' and .path == "/up.bin"'
out=\$(ctr '/bin/mprotect_exec -p /up.bin; echo rc=\$?')
expect_eperm "pkey_mprotect(PROT_EXEC) of an upper file" "\$out"
expect_event "pkey_mprotect of an upper file" "\$B and \$MP"' and '"\$up"' and .path == "/up.bin"'
out=\$(ctr '/bin/mprotect_exec -m /code.bin; echo rc=\$?')
expect_eperm "mprotect(PROT_EXEC) of a memfd" "\$out"
expect_event "mprotect of a memfd" "\$B and \$MP"' and (.origin | index("memfd") != null)'

# kind interpreted (opt-in): a listed interpreter's read of an upper script
# fails with EPERM (its open); an image script read the same way runs (on
# 6.12 overlayfs opens the layer's file too: not judged, the overlay file
# was); without the opt-in the test's rules let it run.
RULES=$work/interp.yaml
start
seen=\$(wc -l <\$EV)
out=\$(ctr 'printf "echo interp-ran\n" >/s1.sh && dash /s1.sh; echo rc=\$?')
case "\$out" in
*interp-ran*|*rc=0) bad "interpreted: dash ran an upper script: \$out" ;;
*) ok "interpreted: dash reading an upper script refused (\$(echo \$out))" ;;
esac
IN='.action == "block" and .backend == "lsm" and .kind == "interpreted" and .hook == "lsm/file_open" and .rule == "no-interpreted-drift"'
expect_event "interpreted: dash" "\$IN"' and '"\$up"' and .path == "/s1.sh" and .comm == "dash" and .path_complete'
out=\$(ctr 'dash /img.sh; sh /img.sh; /bin/hello_dyn; echo rc=\$?')
[ "\$out" = "\$(printf 'image-script-ran\nimage-script-ran\nhello\nrc=0')" ] && ok "interpreted: image scripts and programs run" || bad "interpreted: image: \$out"
expect_no_event "interpreted: image scripts"
RULES=$work/interp-busybox.yaml
start
seen=\$(wc -l <\$EV)
out=\$(ctr 'printf "echo interp-ran\n" >/s2.sh && sh /s2.sh; echo rc=\$?')
case "\$out" in
*interp-ran*) bad "interpreted: sh ran an upper script: \$out" ;;
*"Operation not permitted"*) case "\$out" in *rc=0) bad "interpreted: sh: \$out" ;; *) ok "interpreted: sh /upper/script.sh refused with EPERM" ;; esac ;;
*) bad "interpreted: sh /upper/script.sh: \$out" ;;
esac
expect_event "interpreted: sh" "\$IN"' and '"\$up"' and .path == "/s2.sh"'
RULES=
start
seen=\$(wc -l <\$EV)
out=\$(ctr 'sh /s2.sh; dash /s1.sh; echo rc=\$?')
[ "\$out" = "\$(printf 'interp-ran\ninterp-ran\nrc=0')" ] && ok "interpreted: without the opt-in upper scripts read by sh run" || bad "interpreted off: \$out"
expect_no_event "interpreted: without the opt-in"

out=\$(ctr 'ln /up_hello /up_hard && /up_hard; echo rc=\$?')
expect_eperm "hardlink to an upper file" "\$out"
expect_event "hardlink" "\$B"' and .kind == "binary" and '"\$up"' and .path == "/up_hard"'

out=\$(ctr 'ln -s /up_hello /up_sym && /up_sym; echo rc=\$?')
expect_eperm "symlink to an upper file" "\$out"
expect_event "symlink" "\$B"' and .kind == "binary" and '"\$up"' and .path == "/up_hello"'

out=\$(ctr 'mount -t tmpfs tmpfs /mnt && cp /bin/hello_dyn /mnt/h && /mnt/h; echo rc=\$?')
expect_eperm "exec from a tmpfs in the container" "\$out"
expect_event "tmpfs" "\$B"' and .kind == "binary" and (.origin == ["off-rootfs"]) and (.fupper_layer | not) and (.eupper_layer | not) and .path == "/mnt/h"'

# 40 components (more than the dentry walk's 32), 87 bytes: d_path (6.12+)
# gives all of it, the walk a partial path; both still block.
deep=\$(printf '/d%.0s' \$(seq 40))
if grep -q bpf_path_d_path /sys/kernel/btf/vmlinux; then full=true; else full=false; fi
out=\$(ctr "mkdir -p \$deep && cp /bin/hello_dyn \$deep/h && \$deep/h; echo rc=\\\$?")
expect_eperm "deep upper path" "\$out"
expect_event "deep path (complete: \$full)" '.action == "block" and .kind == "binary" and .path_complete == '\$full' and (.path | endswith("/d/h"))'

out=\$(ctr 'cp /bin/hello_dyn /opt/allowed/tool && /opt/allowed/tool; echo rc=\$?')
[ "\$out" = "\$(printf 'hello\nrc=0')" ] && ok "allowlisted upper binary runs" || bad "exception: \$out"
expect_no_event "allowlisted upper binary"

# A runc container on an overlay: enforce finds it (its state directory) and
# records it, so the block event carries its last syscalls, ending with the
# refused execve and its EPERM. The container waits before it drifts: what it
# does before enforce has found it is not in its ring (flight_watch.h), and
# under TCG finding it can take longer than the cp (the tail was short, or
# lacked the cp's writes, now and then on 6.1).
rb=/tmp/rbundle
mkdir -p \$rb/rootfs /tmp/rupper /tmp/rwork
mount -t overlay overlay -o lowerdir=/tmp/lower,upperdir=/tmp/rupper,workdir=/tmp/rwork \$rb/rootfs
(cd \$rb && runc spec)
jq '.process.terminal = false | .root.readonly = false |
	.process.args = ["/bin/sh", "-c", "sleep 2; cp /bin/hello_dyn /rh && /rh; echo rc=\$?"]' \
	\$rb/config.json >\$rb/c && mv \$rb/c \$rb/config.json
out=\$(runc run --no-pivot -b \$rb r1 2>&1)
# Only the status: runc copies the container's stdout and stderr apart, so
# the shell's message comes before or after rc=, or after runc exits (both
# seen); that the exec failed with EPERM is in the event's tail below.
case "\$out" in
*rc=126*) ok "runc container: upper binary refused (126)" ;;
*) bad "runc container: upper binary not refused: \$out" ;;
esac
expect_event "runc container: its last syscalls end with the refused execve" "\$B"' and
	.container.runtime == "runc" and .container.id == "r1" and .path == "/rh" and
	(.syscalls | length) == 32 and
	(.tid as \$t | [.syscalls[] | select(.tid == \$t)] | last |
	 .name == "execve" and .errno == "EPERM") and
	([.syscalls[].name] | index("sendfile") != null or index("write") != null)'

# chroot in a runc container onto a tmpfs (/dev; runc mounts /dev/shm noexec)
# does not make what is there image: off-rootfs is decided against the root
# of the container's init. (runc --no-pivot chroots, and a chrooted task may
# not create a user namespace: unshare -Ur is tested on the host's kernel.)
cat >\$rb/rootfs/esc.sh <<'ESC'
mkdir -p /dev/r && cp /bin/busybox /dev/r/echo
chroot /dev/r /echo chroot-ran; echo "chroot rc=\$?"
ESC
jq '(.process.capabilities | .bounding, .effective, .permitted) += ["CAP_SYS_CHROOT"] |
	.process.args = ["/bin/sh", "/esc.sh"]' \$rb/config.json >\$rb/c && mv \$rb/c \$rb/config.json
out=\$(runc run --no-pivot -b \$rb r2 2>&1)
case "\$out" in
*chroot-ran*) bad "runc container: chroot into a tmpfs ran: \$out" ;;
*"chroot rc=126"*) ok "runc container: chroot into a tmpfs refused (126)" ;;
*) bad "runc container: chroot into a tmpfs not refused: \$out" ;;
esac
expect_event "chroot into a tmpfs" "\$B"' and .kind == "binary" and .container.id == "r2" and
	(.origin | index("off-rootfs") != null) and (.path | endswith("/echo"))'
printf 'chroot /jail /bin/busybox echo jail-ok; echo "jail rc=\$?"\n' >\$rb/rootfs/esc.sh
out=\$(runc run --no-pivot -b \$rb r3 2>&1)
case "\$out" in
*jail-ok*"jail rc=0"*) ok "runc container: chroot into a directory of the image runs" ;;
*) bad "runc container: chroot into the image: \$out" ;;
esac
expect_no_event "chroot into a directory of the image"

# The runtime's self-copy on BPF-LSM: a rule that covers the host too
# (off-rootfs binaries anywhere). A read-only bind mount of a single file is
# a mount whose root is that file, off every root, as runc 1.1's detached
# bind mount of its own binary is (runc here takes its memfd fallback
# instead, another inode, which gets no pass: README). The shell runs
# /bin/busybox: an exec of that inode through the bind mount is judged as the
# file it runs and passes; another binary bind-mounted the same way is
# refused.
cat >/tmp/any.yaml <<'ANY'
mode: enforce
rules:
  - name: off-rootfs-anywhere
    containers: any
    match: {origin: [off-rootfs], kind: [binary]}
    action: block
ANY
RULES=/tmp/any.yaml
start
RULES=
seen=\$(wc -l <\$EV)
# (named echo: busybox picks its applet by that name)
mkdir -p /tmp/self && : >/tmp/self/echo && : >/tmp/otherhd
mount --bind /bin/busybox /tmp/self/echo && mount -o remount,bind,ro /tmp/self/echo
mount --bind \$W/hello_dyn /tmp/otherhd && mount -o remount,bind,ro /tmp/otherhd
out=\$(/tmp/self/echo self-ran 2>&1; echo rc=\$?)
[ "\$out" = "\$(printf 'self-ran\nrc=0')" ] && ok "self-copy: the running busybox through a bind mount runs" || bad "self-copy: \$out"
expect_no_event "self-copy"
out=\$(/tmp/otherhd 2>&1; echo rc=\$?)
expect_eperm "another binary through a bind mount" "\$out"
expect_event "another binary through a bind mount, no pass" '.action == "block" and
	.backend == "lsm" and .path == "/tmp/otherhd" and .origin == ["off-rootfs"] and
	(.self_exec | not) and .container.runtime == "host"'
umount /tmp/self/echo /tmp/otherhd
umount \$rb/rootfs

# Enforcement outlives the daemon: the test's own rules again (the ones
# above cover off-rootfs binaries only); after kill -9 the pinned links keep
# refusing; a restart adopts them and reads the decision that queued
# meanwhile; driftguard stop ends it all.
start
kill -9 \$dgpid
wait \$dgpid 2>/dev/null
dgpid=
ls /sys/fs/bpf/driftguard/enforce/*/link_dg_bprm_check >/dev/null 2>&1 &&
	ok "kill -9: the links stay pinned" || bad "kill -9: nothing pinned: \$(ls -R /sys/fs/bpf 2>&1)"
out=\$(ctr '/up_hello; echo rc=\$?')
expect_eperm "after kill -9 of enforce: upper binary still refused" "\$out"
expect_no_event "after kill -9 (no daemon reads the ring)"
start
grep -q "^driftguard: adopted the enforcement .* left pinned: the lsm backend" /tmp/dg.log &&
	ok "the restart adopts the pinned enforcement" || bad "no adoption: \$(cat /tmp/dg.log)"
grep -q "^driftguard: 1 decisions that had queued while no daemon ran were read" /tmp/dg.log &&
	ok "the restart reads the decision that queued" || bad "queued: \$(grep queued /tmp/dg.log)"
expect_event "the decision taken while no daemon ran" "\$B"' and .kind == "binary" and .path == "/up_hello"'
$DG stop --pidfile /tmp/dg.pid >/tmp/stop.out 2>&1
grep -q "^stopped driftguard enforce (pid \$dgpid)" /tmp/stop.out && ok "driftguard stop" || bad "stop: \$(cat /tmp/stop.out)"
wait \$dgpid 2>/dev/null
dgpid=
ls -d /sys/fs/bpf/driftguard/enforce/*/ >/dev/null 2>&1 && bad "stop left pins: \$(ls -R /sys/fs/bpf)" || ok "stop: nothing pinned"
out=\$(ctr '/up_hello; echo rc=\$?')
[ "\$out" = "\$(printf 'hello\nrc=0')" ] && ok "after stop the upper binary runs" || bad "after stop: \$out"
expect_no_event "after stop"

start --audit
out=\$(ctr '/up_hello; echo rc=\$?')
[ "\$out" = "\$(printf 'hello\nrc=0')" ] && ok "audit: upper binary runs" || bad "audit: \$out"
expect_event "audit" '.action == "audit" and .backend == "lsm" and .kind == "binary" and .path == "/up_hello" and .path_complete'

kill \$dgpid && wait \$dgpid
grep -q 'stopped: 0 blocked, 1 audited' /tmp/dg.log && ok "audit run counted" || bad "audit summary: \$(tail -n1 /tmp/dg.log)"
echo "VM: \$fails failed"
exit \$fails
EOS

rc=0
for k in ${DG_VM_KERNELS:-6.12 6.1}; do
	t0=$(date +%s)
	if "$here/run.sh" --kernel "$k" --timeout 240 "$work/in-vm.sh" "$work/rules.yaml" \
		"$DG" "$WORKLOADS/memfd_exec" "$WORKLOADS/hello_dyn" "$WORKLOADS/preload.so" \
		"$WORKLOADS/mprotect_exec" "$work/interp.yaml" "$work/interp-busybox.yaml" \
		"$(command -v dash)" "$(command -v jq)" "$(command -v runc)"; then
		echo "ok - driftguard enforce --backend lsm on $k ($(($(date +%s) - t0)) s)"
	else
		echo "not ok - driftguard enforce --backend lsm on $k"
		rc=1
	fi
done
exit $rc
