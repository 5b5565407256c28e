// SPDX-License-Identifier: GPL-2.0-only
/*
 * Serialising a profile as OCI JSON with a stable key order; writing it is
 * text_file.c's (atomic: a temporary file beside it, fsync, rename).
 */
#include "generator/profile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/errors.h"
#include "generator/text_file.h"

/* json_object_set_new() that tells whether it worked (the value is stolen). */
static bool set(json_t *obj, const char *key, json_t *v)
{
	return v && json_object_set_new(obj, key, v) == 0;
}

static bool append(json_t *arr, json_t *v)
{
	return v && json_array_append_new(arr, v) == 0;
}

static json_t *u64_json(uint64_t v)
{
	/* jansson integers are signed 64 bits. */
	if (v > (uint64_t)INT64_MAX)
		return NULL;
	return json_integer((json_int_t)v);
}

static json_t *arg_json(const struct dg_arg *a)
{
	_cleanup_(json_decrefp) json_t *o = json_object();
	const char *op = dg_op_name(a->op);

	if (!o || !op)
		return NULL;
	if (!set(o, "index", json_integer(a->index)) || !set(o, "value", u64_json(a->value)) ||
	    !set(o, "valueTwo", u64_json(a->value_two)) || !set(o, "op", json_string(op)))
		return NULL;
	return TAKE_PTR(o);
}

static json_t *rule_json(const struct dg_rule *r)
{
	_cleanup_(json_decrefp) json_t *o = json_object();
	_cleanup_(json_decrefp) json_t *names = json_array();
	const char *act = dg_action_name(r->action.kind);

	if (!o || !names || !act)
		return NULL;
	for (size_t i = 0; i < r->n_names; i++) {
		if (!append(names, json_string(r->names[i])))
			return NULL;
	}
	if (!set(o, "names", TAKE_PTR(names)) || !set(o, "action", json_string(act)))
		return NULL;
	if (r->action.has_ret && !set(o, "errnoRet", json_integer(r->action.ret)))
		return NULL;
	if (r->n_args > 0) {
		_cleanup_(json_decrefp) json_t *args = json_array();

		if (!args)
			return NULL;
		for (size_t i = 0; i < r->n_args; i++) {
			if (!append(args, arg_json(&r->args[i])))
				return NULL;
		}
		if (!set(o, "args", TAKE_PTR(args)))
			return NULL;
	}
	return TAKE_PTR(o);
}

json_t *dg_profile_to_json(const struct dg_profile *p)
{
	_cleanup_(json_decrefp) json_t *o = json_object();
	_cleanup_(json_decrefp) json_t *rules = json_array();
	const char *def = dg_action_name(p->default_action.kind);

	if (!o || !rules || !def)
		return NULL;
	if (p->comment && !set(o, "comment", json_string(p->comment)))
		return NULL;
	if (!set(o, "defaultAction", json_string(def)))
		return NULL;
	if (p->default_action.has_ret &&
	    !set(o, "defaultErrnoRet", json_integer(p->default_action.ret)))
		return NULL;
	if (p->n_arches > 0) {
		_cleanup_(json_decrefp) json_t *a = json_array();

		if (!a)
			return NULL;
		for (size_t i = 0; i < p->n_arches; i++) {
			const char *name = dg_arch_name(p->arches[i]);

			if (!name || !append(a, json_string(name)))
				return NULL;
		}
		if (!set(o, "architectures", TAKE_PTR(a)))
			return NULL;
	}
	if (p->n_flags > 0) {
		_cleanup_(json_decrefp) json_t *f = json_array();

		if (!f)
			return NULL;
		for (size_t i = 0; i < p->n_flags; i++) {
			if (!append(f, json_string(p->flags[i])))
				return NULL;
		}
		if (!set(o, "flags", TAKE_PTR(f)))
			return NULL;
	}
	if (p->listener_path && !set(o, "listenerPath", json_string(p->listener_path)))
		return NULL;
	if (p->listener_metadata && !set(o, "listenerMetadata", json_string(p->listener_metadata)))
		return NULL;
	for (size_t i = 0; i < p->n_rules; i++) {
		if (!append(rules, rule_json(&p->rules[i])))
			return NULL;
	}
	if (!set(o, "syscalls", TAKE_PTR(rules)))
		return NULL;
	return TAKE_PTR(o);
}

char *dg_profile_to_string(const struct dg_profile *p)
{
	_cleanup_(json_decrefp) json_t *root = dg_profile_to_json(p);
	_cleanup_free_ char *s = NULL;
	char *out;

	if (!root) {
		dg_err(EINVAL, "cannot serialise the profile: out of memory, an unknown action, "
			       "architecture or operator, or an argument value above 2^63-1");
		return NULL;
	}
	s = json_dumps(root, JSON_INDENT(2));
	if (!s) {
		dg_err(ENOMEM, "cannot serialise the profile: out of memory");
		return NULL;
	}
	if (asprintf(&out, "%s\n", s) < 0) {
		dg_err(ENOMEM, "out of memory");
		return NULL;
	}
	return out;
}

int dg_profile_write_file(const struct dg_profile *p, const char *path)
{
	_cleanup_free_ char *s = NULL;
	int rc;

	rc = dg_profile_validate(p);
	if (rc < 0)
		return dg_err_wrap(rc, "%s: refusing to write an invalid profile", path);
	s = dg_profile_to_string(p);
	if (!s)
		return dg_err_wrap(-EINVAL, "%s", path);
	return dg_write_text_file(s, path);
}
