/* pwindex.c: the cdb index PATH.cdb, built and read with tinycdb.
 *
 * Keys are logins; the value is the login's verifier field, from the first
 * line that names it (cdb_find returns the first record added under a key,
 * so "first entry wins" as in the text).  Logins never hold a NUL, so keys
 * starting with NUL are ours:
 *   "\0stamp"  the text file it was built from: "ino size sec nsec";
 *   "\0dummy"  pwfile_dummy's field, for unknown logins' equal work. */
#include <cdb.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hmac_md5.h"
#include "pwindex.h"

#define KEY_STAMP "\0stamp"
#define KEY_DUMMY "\0dummy"
#define KEYLEN(k) (sizeof(k) - 1)

int (*pwindex_prepare)(int tmpfd, int textfd, struct pwerr *err);

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

static int
stamp_of(const struct stat *st, char *buf, size_t size)
{
	return snprintf(buf, size, "%ju %jd %jd %ld", (uintmax_t)st->st_ino,
	    (intmax_t)st->st_size, (intmax_t)st->st_mtim.tv_sec,
	    (long)st->st_mtim.tv_nsec);
}

/* A value longer than this is taken for a damaged index (the text scan
 * then answers): no verifier field comes near it. */
#define VALUE_MAX (1024 * 1024)

/* Looks key up by reading the file (cdb_seek) rather than mapping it all
 * (cdb_init): mapping, faulting in and unmapping a 57 MB index cost about
 * 55 us per login at 1M logins, the reads about 17 us (make bench,
 * docs/bench.md).  1 found (*out malloc'd, NUL-terminated), 0 not, -1 bad
 * index or error. */
static int
fetch(int fd, const char *key, size_t klen, char **out, size_t *outlen)
{
	unsigned len;
	char *p;
	int r;

	if ((r = cdb_seek(fd, key, (unsigned)klen, &len)) <= 0)
		return r;
	if (len > VALUE_MAX || (p = malloc((size_t)len + 1)) == NULL)
		return -1;
	if (cdb_bread(fd, p, (int)len) != 0) {
		free(p);
		return -1;
	}
	p[len] = '\0';
	*out = p;
	*outlen = len;
	return 1;
}

int
pwindex_lookup_fd(int fd, const struct stat *textst, const char *login,
    size_t loginlen, struct pwmatch *m)
{
	char want[128], *have = NULL;
	size_t havelen = 0;
	unsigned len;
	int r;

	m->index = IDX_BAD;
	r = fetch(fd, KEY_STAMP, KEYLEN(KEY_STAMP), &have, &havelen);
	if (r <= 0)
		goto out;
	stamp_of(textst, want, sizeof(want));
	if (strcmp(have, want) != 0) {
		m->index = IDX_STALE;
		r = 0;
		goto out;
	}
	if (fetch(fd, KEY_DUMMY, KEYLEN(KEY_DUMMY), &m->dummy,
	    &m->dummylen) < 0) {
		r = 0;
		goto out;
	}
	r = 0;
	if (pwfile_login_ok(login, loginlen)) {
		r = fetch(fd, login, loginlen, &m->field, &m->fieldlen);
		if (r < 0)
			goto out;
	} else {
		/* same lookups as for a valid login */
		(void)cdb_seek(fd, KEY_DUMMY, KEYLEN(KEY_DUMMY), &len);
	}
	m->found = r == 1;
	m->source = SRC_INDEX;
	m->index = IDX_USED;
	r = 1;
out:
	free(have);
	if (r != 1)
		pwmatch_free(m);
	return r < 0 ? 0 : r;
}

int
pwindex_lookup(const char *cdbpath, const struct stat *textst,
    const char *login, size_t loginlen, struct pwmatch *m, struct pwerr *err)
{
	struct stat st;
	int fd, r;

	m->index = IDX_NONE;
	if ((fd = open(cdbpath, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		if (errno == ENOENT)
			return 0;
		pwerr_set(err, "cannot open %s: %s", cdbpath, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		pwerr_set(err, "cannot stat %s: %s", cdbpath, strerror(errno));
		close(fd);
		return -1;
	}
	if (pwfile_check_mode(cdbpath, &st, err) != 0) {
		close(fd);
		return -1;
	}
	r = pwindex_lookup_fd(fd, textst, login, loginlen, m);
	close(fd);
	return r;
}

/* The temp file is named after the index, in its directory, so the rename
 * that publishes it is atomic. */
int
pwindex_build(const char *textpath, struct pwerr *err)
{
	char *cdbpath = NULL, *tmp = NULL, stamp[128];
	const char *text = NULL, *p, *end, *nl;
	struct cdb_make cm;
	struct stat st;
	struct pwline l;
	int tfd = -1, cfd = -1, r = -1;
	size_t n;

	if ((cdbpath = pwindex_path(textpath)) == NULL ||
	    (tmp = malloc(strlen(cdbpath) + 32)) == NULL) {
		pwerr_set(err, "out of memory");
		goto out;
	}
	snprintf(tmp, strlen(cdbpath) + 32, "%s.tmp%ld", cdbpath,
	    (long)getpid());
	if ((tfd = open(textpath, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0 ||
	    fstat(tfd, &st) != 0) {
		pwerr_set(err, "cannot read %s: %s", textpath, strerror(errno));
		goto out;
	}
	if (st.st_size > 0) {
		text = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
		    tfd, 0);
		if (text == MAP_FAILED) {
			text = NULL;
			pwerr_set(err, "cannot map %s: %s", textpath,
			    strerror(errno));
			goto out;
		}
	}
	(void)unlink(tmp);
	cfd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (cfd < 0) {
		pwerr_set(err, "cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	/* same owner and group as the text, so the same readers can read it */
	if (fchown(cfd, st.st_uid, st.st_gid) != 0 && geteuid() == 0) {
		pwerr_set(err, "cannot chown %s: %s", tmp, strerror(errno));
		goto out;
	}
	/* readable by whoever may read the text; never more writable */
	if (fchmod(cfd, st.st_mode & 0644) != 0) {
		pwerr_set(err, "cannot chmod %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (pwindex_prepare != NULL && pwindex_prepare(cfd, tfd, err) != 0)
		goto out;
	cdb_make_start(&cm, cfd);
	stamp_of(&st, stamp, sizeof(stamp));
	if (cdb_make_add(&cm, KEY_STAMP, KEYLEN(KEY_STAMP), stamp,
	    (unsigned)strlen(stamp)) != 0)
		goto write_failed;
	if (!pwfile_dummy(text, (size_t)st.st_size, &l)) {
		l.field = "";
		l.fieldlen = 0;
	}
	if (cdb_make_add(&cm, KEY_DUMMY, KEYLEN(KEY_DUMMY), l.field,
	    (unsigned)l.fieldlen) != 0)
		goto write_failed;
	end = text + st.st_size;
	for (p = text; p != NULL && p < end; p = nl ? nl + 1 : NULL) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (pwfile_parse_line(p, n, &l) != PWL_ENTRY)
			continue;
		if (l.fieldlen > UINT32_MAX / 2 || l.loginlen > UINT32_MAX / 2)
			continue;
		if (cdb_make_add(&cm, l.login, (unsigned)l.loginlen, l.field,
		    (unsigned)l.fieldlen) != 0)
			goto write_failed;
	}
	if (cdb_make_finish(&cm) != 0 || fsync(cfd) != 0)
		goto write_failed;
	if (close(cfd) != 0) {
		cfd = -1;
		goto write_failed;
	}
	cfd = -1;
	if (rename(tmp, cdbpath) != 0) {
		pwerr_set(err, "cannot rename %s to %s: %s", tmp, cdbpath,
		    strerror(errno));
		goto out;
	}
	r = 0;
	goto out;
write_failed:
	pwerr_set(err, "cannot write %s: %s", tmp, strerror(errno));
out:
	if (cfd >= 0)
		close(cfd);
	if (r != 0 && tmp != NULL)
		(void)unlink(tmp);
	if (text != NULL)
		munmap((void *)text, (size_t)st.st_size);
	if (tfd >= 0)
		close(tfd);
	free(cdbpath);
	free(tmp);
	return r;
}
