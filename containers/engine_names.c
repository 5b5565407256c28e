// SPDX-License-Identifier: GPL-2.0-only
/* docker's and podman's container names (see engine_names.h). */
#include "containers/engine_names.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "containers/runtime_state.h"

/* How often a missing name is looked for again while the container is held. */
#define NAME_RETRY_MS 10

static json_t *load_json(const char *path)
{
	return json_load_file(path, 0, NULL);
}

static void set_name(struct dg_identity *ident, const char *name)
{
	if (name && name[0])
		snprintf(ident->name, sizeof(ident->name), "%s", name);
}

/* The directory of docker's records of the container: where /etc/hostname comes from. */
static bool docker_container_dir(const char *bundle, const char *id, char *dir, size_t len)
{
	_cleanup_(json_decrefp) json_t *cfg = NULL;
	char file[PATH_MAX + 16];
	json_t *mounts, *m;
	size_t i;

	snprintf(file, sizeof(file), "%s/config.json", bundle);
	cfg = load_json(file);
	mounts = json_object_get(cfg, "mounts");
	json_array_foreach(mounts, i, m)
	{
		const char *dst = json_string_value(json_object_get(m, "destination"));
		const char *src = json_string_value(json_object_get(m, "source"));
		const char *slash;
		size_t idlen = strlen(id);

		if (!dst || !src || strcmp(dst, "/etc/hostname"))
			continue;
		/* ".../containers/<id>/hostname" and nothing else */
		slash = strrchr(src, '/');
		if (!slash || strcmp(slash, "/hostname") || (size_t)(slash - src) < idlen + 12 ||
		    memcmp(slash - idlen, id, idlen) ||
		    memcmp(slash - idlen - 12, "/containers/", 12))
			continue;
		snprintf(dir, len, "%.*s", (int)(slash - src), src);
		return true;
	}
	return false;
}

static void docker_name(struct dg_identity *ident)
{
	_cleanup_(json_decrefp) json_t *cfg = NULL;
	char dir[PATH_MAX], file[PATH_MAX + 32];
	const char *name, *id;

	if (!docker_container_dir(ident->bundle, ident->id, dir, sizeof(dir)))
		return;
	snprintf(file, sizeof(file), "%s/config.v2.json", dir);
	cfg = load_json(file);
	id = json_string_value(json_object_get(cfg, "ID"));
	name = json_string_value(json_object_get(cfg, "Name"));
	if (!id || strcmp(id, ident->id) || !name)
		return;
	/* docker shows "/web" as "web"; rules name it without the '/' too */
	set_name(ident, name[0] == '/' ? name + 1 : name);
}

static void podman_name(struct dg_identity *ident)
{
	_cleanup_(json_decrefp) json_t *list = NULL;
	char file[PATH_MAX + 32];
	size_t n = strlen(ident->bundle), idlen = strlen(ident->id), i;
	json_t *c;

	/* "<graphroot>/<driver>-containers/<id>/userdata" */
	if (n < idlen + 10 || strcmp(ident->bundle + n - 9, "/userdata") ||
	    memcmp(ident->bundle + n - 9 - idlen, ident->id, idlen) ||
	    ident->bundle[n - 10 - idlen] != '/')
		return;
	snprintf(file, sizeof(file), "%.*s/containers.json", (int)(n - 10 - idlen), ident->bundle);
	list = load_json(file);
	json_array_foreach(list, i, c)
	{
		const char *cid = json_string_value(json_object_get(c, "id"));

		if (cid && !strcmp(cid, ident->id)) {
			set_name(ident,
				 json_string_value(json_array_get(json_object_get(c, "names"), 0)));
			return;
		}
	}
}

/* Whether the engine keeps the container's name in records of its own. */
static bool named_by_engine(const struct dg_identity *ident)
{
	return ident->bundle[0] &&
	       (ident->runtime == DG_RUNTIME_DOCKER || ident->runtime == DG_RUNTIME_PODMAN);
}

void dg_engine_name_fill(struct dg_identity *ident)
{
	if (ident->name[0] || !named_by_engine(ident))
		return;
	if (ident->runtime == DG_RUNTIME_DOCKER)
		docker_name(ident);
	else if (ident->runtime == DG_RUNTIME_PODMAN)
		podman_name(ident);
}

void dg_engine_name_fill_held(struct dg_identity *ident, const char *state_root,
			      unsigned int max_ms)
{
	const struct timespec pause = {.tv_nsec = NAME_RETRY_MS * 1000000L};

	dg_engine_name_fill(ident);
	for (unsigned int waited = 0;
	     !ident->name[0] && named_by_engine(ident) && state_root && waited < max_ms &&
	     dg_runtime_state_held(state_root, ident->id);
	     waited += NAME_RETRY_MS) {
		nanosleep(&pause, NULL);
		dg_engine_name_fill(ident);
	}
}
