/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* state.c: the shared state file (state.h).
 *
 * On disk: block 0 is the header (magic, version, geometry, a checksum of
 * them), then nbuckets blocks of STATE_BUCKET records of 64 bytes.  The
 * records are in host byte order: the file never leaves the host. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "state.h"

#define BLOCK 512
#define STATE_FORMAT 1	/* VERSION is the release (-DVERSION) */
#define MAXRECORDS ((uint32_t)1 << 26)	/* 4 GiB of records at the most */
#define FUTURE (24 * 3600)		/* a time further ahead is garbage */

_Static_assert(sizeof(struct srec) == 64, "a record is 64 bytes on disk");
_Static_assert(sizeof(struct srec) * STATE_BUCKET == BLOCK,
    "a bucket is one block");

static const char magic[8] = "cmd5st\0\1";

struct hdr {
	char magic[8];
	uint32_t version;
	uint32_t nbuckets;
	uint32_t recsize;
	uint32_t bucket;
	uint64_t sum;		/* of the fields above */
};

static void __attribute__((format(printf, 2, 3)))
seterr(struct state *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
}

static uint32_t
buckets_for(uint32_t nrecords)
{
	if (nrecords < STATE_BUCKET)
		nrecords = STATE_BUCKET;
	if (nrecords > MAXRECORDS)
		nrecords = MAXRECORDS;
	return (nrecords + STATE_BUCKET - 1) / STATE_BUCKET;
}

uint64_t
state_size(uint32_t nrecords)
{
	return BLOCK + (uint64_t)buckets_for(nrecords) * BLOCK;
}

/* FNV-1a: the header's checksum catches a torn or overwritten header, not
 * an adversary (who could write any record anyway). */
static uint64_t
hdr_sum(const struct hdr *h)
{
	const unsigned char *p = (const unsigned char *)h;
	uint64_t x = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < offsetof(struct hdr, sum); i++)
		x = (x ^ p[i]) * 1099511628211ULL;
	return x;
}

static void
hdr_make(struct hdr *h, uint32_t nbuckets)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, magic, sizeof(magic));
	h->version = STATE_FORMAT;
	h->nbuckets = nbuckets;
	h->recsize = sizeof(struct srec);
	h->bucket = STATE_BUCKET;
	h->sum = hdr_sum(h);
}

static ssize_t
pread_all(int fd, void *buf, size_t n, off_t off)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = pread(fd, (char *)buf + got, n - got, off + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int
pwrite_all(int fd, const void *buf, size_t n, off_t off)
{
	size_t put = 0;
	ssize_t r;

	while (put < n) {
		r = pwrite(fd, (const char *)buf + put, n - put,
		    off + (off_t)put);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		put += (size_t)r;
	}
	return 0;
}

/* A write lock on the whole file, waiting at most ms. */
static int
lock_within(int fd, long ms)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	struct timespec pause = { 0, 1000000 };	/* 1 ms */
	long waited = 0;

	while (fcntl(fd, F_SETLK, &fl) == -1) {
		if (errno != EACCES && errno != EAGAIN && errno != EINTR)
			return -1;
		if (waited >= ms) {
			errno = ETIMEDOUT;
			return -1;
		}
		nanosleep(&pause, NULL);
		waited++;
	}
	return 0;
}

/* Makes the file anew: zeroed records, then the header.  The blocks are
 * allocated now, so that no later write needs a free one. */
static int
remake(struct state *s, uint32_t nbuckets)
{
	off_t size = (off_t)BLOCK + (off_t)nbuckets * BLOCK;
	struct hdr h;
	int e;

	if (ftruncate(s->fd, 0) != 0 || ftruncate(s->fd, size) != 0)
		return -1;
	e = posix_fallocate(s->fd, 0, size);
	if (e != 0 && e != EOPNOTSUPP && e != EINVAL) {
		/* a full disk: leave an empty file, which the next open
		 * remakes */
		if (ftruncate(s->fd, 0) != 0)
			e = errno;
		errno = e;
		return -1;
	}
	hdr_make(&h, nbuckets);
	if (pwrite_all(s->fd, &h, sizeof(h), 0) != 0)
		return -1;	/* a bad header: the next open remakes it */
	s->remade = 1;
	return 0;
}

static int
usable(struct state *s, uint32_t nbuckets, const struct stat *st)
{
	struct hdr h, want;

	if (st->st_size != (off_t)BLOCK + (off_t)nbuckets * BLOCK)
		return 0;
	if (pread_all(s->fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return 0;
	hdr_make(&want, nbuckets);
	return memcmp(&h, &want, sizeof(h)) == 0;
}

int
state_open(struct state *s, const char *path, uint32_t nrecords,
    long lock_ms)
{
	uint32_t nbuckets = buckets_for(nrecords);
	struct stat st, pst;
	int tries;

	s->fd = -1;
	s->nbuckets = nbuckets;
	s->remade = 0;
	s->err[0] = '\0';
	/* Whoever removes or replaces the file while we wait for its lock
	 * leaves us locking an orphan: check the name still leads to it. */
	for (tries = 0; tries < 3; tries++) {
		s->fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
		    O_NONBLOCK, 0660);
		if (s->fd < 0) {
			seterr(s, "cannot open %s: %s", path, strerror(errno));
			return -1;
		}
		if (fstat(s->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
			seterr(s, "%s is not a regular file", path);
			goto fail;
		}
		if (lock_within(s->fd, lock_ms) != 0) {
			seterr(s, "cannot lock %s: %s", path, strerror(errno));
			goto fail;
		}
		if (stat(path, &pst) == 0 && pst.st_dev == st.st_dev &&
		    pst.st_ino == st.st_ino)
			break;
		close(s->fd);
		s->fd = -1;
	}
	if (s->fd < 0) {
		seterr(s, "%s keeps being replaced", path);
		return -1;
	}
	if (fstat(s->fd, &st) != 0) {
		seterr(s, "cannot stat %s: %s", path, strerror(errno));
		goto fail;
	}
	if (!usable(s, nbuckets, &st) && remake(s, nbuckets) != 0) {
		seterr(s, "cannot make %s anew: %s", path, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	close(s->fd);
	s->fd = -1;
	return -1;
}

static uint32_t
bucket_of(const struct state *s, const unsigned char key[STATE_KEYLEN])
{
	uint64_t x;

	memcpy(&x, key, sizeof(x));
	return (uint32_t)(x % s->nbuckets);
}

static int
garbage(const struct srec *r, uint64_t now)
{
	return r->first == 0 || r->first > now + FUTURE ||
	    r->last > now + FUTURE;
}

int
state_get(struct state *s, const unsigned char key[STATE_KEYLEN],
    uint64_t now, struct srec *r, uint64_t *slot)
{
	struct srec b[STATE_BUCKET];
	uint32_t bk = bucket_of(s, key);
	int i, victim = -1;

	if (pread_all(s->fd, b, sizeof(b), (off_t)BLOCK + (off_t)bk * BLOCK) !=
	    (ssize_t)sizeof(b)) {
		seterr(s, "cannot read the state file: %s",
		    errno ? strerror(errno) : "short read");
		return -1;
	}
	for (i = 0; i < STATE_BUCKET; i++) {
		if (garbage(&b[i], now)) {
			if (victim < 0 || !garbage(&b[victim], now))
				victim = i;
			continue;
		}
		if (memcmp(b[i].key, key, STATE_KEYLEN) == 0) {
			*r = b[i];
			*slot = (uint64_t)bk * STATE_BUCKET + (uint64_t)i;
			return 1;
		}
		if (victim < 0 || (!garbage(&b[victim], now) &&
		    b[i].last < b[victim].last))
			victim = i;
	}
	memset(r, 0, sizeof(*r));
	memcpy(r->key, key, STATE_KEYLEN);
	*slot = (uint64_t)bk * STATE_BUCKET + (uint64_t)victim;
	return 0;
}

int
state_put(struct state *s, uint64_t slot, const struct srec *r)
{
	if (slot >= (uint64_t)s->nbuckets * STATE_BUCKET) {
		seterr(s, "no such record");
		return -1;
	}
	if (pwrite_all(s->fd, r, sizeof(*r),
	    (off_t)BLOCK + (off_t)slot * (off_t)sizeof(*r)) != 0) {
		seterr(s, "cannot write the state file: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int
state_each(struct state *s, int (*fn)(const struct srec *, uint64_t, void *),
    void *arg)
{
	struct srec b[STATE_BUCKET * 128];	/* 64 KiB a read */
	uint32_t bk, n, i;
	ssize_t want;

	for (bk = 0; bk < s->nbuckets; bk += n) {
		n = s->nbuckets - bk < 128 ? s->nbuckets - bk : 128;
		want = (ssize_t)n * BLOCK;
		if (pread_all(s->fd, b, (size_t)want,
		    (off_t)BLOCK + (off_t)bk * BLOCK) != want) {
			seterr(s, "cannot read the state file: %s",
			    errno ? strerror(errno) : "short read");
			return -1;
		}
		for (i = 0; i < n * STATE_BUCKET; i++)
			if (b[i].first != 0 &&
			    fn(&b[i], (uint64_t)bk * STATE_BUCKET + i, arg))
				return 0;
	}
	return 0;
}

void
state_close(struct state *s)
{
	if (s->fd >= 0)
		close(s->fd);	/* drops the lock */
	s->fd = -1;
}
