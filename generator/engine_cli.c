// SPDX-License-Identifier: GPL-2.0-only
#include "generator/engine_cli.h"

#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/macros.h"

struct known_cli {
	const char *name;	/* the engine, and the binary's usual name */
	const char *go_package; /* its main package, without a /vN major version */
	enum dg_engine_cli kind;
};

/* podman-remote is built from podman's main package: only its name tells it apart. */
static const struct known_cli known[] = {
	{"podman-remote", NULL, DG_CLI_DAEMON_CLIENT},
	{"podman", "github.com/containers/podman/cmd/podman", DG_CLI_PODMAN},
	{"docker", "github.com/docker/cli/cmd/docker", DG_CLI_DAEMON_CLIENT},
	{"docker-compose", "github.com/docker/compose/cmd", DG_CLI_DAEMON_CLIENT},
	{"nerdctl", "github.com/containerd/nerdctl/cmd/nerdctl", DG_CLI_DAEMON_CLIENT},
	{"ctr", "github.com/containerd/containerd/cmd/ctr", DG_CLI_DAEMON_CLIENT},
};

/* cmd0 as execvp finds it, into path; false when it is not found. */
static bool resolve(const char *cmd0, char *path, size_t len)
{
	const char *dirs = getenv("PATH");

	if (strchr(cmd0, '/'))
		return snprintf(path, len, "%s", cmd0) < (int)len && access(path, X_OK) == 0;
	if (!dirs)
		dirs = "/usr/local/bin:/usr/bin:/bin";
	while (*dirs) {
		size_t n = strcspn(dirs, ":");

		if (n && snprintf(path, len, "%.*s/%s", (int)n, dirs, cmd0) < (int)len &&
		    access(path, X_OK) == 0)
			return true;
		dirs += n + (dirs[n] == ':');
	}
	return false;
}

/* "github.com/containers/podman/v4/cmd/podman" names podman: drop a /vN element. */
static void drop_major_version(char *pkg)
{
	for (char *p = strstr(pkg, "/v"); p; p = strstr(p + 1, "/v")) {
		size_t digits = strspn(p + 2, "0123456789");

		if (digits && p[2 + digits] == '/') {
			memmove(p, p + 2 + digits, strlen(p + 2 + digits) + 1);
			return;
		}
	}
}

/*
 * The main package of a Go binary, from the "path\t...\n" line of its build
 * info (runtime/debug.BuildInfo), into pkg; false when there is none.
 */
static bool go_main_package(const char *file, char *pkg, size_t len)
{
	static const char key[] = "path\t";
	_cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC);
	const char *data, *end, *hit;
	struct stat st;
	bool found = false;

	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < 64 ||
	    st.st_size > (off_t)1 << 30)
		return false;
	data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (data == MAP_FAILED)
		return false;
	end = data + st.st_size;
	/* The first "path\t" followed by a package path and a newline. */
	for (hit = memmem(data, (size_t)(end - data), key, strlen(key)); hit && !found;
	     hit = memmem(hit + 1, (size_t)(end - hit - 1), key, strlen(key))) {
		const char *v = hit + strlen(key);
		size_t n = 0;

		while (v + n < end && n < len - 1 && v[n] > ' ' && v[n] < 0x7f)
			n++;
		if (v + n < end && v[n] == '\n' && n > 3 && memchr(v, '/', n)) {
			snprintf(pkg, len, "%.*s", (int)n, v);
			found = true;
		}
	}
	munmap((void *)data, (size_t)st.st_size);
	if (found)
		drop_major_version(pkg);
	return found;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

enum dg_engine_cli dg_engine_cli_of(char *const *cmd, char *name, size_t len)
{
	char path[PATH_MAX], real[PATH_MAX], pkg[256] = "";
	const struct known_cli *match = NULL;
	bool have_real = false;

	if (name && len)
		name[0] = '\0';
	if (!cmd || !cmd[0])
		return DG_CLI_OTHER;
	if (resolve(cmd[0], path, sizeof(path)) && realpath(path, real)) {
		have_real = true;
		go_main_package(real, pkg, sizeof(pkg));
	}
	for (size_t i = 0; i < ARRAY_SIZE(known) && !match; i++) {
		const char *given = base_name(cmd[0]);

		/* By name first: podman-remote shares podman's package. */
		if (!strcmp(given, known[i].name) ||
		    (have_real && !strcmp(base_name(real), known[i].name)))
			match = &known[i];
	}
	for (size_t i = 0; i < ARRAY_SIZE(known) && !match; i++)
		if (known[i].go_package && !strcmp(pkg, known[i].go_package))
			match = &known[i];
	if (!match)
		return DG_CLI_OTHER;
	if (name && len)
		snprintf(name, len, "%s", match->name);
	return match->kind;
}

bool dg_engine_cli_starts_container(char *const *cmd)
{
	static const char *const verbs[] = {"run", "create", "start", "restart", "exec", "up"};

	for (char *const *a = cmd + 1; *a; a++)
		for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
			if (!strcmp(*a, verbs[i]))
				return true;
	return false;
}
