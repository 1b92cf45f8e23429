/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* pwmailbox.h: cmd5pw's mailbox fields (uid=, gid=, home=) and the
 * Dovecot passwd-file export (cmd5pw(8), "mailbox", "dovecot", -x). */
#ifndef PWMAILBOX_H
#define PWMAILBOX_H

#include <stddef.h>
#include <sys/stat.h>

/* verifiers (a verifier field without mailbox fields) followed by every
 * mailbox field of from, each after a ':'.  Returns a malloc'd string
 * (*outlen bytes, NUL-terminated) or NULL for lack of memory. */
char *mbx_join(const char *verifiers, size_t vlen, const char *from,
    size_t fromlen, size_t *outlen);

/* The field with the assignments ("uid=N", "gid=N", "home=/path"; an
 * empty value removes the field) applied: verifiers first, then uid, gid,
 * home.  NULL with *why set when an assignment is malformed or the field
 * is a legacy plaintext password (which cannot carry any); *why "out of
 * memory" when malloc failed. */
char *mbx_edit(const char *field, size_t len, char *const *assign, int n,
    size_t *outlen, const char **why);

/* "uid=N gid=N home=H" (the fields present) into out, or "" when none. */
void mbx_show(const char *field, size_t len, char *out, size_t size);

/* cmd5pw check: the problems of one line's mailbox fields.  Calls
 * report(error, msg, arg) for each; returns how many. */
int mbx_check(const char *field, size_t len,
    void (*report)(int error, const char *msg, void *arg), void *arg);

/* Writes the Dovecot passwd-file (user:{SCHEME}pass:uid:gid::home::)
 * for text to dest atomically (temp file beside it, fsync, rename), with
 * the owner, group and mode of like.  Only a crypt hash ({CRYPT}) or a
 * {CRAM-MD5} verifier is exported; a login with neither (plaintext only,
 * locked, unknown scheme) is left out and counted in *skipped.  0, or -1
 * with err (size errsize) set. */
int mbx_export_dovecot(const char *text, size_t len, const char *dest,
    const struct stat *like, size_t *exported, size_t *skipped,
    char *err, size_t errsize);

/* -x FILE or CMD5PW_DOVECOT: the export commit() rewrites, or NULL. */
extern const char *dovecot_path;
/* Exports text to dest (dies 111 on failure); commit() calls it. */
void export_dovecot(const char *dest, const char *t, size_t len);
/* cmd5pw mailbox LOGIN [uid=N] [gid=N] [home=/path]; cmd5pw dovecot FILE */
int cmd_mailbox(const char *login, char *const *assign, int n);
int cmd_dovecot(const char *dest);

#endif
