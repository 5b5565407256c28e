// SPDX-License-Identifier: GPL-2.0-only
/* The containerd shims' runc roots (see shim_roots.h). */
#include "containers/shim_roots.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "containers/procfs.h"

/* runc's root for containerd's shims when options.json names none. */
#define CONTAINERD_RUNC_ROOT "/run/containerd/runc"

/* Reads a small /proc file whole, NUL-terminated; its length, or -1. */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* containerd's rule for namespaces: letters, digits, '.', '_', '-'; no '/'. */
static bool namespace_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= DG_IDENTITY_NAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

/* The value after `flag` in a NUL-separated command line, NULL if none. */
static const char *arg_after(const char *cmdline, ssize_t len, const char *flag)
{
	for (const char *a = cmdline; a < cmdline + len; a += strlen(a) + 1)
		if (!strcmp(a, flag) && a + strlen(a) + 1 < cmdline + len)
			return a + strlen(a) + 1;
	return NULL;
}

/* runc's root from the v2 shim's options.json (in its working directory). */
static bool options_root(pid_t pid, char *root, size_t len)
{
	_cleanup_(json_decrefp) json_t *opts = NULL;
	char path[64];
	const char *r;

	snprintf(path, sizeof(path), "/proc/%d/cwd/options.json", (int)pid);
	opts = json_load_file(path, 0, NULL);
	r = json_string_value(json_object_get(opts, "root"));
	if (!r || r[0] != '/')
		return false;
	snprintf(root, len, "%s", r);
	return true;
}

/* The shim's state directory, if `pid` is a root-owned shim in our mount namespace. */
static bool shim_root(pid_t pid, uint64_t our_mntns, struct dg_shim_root *out)
{
	char path[64], comm[32], cmdline[4096], root[DG_IDENTITY_PATH_MAX];
	const char *ns, *runtime_root;
	struct stat st;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (read_small(path, comm, sizeof(comm)) < 0 || strncmp(comm, "containerd-shim", 15))
		return false;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (stat(path, &st) || st.st_uid != 0 || !our_mntns || dg_proc_mntns(pid) != our_mntns)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	n = read_small(path, cmdline, sizeof(cmdline));
	if (n <= 0)
		return false;
	ns = arg_after(cmdline, n, "-namespace");
	if (!ns || !namespace_ok(ns))
		return false;
	runtime_root = arg_after(cmdline, n, "-runtime-root"); /* the v1 shim */
	if (runtime_root && runtime_root[0] == '/')
		snprintf(root, sizeof(root), "%s", runtime_root);
	else if (!options_root(pid, root, sizeof(root)))
		snprintf(root, sizeof(root), "%s", CONTAINERD_RUNC_ROOT);
	if ((size_t)snprintf(out->path, sizeof(out->path), "%s/%s", root, ns) >= sizeof(out->path))
		return false;
	snprintf(out->namespace, sizeof(out->namespace), "%s", ns);
	return true;
}

size_t dg_shim_roots(struct dg_shim_root *out, size_t max)
{
	uint64_t our_mntns = dg_proc_mntns(getpid());
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir("/proc");

	while (d && n < max && (de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		bool seen = false;

		if (*end || pid <= 0 || !shim_root((pid_t)pid, our_mntns, &out[n]))
			continue;
		for (size_t i = 0; i < n && !seen; i++)
			seen = !strcmp(out[i].path, out[n].path);
		if (!seen)
			n++;
	}
	if (d)
		closedir(d);
	return n;
}
