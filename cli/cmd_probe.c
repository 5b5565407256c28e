// SPDX-License-Identifier: GPL-2.0-only
/* driftguard probe: one report of what this kernel supports and what each mode will use. */
#include <argp.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "cli/commands.h"
#include "common/errors.h"
#include "enforcer/probe.h"

static const struct argp_option probe_options[] = {
	{"verbose", 'v', NULL, 0, "Print libbpf's messages too", 0},
	{0},
};

static error_t probe_parse(int key, char *arg, struct argp_state *state)
{
	(void)arg;
	switch (key) {
	case 'v':
		dg_verbose = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "probe takes no arguments");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp probe_argp = {
	.options = probe_options,
	.parser = probe_parse,
	.doc = "Report what this kernel supports (BTF, tp_btf, BPF-LSM and why, trampolines, "
	       "kfuncs) and which backend each mode will use. Run as root for the program "
	       "loads.",
};

static void row(const char *name, const struct dg_feature *f)
{
	printf("  %-26s %-4s %s\n", name, f->ok ? "yes" : "no", f->detail);
}

int cmd_probe(int argc, char **argv)
{
	struct dg_probe p;

	if (argp_parse(&probe_argp, argc, argv, 0, NULL, NULL) != 0)
		return 2;
	dg_probe_run(&p);
	printf("kernel: %s\n", p.kernel);
	row("BTF", &p.btf);
	row("tp_btf programs", &p.tp_btf);
	row("task storage recorder", &p.task_storage);
	row("trampolines (fentry)", &p.trampoline);
	row("fentry on security hooks", &p.fentry_prog);
	row("BPF-LSM in LSM list", &p.lsm_list);
	row("BPF-LSM program runs", &p.lsm_prog);
	row("bpf_send_signal", &p.send_signal);
	row("kfunc bpf_path_d_path", &p.kfunc_path_d_path);
	row("kfunc bpf_task_from_pid", &p.kfunc_task_from_pid);
	row("kfunc bpf_cgroup_from_id", &p.kfunc_cgroup_from_id);
	row("kfunc bpf_task_under_cgroup", &p.kfunc_task_under_cgroup);
	printf("backends:\n");
	if (p.task_storage.ok)
		printf("  learn    tp_btf/sys_enter + task storage\n");
	else
		printf("  learn    unavailable: %s\n", p.task_storage.detail);
	printf("  caps     %s\n",
	       dg_probe_lsm_usable(&p)
		       ? "lsm/capable"
		       : (p.trampoline.ok ? "fentry/cap_capable"
					  : "unavailable (needs BPF-LSM or trampolines); seccomp "
					    "learning still works"));
	if (dg_probe_lsm_usable(&p))
		printf("  enforce  lsm (BPF-LSM blocks exec with EPERM before it happens)\n");
	else if (p.fentry_prog.ok)
		printf("  enforce  signal, fentry flavour (fentry/security_bprm_check, "
		       "security_mmap_file, security_file_mprotect, security_file_open + SIGKILL: "
		       "what BPF-LSM sees, but the drifted program "
		       "is killed before its first instruction instead of the exec failing); for "
		       "blocking, enable BPF-LSM\n");
	else if (p.tp_btf.ok)
		printf("  enforce  signal, tracepoint flavour (fentry: %s; "
		       "tp_btf/sched_process_exec "
		       "+ SIGKILL: the drifted program is killed before its first instruction, a "
		       "script when its interpreter opens it, a mapping at its mmap or mprotect "
		       "syscall); "
		       "for blocking, enable BPF-LSM\n",
		       p.fentry_prog.detail);
	else
		printf("  enforce  unavailable: neither BPF-LSM nor tp_btf\n");
	/* enforce's flight recorder is the learn recorder with rings. */
	if (p.task_storage.ok)
		printf("  flight   tp_btf/sys_enter + sys_exit rings (enforce: every running "
		       "container; learn: --flight-recorder N)\n");
	else
		printf("  flight   unavailable: %s (enforce needs --flight-recorder 0)\n",
		       p.task_storage.detail);
	return p.task_storage.ok ? 0 : 1;
}
