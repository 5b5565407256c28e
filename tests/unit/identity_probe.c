// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test helper: prints the container identity of a pid, a cgroup path or a
 * cgroup id, as containers/identity.c resolves it (used by
 * tests/integration/identity_runc.sh until a CLI command exists).
 *
 * Exit status: 0 a container, 1 the host (not a container), 2 an error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "containers/identity.h"

#define MAX_ROOTS 16

static void usage(FILE *f)
{
	fprintf(f, "usage: identity_probe [--json] [--cgroup-root DIR] [--state-root DIR]...\n"
		   "                      (--pid PID | --path CGROUP | --cgroup-id ID | --list)\n");
}

static int print(const struct dg_identity *ident, bool json)
{
	char line[1024];
	json_t *obj = NULL;
	int rc;

	if (!json) {
		printf("%s\n", dg_identity_display(ident, line, sizeof(line)));
		return 0;
	}
	rc = dg_identity_to_json(ident, &obj);
	if (rc)
		return rc;
	rc = json_dumpf(obj, stdout, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(obj);
	putchar('\n');
	return rc ? dg_err(EIO, "cannot write JSON") : 0;
}

static int list(const char *const *roots, const char *cgroup_root, bool json)
{
	for (size_t i = 0; roots[i]; i++) {
		struct dg_identity *all = NULL;
		size_t n = 0;
		int rc = dg_identity_list_runc(roots[i], cgroup_root, &all, &n);

		for (size_t j = 0; !rc && j < n; j++)
			rc = print(&all[j], json);
		free(all);
		if (rc)
			return rc;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"cgroup-root", required_argument, NULL, 'c'},
		{"state-root", required_argument, NULL, 's'},
		{"pid", required_argument, NULL, 'p'},
		{"path", required_argument, NULL, 'P'},
		{"cgroup-id", required_argument, NULL, 'i'},
		{"list", no_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *roots[MAX_ROOTS + 1] = {NULL}, *cgroup_root = NULL, *path = NULL;
	struct dg_identity_resolver *r = NULL;
	struct dg_identity ident;
	unsigned long long id = 0;
	bool json = false, do_list = false;
	size_t n_roots = 0;
	char *end;
	long pid = 0;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'c':
			cgroup_root = optarg;
			break;
		case 's':
			if (n_roots == MAX_ROOTS) {
				fprintf(stderr, "identity_probe: too many --state-root\n");
				return 2;
			}
			roots[n_roots++] = optarg;
			break;
		case 'p':
			pid = strtol(optarg, &end, 10);
			if (*end || pid <= 0) {
				fprintf(stderr, "identity_probe: bad pid \"%s\"\n", optarg);
				return 2;
			}
			break;
		case 'P':
			path = optarg;
			break;
		case 'i':
			errno = 0;
			id = strtoull(optarg, &end, 0);
			if (*end || errno || !id) {
				fprintf(stderr, "identity_probe: bad cgroup id \"%s\"\n", optarg);
				return 2;
			}
			break;
		case 'l':
			do_list = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || (!!pid + !!path + !!id + do_list) != 1) {
		usage(stderr);
		return 2;
	}
	if (do_list)
		rc = list(n_roots ? roots : dg_identity_default_state_roots, cgroup_root, json);
	else
		rc = dg_identity_resolver_new(cgroup_root, n_roots ? roots : NULL, &r);
	if (!rc && pid)
		rc = dg_identity_resolve_pid(r, (pid_t)pid, &ident);
	else if (!rc && path)
		rc = dg_identity_resolve_path(r, path, &ident);
	else if (!rc && id)
		rc = dg_identity_resolve_id(r, id, &ident);
	if (!do_list && (!rc || rc == -ENOENT) && print(&ident, json))
		rc = -EIO;
	dg_identity_resolver_free(r);
	if (rc == -ENOENT && !do_list)
		return 1;
	if (rc) {
		fprintf(stderr, "identity_probe: %s\n", dg_errmsg());
		return 2;
	}
	return 0;
}
