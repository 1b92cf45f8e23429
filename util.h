/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* util.h: cmd5pw's small shared helpers: messages and exit, buffers that
 * may hold secrets, lines of a text, a login table. */
#ifndef UTIL_H
#define UTIL_H

#include <stddef.h>
#include <stdint.h>

#define EXIT_REJECT 1
#define EXIT_USAGE 2
#define EXIT_SYS 111

#define LOGIN_MAX 256

extern const char *path;	/* the password file (-f) */

/* Undoes what is half done (terminal, temp file), wipes every secret. */
void wipe_all(void);
void finish(int status) __attribute__((noreturn));
void die(int status, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* What was done, on stderr; nothing under -q. */
extern int quiet;
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growing buffer that may hold secrets: old copies are wiped. */
struct buf {
	char *p;
	size_t len, cap;
};
void buf_add(struct buf *b, const void *p, size_t n);
void buf_str(struct buf *b, const char *s);
void buf_free(struct buf *b);

/* A login, escaped for a message (two may be in use at once). */
const char *esc(const char *s, size_t len);
int login_valid(const char *s, size_t len);

/* Lines of a text. */
struct line {
	const char *p;		/* start of the line */
	size_t len;		/* without '\n' */
	size_t full;		/* with its '\n', if it has one */
};
int next_line(const char *buf, size_t size, size_t *off, struct line *l);

/* A small hash table: login -> number.  Keys point into a text. */
struct hent {
	const char *k;
	uint32_t klen;
	uint32_t h;	/* the key's hash, compared before the key: at ten
			 * million logins each look at a key is a cache miss
			 * into the text */
	size_t val;
};
struct htab {
	struct hent *e;
	size_t cap, n;
};
struct hent *ht_find(const struct htab *h, const char *k, size_t klen);
void ht_prefetch(const struct htab *h, const char *k, size_t klen);
void ht_reserve(struct htab *h, size_t n);
struct hent *ht_add(struct htab *h, const char *k, size_t klen, size_t val,
    int *isnew);

#endif
