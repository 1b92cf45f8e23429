/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* util.c: cmd5pw's small shared helpers: messages and exit, buffers that
 * may hold secrets, lines of a text, a login table. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "hmac_md5.h"
#include "log.h"
#include "password.h"
#include "pwfile.h"
#include "txn.h"
#include "util.h"

const char *path = "/etc/poppasswd";
int quiet;

void
wipe_all(void)
{
	wipe(pass1, sizeof(pass1));
	wipe(pass2, sizeof(pass2));
	text_free();
	if (batch != NULL)
		wipe(batch, batchlen);
}

void
finish(int status)
{
	tty_restore();
	txn_remove_temp();
	wipe_all();
	exit(status);
}

static void
say(const char *fmt, va_list ap)
{
	fputs("cmd5pw: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
	finish(status);
}

void
warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
}

void
note(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
}


void
buf_add(struct buf *b, const void *p, size_t n)
{
	size_t cap;
	char *q;

	if (n > SIZE_MAX / 2 - b->len)
		die(EXIT_SYS, "out of memory");
	if (b->len + n > b->cap) {
		cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		if ((q = malloc(cap)) == NULL)
			die(EXIT_SYS, "out of memory");
		if (b->p != NULL) {
			memcpy(q, b->p, b->len);
			wipe(b->p, b->cap);
			free(b->p);
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_free(struct buf *b)
{
	if (b->p != NULL) {
		wipe(b->p, b->cap);
		free(b->p);
	}
	b->p = NULL;
	b->len = b->cap = 0;
}

const char *
esc(const char *s, size_t len)
{
	static char bufs[2][4 * LOGIN_MAX + 8];
	static int which;
	char *b = bufs[which ^= 1];

	log_escape(s, len < LOGIN_MAX ? len : LOGIN_MAX, b, sizeof(bufs[0]));
	return b;
}

/* pwfile_login_ok, and nothing a person could not see or type. */
int
login_valid(const char *s, size_t len)
{
	size_t i;

	if (len > LOGIN_MAX || !pwfile_login_ok(s, len))
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return 0;
	return 1;
}

/* ---- lines of a text ---- */

int
next_line(const char *buf, size_t size, size_t *off, struct line *l)
{
	const char *nl;

	if (*off >= size)
		return 0;
	l->p = buf + *off;
	nl = memchr(l->p, '\n', size - *off);
	l->len = nl ? (size_t)(nl - l->p) : size - *off;
	l->full = nl ? l->len + 1 : l->len;
	*off += l->full;
	return 1;
}

/* ---- a small hash table: login -> number ---- */

static size_t
hash(const char *k, size_t len)
{
	size_t h = 14695981039346656037ULL & SIZE_MAX;

	while (len-- > 0)
		h = (h ^ (unsigned char)*k++) * (1099511628211ULL & SIZE_MAX);
	return h;
}

static uint32_t
hash32(const char *k, size_t klen)
{
	uint64_t h = hash(k, klen);

	return (uint32_t)(h ^ (h >> 32));
}

static struct hent *
ht_slot(struct hent *e, size_t cap, const char *k, size_t klen, uint32_t h)
{
	size_t i = h & (cap - 1);

	while (e[i].k != NULL && (e[i].h != h || e[i].klen != klen ||
	    memcmp(e[i].k, k, klen) != 0))
		i = (i + 1) & (cap - 1);
	return &e[i];
}

struct hent *
ht_find(const struct htab *h, const char *k, size_t klen)
{
	struct hent *e;

	if (h->cap == 0 || klen > UINT32_MAX)
		return NULL;
	e = ht_slot(h->e, h->cap, k, klen, hash32(k, klen));
	return e->k != NULL ? e : NULL;
}

/* Asks the CPU for k's slot ahead of ht_add: a table of hundreds of MiB
 * misses the cache at every key, and the work on the line before hides
 * the wait. */
void
ht_prefetch(const struct htab *h, const char *k, size_t klen)
{
	if (h->cap != 0 && klen <= UINT32_MAX)
		__builtin_prefetch(&h->e[hash32(k, klen) & (h->cap - 1)]);
}

/* Room for n keys at once: no doubling (and no old and new table side
 * by side) while they are added. */
void
ht_reserve(struct htab *h, size_t n)
{
	size_t cap = 64;

	if (h->n != 0 || n > ((size_t)UINT32_MAX + 1) / 2)
		return;
	while (cap < 2 * (n + 1))
		cap *= 2;
	if (cap <= h->cap)
		return;
	free(h->e);
	if ((h->e = calloc(cap, sizeof(*h->e))) == NULL)
		die(EXIT_SYS, "out of memory");
	h->cap = cap;
}

/* Adds k unless present; returns its entry, *isnew tells which. */
struct hent *
ht_add(struct htab *h, const char *k, size_t klen, size_t val, int *isnew)
{
	struct hent *e, *ne;
	size_t i, j, ncap;
	uint32_t hk;

	if (klen > UINT32_MAX)
		die(EXIT_SYS, "a key of %zu bytes", klen);
	if (2 * (h->n + 1) > h->cap) {
		ncap = h->cap ? 2 * h->cap : 64;
		if (ncap > (size_t)UINT32_MAX + 1 ||
		    (ne = calloc(ncap, sizeof(*ne))) == NULL)
			die(EXIT_SYS, "out of memory");
		/* the keys are all different: their hashes place them, and
		 * the text is not read again */
		for (i = 0; i < h->cap; i++)
			if (h->e[i].k != NULL) {
				for (j = h->e[i].h & (ncap - 1); ne[j].k != NULL;
				    j = (j + 1) & (ncap - 1))
					;
				ne[j] = h->e[i];
			}
		free(h->e);
		h->e = ne;
		h->cap = ncap;
	}
	hk = hash32(k, klen);
	e = ht_slot(h->e, h->cap, k, klen, hk);
	*isnew = e->k == NULL;
	if (*isnew) {
		e->k = k;
		e->klen = (uint32_t)klen;
		e->h = hk;
		e->val = val;
		h->n++;
	}
	return e;
}
