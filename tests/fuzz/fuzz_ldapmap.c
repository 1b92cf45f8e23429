/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* fuzz_ldapmap: directory values into replica lines (ldapsync.c, compiled
 * in).  Input: byte 0 picks the login check (even) or the userPassword
 * check (odd); the rest is the value, as the directory sends it.
 *   - a login accepted is one a line holds as it is: no ':', newline, NUL,
 *     space or control byte, 1 to 256 bytes, no leading '#', and
 *     pwfile_parse_line on "login:x" gives back exactly that login;
 *   - a value accepted is one verifier a line holds as it is (no ':',
 *     control byte, newline), never a plaintext password (it starts with
 *     '$' or '{'), and classifies as crypt, {CRAM-MD5} or {SSHA*}; and
 *     verify() on it with the value itself as the password says no
 *     (no pass-the-hash). */
#define _GNU_SOURCE
#include "../../ldapsync.c"

#include "fd3.h"
#include "verify.h"

void
pwtx_warn(const char *fmt, ...)
{
	(void)fmt;
}

void
pwtx_die(int status, const char *fmt, ...)
{
	(void)status;
	(void)fmt;
	abort();
}

const char *
pwtx_path(void)
{
	return "/nonexistent";
}

void pwtx_set_path(const char *p) { (void)p; }
void pwtx_lock(void) { abort(); }
void pwtx_unlock(void) { abort(); }
void pwtx_replace(const char *p, size_t n) { (void)p; (void)n; abort(); }
char *
pwtx_new_field(const char *login, int from_stdin, size_t *len)
{
	(void)login;
	(void)from_stdin;
	(void)len;
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[VALUE_MAX + 16], line[LOGIN_MAX + 4];
	const char *s = (const char *)data + 1, *why = NULL, *reason, *used;
	struct verifier v[PW_MAXVERIFIERS];
	struct authreq rq;
	struct pwline pl;
	enum mech proved;
	size_t n, olen = 0, i, k;
	int locked = 0;

	if (size < 1)
		return 0;
	n = size - 1;
	if ((data[0] & 1) == 0) {
		if (!login_ok(s, n, &why))
			return 0;
		if (n < 1 || n > LOGIN_MAX || s[0] == '#')
			abort();
		for (i = 0; i < n; i++)
			if ((unsigned char)s[i] <= ' ' || s[i] == ':' ||
			    s[i] == 0x7f)
				abort();
		memcpy(line, s, n);
		memcpy(line + n, ":x", 2);
		if (pwfile_parse_line(line, n + 2, &pl) != PWL_ENTRY ||
		    pl.loginlen != n || memcmp(pl.login, s, n) != 0)
			abort();
		return 0;
	}
	if (!map_value(s, n, out, &olen, &locked, &why))
		return 0;
	if (olen == 0 || olen > n + 8 || (out[0] != '$' && out[0] != '{'))
		abort();
	for (i = 0; i < olen; i++)
		if ((unsigned char)out[i] <= ' ' || (unsigned char)out[i] >= 0x7f ||
		    out[i] == ':')
			abort();
	k = pwfile_verifiers(out, olen, v, PW_MAXVERIFIERS);
	if (k != 1 || (v[0].kind != VK_CRYPT && v[0].kind != VK_CRAM &&
	    v[0].kind != VK_SSHA && v[0].kind != VK_UNKNOWN))
		abort();
	/* the stored value presented as the password never matches */
	if (olen <= 400) {
		memset(&rq, 0, sizeof(rq));
		rq.mech = MECH_PASSWORD;
		rq.login = "u";
		rq.loginlen = 1;
		rq.pass = out;
		rq.passlen = olen;
		if (v[0].kind != VK_CRYPT &&
		    verify(&rq, out, olen, &reason, &used, &proved) == 1)
			abort();
	}
	return 0;
}
