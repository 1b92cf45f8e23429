/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* pwindex.c: the cdb index beside a password file, built and read with
 * tinycdb.
 *
 * The top file PATH.cdb says what text the index was built from; a small
 * index keeps its records there too, a large one in shards PATH.cdb.0 ...
 * PATH.cdb.N-1, the shard of a key chosen by a hash of it, so that no file
 * nears the cdb format's 4 GiB limit and a login opens one shard.  Keys are
 * the callers' (logins never start with NUL, so keys starting with NUL are
 * ours); a record's value is an 8-byte check, the first bytes of
 * SHA-256(value \0 key), then the value: a damaged record is never
 * believed.  cdb_find returns the first record added under a key.
 *
 * Top file, meta records:
 *   "\0stamp"   "cmd5pw-index-2 SIZE N TEXTSTAMP": SIZE the top file's
 *               own byte count (a file of another size is damaged), N the
 *               shards, TEXTSTAMP the text's device, inode, size, mtime
 *               and ctime (ctime: no one can set it back, so an edit that
 *               keeps the mtime, cp -p or touch -r, still makes it stale)
 *   "\0dummy"   the field unknown logins are checked against (checked)
 *   "\0digest"  SHA-256 of the text, for cmd5pw check
 *   "\0count"   login records in this file
 *   "\0shardI"  "SIZE GEN" of shard I (I in %05u), when N > 1
 * Shard file: "\0shard" "cmd5pw-shard-2 SIZE GEN I N COUNT". */
#define _GNU_SOURCE		/* getrandom, getauxval */
#define OPENSSL_SUPPRESS_DEPRECATED 1	/* SHA256_Init: see record_check */
#include <cdb.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "pwfile.h"
#include "pwindex.h"

#define K_STAMP "\0stamp"
#define K_DUMMY "\0dummy"
#define K_DIGEST "\0digest"
#define K_COUNT "\0count"
#define K_SHARD "\0shard"
#define KEYLEN(k) (sizeof(k) - 1)
#define TOP_MAGIC "cmd5pw-index-2 "
#define SHARD_MAGIC "cmd5pw-shard-2 "
#define CHECKLEN 8
/* A value longer than this is taken for a damaged index: no verifier
 * field comes near it. */
#define VALUE_MAX (1024 * 1024)
#define CDB_HEADER 2048

uint64_t
pwindex_limit(void)
{
	const char *s;
	char *end;
	unsigned long long v;

	/* for the tests, which cannot write 4 GiB files */
	if (getauxval(AT_SECURE) ||
	    (s = getenv("CMD5PW_TEST_INDEX_LIMIT")) == NULL)
		return PWINDEX_CDB_LIMIT;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 4096 ||
	    v > PWINDEX_CDB_LIMIT)
		return PWINDEX_CDB_LIMIT;
	return v;
}

static uint64_t
shard_target(void)
{
	uint64_t lim = pwindex_limit() / 4;

	return lim < PWINDEX_SHARD_TARGET ? lim : PWINDEX_SHARD_TARGET;
}

unsigned
pwindex_shards_for(uint64_t size)
{
	uint64_t t = shard_target();
	unsigned n = 1;

	while (n < PWINDEX_MAXSHARDS && size + CDB_HEADER > t * n)
		n *= 2;
	return n;
}

unsigned
pwindex_shard_of(const char *key, size_t klen, unsigned n)
{
	/* FNV-1a, not cdb_hash: the shard must not follow the hash that
	 * picks a slot inside each file */
	uint32_t h = 2166136261u;

	while (klen-- > 0)
		h = (h ^ (unsigned char)*key++) * 16777619u;
	return n > 1 ? h % n : 0;
}

int (*pwindex_prepare)(int fd, struct pwerr *err);

char *
pwindex_path(const char *textpath)
{
	size_t n = strlen(textpath);
	char *p;

	if (n > 4000 || (p = malloc(n + 5)) == NULL)
		return NULL;
	memcpy(p, textpath, n);
	memcpy(p + n, ".cdb", 5);
	return p;
}

static char *
shard_path(const char *cdbpath, unsigned i)
{
	size_t n = strlen(cdbpath) + 16;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s.%u", cdbpath, i);
	return p;
}

/* "dev ino size mtime ctime" of the text */
static void
text_stamp(const struct stat *st, char *buf, size_t size)
{
	snprintf(buf, size, "%ju %ju %jd %jd.%09ld %jd.%09ld",
	    (uintmax_t)st->st_dev, (uintmax_t)st->st_ino,
	    (intmax_t)st->st_size, (intmax_t)st->st_mtim.tv_sec,
	    (long)st->st_mtim.tv_nsec, (intmax_t)st->st_ctim.tv_sec,
	    (long)st->st_ctim.tv_nsec);
}

/* The check of value under key.  The low-level SHA-256 calls, not EVP:
 * EVP would load OpenSSL 3's providers in every login's exec (see
 * hmac_md5.c). */
static void
record_check(const char *key, size_t klen, const char *val, size_t vlen,
    unsigned char out[CHECKLEN])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256_CTX c;

	SHA256_Init(&c);
	SHA256_Update(&c, val, vlen);
	SHA256_Update(&c, "", 1);
	SHA256_Update(&c, key, klen);
	SHA256_Final(md, &c);
	memcpy(out, md, CHECKLEN);
	OPENSSL_cleanse(&c, sizeof(c));
}

/* ---- building ---- */

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}


struct part {
	int fd;
	char *tmp, *final;
	struct cdb_make cm;
	uint64_t size, count, gen;
	int kept;		/* a shard the change leaves as it is */
	int making;		/* cm started, not finished */
};

struct pwindex_make {
	char *cdbpath;
	unsigned n;
	unsigned nkept;			/* shards kept as they are */
	uint64_t limit;
	struct part top, *sh;		/* sh: n > 1 */
	char *scratch;
	size_t scratchcap;
	struct stat owner;
};

static void
part_close(struct part *p)
{
	int null;

	/* tinycdb frees its record lists only in cdb_make_finish: finish
	 * into /dev/null */
	if (p->making && (null = open("/dev/null", O_WRONLY | O_CLOEXEC)) >=
	    0) {
		p->cm.cdb_fd = null;
		(void)cdb_make_finish(&p->cm);
		close(null);
	}
	p->making = 0;
	if (p->fd >= 0) {
		close(p->fd);
		(void)unlink(p->tmp);
	}
	p->fd = -1;
	free(p->tmp);
	free(p->final);
	p->tmp = p->final = NULL;
}

static uint64_t
new_gen(void)
{
	uint64_t g;
	struct timespec ts;

	if (getrandom(&g, sizeof(g), GRND_NONBLOCK) == (ssize_t)sizeof(g))
		return g;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec ^
	    ((uint64_t)getpid() << 40);
}

/* The temp file is named after its final name, in the same directory, so
 * the rename that publishes it is atomic; same owner and group as the
 * text, so the same readers can read it, and never more writable. */
static int
part_open(struct part *p, char *final, const struct stat *owner,
    struct pwerr *err)
{
	struct stat st;
	size_t n;

	p->final = final;
	p->size = CDB_HEADER;
	p->count = 0;
	p->gen = new_gen();
	n = strlen(final) + 32;
	if (final == NULL || (p->tmp = malloc(n)) == NULL) {
		pwerr_set(err, "out of memory");
		return -1;
	}
	snprintf(p->tmp, n, "%s.tmp%ld", final, (long)getpid());
	(void)unlink(p->tmp);
	p->fd = open(p->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (p->fd < 0) {
		pwerr_set(err, "cannot create %s: %s", p->tmp, strerror(errno));
		return -1;
	}
	/* as commit() does for the text: a failed fchown leaves a file the
	 * front end's group may not read, and every login would fail */
	if (fchown(p->fd, owner->st_uid, owner->st_gid) != 0 &&
	    (fstat(p->fd, &st) != 0 || st.st_uid != owner->st_uid ||
	    st.st_gid != owner->st_gid)) {
		pwerr_set(err, "cannot give %s the owner and group of the "
		    "text (uid %ju, gid %ju): %s", p->tmp,
		    (uintmax_t)owner->st_uid, (uintmax_t)owner->st_gid,
		    strerror(errno));
		return -1;
	}
	if (fchmod(p->fd, owner->st_mode & 0644) != 0) {
		pwerr_set(err, "cannot chmod %s: %s", p->tmp, strerror(errno));
		return -1;
	}
	if (pwindex_prepare != NULL && pwindex_prepare(p->fd, err) != 0)
		return -1;
	cdb_make_start(&p->cm, p->fd);
	p->making = 1;
	return 0;
}

void
pwindex_make_abort(struct pwindex_make *w)
{
	unsigned i;

	if (w == NULL)
		return;
	part_close(&w->top);
	for (i = 0; w->sh != NULL && i < w->n; i++)
		part_close(&w->sh[i]);
	free(w->sh);
	if (w->scratch != NULL) {
		OPENSSL_cleanse(w->scratch, w->scratchcap);
		free(w->scratch);
	}
	free(w->cdbpath);
	free(w);
}

struct pwindex_make *
pwindex_make_start(const char *cdbpath, unsigned nshards,
    const struct stat *owner, struct pwerr *err)
{
	struct pwindex_make *w;
	unsigned i;

	if (nshards < 1 || nshards > PWINDEX_MAXSHARDS) {
		pwerr_set(err, "%s: %u shards: at most %u", cdbpath, nshards,
		    PWINDEX_MAXSHARDS);
		return NULL;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->cdbpath = strdup(cdbpath)) == NULL) {
		free(w);
		pwerr_set(err, "out of memory");
		return NULL;
	}
	w->n = nshards;
	w->limit = pwindex_limit();
	w->top.fd = -1;
	w->owner = *owner;
	if (nshards > 1 && (w->sh = calloc(nshards, sizeof(*w->sh))) == NULL) {
		pwerr_set(err, "out of memory");
		goto fail;
	}
	for (i = 0; w->sh != NULL && i < nshards; i++)
		w->sh[i].fd = -1;
	if (part_open(&w->top, strdup(cdbpath), owner, err) != 0)
		goto fail;
	for (i = 0; w->sh != NULL && i < nshards; i++)
		if (part_open(&w->sh[i], shard_path(cdbpath, i), owner,
		    err) != 0)
			goto fail;
	return w;
fail:
	pwindex_make_abort(w);
	return NULL;
}

static int
too_big(const struct pwindex_make *w, const struct part *p, struct pwerr *err)
{
	pwerr_set(err, "refusing to write %s: it would pass %ju bytes, the "
	    "cdb format's limit%s (cmd5checkpw scans the text meanwhile)",
	    p->final, (uintmax_t)w->limit,
	    w->limit == PWINDEX_CDB_LIMIT ? " of 4 GiB per file" :
	    " set by CMD5PW_TEST_INDEX_LIMIT");
	return -1;
}

static int
part_add(struct pwindex_make *w, struct part *p, const char *key,
    size_t klen, const char *val, size_t vlen, int checked,
    struct pwerr *err)
{
	size_t need = CHECKLEN + vlen + 1 + klen;
	unsigned char chk[CHECKLEN];
	const char *v = val;

	if (klen > VALUE_MAX || vlen > VALUE_MAX) {
		pwerr_set(err, "%s: a record of %zu bytes: too long", p->final,
		    klen + vlen);
		return -1;
	}
	if (p->size + 24 + klen + vlen + (checked ? CHECKLEN : 0) > w->limit)
		return too_big(w, p, err);
	if (checked) {
		if (need > w->scratchcap) {
			char *ns = malloc(need * 2);

			if (ns == NULL) {
				pwerr_set(err, "out of memory");
				return -1;
			}
			if (w->scratch != NULL) {
				OPENSSL_cleanse(w->scratch, w->scratchcap);
				free(w->scratch);
			}
			w->scratch = ns;
			w->scratchcap = need * 2;
		}
		record_check(key, klen, val, vlen, chk);
		memcpy(w->scratch, chk, CHECKLEN);
		memcpy(w->scratch + CHECKLEN, val, vlen);
		v = w->scratch;
		vlen += CHECKLEN;
	}
	if (cdb_make_add(&p->cm, key, (unsigned)klen, v, (unsigned)vlen) != 0) {
		pwerr_set(err, "cannot write %s: %s", p->tmp, strerror(errno));
		return -1;
	}
	p->size += 24 + klen + vlen;
	return 0;
}

int
pwindex_make_add(struct pwindex_make *w, const char *key, size_t klen,
    const char *val, size_t vlen, struct pwerr *err)
{
	struct part *p = w->n > 1 ?
	    &w->sh[pwindex_shard_of(key, klen, w->n)] : &w->top;

	if (klen == 0 || key[0] == '\0') {
		pwerr_set(err, "%s: an empty key", w->cdbpath);
		return -1;
	}
	if (p->kept) {
		pwerr_set(err, "%s: a record for a shard kept as it is",
		    w->cdbpath);
		return -1;
	}
	if (part_add(w, p, key, klen, val, vlen, 1, err) != 0)
		return -1;
	p->count++;
	return 0;
}

/* cdb_make_finish, then the file must have the size counted */
static int
part_finish(struct part *p, struct pwerr *err)
{
	struct stat st;

	p->making = 0;
	if (cdb_make_finish(&p->cm) != 0 || fsync(p->fd) != 0 ||
	    fstat(p->fd, &st) != 0) {
		pwerr_set(err, "cannot write %s: %s", p->tmp, strerror(errno));
		return -1;
	}
	if ((uint64_t)st.st_size != p->size) {
		pwerr_set(err, "%s: %ju bytes written, %ju counted", p->tmp,
		    (uintmax_t)st.st_size, (uintmax_t)p->size);
		return -1;
	}
	if (close(p->fd) != 0) {
		p->fd = -1;
		(void)unlink(p->tmp);
		pwerr_set(err, "cannot write %s: %s", p->tmp, strerror(errno));
		return -1;
	}
	p->fd = -1;
	return 0;
}

/* Adds a meta record whose value states the file's final size: the value
 * is formatted twice, the size field being of fixed width. */
static int
add_sized(struct pwindex_make *w, struct part *p, const char *key,
    size_t klen, const char *fmt, const char *rest, struct pwerr *err)
{
	char v[512];
	int n;

	n = snprintf(v, sizeof(v), fmt, (uintmax_t)0, rest);
	if (n < 0 || (size_t)n >= sizeof(v)) {
		pwerr_set(err, "%s: meta record too long", p->final);
		return -1;
	}
	snprintf(v, sizeof(v), fmt, (uintmax_t)(p->size + 24 + klen +
	    (size_t)n), rest);
	return part_add(w, p, key, klen, v, (size_t)n, 0, err);
}

int
pwindex_make_finish(struct pwindex_make *w, const struct stat *textst,
    const unsigned char digest[32], const char *dummy, size_t dummylen,
    struct pwerr *err)
{
	char key[24], v[256], stamp[200], rest[300];
	unsigned i;
	int r = -1;

	for (i = 0; w->sh != NULL && i < w->n; i++) {
		struct part *s = &w->sh[i];

		if (s->kept)
			continue;
		snprintf(rest, sizeof(rest), "%016jx %05u %05u %020ju",
		    (uintmax_t)s->gen, i, w->n, (uintmax_t)s->count);
		if (add_sized(w, s, K_SHARD, KEYLEN(K_SHARD),
		    SHARD_MAGIC "%020ju %s", rest, err) != 0 ||
		    part_finish(s, err) != 0)
			goto out;
	}
	if (part_add(w, &w->top, K_DUMMY, KEYLEN(K_DUMMY), dummy, dummylen, 1,
	    err) != 0 ||
	    part_add(w, &w->top, K_DIGEST, KEYLEN(K_DIGEST),
	    (const char *)digest, 32, 0, err) != 0)
		goto out;
	snprintf(v, sizeof(v), "%020ju", (uintmax_t)w->top.count);
	if (part_add(w, &w->top, K_COUNT, KEYLEN(K_COUNT), v, strlen(v), 0,
	    err) != 0)
		goto out;
	for (i = 0; w->sh != NULL && i < w->n; i++) {
		key[0] = '\0';
		snprintf(key + 1, sizeof(key) - 1, "shard%05u", i);
		snprintf(v, sizeof(v), "%020ju %016jx",
		    (uintmax_t)w->sh[i].size, (uintmax_t)w->sh[i].gen);
		if (part_add(w, &w->top, key, KEYLEN(K_SHARD) + 5, v,
		    strlen(v), 0, err) != 0)
			goto out;
	}
	text_stamp(textst, stamp, sizeof(stamp));
	snprintf(rest, sizeof(rest), "%05u %s", w->n, stamp);
	if (add_sized(w, &w->top, K_STAMP, KEYLEN(K_STAMP),
	    TOP_MAGIC "%020ju %s", rest, err) != 0 ||
	    part_finish(&w->top, err) != 0)
		goto out;
	/* shards first: until the top file is renamed the old one names
	 * other generations, and a login that meets a new shard under it
	 * takes the index for damaged and scans the text */
	for (i = 0; w->sh != NULL && i < w->n; i++)
		if (!w->sh[i].kept &&
		    rename(w->sh[i].tmp, w->sh[i].final) != 0) {
			pwerr_set(err, "cannot rename %s to %s: %s",
			    w->sh[i].tmp, w->sh[i].final, strerror(errno));
			goto out;
		}
	if (rename(w->top.tmp, w->top.final) != 0) {
		pwerr_set(err, "cannot rename %s to %s: %s", w->top.tmp,
		    w->top.final, strerror(errno));
		goto out;
	}
	pwindex_tidy(w->cdbpath);
	r = 0;
out:
	pwindex_make_abort(w);
	return r;
}

/* ---- reading ---- */

void
pwindex_found_free(struct pwindex_found *f)
{
	if (f->field != NULL) {
		OPENSSL_cleanse(f->field, f->fieldlen);
		free(f->field);
	}
	if (f->dummy != NULL) {
		OPENSSL_cleanse(f->dummy, f->dummylen);
		free(f->dummy);
	}
	memset(f, 0, sizeof(*f));
}

/* Looks key up by reading the file (cdb_seek) rather than mapping it all
 * (cdb_init): mapping, faulting in and unmapping a 57 MB index cost about
 * 55 us per login at 1M logins, the reads about 17 us (make bench,
 * docs/bench.md).  checked: the value carries a record check, verified and
 * taken off.  1 found (*out malloc'd, NUL-terminated), 0 not, -1 damaged
 * or error. */
static int
fetch(int fd, const char *key, size_t klen, int checked, char **out,
    size_t *outlen)
{
	unsigned char chk[CHECKLEN];
	unsigned len;
	char *p;
	int r;

	if ((r = cdb_seek(fd, key, (unsigned)klen, &len)) <= 0)
		return r;
	if (len > VALUE_MAX || (checked && len < CHECKLEN) ||
	    (p = malloc((size_t)len + 2 + klen)) == NULL)
		return -1;
	if (cdb_bread(fd, p, (int)len) != 0) {
		free(p);
		return -1;
	}
	if (checked) {
		unsigned char got[CHECKLEN];

		len -= CHECKLEN;
		memcpy(chk, p, CHECKLEN);
		memmove(p, p + CHECKLEN, len);
		record_check(key, klen, p, len, got);
		if (CRYPTO_memcmp(got, chk, CHECKLEN) != 0) {
			OPENSSL_cleanse(p, len);
			free(p);
			return -1;
		}
	}
	p[len] = '\0';
	*out = p;
	*outlen = len;
	return 1;
}

static int
file_ok(const char *path, int fd, struct stat *st, struct pwerr *err)
{
	if (fstat(fd, st) != 0) {
		pwerr_set(err, "cannot stat %s: %s", path, strerror(errno));
		return -1;
	}
	/* as for the text: a file others could write is never read */
	return pwfile_check_mode(path, st, err);
}

/* The top file's stamp: 1 for this text (*n set), 0 stale, -1 damaged. */
static int
top_stamp(int fd, const struct stat *fst, const struct stat *textst,
    unsigned *n)
{
	char want[300], stamp[200], *have = NULL, *end;
	size_t havelen, m = sizeof(TOP_MAGIC) - 1;
	unsigned long v;
	int r = -1;

	if (fetch(fd, K_STAMP, KEYLEN(K_STAMP), 0, &have, &havelen) != 1)
		return -1;
	if (havelen < m + 27 || memcmp(have, TOP_MAGIC, m) != 0 ||
	    have[m + 20] != ' ' || have[m + 26] != ' ') {
		r = 0;		/* another version's index: stale */
		goto out;
	}
	text_stamp(textst, stamp, sizeof(stamp));
	if (strcmp(have + m + 27, stamp) != 0) {
		r = 0;
		goto out;
	}
	v = strtoul(have + m + 21, &end, 10);
	if (end != have + m + 26 || v < 1 || v > PWINDEX_MAXSHARDS)
		goto out;
	snprintf(want, sizeof(want), TOP_MAGIC "%020ju %05lu %s",
	    (uintmax_t)fst->st_size, v, stamp);
	if (strcmp(have, want) == 0) {
		*n = (unsigned)v;
		r = 1;
	}
out:
	free(have);
	return r;
}

/* Opens shard i of n named by the top file; its fd, -2 damaged, -1 error */
static int
open_shard(int top, const char *cdbpath, unsigned i, unsigned n,
    uint64_t limit, struct pwerr *err)
{
	char key[24], *named = NULL, *self = NULL, *sp, want[128];
	size_t len, slen;
	struct stat st;
	int fd = -2;

	key[0] = '\0';
	snprintf(key + 1, sizeof(key) - 1, "shard%05u", i);
	if (cdbpath == NULL || fetch(top, key, KEYLEN(K_SHARD) + 5, 0, &named,
	    &len) != 1 || len != 37 || (sp = shard_path(cdbpath, i)) == NULL)
		goto out;
	if ((fd = open(sp, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		fd = errno == ENOENT ? -2 : -1;
		if (fd == -1)
			pwerr_set(err, "cannot open %s: %s", sp,
			    strerror(errno));
		free(sp);
		goto out;
	}
	if (file_ok(sp, fd, &st, err) != 0) {
		close(fd);
		fd = -1;
	} else if ((uint64_t)st.st_size > limit ||
	    fetch(fd, K_SHARD, KEYLEN(K_SHARD), 0, &self, &slen) != 1 ||
	    (snprintf(want, sizeof(want), SHARD_MAGIC "%020ju %.16s %05u "
	    "%05u ", (uintmax_t)st.st_size, named + 21, i, n),
	    slen < strlen(want) || memcmp(self, want, strlen(want)) != 0 ||
	    memcmp(named, want + sizeof(SHARD_MAGIC) - 1, 20) != 0)) {
		close(fd);
		fd = -2;
	}
	free(sp);
out:
	free(named);
	free(self);
	return fd;
}

/* fst: the top file's stat, or NULL to take it */
static int
lookup_top(int fd, const struct stat *fst, const char *cdbpath,
    const struct stat *textst, const char *key, size_t klen,
    struct pwindex_found *f, int *state, struct pwerr *err)
{
	uint64_t limit = pwindex_limit();
	struct stat st;
	unsigned n, dlen;
	int r, sfd = fd;

	memset(f, 0, sizeof(*f));
	*state = IDX_BAD;
	if (fst != NULL)
		st = *fst;
	else if (fstat(fd, &st) != 0) {
		pwerr_set(err, "cannot stat the index: %s", strerror(errno));
		return -1;
	}
	/* past the format's limit the offsets have wrapped: never believed */
	if ((uint64_t)st.st_size > limit)
		return 0;
	if ((r = top_stamp(fd, &st, textst, &n)) <= 0) {
		if (r == 0)
			*state = IDX_STALE;
		return 0;
	}
	if (fetch(fd, K_DUMMY, KEYLEN(K_DUMMY), 1, &f->dummy,
	    &f->dummylen) != 1)
		goto bad;
	if (n > 1) {
		sfd = open_shard(fd, cdbpath, key ? pwindex_shard_of(key, klen,
		    n) : 0, n, limit, err);
		if (sfd == -1)
			goto fail;
		if (sfd < 0)
			goto bad;
	}
	if (key != NULL) {
		r = fetch(sfd, key, klen, 1, &f->field, &f->fieldlen);
		if (r < 0)
			goto bad;
		f->found = r;
	} else {
		/* the same lookups as for a login */
		(void)cdb_seek(sfd, K_DUMMY, KEYLEN(K_DUMMY), &dlen);
	}
	if (sfd != fd)
		close(sfd);
	*state = IDX_USED;
	return 1;
bad:
	if (sfd != fd && sfd >= 0)
		close(sfd);
	pwindex_found_free(f);
	return 0;
fail:
	pwindex_found_free(f);
	return -1;
}

int
pwindex_lookup_fd(int fd, const char *cdbpath, const struct stat *textst,
    const char *key, size_t klen, struct pwindex_found *f, int *state)
{
	struct pwerr err;

	return lookup_top(fd, NULL, cdbpath, textst, key, klen, f, state,
	    &err) == 1;
}

int
pwindex_lookup(const char *cdbpath, const struct stat *textst,
    const char *key, size_t klen, struct pwindex_found *f, int *state,
    struct pwerr *err)
{
	struct stat st;
	int fd, r;

	memset(f, 0, sizeof(*f));
	*state = IDX_NONE;
	if ((fd = open(cdbpath, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		if (errno == ENOENT)
			return 0;
		pwerr_set(err, "cannot open %s: %s", cdbpath, strerror(errno));
		return -1;
	}
	if (file_ok(cdbpath, fd, &st, err) != 0) {
		close(fd);
		return -1;
	}
	r = lookup_top(fd, &st, cdbpath, textst, key, klen, f, state, err);
	close(fd);
	return r;
}

/* ---- a change to a few keys ---- */

struct pwindex_make *
pwindex_make_resume(const char *cdbpath, const struct stat *oldtextst,
    const struct stat *owner, struct pwerr *err)
{
	struct pwindex_make *w = NULL;
	char key[24], *v = NULL, *end;
	struct stat st;
	unsigned n, i;
	size_t len;
	int fd, sfd;

	if ((fd = open(cdbpath, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return NULL;
	if (file_ok(cdbpath, fd, &st, err) != 0 ||
	    (uint64_t)st.st_size > pwindex_limit() ||
	    top_stamp(fd, &st, oldtextst, &n) != 1 || n < 2)
		goto fail;
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->cdbpath = strdup(cdbpath)) == NULL ||
	    (w->sh = calloc(n, sizeof(*w->sh))) == NULL)
		goto fail;
	w->n = n;
	w->limit = pwindex_limit();
	w->owner = *owner;
	w->top.fd = -1;
	for (i = 0; i < n; i++)
		w->sh[i].fd = -1;
	if (part_open(&w->top, strdup(cdbpath), owner, err) != 0)
		goto fail;
	for (i = 0; i < n; i++) {
		struct part *p = &w->sh[i];

		key[0] = '\0';
		snprintf(key + 1, sizeof(key) - 1, "shard%05u", i);
		if (fetch(fd, key, KEYLEN(K_SHARD) + 5, 0, &v, &len) != 1 ||
		    len != 37)
			goto fail;
		p->size = strtoull(v, &end, 10);
		if (end != v + 20)
			goto fail;
		p->gen = strtoull(v + 21, &end, 16);
		free(v);
		v = NULL;
		/* the shard must be the one named, to be kept */
		if ((sfd = open_shard(fd, cdbpath, i, n, w->limit, err)) < 0)
			goto fail;
		if (fetch(sfd, K_SHARD, KEYLEN(K_SHARD), 0, &v, &len) != 1 ||
		    len < 20) {
			close(sfd);
			goto fail;
		}
		p->count = strtoull(v + len - 20, NULL, 10);
		free(v);
		v = NULL;
		close(sfd);
		p->kept = 1;
		w->nkept++;
	}
	close(fd);
	return w;
fail:
	free(v);
	close(fd);
	pwindex_make_abort(w);
	return NULL;
}

int
pwindex_make_touch(struct pwindex_make *w, const char *key, size_t klen,
    struct pwerr *err)
{
	struct part *p;

	if (w->n < 2)
		return 0;
	p = &w->sh[pwindex_shard_of(key, klen, w->n)];
	if (!p->kept)
		return 0;
	p->kept = 0;
	w->nkept--;
	return part_open(p, shard_path(w->cdbpath, (unsigned)(p - w->sh)),
	    &w->owner, err);
}

/* A mapped file of the index, walked record by record: records were added
 * in the text's order, so the text's entries meet them in order. */
struct walkfile {
	const unsigned char *map, *p, *end;
	const unsigned char *kept;	/* pages from here on are mapped in */
	size_t size;
	uint64_t count;		/* login records, as the file states */
	char *path;
};

static int
walk_open(struct walkfile *f, const char *path, int fd)
{
	struct stat st;
	uint32_t pos, dstart;
	unsigned t;
	void *m;

	memset(f, 0, sizeof(*f));
	if ((f->path = strdup(path)) == NULL || fstat(fd, &st) != 0 ||
	    st.st_size < CDB_HEADER)
		return -1;
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -1;
	f->map = m;
	f->size = (size_t)st.st_size;
	/* the records end where the first hash table starts */
	dstart = le32(f->map);
	for (t = 1; t < 256; t++)
		if ((pos = le32(f->map + 8 * t)) < dstart)
			dstart = pos;
	if (dstart < CDB_HEADER || dstart > f->size)
		return -1;
	f->p = f->map + CDB_HEADER;
	f->end = f->map + dstart;
	f->kept = f->map;
	return 0;
}

static void
walk_close(struct walkfile *f)
{
	if (f->map != NULL)
		munmap((void *)f->map, f->size);
	free(f->path);
	memset(f, 0, sizeof(*f));
}

#define WALK_DROP (2u << 20)	/* a multiple of any page size */

/* The next login record of f: 1 (key, value after its check, check
 * verified), 0 none left, -1 damaged. */
static int
walk_next(struct walkfile *f, const char **k, size_t *klen, const char **v,
    size_t *vlen)
{
	unsigned char got[CHECKLEN];
	uint32_t kl, vl;
	size_t behind;

	/* what was walked is not needed again: give its pages back (they
	 * stay in the page cache), so that checking ten million logins
	 * holds the text and the duplicate table, not a 1 GiB index too */
	if ((behind = (size_t)(f->p - f->kept)) >= WALK_DROP) {
		behind = behind / WALK_DROP * WALK_DROP - WALK_DROP / 2;
		(void)madvise((void *)f->kept, behind, MADV_DONTNEED);
		f->kept += behind;
	}
	while (f->p < f->end) {
		if (f->end - f->p < 8)
			return -1;
		kl = le32(f->p);
		vl = le32(f->p + 4);
		f->p += 8;
		if ((uint64_t)kl + vl > (uint64_t)(f->end - f->p) || kl == 0)
			return -1;
		*k = (const char *)f->p;
		f->p += (size_t)kl + vl;
		if ((*k)[0] == '\0')
			continue;	/* ours */
		if (vl < CHECKLEN || vl > VALUE_MAX)
			return -1;
		*klen = kl;
		*v = *k + kl + CHECKLEN;
		*vlen = vl - CHECKLEN;
		record_check(*k, kl, *v, *vlen, got);
		if (CRYPTO_memcmp(got, *k + kl, CHECKLEN) != 0)
			return -1;
		return 1;
	}
	return 0;
}

/* The old file of a shard being rebuilt, its records read in order
 * (the order they were added in, the text's), each check verified. */
static int
copy_shard(struct pwindex_make *w, struct part *p,
    const struct pwindex_edit *e, size_t ne, size_t *seen,
    struct pwerr *err)
{
	struct walkfile f;
	const char *k, *v;
	size_t klen, vlen, i;
	int fd, got, r = 0;

	if ((fd = open(p->final, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return 0;
	got = walk_open(&f, p->final, fd);
	close(fd);
	if (got != 0 || f.size > w->limit)
		goto out;
	while ((got = walk_next(&f, &k, &klen, &v, &vlen)) == 1) {
		for (i = 0; i < ne; i++)
			if (e[i].klen == klen && memcmp(e[i].key, k, klen) == 0)
				break;
		if (i == ne) {
			/* another login's: as it is, its check with it */
			if (part_add(w, p, k, klen, v - CHECKLEN,
			    vlen + CHECKLEN, 0, err) != 0) {
				r = -1;
				goto out;
			}
			p->count++;
		} else if (e[i].kind == PWINDEX_SAME) {
			/* the k-th of its lines is the k-th record */
			if (seen[i] >= e[i].n)
				goto out;
			if (pwindex_make_add(w, e[i].key, e[i].klen,
			    e[i].field[seen[i]], e[i].flen[seen[i]],
			    err) != 0) {
				r = -1;
				goto out;
			}
			seen[i]++;
		} else if (e[i].kind == PWINDEX_NEW)
			goto out;	/* it had records: not new */
		else
			seen[i]++;	/* PWINDEX_DROP */
	}
	if (got == 0)
		r = 1;		/* got < 0, damaged: the text rebuilds it */
out:
	walk_close(&f);
	return r;
}

int
pwindex_make_from_old(struct pwindex_make *w, const struct pwindex_edit *e,
    size_t ne, struct pwerr *err)
{
	size_t *seen, i, k;
	unsigned s;
	int r = 1;

	if (w->n < 2 || (seen = calloc(ne ? ne : 1, sizeof(*seen))) == NULL)
		return 0;
	for (s = 0; r == 1 && s < w->n; s++) {
		struct part *p = &w->sh[s];

		if (p->kept)
			continue;
		if (!p->making) {
			r = 0;
			break;
		}
		r = copy_shard(w, p, e, ne, seen, err);
		/* then the new logins of this shard, after all the others */
		for (i = 0; r == 1 && i < ne; i++)
			if (e[i].kind == PWINDEX_NEW &&
			    pwindex_shard_of(e[i].key, e[i].klen, w->n) == s)
				for (k = 0; r == 1 && k < e[i].n; k++)
					if (pwindex_make_add(w, e[i].key,
					    e[i].klen, e[i].field[k],
					    e[i].flen[k], err) != 0)
						r = -1;
	}
	/* every touched login as the text has it: its records one for one
	 * with its lines (SAME), all gone (DROP: no line left), none
	 * before (NEW) */
	for (i = 0; r == 1 && i < ne; i++)
		if ((e[i].kind == PWINDEX_SAME && seen[i] != e[i].n) ||
		    (e[i].kind == PWINDEX_DROP && e[i].n != 0) ||
		    (e[i].kind == PWINDEX_SAME && e[i].n == 0) ||
		    (e[i].kind == PWINDEX_DROP && seen[i] == 0))
			r = 0;
	free(seen);
	return r;
}

uint64_t
pwindex_make_est(const struct pwindex_make *w)
{
	uint64_t est = 0;
	unsigned i;

	for (i = 0; w->sh != NULL && i < w->n; i++)
		if (w->sh[i].size > CDB_HEADER)
			est += w->sh[i].size - CDB_HEADER;
	return est;
}

int
pwindex_make_wants(const struct pwindex_make *w, const char *key, size_t klen)
{
	/* a full build wants every record: no hash to compute */
	return w->n < 2 || w->nkept == 0 ||
	    !w->sh[pwindex_shard_of(key, klen, w->n)].kept;
}

unsigned
pwindex_make_shards(const struct pwindex_make *w)
{
	return w->n;
}

/* ---- checking all of it (cmd5pw check) ---- */


static int
count_of(const char *v, size_t len, uint64_t *out)
{
	char *end;

	if (len < 20)
		return -1;
	*out = strtoull(v + len - 20, &end, 10);
	return end == v + len ? 0 : -1;
}

int
pwindex_verify(const char *cdbpath, const struct stat *textst,
    int (*next)(void *ctx, const char **k, size_t *klen, const char **v,
    size_t *vlen), void *ctx, struct pwindex_info *info, int *state,
    struct pwerr *err)
{
	struct pwindex_found f;
	struct walkfile *wf = NULL;
	struct stat st;
	const char *k, *v, *wk, *wv;
	char *meta = NULL;
	size_t klen, vlen, wklen, wvlen, mlen;
	unsigned i, nf = 0;
	uint64_t seen;
	int fd = -1, sfd, r, got;

	memset(info, 0, sizeof(*info));
	r = pwindex_lookup(cdbpath, textst, NULL, 0, &f, state, err);
	pwindex_found_free(&f);
	if (r != 1) {
		if (r == 0 && *state == IDX_BAD)
			pwerr_set(err, "%s is damaged or past the cdb "
			    "format's limit", cdbpath);
		return r;
	}
	*state = IDX_BAD;
	r = -1;
	if ((fd = open(cdbpath, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0 ||
	    fstat(fd, &st) != 0) {
		pwerr_set(err, "cannot read %s: %s", cdbpath, strerror(errno));
		goto out;
	}
	top_stamp(fd, &st, textst, &info->nshards);
	r = 0;
	if (fetch(fd, K_DIGEST, KEYLEN(K_DIGEST), 0, &meta, &mlen) != 1 ||
	    mlen != 32) {
		pwerr_set(err, "%s is damaged: no text digest", cdbpath);
		goto out;
	}
	memcpy(info->digest, meta, 32);
	free(meta);
	meta = NULL;
	nf = info->nshards > 1 ? info->nshards : 1;
	if ((wf = calloc(nf, sizeof(*wf))) == NULL) {
		pwerr_set(err, "out of memory");
		r = -1;
		goto out;
	}
	if (info->nshards == 1) {
		if (walk_open(&wf[0], cdbpath, fd) != 0 ||
		    fetch(fd, K_COUNT, KEYLEN(K_COUNT), 0, &meta, &mlen) != 1 ||
		    count_of(meta, mlen, &wf[0].count) != 0) {
			pwerr_set(err, "%s is damaged: its records cannot be "
			    "read", cdbpath);
			goto out;
		}
		free(meta);
		meta = NULL;
		info->largest = (uint64_t)st.st_size;
	}
	for (i = 0; info->nshards > 1 && i < info->nshards; i++) {
		char *sp = shard_path(cdbpath, i);

		sfd = open_shard(fd, cdbpath, i, info->nshards, UINT64_MAX, err);
		if (sfd == -1 || sp == NULL) {
			free(sp);
			r = -1;
			goto out;
		}
		if (sfd < 0 || walk_open(&wf[i], sp, sfd) != 0 ||
		    fetch(sfd, K_SHARD, KEYLEN(K_SHARD), 0, &meta, &mlen) != 1 ||
		    count_of(meta, mlen, &wf[i].count) != 0) {
			pwerr_set(err, "%s is missing or damaged", sp);
			free(sp);
			if (sfd >= 0)
				close(sfd);
			goto out;
		}
		free(meta);
		meta = NULL;
		free(sp);
		close(sfd);
		if (wf[i].size > info->largest)
			info->largest = wf[i].size;
	}
	/* every entry of the text, in order, is the next record of its
	 * shard: the index is what a build of this text writes */
	while ((got = next(ctx, &k, &klen, &v, &vlen)) == 1) {
		struct walkfile *w = &wf[pwindex_shard_of(k, klen, nf)];

		if (walk_next(w, &wk, &wklen, &wv, &wvlen) != 1) {
			pwerr_set(err, "%s is damaged or not this text's: a "
			    "record is missing or fails its check", w->path);
			goto out;
		}
		if (wklen != klen || memcmp(wk, k, klen) != 0 ||
		    wvlen != vlen || memcmp(wv, v, vlen) != 0) {
			pwerr_set(err, "%s is not this text's: a record "
			    "differs from its line", w->path);
			goto out;
		}
		info->records++;
	}
	if (got < 0) {
		pwerr_set(err, "out of memory");
		r = -1;
		goto out;
	}
	for (i = 0; i < nf; i++) {
		seen = 0;
		while ((got = walk_next(&wf[i], &wk, &wklen, &wv, &wvlen)) == 1)
			seen++;
		if (got < 0 || seen > 0) {
			pwerr_set(err, "%s is not this text's: it holds "
			    "records of no line", wf[i].path);
			goto out;
		}
	}
	for (i = 0, seen = 0; i < nf; i++)
		seen += wf[i].count;
	if (seen != info->records) {
		pwerr_set(err, "%s is damaged: its record counts are wrong",
		    cdbpath);
		goto out;
	}
	*state = IDX_USED;
	r = 1;
out:
	for (i = 0; wf != NULL && i < nf; i++)
		walk_close(&wf[i]);
	free(wf);
	free(meta);
	if (fd >= 0)
		close(fd);
	return r;
}

/* ---- leftovers ---- */

/* NAME.cdb.tmpPID and NAME.cdb.I.tmpPID are a killed build's; NAME.cdb.I
 * a shard the top file does not name. */
void
pwindex_tidy(const char *cdbpath)
{
	char dir[4200], *end;
	const char *slash = strrchr(cdbpath, '/'), *base, *s;
	struct stat textst;
	struct dirent *d;
	unsigned n = 0;
	unsigned long i;
	size_t blen, dn;
	DIR *dp;
	int fd;

	base = slash ? slash + 1 : cdbpath;
	dn = slash == NULL ? 1 : slash == cdbpath ? 1 : (size_t)(slash - cdbpath);
	if (dn >= sizeof(dir))
		return;
	memcpy(dir, slash ? cdbpath : ".", dn);
	dir[dn] = '\0';
	blen = strlen(base);
	/* the shards the current top file names (its stamp, whatever text) */
	if ((fd = open(cdbpath, O_RDONLY | O_CLOEXEC | O_NOCTTY)) >= 0) {
		char *have = NULL;
		size_t havelen, m = sizeof(TOP_MAGIC) - 1;

		if (fetch(fd, K_STAMP, KEYLEN(K_STAMP), 0, &have,
		    &havelen) == 1 && havelen > m + 26 &&
		    memcmp(have, TOP_MAGIC, m) == 0)
			n = (unsigned)strtoul(have + m + 21, NULL, 10);
		free(have);
		close(fd);
	}
	(void)textst;
	if ((dp = opendir(dir)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		if (strncmp(d->d_name, base, blen) != 0 ||
		    d->d_name[blen] != '.')
			continue;
		s = d->d_name + blen + 1;
		if (strncmp(s, "tmp", 3) == 0 && s[3] != '\0' &&
		    strspn(s + 3, "0123456789") == strlen(s + 3)) {
			(void)unlinkat(dirfd(dp), d->d_name, 0);
			continue;
		}
		if (*s < '0' || *s > '9')
			continue;
		i = strtoul(s, &end, 10);
		if (*end == '\0' && (n <= 1 || i >= n))
			(void)unlinkat(dirfd(dp), d->d_name, 0);
		else if (strncmp(end, ".tmp", 4) == 0 && end[4] != '\0' &&
		    strspn(end + 4, "0123456789") == strlen(end + 4))
			(void)unlinkat(dirfd(dp), d->d_name, 0);
	}
	closedir(dp);
}
