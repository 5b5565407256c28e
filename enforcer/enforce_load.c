// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which backend enforces (enforce_load.h), and its programs loaded and
 * attached: BPF-LSM, or the signal backend in its fentry or tracepoint
 * flavour, chosen by probes, never by kernel versions.
 */
#include "enforcer/enforce_load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "bpf/enforce.skel.h"
#include "common/cleanup.h"
#include "common/errors.h"
#include "common/macros.h"
#include "enforcer/probe.h"

DG_DEFINE_CLEANUP(struct enforce_bpf *, enforce_bpf__destroy);

static int bpf_errno(int rc)
{
	return rc < 0 ? -rc : (errno ? errno : EINVAL);
}

/*
 * The signal backend judges scripts at the interpreter's open of them, on the
 * syscalls:sys_exit_open* tracepoints, whose ids libbpf reads from tracefs.
 */
static int ensure_tracefs(void)
{
	if (!access("/sys/kernel/tracing/events/syscalls", F_OK) ||
	    !access("/sys/kernel/debug/tracing/events/syscalls", F_OK))
		return 0;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL))
		return dg_err(errno,
			      "the signal backend needs tracefs, and mounting it on "
			      "/sys/kernel/tracing failed: %s; mount it and retry",
			      strerror(errno));
	dg_info("mounted tracefs on /sys/kernel/tracing (needed to judge scripts)");
	if (access("/sys/kernel/tracing/events/syscalls", F_OK))
		return dg_err(ENOTSUP, "this kernel has no syscall tracepoints "
				       "(CONFIG_FTRACE_SYSCALLS): the signal backend cannot judge "
				       "scripts");
	return 0;
}

/*
 * What is loaded: the LSM backend, or one of the signal backend's two
 * flavours (bpf/enforce.bpf.c says what each program sees).
 */
enum flavour {
	FLAVOUR_LSM,
	FLAVOUR_FENTRY,	    /* signal: fentry/security_bprm_check, _mmap_file, _file_mprotect */
	FLAVOUR_TRACEPOINT, /* signal: sched_process_exec + the interpreter's open */
};

static const char *const signal_fentry_why =
	"signal, fentry flavour (fentry/security_bprm_check, security_mmap_file, "
	"security_file_mprotect and security_file_open see what BPF-LSM sees; a drifted program "
	"is killed with SIGKILL before its first instruction, but the exec itself succeeds)";
static const char *const signal_tracepoint_why =
	"signal, tracepoint flavour (tp_btf/sched_process_exec + SIGKILL: the final binary "
	"and its ELF loader are judged before their first instruction, executable mappings "
	"at their mmap or mprotect syscall, a script (or a file a listed interpreter reads) "
	"at its open)";

/*
 * DG_SIGNAL_FLAVOUR=fentry|tracepoint picks the signal backend's flavour
 * (tests run the tracepoint flavour where fentry works, as DG_CAPS_BACKEND
 * does for capability learning); unset, the probe decides.
 */
static int choose_backend(enum dg_backend_choice choice, enum flavour *out, char *why,
			  size_t why_len)
{
	const char *want = getenv("DG_SIGNAL_FLAVOUR");
	struct dg_probe p;

	dg_probe_run(&p);
	if (choice != DG_BACKEND_CHOICE_SIGNAL && dg_probe_lsm_usable(&p)) {
		snprintf(why, why_len, "lsm (%s; %s)", p.lsm_list.detail, p.lsm_prog.detail);
		*out = FLAVOUR_LSM;
		return 0;
	}
	if (choice == DG_BACKEND_CHOICE_LSM)
		return dg_err(ENOTSUP,
			      "BPF-LSM cannot enforce on this kernel: %s; %s. Boot with "
			      "lsm=<current list>,bpf, or use --backend signal",
			      p.lsm_list.ok ? "bpf is an active LSM" : p.lsm_list.detail,
			      p.lsm_prog.detail);
	if (!p.tp_btf.ok && !p.fentry_prog.ok)
		return dg_err(ENOTSUP,
			      "neither BPF-LSM (%s), fentry (%s) nor tp_btf (%s) works here: "
			      "cannot enforce",
			      p.lsm_prog.detail, p.fentry_prog.detail, p.tp_btf.detail);
	if (choice == DG_BACKEND_CHOICE_SIGNAL)
		snprintf(why, why_len, "(asked for)%s",
			 dg_probe_lsm_usable(&p) ? "; BPF-LSM is active and would block instead"
						 : "");
	else
		snprintf(why, why_len, "because BPF-LSM cannot enforce here (%s)",
			 p.lsm_prog.ok ? p.lsm_list.detail : p.lsm_prog.detail);
	if (want && want[0]) {
		if (strcmp(want, "tracepoint") && strcmp(want, "fentry"))
			return dg_err(EINVAL,
				      "DG_SIGNAL_FLAVOUR is fentry or tracepoint, not \"%s\"",
				      want);
		if (!strcmp(want, "fentry") && !p.fentry_prog.ok)
			return dg_err(ENOTSUP, "DG_SIGNAL_FLAVOUR=fentry, but %s",
				      p.fentry_prog.detail);
		if (!strcmp(want, "tracepoint") && !p.tp_btf.ok)
			return dg_err(ENOTSUP, "DG_SIGNAL_FLAVOUR=tracepoint, but %s",
				      p.tp_btf.detail);
		snprintf(why + strlen(why), why_len - strlen(why), "; DG_SIGNAL_FLAVOUR=%s", want);
		*out = strcmp(want, "fentry") ? FLAVOUR_TRACEPOINT : FLAVOUR_FENTRY;
		return 0;
	}
	if (p.fentry_prog.ok) {
		*out = FLAVOUR_FENTRY;
		return 0;
	}
	/* The reason trampolines are out, for the start line. */
	snprintf(why + strlen(why), why_len - strlen(why), "; fentry: %s", p.fentry_prog.detail);
	*out = FLAVOUR_TRACEPOINT;
	return 0;
}

/*
 * Programs a kernel may refuse without the flavour being lost: each group is
 * left out, saying what is then not judged, rather than enforcing nothing.
 */
enum optional {
	OPT_LOADER = 1 << 0,   /* tracepoint: the ELF loader (dg_exec_loader, bpf_find_vma) */
	OPT_MPROTECT = 1 << 1, /* mprotect(PROT_EXEC) of a file's mapping */
	/* lsm, fentry: files a listed interpreter reads (the tracepoint flavour's open programs) */
	OPT_INTERPRETED = 1 << 2,
	OPT_ALL = OPT_LOADER | OPT_MPROTECT | OPT_INTERPRETED,
};

static const char *const optional_what[] = {
	"the ELF loader is NOT judged",
	"mprotect(PROT_EXEC) of a file's mapping is NOT judged",
	"files read by interpreters (kind interpreted) are NOT judged",
};

/* Autoload exactly the programs of one flavour, with the optional groups in `with`. */
static void select_programs(struct enforce_bpf *skel, enum flavour f, unsigned int with)
{
	struct bpf_program *lsm[] = {skel->progs.dg_bprm_check, skel->progs.dg_mmap_file};
	struct bpf_program *fentry[] = {skel->progs.dg_bprm_check_fentry,
					skel->progs.dg_mmap_file_fentry};
	struct bpf_program *tp[] = {
		skel->progs.dg_exec_signal,	     skel->progs.dg_script_openat,
		skel->progs.dg_script_open,	     skel->progs.dg_script_openat2,
		skel->progs.dg_script_enter_openat,  skel->progs.dg_script_enter_open,
		skel->progs.dg_script_enter_openat2, skel->progs.dg_mmap_enter,
		skel->progs.dg_exec_enter,	     skel->progs.dg_execat_enter};
	bool mprotect = with & OPT_MPROTECT;
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj) bpf_program__set_autoload(prog, false);
	for (size_t i = 0; f == FLAVOUR_LSM && i < ARRAY_SIZE(lsm); i++)
		bpf_program__set_autoload(lsm[i], true);
	for (size_t i = 0; f == FLAVOUR_FENTRY && i < ARRAY_SIZE(fentry); i++)
		bpf_program__set_autoload(fentry[i], true);
	for (size_t i = 0; f == FLAVOUR_TRACEPOINT && i < ARRAY_SIZE(tp); i++)
		bpf_program__set_autoload(tp[i], true);
	bpf_program__set_autoload(skel->progs.dg_exec_loader,
				  f == FLAVOUR_TRACEPOINT && (with & OPT_LOADER));
	bpf_program__set_autoload(skel->progs.dg_file_mprotect, f == FLAVOUR_LSM && mprotect);
	bpf_program__set_autoload(skel->progs.dg_file_mprotect_fentry,
				  f == FLAVOUR_FENTRY && mprotect);
	bpf_program__set_autoload(skel->progs.dg_mprotect_enter,
				  f == FLAVOUR_TRACEPOINT && mprotect);
	bpf_program__set_autoload(skel->progs.dg_pkey_mprotect_enter,
				  f == FLAVOUR_TRACEPOINT && mprotect);
	bpf_program__set_autoload(skel->progs.dg_file_open,
				  f == FLAVOUR_LSM && (with & OPT_INTERPRETED));
	bpf_program__set_autoload(skel->progs.dg_file_open_fentry,
				  f == FLAVOUR_FENTRY && (with & OPT_INTERPRETED));
}

/* Open, load and attach one flavour. */
static int load_flavour(enum flavour f, unsigned int with, uint32_t pidns, struct enforce_bpf **out)
{
	_cleanup_(enforce_bpf__destroyp) struct enforce_bpf *skel = NULL;
	int rc;

	skel = enforce_bpf__open();
	if (!skel)
		return dg_err(errno, "cannot open the enforcer's BPF object: %s", strerror(errno));
	skel->rodata->host_pidns = pidns;
	select_programs(skel, f, with);
	if (f == FLAVOUR_TRACEPOINT) {
		rc = ensure_tracefs();
		if (rc)
			return rc;
	}
	rc = enforce_bpf__load(skel);
	if (rc)
		return dg_err(bpf_errno(rc),
			      "the kernel refused the enforcer's BPF programs: %s "
			      "(run with -v for the verifier log)",
			      strerror(bpf_errno(rc)));
	rc = enforce_bpf__attach(skel);
	if (rc)
		return dg_err(bpf_errno(rc), "cannot attach the enforcer: %s",
			      strerror(bpf_errno(rc)));
	*out = TAKE_PTR(skel);
	return 0;
}

/*
 * The flavour refused as a whole: load it with as many of the optional groups
 * as the kernel takes (fewer and fewer of them), saying what is left out and
 * the kernel's reason.
 */
static int load_without(enum flavour f, uint32_t pidns, struct enforce_bpf **out, char *reason,
			size_t len)
{
	char why[256];
	int rc = 0;

	snprintf(why, sizeof(why), "%s", dg_errmsg());
	for (unsigned int with = OPT_ALL; with-- > 0;) {
		rc = load_flavour(f, with, pidns, out);
		if (rc)
			continue;
		/*
		 * The loader has a program of its own in the tracepoint flavour
		 * only; interpreted files there are judged by its open programs.
		 */
		for (size_t i = 0; i < ARRAY_SIZE(optional_what); i++)
			if (!(with & (1u << i)) &&
			    !((1u << i) == OPT_LOADER && f != FLAVOUR_TRACEPOINT) &&
			    !((1u << i) == OPT_INTERPRETED && f == FLAVOUR_TRACEPOINT))
				snprintf(reason + strlen(reason), len - strlen(reason),
					 "; %s: its program was refused (%s)", optional_what[i],
					 why);
		return 0;
	}
	return rc;
}

int dg_enforce_load(enum dg_backend_choice choice, uint32_t host_pidns, struct enforce_bpf **out,
		    enum dg_backend *backend, char *why, size_t why_len)
{
	_cleanup_(enforce_bpf__destroyp) struct enforce_bpf *skel = NULL;
	char reason[640] = "";
	enum flavour f = FLAVOUR_TRACEPOINT;
	int rc;

	rc = choose_backend(choice, &f, reason, sizeof(reason));
	if (rc)
		return rc;
	rc = load_flavour(f, OPT_ALL, host_pidns, &skel);
	if (rc)
		rc = load_without(f, host_pidns, &skel, reason, sizeof(reason));
	if (rc && f == FLAVOUR_FENTRY) {
		/* fentry attached in the probe, not here (a function inlined?): fall back. */
		dg_info("the fentry flavour of the signal backend failed (%s): using tracepoints",
			dg_errmsg());
		f = FLAVOUR_TRACEPOINT;
		rc = load_flavour(f, OPT_ALL, host_pidns, &skel);
		if (rc)
			rc = load_without(f, host_pidns, &skel, reason, sizeof(reason));
	}
	if (rc)
		return rc;
	if (f == FLAVOUR_LSM)
		snprintf(why, why_len, "%s", reason);
	else
		snprintf(why, why_len, "%s, %s",
			 f == FLAVOUR_FENTRY ? signal_fentry_why : signal_tracepoint_why, reason);
	*backend = f == FLAVOUR_LSM ? DG_BACKEND_LSM : DG_BACKEND_SIGNAL;
	*out = TAKE_PTR(skel);
	return 0;
}
