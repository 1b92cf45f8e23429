/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* txn.h: the transaction every cmd5pw writer shares.  Under an flock(2) on
 * FILE.lock the new text (out: pieces of the old text and new lines, never
 * a copy of the whole) is written to a temp file beside FILE
 * (O_EXCL|O_NOFOLLOW, the old file's owner, group and mode), fsynced,
 * renamed over FILE, the directory fsynced, and the index rebuilt the same
 * way (pw_index_update: only the shards of the logins touched).  A crash at any point leaves the old or the new
 * file; a signal before the rename removes the temp file, one after it
 * waits until the index is built. */
#ifndef TXN_H
#define TXN_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include "util.h"

extern char *text;		/* the file's text (read_text) */
extern size_t textlen;
extern struct stat text_st;
/* The new text, in order: pieces of text, or bytes that live until
 * commit() returns (a job's field, a constant). */
struct outv {
	struct iovec *v;
	size_t n, cap, len;
};
extern struct outv out;
void out_add(const void *p, size_t n);
/* A new line "a:b\n" (or "\r\n"), as one piece: a piece ends at a
 * line's end, as pw_index_update wants. */
void out_line(const char *a, size_t alen, const char *b, size_t blen,
    int cr);
/* The last byte of the new text so far, or -1. */
int out_last(void);
/* The new text in one buffer (the fuzz target's checks). */
void out_flatten(struct buf *b);
/* A login the change touches (its lines are added, changed or removed):
 * the index rebuilds only the shards of these.  With none, all of it. */
void txn_touch(const char *login, size_t len);
/* The same, saying how the change leaves the login's lines (pwindex.h:
 * PWINDEX_SAME changed in place, _DROP all removed, _NEW one appended at
 * the end): the index then copies the touched shards from their old
 * files instead of parsing the whole new text. */
void txn_touch_as(const char *login, size_t len, int kind);
/* Whether the text holds an entry for login, without reading it all (the
 * index answers when it can); the refusals of read_text(1, may_create). */
int txn_has_login(const char *login, size_t len, int may_create);

void catch_signals(void);
/* Removes a half-written temp file; async-signal safe. */
void txn_remove_temp(void);
/* Takes FILE.lock, waiting for another cmd5pw. */
void lock_file(void);
void unlock_file(void);
/* Maps the whole file, read-only, as text.  writing: refuse a symbolic
 * link, and a file the group or others may write (cmd5checkpw refuses it
 * too).  may_create: a missing file is an empty text. */
void read_text(int writing, int may_create);
/* Gives the text back (unmapped, or wiped and freed); text NULL. */
void text_free(void);
void rebuild_index(void);
/* After read_text: can anyone but the owner read the text (group, others,
 * or an ACL entry through its mask)? */
int text_readers(void);
/* Replaces the file with out, atomically, then rebuilds the index. */
void commit(void);

#endif
