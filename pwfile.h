/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* pwfile.h: the password file (poppasswd(5)): lines, verifiers, lookup. */
#ifndef PWFILE_H
#define PWFILE_H

#include <stddef.h>
#include <sys/stat.h>

#include "log.h"

/* One line, without its '\n'. */
enum { PWL_ENTRY, PWL_SKIP, PWL_BAD };
struct pwline {
	const char *login;
	size_t loginlen;
	const char *field;	/* everything after the first ':' */
	size_t fieldlen;
};
int pwfile_parse_line(const char *line, size_t len, struct pwline *out);
int pwfile_login_ok(const char *login, size_t len);

/* The verifiers of one field. */
enum vkind {
	VK_PLAIN,	/* legacy plaintext, {PLAIN}, {PLAIN.b64}, {PLAIN.hex} */
	VK_CRYPT,	/* $id$... or {CRYPT} and friends: crypt(3) */
	VK_CRAM,	/* {CRAM-MD5}: Dovecot's HMAC-MD5 states */
	VK_SSHA,	/* {SSHA}, {SSHA256}, {SSHA512}: base64 of
			 * SHA(password salt) salt, as LDAP stores them */
	VK_DISABLED,	/* '!' or '*' first, or an empty field */
	VK_MAILBOX,	/* uid=, gid=, home=: not a verifier (mailbox.h) */
	VK_UNKNOWN	/* an unknown scheme or a malformed value: never matches */
};
enum venc { VE_RAW, VE_B64, VE_HEX };
struct verifier {
	enum vkind kind;
	enum venc enc;		/* VK_PLAIN only */
	unsigned short sha;	/* VK_SSHA: the digest's size in bytes */
	const char *p;		/* the value after its {SCHEME} tag */
	size_t len;
};
#define PW_MAXVERIFIERS 8
/* Splits a field into at most max verifiers; returns how many. */
size_t pwfile_verifiers(const char *field, size_t len, struct verifier *v,
    size_t max);
const char *vkind_name(enum vkind k);

/* A login's line in a whole text: the first entry naming it wins. */
struct pwscan {
	int found;
	struct pwline hit;
	int has_dummy;
	struct pwline dummy;	/* pwfile_dummy's, for unknown logins */
};
/* Scans the text (to its end, whatever is found).  0, or -1 out of
 * memory.  Pointers are into text. */
/* The next entry line of login in text at or after *from, found by
 * memmem (an entry line starts with "login:"), so that a change to one
 * login at ten million costs a scan at memory speed, not a parse of every
 * line.  1 (*from: the line's offset; *len: its length without '\n'; pl
 * parsed) or 0 (*from = size). */
int pwfile_next_entry(const char *text, size_t size, const char *login,
    size_t loginlen, size_t *from, size_t *len, struct pwline *pl);
int pwfile_scan(const char *text, size_t size, const char *login,
    size_t loginlen, struct pwscan *out);
/* The entry an unknown login is checked against and every refused
 * password check is padded to (verify_pad), so that all refusals cost
 * the same: the entry with the costliest crypt hash among the first
 * PW_DUMMY_SPAN entries, else the first entry.  Returns 1 with *out set,
 * 0 when the text has no entry. */
#define PW_DUMMY_SPAN 1024
int pwfile_dummy(const char *text, size_t size, struct pwline *out);
/* The first crypt verifier of a field ('!' or '*' first skipped): 1, else 0. */
int pwfile_field_crypt(const char *field, size_t len, struct verifier *out);
/* A rough cost of checking crypt hash h, in microseconds of this era's
 * CPU: only to rank hashes; equal for hashes of one method and cost. */
unsigned long pwfile_crypt_cost(const char *h, size_t len);
/* Refuses a file writable by group or others. 0, or -1 with err set. */
int pwfile_check_mode(const char *path, const struct stat *st,
    struct pwerr *err);

#endif
