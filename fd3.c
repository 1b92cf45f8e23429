/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* fd3.c: split the checkpassword data and read it as its front end wrote
 * it.  Each -m layout accepts exactly what its front end writes
 * (cmd5checkpw(8), FRONT ENDS; PROTOCOLS: the patches' qmail-smtpd.c):
 *   dabrowski  CRAM: login \0 <chal> \0 digest \0
 *              LOGIN/PLAIN: login \0 password \0 \0
 *   hoffmann   CRAM: login \0 digest \0 <chal> \0
 *              LOGIN/PLAIN: login \0 password \0 \0 (CRAM on), login \0 password \0
 *   pop3       APOP: login \0 digest \0 <ts> \0, USER: login \0 password \0 <ts> \0
 *   password   login \0 password \0 \0 (Dovecot), login \0 password \0
 *   auto       all of the above but APOP, read as the table's order says
 * Anything else (more fields, bytes after the last NUL, a third field that
 * fits no reading) is refused: AUTH LOGIN passes NULs through, so a
 * client can write extra fields, and must never choose the reading. */
#include <string.h>

#include "fd3.h"

#define MAXFIELDS 3		/* no front end writes more */

struct field {
	const char *p;
	size_t len;
};

int
fd3_is_challenge(const char *s, size_t len)
{
	return len >= 3 && s[0] == '<' && s[len - 1] == '>' &&
	    memchr(s, '@', len) != NULL;
}

/* Decimal digits from *p up to stop, no leading zero, at most max digits. */
static int
number(const char **p, const char *end, char stop, size_t max,
    unsigned long long *out)
{
	const char *s = *p;
	unsigned long long v = 0;

	while (s < end && *s >= '0' && *s <= '9' && (size_t)(s - *p) < max)
		v = v * 10 + (unsigned long long)(*s++ - '0');
	if (s == *p || s == end || *s != stop || (**p == '0' && s - *p > 1))
		return -1;
	*p = s + 1;
	*out = v;
	return 0;
}

int
fd3_challenge(const char *s, size_t len, struct challenge *c)
{
	const char *p = s + 1, *end = s + len - 1, *q;
	unsigned long long pid;

	if (len < 7 || s[0] != '<' || s[len - 1] != '>')
		return -1;
	/* pid_max is at most 2^22; times fit 20 digits */
	if (number(&p, end, '.', 10, &pid) != 0 || pid == 0 ||
	    pid > 0xffffffffULL || number(&p, end, '@', 20, &c->time) != 0)
		return -1;
	c->pid = (unsigned long)pid;
	if (p == end || end - p > 255)
		return -1;
	for (q = p; q < end; q++)
		if (*q <= ' ' || *q > '~' || *q == '<' || *q == '>' ||
		    *q == '@')
			return -1;
	c->host = p;
	c->hostlen = (size_t)(end - p);
	return 0;
}

static int
is_digest(const struct field *f, unsigned char out[MD5_LEN])
{
	return hex_decode(f->p, f->len, out, MD5_LEN) == 0;
}

static int
is_chal(const struct field *f)
{
	return fd3_is_challenge(f->p, f->len);
}

/* Splits buf into NUL-terminated fields: the count, or -1 with *why. */
static int
split(const char *buf, size_t len, struct field f[MAXFIELDS],
    const char **why)
{
	const char *p = buf, *end = buf + len, *nul;
	int n = 0;

	while (p < end) {
		if ((nul = memchr(p, '\0', (size_t)(end - p))) == NULL) {
			*why = n < 2 ? "login and password must each end "
			    "with a NUL" : "data after the last NUL";
			return -1;
		}
		if (n == MAXFIELDS) {
			*why = "more fields than any front end writes";
			return -1;
		}
		f[n].p = p;
		f[n].len = (size_t)(nul - p);
		n++;
		p = nul + 1;
	}
	if (n < 2) {
		*why = "login and password must each end with a NUL";
		return -1;
	}
	return n;
}

enum reading { R_NONE, R_PASSWORD, R_CRAM_DAB, R_CRAM_HOF, R_POP3 };

/* Which reading of the fields this layout's front end can have written. */
static enum reading
reading(enum layout mode, int n, const struct field *f, const char **why)
{
	unsigned char d[MD5_LEN];
	int empty3 = n == 3 && f[2].len == 0;
	int dab = n == 3 && is_chal(&f[1]) && is_digest(&f[2], d);
	int hof = n == 3 && is_digest(&f[1], d) && is_chal(&f[2]);

	wipe(d, sizeof(d));
	switch (mode) {
	case LAYOUT_AUTO:
		if (n == 2 || empty3)
			return R_PASSWORD;
		if (dab)
			return R_CRAM_DAB;
		if (hof)
			return R_CRAM_HOF;
		if (is_chal(&f[2]))
			return R_PASSWORD;	/* qmail-popup USER/PASS */
		*why = "third field is no challenge, timestamp or empty";
		return R_NONE;
	case LAYOUT_DABROWSKI:
		if (empty3)
			return R_PASSWORD;
		if (dab)
			return R_CRAM_DAB;
		*why = n == 2 ? "-m dabrowski: the third field is missing" :
		    "-m dabrowski: neither login,challenge,digest nor "
		    "login,password,empty";
		return R_NONE;
	case LAYOUT_HOFFMANN:
		if (n == 2 || empty3)
			return R_PASSWORD;
		if (hof)
			return R_CRAM_HOF;
		*why = "-m hoffmann: neither login,digest,challenge nor "
		    "login,password[,empty]";
		return R_NONE;
	case LAYOUT_POP3:
		if (n == 3 && is_chal(&f[2]))
			return R_POP3;
		*why = "-m pop3: the third field is no timestamp";
		return R_NONE;
	case LAYOUT_PASSWORD:
		if (n == 2 || empty3)
			return R_PASSWORD;
		*why = "-m password: the third field must be empty";
		return R_NONE;
	}
	*why = "unknown layout";
	return R_NONE;
}

int
fd3_parse(const char *buf, size_t len, enum layout mode, int lookup,
    struct authreq *rq, const char **why)
{
	struct field f[MAXFIELDS];
	int n;

	memset(rq, 0, sizeof(*rq));
	rq->chal = "";
	if ((n = split(buf, len, f, why)) < 0)
		return 2;
	if (f[0].len == 0) {
		*why = "empty login";
		return 2;
	}
	rq->login = f[0].p;
	rq->loginlen = f[0].len;
	rq->pass = f[1].p;
	rq->passlen = f[1].len;
	if (n == 3) {
		rq->chal = f[2].p;
		rq->challen = f[2].len;
	}
	rq->mech = MECH_PASSWORD;
	/* Dovecot: a userdb or credentials lookup is user\0\0\0 */
	if (lookup && rq->passlen == 0 && n == 3 && rq->challen == 0) {
		rq->mech = MECH_LOOKUP;
		return 0;
	}
	switch (reading(mode, n, f, why)) {
	case R_NONE:
		return 2;
	case R_PASSWORD:
		return 0;
	case R_CRAM_DAB:
		rq->mech = MECH_CRAM;
		rq->chal = f[1].p;
		rq->challen = f[1].len;
		rq->pass = f[2].p;
		rq->passlen = f[2].len;
		break;
	case R_CRAM_HOF:
		rq->mech = MECH_CRAM;
		break;
	case R_POP3:
		rq->mech = MECH_APOP_OR_PASSWORD;
		break;
	}
	/* reading() checked the CRAM digests; a POP3 password that is not
	 * 32 hex digits is USER/PASS */
	if (hex_decode(rq->pass, rq->passlen, rq->digest, MD5_LEN) != 0)
		rq->mech = MECH_PASSWORD;
	return 0;
}

int
mech_has_challenge(enum mech m)
{
	return m == MECH_CRAM || m == MECH_APOP || m == MECH_APOP_OR_PASSWORD;
}

const char *
mech_name(enum mech m)
{
	switch (m) {
	case MECH_PASSWORD:
		return "password";
	case MECH_CRAM:
		return "cram-md5";
	case MECH_APOP:
		return "apop";
	case MECH_APOP_OR_PASSWORD:
		return "apop/password";
	case MECH_LOOKUP:
		return "lookup";
	}
	return "?";
}

static const struct {
	const char *name;
	enum layout layout;
} layouts[] = {
	{ "auto", LAYOUT_AUTO },
	{ "dabrowski", LAYOUT_DABROWSKI },
	{ "hoffmann", LAYOUT_HOFFMANN },
	{ "pop3", LAYOUT_POP3 },
	{ "password", LAYOUT_PASSWORD },
};

int
layout_from_name(const char *name, enum layout *out)
{
	size_t i;

	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (strcmp(name, layouts[i].name) == 0) {
			*out = layouts[i].layout;
			return 0;
		}
	return -1;
}
