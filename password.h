/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* password.h: cmd5pw's new passwords: read without echo or from stdin,
 * and turned into a verifier field. */
#ifndef PASSWORD_H
#define PASSWORD_H

#include <stddef.h>
#include "util.h"

#define PASS_MAX 511		/* crypt's limit; fd 3 holds 512 in all */
/* The longest password that can log in as a login of loginlen bytes: a
 * LOGIN/PLAIN request on fd 3 is login, password and three NULs in 512
 * bytes (Dovecot, Dabrowski: "login\0password\0\0"; cmd5checkpw(8)).
 * POP3 USER/PASS holds less: qmail-popup's timestamp <PID.TIME@HOST>
 * shares the 512 bytes. */
#define PASS_FD3_OVERHEAD 3
size_t pass_limit(size_t loginlen);
void die_pass_limit(const char *where, const char *login, size_t loginlen,
    size_t len) __attribute__((noreturn));

/* STORE_IMPORT: the "password" is a verifier field, stored as it is when
 * valid (-e) */
enum store { STORE_DEFAULT, STORE_HASH, STORE_PLAIN, STORE_IMPORT };

/* Secrets live in these, and are wiped by finish() on every exit. */
extern char pass1[PASS_MAX + 2], pass2[PASS_MAX + 2];
/* -c: crypt_gensalt(3)'s count for the default method; 0: its default */
extern unsigned long hash_cost;
/* 0, or -1 when libxcrypt's default method refuses the cost */
int hash_cost_ok(unsigned long cost);

/* Puts the terminal's echo back if a prompt turned it off; async-signal
 * safe. */
void tty_restore(void);
/* One line from fd into buf (at most PASS_MAX bytes), without its '\n'
 * and a '\r' before it.  0; -1 at end of input; 1 too long. */
int read_secret_line(int fd, char *buf, size_t *len);
int pass_ok(const char *p, size_t len, const char **why);
/* The password into pass1: from stdin (one line), or from the terminal
 * without echo, asked twice when it is being set (and then no longer than
 * pass_limit). */
size_t get_password(const char *login, size_t loginlen, int from_stdin,
    int twice);

/* {PLAIN}, or {PLAIN.b64} for what would not read back the same. */
void plain_verifier(const char *pass, size_t len, struct buf *b);
/* The verifier field for a password.  0, or -1 when crypt fails or (for
 * STORE_IMPORT) the field is not valid, with *why set. */
int make_field(const char *pass, size_t len, enum store how, int keep_plain,
    struct buf *b, const char **why);
/* A field to import: 0 when every verifier in it is one cmd5checkpw can
 * use (a crypt hash libxcrypt computes to the same form, {CRAM-MD5},
 * {PLAIN}...), else -1 with *why. */
int import_check(const char *f, size_t len, const char **why);

#endif
