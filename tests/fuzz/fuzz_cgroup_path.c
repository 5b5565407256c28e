// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness of the cgroup path parser (containers/identity.h): the
 * input is a cgroup path or a line of /proc/PID/cgroup. A container's own
 * cgroup must parse again to the same container, and its identity must
 * display and convert to JSON.
 */
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/identity_json.h"

#include "common/errors.h"
#include "containers/identity.h"

#include <errno.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dg_identity ident, again;
	char *path = fuzz_cstring(data, size);
	int rc;

	dg_err_clear();
	rc = dg_identity_from_cgroup_path(path, &ident);
	FUZZ_CHECK(rc == 0 || rc == -ENOENT || rc == -EINVAL || rc == -ENAMETOOLONG, "rc %d", rc);
	FUZZ_CHECK(rc == 0 || dg_errmsg()[0], "refused without a message");
	if (rc == 0) {
		FUZZ_CHECK(ident.runtime != DG_RUNTIME_NONE && ident.id[0] &&
				   ident.cgroup[0] == '/',
			   "a container without runtime, id or cgroup");
		rc = dg_identity_from_cgroup_path(ident.cgroup, &again);
		FUZZ_CHECK(rc == 0 && again.runtime == ident.runtime &&
				   !strcmp(again.id, ident.id) &&
				   !strcmp(again.pod_uid, ident.pod_uid) && again.qos == ident.qos,
			   "the container's cgroup %s is not the same container again (rc %d)",
			   ident.cgroup, rc);
	}
	fuzz_check_identity_output(&ident);
	free(path);
	return 0;
}
