// SPDX-License-Identifier: GPL-2.0-only
/*
 * Merging profiles into one that allows the union of what they allow, without
 * widening anything else (IG#215, SPO#677, runtime-spec#1317).
 *
 * The result has
 *  - the strictest default action of the inputs;
 *  - the union of their architectures (first-seen order) and flags;
 *  - one SCMP_ACT_ALLOW rule with every name some input allows unconditionally;
 *  - the conditional (args) SCMP_ACT_ALLOW rules of the inputs, deduplicated;
 *  - the other rules (ERRNO, KILL, LOG, ...) for the names no input allows
 *    unconditionally. Where inputs disagree on an unconditional name, the
 *    strictest action wins, except that SCMP_ACT_LOG (which lets the call run)
 *    wins over denials: the union must keep what one input permits. A name
 *    that some input allows with conditions loses its unconditional denial,
 *    since libseccomp would let the denial swallow the conditional allow.
 */
#include "generator/profile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/errors.h"

DG_DEFINE_CLEANUP(struct dg_profile *, dg_profile_free);

struct name_action {
	const char *name; /* borrowed from an input */
	struct dg_action action;
	bool done;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool is_permissive(enum dg_action_kind k)
{
	return k == DG_ACT_ALLOW || k == DG_ACT_LOG;
}

static uint32_t effective_ret(const struct dg_action *a)
{
	return a->has_ret ? a->ret : EPERM;
}

static bool action_eq(const struct dg_action *a, const struct dg_action *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind != DG_ACT_ERRNO && a->kind != DG_ACT_TRACE)
		return true;
	return a->has_ret == b->has_ret && a->ret == b->ret;
}

static bool rule_eq(const struct dg_rule *a, const struct dg_rule *b)
{
	if (!action_eq(&a->action, &b->action) || a->n_names != b->n_names ||
	    a->n_args != b->n_args)
		return false;
	for (size_t i = 0; i < a->n_names; i++) {
		if (strcmp(a->names[i], b->names[i]) != 0)
			return false;
	}
	for (size_t i = 0; i < a->n_args; i++) {
		const struct dg_arg *x = &a->args[i], *y = &b->args[i];

		if (x->index != y->index || x->value != y->value || x->value_two != y->value_two ||
		    x->op != y->op)
			return false;
	}
	return true;
}

/* Is the action of a the one to keep over b, for the same unconditional name? */
static bool wins_over(const struct dg_action *a, const struct dg_action *b)
{
	if (a->kind == DG_ACT_LOG || b->kind == DG_ACT_LOG)
		return a->kind == DG_ACT_LOG && b->kind != DG_ACT_LOG;
	return a->kind < b->kind;
}

static bool allowed(const char *const *allow, size_t n, const char *name)
{
	return bsearch(&name, allow, n, sizeof(*allow), cmp_str) != NULL;
}

static int check_inputs(struct dg_profile *const *in, size_t n)
{
	const char *listener = NULL;
	size_t listener_from = 0;

	if (n == 0)
		return dg_err(EINVAL, "nothing to merge: give at least one profile");
	for (size_t i = 0; i < n; i++) {
		const struct dg_profile *p = in[i];

		if (is_permissive(p->default_action.kind))
			return dg_err(EINVAL,
				      "input %zu: default action %s permits every syscall it does "
				      "not list, which a merged profile cannot keep without "
				      "widening the others; give it a denying default such as "
				      "SCMP_ACT_ERRNO",
				      i + 1, dg_action_name(p->default_action.kind));
		if (!p->listener_path)
			continue;
		if (!listener) {
			listener = p->listener_path;
			listener_from = i;
		} else if (strcmp(listener, p->listener_path) != 0) {
			return dg_err(EINVAL,
				      "input %zu: listenerPath \"%s\" differs from \"%s\" of input "
				      "%zu; a profile has one seccomp agent, so give them the same "
				      "listenerPath",
				      i + 1, p->listener_path, listener, listener_from + 1);
		}
	}
	return 0;
}

/* "merged by driftguard from: A | B": what each input says it came from. */
static int merge_comments(struct dg_profile *const *in, size_t n, struct dg_profile *out)
{
	_cleanup_free_ char *c = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&c, &len);
	if (!f)
		return dg_err(ENOMEM, "out of memory");
	fputs("merged by driftguard from:", f);
	for (size_t i = 0; i < n; i++)
		if (in[i]->comment)
			fprintf(f, "%s %s", i ? " |" : "", in[i]->comment);
		else
			fprintf(f, "%s input %zu (no comment)", i ? " |" : "", i + 1);
	if (fclose(f))
		return dg_err(ENOMEM, "out of memory");
	return dg_profile_set_comment(out, c);
}

static int merge_header(struct dg_profile *const *in, size_t n, struct dg_profile *out)
{
	size_t strictest = 0;
	int rc;

	for (size_t i = 1; i < n; i++) {
		if (in[i]->default_action.kind < in[strictest]->default_action.kind)
			strictest = i;
	}
	out->default_action = in[strictest]->default_action;
	for (size_t i = strictest + 1; i < n; i++) {
		const struct dg_action *a = &in[i]->default_action;

		if (a->kind == out->default_action.kind &&
		    effective_ret(a) != effective_ret(&out->default_action))
			dg_warn("merge: input %zu has default %s with errno %u, input %zu has %u; "
				"keeping %u",
				i + 1, dg_action_name(a->kind), effective_ret(a), strictest + 1,
				effective_ret(&out->default_action),
				effective_ret(&out->default_action));
	}

	for (size_t i = 0; i < n; i++) {
		const struct dg_profile *p = in[i];

		for (size_t k = 0; k < p->n_arches; k++) {
			rc = dg_profile_add_arch(out, p->arches[k]);
			if (rc < 0)
				return rc;
		}
		for (size_t k = 0; k < p->n_flags; k++) {
			bool dup = false;
			char **f;

			for (size_t j = 0; j < out->n_flags && !dup; j++)
				dup = strcmp(out->flags[j], p->flags[k]) == 0;
			if (dup)
				continue;
			f = reallocarray(out->flags, out->n_flags + 1, sizeof(*f));
			if (!f)
				return dg_err(ENOMEM, "out of memory");
			out->flags = f;
			f[out->n_flags] = strdup(p->flags[k]);
			if (!f[out->n_flags])
				return dg_err(ENOMEM, "out of memory");
			out->n_flags++;
		}
		if (p->listener_path && !out->listener_path) {
			out->listener_path = strdup(p->listener_path);
			if (!out->listener_path)
				return dg_err(ENOMEM, "out of memory");
		}
		if (!p->listener_metadata)
			continue;
		if (!out->listener_metadata) {
			out->listener_metadata = strdup(p->listener_metadata);
			if (!out->listener_metadata)
				return dg_err(ENOMEM, "out of memory");
		} else if (strcmp(out->listener_metadata, p->listener_metadata) != 0) {
			dg_warn("merge: input %zu has another listenerMetadata; keeping the first "
				"one",
				i + 1);
		}
	}
	return 0;
}

/* Appends rule r (of input i) unless an identical rule is already there. */
static int add_unique_rule(struct dg_profile *out, const struct dg_rule *r)
{
	for (size_t k = 0; k < out->n_rules; k++) {
		if (rule_eq(&out->rules[k], r))
			return 0;
	}
	return dg_profile_add_rule(out, (const char *const *)r->names, r->n_names, &r->action,
				   r->args, r->n_args);
}

int dg_profile_merge(struct dg_profile *const *in, size_t n, struct dg_profile **out)
{
	_cleanup_(dg_profile_freep) struct dg_profile *m = NULL;
	_cleanup_free_ const char **allow = NULL, **callow = NULL, **names = NULL;
	_cleanup_free_ struct name_action *deny = NULL;
	size_t n_allow = 0, n_callow = 0, n_deny = 0, cap = 0;
	int rc;

	rc = check_inputs(in, n);
	if (rc < 0)
		return rc;
	m = dg_profile_new();
	if (!m)
		return dg_err(ENOMEM, "out of memory");
	rc = merge_header(in, n, m);
	if (rc < 0)
		return rc;
	rc = merge_comments(in, n, m);
	if (rc < 0)
		return rc;

	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < in[i]->n_rules; k++)
			cap += in[i]->rules[k].n_names;
	}
	allow = calloc(cap + 1, sizeof(*allow));
	deny = calloc(cap + 1, sizeof(*deny));
	names = calloc(cap + 1, sizeof(*names));
	callow = calloc(cap + 1, sizeof(*callow));
	if (!allow || !deny || !names || !callow)
		return dg_err(ENOMEM, "out of memory");

	/* Every name some input allows unconditionally. */
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < in[i]->n_rules; k++) {
			const struct dg_rule *r = &in[i]->rules[k];

			if (r->action.kind != DG_ACT_ALLOW || r->n_args > 0)
				continue;
			for (size_t j = 0; j < r->n_names; j++)
				allow[n_allow++] = r->names[j];
		}
	}
	qsort(allow, n_allow, sizeof(*allow), cmp_str);
	if (n_allow > 0) {
		size_t u = 1;
		struct dg_action act = {.kind = DG_ACT_ALLOW};

		for (size_t j = 1; j < n_allow; j++) {
			if (strcmp(allow[u - 1], allow[j]) != 0)
				allow[u++] = allow[j];
		}
		n_allow = u;
		rc = dg_profile_add_rule(m, allow, n_allow, &act, NULL, 0);
		if (rc < 0)
			return rc;
	}

	/* Conditional allows, as they are. */
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < in[i]->n_rules; k++) {
			const struct dg_rule *r = &in[i]->rules[k];

			if (r->action.kind != DG_ACT_ALLOW || r->n_args == 0)
				continue;
			rc = add_unique_rule(m, r);
			if (rc < 0)
				return rc;
			for (size_t j = 0; j < r->n_names; j++)
				callow[n_callow++] = r->names[j];
		}
	}
	qsort(callow, n_callow, sizeof(*callow), cmp_str);

	/* Unconditional non-allow actions per name, the strictest (or LOG) winning. */
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < in[i]->n_rules; k++) {
			const struct dg_rule *r = &in[i]->rules[k];

			if (r->action.kind == DG_ACT_ALLOW || r->n_args > 0)
				continue;
			for (size_t j = 0; j < r->n_names; j++) {
				struct name_action *d = NULL;

				if (allowed(allow, n_allow, r->names[j]))
					continue;
				/*
				 * libseccomp lets an unconditional rule swallow the
				 * conditional ones of the same syscall: keep the allow.
				 */
				if (allowed(callow, n_callow, r->names[j])) {
					dg_debug("merge: \"%s\" is allowed with conditions by an "
						 "input; dropping its unconditional %s",
						 r->names[j], dg_action_name(r->action.kind));
					continue;
				}
				for (size_t x = 0; x < n_deny && !d; x++) {
					if (strcmp(deny[x].name, r->names[j]) == 0)
						d = &deny[x];
				}
				if (!d) {
					deny[n_deny++] = (struct name_action){
						.name = r->names[j],
						.action = r->action,
					};
				} else if (wins_over(&r->action, &d->action)) {
					d->action = r->action;
				} else if (!action_eq(&r->action, &d->action) &&
					   r->action.kind == d->action.kind) {
					dg_warn("merge: input %zu gives \"%s\" %s with errno %u, "
						"an "
						"earlier input errno %u; keeping the earlier",
						i + 1, r->names[j], dg_action_name(r->action.kind),
						effective_ret(&r->action),
						effective_ret(&d->action));
				}
			}
		}
	}
	/* One rule per distinct action, in the order the actions first appear. */
	for (size_t x = 0; x < n_deny; x++) {
		size_t cnt = 0;

		if (deny[x].done)
			continue;
		for (size_t y = x; y < n_deny; y++) {
			if (!deny[y].done && action_eq(&deny[y].action, &deny[x].action)) {
				deny[y].done = true;
				names[cnt++] = deny[y].name;
			}
		}
		rc = dg_profile_add_rule(m, names, cnt, &deny[x].action, NULL, 0);
		if (rc < 0)
			return rc;
	}

	/* Conditional non-allow rules, minus the names allowed unconditionally. */
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < in[i]->n_rules; k++) {
			const struct dg_rule *r = &in[i]->rules[k];
			struct dg_rule keep;
			size_t cnt = 0;

			if (r->action.kind == DG_ACT_ALLOW || r->n_args == 0)
				continue;
			for (size_t j = 0; j < r->n_names; j++) {
				if (!allowed(allow, n_allow, r->names[j]))
					names[cnt++] = r->names[j];
			}
			if (cnt == 0)
				continue;
			keep = *r;
			keep.names = (char **)names;
			keep.n_names = cnt;
			rc = add_unique_rule(m, &keep);
			if (rc < 0)
				return rc;
		}
	}

	rc = dg_profile_validate(m);
	if (rc < 0)
		return dg_err_wrap(rc, "the merged profile does not compile");
	*out = TAKE_PTR(m);
	return 0;
}
