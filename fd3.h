/* fd3.h: what the front end wrote on descriptor 3, and what it means. */
#ifndef FD3_H
#define FD3_H

#include <stddef.h>
#include "hmac_md5.h"

#define FD3_MAX 512		/* the checkpassword interface's limit */

/* -m: how to read the fields (cmd5checkpw(8), "Front ends"). */
enum layout {
	LAYOUT_AUTO,		/* decide from the fields, documented order */
	LAYOUT_DABROWSKI,	/* login, challenge, digest (cmd5checkpw 0.22) */
	LAYOUT_HOFFMANN,	/* login, digest, challenge (cmd5checkpw 0.30) */
	LAYOUT_POP3,		/* qmail-popup: APOP or USER/PASS */
	LAYOUT_PASSWORD		/* field 2 is always a password */
};

enum mech {
	MECH_PASSWORD,		/* LOGIN, PLAIN, USER/PASS, Dovecot */
	MECH_CRAM,		/* CRAM-MD5 (RFC 2195) */
	MECH_APOP,		/* APOP (RFC 1939) */
	MECH_CRAM_OR_APOP,	/* digest then timestamp: either proof */
	MECH_APOP_OR_PASSWORD,	/* qmail-popup, field 2 is 32 hex digits */
	MECH_LOOKUP		/* Dovecot userdb lookup: AUTHORIZED=1 */
};

struct authreq {
	enum mech mech;
	const char *login;
	size_t loginlen;
	const char *pass;	/* password, or the digest as written */
	size_t passlen;
	const char *chal;	/* challenge or timestamp, may be empty */
	size_t challen;
	unsigned char digest[MD5_LEN];	/* decoded, for challenge mechs */
};

/* Returns 0, or 2 (misuse) with *why set.  lookup: AUTHORIZED=1 was set. */
int fd3_parse(const char *buf, size_t len, enum layout mode, int lookup,
    struct authreq *rq, const char **why);
int fd3_is_challenge(const char *s, size_t len);
const char *mech_name(enum mech m);
int layout_from_name(const char *name, enum layout *out);

#endif
