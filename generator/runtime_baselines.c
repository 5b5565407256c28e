// SPDX-License-Identifier: GPL-2.0-only
#include "generator/runtime_baselines.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/errors.h"
#include "common/macros.h"
#include "generator/profile.h"
#include "generator/runtime_baselines_data.h"

struct baseline {
	const char *name; /* the file's name in profiles/runtimes/, without .json */
	unsigned int runtime;
	const char *json;
};

static const struct baseline baselines[] = {
	{"runc", DG_BASELINE_RUNC, DG_BASELINE_RUNC_JSON},
	{"runc-nnp", DG_BASELINE_RUNC, DG_BASELINE_RUNC_NNP_JSON},
	{"crun", DG_BASELINE_CRUN, DG_BASELINE_CRUN_JSON},
	{"crun-nnp", DG_BASELINE_CRUN, DG_BASELINE_CRUN_NNP_JSON},
};

int dg_runtime_baseline_parse(const char *s, unsigned int *out)
{
	if (!strcmp(s, "all"))
		*out = DG_BASELINE_ALL;
	else if (!strcmp(s, "runc"))
		*out = DG_BASELINE_RUNC;
	else if (!strcmp(s, "crun"))
		*out = DG_BASELINE_CRUN;
	else if (!strcmp(s, "none"))
		*out = 0;
	else
		return dg_err(EINVAL,
			      "\"%s\" is not a runtime baseline; use all, runc, crun or none", s);
	return 0;
}

/* "1.1.5+ds1" out of the baseline's comment ("... what runc version 1.1.5+ds1 does ..."). */
static void runtime_version(const char *json, char *buf, size_t len)
{
	const char *v = strstr(json, " version ");
	size_t n;

	buf[0] = '\0';
	if (!v)
		return;
	v += strlen(" version ");
	n = strcspn(v, " \"");
	snprintf(buf, len, "%.*s", (int)n, v);
}

void dg_runtime_baseline_describe(unsigned int which, char *buf, size_t len)
{
	char version[64];
	size_t used = 0;

	snprintf(buf, len, "none");
	/* A runtime's two files, its own name first, come from one run of the script. */
	for (size_t i = 0; i + 1 < ARRAY_SIZE(baselines) && used < len; i += 2) {
		if (!(which & baselines[i].runtime))
			continue;
		runtime_version(baselines[i].json, version, sizeof(version));
		used += (size_t)snprintf(buf + used, len - used, "%s%s, %s (%s %s)",
					 used ? ", " : "", baselines[i].name, baselines[i + 1].name,
					 baselines[i].name, version[0] ? version : "?");
	}
}

int dg_runtime_baseline_each(unsigned int which, int (*fn)(void *ctx, const char *name), void *ctx)
{
	for (size_t i = 0; i < ARRAY_SIZE(baselines); i++) {
		_cleanup_(dg_profile_freep) struct dg_profile *p = NULL;
		int rc;

		if (!(which & baselines[i].runtime))
			continue;
		rc = dg_profile_parse_string(baselines[i].json, baselines[i].name, &p);
		if (rc)
			return dg_err_wrap(rc, "the built-in runtime baseline %s",
					   baselines[i].name);
		for (size_t r = 0; r < p->n_rules; r++) {
			const struct dg_rule *rule = &p->rules[r];

			/* A baseline is one unconditional allow list; anything else is not ours to
			 * union. */
			if (rule->action.kind != DG_ACT_ALLOW || rule->n_args)
				continue;
			for (size_t n = 0; n < rule->n_names; n++) {
				rc = fn(ctx, rule->names[n]);
				if (rc)
					return rc;
			}
		}
	}
	return 0;
}
