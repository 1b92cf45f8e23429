/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* fuzz_cmd5pw: cmd5pw's line handling.  cmd5pw's sources are compiled
 * into this target as one unit, with main renamed and exit() turned into
 * a jump back here, so their static functions run as they are, die()
 * included.  Input: byte 0
 * (bit 0: add, else passwd), then the password file text, then "\0\0",
 * then a batch ("login:password" lines, as for cmd5pw add -b).
 *   - every line through check_line (cmd5pw check) and kinds (list);
 *   - the batch through read_batch, its jobs given {PLAIN} fields, and
 *     apply_jobs on the text; the new text is then checked: each job's
 *     login has exactly its new field as the entry in force (behind a
 *     '!' when passwd changed a locked entry), and passwd
 *     keeps every other line byte for byte (same line count). */
#define _GNU_SOURCE
#define OPENSSL_SUPPRESS_DEPRECATED 1	/* txn.c, pwindex: SHA256_Init */
#include <crypt.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>

static jmp_buf died;
static void __attribute__((noreturn))
fuzz_exit(int status)
{
	(void)status;
	longjmp(died, 1);
}

/* die() jumps out of functions holding allocations that a real cmd5pw
 * gives back by exiting.  Every allocation here is recorded, and what is
 * left after an input is freed, so that millions of inputs do not add up
 * to an out-of-memory (and leak checking stays on for the rest). */
#define FZ_MAX 4096
static void *fz_live[FZ_MAX];
static size_t fz_n;

static void
fz_track(void *p)
{
	if (p != NULL && fz_n < FZ_MAX)
		fz_live[fz_n++] = p;
}

static void
fz_untrack(void *p)
{
	size_t i;

	for (i = fz_n; i-- > 0;)
		if (fz_live[i] == p) {
			fz_live[i] = fz_live[--fz_n];
			return;
		}
}

static void *
fz_malloc(size_t n)
{
	void *p = malloc(n);

	fz_track(p);
	return p;
}

static void *
fz_calloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	fz_track(p);
	return p;
}

static void *
fz_realloc(void *old, size_t n)
{
	void *p = realloc(old, n);

	if (p != NULL) {
		fz_untrack(old);
		fz_track(p);
	}
	return p;
}

static void
fz_free(void *p)
{
	fz_untrack(p);
	free(p);
}

static void
fz_free_all(void)
{
	while (fz_n > 0)
		free(fz_live[--fz_n]);
}

#define exit fuzz_exit
#define main cmd5pw_main
#define malloc fz_malloc
#define calloc fz_calloc
#define realloc fz_realloc
#define free fz_free
#include "../../util.c"
#include "../../txn.c"
#include "../../password.c"
#include "../../batch.c"
#include "../../pwmailbox.c"
#include "../../pwcmd.c"
#include "../../pwcheck.c"
#include "../../cmd5pw.c"
#undef main
#undef exit

int LLVMFuzzerInitialize(int *argc, char ***argv);
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* cmd5pw check reports on stdout, die() on the stderr stream: both
	 * to /dev/null, but not fd 2, where libFuzzer and the sanitizers
	 * report.  fd 0 is read by read_batch and must be at end of file. */
	if (freopen("/dev/null", "w", stdout) == NULL ||
	    (stderr = fopen("/dev/null", "w")) == NULL ||
	    freopen("/dev/null", "r", stdin) == NULL)
		abort();
	path = "fuzz-poppasswd";
	return 0;
}

/* The first entry for login in t: its field, or NULL. */
static const char *
entry_in_force(const char *t, size_t size, const char *login, size_t len,
    size_t *flen)
{
	struct pwline pl;
	struct line l;
	size_t off = 0;

	while (next_line(t, size, &off, &l))
		if (pwfile_parse_line(l.p, l.len, &pl) == PWL_ENTRY &&
		    pl.loginlen == len && memcmp(pl.login, login, len) == 0) {
			*flen = pl.fieldlen;
			return pl.field;
		}
	return NULL;
}

static size_t
count_lines(const char *t, size_t size)
{
	struct line l;
	size_t off = 0, n = 0;

	while (next_line(t, size, &off, &l))
		n++;
	return n;
}

static void
check_and_list(void)
{
	struct htab seen = { 0 };
	struct pwline pl;
	struct line l;
	struct buf b = { 0 };
	size_t off = 0, lineno = 0, entries = 0;

	while (next_line(text, textlen, &off, &l)) {
		check_line(++lineno, &l, &seen, &entries);
		if (pwfile_parse_line(l.p, l.len, &pl) == PWL_ENTRY) {
			b.len = 0;
			kinds(pl.field, pl.fieldlen, &b);
		}
	}
	free(seen.e);
	buf_free(&b);
}

/* The new field (its verifiers vlen bytes, then rest): passwd keeps the
 * old field's identity (uid=, gid=, home=; poppasswd(5)) and adds
 * nothing else; a field without one (legacy plaintext, whose ':' are its
 * password's, or a malformed one) gives none. */
static void
same_mailbox(const char *old, size_t olen, const char *nfield, size_t vlen,
    size_t nlen)
{
	struct mbfields of, nf;
	const char *why;
	size_t i, start;

	if (old == NULL || mb_parse(old, olen, &of, &why) != 0 ||
	    !(of.has_uid || of.has_gid || of.has_home)) {
		if (nlen != vlen)
			abort();	/* fields made up from nowhere */
		return;
	}
	if (mb_parse(nfield, nlen, &nf, &why) != 0 ||
	    nf.has_uid != of.has_uid || nf.has_gid != of.has_gid ||
	    nf.has_home != of.has_home ||
	    (of.has_uid && nf.uid != of.uid) ||
	    (of.has_gid && nf.gid != of.gid) ||
	    (of.has_home && (nf.homelen != of.homelen ||
	    memcmp(nf.home, of.home, of.homelen) != 0)))
		abort();		/* the identity lost or changed */
	/* and nothing but mailbox fields after the verifiers */
	if (nlen == vlen || nfield[vlen] != ':')
		abort();
	for (start = i = vlen + 1; i <= nlen; i++)
		if (i == nlen || nfield[i] == ':') {
			if (!mb_is_field(nfield + start, i - start))
				abort();
			start = i + 1;
		}
}

static void
edit(int adding)
{
	struct htab seen = { 0 };
	struct buf flat = { 0 };
	struct job *jobs;
	const char *f;
	size_t n, i, flen, olen;
	const char *old;
	int lk;

	jobs = read_batch(&n, &seen, 0);
	free(seen.e);
	for (i = 0; i < n; i++)
		plain_verifier(jobs[i].pass, jobs[i].passlen, &jobs[i].field);
	apply_jobs(jobs, n, adding);
	out_flatten(&flat);
	for (i = 0; i < n; i++) {
		/* passwd keeps a lock: '!' before the new field */
		old = entry_in_force(text, textlen, jobs[i].login,
		    jobs[i].loginlen, &olen);
		lk = !adding && old != NULL && olen > 0 && old[0] == '!';
		f = entry_in_force(flat.p, flat.len, jobs[i].login,
		    jobs[i].loginlen, &flen);
		if (f == NULL || flen < jobs[i].field.len + lk ||
		    (lk && f[0] != '!') ||
		    memcmp(f + lk, jobs[i].field.p, jobs[i].field.len) != 0)
			abort();	/* the change is not the entry in force */
		same_mailbox(adding ? NULL : old, olen, f + lk,
		    jobs[i].field.len, flen - lk);
	}
	if (!adding && count_lines(flat.p, flat.len) !=
	    count_lines(text, textlen))
		abort();		/* passwd added or lost a line */
	buf_free(&flat);
	for (i = 0; i < n; i++)
		buf_free(&jobs[i].field);
	free(jobs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *sep;
	size_t tlen;
	int adding;

	if (size < 1)
		return 0;
	adding = data[0] & 1;
	data++;
	size--;
	sep = memmem(data, size, "\0\0", 2);
	tlen = sep ? (size_t)(sep - (const char *)data) : size;
	/* exact-size heap copies, so ASan sees any overread */
	textlen = tlen;
	text = malloc(tlen ? tlen : 1);
	memcpy(text, data, tlen);
	batchlen = sep ? size - tlen - 2 : 0;
	batch = malloc(batchlen ? batchlen : 1);
	memcpy(batch, sep ? sep + 2 : "", batchlen);
	nerrors = nwarnings = 0;

	if (setjmp(died) == 0)
		check_and_list();
	if (batchlen > 0 && setjmp(died) == 0)
		edit(adding);

	fz_free_all();		/* text, batch, out and what die() left */
	text = batch = NULL;
	textlen = batchlen = 0;
	memset(&out, 0, sizeof(out));	/* out.v: freed by fz_free_all */
	touched = NULL;			/* txn.c's, freed too */
	touchedlen = NULL;
	touchedkind = NULL;
	ntouched = touchedcap = 0;
	owned = NULL;			/* out_line's, freed too */
	nowned = ownedcap = 0;
	return 0;
}
