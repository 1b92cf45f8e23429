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

#endif
