/* fd3.c: split the checkpassword data and tell which front end wrote it.
 *
 * The layouts (cmd5checkpw(8), "Front ends"):
 *   Dabrowski qmail-smtpd-auth 0.31  CRAM: login \0 <chal> \0 digest \0
 *   Hoffmann AUTH patch              CRAM: login \0 digest \0 <chal> \0
 *   qmail-popup                      APOP: login \0 digest \0 <ts> \0
 *                                    USER: login \0 password \0 <ts> \0
 *   everyone else                    login \0 password \0 [anything \0]
 * A challenge or timestamp is "<...@...>"; a digest is 32 hex digits. */
#include <string.h>

#include "fd3.h"

int
fd3_is_challenge(const char *s, size_t len)
{
	return len >= 3 && s[0] == '<' && s[len - 1] == '>' &&
	    memchr(s, '@', len) != NULL;
}

static int
is_digest(const char *s, size_t len, unsigned char out[MD5_LEN])
{
	return hex_decode(s, len, out, MD5_LEN) == 0;
}

/* The next NUL-terminated field, or -1 when no NUL is left. */
static int
field(const char **p, const char *end, const char **f, size_t *flen)
{
	const char *nul = memchr(*p, '\0', (size_t)(end - *p));

	if (nul == NULL)
		return -1;
	*f = *p;
	*flen = (size_t)(nul - *p);
	*p = nul + 1;
	return 0;
}

int
fd3_parse(const char *buf, size_t len, enum layout mode, int lookup,
    struct authreq *rq, const char **why)
{
	const char *p = buf, *end = buf + len, *f2 = "";
	size_t f2len = 0;
	int three;
	unsigned char d[MD5_LEN];

	memset(rq, 0, sizeof(*rq));
	rq->chal = "";
	if (field(&p, end, &rq->login, &rq->loginlen) != 0 ||
	    field(&p, end, &rq->pass, &rq->passlen) != 0) {
		*why = "login and password must each end with a NUL";
		return 2;
	}
	if (rq->loginlen == 0) {
		*why = "empty login";
		return 2;
	}
	/* The third field is optional: Hoffmann's patch without CRAM-MD5
	 * writes only login and password. */
	three = field(&p, end, &f2, &f2len) == 0;
	if (!three && p != end) {
		*why = "third field must end with a NUL";
		return 2;
	}
	rq->chal = f2;
	rq->challen = f2len;
	rq->mech = MECH_PASSWORD;

	/* Dovecot: a userdb or credentials lookup has no password. */
	if (lookup && rq->passlen == 0) {
		rq->mech = MECH_LOOKUP;
		return 0;
	}
	if (mode == LAYOUT_PASSWORD)
		return 0;

	if ((mode == LAYOUT_AUTO || mode == LAYOUT_DABROWSKI) &&
	    fd3_is_challenge(rq->pass, rq->passlen) &&
	    is_digest(f2, f2len, d)) {
		rq->mech = MECH_CRAM;
		rq->chal = rq->pass;
		rq->challen = rq->passlen;
		rq->pass = f2;
		rq->passlen = f2len;
	} else if (mode != LAYOUT_DABROWSKI &&
	    is_digest(rq->pass, rq->passlen, d) &&
	    fd3_is_challenge(f2, f2len)) {
		if (mode == LAYOUT_HOFFMANN)
			rq->mech = MECH_CRAM;
		else if (mode == LAYOUT_POP3)
			rq->mech = MECH_APOP_OR_PASSWORD;
		else
			rq->mech = MECH_CRAM_OR_APOP;
	}
	if (rq->mech != MECH_PASSWORD)
		memcpy(rq->digest, d, sizeof(d));
	wipe(d, sizeof(d));
	return 0;
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
	case MECH_CRAM_OR_APOP:
		return "cram-md5/apop";
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
