#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# build.sh OUTDIR - build the BPF-LSM smoke test: OUTDIR/dg-lsm-block (loader
# with the block.bpf.o skeleton embedded). vmlinux.h comes from the build
# host's BTF; CO-RE relocates the few fields used to the VM kernels.
set -euo pipefail

src=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: $0 OUTDIR}
mkdir -p "$out"

bpftool btf dump file /sys/kernel/btf/vmlinux format c >"$out/vmlinux.h"
clang -O2 -g -Wall -target bpf -D__TARGET_ARCH_x86 -I"$out" \
	-c "$src/block.bpf.c" -o "$out/block.bpf.o"
bpftool gen skeleton "$out/block.bpf.o" name block_bpf >"$out/block.skel.h"
# shellcheck disable=SC2046 # pkg-config output is a word list
cc -O2 -g -Wall -I"$out" "$src/loader.c" -o "$out/dg-lsm-block" \
	$(pkg-config --cflags --libs libbpf)
