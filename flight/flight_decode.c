// SPDX-License-Identifier: GPL-2.0-only
/*
 * The flight recorder's entries as people and programs read them: names,
 * lines, JSON, and a ring's slots put in order. No libbpf here (dgcore):
 * flight_read.c reads the maps.
 */
#include "flight/flight.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/syscall_abi.h"

bool dg_flight_parse_count(const char *arg, unsigned int *out)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(arg, &end, 10);
	if (errno || *end || !arg[0] || arg[0] == '-' || n > DG_FLIGHT_MAX)
		return false;
	*out = (unsigned int)n;
	return true;
}

char *dg_flight_syscall_name(unsigned int abi, unsigned int nr, char *buf, size_t len)
{
	_cleanup_free_ char *name = dg_abi_syscall_name(abi, nr);

	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "syscall_%u", nr);
	return buf;
}

/* The kernel returns -errno in [-4095, -1]. */
static bool is_error(long long ret)
{
	return ret < 0 && ret >= -4095;
}

char *dg_flight_format_ret(const struct dg_flight_entry *e, char *buf, size_t len)
{
	const char *name;

	if (!(e->flags & DG_FLIGHT_RET)) {
		snprintf(buf, len, "? (in progress)");
	} else if (is_error(e->ret)) {
		name = strerrorname_np((int)-e->ret);
		snprintf(buf, len, "%lld %s (%s)", e->ret, name ? name : "E?",
			 strerror((int)-e->ret));
	} else if (e->ret >= 0 && e->ret <= UINT32_MAX) {
		snprintf(buf, len, "%lld", e->ret);
	} else {
		snprintf(buf, len, "0x%llx", (unsigned long long)e->ret);
	}
	return buf;
}

char *dg_flight_format_line(const struct dg_flight_entry *e, char *buf, size_t len)
{
	char name[64], ret[160];

	snprintf(buf, len,
		 "%10llu.%09llu %7u %-6s %s(0x%llx, 0x%llx, 0x%llx, 0x%llx, 0x%llx, 0x%llx) = %s",
		 e->ts / 1000000000ULL, e->ts % 1000000000ULL, e->tid, dg_abi_name(e->abi),
		 dg_flight_syscall_name(e->abi, e->nr, name, sizeof(name)), e->args[0], e->args[1],
		 e->args[2], e->args[3], e->args[4], e->args[5],
		 dg_flight_format_ret(e, ret, sizeof(ret)));
	return buf;
}

json_t *dg_flight_entry_to_json(const struct dg_flight_entry *e)
{
	_cleanup_(json_decrefp) json_t *obj = NULL;
	json_t *args;
	char name[64], hex[32];
	int err = 0;

	obj = json_object();
	args = json_array();
	if (!obj || !args || json_object_set_new(obj, "args", args))
		return NULL;
	for (int i = 0; i < DG_FLIGHT_NARGS; i++) {
		snprintf(hex, sizeof(hex), "0x%llx", e->args[i]);
		err |= json_array_append_new(args, json_string(hex));
	}
	err |= json_object_set_new(obj, "seq", json_integer((json_int_t)e->seq));
	err |= json_object_set_new(obj, "ts_ns", json_integer((json_int_t)e->ts));
	err |= json_object_set_new(obj, "tid", json_integer(e->tid));
	err |= json_object_set_new(obj, "abi", json_string(dg_abi_name(e->abi)));
	err |= json_object_set_new(obj, "nr", json_integer(e->nr));
	err |= json_object_set_new(
		obj, "name",
		json_string(dg_flight_syscall_name(e->abi, e->nr, name, sizeof(name))));
	err |= json_object_set_new(obj, "ret",
				   e->flags & DG_FLIGHT_RET ? json_integer(e->ret) : json_null());
	if ((e->flags & DG_FLIGHT_RET) && is_error(e->ret)) {
		const char *en = strerrorname_np((int)-e->ret);

		err |= json_object_set_new(obj, "errno", json_string(en ? en : "E?"));
	}
	if (err)
		return NULL;
	return TAKE_PTR(obj);
}

size_t dg_flight_order(const struct dg_flight_entry *ring, const struct dg_flight_entry *again,
		       unsigned int n, uint64_t first, uint64_t head, struct dg_flight_entry *out)
{
	size_t count = 0;

	if (!n || (n & (n - 1)))
		return 0; /* a ring is a power of two */
	if (head > n && first < head - n)
		first = head - n;
	for (uint64_t seq = first; seq < head; seq++) {
		const struct dg_flight_entry *e = &ring[seq & (n - 1)];

		/* A zeroed slot is seq 0 with tid 0: never written. */
		if (e->seq != seq || !e->tid || (again && again[seq & (n - 1)].seq != seq))
			continue;
		out[count++] = *e;
	}
	return count;
}
