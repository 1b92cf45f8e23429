/* txn.h: the transaction every cmd5pw writer shares.  Under an flock(2) on
 * FILE.lock the new text (out) is written to a temp file beside FILE
 * (O_EXCL|O_NOFOLLOW, the old file's owner, group and mode), fsynced,
 * renamed over FILE, the directory fsynced, and the index rebuilt the same
 * way (pwindex_build).  A crash at any point leaves the old or the new
 * file; a signal before the rename removes the temp file, one after it
 * waits until the index is built. */
#ifndef TXN_H
#define TXN_H

#include <stddef.h>
#include <sys/stat.h>
#include "util.h"

extern char *text;		/* the file's text (read_text) */
extern size_t textlen;
extern struct stat text_st;
extern struct buf out;		/* the new text (commit) */

void catch_signals(void);
/* Removes a half-written temp file; async-signal safe. */
void txn_remove_temp(void);
/* Takes FILE.lock, waiting for another cmd5pw. */
void lock_file(void);
void unlock_file(void);
/* Reads the whole file into text.  writing: refuse a symbolic link, and a
 * file the group or others may write (cmd5checkpw refuses it too).
 * may_create: a missing file is an empty text. */
void read_text(int writing, int may_create);
void rebuild_index(void);
/* After read_text: can anyone but the owner read the text (group, others,
 * or an ACL entry through its mask)? */
int text_readers(void);
/* Replaces the file with out, atomically, then rebuilds the index. */
void commit(void);

#endif
