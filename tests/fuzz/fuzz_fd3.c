/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* fuzz_fd3: what a network client controls (the strict layouts and the
 * challenge syntax).  Byte 0 picks the -m layout
 * and whether AUTHORIZED=1 (Dovecot lookup) is set; the rest is fd 3.
 * Parse it, look the login up in a fixed small password file, and verify
 * it against the entry found (or the first entry, as for an unknown login)
 * and against each of a few fixed fields. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fd3.h"
#include "lookup.h"
#include "verify.h"

/* One line per kind of verifier, cheap crypt settings only (cheap.h). */
static const char pwtext[] =
    "# fixed file for the fuzz target\n"
    "tim:tanstaaftanstaaf\n"
    "bob:{CRAM-MD5}e02d374fde0dc75a17a557039a3a5338c7743304777dccd376f332bee68d2cf6\n"
    "erin:{PLAIN.b64}cGFzczp3aXRoOmNvbG9ucw==\n"
    "hex:{PLAIN.hex}70617373\n"
    "md5:$1$saltsalt$hZR.9zfJXcVTsa9iTxnQR1:{CRAM-MD5}e02d374fde0dc75a17a557039a3a5338c7743304777dccd376f332bee68d2cf6\n"
    "locked:!tanstaaftanstaaf\n"
    "empty:\n"
    "colon:pass:with:colons\r\n"
    "tim:second-entry-never-used\n";

static const char *const fields[] = {
	"tanstaaftanstaaf",
	"{CRAM-MD5}e02d374fde0dc75a17a557039a3a5338c7743304777dccd376f332bee68d2cf6",
	"{PLAIN}test:{CRAM-MD5}e02d374fde0dc75a17a557039a3a5338c7743304777dccd376f332bee68d2cf6",
	"{PLAIN.b64}cGFzczp3aXRoOmNvbG9ucw==",
	"$1$saltsalt$hZR.9zfJXcVTsa9iTxnQR1",
	"{unknown}x:*",
	"",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct authreq rq;
	struct challenge c;
	struct pwmatch m;
	const char *why, *reason, *used;
	enum mech proved;
	size_t i;

	if (size < 1 || size - 1 > FD3_MAX)
		return 0;
	/* a heap-sized copy of exactly the input, so ASan sees overreads */
	char *in = malloc(size - 1 ? size - 1 : 1);
	if (in == NULL)
		return 0;
	memcpy(in, data + 1, size - 1);
	if (fd3_parse(in, size - 1, (enum layout)(data[0] % 5),
	    (data[0] & 0x80) != 0, &rq, &why) == 0) {
		/* the challenge parser sees every field a client can place */
		if (fd3_challenge(rq.chal, rq.challen, &c) == 0 &&
		    (c.hostlen == 0 || c.host < rq.chal ||
		    c.host + c.hostlen > rq.chal + rq.challen))
			abort();
		memset(&m, 0, sizeof(m));
		if (pw_scan(pwtext, sizeof(pwtext) - 1, rq.login,
		    rq.loginlen, &m) == 0) {
			if (m.found)
				verify(&rq, m.field, m.fieldlen, &reason,
				    &used, &proved);
			else if (m.dummy != NULL)
				verify(&rq, m.dummy, m.dummylen, &reason,
				    &used, &proved);
		}
		pwmatch_free(&m);
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			verify(&rq, fields[i], strlen(fields[i]), &reason,
			    &used, &proved);
	} else if (why == NULL) {
		abort();	/* a refusal must say why */
	}
	free(in);
	return 0;
}
