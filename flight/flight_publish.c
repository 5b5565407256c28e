// SPDX-License-Identifier: GPL-2.0-only
/*
 * Publishing the flight recorder (flight.h): learn and enforce pin their
 * maps and write the index that `driftguard dump` finds a session's ring by;
 * what killed owners left behind is swept.
 */
#include "flight/flight.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "common/bpffs.h"
#include "common/cleanup.h"
#include "common/errors.h"
#include "flight/flight_index.h"

static void unpin_dir(const char *dir)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/flight", dir) < (int)sizeof(path))
		unlink(path);
	if (snprintf(path, sizeof(path), "%s/flight_heads", dir) < (int)sizeof(path))
		unlink(path);
	rmdir(dir);
}

/* Leftovers of owners that were killed (SIGKILL, a crash). */
static void sweep_stale(void)
{
	DIR *d;
	struct dirent *de;
	char path[PATH_MAX];
	int pid;

	d = opendir(DG_FLIGHT_PIN_ROOT);
	if (d) {
		while ((de = readdir(d))) {
			if (sscanf(de->d_name, "%d", &pid) != 1 || dg_flight_owner_alive(pid))
				continue;
			snprintf(path, sizeof(path), "%s/%s", DG_FLIGHT_PIN_ROOT, de->d_name);
			unpin_dir(path);
		}
		closedir(d);
	}
	d = opendir(DG_FLIGHT_INDEX_DIR);
	if (d) {
		while ((de = readdir(d))) {
			pid_t owner;

			if (!dg_flight_index_name(de->d_name, NULL, 0, &owner) ||
			    dg_flight_owner_alive(owner))
				continue;
			snprintf(path, sizeof(path), "%s/%s", DG_FLIGHT_INDEX_DIR, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
}

static int pin(int fd, const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (bpf_obj_pin(fd, path))
		return dg_err(errno, "cannot pin %s: %s", path, strerror(errno));
	return 0;
}

int dg_flight_publish(struct dg_flight_pub *pub, const char *tool, int ring_fd, int heads_fd,
		      unsigned int entries, json_t *sessions)
{
	_cleanup_(json_decrefp) json_t *index = NULL;
	char dir[sizeof(pub->pin_dir)], file[sizeof(pub->index)];
	pid_t self = getpid();
	int rc;

	memset(pub, 0, sizeof(*pub));
	rc = dg_bpffs_ensure();
	if (rc)
		return rc;
	sweep_stale();
	rc = dg_bpffs_mkdir(DG_FLIGHT_PIN_ROOT);
	if (rc)
		return rc;
	snprintf(dir, sizeof(dir), "%s/%d", DG_FLIGHT_PIN_ROOT, self);
	rc = dg_bpffs_mkdir(dir);
	if (rc)
		return rc;
	snprintf(pub->pin_dir, sizeof(pub->pin_dir), "%s", dir);
	rc = pin(ring_fd, dir, "flight");
	if (!rc)
		rc = pin(heads_fd, dir, "flight_heads");
	if (rc)
		goto undo;
	index = dg_flight_index_new(tool, self, dir, entries, sessions);
	if (!index) {
		rc = dg_err(ENOMEM, "out of memory");
		goto undo;
	}
	if (mkdir(DG_FLIGHT_INDEX_DIR, 0755) && errno != EEXIST)
		rc = dg_err(errno, "cannot create %s: %s", DG_FLIGHT_INDEX_DIR, strerror(errno));
	if (rc)
		goto undo;
	snprintf(file, sizeof(file), "%s/%s-%d.json", DG_FLIGHT_INDEX_DIR, tool, self);
	rc = dg_flight_index_write(file, index);
	if (rc)
		goto undo;
	snprintf(pub->index, sizeof(pub->index), "%s", file);
	pub->index_json = TAKE_PTR(index);
	return 0;
undo:
	dg_flight_unpublish(pub);
	return dg_err_wrap(rc, "publishing the flight recorder");
}

int dg_flight_publish_sessions(struct dg_flight_pub *pub, json_t *sessions)
{
	if (!pub->index_json || !pub->index[0])
		return dg_err(ENOENT, "the flight recorder is not published");
	if (json_object_set(pub->index_json, "sessions", sessions))
		return dg_err(ENOMEM, "out of memory");
	return dg_flight_index_write(pub->index, pub->index_json);
}

void dg_flight_unpublish(struct dg_flight_pub *pub)
{
	if (pub->index[0])
		unlink(pub->index);
	if (pub->pin_dir[0]) {
		unpin_dir(pub->pin_dir);
		rmdir(DG_FLIGHT_PIN_ROOT); /* fails while others use it: fine */
	}
	pub->index[0] = pub->pin_dir[0] = '\0';
	json_decref(pub->index_json);
	pub->index_json = NULL;
}
