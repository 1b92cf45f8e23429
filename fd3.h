/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* fd3.h: what the front end wrote on descriptor 3, and what it means. */
#ifndef FD3_H
#define FD3_H

#include <stddef.h>
#include "hmac_md5.h"

#define FD3_MAX 512		/* the checkpassword interface's limit */

/* -m: which front end writes the fields (cmd5checkpw(8), FRONT ENDS).
 * Each accepts exactly the layouts its front end writes. */
enum layout {
	LAYOUT_AUTO,		/* the unambiguous readings of all below, no APOP */
	LAYOUT_DABROWSKI,	/* qmail-smtpd-auth 0.31 (cmd5checkpw 0.22) */
	LAYOUT_HOFFMANN,	/* netqmail/notqmail smtp-auth (cmd5checkpw 0.30) */
	LAYOUT_POP3,		/* qmail-popup: APOP or USER/PASS */
	LAYOUT_PASSWORD		/* Dovecot: field 2 is always a password */
};

enum mech {
	MECH_PASSWORD,		/* LOGIN, PLAIN, USER/PASS, Dovecot */
	MECH_CRAM,		/* CRAM-MD5 (RFC 2195) */
	MECH_APOP,		/* APOP (RFC 1939) */
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

/* A challenge or APOP timestamp as the qmail front ends make it:
 * <PID.TIME@HOST>, PID and TIME decimal without leading zeros. */
struct challenge {
	unsigned long pid;
	unsigned long long time;
	const char *host;
	size_t hostlen;
};

/* Returns 0, or 2 (misuse: a layout its front end never writes) with
 * *why set.  lookup: AUTHORIZED=1 was set. */
int fd3_parse(const char *buf, size_t len, enum layout mode, int lookup,
    struct authreq *rq, const char **why);
/* 1 when s could be a challenge at all: "<...@...>". */
int fd3_is_challenge(const char *s, size_t len);
/* 0 when s is exactly <PID.TIME@HOST> (c filled), else -1. */
int fd3_challenge(const char *s, size_t len, struct challenge *c);
/* 1 when the request's proof hangs on its challenge or timestamp. */
int mech_has_challenge(enum mech m);
const char *mech_name(enum mech m);
int layout_from_name(const char *name, enum layout *out);

#endif
