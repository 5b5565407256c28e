// SPDX-License-Identifier: GPL-2.0-only
/* The events of the drift policy as JSON lines (events.h). */
#include "enforcer/events.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/errors.h"
#include "common/json_text.h"
#include "common/macros.h"

/* Names of the bits of enum dg_origin and enum dg_kind: bit i is names[i]. */
static const char *const origin_names[] = {"upper", "memfd", "off-rootfs", "image"};
static const char *const kind_names[] = {"binary", "script", "mapping", "interpreted"};
/*
 * enum dg_hook: the kernel hook that decided. "backend" stays "lsm" or
 * "signal" (what a block does); "hook" says which flavour of the signal
 * backend ran and where in the exec the decision was made.
 */
static const char *const hook_names[] = {
	[DG_HOOK_LSM_BPRM] = "lsm/bprm_check_security",
	[DG_HOOK_LSM_MMAP] = "lsm/mmap_file",
	[DG_HOOK_FENTRY_BPRM] = "fentry/security_bprm_check",
	[DG_HOOK_FENTRY_MMAP] = "fentry/security_mmap_file",
	[DG_HOOK_EXEC] = "tp_btf/sched_process_exec",
	[DG_HOOK_OPEN] = "tracepoint/syscalls/sys_exit_open",
	[DG_HOOK_MMAP] = "tracepoint/syscalls/sys_enter_mmap",
	[DG_HOOK_LSM_MPROTECT] = "lsm/file_mprotect",
	[DG_HOOK_FENTRY_MPROTECT] = "fentry/security_file_mprotect",
	[DG_HOOK_MPROTECT] = "tracepoint/syscalls/sys_enter_mprotect",
	[DG_HOOK_PKEY_MPROTECT] = "tracepoint/syscalls/sys_enter_pkey_mprotect",
	[DG_HOOK_LSM_OPEN] = "lsm/file_open",
	[DG_HOOK_FENTRY_OPEN] = "fentry/security_file_open",
};

static const char *hook_name(unsigned int hook)
{
	return hook < ARRAY_SIZE(hook_names) && hook_names[hook] ? hook_names[hook] : "unknown";
}

/* The name of the lowest bit set in `mask`; "unknown" when none of them is. */
static const char *bit_name(const char *const *names, size_t n, unsigned int mask)
{
	for (size_t i = 0; i < n; i++)
		if (mask & (1u << i))
			return names[i];
	return "unknown";
}

static json_t *origin_list(unsigned int mask)
{
	json_t *a = json_array();

	for (size_t i = 0; i < ARRAY_SIZE(origin_names); i++)
		if (mask & (1u << i))
			json_array_append_new(a, json_string(origin_names[i]));
	return a;
}

static void format_time(long long real_ns, char *buf, size_t len)
{
	time_t secs = (time_t)(real_ns / 1000000000LL);
	struct tm tm;
	char base[32];

	gmtime_r(&secs, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06lldZ", base, (real_ns % 1000000000LL) / 1000);
}

long long dg_event_clock_offset(void)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	return (real.tv_sec - mono.tv_sec) * 1000000000LL + (real.tv_nsec - mono.tv_nsec);
}

/* The container of an event: its identity, or the host; text that is not UTF-8 escaped. */
static json_t *container_json(const struct dg_identity *ident)
{
	_cleanup_(json_decrefp) json_t *c = NULL;
	char display[512];

	if (!ident)
		return json_pack("{s:s}", "runtime", "host");
	c = json_pack("{s:s}", "runtime", dg_runtime_name(ident->runtime));
	if (!c || dg_json_set_text(c, "id", ident->id, sizeof(ident->id)) ||
	    dg_json_set_text(c, "name", ident->name, sizeof(ident->name)) ||
	    dg_json_set_text(c, "display", dg_identity_display(ident, display, sizeof(display)),
			     sizeof(display)))
		return NULL;
	return TAKE_PTR(c);
}

json_t *dg_event_to_json(const struct dg_exec_event *ev, const struct dg_identity *ident,
			 const char *rule, long long mono_to_real_ns)
{
	const char *origin = bit_name(origin_names, ARRAY_SIZE(origin_names), ev->origin);
	const char *kind = bit_name(kind_names, ARRAY_SIZE(kind_names), ev->kind);
	_cleanup_(json_decrefp) json_t *line = NULL, *tail = NULL;
	char when[48], reason[96];

	format_time((long long)ev->time_ns + mono_to_real_ns, when, sizeof(when));
	snprintf(reason, sizeof(reason), "%s %s", origin, kind);
	line = json_pack("{s:s, s:o, s:I, s:I, s:I}", "time", when, "container",
			 container_json(ident), "cgroup_id", (json_int_t)ev->cgroup_id, "pid",
			 (json_int_t)ev->pid, "tid", (json_int_t)ev->tid);
	/* comm and path are the kernel's bytes: a file name need not be UTF-8, and a comm
	 * is cut at 15 bytes, maybe inside a character. */
	if (!line || dg_json_set_text(line, "comm", ev->comm, sizeof(ev->comm)) ||
	    dg_json_set_text(line, "path", ev->path, sizeof(ev->path)))
		return NULL;
	tail = json_pack("{s:b, s:b, s:b, s:o, s:s, s:s, s:s, s:s, s:s, s:s}", "path_complete",
			 ev->path_complete, "fupper_layer", ev->fupper_layer, "eupper_layer",
			 ev->eupper_layer, "origin", origin_list(ev->origin), "kind", kind,
			 "reason", reason, "rule", rule, "action",
			 ev->action == DG_VERDICT_BLOCK ? "block" : "audit", "backend",
			 ev->backend == DG_BACKEND_LSM ? "lsm" : "signal", "hook",
			 hook_name(ev->hook));
	if (!tail || json_object_update(line, tail))
		return NULL;
	/* Only where it applies: an exec of the file the task already runs. */
	if (ev->self_exec && json_object_set_new(line, "self_exec", json_true()))
		return NULL;
	return TAKE_PTR(line);
}

int dg_event_set_coalesced(json_t *line, uint64_t count, uint64_t first_ns,
			   long long mono_to_real_ns)
{
	char first[48];

	format_time((long long)first_ns + mono_to_real_ns, first, sizeof(first));
	if (json_object_set_new(line, "coalesced", json_integer((json_int_t)count)) ||
	    json_object_set_new(line, "first_time", json_string(first)) ||
	    json_object_set_new(line, "syscalls_unavailable",
				json_string("coalesced: the first event of this kind, written at "
					    "once, carries its syscalls")) ||
	    json_object_set_new(line, "syscalls", json_null()))
		return dg_err(ENOMEM, "out of memory");
	return 0;
}

void dg_event_set_syscalls(json_t *line, json_t *tail, const char *unavailable)
{
	if (!unavailable && tail && !json_array_size(tail))
		unavailable = "nothing recorded before the decision: the container was found only "
			      "after it (its ring starts then)";
	if (unavailable)
		json_object_set_new(line, "syscalls_unavailable", json_string(unavailable));
	json_object_set_new(line, "syscalls", tail ? tail : json_null());
}

int dg_event_print(FILE *out, json_t *line)
{
	_cleanup_free_ char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (!text)
		return dg_err(ENOMEM, "out of memory");
	if (fprintf(out, "%s\n", text) < 0 || fflush(out))
		return dg_err(errno, "cannot write the event: %s", strerror(errno));
	return 0;
}
