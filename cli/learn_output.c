// SPDX-License-Identifier: GPL-2.0-only
/* driftguard learn: writing what was learned, the seccomp profile and the capability sets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cli/learn.h"
#include "common/cleanup.h"
#include "common/errors.h"
#include "config.h"
#include "generator/learned.h"
#include "generator/runtime_baselines.h"
#include "generator/text_file.h"

void learn_command_subject(char *const *cmd, char *buf, size_t len)
{
	size_t used = (size_t)snprintf(buf, len, "`");

	for (char *const *a = cmd; *a && used < len; a++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", a == cmd ? "" : " ", *a);
	if (used < len)
		snprintf(buf + used, len - used, "`");
}

/*
 * The profile's "comment": what it was learned from, when, on which kernel,
 * so that a profile file names its container (runtimes ignore the key).
 */
static int set_comment(struct dg_profile *p, const char *subject, unsigned int baselines)
{
	char when[32], comment[2048], with[256];
	struct utsname u;
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "?");
	dg_runtime_baseline_describe(baselines, with, sizeof(with));
	snprintf(comment, sizeof(comment),
		 "learned by driftguard %s from %s, %s, kernel %s; runtime baselines: %s",
		 DG_VERSION, subject, when, u.release, with);
	return dg_profile_set_comment(p, comment);
}

/*
 * The profile of a run whose workload failed, when output holds one already:
 * to PATH.partial beside it, so that a complete profile is not replaced by
 * what a failed run saw. *written: the path written (free() it).
 */
static int write_partial(const struct dg_profile *p, const char *output, char **written)
{
	_cleanup_free_ char *text = NULL;
	int rc;

	rc = dg_profile_validate(p);
	if (rc < 0)
		return dg_err_wrap(rc, "%s: refusing to write an invalid profile", output);
	text = dg_profile_to_string(p);
	if (!text)
		return dg_err(ENOMEM, "out of memory");
	return dg_write_text_file_beside(text, output, written);
}

static bool is_regular_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * Whether the session recorded anything of the workload: a profile of
 * nothing, or of a runtime that failed before the workload's exec, would
 * start no container.
 */
static int check_recorded(const struct learn_run *run, const struct dg_syscalls *s)
{
	const char *hint = run->nothing_hint ?: "it made no syscall while it was recorded";
	unsigned int total = 0;

	for (int abi = 0; abi < DG_ABI_COUNT; abi++)
		total += dg_syscalls_count(s, abi);
	if (!total)
		return dg_err(ENODATA,
			      "nothing of the workload was recorded: %s; no profile written", hint);
	if (run->from_exec && !dg_syscalls_seen(s, "execve") && !dg_syscalls_seen(s, "execveat"))
		return dg_err(ENODATA,
			      "the workload never started: %u syscalls were recorded under the "
			      "filter but no exec of the container's process (%s); no profile "
			      "written",
			      total, hint);
	return 0;
}

/*
 * The union of run->extend (the hook's if: profile) and what was learned, as
 * `merge` makes it: the strictest default action, the comments of both.
 */
static int extend_profile(const struct learn_run *run, struct dg_profile **p)
{
	struct dg_profile *const in[2] = {run->extend, *p};
	const char *const labels[2] = {run->extend_name ?: "the input profile", "what was learned"};
	struct dg_profile *merged = NULL;
	int rc;

	rc = dg_profile_merge_named(in, labels, 2, &merged);
	if (rc)
		return dg_err_wrap(rc, "extending %s with what was learned", labels[0]);
	dg_profile_free(*p);
	*p = merged;
	return 0;
}

int learn_write_profile(const struct learn_run *run, bool container, bool partial)
{
	unsigned int baselines = run->o->baselines >= 0 ? (unsigned int)run->o->baselines
				 : container		? DG_BASELINE_ALL
							: 0;
	_cleanup_(dg_profile_freep) struct dg_profile *p = NULL;
	_cleanup_free_ struct dg_syscalls *s = NULL;
	_cleanup_(dg_problems_free) struct dg_problems notes = {0};
	const char *output = run->o->output;
	uint64_t lost;
	int rc;

	s = calloc(1, sizeof(*s));
	if (!s)
		return dg_err(ENOMEM, "out of memory");
	rc = dg_recorder_read(run->rec, run->session, s);
	if (rc)
		return rc;
	rc = check_recorded(run, s);
	if (rc)
		return rc;
	lost = dg_recorder_lost_tasks(run->rec);
	if (lost)
		dg_warn("%llu task(s) could not be followed (no task storage); their syscalls "
			"are missing from the profile",
			(unsigned long long)lost);
	rc = dg_profile_from_syscalls(s, baselines, &p);
	if (rc)
		return dg_err_wrap(rc, "building the profile");
	rc = set_comment(p, run->subject, baselines);
	if (!rc && run->extend)
		rc = extend_profile(run, &p);
	if (rc)
		return rc;
	if (partial && is_regular_file(output)) {
		_cleanup_free_ char *written = NULL;

		rc = write_partial(p, output, &written);
		if (rc)
			return dg_err_wrap(rc, "writing beside %s", output);
		dg_info("recorded %u x86_64, %u i386, %u x32 syscalls; the workload failed, so %s "
			"is kept and this run's profile was written to %s",
			dg_syscalls_count(s, DG_ABI_X86_64), dg_syscalls_count(s, DG_ABI_I386),
			dg_syscalls_count(s, DG_ABI_X32), output, written);
		return 0;
	}
	rc = dg_profile_export(p, run->o->format, output, NULL, &notes);
	/* What the format cannot hold (SPO's schema), said whether or not it was written. */
	for (size_t i = 0; i < notes.n; i++)
		dg_warn("%s", notes.v[i].msg);
	if (rc)
		return dg_err_wrap(rc, "writing %s", output);
	dg_info("recorded %u x86_64, %u i386, %u x32 syscalls; wrote %s",
		dg_syscalls_count(s, DG_ABI_X86_64), dg_syscalls_count(s, DG_ABI_I386),
		dg_syscalls_count(s, DG_ABI_X32), output);
	return 0;
}

int learn_write_caps(const struct learn_run *run)
{
	if (!run->capr)
		return 0;
	return dg_caps_write(run->capr, run->session, run->o->caps, run->o->caps_format);
}
