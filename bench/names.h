/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* bench/names.h: the logins and passwords genpw writes, so bench can
 * present them.  Login i is "user<i>@example.org", i from 0; its password
 * is "pw-" and 8 hex digits of a hash of i.  One extra login, YES_LOGIN,
 * has a yescrypt hash of YES_PASS, half way down every file of at least
 * YES_MIN logins: beyond the first 1024 entries, where cmd5checkpw would
 * take it as the verifier unknown logins are checked against
 * (pwfile_dummy), which would turn every "missing" run into a yescrypt. */
#ifndef BENCH_NAMES_H
#define BENCH_NAMES_H

#include <stdio.h>
#include <stdint.h>

#define YES_LOGIN "yescrypt@example.org"
#define YES_PASS "yescrypt-pw"
#define YES_MIN 4096
/* the missing login of a file of N logins is login_of(N) */

static inline int
login_of(unsigned i, char *buf, size_t size)
{
	return snprintf(buf, size, "user%u@example.org", i);
}

static inline int
pass_of(unsigned i, char *buf, size_t size)
{
	return snprintf(buf, size, "pw-%08x", (uint32_t)(i * 2654435761u));
}

#endif
