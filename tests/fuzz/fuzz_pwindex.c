/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* fuzz_pwindex: the cdb index, corrupted.  The input is written to a
 * memfd and read with pwindex_lookup_fd as if it were PATH.cdb built from
 * the text whose stat is fake_stat() (the seeds, made by tests/mkindex -f,
 * carry its stamp, so the fuzzer starts past the staleness check).  A few logins are looked up and
 * what comes back is verified with a password request. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd3.h"
#include "lookup.h"
#include "verify.h"
#include "cheap.h"
#include "tests/fakestat.h"

static void
check(int fd, const struct stat *st, const char *login)
{
	struct pwindex_found m;
	struct authreq rq;
	int state;
	const char *reason, *used;
	enum mech proved;

	memset(&m, 0, sizeof(m));
	if (pwindex_lookup_fd(fd, NULL, st, login, strlen(login), &m,
	    &state) == 1) {
		if (state != IDX_USED)
			abort();
		memset(&rq, 0, sizeof(rq));
		rq.mech = MECH_PASSWORD;
		rq.login = login;
		rq.loginlen = strlen(login);
		rq.pass = "wonderland";
		rq.passlen = 10;
		rq.chal = "";
		if (m.found && cheap_field(m.field, m.fieldlen))
			verify(&rq, m.field, m.fieldlen, &reason, &used,
			    &proved);
		if (m.dummy != NULL && cheap_field(m.dummy, m.dummylen))
			verify(&rq, m.dummy, m.dummylen, &reason, &used,
			    &proved);
	} else if (m.field != NULL || m.dummy != NULL) {
		abort();	/* not usable, yet something was left behind */
	}
	pwindex_found_free(&m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct stat st;

	if (fd < 0 && (fd = memfd_create("fuzz.cdb", 0)) < 0)
		abort();
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) !=
	    (ssize_t)size)
		abort();
	fake_stat(&st);
	check(fd, &st, "alice");
	check(fd, &st, "tim");
	check(fd, &st, "nobody");
	check(fd, &st, "bad:login");
	{
		struct pwindex_found m;
		int state;

		if (pwindex_lookup_fd(fd, NULL, &st, NULL, 0, &m, &state) == 1 &&
		    (m.found || m.field != NULL))
			abort();	/* no key, yet a field */
		pwindex_found_free(&m);
	}
	return 0;
}
