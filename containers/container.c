// SPDX-License-Identifier: GPL-2.0-only
#include "containers/container.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/errors.h"


int dg_cgroup_path_of_pid(pid_t pid, char *buf, size_t len)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	char file[64];
	size_t cap = 0;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", pid);
	f = fopen(file, "re");
	if (!f)
		return dg_err(errno, "cannot read %s: %s", file, strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (snprintf(buf, len, "%s", line + 3) >= (int)len)
			return dg_err(ENAMETOOLONG, "cgroup path of pid %d is too long", pid);
		return 0;
	}
	return dg_err(ENOENT, "pid %d has no cgroup v2 membership in %s; driftguard needs the "
			      "unified (v2) hierarchy, which runc uses in hybrid mode too",
		      pid, file);
}

/* Mount point of cgroup2 from /proc/self/mountinfo, "" if none. */
static int cgroup2_mount(char *buf, size_t len)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	buf[0] = '\0';
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return dg_err(errno, "cannot read /proc/self/mountinfo: %s", strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		char mnt[PATH_MAX], fstype[64];
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(sep, " - %63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		snprintf(buf, len, "%s", mnt);
		return 0;
	}
	return 0;
}

static int stat_cgroup(const char *mnt, const char *path, uint64_t *id)
{
	char full[PATH_MAX * 2];
	struct stat st;

	snprintf(full, sizeof(full), "%s%s", mnt, path);
	if (stat(full, &st))
		return dg_err(errno, "cannot stat cgroup %s: %s", full, strerror(errno));
	/* On cgroupfs the inode number of a cgroup directory is its id. */
	*id = st.st_ino;
	return 0;
}

int dg_cgroup_id_of_path(const char *path, uint64_t *id)
{
	char mnt[PATH_MAX], tmp[] = "/tmp/driftguard-cgroup2.XXXXXX";
	int rc;

	rc = cgroup2_mount(mnt, sizeof(mnt));
	if (rc)
		return rc;
	if (mnt[0])
		return stat_cgroup(mnt, path, id);
	/* Hybrid hosts may not mount v2 anywhere: look at it privately. */
	if (!mkdtemp(tmp))
		return dg_err(errno, "cannot create %s: %s", tmp, strerror(errno));
	if (mount("cgroup2", tmp, "cgroup2", 0, NULL)) {
		rc = dg_err(errno, "cannot mount cgroup2 to find cgroup %s: %s", path,
			    strerror(errno));
		rmdir(tmp);
		return rc;
	}
	rc = stat_cgroup(tmp, path, id);
	umount2(tmp, MNT_DETACH);
	rmdir(tmp);
	return rc;
}

int dg_container_find(const char *root, const char *id, struct dg_container *out)
{
	_cleanup_(json_decrefp) json_t *state = NULL;
	const char *bundle = NULL;
	char file[PATH_MAX];
	json_error_t jerr;
	json_int_t pid = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!id[0] || strchr(id, '/') || strlen(id) >= sizeof(out->id))
		return dg_err(EINVAL, "\"%s\" is not a valid container id", id);
	snprintf(out->id, sizeof(out->id), "%s", id);
	snprintf(file, sizeof(file), "%s/%s/state.json", root, id);
	state = json_load_file(file, 0, &jerr);
	if (!state) {
		if (access(file, F_OK))
			return dg_err(ENOENT, "no container \"%s\" in %s (no %s); list them with "
					      "`runc list`, or pass --runtime-root for another runtime",
				      id, root, file);
		return dg_err(EINVAL, "%s:%d:%d: %s", file, jerr.line, jerr.column, jerr.text);
	}
	if (json_unpack_ex(state, &jerr, 0, "{s:I, s?s}", "init_process_pid", &pid, "bundle",
			   &bundle) ||
	    pid <= 0)
		return dg_err(EINVAL, "%s has no valid init_process_pid: %s", file, jerr.text);
	out->init_pid = (pid_t)pid;
	snprintf(out->bundle, sizeof(out->bundle), "%s", bundle ? bundle : "");
	if (kill(out->init_pid, 0) && errno == ESRCH)
		return dg_err(ESRCH, "container \"%s\" is not running (its init pid %d is gone)", id,
			      out->init_pid);
	rc = dg_cgroup_path_of_pid(out->init_pid, out->cgroup_path, sizeof(out->cgroup_path));
	if (rc)
		return dg_err_wrap(rc, "container \"%s\"", id);
	rc = dg_cgroup_id_of_path(out->cgroup_path, &out->cgroup_id);
	if (rc)
		return dg_err_wrap(rc, "container \"%s\"", id);
	return 0;
}
