// SPDX-License-Identifier: GPL-2.0-only
/* Writing generated text to what an output path names (text_file.h). */
#include "generator/text_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/errors.h"

/* What an output path names, and so how it is written. */
enum output_kind {
	OUTPUT_FD,     /* a descriptor of ours: written as is */
	OUTPUT_STREAM, /* a character device or a FIFO: opened and written through */
	OUTPUT_FILE,   /* nothing yet or a regular file: replaced atomically */
};

struct output {
	enum output_kind kind;
	int fd; /* OUTPUT_FD */
};

/* The descriptor a path names ("-", /dev/stdout, /dev/fd/N, ...), or -1. */
static int path_fd(const char *path)
{
	static const char *const dirs[] = {"/dev/fd/", "/proc/self/fd/"};
	const char *num = NULL;
	char *end;
	long n;

	if (!strcmp(path, "-") || !strcmp(path, "/dev/stdout"))
		return STDOUT_FILENO;
	if (!strcmp(path, "/dev/stderr"))
		return STDERR_FILENO;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && !num; i++)
		if (!strncmp(path, dirs[i], strlen(dirs[i])))
			num = path + strlen(dirs[i]);
	if (!num || *num < '0' || *num > '9')
		return -1;
	errno = 0;
	n = strtol(num, &end, 10);
	if (*end || errno || n > INT_MAX)
		return -1;
	return (int)n;
}

static const char *fd_name(const char *path)
{
	return strcmp(path, "-") ? path : "standard output";
}

static int refuse_link(const char *path)
{
	char target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	if (n < 0)
		n = 0;
	target[n] = '\0';
	return dg_err(ELOOP,
		      "%s: is a symbolic link (to %s); give the path of what it points to: "
		      "driftguard does not write through links, which as root could redirect the "
		      "write onto any file",
		      path, n ? target : "?");
}

static int classify(const char *path, struct output *o)
{
	struct stat st;

	o->fd = path_fd(path);
	if (o->fd >= 0) {
		o->kind = OUTPUT_FD;
		return 0;
	}
	if (lstat(path, &st) < 0) {
		if (errno != ENOENT)
			return dg_err(errno, "%s: %s", path, strerror(errno));
		o->kind = OUTPUT_FILE; /* a new file; its directory is checked later */
		return 0;
	}
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		o->kind = OUTPUT_FILE;
		return 0;
	case S_IFCHR:
	case S_IFIFO:
		o->kind = OUTPUT_STREAM;
		return 0;
	case S_IFLNK:
		return refuse_link(path);
	case S_IFDIR:
		return dg_err(
			EISDIR,
			"%s: is a directory; give the path of a file (a new one, or a regular "
			"file to replace)",
			path);
	case S_IFSOCK:
		return dg_err(ENXIO,
			      "%s: is a socket; driftguard writes to a file, a character device "
			      "(/dev/null, a terminal) or a FIFO",
			      path);
	default:
		return dg_err(EINVAL,
			      "%s: is a block device; driftguard writes to a file, a character "
			      "device (/dev/null, a terminal) or a FIFO",
			      path);
	}
}

/* ---- checking before the work ------------------------------------------------------------- */

int dg_output_check(const char *path)
{
	_cleanup_free_ char *copy = NULL;
	struct output o;
	const char *dir;
	int rc = classify(path, &o), flags;

	if (rc < 0)
		return rc;
	switch (o.kind) {
	case OUTPUT_FD:
		flags = fcntl(o.fd, F_GETFL);
		if (flags < 0)
			return dg_err(EBADF, "%s: descriptor %d is not open", fd_name(path), o.fd);
		if ((flags & O_ACCMODE) == O_RDONLY)
			return dg_err(EBADF, "%s: descriptor %d is open for reading only",
				      fd_name(path), o.fd);
		return 0;
	case OUTPUT_STREAM:
		if (faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) < 0)
			return dg_err(errno, "%s: cannot write to it: %s", path, strerror(errno));
		return 0;
	case OUTPUT_FILE:
		break;
	}
	/* A new file or a replacement is created in the directory, then renamed. */
	copy = strdup(path);
	if (!copy)
		return dg_err(ENOMEM, "out of memory");
	dir = dirname(copy);
	if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) < 0)
		return dg_err(errno, "%s: cannot create a file in %s: %s", path, dir,
			      strerror(errno));
	return 0;
}

/* ---- writing ------------------------------------------------------------------------------ */

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

static int write_fd(const char *text, const char *path, int fd)
{
	int rc;

	if (fd == STDOUT_FILENO)
		fflush(stdout);
	else if (fd == STDERR_FILENO)
		fflush(stderr);
	rc = write_all(fd, text, strlen(text));
	if (rc < 0 && fd == STDOUT_FILENO && !strcmp(path, "-"))
		return dg_err(-rc, "cannot write to standard output: %s", strerror(-rc));
	if (rc < 0)
		return dg_err(-rc, "%s: cannot write to descriptor %d: %s", path, fd,
			      strerror(-rc));
	return 0;
}

/* A device or FIFO: written through; O_NOFOLLOW and fstat catch a swap since classify(). */
static int write_stream(const char *text, const char *path)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	int rc;

	if (fd < 0)
		return dg_err(errno, "%s: cannot open it for writing: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		return dg_err(errno, "%s: fstat: %s", path, strerror(errno));
	if (!S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode))
		return dg_err(EAGAIN, "%s: was replaced while being written; run again", path);
	rc = write_all(fd, text, strlen(text));
	if (rc < 0)
		return dg_err(-rc, "%s: cannot write: %s", path, strerror(-rc));
	if (close(TAKE_FD(fd)) < 0)
		return dg_err(errno, "%s: close: %s", path, strerror(errno));
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

static int replace_file(const char *text, const char *path)
{
	_cleanup_(unlink_freep) char *tmp = NULL;
	_cleanup_free_ char *dcopy = NULL, *bcopy = NULL;
	_cleanup_close_ int fd = -1, dfd = -1;
	const char *dir, *base;
	int rc;

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

static int write_output(const char *text, const char *path, const struct output *o)
{
	switch (o->kind) {
	case OUTPUT_FD:
		return write_fd(text, path, o->fd);
	case OUTPUT_STREAM:
		return write_stream(text, path);
	case OUTPUT_FILE:
		break;
	}
	return replace_file(text, path);
}

int dg_write_text_file(const char *text, const char *path)
{
	struct output o;
	int rc = classify(path, &o);

	return rc < 0 ? rc : write_output(text, path, &o);
}

int dg_write_text_file_beside(const char *text, const char *path, char **written)
{
	_cleanup_free_ char *target = NULL;
	struct output o;
	int rc;

	*written = NULL;
	rc = classify(path, &o);
	if (rc < 0)
		return rc;
	if (o.kind == OUTPUT_FILE) {
		if (asprintf(&target, "%s" DG_PARTIAL_SUFFIX, path) < 0) {
			target = NULL;
			return dg_err(ENOMEM, "out of memory");
		}
		rc = classify(target, &o); /* PATH.partial may be anything too */
	} else {
		target = strdup(path);
		if (!target)
			return dg_err(ENOMEM, "out of memory");
	}
	if (rc == 0)
		rc = write_output(text, target, &o);
	if (rc < 0)
		return rc;
	*written = TAKE_PTR(target);
	return 0;
}
