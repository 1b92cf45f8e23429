/* password.h: cmd5pw's new passwords: read without echo or from stdin,
 * and turned into a verifier field. */
#ifndef PASSWORD_H
#define PASSWORD_H

#include <stddef.h>
#include "util.h"

#define PASS_MAX 511		/* crypt's limit; fd 3 holds 512 in all */

enum store { STORE_DEFAULT, STORE_HASH, STORE_PLAIN };

/* Secrets live in these, and are wiped by finish() on every exit. */
extern char pass1[PASS_MAX + 2], pass2[PASS_MAX + 2];

/* Puts the terminal's echo back if a prompt turned it off; async-signal
 * safe. */
void tty_restore(void);
int pass_ok(const char *p, size_t len, const char **why);
/* The password into pass1: from stdin (one line), or from the terminal
 * without echo, asked twice when it is being set. */
size_t get_password(const char *login, size_t loginlen, int from_stdin,
    int twice);

/* {PLAIN}, or {PLAIN.b64} for what would not read back the same. */
void plain_verifier(const char *pass, size_t len, struct buf *b);
/* The verifier field for a password.  0, or -1 when crypt fails. */
int make_field(const char *pass, size_t len, enum store how, int keep_plain,
    struct buf *b);

#endif
