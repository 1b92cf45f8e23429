/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* pwindex.h: the cdb index beside a password file.  Keys and values are
 * bytes here: this module knows cdb, not the text's syntax (lookup.c joins
 * the two). */
#ifndef PWINDEX_H
#define PWINDEX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "log.h"

/* The cdb format addresses its file with 32-bit offsets. */
#define PWINDEX_CDB_LIMIT 4294967295ULL
/* A file past this is split in shards: small enough that a change
 * rewrites little, large enough that a small site keeps one file. */
#define PWINDEX_SHARD_TARGET (64ULL * 1024 * 1024)
#define PWINDEX_MAXSHARDS 4096
/* The bytes a record costs in a cdb file: its header, key, value (with
 * the 8-byte check), and its two hash slots. */
#define PWINDEX_RECSIZE(klen, vlen) (24 + 8 + (uint64_t)(klen) + (vlen))

/* Why an index was not used. */
enum { IDX_NONE, IDX_USED, IDX_STALE, IDX_BAD };

/* The limit a file may reach: PWINDEX_CDB_LIMIT, or lower for the tests
 * (CMD5PW_TEST_INDEX_LIMIT, ignored in a set-id process). */
uint64_t pwindex_limit(void);
/* Shards for an index of about size bytes (PWINDEX_RECSIZE summed). */
unsigned pwindex_shards_for(uint64_t size);
/* Which shard of n holds key. */
unsigned pwindex_shard_of(const char *key, size_t klen, unsigned n);
/* Path of the index beside a text file; NULL when it does not fit. */
char *pwindex_path(const char *textpath);

/* When set, called on each new index file (fd; owner, group and mode
 * already those of the text) before it is written: cmd5pw gives it the
 * text's ACL.  0, or -1 with err set. */
extern int (*pwindex_prepare)(int fd, struct pwerr *err);

/* Building: start, add every record, finish (which publishes the files
 * with rename) or abort. */
struct pwindex_make;
struct pwindex_make *pwindex_make_start(const char *cdbpath, unsigned nshards,
    const struct stat *owner, struct pwerr *err);
int pwindex_make_add(struct pwindex_make *w, const char *key, size_t klen,
    const char *val, size_t vlen, struct pwerr *err);
/* textst: the text as it is now; digest: SHA-256 of its bytes; dummy: the
 * field unknown logins are checked against. */
int pwindex_make_finish(struct pwindex_make *w, const struct stat *textst,
    const unsigned char digest[32], const char *dummy, size_t dummylen,
    struct pwerr *err);
void pwindex_make_abort(struct pwindex_make *w);
/* A change to a few keys: starts from the index of the text before the
 * change (oldtextst: its stat as read under the writers' lock), which must
 * be sharded and sound; every shard is kept as it is until touched.  NULL
 * when it cannot be (then build it all). */
struct pwindex_make *pwindex_make_resume(const char *cdbpath,
    const struct stat *oldtextst, const struct stat *owner,
    struct pwerr *err);
/* The shard of key is rebuilt: every record of it must be added again. */
int pwindex_make_touch(struct pwindex_make *w, const char *key, size_t klen,
    struct pwerr *err);
/* 1 when records of key are to be added (its shard is being rebuilt). */
int pwindex_make_wants(const struct pwindex_make *w, const char *key,
    size_t klen);
unsigned pwindex_make_shards(const struct pwindex_make *w);
/* How a change left a touched key's lines (cmd5pw knows what it did). */
enum { PWINDEX_ANY, PWINDEX_SAME, PWINDEX_DROP, PWINDEX_NEW };
struct pwindex_edit {
	const char *key;
	size_t klen;
	int kind;	/* SAME: its lines changed in place, as many as before;
			 * DROP: all of them gone; NEW: it had none, its lines
			 * come after every other (appended to the text) */
	size_t n;	/* its entries in the new text, in order */
	const char *const *field;
	const size_t *flen;
};
/* After pwindex_make_resume and a touch of each key: every touched shard
 * rebuilt from its old file instead of the text: the records of other
 * keys copied as they are, in their order (each check verified), those
 * of the edited keys as the kinds say (NEW ones after the rest, in the
 * order given).  1 done, 0 when the old shard disagrees with the kinds
 * (abort, build from the text), -1 error. */
int pwindex_make_from_old(struct pwindex_make *w,
    const struct pwindex_edit *e, size_t ne, struct pwerr *err);
/* The bytes the records of all the shards take, as built so far. */
uint64_t pwindex_make_est(const struct pwindex_make *w);
/* Removes leftover temp files and shards a smaller index no longer uses
 * (call under the writers' lock). */
void pwindex_tidy(const char *cdbpath);

/* What a lookup found: private copies, wiped by pwindex_found_free. */
struct pwindex_found {
	int found;
	char *field;
	size_t fieldlen;
	char *dummy;
	size_t dummylen;
};
void pwindex_found_free(struct pwindex_found *f);
/* Looks key up (key NULL: only the dummy, with the same work) in the index
 * at cdbpath, if it was built from the text described by textst and every
 * file and record of it checks.  1 used (f filled), 0 not usable (*state
 * says why: IDX_NONE, IDX_STALE, IDX_BAD), -1 error (err set). */
int pwindex_lookup(const char *cdbpath, const struct stat *textst,
    const char *key, size_t klen, struct pwindex_found *f, int *state,
    struct pwerr *err);
/* The same on an open top file (cdbpath, for its shards, may be NULL). */
int pwindex_lookup_fd(int fd, const char *cdbpath, const struct stat *textst,
    const char *key, size_t klen, struct pwindex_found *f, int *state);

/* For cmd5pw check: the facts of the index. */
struct pwindex_info {
	unsigned nshards;
	uint64_t largest;		/* bytes of its largest file */
	uint64_t records;		/* login records, all shards */
	unsigned char digest[32];	/* of the text it was built from */
};
/* Reads every file and record of the index and checks each against the
 * text's entries, which next gives in order (1 with key and value, 0 at
 * the end, -1 error): sizes, the shards named, every record's check, and
 * each record the next of its shard.  1 sound (info filled), 0 not usable
 * (*state, and err says what), -1 error. */
int pwindex_verify(const char *cdbpath, const struct stat *textst,
    int (*next)(void *ctx, const char **k, size_t *klen, const char **v,
    size_t *vlen), void *ctx, struct pwindex_info *info, int *state,
    struct pwerr *err);

#endif
