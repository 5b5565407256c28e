// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness of `driftguard check` (generator/profile.h): the input is
 * a seccomp profile or an OCI config.json. A profile that parses is compiled
 * with libseccomp, and what it writes must parse again and be written back
 * the same: writing is a fixed point of parse + write.
 */
#include "tests/fuzz/fuzz.h"

#include "common/errors.h"
#include "generator/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dg_profile *p = NULL, *again = NULL;
	char *text = fuzz_cstring(data, size);
	char *written, *rewritten;

	dg_err_clear();
	if (dg_profile_parse_string(text, "fuzz.json", &p)) {
		FUZZ_CHECK(dg_errmsg()[0], "refused without a message");
		free(text);
		return 0;
	}
	dg_profile_validate(p);
	written = dg_profile_to_string(p);
	FUZZ_CHECK(written, "a parsed profile could not be written");
	FUZZ_CHECK(dg_profile_parse_string(written, "written.json", &again) == 0,
		   "what was written does not parse: %s\n%s", dg_errmsg(), written);
	rewritten = dg_profile_to_string(again);
	FUZZ_CHECK(rewritten && !strcmp(written, rewritten), "writing again differs:\n%s\n%s",
		   written, rewritten ? rewritten : "(null)");
	free(rewritten);
	free(written);
	dg_profile_free(again);
	dg_profile_free(p);
	free(text);
	return 0;
}
