// SPDX-License-Identifier: GPL-2.0-only
/*
 * The flight recorder's index (flight.h): what learn and enforce publish so
 * that `driftguard dump` finds a session's ring, and how dump finds it.
 */
#include "flight/flight.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "common/cleanup.h"
#include "common/errors.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif
#define BPF_FS_MOUNT "/sys/fs/bpf"

/* Publishing */

/* "learn-4242.json" -> 4242 and "learn"; false for anything else (".tmp" too). */
static bool index_name(const char *name, char *tool, size_t len, pid_t *pid)
{
	static const char *const tools[] = {"learn", "enforce"};
	char rest[32];

	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		size_t n = strlen(tools[i]);
		int p;

		if (strncmp(name, tools[i], n) || name[n] != '-' ||
		    sscanf(name + n + 1, "%d%31s", &p, rest) != 2 || strcmp(rest, ".json") ||
		    p <= 0)
			continue;
		if (tool)
			snprintf(tool, len, "%s", tools[i]);
		*pid = p;
		return true;
	}
	return false;
}

static bool pid_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

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
			if (sscanf(de->d_name, "%d", &pid) != 1 || pid_alive(pid))
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

			if (!index_name(de->d_name, NULL, 0, &owner) || pid_alive(owner))
				continue;
			snprintf(path, sizeof(path), "%s/%s", DG_FLIGHT_INDEX_DIR, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
}

/* bpffs on /sys/fs/bpf, mounted if it is not (as systemd does at boot). */
static int ensure_bpffs(void)
{
	struct statfs st;

	if (statfs(BPF_FS_MOUNT, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", BPF_FS_MOUNT, "bpf", 0, "mode=0700"))
		return dg_err(errno, "cannot mount bpffs on %s: %s", BPF_FS_MOUNT, strerror(errno));
	dg_debug("mounted bpffs on %s", BPF_FS_MOUNT);
	return 0;
}

static int mkdir_p1(const char *dir, mode_t mode)
{
	if (mkdir(dir, mode) && errno != EEXIST)
		return dg_err(errno, "cannot create %s: %s", dir, strerror(errno));
	return 0;
}

static int pin(int fd, const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (bpf_obj_pin(fd, path))
		return dg_err(errno, "cannot pin %s: %s", path, strerror(errno));
	return 0;
}

static int write_index(const char *path, json_t *index)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_dump_file(index, tmp, JSON_INDENT(2))) {
		unlink(tmp);
		return dg_err(EIO, "cannot write %s", tmp);
	}
	if (rename(tmp, path)) {
		int e = errno;

		unlink(tmp);
		return dg_err(e, "cannot rename %s to %s: %s", tmp, path, strerror(e));
	}
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
	rc = ensure_bpffs();
	if (rc)
		return rc;
	sweep_stale();
	rc = mkdir_p1(DG_FLIGHT_PIN_ROOT, 0700);
	if (rc)
		return rc;
	snprintf(dir, sizeof(dir), "%s/%d", DG_FLIGHT_PIN_ROOT, self);
	rc = mkdir_p1(dir, 0700);
	if (rc)
		return rc;
	snprintf(pub->pin_dir, sizeof(pub->pin_dir), "%s", dir);
	rc = pin(ring_fd, dir, "flight");
	if (!rc)
		rc = pin(heads_fd, dir, "flight_heads");
	if (rc)
		goto undo;
	index = json_pack("{s:i, s:s, s:i, s:s, s:i, s:i, s:O}", "version", DG_FLIGHT_INDEX_VERSION,
			  "tool", tool, "pid", (int)self, "pin_dir", dir, "entries", (int)entries,
			  "entry_size", (int)sizeof(struct dg_flight_entry), "sessions", sessions);
	if (!index) {
		rc = dg_err(ENOMEM, "out of memory");
		goto undo;
	}
	rc = mkdir_p1(DG_FLIGHT_INDEX_DIR, 0755);
	if (rc)
		goto undo;
	snprintf(file, sizeof(file), "%s/%s-%d.json", DG_FLIGHT_INDEX_DIR, tool, self);
	rc = write_index(file, index);
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
	return write_index(pub->index, pub->index_json);
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

/* Finding */

void dg_flight_target_clear(struct dg_flight_target *t)
{
	json_decref(t->session_json);
	memset(t, 0, sizeof(*t));
}

static bool json_str_is(json_t *obj, const char *key, const char *what)
{
	const char *v = json_string_value(json_object_get(obj, key));

	return v && v[0] && !strcmp(v, what);
}

/* what is a decimal pid equal to pid */
static bool pid_is(const char *what, json_int_t pid)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)pid);
	return pid > 0 && !strcmp(what, buf);
}

bool dg_flight_session_matches(json_t *s, pid_t owner_pid, const char *what, bool prefix_ok)
{
	json_t *c = json_object_get(s, "container");
	const char *id;

	if (!what[0])
		return false;
	if (json_str_is(s, "name", what) || pid_is(what, owner_pid) ||
	    pid_is(what, json_integer_value(json_object_get(s, "pid"))))
		return true;
	if (!c)
		return false;
	if (json_str_is(c, "id", what) || json_str_is(c, "name", what))
		return true;
	id = json_string_value(json_object_get(c, "id"));
	return prefix_ok && id && strlen(what) >= 4 && !strncmp(id, what, strlen(what));
}

static bool pid_in(json_int_t pid, const pid_t *pids)
{
	for (; pids && *pids; pids++)
		if (pid > 0 && pid == *pids)
			return true;
	return false;
}

/* Index file of a live owner, or NULL (stale, unreadable, another version). */
static json_t *load_index(const char *path, pid_t *pid)
{
	json_t *index = json_load_file(path, 0, NULL);

	if (!index)
		return NULL;
	*pid = (pid_t)json_integer_value(json_object_get(index, "pid"));
	if (json_integer_value(json_object_get(index, "version")) != DG_FLIGHT_INDEX_VERSION ||
	    json_integer_value(json_object_get(index, "entry_size")) !=
		    (json_int_t)sizeof(struct dg_flight_entry) ||
	    !pid_alive(*pid) || !json_is_array(json_object_get(index, "sessions"))) {
		json_decref(index);
		return NULL;
	}
	return index;
}

static int append_name(char *list, size_t len, const char *name)
{
	size_t used = strlen(list);

	snprintf(list + used, len - used, "%s%s", used ? ", " : "", name);
	return 0;
}

static int fill_target(struct dg_flight_target *out, const char *tool, json_t *index, json_t *s,
		       pid_t pid)
{
	const char *name = json_string_value(json_object_get(s, "name"));

	snprintf(out->tool, sizeof(out->tool), "%s", tool);
	out->owner_pid = pid;
	out->session = (unsigned int)json_integer_value(json_object_get(s, "session"));
	out->first_seq = (uint64_t)json_integer_value(json_object_get(s, "first_seq"));
	out->entries = (unsigned int)json_integer_value(json_object_get(index, "entries"));
	snprintf(out->pin_dir, sizeof(out->pin_dir), "%s",
		 json_string_value(json_object_get(index, "pin_dir")) ?: "");
	snprintf(out->name, sizeof(out->name), "%s", name ? name : "?");
	out->session_json = json_incref(s);
	return 0;
}

int dg_flight_find(const char *index_dir, const char *what, const pid_t *extra_pids,
		   struct dg_flight_target *out)
{
	char running[2048] = "", matches[2048] = "", path[PATH_MAX];
	_cleanup_free_ struct dirent **names = NULL;
	int n, found = 0, pass, owners = 0;

	memset(out, 0, sizeof(*out));
	if (!index_dir)
		index_dir = DG_FLIGHT_INDEX_DIR;
	n = scandir(index_dir, &names, NULL, alphasort);
	if (n < 0)
		n = 0;
	/* Exact answers first; an id prefix only when nothing answers exactly. */
	for (pass = 0; pass < 2 && !found; pass++) {
		running[0] = '\0';
		for (int i = 0; i < n; i++) {
			_cleanup_(json_decrefp) json_t *index = NULL;
			char tool[16];
			size_t k;
			json_t *s;
			pid_t pid;

			if (!index_name(names[i]->d_name, tool, sizeof(tool), &pid))
				continue;
			snprintf(path, sizeof(path), "%s/%s", index_dir, names[i]->d_name);
			index = load_index(path, &pid);
			if (!index)
				continue;
			if (pass == 0)
				owners++;
			json_array_foreach(json_object_get(index, "sessions"), k, s)
			{
				const char *name = json_string_value(json_object_get(s, "name"));

				append_name(running, sizeof(running), name ? name : "?");
				if (!dg_flight_session_matches(s, pid, what, pass == 1) &&
				    !(pass == 0 && !json_object_get(s, "container") &&
				      (pid_in(json_integer_value(json_object_get(s, "pid")),
					      extra_pids) ||
				       pid_in(pid, extra_pids))))
					continue;
				append_name(matches, sizeof(matches), name ? name : "?");
				if (!found++)
					fill_target(out, tool, index, s, pid);
			}
		}
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	if (found == 1)
		return 0;
	if (found > 1) {
		dg_flight_target_clear(out);
		return dg_err(EEXIST, "\"%s\" is ambiguous: it names %s", what, matches);
	}
	if (owners && !running[0])
		return dg_err(ENOENT,
			      "no flight recorder records \"%s\": the running ones record no "
			      "container right now",
			      what);
	if (!running[0])
		return dg_err(ENOENT,
			      "no flight recorder is running (nothing in %s): start `driftguard "
			      "enforce` or `driftguard learn --flight-recorder 256 -o p.json -- CMD`",
			      index_dir);
	return dg_err(ENOENT, "no flight recorder records \"%s\"; recorded: %s", what, running);
}
