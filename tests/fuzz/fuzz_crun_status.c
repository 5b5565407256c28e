// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness of crun's state reader (containers/identity.h): the input
 * is <state root>/<id>/status, then optionally a FUZZ_SEPARATOR line and the
 * config.json crun copies beside it, read through dg_identity_from_runc().
 */
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/identity_json.h"
#include "tests/fuzz/state_dir.h"

#include "common/errors.h"
#include "containers/identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *root = fuzz_state_dir();
	char *text = fuzz_cstring(data, size);
	char *parts[2];
	size_t n = fuzz_split(text, parts, 2);
	struct dg_identity ident;

	fuzz_state_file("status", parts[0]);
	fuzz_state_file("config.json", n > 1 ? parts[1] : NULL);
	dg_err_clear();
	if (dg_identity_from_runc(root, FUZZ_CONTAINER_ID, "/sys/fs/cgroup/unified", &ident)) {
		FUZZ_CHECK(dg_errmsg()[0], "refused without a message");
	} else {
		fuzz_check_identity_output(&ident);
	}
	free(text);
	return 0;
}
