// SPDX-License-Identifier: GPL-2.0-only
/* The flight recorder seen from user space: publishing, finding, reading, decoding. */
#include "flight.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <seccomp.h>

#include "cleanup.h"
#include "error.h"
#include "learned.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif
#define BPF_FS_MOUNT "/sys/fs/bpf"


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
		       unsigned int n, uint64_t head, struct dg_flight_entry *out)
{
	uint64_t first = head > n ? head - n : 0;
	size_t count = 0;

	if (!n || (n & (n - 1)))
		return 0; /* a ring is a power of two */
	for (uint64_t seq = first; seq < head; seq++) {
		const struct dg_flight_entry *e = &ring[seq & (n - 1)];

		/* A zeroed slot is seq 0 with tid 0: never written. */
		if (e->seq != seq || !e->tid || (again && again[seq & (n - 1)].seq != seq))
			continue;
		out[count++] = *e;
	}
	return count;
}

/* Publishing */

static bool pid_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

static void unpin_dir(const char *dir)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/flight", dir) < (int)sizeof(path))
		unlink(path);
	if (snprintf(path, sizeof(path), "%s/flight_heads", dir) < (int)sizeof(path))
		unlink(path);
	rmdir(dir);
}

/* Leftovers of learn processes that were killed (SIGKILL, a crash). */
static void sweep_stale(void)
{
	DIR *d;
	struct dirent *de;
	char path[PATH_MAX];
	int pid;

	d = opendir(DG_FLIGHT_PIN_ROOT);
	if (d) {
		while ((de = readdir(d))) {
			if (sscanf(de->d_name, "%d", &pid) != 1 || pid_alive(pid))
				continue;
			snprintf(path, sizeof(path), "%s/%s", DG_FLIGHT_PIN_ROOT, de->d_name);
			unpin_dir(path);
		}
		closedir(d);
	}
	d = opendir(DG_FLIGHT_INDEX_DIR);
	if (d) {
		while ((de = readdir(d))) {
			if (sscanf(de->d_name, "learn-%d.json", &pid) != 1 || pid_alive(pid))
				continue;
			snprintf(path, sizeof(path), "%s/%s", DG_FLIGHT_INDEX_DIR, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
}

/* bpffs on /sys/fs/bpf, mounted if it is not (as systemd does at boot). */
static int ensure_bpffs(void)
{
	struct statfs st;

	if (statfs(BPF_FS_MOUNT, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", BPF_FS_MOUNT, "bpf", 0, "mode=0700"))
		return dg_err(errno, "cannot mount bpffs on %s: %s", BPF_FS_MOUNT,
			      strerror(errno));
	dg_debug("mounted bpffs on %s", BPF_FS_MOUNT);
	return 0;
}

static int mkdir_p1(const char *dir, mode_t mode)
{
	if (mkdir(dir, mode) && errno != EEXIST)
		return dg_err(errno, "cannot create %s: %s", dir, strerror(errno));
	return 0;
}

static int pin(int fd, const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (bpf_obj_pin(fd, path))
		return dg_err(errno, "cannot pin %s: %s", path, strerror(errno));
	return 0;
}

static int write_index(const char *path, json_t *index)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_dump_file(index, tmp, JSON_INDENT(2))) {
		unlink(tmp);
		return dg_err(EIO, "cannot write %s", tmp);
	}
	if (rename(tmp, path)) {
		int e = errno;

		unlink(tmp);
		return dg_err(e, "cannot rename %s to %s: %s", tmp, path, strerror(e));
	}
	return 0;
}

int dg_flight_publish(struct dg_flight_pub *pub, int ring_fd, int heads_fd, unsigned int entries,
		      json_t *sessions)
{
	_cleanup_(json_decrefp) json_t *index = NULL;
	char dir[sizeof(pub->pin_dir)], file[sizeof(pub->index)];
	pid_t self = getpid();
	int rc;

	memset(pub, 0, sizeof(*pub));
	rc = ensure_bpffs();
	if (rc)
		return rc;
	sweep_stale();
	rc = mkdir_p1(DG_FLIGHT_PIN_ROOT, 0700);
	if (rc)
		return rc;
	snprintf(dir, sizeof(dir), "%s/%d", DG_FLIGHT_PIN_ROOT, self);
	rc = mkdir_p1(dir, 0700);
	if (rc)
		return rc;
	snprintf(pub->pin_dir, sizeof(pub->pin_dir), "%s", dir);
	rc = pin(ring_fd, dir, "flight");
	if (!rc)
		rc = pin(heads_fd, dir, "flight_heads");
	if (rc)
		goto undo;
	index = json_pack("{s:i, s:i, s:s, s:i, s:i, s:O}", "version", DG_FLIGHT_INDEX_VERSION,
			  "pid", (int)self, "pin_dir", dir, "entries", (int)entries, "entry_size",
			  (int)sizeof(struct dg_flight_entry), "sessions", sessions);
	if (!index) {
		rc = dg_err(ENOMEM, "out of memory");
		goto undo;
	}
	rc = mkdir_p1(DG_FLIGHT_INDEX_DIR, 0755);
	if (rc)
		goto undo;
	snprintf(file, sizeof(file), "%s/learn-%d.json", DG_FLIGHT_INDEX_DIR, self);
	rc = write_index(file, index);
	if (rc)
		goto undo;
	snprintf(pub->index, sizeof(pub->index), "%s", file);
	return 0;
undo:
	dg_flight_unpublish(pub);
	return dg_err_wrap(rc, "publishing the flight recorder");
}

void dg_flight_unpublish(struct dg_flight_pub *pub)
{
	if (pub->index[0])
		unlink(pub->index);
	if (pub->pin_dir[0]) {
		unpin_dir(pub->pin_dir);
		rmdir(DG_FLIGHT_PIN_ROOT); /* fails while other learns use it: fine */
	}
	pub->index[0] = pub->pin_dir[0] = '\0';
}

/* Finding */

void dg_flight_target_clear(struct dg_flight_target *t)
{
	json_decref(t->session_json);
	memset(t, 0, sizeof(*t));
}

static bool json_str_is(json_t *obj, const char *key, const char *what)
{
	const char *v = json_string_value(json_object_get(obj, key));

	return v && v[0] && !strcmp(v, what);
}

/* what is a decimal pid equal to pid */
static bool pid_is(const char *what, json_int_t pid)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)pid);
	return pid > 0 && !strcmp(what, buf);
}

bool dg_flight_session_matches(json_t *s, pid_t learn_pid, const char *what, bool prefix_ok)
{
	json_t *c = json_object_get(s, "container");
	const char *id;

	if (!what[0])
		return false;
	if (json_str_is(s, "name", what) || pid_is(what, learn_pid) ||
	    pid_is(what, json_integer_value(json_object_get(s, "pid"))))
		return true;
	if (!c)
		return false;
	if (json_str_is(c, "id", what) || json_str_is(c, "name", what))
		return true;
	id = json_string_value(json_object_get(c, "id"));
	return prefix_ok && id && strlen(what) >= 4 && !strncmp(id, what, strlen(what));
}

static bool pid_in(json_int_t pid, const pid_t *pids)
{
	for (; pids && *pids; pids++)
		if (pid > 0 && pid == *pids)
			return true;
	return false;
}

/* Index file of a live learn, or NULL (stale, unreadable, another version). */
static json_t *load_index(const char *path, pid_t *pid)
{
	json_t *index = json_load_file(path, 0, NULL);

	if (!index)
		return NULL;
	*pid = (pid_t)json_integer_value(json_object_get(index, "pid"));
	if (json_integer_value(json_object_get(index, "version")) != DG_FLIGHT_INDEX_VERSION ||
	    json_integer_value(json_object_get(index, "entry_size")) !=
		    (json_int_t)sizeof(struct dg_flight_entry) ||
	    !pid_alive(*pid) || !json_is_array(json_object_get(index, "sessions"))) {
		json_decref(index);
		return NULL;
	}
	return index;
}

static int append_name(char *list, size_t len, const char *name)
{
	size_t used = strlen(list);

	snprintf(list + used, len - used, "%s%s", used ? ", " : "", name);
	return 0;
}

static int fill_target(struct dg_flight_target *out, json_t *index, json_t *s, pid_t pid)
{
	const char *name = json_string_value(json_object_get(s, "name"));

	out->learn_pid = pid;
	out->session = (unsigned int)json_integer_value(json_object_get(s, "session"));
	out->entries = (unsigned int)json_integer_value(json_object_get(index, "entries"));
	snprintf(out->pin_dir, sizeof(out->pin_dir), "%s",
		 json_string_value(json_object_get(index, "pin_dir")) ?: "");
	snprintf(out->name, sizeof(out->name), "%s", name ? name : "?");
	out->session_json = json_incref(s);
	return 0;
}

int dg_flight_find(const char *index_dir, const char *what, const pid_t *extra_pids,
		   struct dg_flight_target *out)
{
	char running[2048] = "", matches[2048] = "", path[PATH_MAX];
	_cleanup_free_ struct dirent **names = NULL;
	int n, found = 0, pass;

	memset(out, 0, sizeof(*out));
	if (!index_dir)
		index_dir = DG_FLIGHT_INDEX_DIR;
	n = scandir(index_dir, &names, NULL, alphasort);
	if (n < 0)
		n = 0;
	/* Exact answers first; an id prefix only when nothing answers exactly. */
	for (pass = 0; pass < 2 && !found; pass++) {
		running[0] = '\0';
		for (int i = 0; i < n; i++) {
			_cleanup_(json_decrefp) json_t *index = NULL;
			size_t k;
			json_t *s;
			pid_t pid;
			int dummy;

			if (sscanf(names[i]->d_name, "learn-%d.json", &dummy) != 1 ||
			    strstr(names[i]->d_name, ".tmp"))
				continue;
			snprintf(path, sizeof(path), "%s/%s", index_dir, names[i]->d_name);
			index = load_index(path, &pid);
			if (!index)
				continue;
			json_array_foreach(json_object_get(index, "sessions"), k, s)
			{
				const char *name = json_string_value(json_object_get(s, "name"));

				append_name(running, sizeof(running), name ? name : "?");
				if (!dg_flight_session_matches(s, pid, what, pass == 1) &&
				    !(pass == 0 && !json_object_get(s, "container") &&
				      (pid_in(json_integer_value(json_object_get(s, "pid")),
					      extra_pids) ||
				       pid_in(pid, extra_pids))))
					continue;
				append_name(matches, sizeof(matches), name ? name : "?");
				if (!found++)
					fill_target(out, index, s, pid);
			}
		}
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	if (found == 1)
		return 0;
	if (found > 1) {
		dg_flight_target_clear(out);
		return dg_err(EEXIST, "\"%s\" is ambiguous: it names %s", what, matches);
	}
	if (!running[0])
		return dg_err(ENOENT,
			      "no `driftguard learn` with a flight recorder is running (nothing in "
			      "%s); start one, e.g. `driftguard learn -o p.json -- CMD`",
			      index_dir);
	return dg_err(ENOENT, "no running learn records \"%s\"; being learned: %s", what, running);
}

/* Reading */

static int open_pin(const char *dir, const char *name, unsigned int value_size,
		    unsigned int *max_entries)
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
	*max_entries = info.max_entries;
	return fd;
}

int dg_flight_read(const struct dg_flight_target *t, struct dg_flight_entry **out, size_t *n,
		   uint64_t *total)
{
	_cleanup_free_ struct dg_flight_entry *ring = NULL, *again = NULL, *ordered = NULL;
	_cleanup_close_ int ring_fd = -1, heads_fd = -1;
	struct dg_flight_head head = {0};
	unsigned int ring_max, heads_max, base;
	__u32 key;

	if (!t->entries || (t->entries & (t->entries - 1)) || t->entries > DG_FLIGHT_MAX ||
	    !t->session)
		return dg_err(EPROTO, "the index of learn %d is inconsistent", t->learn_pid);
	ring_fd = open_pin(t->pin_dir, "flight", sizeof(struct dg_flight_entry), &ring_max);
	if (ring_fd < 0)
		return ring_fd;
	heads_fd = open_pin(t->pin_dir, "flight_heads", sizeof(struct dg_flight_head), &heads_max);
	if (heads_fd < 0)
		return heads_fd;
	base = (t->session - 1) * t->entries;
	if (t->session >= heads_max || base + t->entries > ring_max)
		return dg_err(ENOENT, "session %u of learn %d has no flight recorder ring",
			      t->session, t->learn_pid);
	key = t->session;
	if (bpf_map_lookup_elem(heads_fd, &key, &head))
		return dg_err(errno, "cannot read the ring head: %s", strerror(errno));
	ring = calloc(t->entries, sizeof(*ring));
	again = calloc(t->entries, sizeof(*again));
	ordered = calloc(t->entries, sizeof(*ordered));
	if (!ring || !again || !ordered)
		return dg_err(ENOMEM, "out of memory");
	/* Twice: an entry whose seq changed in between was being rewritten. */
	for (int pass = 0; pass < 2; pass++)
		for (unsigned int i = 0; i < t->entries; i++) {
			key = base + i;
			if (bpf_map_lookup_elem(ring_fd, &key, pass ? &again[i] : &ring[i]))
				return dg_err(errno, "cannot read the ring: %s", strerror(errno));
		}
	*n = dg_flight_order(ring, again, t->entries, head.next, ordered);
	*total = head.next;
	*out = TAKE_PTR(ordered);
	return 0;
}
