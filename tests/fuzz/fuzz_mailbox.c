/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* fuzz_mailbox: the home a login is derived into (mb_derive), opened under
 * a real base directory (mb_open_dir), and the mailbox fields of a line
 * (mb_parse).  Input: one flag byte (bit 0: a default domain is set), then
 * the login, which is also read as a line's field.  Invariants: a derived
 * home is two clean names, and the directory opened is the base itself or
 * inside it, never outside (the base holds a symlink to "/", a ".." trap
 * and a plain file). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mailbox.h"

static char base[64];

static void
make_base(void)
{
	char p[128];

	/* one fixed tree per user, made again (idempotently) by each run */
	snprintf(base, sizeof(base), "/tmp/fuzz_mailbox.%d", (int)getuid());
	mkdir(base, 0755);
	snprintf(p, sizeof(p), "%s/ex.org", base);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/ex.org/alice", base);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/ex.org/evil", base);
	symlink("/", p);
	snprintf(p, sizeof(p), "%s/ex.org/up", base);
	symlink("..", p);
	snprintf(p, sizeof(p), "%s/ex.org/file", base);
	close(open(p, O_CREAT | O_WRONLY, 0644));
	snprintf(p, sizeof(p), "%s/root", base);
	symlink("/", p);
}

static void
check_derived(const char *rel)
{
	const char *slash = strchr(rel, '/'), *why;
	char link[64], got[4096];
	ssize_t n;
	int fd;

	if (slash == NULL || strchr(slash + 1, '/') != NULL ||
	    !mb_part_ok(rel, (size_t)(slash - rel)) ||
	    !mb_part_ok(slash + 1, strlen(slash + 1)))
		abort();
	if ((fd = mb_open_dir(base, rel, &why)) < 0)
		return;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, got, sizeof(got) - 1);
	close(fd);
	if (n < 0)
		return;
	got[n] = '\0';
	if (strncmp(got, base, strlen(base)) != 0 ||
	    got[strlen(base)] != '/')
		abort();	/* escaped the base */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char rel[2 * MB_PART_MAX + 2];
	struct mbfields f;
	const char *login, *why;
	size_t len;

	if (base[0] == '\0')
		make_base();
	if (size < 1)
		return 0;
	login = (const char *)data + 1;
	len = size - 1;
	if (mb_derive(login, len, data[0] & 1 ? "ex.org" : NULL, rel,
	    sizeof(rel), &why) == 0)
		check_derived(rel);
	if (mb_parse(login, len, &f, &why) == 0 && f.has_home) {
		if (f.home < login || f.home + f.homelen > login + len ||
		    !mb_home_ok(f.home, f.homelen) ||
		    memmem(f.home, f.homelen, "/../", 4) != NULL ||
		    memchr(f.home, ':', f.homelen) != NULL)
			abort();
	}
	return 0;
}
