/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Checks shared by the identity harnesses: an identity must display, and
 * convert to JSON, whatever bytes its fields hold (text that is not UTF-8
 * is escaped, its raw bytes kept: common/json_text.h), and every field must
 * come back from that JSON byte for byte.
 */
#ifndef __DG_FUZZ_IDENTITY_JSON_H
#define __DG_FUZZ_IDENTITY_JSON_H

#include <stdbool.h>
#include <string.h>

#include "common/errors.h"
#include "common/json_text.h"
#include "containers/identity.h"
#include "tests/fuzz/fuzz.h"

/* obj[key] gives back `want` exactly (an absent key is an empty field). */
static inline void fuzz_check_text(const json_t *obj, const char *key, const char *want)
{
	char back[DG_IDENTITY_PATH_MAX];
	long n;

	if (!want[0] && !json_object_get(obj, key))
		return;
	n = dg_json_get_text(obj, key, back, sizeof(back));
	FUZZ_CHECK(n >= 0 && !strcmp(back, want), "%s does not come back from the JSON", key);
}

/* Display into buffers of every small size too: truncation must stay in bounds. */
static inline void fuzz_check_identity_output(const struct dg_identity *ident)
{
	char buf[600];
	json_t *j = NULL;
	char *s;
	int rc;

	for (size_t len = 0; len < 24; len++)
		dg_identity_display(ident, buf, len);
	dg_identity_display(ident, buf, sizeof(buf));
	rc = dg_identity_to_json(ident, &j);
	FUZZ_CHECK(rc == 0, "to_json: %s", dg_errmsg());
	s = json_dumps(j, 0);
	FUZZ_CHECK(s, "the identity's JSON cannot be written");
	fuzz_check_text(j, "id", ident->id);
	fuzz_check_text(j, "name", ident->name);
	fuzz_check_text(j, "cgroup", ident->cgroup);
	fuzz_check_text(j, "bundle", ident->bundle);
	free(s);
	json_decref(j);
}

#endif /* __DG_FUZZ_IDENTITY_JSON_H */
