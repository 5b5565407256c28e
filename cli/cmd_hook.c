// SPDX-License-Identifier: GPL-2.0-only
/*
 * driftguard hook: an OCI prestart hook for podman's io.containers.trace-syscall
 * annotation, as hooks.d runs it (deploy/oci-hooks/). This file: the options
 * and stdin; learn_hook.c arms the learner.
 */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/learn_hook.h"
#include "common/cleanup.h"
#include "common/errors.h"
#include "generator/hook_request.h"

/* A state is a few hundred bytes; its annotations may be many. */
#define STATE_MAX (1 << 20)

struct hook_opts {
	const char *log;
};

static const struct argp_option hook_options[] = {
	{"log", 'l', "FILE", 0,
	 "Append the learner's messages to FILE (default: none; the outcome goes to syslog "
	 "either way)",
	 0},
	{"verbose", 'v', NULL, 0, "Print debug messages (libbpf's too) to the log", 0},
	{0},
};

static error_t hook_parse(int key, char *arg, struct argp_state *state)
{
	struct hook_opts *o = state->input;

	switch (key) {
	case 'l':
		if (arg[0] != '/')
			argp_error(state, "--log wants an absolute path, not \"%s\"", arg);
		o->log = arg;
		break;
	case 'v':
		dg_verbose = true;
		break;
	case ARGP_KEY_ARG:
		/* The hook stage, as some hook managers pass it: only prestart is meant. */
		if (strcmp(arg, "prestart") && strcmp(arg, "createRuntime"))
			argp_error(state,
				   "driftguard hook runs at stage prestart (or "
				   "createRuntime), not \"%s\"",
				   arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp hook_argp = {
	.options = hook_options,
	.parser = hook_parse,
	.args_doc = "[prestart] < STATE.json",
	.doc = "An OCI prestart hook for podman's " DG_TRACE_SYSCALL_ANNOTATION
	       " annotation, with oci-seccomp-bpf-hook's syntax: "
	       "--annotation " DG_TRACE_SYSCALL_ANNOTATION "=\"[if:/IN.json;]of:/OUT.json\". "
	       "It reads the container's state (pid, id, annotations) on stdin, arms a detached "
	       "learner and returns; the learner records the container from where its seccomp "
	       "filter starts until its init exits, then writes OUT.json (the union with IN.json "
	       "when given, as `driftguard merge` makes it).\v"
	       "Install deploy/oci-hooks/driftguard-trace-syscall.json in a hooks.d directory "
	       "(`meson install` does). When learning cannot be armed the hook fails, and so "
	       "does the container's start: it does not run unrecorded. Root only.",
};

static int read_stdin(char **out)
{
	size_t used = 0, size = 4096;
	char *buf = malloc(size);

	if (!buf)
		return dg_err(ENOMEM, "out of memory");
	for (;;) {
		ssize_t n;

		if (used + 1 == size) {
			char *bigger = size < STATE_MAX ? realloc(buf, size * 2) : NULL;

			if (!bigger) {
				free(buf);
				return dg_err(EFBIG,
					      "the container state on stdin is over %d bytes",
					      STATE_MAX);
			}
			buf = bigger;
			size *= 2;
		}
		n = read(STDIN_FILENO, buf + used, size - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return dg_err(errno, "reading the container state on stdin: %s",
				      strerror(errno));
		}
		if (!n)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	*out = buf;
	return 0;
}

int cmd_hook(int argc, char **argv)
{
	struct hook_opts o = {0};
	struct dg_hook_request req;
	_cleanup_free_ char *state = NULL;
	int rc;

	if (argp_parse(&hook_argp, argc, argv, 0, NULL, &o) != 0)
		return 2;
	rc = read_stdin(&state);
	if (!rc)
		rc = dg_hook_request_parse(state, &req);
	if (!rc)
		rc = learn_hook_start(&req, o.log);
	if (!rc)
		return 0;
	/* stderr: runc puts it in the error podman prints; syslog: for the record. */
	fprintf(stderr, "driftguard hook: %s\n", dg_errmsg());
	openlog("driftguard-hook", LOG_PID, LOG_DAEMON);
	syslog(LOG_ERR, "%s", dg_errmsg());
	return 1;
}
