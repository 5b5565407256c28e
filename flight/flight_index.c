// SPDX-License-Identifier: GPL-2.0-only
/*
 * The flight recorder's index (flight.h, flight_index.h): its files' names
 * and format, and how `driftguard dump` finds a session in them. No libbpf
 * (dgcore): flight_publish.c pins the maps.
 */
#include "flight/flight_index.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/errors.h"
#include "common/json_text.h"
#include "common/macros.h"
#include "flight/flight.h"

bool dg_flight_index_name(const char *name, char *tool, size_t len, pid_t *pid)
{
	static const char *const tools[] = {"learn", "enforce"};
	char rest[32];

	for (size_t i = 0; i < ARRAY_SIZE(tools); i++) {
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

bool dg_flight_owner_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

json_t *dg_flight_index_new(const char *tool, pid_t pid, const char *pin_dir, unsigned int entries,
			    json_t *sessions)
{
	return json_pack("{s:i, s:s, s:i, s:s, s:i, s:i, s:O}", "version", DG_FLIGHT_INDEX_VERSION,
			 "tool", tool, "pid", (int)pid, "pin_dir", pin_dir, "entries", (int)entries,
			 "entry_size", (int)sizeof(struct dg_flight_entry), "sessions", sessions);
}

json_t *dg_flight_command_session(char *const *cmd, pid_t pid)
{
	char name[32];
	json_t *argv;

	snprintf(name, sizeof(name), "cmd:%d", (int)getpid());
	argv = json_array();
	for (char *const *a = cmd; argv && *a; a++)
		if (json_array_append_new(argv, dg_json_text(*a, SIZE_MAX))) {
			json_decref(argv);
			return NULL;
		}
	return json_pack("{s:s, s:i, s:o}", "name", name, "pid", (int)pid, "command", argv);
}

json_t *dg_flight_container_session(const struct dg_identity *c)
{
	json_t *ident_json = NULL;
	char name[512];

	if (dg_identity_to_json(c, &ident_json)) {
		dg_err_clear();
		ident_json = json_pack("{s:o, s:i}", "id", dg_json_text(c->id, sizeof(c->id)),
				       "init_pid", (int)c->init_pid);
	}
	dg_identity_display(c, name, sizeof(name));
	return json_pack("{s:o, s:o}", "name", dg_json_text(name, sizeof(name)), "container",
			 ident_json);
}

int dg_flight_index_write(const char *path, json_t *index)
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
	    !dg_flight_owner_alive(*pid) || !json_is_array(json_object_get(index, "sessions"))) {
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

			if (!dg_flight_index_name(names[i]->d_name, tool, sizeof(tool), &pid))
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
		return dg_err(
			ENOENT,
			"no flight recorder is running (nothing in %s): start `driftguard "
			"enforce` or `driftguard learn --flight-recorder 256 -o p.json -- CMD`",
			index_dir);
	return dg_err(ENOENT, "no flight recorder records \"%s\"; recorded: %s", what, running);
}
