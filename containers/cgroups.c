// SPDX-License-Identifier: GPL-2.0-only
/* The cgroup v2 tree (see cgroups.h). */
#include "containers/cgroups.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/errors.h"
#include "containers/procfs.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* Deeper trees are not walked: a loop guard, far beyond what systemd or kubelet make. */
#define MAX_CGROUP_DEPTH 128

static bool is_cgroup2(const char *dir)
{
	struct statfs sfs;

	return !statfs(dir, &sfs) && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

/* A bind mount of a sub-tree (root not "/") names cgroups differently. */
static bool is_cgroup2_root(const struct dg_mount *m, void *ctx)
{
	(void)ctx;
	return !strcmp(m->fstype, "cgroup2") && !strcmp(m->root, "/");
}

int dg_cgroup2_root(char *buf, size_t len)
{
	static const char *const usual[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};
	struct dg_mount m;
	int rc;

	rc = dg_mountinfo_find(is_cgroup2_root, NULL, &m);
	if (!rc) {
		if ((size_t)snprintf(buf, len, "%s", m.mount_point) >= len)
			return dg_err(ENAMETOOLONG, "cgroup2 mount point %s is too long",
				      m.mount_point);
		return 0;
	}
	dg_err_clear();
	/* No mountinfo (a chroot without /proc): try where cgroup2 usually is. */
	for (size_t i = 0; i < 2; i++) {
		if (is_cgroup2(usual[i])) {
			if ((size_t)snprintf(buf, len, "%s", usual[i]) >= len)
				return dg_err(ENAMETOOLONG, "cgroup2 mount point %s is too long",
					      usual[i]);
			return 0;
		}
	}
	return dg_err(ENODEV, "cgroup2 is not mounted (not in /proc/self/mountinfo, nor at "
			      "/sys/fs/cgroup or /sys/fs/cgroup/unified); container identity "
			      "needs the unified hierarchy");
}

uint64_t dg_cgroup_id(const char *root, const char *cgroup)
{
	char full[PATH_MAX * 2];
	struct stat st;

	if (!root[0] || !cgroup[0])
		return 0;
	snprintf(full, sizeof(full), "%s%s", root, strcmp(cgroup, "/") ? cgroup : "");
	/* On cgroupfs the inode number of a cgroup directory is its id. */
	return stat(full, &st) ? 0 : st.st_ino;
}

/* The kernel's file handle type for kernfs nodes (cgroupfs): the 8-byte node id. */
#define FILEID_KERNFS 0xfe

int dg_cgroup_path_of_id(const char *root, uint64_t id, char *buf, size_t len)
{
	union {
		struct file_handle fh;
		char bytes[sizeof(struct file_handle) + sizeof(uint64_t)];
	} h = {.fh = {.handle_bytes = sizeof(uint64_t), .handle_type = FILEID_KERNFS}};
	_cleanup_close_ int mount_fd = -1, fd = -1;
	char link[64], path[PATH_MAX];
	size_t n = strlen(root);
	ssize_t got;

	memcpy(h.fh.f_handle, &id, sizeof(id));
	mount_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mount_fd < 0)
		return dg_err(errno, "cannot open %s: %s", root, strerror(errno));
	fd = open_by_handle_at(mount_fd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ESTALE || errno == ENOENT
			       ? -ENOENT
			       : dg_err(errno, "cgroup id %llu: %s", (unsigned long long)id,
					strerror(errno));
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	got = readlink(link, path, sizeof(path) - 1);
	if (got < 0)
		return dg_err(errno, "cannot read %s: %s", link, strerror(errno));
	path[got] = '\0';
	/* "<root>/a/b" (a directory removed since reads " (deleted)") */
	if (strncmp(path, root, n) || (path[n] && path[n] != '/') || strstr(path, " (deleted)"))
		return -ENOENT;
	snprintf(buf, len, "%s", path[n] ? path + n : "/");
	return 0;
}

int dg_cgroup_id_unmounted(const char *cgroup, uint64_t *id)
{
	char tmp[] = "/tmp/driftguard-cgroup2.XXXXXX";
	int rc = 0;

	*id = 0;
	if (!mkdtemp(tmp))
		return dg_err(errno, "cannot create %s: %s", tmp, strerror(errno));
	if (mount("cgroup2", tmp, "cgroup2", 0, NULL)) {
		rc = dg_err(errno, "cannot mount cgroup2 to find cgroup %s: %s", cgroup,
			    strerror(errno));
		rmdir(tmp);
		return rc;
	}
	*id = dg_cgroup_id(tmp, cgroup);
	if (!*id)
		rc = dg_err(ENOENT, "no cgroup %s in cgroup v2", cgroup);
	umount2(tmp, MNT_DETACH);
	rmdir(tmp);
	return rc;
}

struct walk {
	int (*visit)(void *ctx, const char *cgroup, uint64_t id);
	void *ctx;
	char path[PATH_MAX]; /* the cgroup being visited: "/" or "/a/b" */
};

/* Visits the cgroups below dirfd, whose cgroup path is w->path[0..len). Takes dirfd. */
static int walk_below(struct walk *w, int dirfd, size_t len, int depth)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *de;
	int rc = 0;

	if (!d) {
		close(dirfd);
		return 0;
	}
	while (!rc && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		struct stat st;
		int fd;

		if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
			continue;
		if (len + 1 + n >= sizeof(w->path) || depth >= MAX_CGROUP_DEPTH)
			continue;
		fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue; /* removed meanwhile, or not a directory */
		if (fstat(fd, &st)) {
			close(fd);
			continue;
		}
		snprintf(w->path + len, sizeof(w->path) - len, "%s%s", len > 1 ? "/" : "",
			 de->d_name);
		rc = w->visit(w->ctx, w->path, st.st_ino);
		if (!rc)
			rc = walk_below(w, fd, strlen(w->path), depth + 1);
		else
			close(fd);
		w->path[len] = '\0';
	}
	closedir(d);
	return rc;
}

int dg_cgroup_walk(const char *root, int (*visit)(void *ctx, const char *cgroup, uint64_t id),
		   void *ctx)
{
	struct walk w = {.visit = visit, .ctx = ctx, .path = "/"};
	struct stat st;
	int fd, rc;

	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return dg_err(errno, "cannot open cgroup2 root %s: %s", root, strerror(errno));
	if (fstat(fd, &st)) {
		rc = dg_err(errno, "cannot stat %s: %s", root, strerror(errno));
		close(fd);
		return rc;
	}
	rc = visit(ctx, "/", st.st_ino);
	if (rc) {
		close(fd);
		return rc;
	}
	return walk_below(&w, fd, 1, 0);
}

struct cg_entry {
	uint64_t id;
	char *path;
};

struct dg_cgroup_index {
	struct cg_entry *e; /* sorted by id */
	size_t n, cap;
};

void dg_cgroup_index_free(struct dg_cgroup_index *idx)
{
	if (!idx)
		return;
	for (size_t i = 0; i < idx->n; i++)
		free(idx->e[i].path);
	free(idx->e);
	free(idx);
}

static int index_add(void *ctx, const char *cgroup, uint64_t id)
{
	struct dg_cgroup_index *idx = ctx;

	if (idx->n == idx->cap) {
		size_t cap = idx->cap ? idx->cap * 2 : 256;
		struct cg_entry *bigger = realloc(idx->e, cap * sizeof(*bigger));

		if (!bigger)
			return dg_err(ENOMEM, "out of memory");
		idx->e = bigger;
		idx->cap = cap;
	}
	idx->e[idx->n].path = strdup(cgroup);
	if (!idx->e[idx->n].path)
		return dg_err(ENOMEM, "out of memory");
	idx->e[idx->n++].id = id;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	uint64_t x = ((const struct cg_entry *)a)->id, y = ((const struct cg_entry *)b)->id;

	return x < y ? -1 : x > y;
}

int dg_cgroup_index_build(const char *root, struct dg_cgroup_index **out)
{
	_cleanup_(dg_cgroup_index_freep) struct dg_cgroup_index *idx = NULL;
	int rc;

	*out = NULL;
	idx = calloc(1, sizeof(*idx));
	if (!idx)
		return dg_err(ENOMEM, "out of memory");
	rc = dg_cgroup_walk(root, index_add, idx);
	if (rc)
		return rc;
	qsort(idx->e, idx->n, sizeof(*idx->e), cmp_entry);
	*out = TAKE_PTR(idx);
	return 0;
}

const char *dg_cgroup_index_path(const struct dg_cgroup_index *idx, uint64_t id)
{
	struct cg_entry key = {.id = id}, *e;

	if (!idx || !idx->n)
		return NULL;
	e = bsearch(&key, idx->e, idx->n, sizeof(key), cmp_entry);
	return e ? e->path : NULL;
}
