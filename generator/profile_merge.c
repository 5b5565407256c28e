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
 *  - per syscall and set of argument comparisons of the conditional rules,
 *    one action, chosen the same way (ALLOW first: the union keeps it), since
 *    libseccomp refuses (-EEXIST) two actions for the same comparisons. Two
 *    ERRNO (or TRACE) returns for the same comparisons keep the earlier
 *    input's, with a warning naming both inputs and the syscall: both deny,
 *    the first input is the one the user named first, and the unconditional
 *    rules and the default action are merged the same way.
 */
#include "generator/profile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/errors.h"
#include "common/macros.h"

/* The inputs and what messages call them: their file names, or "input N". */
struct inputs {
	struct dg_profile *const *p;
	const char *const *names; /* NULL: "input N" */
	size_t n;
};

static const char *label(const struct inputs *in, size_t i, char buf[32])
{
	if (in->names && in->names[i])
		return in->names[i];
	snprintf(buf, 32, "input %zu", i + 1);
	return buf;
}

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

/* Do a and b return the same, errno included? */
static bool same_effect(const struct dg_action *a, const struct dg_action *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind != DG_ACT_ERRNO && a->kind != DG_ACT_TRACE)
		return true;
	return effective_ret(a) == effective_ret(b);
}

static bool arg_eq(const struct dg_arg *x, const struct dg_arg *y)
{
	return x->index == y->index && x->value == y->value && x->value_two == y->value_two &&
	       x->op == y->op;
}

/* The same comparisons, in any order (a rule ANDs them). */
static bool args_same(const struct dg_rule *a, const struct dg_rule *b)
{
	bool used[32] = {false};

	if (a->n_args != b->n_args)
		return false;
	if (a->n_args > ARRAY_SIZE(used)) {
		for (size_t i = 0; i < a->n_args; i++) {
			if (!arg_eq(&a->args[i], &b->args[i]))
				return false;
		}
		return true;
	}
	for (size_t i = 0; i < a->n_args; i++) {
		const struct dg_arg *x = &a->args[i];
		bool found = false;

		for (size_t k = 0; k < b->n_args && !found; k++) {
			const struct dg_arg *y = &b->args[k];

			found = !used[k] && arg_eq(x, y);
			used[k] = used[k] || found;
		}
		if (!found)
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

/* The same for a conditional rule, where an ALLOW can meet the others. */
static bool cond_wins_over(const struct dg_action *a, const struct dg_action *b)
{
	if (a->kind == DG_ACT_ALLOW || b->kind == DG_ACT_ALLOW)
		return a->kind == DG_ACT_ALLOW && b->kind != DG_ACT_ALLOW;
	return wins_over(a, b);
}

static bool allowed(const char *const *allow, size_t n, const char *name)
{
	return bsearch(&name, allow, n, sizeof(*allow), cmp_str) != NULL;
}

static int check_inputs(const struct inputs *in)
{
	const char *listener = NULL;
	size_t listener_from = 0;
	char a[32], b[32];

	if (in->n == 0)
		return dg_err(EINVAL, "nothing to merge: give at least one profile");
	for (size_t i = 0; i < in->n; i++) {
		const struct dg_profile *p = in->p[i];

		if (is_permissive(p->default_action.kind))
			return dg_err(EINVAL,
				      "%s: default action %s permits every syscall it does "
				      "not list, which a merged profile cannot keep without "
				      "widening the others; give it a denying default such as "
				      "SCMP_ACT_ERRNO",
				      label(in, i, a), dg_action_name(p->default_action.kind));
		if (!p->listener_path)
			continue;
		if (!listener) {
			listener = p->listener_path;
			listener_from = i;
		} else if (strcmp(listener, p->listener_path) != 0) {
			return dg_err(EINVAL,
				      "%s: listenerPath \"%s\" differs from \"%s\" of %s; a "
				      "profile has one seccomp agent, so give them the same "
				      "listenerPath",
				      label(in, i, a), p->listener_path, listener,
				      label(in, listener_from, b));
		}
	}
	return 0;
}

/* "merged by driftguard from: A | B": what each input says it came from. */
static int merge_comments(const struct inputs *in, struct dg_profile *out)
{
	_cleanup_free_ char *c = NULL;
	size_t len = 0;
	char a[32];
	FILE *f;

	f = open_memstream(&c, &len);
	if (!f)
		return dg_err(ENOMEM, "out of memory");
	fputs("merged by driftguard from:", f);
	for (size_t i = 0; i < in->n; i++)
		if (in->p[i]->comment)
			fprintf(f, "%s %s", i ? " |" : "", in->p[i]->comment);
		else
			fprintf(f, "%s %s (no comment)", i ? " |" : "", label(in, i, a));
	if (fclose(f))
		return dg_err(ENOMEM, "out of memory");
	return dg_profile_set_comment(out, c);
}

static int add_flag(struct dg_profile *out, const char *flag)
{
	char **f;

	for (size_t j = 0; j < out->n_flags; j++) {
		if (strcmp(out->flags[j], flag) == 0)
			return 0;
	}
	f = reallocarray(out->flags, out->n_flags + 1, sizeof(*f));
	if (!f)
		return dg_err(ENOMEM, "out of memory");
	out->flags = f;
	f[out->n_flags] = strdup(flag);
	if (!f[out->n_flags])
		return dg_err(ENOMEM, "out of memory");
	out->n_flags++;
	return 0;
}

static int merge_header(const struct inputs *in, struct dg_profile *out)
{
	size_t strictest = 0;
	char a[32], b[32];
	int rc;

	for (size_t i = 1; i < in->n; i++) {
		if (in->p[i]->default_action.kind < in->p[strictest]->default_action.kind)
			strictest = i;
	}
	out->default_action = in->p[strictest]->default_action;
	for (size_t i = strictest + 1; i < in->n; i++) {
		const struct dg_action *d = &in->p[i]->default_action;

		if (d->kind == out->default_action.kind &&
		    effective_ret(d) != effective_ret(&out->default_action))
			dg_warn("merge: %s has default %s with errno %u, %s has %u; keeping %u",
				label(in, i, a), dg_action_name(d->kind), effective_ret(d),
				label(in, strictest, b), effective_ret(&out->default_action),
				effective_ret(&out->default_action));
	}

	for (size_t i = 0; i < in->n; i++) {
		const struct dg_profile *p = in->p[i];

		for (size_t k = 0; k < p->n_arches; k++) {
			rc = dg_profile_add_arch(out, p->arches[k]);
			if (rc < 0)
				return rc;
		}
		for (size_t k = 0; k < p->n_flags; k++) {
			rc = add_flag(out, p->flags[k]);
			if (rc < 0)
				return rc;
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
			dg_warn("merge: %s has another listenerMetadata; keeping the first one",
				label(in, i, a));
		}
	}
	return 0;
}

/* A syscall under some argument comparisons, and the input rule that decides it. */
struct cond_choice {
	const char *name;
	const struct dg_rule *rule;
	size_t input;
	bool done; /* in the merged profile */
};

static void warn_errno_conflict(const struct inputs *in, const struct cond_choice *c, size_t i,
				const struct dg_rule *r)
{
	char a[32], b[32];

	dg_warn("merge: %s gives \"%s\" %s with errno %u under the same argument conditions "
		"for which %s gives errno %u; keeping %u, the earlier input's",
		label(in, i, a), c->name, dg_action_name(r->action.kind), effective_ret(&r->action),
		label(in, c->input, b), effective_ret(&c->rule->action),
		effective_ret(&c->rule->action));
}

/*
 * One action per (syscall, comparisons) of the conditional rules; a denial
 * of a name that some input allows outright is dropped, as libseccomp would
 * let the unconditional allow swallow it anyway.
 */
static size_t choose_conditional(const struct inputs *in, const char *const *allow, size_t n_allow,
				 struct cond_choice *choice)
{
	size_t n = 0;

	for (size_t i = 0; i < in->n; i++) {
		for (size_t k = 0; k < in->p[i]->n_rules; k++) {
			const struct dg_rule *r = &in->p[i]->rules[k];

			if (r->n_args == 0)
				continue;
			for (size_t j = 0; j < r->n_names; j++) {
				struct cond_choice *c = NULL;

				if (r->action.kind != DG_ACT_ALLOW &&
				    allowed(allow, n_allow, r->names[j]))
					continue;
				for (size_t x = 0; x < n && !c; x++) {
					if (strcmp(choice[x].name, r->names[j]) == 0 &&
					    args_same(choice[x].rule, r))
						c = &choice[x];
				}
				if (!c) {
					choice[n++] =
						(struct cond_choice){r->names[j], r, i, false};
				} else if (cond_wins_over(&r->action, &c->rule->action)) {
					c->rule = r;
					c->input = i;
				} else if (r->action.kind == c->rule->action.kind &&
					   !same_effect(&r->action, &c->rule->action)) {
					warn_errno_conflict(in, c, i, r);
				}
			}
		}
	}
	return n;
}

/* The chosen conditional rules (allows or the others), each with the names it decides. */
static int add_conditional(const struct inputs *in, struct cond_choice *choice, size_t n_choice,
			   bool allows, const char **names, struct dg_profile *m)
{
	for (size_t i = 0; i < in->n; i++) {
		for (size_t k = 0; k < in->p[i]->n_rules; k++) {
			const struct dg_rule *r = &in->p[i]->rules[k];
			size_t cnt = 0;
			int rc;

			if (r->n_args == 0 || (r->action.kind == DG_ACT_ALLOW) != allows)
				continue;
			/* The same input may be given twice: its rule then decides once. */
			for (size_t x = 0; x < n_choice; x++) {
				if (choice[x].rule == r && !choice[x].done) {
					choice[x].done = true;
					names[cnt++] = choice[x].name;
				}
			}
			if (cnt == 0)
				continue;
			rc = dg_profile_add_rule(m, names, cnt, &r->action, r->args, r->n_args);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* Every name some input allows unconditionally, sorted, unique; in one ALLOW rule of m. */
static int merge_allows(const struct inputs *in, const char **allow, size_t *n_allow,
			struct dg_profile *m)
{
	struct dg_action act = {.kind = DG_ACT_ALLOW};
	size_t n = 0, u = 1;

	for (size_t i = 0; i < in->n; i++) {
		for (size_t k = 0; k < in->p[i]->n_rules; k++) {
			const struct dg_rule *r = &in->p[i]->rules[k];

			if (r->action.kind != DG_ACT_ALLOW || r->n_args > 0)
				continue;
			for (size_t j = 0; j < r->n_names; j++)
				allow[n++] = r->names[j];
		}
	}
	*n_allow = n;
	if (n == 0)
		return 0;
	qsort(allow, n, sizeof(*allow), cmp_str);
	for (size_t j = 1; j < n; j++) {
		if (strcmp(allow[u - 1], allow[j]) != 0)
			allow[u++] = allow[j];
	}
	*n_allow = u;
	return dg_profile_add_rule(m, allow, u, &act, NULL, 0);
}

/* Unconditional non-allow actions per name, the strictest (or LOG) winning. */
static size_t choose_denials(const struct inputs *in, const char *const *allow, size_t n_allow,
			     const char *const *callow, size_t n_callow, struct name_action *deny)
{
	size_t n_deny = 0;
	char a[32];

	for (size_t i = 0; i < in->n; i++) {
		for (size_t k = 0; k < in->p[i]->n_rules; k++) {
			const struct dg_rule *r = &in->p[i]->rules[k];

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
				} else if (r->action.kind == d->action.kind &&
					   !same_effect(&r->action, &d->action)) {
					dg_warn("merge: %s gives \"%s\" %s with errno %u, an "
						"earlier "
						"input errno %u; keeping the earlier",
						label(in, i, a), r->names[j],
						dg_action_name(r->action.kind),
						effective_ret(&r->action),
						effective_ret(&d->action));
				}
			}
		}
	}
	return n_deny;
}

/* One rule per distinct action, in the order the actions first appear. */
static int add_denials(struct name_action *deny, size_t n_deny, const char **names,
		       struct dg_profile *m)
{
	for (size_t x = 0; x < n_deny; x++) {
		size_t cnt = 0;
		int rc;

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
	return 0;
}

int dg_profile_merge_named(struct dg_profile *const *p, const char *const *labels, size_t n,
			   struct dg_profile **out)
{
	const struct inputs in = {.p = p, .names = labels, .n = n};
	_cleanup_(dg_profile_freep) struct dg_profile *m = NULL;
	_cleanup_free_ const char **allow = NULL, **callow = NULL, **names = NULL;
	_cleanup_free_ struct name_action *deny = NULL;
	_cleanup_free_ struct cond_choice *choice = NULL;
	size_t n_allow = 0, n_callow = 0, n_deny, n_choice, cap = 0;
	int rc;

	rc = check_inputs(&in);
	if (rc < 0)
		return rc;
	m = dg_profile_new();
	if (!m)
		return dg_err(ENOMEM, "out of memory");
	rc = merge_header(&in, m);
	if (rc == 0)
		rc = merge_comments(&in, m);
	if (rc < 0)
		return rc;

	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < p[i]->n_rules; k++)
			cap += p[i]->rules[k].n_names;
	}
	allow = calloc(cap + 1, sizeof(*allow));
	deny = calloc(cap + 1, sizeof(*deny));
	names = calloc(cap + 1, sizeof(*names));
	callow = calloc(cap + 1, sizeof(*callow));
	choice = calloc(cap + 1, sizeof(*choice));
	if (!allow || !deny || !names || !callow || !choice)
		return dg_err(ENOMEM, "out of memory");

	rc = merge_allows(&in, allow, &n_allow, m);
	if (rc < 0)
		return rc;
	n_choice = choose_conditional(&in, allow, n_allow, choice);
	/* Conditional allows right after the unconditional one, as the inputs have them. */
	rc = add_conditional(&in, choice, n_choice, true, names, m);
	if (rc < 0)
		return rc;
	for (size_t x = 0; x < n_choice; x++) {
		if (choice[x].rule->action.kind == DG_ACT_ALLOW)
			callow[n_callow++] = choice[x].name;
	}
	qsort(callow, n_callow, sizeof(*callow), cmp_str);

	n_deny = choose_denials(&in, allow, n_allow, callow, n_callow, deny);
	rc = add_denials(deny, n_deny, names, m);
	if (rc == 0)
		rc = add_conditional(&in, choice, n_choice, false, names, m);
	if (rc < 0)
		return rc;

	rc = dg_profile_validate(m);
	if (rc < 0)
		return dg_err_wrap(rc, "the merged profile does not compile");
	*out = TAKE_PTR(m);
	return 0;
}

int dg_profile_merge(struct dg_profile *const *in, size_t n, struct dg_profile **out)
{
	return dg_profile_merge_named(in, NULL, n, out);
}
