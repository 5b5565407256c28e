/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * File helpers shared by the unit tests that write files: one scratch
 * directory per group (setup_tmpdir/teardown_tmpdir as cmocka group
 * fixtures), reading a whole file back, counting a directory's entries
 * (no temporary file left behind) and writing a text file.
 */
#ifndef __DG_TEST_FILES_H
#define __DG_TEST_FILES_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

/* The group's scratch directory, made by setup_tmpdir(). */
static char tmpdir[64];

static inline int setup_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/dg-unit-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static inline int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes the scratch directory and everything a test left in it. */
static inline int teardown_tmpdir(void **state)
{
	(void)state;
	return nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The whole file as a NUL-terminated string (free() it); fails the test if unreadable. */
static inline char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;
	FILE *out;
	int c;

	if (!f)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	while ((c = getc(f)) != EOF)
		putc(c, out);
	fclose(f);
	assert_int_equal(fclose(out), 0);
	return buf;
}

/* Entries of dir other than . and .. */
static inline int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/* Writes text to path (created 0644 or truncated); fails the test on error. */
static inline void write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

#endif /* __DG_TEST_FILES_H */
