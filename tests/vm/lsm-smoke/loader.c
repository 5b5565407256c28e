// SPDX-License-Identifier: GPL-2.0-only
/*
 * dg-lsm-block TARGET PIN_PATH: load block.bpf.o (libbpf skeleton), tell it
 * TARGET's inode number, attach it and pin the LSM link at PIN_PATH (on bpffs)
 * so exec of TARGET stays denied after this process exits. Remove PIN_PATH
 * to detach.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
#include "block.skel.h"

int main(int argc, char **argv)
{
	struct block_bpf *skel;
	struct stat st;
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: %s TARGET PIN_PATH\n", argv[0]);
		return 2;
	}
	if (stat(argv[1], &st)) {
		perror(argv[1]);
		return 1;
	}

	skel = block_bpf__open();
	if (!skel) {
		fprintf(stderr, "dg-lsm-block: open failed\n");
		return 1;
	}
	skel->rodata->target_ino = st.st_ino;

	err = block_bpf__load(skel);
	if (!err)
		err = block_bpf__attach(skel);
	if (!err)
		err = bpf_link__pin(skel->links.dg_block_exec, argv[2]);
	if (err) {
		fprintf(stderr, "dg-lsm-block: load/attach/pin failed: %s\n", strerror(-err));
		block_bpf__destroy(skel);
		return 1;
	}
	printf("dg-lsm-block: exec of %s (ino %llu) denied; link pinned at %s\n", argv[1],
	       (unsigned long long)st.st_ino, argv[2]);
	/* Closes our fds only; the pinned link keeps the program attached. */
	block_bpf__destroy(skel);
	return 0;
}
