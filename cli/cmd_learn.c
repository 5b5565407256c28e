// SPDX-License-Identifier: GPL-2.0-only
/*
 * driftguard learn: record what a command or a container does and write a
 * least-privilege OCI seccomp profile. This file: the options; learn_run.c
 * runs the workload, learn_output.c writes what was learned.
 */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/learn.h"
#include "cli/options.h"
#include "common/cleanup.h"
#include "common/errors.h"
#include "containers/runtime_state.h"
#include "generator/engine_cli.h"
#include "generator/runtime_baselines.h"
#include "generator/text_file.h"

static const char *const gate_names[] = {
	[GATE_AUTO] = "auto",
	[GATE_NONE] = "none",
	[GATE_SECCOMP] = "seccomp",
};

enum {
	OPT_GATE = 0x100,
	OPT_RUNTIME_ROOT,
	OPT_CAPS,
	OPT_CAPS_FORMAT,
	OPT_FLIGHT,
	OPT_BASELINE,
	OPT_NEXT,
};

static const struct argp_option learn_options[] = {
	{"output", 'o', "FILE", 0, "Write the seccomp profile to FILE (\"-\": stdout)", 0},
	{"container", 'c', "ID", 0, "Record the running container ID instead of a command", 0},
	{"next", OPT_NEXT, "PATTERN", 0,
	 "Learn the next container whose id or name matches PATTERN (fnmatch: web-*), "
	 "whoever starts it (docker, podman, ctr, runc, crun, a kubelet): armed when its "
	 "runtime creates it, recorded from where its seccomp filter starts until it exits. "
	 "Names: docker's and podman's --name, a Kubernetes container's",
	 0},
	{"runtime-root", OPT_RUNTIME_ROOT, "DIR", 0,
	 "State directory of the OCI runtime (default " DG_RUNC_STATE_ROOT
	 "; crun: " DG_CRUN_STATE_ROOT ")",
	 0},
	{"duration", 'd', "SECONDS", 0, "Stop recording after SECONDS", 0},
	{"gate", OPT_GATE, "auto|none|seccomp", 0,
	 "When a task's syscalls start to count: none = from the first instruction; seccomp = "
	 "once the task runs under a seccomp filter (a container runtime's init); auto = "
	 "seccomp for an OCI runtime's run/create, podman and --next, else none",
	 0},
	{"format", 'f', "oci|spo|k8s", 0,
	 "oci (default): the runtime-spec JSON runtimes read; spo: a Security Profiles Operator "
	 "SeccompProfile (YAML); k8s: FILE without its extension .json (the profile) and .yaml "
	 "(a pod securityContext naming it), as `driftguard convert` writes them",
	 0},
	{"runtime-baseline", OPT_BASELINE, "all|runc|crun|none", 0,
	 "Also allow what these runtimes do after installing the filter, with noNewPrivileges "
	 "true and false (profiles/runtimes/), so that the profile starts under each of them; "
	 "default all for a container, none for a plain command",
	 0},
	{"flight-recorder", OPT_FLIGHT, "N", 0,
	 "Keep the last N syscalls (256 is a good size; rounded up to a power of two, at most "
	 "65536) with their arguments and return values in kernel memory, for `driftguard "
	 "dump`. Off by default: it adds a sys_exit program on every syscall of the machine "
	 "and ~170 ns per recorded syscall (bench/syscall_cost)",
	 0},
	{"caps", OPT_CAPS, "FILE", 0,
	 "Also learn the capabilities the workload uses and write its capability sets to FILE "
	 "(\"-\": stdout); granted and denied checks are reported on stderr",
	 0},
	{"caps-format", OPT_CAPS_FORMAT, "oci|k8s", 0,
	 "oci (default): the process.capabilities object of config.json; k8s: a "
	 "securityContext.capabilities snippet (drop ALL, add what was used)",
	 0},
	{"verbose", 'v', NULL, 0, "Print debug messages (libbpf's too)", 0},
	{"quiet", 'q', NULL, 0, "Print only errors", 0},
	{0},
};

static error_t learn_parse(int key, char *arg, struct argp_state *state)
{
	struct learn_opts *o = state->input;
	char *end;
	int choice;

	switch (key) {
	case 'o':
		o->output = arg;
		break;
	case 'c':
		o->container = arg;
		break;
	case 'f':
		if (dg_export_format_parse(arg, &o->format) < 0)
			argp_error(state, "--format: %s", dg_errmsg());
		break;
	case OPT_NEXT:
		o->next = arg;
		break;
	case OPT_RUNTIME_ROOT:
		o->runtime_root = arg;
		break;
	case 'd':
		errno = 0;
		o->duration = strtod(arg, &end);
		if (errno || *end || o->duration <= 0)
			argp_error(state,
				   "--duration wants a positive number of seconds, not \"%s\"",
				   arg);
		break;
	case OPT_GATE:
		choice = DG_PARSE_CHOICE(state, "gate", gate_names, arg);
		if (choice < 0)
			return EINVAL;
		o->gate = (enum learn_gate)choice;
		break;
	case OPT_BASELINE: {
		unsigned int which;

		if (dg_runtime_baseline_parse(arg, &which) < 0)
			argp_error(state, "--runtime-baseline: %s", dg_errmsg());
		o->baselines = (int)which;
		break;
	}
	case OPT_FLIGHT:
		if (!dg_flight_parse_count(arg, &o->flight))
			argp_error(state,
				   "--flight-recorder wants a number of syscalls from 0 to %d, "
				   "not \"%s\"",
				   DG_FLIGHT_MAX, arg);
		break;
	case OPT_CAPS:
		o->caps = arg;
		break;
	case OPT_CAPS_FORMAT:
		choice = DG_PARSE_CHOICE(state, "caps-format", dg_caps_format_names, arg);
		if (choice < 0)
			return EINVAL;
		o->caps_format = (enum dg_caps_format)choice;
		break;
	case 'v':
		dg_verbose = true;
		break;
	case 'q':
		dg_quiet = true;
		break;
	case ARGP_KEY_ARG:
		/* The command and everything after it belong to the command. */
		o->cmd = &state->argv[state->next - 1];
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (!o->output)
			argp_error(state, "-o FILE is required: where to write the profile");
		if (!!o->cmd + !!o->container + !!o->next != 1)
			argp_error(state, "give either a command (after --), --container ID or "
					  "--next PATTERN");
		if (o->format == DG_EXPORT_K8S && !strcmp(o->output, "-"))
			argp_error(state, "--format k8s writes two files: give -o FILE, not -");
		if (o->container && o->gate == GATE_SECCOMP)
			argp_error(state, "--gate seccomp only applies to a command");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp learn_argp = {
	.options = learn_options,
	.parser = learn_parse,
	.args_doc = "-o FILE -- CMD [ARG...]\n-o FILE --container ID\n-o FILE --next PATTERN",
	.doc = "Record the syscalls of a command's whole process tree, from its first "
	       "instruction, of a running container or of the next container created, and "
	       "write a least-privilege OCI "
	       "seccomp profile (default SCMP_ACT_ERRNO).\v"
	       "The profile is written when the command exits, on Ctrl-C/SIGTERM (then again "
	       "with the final data when the command has exited) or after --duration; the "
	       "command's exit status is passed through. Learning `RUNTIME run|create [-b "
	       "BUNDLE] ID` (runc, crun, ...) gives the runtime a copy of the bundle with a "
	       "permissive learning filter, so that only what runs under the final filter is "
	       "recorded. A run that recorded nothing of the workload writes no profile. Exit "
	       "status: the command's, or 125 when driftguard itself fails or nothing was "
	       "recorded, 2 on bad usage (also for `docker run`: its container runs under "
	       "dockerd; learn it with --next).",
};

/* The recorders: the syscall recorder (one session, one ring), and the capability recorder for
 * --caps. */
static int open_recorders(const struct learn_opts *o, struct dg_recorder **rec,
			  struct dg_caps **capr, unsigned int *session)
{
	/* One session per learn: one ring. */
	struct dg_recorder_opts ropts = {.flight_entries = o->flight, .flight_rings = 1};
	int rc;

	rc = dg_recorder_open_opts(&ropts, rec);
	if (rc)
		return rc;
	rc = dg_recorder_new_session(*rec, session, NULL);
	if (rc || !o->caps)
		return rc;
	rc = dg_caps_open(*rec, capr);
	if (rc == -EOPNOTSUPP) {
		dg_warn("%s; %s is not written, the seccomp profile is learned anyway", dg_errmsg(),
			o->caps);
		dg_err_clear();
		return 0;
	}
	return rc;
}

/*
 * `docker run ...` (a client of a container daemon): the container runs
 * under the daemon, not under the command; say how to learn it instead of
 * learning the CLI. --gate none learns the CLI itself, as asked.
 */
static bool refuse_daemon_client(const struct learn_opts *o)
{
	char engine[32];

	if (!o->cmd || o->gate == GATE_NONE ||
	    dg_engine_cli_of(o->cmd, engine, sizeof(engine)) != DG_CLI_DAEMON_CLIENT ||
	    !dg_engine_cli_starts_container(o->cmd))
		return false;
	fprintf(stderr,
		"driftguard learn: %s runs its containers under a daemon (dockerd, containerd), "
		"not under the command: learning `%s ...` would learn only the %s CLI. Learn "
		"the container itself, from its first instruction: run `driftguard learn -o %s "
		"--next PATTERN` first, then start the container from another shell; learning "
		"ends when it exits. PATTERN matches the container's id or its name (docker's "
		"and podman's --name, a Kubernetes container's); '*' takes the next container "
		"created on this machine. (--gate none learns the %s CLI itself.)\n",
		engine, o->cmd[0], engine, o->output, engine);
	return true;
}

int cmd_learn(int argc, char **argv)
{
	struct learn_opts o = {
		.gate = GATE_AUTO, .flight = 0, .baselines = -1, .format = DG_EXPORT_OCI};
	/* Declared first, so released last: the pins go after the recorder. */
	_cleanup_(learn_run_unpublish) struct learn_run run = {.o = &o};
	_cleanup_(dg_recorder_closep) struct dg_recorder *r = NULL;
	_cleanup_(dg_caps_closep) struct dg_caps *capr = NULL;
	int rc;

	if (argp_parse(&learn_argp, argc, argv, ARGP_IN_ORDER, NULL, &o) != 0)
		return 2;
	if (refuse_daemon_client(&o))
		return 2;
	rc = dg_output_check(o.output);
	if (!rc && o.caps)
		rc = dg_output_check(o.caps);
	if (rc)
		goto fail;
	if (geteuid() != 0) {
		rc = dg_err(EPERM, "recording needs root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN); "
				   "run it with sudo");
		goto fail;
	}
	rc = open_recorders(&o, &r, &capr, &run.session);
	if (rc)
		goto fail;
	run.rec = r;
	run.capr = capr;
	rc = o.container ? learn_run_container(&run)
	     : o.next	 ? learn_run_next(&run)
			 : learn_run_command(&run);
	if (rc >= 0)
		return rc;
fail:
	fprintf(stderr, "driftguard learn: %s\n", dg_errmsg());
	/* Like env(1) and container runtimes: 125 is "the wrapper failed", not CMD. */
	return 125;
}
