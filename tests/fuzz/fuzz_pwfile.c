/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* fuzz_pwfile: the password file and its verifiers.  Input: login \0
 * password \0 text (a missing NUL leaves the default login "alice" and
 * password "wonderland", and the rest is the text).  Every line goes
 * through pwfile_parse_line and pwfile_verifiers; the text through
 * pwfile_scan; the field found (or the dummy) through verify() with a
 * password, a CRAM-MD5 and an APOP request. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fd3.h"
#include "lookup.h"
#include "verify.h"
#include "cheap.h"

static void
check_lines(const char *text, size_t size)
{
	const char *p = text, *end = text + size, *nl;
	struct verifier v[PW_MAXVERIFIERS];
	struct pwline l;
	size_t n, k, i;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (pwfile_parse_line(p, n, &l) == PWL_ENTRY) {
			if (l.login < p || l.login + l.loginlen > p + n ||
			    l.field < p || l.field + l.fieldlen > p + n)
				abort();
			k = pwfile_verifiers(l.field, l.fieldlen, v,
			    PW_MAXVERIFIERS);
			if (k > PW_MAXVERIFIERS)
				abort();
			for (i = 0; i < k; i++)
				if (v[i].p < l.field || v[i].p + v[i].len >
				    l.field + l.fieldlen)
					abort();
		}
		p += n + 1;
	}
}

static void
verify_all(const char *field, size_t len, const char *pass, size_t passlen)
{
	static const char chal[] = "<1896.697170952@dbc.mtview.ca.us>";
	struct authreq rq;
	const char *reason, *used;
	enum mech proved, mechs[] = { MECH_PASSWORD, MECH_CRAM, MECH_APOP,
	    MECH_APOP_OR_PASSWORD, MECH_LOOKUP };
	size_t i;

	if (!cheap_field(field, len))
		return;
	for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++) {
		memset(&rq, 0, sizeof(rq));
		rq.mech = mechs[i];
		rq.login = "alice";
		rq.loginlen = 5;
		rq.pass = pass;
		rq.passlen = passlen;
		rq.chal = chal;
		rq.challen = sizeof(chal) - 1;
		memcpy(rq.digest, pass, passlen < MD5_LEN ? passlen : MD5_LEN);
		reason = used = NULL;
		if (verify(&rq, field, len, &reason, &used, &proved) == 0 &&
		    reason == NULL)
			abort();	/* a refusal must say why */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *login = "alice", *pass = "wonderland", *p, *q;
	size_t loginlen = 5, passlen = 10, textlen;
	struct pwmatch m;
	char *text, *lbuf = NULL, *pbuf = NULL;

	p = memchr(data, '\0', size);
	q = p ? memchr(p + 1, '\0', size - (size_t)(p + 1 - (const char *)data)) :
	    NULL;
	if (q != NULL) {
		/* exact-size heap copies, so ASan sees any overread */
		loginlen = (size_t)(p - (const char *)data);
		passlen = (size_t)(q - p - 1);
		lbuf = malloc(loginlen + 1);
		pbuf = malloc(passlen + 1);
		memcpy(lbuf, data, loginlen);
		memcpy(pbuf, p + 1, passlen);
		login = lbuf;
		pass = pbuf;
		p = q + 1;
	} else {
		p = (const char *)data;
	}
	textlen = size - (size_t)(p - (const char *)data);
	text = malloc(textlen ? textlen : 1);
	memcpy(text, p, textlen);

	check_lines(text, textlen);
	memset(&m, 0, sizeof(m));
	if (pw_scan(text, textlen, login, loginlen, &m) == 0) {
		if (m.found)
			verify_all(m.field, m.fieldlen, pass, passlen);
		if (m.dummy != NULL)
			verify_all(m.dummy, m.dummylen, pass, passlen);
	}
	pwmatch_free(&m);
	free(text);
	free(lbuf);
	free(pbuf);
	return 0;
}
