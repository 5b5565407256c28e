// SPDX-License-Identifier: GPL-2.0-only
#include "generator/text_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/errors.h"

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Unlinks the temporary file unless ownership was taken after the rename. */
static void unlink_freep(char **path)
{
	if (*path) {
		unlink(*path);
		free(*path);
	}
}

int dg_write_text_file(const char *text, const char *path)
{
	_cleanup_(unlink_freep) char *tmp = NULL;
	_cleanup_free_ char *dcopy = NULL, *bcopy = NULL;
	_cleanup_close_ int fd = -1, dfd = -1;
	const char *dir, *base;
	int rc;

	if (!strcmp(path, "-")) {
		fflush(stdout);
		rc = write_all(STDOUT_FILENO, text, strlen(text));
		if (rc < 0)
			return dg_err(-rc, "cannot write to standard output: %s", strerror(-rc));
		return 0;
	}
	dcopy = strdup(path);
	bcopy = strdup(path);
	if (!dcopy || !bcopy)
		return dg_err(ENOMEM, "out of memory");
	dir = dirname(dcopy);
	base = basename(bcopy);
	if (asprintf(&tmp, "%s/.%s.XXXXXX", dir, base) < 0) {
		tmp = NULL;
		return dg_err(ENOMEM, "out of memory");
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = errno;
		free(TAKE_PTR(tmp));
		return dg_err(rc, "%s: cannot create a temporary file in %s: %s", path, dir,
			      strerror(rc));
	}
	if (fchmod(fd, 0644) < 0)
		return dg_err(errno, "%s: chmod: %s", tmp, strerror(errno));
	rc = write_all(fd, text, strlen(text));
	if (rc < 0)
		return dg_err(-rc, "%s: cannot write: %s", tmp, strerror(-rc));
	if (fsync(fd) < 0)
		return dg_err(errno, "%s: fsync: %s", tmp, strerror(errno));
	if (close(TAKE_FD(fd)) < 0)
		return dg_err(errno, "%s: close: %s", tmp, strerror(errno));
	if (rename(tmp, path) < 0)
		return dg_err(errno, "%s: cannot replace it: %s", path, strerror(errno));
	free(TAKE_PTR(tmp));
	/* Make the rename durable; the file is complete either way. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		(void)fsync(dfd);
	return 0;
}
