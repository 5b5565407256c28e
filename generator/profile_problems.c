// SPDX-License-Identifier: GPL-2.0-only
/*
 * The list of problems of a profile, and the helpers that record one with
 * its JSON path and the checks of single JSON values they are used by.
 */
#include "generator/profile_parse_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"

static int problems_vadd(struct dg_problems *list, bool error, const char *fmt, va_list ap)
{
	struct dg_problem *v;
	char *msg;

	if (vasprintf(&msg, fmt, ap) < 0)
		return dg_err(ENOMEM, "out of memory");
	v = reallocarray(list->v, list->n + 1, sizeof(*v));
	if (!v) {
		free(msg);
		return dg_err(ENOMEM, "out of memory");
	}
	list->v = v;
	v[list->n++] = (struct dg_problem){.error = error, .msg = msg};
	list->n_errors += error;
	return 0;
}

int dg_problems_add(struct dg_problems *list, bool error, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = problems_vadd(list, error, fmt, ap);
	va_end(ap);
	return rc;
}

void dg_problems_free(struct dg_problems *list)
{
	for (size_t i = 0; i < list->n; i++)
		free(list->v[i].msg);
	free(list->v);
	*list = (struct dg_problems){0};
}

/* "NAME: PREFIX PATH: message", as the reader's messages always were. */
static int record(const struct pctx *c, bool error, const char *path, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!path[0] && !c->prefix[0])
		return dg_problems_add(c->problems, error, "%s: %s", c->name, msg);
	if (!path[0])
		return dg_problems_add(c->problems, error, "%s: %.*s: %s", c->name,
				       (int)strlen(c->prefix) - 1, c->prefix, msg);
	return dg_problems_add(c->problems, error, "%s: %s%s: %s", c->name, c->prefix, path, msg);
}

int perr(const struct pctx *c, const char *path, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = record(c, true, path, fmt, ap);
	va_end(ap);
	return rc < 0 ? rc : -EINVAL;
}

int pwarn(const struct pctx *c, const char *path, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = record(c, false, path, fmt, ap);
	va_end(ap);
	return rc;
}

int pwrap(const struct pctx *c, const char *path, int rc)
{
	if (fatal(rc))
		return rc;
	return perr(c, path, "%s", dg_errmsg());
}

void pathf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

const char *json_type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "unknown";
}

/* Keys of moby's and containers/common's form that runtimes do not read. */
static const char *const engine_keys[] = {"includes", "excludes", "archMap"};

static bool is_empty(json_t *v)
{
	return json_is_null(v) || (json_is_object(v) && json_object_size(v) == 0) ||
	       (json_is_array(v) && json_array_size(v) == 0);
}

static int check_key(const struct pctx *c, const char *kpath, const char *key, json_t *v)
{
	for (size_t i = 0; i < sizeof(engine_keys) / sizeof(engine_keys[0]); i++) {
		if (strcmp(key, engine_keys[i]) != 0)
			continue;
		if (is_empty(v))
			return 0;
		if (c->prefix[0])
			return perr(c, kpath,
				    "\"%s\" is Docker-only (moby default.json form): the runtime "
				    "reads this config.json and ignores it, which changes what the "
				    "profile allows; remove it",
				    key);
		return perr(c, kpath,
			    "\"%s\" is Docker-only (moby default.json form) and runtimes ignore "
			    "it, which changes what the profile allows; driftguard needs the OCI "
			    "form: give the profile Docker actually applies (the container's "
			    "config.json linux.seccomp) instead",
			    key);
	}
	return perr(c, kpath, "unknown key \"%s\"; not part of an OCI seccomp profile", key);
}

int check_keys(const struct pctx *c, const char *path, json_t *obj, const char *const *allowed,
	       size_t n_allowed)
{
	const char *key;
	json_t *v;
	int rc = 0;

	json_object_foreach(obj, key, v)
	{
		char kpath[PATH_MAX_LEN];
		bool ok = strcmp(key, "comment") == 0;
		int krc;

		for (size_t i = 0; i < n_allowed && !ok; i++)
			ok = strcmp(key, allowed[i]) == 0;
		if (ok)
			continue;
		pathf(kpath, sizeof(kpath), "%s%s%s", path, path[0] ? "." : "", key);
		krc = check_key(c, kpath, key, v);
		if (fatal(krc))
			return krc;
		if (krc < 0)
			rc = krc;
	}
	return rc;
}

int get_string(const struct pctx *c, const char *path, json_t *j, const char **out)
{
	if (!json_is_string(j))
		return perr(c, path, "must be a string, not %s", json_type_name(j));
	if (strlen(json_string_value(j)) != json_string_length(j))
		return perr(c, path, "contains a NUL character");
	*out = json_string_value(j);
	return 0;
}

int get_u64(const struct pctx *c, const char *path, json_t *j, uint64_t *out)
{
	json_int_t v;

	if (!json_is_integer(j))
		return perr(c, path, "must be a non-negative integer, not %s", json_type_name(j));
	v = json_integer_value(j);
	if (v < 0)
		return perr(c, path, "must be a non-negative integer, not %lld", (long long)v);
	*out = (uint64_t)v;
	return 0;
}

int get_string_array(const struct pctx *c, const char *path, json_t *j)
{
	bool bad = false;
	size_t k;
	json_t *e;

	if (!j || json_is_null(j))
		return 0;
	if (!json_is_array(j))
		return perr(c, path, "must be an array of strings, not %s", json_type_name(j));
	json_array_foreach(j, k, e)
	{
		char epath[PATH_MAX_LEN];
		const char *s;

		pathf(epath, sizeof(epath), "%s[%zu]", path, k);
		KEEP_GOING(bad, get_string(c, epath, e, &s));
	}
	return bad ? -EINVAL : 0;
}
