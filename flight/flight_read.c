// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading the flight recorder's rings from their maps (libbpf), for dump:
 * through the pins a recording process published, or from open fds.
 */
#include "flight/flight.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "common/cleanup.h"
#include "common/errors.h"

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

/*
 * Slots [first, first + count) of the ring map into out: one batched lookup
 * (kernel 5.6) where the kernel has it, else one lookup per slot.
 */
static int read_slots(int fd, unsigned int first, unsigned int count, struct dg_flight_entry *out)
{
	_cleanup_free_ __u32 *keys = NULL;
	__u32 start = first - 1, next, n = count;
	int rc;

	if (!count)
		return 0;
	keys = calloc(count, sizeof(*keys));
	if (!keys)
		return dg_err(ENOMEM, "out of memory");
	/* The batch starts after in_batch: none for slot 0. */
	rc = bpf_map_lookup_batch(fd, first ? &start : NULL, &next, keys, out, &n, NULL);
	if ((!rc || errno == ENOENT) && n == count)
		return 0;
	for (__u32 i = 0; i < count; i++) {
		__u32 key = first + i;

		if (bpf_map_lookup_elem(fd, &key, &out[i]))
			return dg_err(errno, "cannot read the ring: %s", strerror(errno));
	}
	return 0;
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
	/*
	 * Only the slots of [lo, head), twice: a seq that changed in between was
	 * being rewritten. They are one run of slots, or two when it wraps.
	 */
	for (int pass = 0; pass < 2 && lo < head.next; pass++) {
		struct dg_flight_entry *dst = pass ? again : ring;
		unsigned int from = (unsigned int)(lo & mask),
			     count = (unsigned int)(head.next - lo);
		unsigned int first_run = count < r->entries - from ? count : r->entries - from;
		int rc = read_slots(r->ring_fd, base + from, first_run, dst + from);

		if (!rc)
			rc = read_slots(r->ring_fd, base, count - first_run, dst);
		if (rc)
			return rc;
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
	struct dg_flight_ring r = {
		.entries = t->entries, .session = t->session, .first_seq = t->first_seq};
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
