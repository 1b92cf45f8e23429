/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* cheap.h: shared by the fuzz targets.  A crypt setting from a fuzzed
 * field may ask for any cost (yescrypt N, bcrypt 2^31, "rounds=999999999");
 * the password file is the administrator's, so a slow setting is a cost the
 * admin chose, not a bug.  The targets verify a field only when every crypt
 * setting in it is one of the cheap fixed-cost ones below. */
#ifndef FUZZ_CHEAP_H
#define FUZZ_CHEAP_H

#include <string.h>
#include "pwfile.h"

static int
cheap_setting(const char *p, size_t len)
{
	if (len >= 3 && (memcmp(p, "$1$", 3) == 0 || memcmp(p, "$5$", 3) == 0 ||
	    memcmp(p, "$6$", 3) == 0))
		return memmem(p, len, "rounds=", 7) == NULL;
	if (len >= 7 && p[0] == '$' && p[1] == '2' && p[3] == '$' &&
	    p[4] == '0' && (p[5] == '4' || p[5] == '5'))
		return 1;	/* bcrypt cost 4 or 5 */
	/* traditional DES: two salt characters, 25 fixed rounds */
	return len > 0 && p[0] != '$' && p[0] != '_';
}

static int
cheap_field(const char *field, size_t len)
{
	struct verifier v[PW_MAXVERIFIERS];
	size_t i, n, skip = 0;

	while (skip < len && (field[skip] == '!' || field[skip] == '*'))
		skip++;
	n = pwfile_verifiers(field + skip, len - skip, v, PW_MAXVERIFIERS);
	for (i = 0; i < n; i++)
		if (v[i].kind == VK_CRYPT && !cheap_setting(v[i].p, v[i].len))
			return 0;
	return 1;
}

#endif
