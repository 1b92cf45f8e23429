/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* batch.h: many passwords at once: "login:password" lines from stdin, and
 * their fields hashed on every core with a progress bar (add -b, passwd -b,
 * migrate). */
#ifndef BATCH_H
#define BATCH_H

#include <stddef.h>
#include "password.h"
#include "util.h"

extern char *batch;		/* stdin's batch: secrets */
extern size_t batchlen;

struct job {
	const char *login;
	size_t loginlen;
	const char *pass;
	size_t passlen;
	size_t lineno;		/* where it came from, for messages */
	struct buf field;
	int failed;
	const char *why;	/* why it failed */
	int done;		/* its line was written */
};

/* Appends a job to a growing array (doubling); dies when memory is out. */
struct job *job_push(struct job **jobs, size_t *n, const char *login,
    size_t loginlen, const char *pass, size_t passlen, size_t lineno);
/* Batch lines "login:password" from stdin into jobs; import: the lines
 * are "login:verifiers" (checked later, by import_check). */
struct job *read_batch(size_t *njobs, struct htab *seen, int import);
long ncores(void);
/* Fills every job's field, on nthreads threads; results stay in order
 * because each job owns its slot. */
void hash_all(struct job *jobs, size_t n, enum store how, int keep_plain,
    long nthreads, const char *what);

#endif
