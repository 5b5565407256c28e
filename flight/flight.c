// SPDX-License-Identifier: GPL-2.0-only
/* The flight recorder seen from user space: reading the rings and decoding them. */
#include "flight/flight.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <seccomp.h>

#include "common/cleanup.h"
#include "common/errors.h"
#include "generator/learned.h"


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

const char *dg_flight_abi_name(unsigned int abi)
{
	switch (abi) {
	case DG_ABI_X86_64:
		return "x86_64";
	case DG_ABI_I386:
		return "i386";
	case DG_ABI_X32:
		return "x32";
	default:
		return "?";
	}
}

char *dg_flight_syscall_name(unsigned int abi, unsigned int nr, char *buf, size_t len)
{
	_cleanup_free_ char *name = NULL;
	unsigned int num = abi == DG_ABI_X32 ? (nr | DG_X32_SYSCALL_BIT) : nr;

	if (abi < DG_ABI_COUNT)
		name = seccomp_syscall_resolve_num_arch(dg_abi_arch(abi), (int)num);
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
		 e->ts / 1000000000ULL, e->ts % 1000000000ULL, e->tid, dg_flight_abi_name(e->abi),
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
	err |= json_object_set_new(obj, "abi", json_string(dg_flight_abi_name(e->abi)));
	err |= json_object_set_new(obj, "nr", json_integer(e->nr));
	err |= json_object_set_new(obj, "name", json_string(dg_flight_syscall_name(
							  e->abi, e->nr, name, sizeof(name))));
	err |= json_object_set_new(obj, "ret", e->flags & DG_FLIGHT_RET ? json_integer(e->ret)
									: json_null());
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

/* Reading */

static int open_pin(const char *dir, const char *name, unsigned int value_size)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return dg_err(errno, "cannot open %s: %s", path, strerror(errno));
	memset(&info, 0, sizeof(info));
	if (bpf_map_get_info_by_fd(fd, &info, &len) || info.value_size != value_size) {
		close(fd);
		return dg_err(EPROTO, "%s is not a flight recorder map of this driftguard version",
			      path);
	}
	return fd;
}

static unsigned int max_entries(int fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_map_get_info_by_fd(fd, &info, &len) ? 0 : info.max_entries;
}

int dg_flight_read_ring(const struct dg_flight_ring *r, size_t want, struct dg_flight_entry **out,
			size_t *n, uint64_t *total)
{
	_cleanup_free_ struct dg_flight_entry *ring = NULL, *again = NULL, *ordered = NULL;
	struct dg_flight_head head = {0};
	unsigned int base, mask = r->entries - 1;
	uint64_t lo;
	__u32 key;

	*out = NULL;
	*n = 0;
	*total = 0;
	if (!r->entries || (r->entries & mask) || r->entries > DG_FLIGHT_MAX || !r->session)
		return dg_err(EPROTO, "inconsistent flight recorder ring (%u entries, session %u)",
			      r->entries, r->session);
	base = (r->session - 1) * r->entries;
	if (r->session >= max_entries(r->heads_fd) || base + r->entries > max_entries(r->ring_fd))
		return dg_err(ENOENT, "session %u has no flight recorder ring", r->session);
	key = r->session;
	if (bpf_map_lookup_elem(r->heads_fd, &key, &head))
		return dg_err(errno, "cannot read the ring head: %s", strerror(errno));
	if (want > r->entries)
		want = r->entries;
	lo = head.next > want ? head.next - want : 0;
	if (lo < r->first_seq)
		lo = r->first_seq;
	ring = calloc(r->entries, sizeof(*ring));
	again = calloc(r->entries, sizeof(*again));
	ordered = calloc(r->entries, sizeof(*ordered));
	if (!ring || !again || !ordered)
		return dg_err(ENOMEM, "out of memory");
	/* Only the slots of [lo, head), twice: a seq that changed in between was
	 * being rewritten. */
	for (int pass = 0; pass < 2; pass++)
		for (uint64_t seq = lo; seq < head.next; seq++) {
			unsigned int slot = (unsigned int)(seq & mask);

			key = base + slot;
			if (bpf_map_lookup_elem(r->ring_fd, &key, pass ? &again[slot] : &ring[slot]))
				return dg_err(errno, "cannot read the ring: %s", strerror(errno));
		}
	*n = dg_flight_order(ring, again, r->entries, lo, head.next, ordered);
	*total = head.next - r->first_seq;
	*out = TAKE_PTR(ordered);
	return 0;
}

int dg_flight_read(const struct dg_flight_target *t, struct dg_flight_entry **out, size_t *n,
		   uint64_t *total)
{
	_cleanup_close_ int ring_fd = -1, heads_fd = -1;
	struct dg_flight_ring r = {.entries = t->entries, .session = t->session,
				   .first_seq = t->first_seq};
	int rc;

	ring_fd = open_pin(t->pin_dir, "flight", sizeof(struct dg_flight_entry));
	if (ring_fd < 0)
		return ring_fd;
	heads_fd = open_pin(t->pin_dir, "flight_heads", sizeof(struct dg_flight_head));
	if (heads_fd < 0)
		return heads_fd;
	r.ring_fd = ring_fd;
	r.heads_fd = heads_fd;
	rc = dg_flight_read_ring(&r, t->entries, out, n, total);
	if (rc)
		return dg_err_wrap(rc, "%s %d", t->tool, t->owner_pid);
	return 0;
}
