// SPDX-License-Identifier: GPL-2.0-only
#include "enforcer/probe.h"

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "common/cleanup.h"
#include "common/errors.h"
#include "bpf/recorder.skel.h"
#include "bpf/probe.skel.h"

#define LSM_FILE "/sys/kernel/security/lsm"

static void feature(struct dg_feature *f, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void feature(struct dg_feature *f, bool ok, const char *fmt, ...)
{
	va_list ap;

	f->ok = ok;
	va_start(ap, fmt);
	vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
	va_end(ap);
}

static int read_lsm_list(char *buf, size_t len)
{
	_cleanup_fclose_ FILE *f = fopen(LSM_FILE, "re");

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/*
 * securityfs is often not mounted (containers, minimal hosts). Mount it in a
 * child's private mount namespace so probing leaves the host untouched.
 */
static int read_lsm_list_privately(char *buf, size_t len)
{
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(pipefd))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char lsms[256] = "";

		close(pipefd[0]);
		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL) ||
		    read_lsm_list(lsms, sizeof(lsms)))
			_exit(1);
		(void)!write(pipefd[1], lsms, strlen(lsms));
		_exit(0);
	}
	close(pipefd[1]);
	n = read(pipefd[0], buf, len - 1);
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -ENOENT;
	buf[n] = '\0';
	return 0;
}

static void probe_lsm_list(struct dg_probe *p)
{
	bool mounted = true;
	int rc;

	rc = read_lsm_list(p->lsms, sizeof(p->lsms));
	if (rc == -ENOENT) {
		mounted = false;
		rc = read_lsm_list_privately(p->lsms, sizeof(p->lsms));
	}
	if (rc) {
		feature(&p->lsm_list, false, "cannot read %s (securityfs): %s", LSM_FILE,
			strerror(-rc));
		return;
	}
	if (strstr(p->lsms, "bpf"))
		feature(&p->lsm_list, true, "active LSMs: %s%s", p->lsms,
			mounted ? "" : " (securityfs not mounted on the host)");
	else
		feature(&p->lsm_list, false,
			"bpf is not among the active LSMs (%s): boot with lsm=%s,bpf "
			"(CONFIG_BPF_LSM=y needed)",
			p->lsms, p->lsms);
}

DG_DEFINE_CLEANUP(struct probe_bpf *, probe_bpf__destroy);
DG_DEFINE_CLEANUP(struct recorder_bpf *, recorder_bpf__destroy);

/* Load only `prog` of the probe object; 0 or -errno. */
static int load_one(struct bpf_program *(*pick)(struct probe_bpf *), bool attach_and_exec,
		    unsigned long long *hits)
{
	_cleanup_(probe_bpf__destroyp) struct probe_bpf *skel = NULL;
	struct bpf_program *prog, *want;
	struct bpf_link *link;
	int rc;

	skel = probe_bpf__open();
	if (!skel)
		return -errno;
	want = pick(skel);
	bpf_object__for_each_program(prog, skel->obj) bpf_program__set_autoload(prog, prog == want);
	rc = probe_bpf__load(skel);
	if (rc)
		return rc;
	if (!attach_and_exec)
		return 0;
	link = bpf_program__attach(want);
	if (!link)
		return -errno;
	/* Run an exec so an active hook counts a hit. */
	if (system("true") == -1)
		rc = -errno;
	*hits = skel->bss->lsm_hits + skel->bss->fentry_hits;
	bpf_link__destroy(link);
	return rc;
}

static struct bpf_program *pick_lsm(struct probe_bpf *s)
{
	return s->progs.probe_lsm;
}

static struct bpf_program *pick_fentry(struct probe_bpf *s)
{
	return s->progs.probe_fentry;
}

static struct bpf_program *pick_tp_btf(struct probe_bpf *s)
{
	return s->progs.probe_tp_btf;
}

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static void probe_programs(struct dg_probe *p)
{
	_cleanup_(recorder_bpf__destroyp) struct recorder_bpf *learn = NULL;
	unsigned long long hits = 0;
	libbpf_print_fn_t old_print;
	int rc;

	/* Refusals are the answers here, not errors: keep libbpf quiet unless -v. */
	old_print = libbpf_set_print(dg_verbose ? NULL : silent_print);
	if (dg_verbose)
		libbpf_set_print(old_print);

	rc = load_one(pick_tp_btf, false, NULL);
	feature(&p->tp_btf, rc == 0, rc ? "tp_btf program refused: %s" : "loads", strerror(-rc));
	/* The recorder itself: tp_btf/sys_enter + task storage. */
	learn = recorder_bpf__open();
	rc = learn ? recorder_bpf__load(learn) : -errno;
	feature(&p->task_storage, rc == 0,
		rc ? "the recorder (task storage + tp_btf/sys_enter) does not load: %s"
		   : "the recorder loads",
		strerror(-rc));
	rc = load_one(pick_fentry, false, NULL);
	feature(&p->trampoline, rc == 0,
		rc ? "fentry refused: %s (ftrace/trampolines disabled in this kernel?)"
		   : "fentry loads",
		strerror(-rc));
	/* The signal backend's fentry flavour: attached, does it run? */
	hits = 0;
	rc = p->trampoline.ok ? load_one(pick_fentry, true, &hits) : -EOPNOTSUPP;
	if (!p->trampoline.ok)
		feature(&p->fentry_prog, false, "%s", p->trampoline.detail);
	else if (rc)
		feature(&p->fentry_prog, false, "fentry/security_bprm_check does not attach: %s",
			strerror(-rc));
	else if (!hits)
		feature(&p->fentry_prog, false,
			"fentry/security_bprm_check attaches but never runs");
	else
		feature(&p->fentry_prog, true, "fentry/security_bprm_check ran %llu time(s)", hits);
	hits = 0;
	rc = load_one(pick_lsm, true, &hits);
	if (rc)
		feature(&p->lsm_prog, false, "lsm/ program refused: %s%s", strerror(-rc),
			rc == -EPERM || rc == -EINVAL ? " (no CONFIG_BPF_LSM, or trampolines "
							"disabled)"
						      : "");
	else if (!hits)
		feature(&p->lsm_prog, false,
			"lsm/ program loads and attaches but never runs: bpf is not an active "
			"LSM");
	else
		feature(&p->lsm_prog, true, "lsm/bprm_check_security ran %llu time(s)", hits);
	libbpf_set_print(old_print);
}

static void probe_kfunc(const struct btf *btf, struct dg_feature *f, const char *name)
{
	bool ok = btf && btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) > 0;

	feature(f, ok, ok ? "%s in kernel BTF" : "%s absent", name);
}

void dg_probe_run(struct dg_probe *p)
{
	struct utsname u;
	struct btf *btf;

	memset(p, 0, sizeof(*p));
	if (!uname(&u))
		snprintf(p->kernel, sizeof(p->kernel), "%.64s %.32s", u.release, u.machine);
	btf = btf__load_vmlinux_btf();
	if (btf)
		feature(&p->btf, true, "/sys/kernel/btf/vmlinux");
	else
		feature(&p->btf, false,
			"no kernel BTF (/sys/kernel/btf/vmlinux): needs CONFIG_DEBUG_INFO_BTF=y");
	probe_lsm_list(p);
	if (geteuid() == 0 && btf) {
		probe_programs(p);
	} else {
		const char *why = btf ? "not probed: needs root" : "not probed: no BTF";

		feature(&p->tp_btf, false, "%s", why);
		feature(&p->task_storage, false, "%s", why);
		feature(&p->trampoline, false, "%s", why);
		feature(&p->fentry_prog, false, "%s", why);
		feature(&p->lsm_prog, false, "%s", why);
	}
	/* bpf_send_signal is a helper since 5.3; tracing programs get it. */
	feature(&p->send_signal, p->tp_btf.ok,
		p->tp_btf.ok ? "tracing programs can signal" : "needs tp_btf");
	probe_kfunc(btf, &p->kfunc_path_d_path, "bpf_path_d_path");
	probe_kfunc(btf, &p->kfunc_task_from_pid, "bpf_task_from_pid");
	probe_kfunc(btf, &p->kfunc_cgroup_from_id, "bpf_cgroup_from_id");
	probe_kfunc(btf, &p->kfunc_task_under_cgroup, "bpf_task_under_cgroup");
	btf__free(btf);
}

bool dg_probe_lsm_usable(const struct dg_probe *p)
{
	return p->lsm_list.ok && p->lsm_prog.ok;
}
