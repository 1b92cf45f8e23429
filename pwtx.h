/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* pwtx.h: cmd5pw's file transaction, for the directory sync (ldapsync.c).
 * The lock on FILE.lock, a temp file beside FILE with the old file's
 * owner, group and mode, fsync, rename, fsync of the directory and the
 * index rebuilt: the same steps as every cmd5pw edit.  Errors end the
 * program (exit 111) with the temp file removed. */
#ifndef PWTX_H
#define PWTX_H

#include <stddef.h>

/* The password file cmd5pw works on (-f). */
const char *pwtx_path(void);
void pwtx_set_path(const char *p);
/* Takes FILE.lock (waits for another cmd5pw). */
void pwtx_lock(void);
void pwtx_unlock(void);
/* Under the lock: replaces FILE with the n bytes at p, then the index. */
void pwtx_replace(const char *p, size_t n);
/* Asks for a password (terminal, twice; or one line of stdin) and returns
 * the verifier field cmd5pw add stores for it (crypt hash, then
 * {CRAM-MD5}), malloc'd; the caller wipes and frees it. */
char *pwtx_new_field(const char *login, int from_stdin, size_t *len);
/* Messages: "cmd5pw: ..." on stderr; pwtx_die exits (temp file removed). */
void pwtx_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pwtx_die(int status, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));

#endif
