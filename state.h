/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* state.h: a small state file shared by every process on the host.
 *
 * Fixed size, whatever the load: a header block, then nbuckets buckets of
 * STATE_BUCKET records.  A record is found by its 16-byte key (a hash the
 * caller makes, domain-separated per use), in the one bucket the key picks;
 * a new record takes an empty slot there or evicts the bucket's least
 * recently updated one.  Every access holds an fcntl write lock on the
 * whole file for a few microseconds (one pread of a bucket, at most one
 * pwrite of a record).  The file is preallocated when made, so a full disk
 * later cannot fail a write; a file of the wrong size or with a bad header
 * (truncated, overwritten, another version) is made anew, and the caller is
 * told.  No mmap: a file truncated under us cannot SIGBUS.  Nothing is
 * fsynced: after a machine crash the record may be older than it was. */
#ifndef STATE_H
#define STATE_H

#include <stddef.h>
#include <stdint.h>

#define STATE_KEYLEN 16
#define STATE_BUCKET 8		/* records per bucket: 8 x 64 = 512 bytes */

struct srec {			/* 64 bytes on disk, host byte order */
	unsigned char key[STATE_KEYLEN];
	uint64_t first;		/* unix time first made; 0: an empty slot */
	uint64_t last;		/* unix time last updated (eviction order) */
	uint32_t n[4];		/* the caller's counters */
	unsigned char data[16];	/* the caller's bytes */
};

struct state {
	int fd;
	uint32_t nbuckets;
	int remade;		/* set when open found the file unusable and
				 * made it anew (the caller may log it) */
	char err[256];		/* why the last call failed */
};

/* Opens (creating, mode 0660 less the umask, O_NOFOLLOW) and write-locks
 * path, sized for nrecords records (rounded up to whole buckets; 8 to
 * 2^26).  Waits at most lock_ms for the lock.  0, or -1 with s->err set
 * and nothing held. */
int state_open(struct state *s, const char *path, uint32_t nrecords,
    long lock_ms);
/* Finds key: 1 with *r the record, 0 with *r a fresh record (key set,
 * counters zero) in the slot it would take, -1 on an I/O error.  *slot
 * says where; pass it to state_put.  A record whose times lie more than
 * a day in the future is garbage and is treated as empty. */
int state_get(struct state *s, const unsigned char key[STATE_KEYLEN],
    uint64_t now, struct srec *r, uint64_t *slot);
/* Writes r at slot.  0 or -1 with s->err set. */
int state_put(struct state *s, uint64_t slot, const struct srec *r);
/* Calls fn for every used record (for listing); stops when fn returns
 * non-zero.  0 or -1. */
int state_each(struct state *s, int (*fn)(const struct srec *, uint64_t slot,
    void *), void *arg);
/* Unlocks and closes.  Safe to call twice. */
void state_close(struct state *s);
/* The file's size for nrecords records. */
uint64_t state_size(uint32_t nrecords);

#endif
