/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A runtime state root in a temporary directory for the state harnesses:
 * <tmp>/<id>/ holds the files of one container, rewritten for each input.
 * <tmp> is in $TMPDIR, else in /dev/shm: on ext4 truncating and rewriting a
 * file each run flushes it to disk (auto_da_alloc), ten times slower.
 * The directory is removed at exit (not after a crash: it is small).
 */
#ifndef __DG_FUZZ_STATE_DIR_H
#define __DG_FUZZ_STATE_DIR_H

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define FUZZ_CONTAINER_ID "c1"

static char fuzz_root[PATH_MAX];
static char fuzz_dir[PATH_MAX];

static inline void fuzz_state_dir_remove(void)
{
	static const char *const files[] = {"state.json", "status", "config.json"};
	char file[PATH_MAX + 16];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(file, sizeof(file), "%s/%s", fuzz_dir, files[i]);
		unlink(file);
	}
	rmdir(fuzz_dir);
	rmdir(fuzz_root);
}

/* Creates <tmp>/FUZZ_CONTAINER_ID/ once; returns the state root. */
static inline const char *fuzz_state_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	struct stat st;

	if (fuzz_root[0])
		return fuzz_root;
	if (!tmp || !tmp[0])
		tmp = !stat("/dev/shm", &st) && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
	snprintf(fuzz_root, sizeof(fuzz_root), "%s/dg-fuzz-XXXXXX", tmp);
	if (!mkdtemp(fuzz_root)) {
		perror("fuzz: mkdtemp");
		abort();
	}
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/%s", fuzz_root, FUZZ_CONTAINER_ID);
	if (mkdir(fuzz_dir, 0700)) {
		perror("fuzz: mkdir");
		abort();
	}
	atexit(fuzz_state_dir_remove);
	return fuzz_root;
}

/* Writes (or with text NULL removes) one file of the container. */
static inline void fuzz_state_file(const char *name, const char *text)
{
	char file[PATH_MAX + 16];
	size_t len = text ? strlen(text) : 0;
	int fd;

	snprintf(file, sizeof(file), "%s/%s", fuzz_dir, name);
	if (!text) {
		unlink(file);
		return;
	}
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		perror("fuzz: writing the state file");
		abort();
	}
	close(fd);
}

#endif /* __DG_FUZZ_STATE_DIR_H */
