/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* tests/fakestat.h: the text stat the fuzz_pwindex seeds are stamped with
 * (tests/mkindex -f builds them; fuzz_pwindex looks up as for it). */
#ifndef FAKESTAT_H
#define FAKESTAT_H

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static inline void
fake_stat(struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = 1;
	st->st_ino = 2;
	st->st_size = 3;
	st->st_mtim.tv_sec = 4;
	st->st_mtim.tv_nsec = 5;
	st->st_ctim.tv_sec = 6;
	st->st_ctim.tv_nsec = 7;
	st->st_mode = S_IFREG | 0640;
	st->st_uid = getuid();
	st->st_gid = getgid();
}

#endif
