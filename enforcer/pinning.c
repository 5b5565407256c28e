// SPDX-License-Identifier: GPL-2.0-only
/* The enforcer's pinned sets in bpffs (pinning.h). */
#include "enforcer/pinning.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/cleanup.h"
#include "common/errors.h"
#include "containers/procfs.h"

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

uint64_t dg_pin_start_time(pid_t pid)
{
	struct dg_proc_stat st;

	if (dg_proc_stat(pid, &st)) {
		dg_err_clear();
		return 0;
	}
	return st.start_time;
}

bool dg_pin_owner_alive(const struct dg_pin_state *state)
{
	struct dg_proc_stat st;

	if (!state->pid || dg_proc_stat((pid_t)state->pid, &st)) {
		dg_err_clear();
		return false;
	}
	return st.state != 'Z' && st.start_time == state->start_time;
}

const char *dg_pin_owner_text(const struct dg_pin_state *s, char *buf, size_t len)
{
	time_t t = (time_t)s->started_at;
	struct tm tm;
	char when[32] = "?";

	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	snprintf(buf, len, "pid %u (started %s)", s->pid, when);
	return buf;
}

/* The state of a set; false when it has none (or one of another version). */
static bool read_state(const char *dir, struct dg_pin_state *out)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;
	struct bpf_map_info info = {0};
	uint32_t key = 0, len = sizeof(info);

	snprintf(path, sizeof(path), "%s/state", dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return false;
	/* Another build's state may be larger: never read past ours. */
	if (bpf_map_get_info_by_fd(fd, &info, &len) || info.value_size != sizeof(*out) ||
	    bpf_map_lookup_elem(fd, &key, out))
		return false;
	return out->version == DG_PIN_STATE_VERSION;
}

static int scan_set(const char *dir, struct dg_pinned_set *set)
{
	_cleanup_(closedirp) DIR *d = opendir(dir);
	struct dirent *de;

	memset(set, 0, sizeof(*set));
	snprintf(set->dir, sizeof(set->dir), "%s", dir);
	if (!d)
		return dg_err(errno, "cannot read %s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		if (!strncmp(de->d_name, "link_", 5))
			set->n_links++;
		else if (!strncmp(de->d_name, "map_", 4))
			set->n_maps++;
	}
	set->has_state = read_state(dir, &set->state);
	return 0;
}

int dg_pins_scan(struct dg_pinned_set **out, size_t *n)
{
	_cleanup_(closedirp) DIR *d = opendir(DG_ENFORCE_PIN_DIR);
	_cleanup_free_ struct dg_pinned_set *sets = NULL;
	size_t count = 0;
	struct dirent *de;

	*out = NULL;
	*n = 0;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char dir[sizeof(sets->dir)];
		struct dg_pinned_set *grown;
		int rc;

		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		grown = realloc(sets, (count + 1) * sizeof(*sets));
		if (!grown)
			return dg_err(ENOMEM, "out of memory");
		sets = grown;
		if (snprintf(dir, sizeof(dir), "%s/%s", DG_ENFORCE_PIN_DIR, de->d_name) >=
		    (int)sizeof(dir))
			continue; /* not ours: we name them <pid>-<start time> */
		rc = scan_set(dir, &sets[count]);
		if (rc)
			return rc;
		count++;
	}
	*out = TAKE_PTR(sets);
	*n = count;
	return 0;
}

int dg_pins_remove(const struct dg_pinned_set *set)
{
	_cleanup_(closedirp) DIR *d = opendir(set->dir);
	struct dirent *de;
	int rc = 0;

	if (!d)
		return errno == ENOENT
			       ? 0
			       : dg_err(errno, "cannot read %s: %s", set->dir, strerror(errno));
	while ((de = readdir(d))) {
		char path[PATH_MAX];

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", set->dir, de->d_name);
		if (unlink(path) && errno != ENOENT && !rc)
			rc = dg_err(errno, "cannot unpin %s: %s", path, strerror(errno));
	}
	if (rmdir(set->dir) && errno != ENOENT && !rc)
		rc = dg_err(errno, "cannot remove %s: %s", set->dir, strerror(errno));
	/* Fail while others are there (the flight recorder's rings): fine. */
	rmdir(DG_ENFORCE_PIN_DIR);
	rmdir(DG_BPFFS_ROOT);
	return rc;
}

int dg_pins_open_map(const struct dg_pinned_set *set, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/map_%s", set->dir, name);
	return bpf_obj_get(path);
}

int dg_pin_state_map_new(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "dg_pin_state", sizeof(uint32_t),
				sizeof(struct dg_pin_state), 1, NULL);

	if (fd < 0)
		return dg_err(errno, "cannot create the enforcer's state map: %s", strerror(errno));
	return fd;
}

/*
 * bpffs names have no dot: libbpf's "enforce_.bss" pins as "map_bss",
 * "enforce_.rodata.str1.1" as "map_rodata_str1_1".
 */
static void pin_path(char *buf, size_t len, const char *dir, const char *kind, const char *name)
{
	const char *dot = strchr(name, '.');
	int at;

	at = snprintf(buf, len, "%s/%s_%s", dir, kind, dot ? dot + 1 : name);
	for (char *c = buf + (at > 0 && (size_t)at < len ? at : 0); c > buf && c[-1] != '/'; c--)
		if (c[-1] == '.')
			c[-1] = '_';
}

static int pin_fd(int fd, const char *path)
{
	if (bpf_obj_pin(fd, path))
		return dg_err(errno, "cannot pin %s: %s", path, strerror(errno));
	return 0;
}

int dg_pins_create(const char *dir, const struct bpf_object_skeleton *s, int state_fd)
{
	struct dg_pinned_set self = {0};
	char path[PATH_MAX];
	struct bpf_map *map;
	int rc;

	rc = dg_bpffs_ensure();
	if (!rc)
		rc = dg_bpffs_mkdir(DG_BPFFS_ROOT);
	if (!rc)
		rc = dg_bpffs_mkdir(DG_ENFORCE_PIN_DIR);
	if (!rc)
		rc = dg_bpffs_mkdir(dir);
	if (rc)
		return dg_err_wrap(rc, "pinning the enforcer");
	snprintf(self.dir, sizeof(self.dir), "%s", dir);
	bpf_object__for_each_map(map, *s->obj)
	{
		pin_path(path, sizeof(path), dir, "map", bpf_map__name(map));
		rc = pin_fd(bpf_map__fd(map), path);
		if (rc)
			goto undo;
	}
	for (int i = 0; i < s->prog_cnt; i++) {
		const struct bpf_prog_skeleton *p =
			(const void *)((const char *)s->progs + (size_t)i * s->prog_skel_sz);

		if (!*p->link)
			continue;
		pin_path(path, sizeof(path), dir, "link", p->name);
		rc = pin_fd(bpf_link__fd(*p->link), path);
		if (rc)
			goto undo;
	}
	snprintf(path, sizeof(path), "%s/state", dir);
	rc = pin_fd(state_fd, path);
	if (rc)
		goto undo;
	return 0;
undo:
	dg_pins_remove(&self);
	return dg_err_wrap(rc, "pinning the enforcer");
}
