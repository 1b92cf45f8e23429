/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* lookup.h: a login's verifiers, from the index when it answers for the
 * text as it is now, else from the text; and the building of that index.
 * The one place where the text's syntax (pwfile) and the cdb (pwindex)
 * meet. */
#ifndef LOOKUP_H
#define LOOKUP_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "log.h"
#include "pwfile.h"
#include "pwindex.h"

/* What one lookup found.  Strings are private copies: pwmatch_free wipes. */
enum { SRC_TEXT, SRC_INDEX };
struct pwmatch {
	int found;
	char *field;		/* the login's verifier field */
	size_t fieldlen;
	char *dummy;		/* pwfile_dummy's field: unknown logins do
				 * the same work against it */
	size_t dummylen;
	int source;		/* SRC_TEXT or SRC_INDEX */
	int index;		/* IDX_* */
};
void pwmatch_free(struct pwmatch *m);

/* Looks a login up: through PATH.cdb when it was built from the current
 * text and checks, else by scanning the text.  0, or -1 with err set
 * (temporary). */
int pw_lookup(const char *path, const char *login, size_t loginlen,
    struct pwmatch *m, struct pwerr *err);
/* The text scan alone, on a whole text in memory.  0, or -1 out of
 * memory. */
int pw_scan(const char *text, size_t size, const char *login,
    size_t loginlen, struct pwmatch *m);

/* Builds PATH.cdb (and its shards) from text, the bytes of the file at path
 * whose fstat after its last change is st.  0, or -1 with err set. */
int pw_index_build(const char *path, const char *text, size_t size,
    const struct stat *st, struct pwerr *err);
/* The same from a text in pieces, each ending at a line's end (the last
 * may end without one).  After a change to the logins keys only, with
 * oldst the stat of the text before it (read under the writers' lock):
 * only the shards of those logins are rebuilt, when the index was the old
 * text's.  The pieces' lines of other logins must be the old text's.
 * edits (or NULL): what pw_edits_find found of the touched logins in
 * these pieces, so that a touched shard can be copied from its old file.
 * digest: the pieces' SHA-256 when the caller has it (else NULL). */
struct pw_edits;
int pw_index_update(const char *path, const struct iovec *iov, size_t niov,
    const struct stat *st, const struct stat *oldst,
    const char *const *keys, const size_t *klens,
    const struct pw_edits *edits, size_t nkeys, const unsigned char *digest,
    struct pwerr *err);
/* Each touched login's entries in the new text (a memmem scan each),
 * given how each change left its lines (kinds: PWINDEX_SAME, _DROP,
 * _NEW; pwindex.h): cmd5pw runs it on the second core while the text is
 * written.  NULL when a kind is _ANY, there are too many, or a _NEW one
 * has other than one line (then the shards come from the text). */
struct pw_edits *pw_edits_find(const struct iovec *iov, size_t niov,
    const char *const *keys, const size_t *klens, const int *kinds,
    size_t nkeys);
void pw_edits_free(struct pw_edits *ed);
/* The same from the file as it is. */
int pw_index_build_file(const char *path, struct pwerr *err);
/* cmd5pw check: the index against every entry of the text (the file at
 * path, whose fstat is st): pwindex_verify. */
int pw_index_verify(const char *path, const char *text, size_t size,
    const struct stat *st, struct pwindex_info *info, int *state,
    struct pwerr *err);
/* SHA-256 of a text, as the index records it (in pieces, or whole).
 * 0 or -1. */
int pw_iov_digest(const struct iovec *iov, size_t niov, unsigned char md[32]);
int pw_text_digest(const char *text, size_t size, unsigned char md[32]);

/* Refuses a password file (or its index) that the uid running us could
 * rewrite, unless that uid is root: owned by it, or in a directory (any
 * up to "/") it may write and so replace the file in; and one in a
 * directory anyone may write (not sticky).  0, or -1 with err set. */
int pwfile_check_writers(const char *path, struct pwerr *err);

#endif
