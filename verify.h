/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* verify.h: check what the client presented against a verifier field. */
#ifndef VERIFY_H
#define VERIFY_H

#include <stddef.h>
#include "fd3.h"

/* 1 when the request proves knowledge of the secret behind field, else 0
 * with *reason set; -1 (temporary) when crypt(3) failed for lack of
 * memory.  Does the full work either way.  *used names the
 * verifier kind checked, *proved the mechanism that matched (for the two
 * ambiguous layouts, which of the two it was). */
int verify(const struct authreq *rq, const char *field, size_t fieldlen,
    const char **reason, const char **used, enum mech *proved);

/* After a refused password check (MECH_PASSWORD, MECH_APOP_OR_PASSWORD)
 * of field checked (for an unknown login: padfield itself) that began at
 * t0 (CLOCK_MONOTONIC): computes padfield's crypt hash, the costliest in
 * the file (pwfile_dummy), unless the check already did one of its cost,
 * then sleeps until t0 + twice its time.  So every refusal takes the same
 * time, whatever the login's verifier.  0, or -1 when crypt(3) failed for
 * lack of memory.  Nothing to do for other mechanisms or a file without
 * crypt hashes. */
struct timespec;
int verify_pad(const struct authreq *rq, const char *checked,
    size_t checkedlen, const char *padfield, size_t padlen,
    const struct timespec *t0);

#endif
