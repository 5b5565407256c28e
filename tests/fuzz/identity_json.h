/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Checks shared by the identity harnesses: an identity must display, and
 * convert to JSON.
 *
 * Known bug, reported (tests/fuzz/README.md, "Findings"):
 * dg_identity_to_json() fails, saying "out of memory", when a field is not
 * UTF-8 (a cgroup named with other bytes, or a name cut inside a character
 * by its fixed-size buffer), as jansson's json_string() refuses such text.
 * Until it is fixed that one failure is let through, so the campaign goes on.
 */
#ifndef __DG_FUZZ_IDENTITY_JSON_H
#define __DG_FUZZ_IDENTITY_JSON_H

#include <stdbool.h>

#include "common/errors.h"
#include "containers/identity.h"
#include "tests/fuzz/fuzz.h"

static inline bool fuzz_is_utf8(const char *s)
{
	json_t *j = json_string(s);

	json_decref(j);
	return j != NULL;
}

static inline bool fuzz_identity_is_utf8(const struct dg_identity *ident)
{
	const char *const fields[] = {ident->id,	   ident->name,	  ident->pod_uid,
				      ident->pod_name,	   ident->cgroup, ident->bundle,
				      ident->pod_namespace};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!fuzz_is_utf8(fields[i]))
			return false;
	return true;
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
	FUZZ_CHECK(rc == 0 || !fuzz_identity_is_utf8(ident), "to_json: %s", dg_errmsg());
	s = json_dumps(j, 0);
	FUZZ_CHECK(rc || s, "the identity's JSON cannot be written");
	free(s);
	json_decref(j);
}

#endif /* __DG_FUZZ_IDENTITY_JSON_H */
