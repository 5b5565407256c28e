// SPDX-License-Identifier: GPL-2.0-only
#include "generator/cap_recorder.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jansson.h>

#include "bpf/cap_recorder.skel.h"
#include "common/cleanup.h"
#include "common/errors.h"

enum backend {
	BACKEND_LSM_FEXIT, /* lsm/capable grants + fexit/cap_capable denials */
	BACKEND_FEXIT,	   /* fexit/cap_capable, both verdicts */
	BACKEND_LSM,	   /* lsm/capable alone: denials are not seen */
};

static const char *const backend_names[] = {
	[BACKEND_LSM_FEXIT] = "lsm/capable + fexit/cap_capable",
	[BACKEND_FEXIT] = "fexit/cap_capable",
	[BACKEND_LSM] = "lsm/capable",
};

/* Values of DG_CAPS_BACKEND. */
static const char *const backend_env[] = {
	[BACKEND_LSM_FEXIT] = "lsm+fexit",
	[BACKEND_FEXIT] = "fexit",
	[BACKEND_LSM] = "lsm",
};

struct dg_caps {
	struct cap_recorder_bpf *skel;
	enum backend backend;
};

DG_DEFINE_CLEANUP(struct cap_recorder_bpf *, cap_recorder_bpf__destroy)

static int bpf_errno(int rc)
{
	return rc < 0 ? -rc : (errno ? errno : EINVAL);
}

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/*
 * Make a capability check, with no effect: a child sets its uid to the one
 * it has (setuid is checked against CAP_SETUID even then) and exits.
 */
static void make_a_capability_check(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(setuid(getuid()) ? 1 : 0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* Open, configure, load and attach one backend; 0 or -errno. */
static int try_backend(int tasks_fd, enum backend b, struct cap_recorder_bpf **out)
{
	_cleanup_(cap_recorder_bpf__destroyp) struct cap_recorder_bpf *skel = NULL;
	bool lsm = b != BACKEND_FEXIT;
	int rc;

	skel = cap_recorder_bpf__open();
	if (!skel)
		return -errno;
	rc = bpf_map__reuse_fd(skel->maps.tasks, tasks_fd);
	if (rc)
		return rc;
	bpf_program__set_autoload(skel->progs.dg_cap_lsm, lsm);
	bpf_program__set_autoload(skel->progs.dg_cap_fexit, b != BACKEND_LSM);
	skel->rodata->fexit_denied_only = b == BACKEND_LSM_FEXIT;
	rc = cap_recorder_bpf__load(skel);
	if (rc)
		return rc;
	rc = cap_recorder_bpf__attach(skel);
	if (rc)
		return rc;
	if (lsm) {
		/* An lsm/ program attaches even where bpf is not an active LSM: see it run. */
		make_a_capability_check();
		if (!__atomic_load_n(&skel->bss->lsm_ran, __ATOMIC_RELAXED))
			return -ENOTSUP;
	}
	*out = TAKE_PTR(skel);
	return 0;
}

/* DG_CAPS_BACKEND names one backend to try alone (cap_recorder.h). */
static int pick_backends(enum backend *order, size_t *n)
{
	const char *want = getenv("DG_CAPS_BACKEND");

	if (!want || !want[0])
		return 0;
	for (size_t i = 0; i < sizeof(backend_env) / sizeof(backend_env[0]); i++) {
		if (!strcmp(want, backend_env[i])) {
			order[0] = (enum backend)i;
			*n = 1;
			return 0;
		}
	}
	return dg_err(EINVAL, "DG_CAPS_BACKEND is lsm+fexit, fexit or lsm, not \"%s\"", want);
}

int dg_caps_open(struct dg_recorder *r, struct dg_caps **out)
{
	enum backend order[] = {BACKEND_LSM_FEXIT, BACKEND_FEXIT, BACKEND_LSM};
	size_t n = sizeof(order) / sizeof(order[0]);
	struct cap_recorder_bpf *skel = NULL;
	libbpf_print_fn_t old_print;
	int tasks_fd = dg_recorder_tasks_fd(r);
	int rc = -ENOTSUP, why[3] = {0};
	struct dg_caps *c;
	size_t i;

	rc = pick_backends(order, &n);
	if (rc)
		return rc;
	rc = -ENOTSUP;
	/* Refusals are answers here, not errors: keep libbpf quiet unless -v. */
	old_print = libbpf_set_print(silent_print);
	if (dg_verbose)
		libbpf_set_print(old_print);
	for (i = 0; i < n; i++) {
		rc = try_backend(tasks_fd, order[i], &skel);
		if (!rc)
			break;
		why[i] = -rc;
		dg_debug("capability recorder %s: %s", backend_names[order[i]], strerror(-rc));
	}
	libbpf_set_print(old_print);
	if (rc && n == 1)
		return dg_err(EOPNOTSUPP, "capability recorder %s (DG_CAPS_BACKEND): %s",
			      backend_names[order[0]],
			      why[0] == ENOTSUP ? "bpf is not an active LSM" : strerror(why[0]));
	if (rc)
		return dg_err(EOPNOTSUPP,
			      "capability learning is not possible on this kernel: it needs "
			      "BPF-LSM (lsm/capable: %s) or BPF trampolines (fexit/cap_capable: "
			      "%s); run `driftguard probe` for details",
			      why[0] == ENOTSUP ? "bpf is not an active LSM" : strerror(why[0]),
			      strerror(why[1]));
	c = calloc(1, sizeof(*c));
	if (!c) {
		cap_recorder_bpf__destroy(skel);
		return dg_err(ENOMEM, "out of memory");
	}
	c->skel = skel;
	c->backend = order[i];
	if (c->backend == BACKEND_LSM)
		dg_warn("capability checks: only granted ones are seen (lsm/capable; "
			"fexit/cap_capable does not load: %s)",
			strerror(why[1]));
	dg_debug("capability recorder: %s", backend_names[c->backend]);
	*out = c;
	return 0;
}

void dg_caps_close(struct dg_caps *c)
{
	if (!c)
		return;
	cap_recorder_bpf__destroy(c->skel);
	free(c);
}

const char *dg_caps_backend(const struct dg_caps *c)
{
	return backend_names[c->backend];
}

int dg_caps_track_session(struct dg_caps *c, unsigned int session, enum dg_caps_gate gate)
{
	_cleanup_free_ struct dg_caps_slot *slot = calloc(1, sizeof(*slot));
	int rc;

	if (!slot)
		return dg_err(ENOMEM, "out of memory");
	slot->gate = gate;
	rc = bpf_map__update_elem(c->skel->maps.caps, &session, sizeof(session), slot,
				  sizeof(*slot), BPF_ANY);
	if (rc)
		return dg_err(bpf_errno(rc), "cannot reset capability slot %u: %s", session,
			      strerror(bpf_errno(rc)));
	return 0;
}

int dg_caps_read(struct dg_caps *c, unsigned int session, struct dg_caps_slot *out)
{
	int rc;

	rc = bpf_map__lookup_elem(c->skel->maps.caps, &session, sizeof(session), out, sizeof(*out),
				  0);
	if (rc)
		return dg_err(bpf_errno(rc), "cannot read capability slot %u: %s", session,
			      strerror(bpf_errno(rc)));
	return 0;
}

int dg_caps_write(struct dg_caps *c, unsigned int session, const char *path, enum dg_caps_format f)
{
	_cleanup_free_ struct dg_caps_slot *slot = calloc(1, sizeof(*slot));
	int rc;

	if (!slot)
		return dg_err(ENOMEM, "out of memory");
	rc = dg_caps_read(c, session, slot);
	if (rc)
		return rc;
	rc = dg_caps_write_file(slot, f, path);
	if (rc)
		return dg_err_wrap(rc, "writing the capabilities");
	dg_debug("capability checks left out: %llu NOAUDIT, %llu with overridden credentials, "
		 "%llu against another user namespace",
		 (unsigned long long)c->skel->bss->skipped_noaudit,
		 (unsigned long long)c->skel->bss->skipped_override,
		 (unsigned long long)c->skel->bss->skipped_foreign_ns);
	if (!dg_quiet) {
		dg_caps_report(slot, "driftguard: capabilities ", stderr);
		dg_info("capability checks seen through %s%s; wrote %s", dg_caps_backend(c),
			c->backend == BACKEND_LSM ? " (denied ones are not seen)" : "", path);
	}
	return 0;
}

int dg_caps_widen_bundle(const char *bundle_dir)
{
	json_auto_t *config = NULL, *all = json_array(), *caps = NULL;
	_cleanup_free_ char *file = NULL, *tmp = NULL;
	json_t *process;
	json_error_t jerr;
	char name[64];
	int max = (int)cap_max_bits();

	if (!all || asprintf(&file, "%s/config.json", bundle_dir) < 0 ||
	    asprintf(&tmp, "%s/.config.json.caps", bundle_dir) < 0)
		return dg_err(ENOMEM, "out of memory");
	config = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
	if (!config)
		return dg_err(EINVAL, "%s:%d:%d: %s", file, jerr.line, jerr.column, jerr.text);
	process = json_object_get(config, "process");
	if (!json_is_object(process))
		return dg_err(EINVAL, "%s has no \"process\" object", file);
	for (int cap = 0; cap < max && cap < DG_CAP_COUNT; cap++) {
		if (dg_cap_name(cap, name, sizeof(name))) {
			dg_warn("capability %d has no name in the installed libcap: it is not "
				"given "
				"while learning",
				cap);
			continue;
		}
		if (json_array_append_new(all, json_string(name)))
			return dg_err(ENOMEM, "out of memory");
	}
	caps = json_object_get(process, "capabilities");
	if (!json_is_object(caps)) {
		caps = json_object();
		if (!caps || json_object_set(process, "capabilities", caps))
			return dg_err(ENOMEM, "out of memory");
	} else {
		json_incref(caps);
	}
	if (json_object_set(caps, "bounding", all) || json_object_set(caps, "effective", all) ||
	    json_object_set(caps, "permitted", all))
		return dg_err(ENOMEM, "out of memory");
	if (json_dump_file(config, tmp, JSON_INDENT(2)))
		return dg_err(EIO, "cannot write %s", tmp);
	if (rename(tmp, file)) {
		int e = errno;

		unlink(tmp);
		return dg_err(e, "cannot replace %s: %s", file, strerror(e));
	}
	return 0;
}
