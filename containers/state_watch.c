// SPDX-License-Identifier: GPL-2.0-only
/* inotify on the runtimes' state directories (see state_watch.h). */
#include "containers/state_watch.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/errors.h"

/* IN_MASK_ADD throughout: one directory can be a root and a container
 * directory at once (containerd's namespaces are both, see inventory.c). */
#define ROOT_EVENTS (IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_ONLYDIR | IN_MASK_ADD)
#define PARENT_EVENTS (IN_CREATE | IN_MOVED_TO | IN_ONLYDIR | IN_MASK_ADD)
#define CONTAINER_DIR_EVENTS (IN_MOVED_TO | IN_CLOSE_WRITE | IN_ONLYDIR | IN_MASK_ADD)

struct watched_root {
	const char *path;
	int wd;		       /* -1: not watched (yet) */
	struct timespec mtime; /* at the last call */
};

struct dg_state_watch {
	int fd;
	bool first;
	struct watched_root *roots;
	size_t n_roots;
};

int dg_state_watch_new(const char *const *roots, struct dg_state_watch **out)
{
	_cleanup_(dg_state_watch_freep) struct dg_state_watch *w = NULL;
	size_t n = 0;

	*out = NULL;
	while (roots[n])
		n++;
	w = calloc(1, sizeof(*w));
	if (!w)
		return dg_err(ENOMEM, "out of memory");
	w->fd = -1;
	w->first = true;
	w->roots = calloc(n ? n : 1, sizeof(*w->roots));
	if (!w->roots)
		return dg_err(ENOMEM, "out of memory");
	for (; w->n_roots < n; w->n_roots++)
		w->roots[w->n_roots] = (struct watched_root){.path = roots[w->n_roots], .wd = -1};
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0)
		return dg_err(errno, "inotify: %s", strerror(errno));
	*out = TAKE_PTR(w);
	return 0;
}

void dg_state_watch_free(struct dg_state_watch *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w->roots);
	free(w);
}

int dg_state_watch_add(struct dg_state_watch *w, const char *root)
{
	struct watched_root *bigger = realloc(w->roots, (w->n_roots + 1) * sizeof(*bigger));

	if (!bigger)
		return dg_err(ENOMEM, "out of memory");
	w->roots = bigger;
	/* Watched at the next dg_state_watch_changed(), which reports it changed. */
	w->roots[w->n_roots++] = (struct watched_root){.path = root, .wd = -1};
	return 0;
}

int dg_state_watch_fd(const struct dg_state_watch *w)
{
	return w->fd;
}

static void watch_container_dir(struct dg_state_watch *w, const char *root, const char *name)
{
	char dir[PATH_MAX];

	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", root, name) < sizeof(dir))
		inotify_add_watch(w->fd, dir, CONTAINER_DIR_EVENTS);
}

/*
 * Watch a state directory and the container directories already in it; if
 * it does not exist yet, its nearest existing parent, whose events bring us
 * back here. True when the directory is watched now.
 */
static bool watch_root(struct dg_state_watch *w, struct watched_root *r)
{
	char parent[PATH_MAX], *slash;
	struct dirent *de;
	DIR *d;

	r->wd = inotify_add_watch(w->fd, r->path, ROOT_EVENTS);
	if (r->wd < 0) {
		snprintf(parent, sizeof(parent), "%s", r->path);
		while ((slash = strrchr(parent, '/')) && slash != parent) {
			*slash = '\0';
			if (inotify_add_watch(w->fd, parent, PARENT_EVENTS) >= 0)
				break;
		}
		return false;
	}
	d = opendir(r->path);
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			watch_container_dir(w, r->path, de->d_name);
	if (d)
		closedir(d);
	return true;
}

static void handle_event(struct dg_state_watch *w, const struct inotify_event *ev)
{
	for (size_t i = 0; i < w->n_roots; i++) {
		struct watched_root *r = &w->roots[i];

		if (ev->wd != r->wd)
			continue;
		/* A state directory removed: watch for it to come back. */
		if (ev->mask & IN_IGNORED)
			r->wd = -1;
		else if (ev->len && (ev->mask & IN_ISDIR))
			watch_container_dir(w, r->path, ev->name);
	}
}

bool dg_state_watch_changed(struct dg_state_watch *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = w->first;
	ssize_t len;

	w->first = false;
	while ((len = read(w->fd, buf, sizeof(buf))) > 0) {
		changed = true;
		for (char *p = buf; p < buf + len;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			handle_event(w, ev);
			p += sizeof(*ev) + ev->len;
		}
	}
	for (size_t i = 0; i < w->n_roots; i++) {
		struct watched_root *r = &w->roots[i];
		struct timespec m = {0};
		struct stat st;

		if (r->wd < 0 && watch_root(w, r))
			changed = true;
		if (!stat(r->path, &st))
			m = st.st_mtim;
		if (m.tv_sec != r->mtime.tv_sec || m.tv_nsec != r->mtime.tv_nsec)
			changed = true;
		r->mtime = m;
	}
	return changed;
}
