// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness of `driftguard merge` (generator/profile.h): the input is
 * up to four profiles separated by FUZZ_SEPARATOR lines. When they all parse
 * they are merged; a merged profile is compiled with libseccomp and must
 * survive being written and parsed again.
 */
#include "tests/fuzz/fuzz.h"

#include "common/errors.h"
#include "generator/profile.h"

#define MAX_INPUTS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dg_profile *in[MAX_INPUTS] = {0}, *merged = NULL, *again = NULL;
	char *text = fuzz_cstring(data, size);
	char *parts[MAX_INPUTS], *written;
	size_t n = fuzz_split(text, parts, MAX_INPUTS), parsed = 0;

	while (parsed < n && dg_profile_parse_string(parts[parsed], "fuzz.json", &in[parsed]) == 0)
		parsed++;
	if (parsed < n)
		goto out;
	dg_err_clear();
	if (dg_profile_merge(in, n, &merged)) {
		FUZZ_CHECK(dg_errmsg()[0], "merge refused without a message");
		goto out;
	}
	dg_profile_validate(merged);
	written = dg_profile_to_string(merged);
	FUZZ_CHECK(written, "a merged profile could not be written");
	FUZZ_CHECK(dg_profile_parse_string(written, "merged.json", &again) == 0,
		   "the merged profile does not parse: %s\n%s", dg_errmsg(), written);
	free(written);
	dg_profile_free(again);
	dg_profile_free(merged);
out:
	for (size_t i = 0; i < parsed; i++)
		dg_profile_free(in[i]);
	free(text);
	return 0;
}
