// SPDX-License-Identifier: GPL-2.0-only
/*
 * `interpreters:` of the rules file (docs/rules.md, Interpreters): the
 * programs whose reads of files `kind: interpreted` judges, named as the
 * binary a task runs (its file's name, '*' once as in paths), checked when
 * the file is parsed; the default list when a rule names the kind without
 * one; their kernel form in struct dg_policy_hdr, and the reference of how
 * the kernel matches a name against it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/macros.h"
#include "enforcer/rules.h"
#include "enforcer/rules_parse.h"
#include "enforcer/yaml_doc.h"

/*
 * Shells and the common script runtimes, as Debian and the official images
 * name their binaries (python3.11, perl5.36.0, ruby3.1, php8.2 behind their
 * symlinks). busybox is not in it: one binary is every applet (cat, cp,
 * grep), so listing it makes them all interpreters.
 */
static const char *const default_interpreters[] = {
	"sh",	   "bash",  "dash",  "ash",  "ksh",    "mksh", "zsh",
	"python*", "perl*", "ruby*", "node", "nodejs", "php*", "lua*",
};

#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-*"

static const char *interpreter_problem(const char *s, size_t *too_long_at)
{
	const char *star = strchr(s, '*');
	size_t len = strlen(s), plen, slen;

	if (strspn(s, NAME_CHARS) != len)
		return "is not a program name (letters, digits, '.', '_', '+', '-' and one '*'; "
		       "the "
		       "name of the binary, not a path)";
	if (star && strchr(star + 1, '*'))
		return "has more than one '*'; the kernel matches one prefix and one suffix";
	if (!strcmp(s, "*"))
		return "would make every program an interpreter, and every file any program reads "
		       "a script";
	plen = star ? (size_t)(star - s) : len;
	slen = star ? len - plen - 1 : 0;
	if (plen > DG_INTERP_NAME_MAX - 1 || slen > DG_INTERP_NAME_MAX - 1) {
		*too_long_at = plen > DG_INTERP_NAME_MAX - 1 ? 0 : 1;
		return "is too long";
	}
	return NULL;
}

int dg_rules_parse_interpreters(const struct pctx *c, yaml_node_t *n, const char *kp)
{
	struct dg_policy *p = c->p;
	int rc = dg_yaml_check_list(c->y, n, kp, "program name");

	if (rc < 0)
		return rc;
	if (dg_yaml_list_len(n) > DG_MAX_INTERPRETERS)
		return dg_yaml_err(c->y, n, kp, "%zu programs; the kernel keeps at most %d",
				   dg_yaml_list_len(n), DG_MAX_INTERPRETERS);
	p->interpreters = calloc(dg_yaml_list_len(n), sizeof(*p->interpreters));
	if (!p->interpreters)
		return dg_err(ENOMEM, "out of memory");
	for (size_t i = 0; i < dg_yaml_list_len(n); i++) {
		char sub[DG_YAML_KEYPATH_MAX];
		yaml_node_t *it = dg_yaml_list_item(c->y, n, i, kp, sub, sizeof(sub));
		const char *s, *problem;
		size_t at = 0;

		rc = dg_yaml_get_string(c->y, it, sub, &s);
		if (rc < 0)
			return rc;
		problem = interpreter_problem(s, &at);
		if (problem && !strcmp(problem, "is too long"))
			return dg_yaml_err(c->y, it, sub,
					   "\"%.40s\" is too long: the part %s '*' may have at "
					   "most %d bytes",
					   s, at ? "after" : "before", DG_INTERP_NAME_MAX - 1);
		if (problem)
			return dg_yaml_err(c->y, it, sub, "\"%s\" %s", s, problem);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(p->interpreters[k], s))
				return dg_yaml_err(c->y, it, sub, "\"%s\" is listed twice", s);
		p->interpreters[i] = strdup(s);
		if (!p->interpreters[i])
			return dg_err(ENOMEM, "out of memory");
		p->n_interpreters = i + 1;
	}
	return 0;
}

/* Whether a rule (not an exception: those only allow) judges interpreted reads. */
static bool policy_judges_interpreted(const struct dg_policy *p)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (!p->rules[i].exception && (p->rules[i].kinds & DG_KIND_INTERPRETED))
			return true;
	return false;
}

int dg_rules_check_interpreters(const struct pctx *c, yaml_node_t *n)
{
	if (!n || policy_judges_interpreted(c->p))
		return 0;
	return dg_yaml_err(c->y, n, "interpreters",
			   "no rule has kind interpreted, so the list would do nothing; add "
			   "interpreted to a rule's match.kind, or remove the list");
}

const char *const *dg_policy_interpreters(const struct dg_policy *p, size_t *n)
{
	if (p->n_interpreters) {
		*n = p->n_interpreters;
		return (const char *const *)p->interpreters;
	}
	*n = ARRAY_SIZE(default_interpreters);
	return default_interpreters;
}

/* FNV-1a, never 0: tells the kernel's recognition of a task that the list changed. */
static unsigned int list_id(const char *const *names, size_t n)
{
	unsigned int h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		for (const char *q = names[i];; q++) {
			h = (h ^ (unsigned char)*q) * 16777619u;
			if (!*q)
				break;
		}
	return h ? h : 1;
}

void dg_interpreters_compile(const struct dg_policy *p, struct dg_policy_hdr *hdr)
{
	const char *const *names;
	size_t n;

	hdr->n_interpreters = 0;
	hdr->interp_id = 0;
	memset(hdr->interpreters, 0, sizeof(hdr->interpreters));
	if (!policy_judges_interpreted(p))
		return; /* the kernel then looks at no open at all */
	names = dg_policy_interpreters(p, &n);
	for (size_t i = 0; i < n && i < DG_MAX_INTERPRETERS; i++) {
		struct dg_interp_bpf *b = &hdr->interpreters[i];
		const char *star = strchr(names[i], '*');
		size_t plen = star ? (size_t)(star - names[i]) : strlen(names[i]);

		b->glob = star != NULL;
		b->prefix_len = (unsigned char)plen;
		memcpy(b->prefix, names[i], plen);
		if (star) {
			b->suffix_len = (unsigned char)strlen(star + 1);
			memcpy(b->suffix, star + 1, b->suffix_len);
		}
	}
	hdr->n_interpreters = (unsigned int)(n < DG_MAX_INTERPRETERS ? n : DG_MAX_INTERPRETERS);
	hdr->interp_id = list_id(names, n);
}

bool dg_interpreter_matches(const struct dg_policy_hdr *hdr, const char *name)
{
	size_t len = strlen(name);

	if (len >= DG_INTERP_EXE_NAME_MAX)
		return false; /* the kernel reads no more of it */
	for (unsigned int i = 0; i < hdr->n_interpreters && i < DG_MAX_INTERPRETERS; i++) {
		const struct dg_interp_bpf *b = &hdr->interpreters[i];

		if (len < (size_t)b->prefix_len + b->suffix_len)
			continue;
		if (!b->glob && len != b->prefix_len)
			continue;
		if (memcmp(name, b->prefix, b->prefix_len))
			continue;
		if (b->glob && memcmp(name + len - b->suffix_len, b->suffix, b->suffix_len))
			continue;
		return true;
	}
	return false;
}
