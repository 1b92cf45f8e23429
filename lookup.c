/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* lookup.c: index or text.  pwfile.c knows the text's syntax, pwindex.c
 * the cdb files; this file joins them: it looks a login up through the
 * index when the index answers for the text as it is, else in the text,
 * and builds the index from a text. */
#define _GNU_SOURCE		/* memmem */
#define OPENSSL_SUPPRESS_DEPRECATED 1	/* SHA256_Init: see pwindex.c */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <openssl/sha.h>

#include "hmac_md5.h"
#include "lookup.h"

static char *
dupmem(const char *p, size_t len)
{
	char *s = malloc(len + 1);

	if (s != NULL) {
		memcpy(s, p, len);
		s[len] = '\0';
	}
	return s;
}

void
pwmatch_free(struct pwmatch *m)
{
	if (m->field != NULL) {
		wipe(m->field, m->fieldlen);
		free(m->field);
	}
	if (m->dummy != NULL) {
		wipe(m->dummy, m->dummylen);
		free(m->dummy);
	}
	m->field = m->dummy = NULL;
	m->fieldlen = m->dummylen = 0;
	m->found = 0;
}

int
pw_scan(const char *text, size_t size, const char *login, size_t loginlen,
    struct pwmatch *m)
{
	struct pwscan s;

	m->source = SRC_TEXT;
	if (pwfile_scan(text, size, login, loginlen, &s) != 0)
		return -1;
	if (s.has_dummy) {
		if ((m->dummy = dupmem(s.dummy.field, s.dummy.fieldlen)) ==
		    NULL)
			return -1;
		m->dummylen = s.dummy.fieldlen;
	}
	if (s.found) {
		if ((m->field = dupmem(s.hit.field, s.hit.fieldlen)) == NULL)
			return -1;
		m->fieldlen = s.hit.fieldlen;
		m->found = 1;
	}
	return 0;
}

/* A file truncated under our mapping raises SIGBUS: report, don't crash. */
static sigjmp_buf bus_jmp;

static void
on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

static int
scan_mapped(int fd, const char *path, size_t size, const char *login,
    size_t loginlen, struct pwmatch *m, struct pwerr *err)
{
	struct sigaction sa, old;
	void *map;
	int r;

	if (size == 0)
		return pw_scan("", 0, login, loginlen, m);
	map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		pwerr_set(err, "cannot map %s: %s", path, strerror(errno));
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jmp, 1) == 0) {
		r = pw_scan(map, size, login, loginlen, m);
		if (r != 0)
			pwerr_set(err, "out of memory scanning %s", path);
	} else {
		pwmatch_free(m);
		pwerr_set(err, "%s was truncated while being read", path);
		r = -1;
	}
	sigaction(SIGBUS, &old, NULL);
	munmap(map, size);
	return r;
}

int
pw_lookup(const char *path, const char *login, size_t loginlen,
    struct pwmatch *m, struct pwerr *err)
{
	struct pwindex_found f;
	struct stat st;
	char *cdbpath;
	int fd, r, state, valid;

	memset(m, 0, sizeof(*m));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		pwerr_set(err, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		pwerr_set(err, "cannot stat %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (pwfile_check_mode(path, &st, err) != 0) {
		close(fd);
		return -1;
	}
	if ((cdbpath = pwindex_path(path)) == NULL) {
		pwerr_set(err, "%s: path too long", path);
		close(fd);
		return -1;
	}
	/* a login no line can hold is looked up as no key, the same work */
	valid = pwfile_login_ok(login, loginlen);
	r = pwindex_lookup(cdbpath, &st, valid ? login : NULL,
	    valid ? loginlen : 0, &f, &state, err);
	free(cdbpath);
	m->index = state;
	if (r == 1) {
		m->found = f.found;
		m->field = f.field;
		m->fieldlen = f.fieldlen;
		m->dummy = f.dummy;
		m->dummylen = f.dummylen;
		m->source = SRC_INDEX;
		r = 0;
	} else if (r == 0) {
		r = scan_mapped(fd, path, (size_t)st.st_size, login, loginlen,
		    m, err);
		m->index = state;
	}
	close(fd);
	return r;
}

/* SHA256_Init, not EVP: EVP in cmd5checkpw's static binary would make
 * every login's exec relocate much more of libcrypto. */
int
pw_iov_digest(const struct iovec *iov, size_t niov, unsigned char md[32])
{
	SHA256_CTX c;
	size_t i;

	if (SHA256_Init(&c) != 1)
		return -1;
	for (i = 0; i < niov; i++)
		if (SHA256_Update(&c, iov[i].iov_base, iov[i].iov_len) != 1)
			return -1;
	return SHA256_Final(md, &c) == 1 ? 0 : -1;
}

int
pw_text_digest(const char *text, size_t size, unsigned char md[32])
{
	struct iovec iov;

	iov.iov_base = (void *)text;
	iov.iov_len = size;
	return pw_iov_digest(&iov, 1, md);
}

static size_t
linelen(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
}

/* One pass over the text: what its records take, its digest, its dummy
 * (as pwfile_dummy picks it), and into w the records w wants. */
struct pass {
	uint64_t est;
	unsigned char md[32];
	struct pwline dummy;
	size_t seen;
	int has_dummy;
	unsigned long best;	/* the dummy's crypt cost (pwfile_dummy) */
};

/* head: only as far as the dummy's choice looks (no w, no digest) */
static int
one_pass(const struct iovec *iov, size_t niov, struct pwindex_make *w,
    struct pass *ps, int digest, int head, struct pwerr *err)
{
	const char *p, *end;
	SHA256_CTX ctx;
	struct pwline l;
	struct verifier v;
	unsigned long cost;
	size_t i, n;
	int r = -1;

	memset(ps, 0, sizeof(*ps));
	if (SHA256_Init(&ctx) != 1) {
		pwerr_set(err, "cannot compute the text's digest");
		goto out;
	}
	for (i = 0; i < niov; i++) {
		p = iov[i].iov_base;
		end = p + iov[i].iov_len;
		if (digest && SHA256_Update(&ctx, p, iov[i].iov_len) != 1) {
			pwerr_set(err, "cannot compute the text's digest");
			goto out;
		}
		/* pieces end at line ends: no line spans two */
		for (; p < end; p += n + 1) {
			if (head && ps->seen >= PW_DUMMY_SPAN)
				break;
			n = linelen(p, end);
			if (pwfile_parse_line(p, n, &l) != PWL_ENTRY)
				continue;
			ps->est += PWINDEX_RECSIZE(l.loginlen, l.fieldlen);
			/* the same choice as pwfile_dummy's */
			if (ps->seen < PW_DUMMY_SPAN) {
				if (!ps->has_dummy)
					ps->dummy = l;
				ps->has_dummy = 1;
				ps->seen++;
				if (pwfile_field_crypt(l.field, l.fieldlen, &v) &&
				    (cost = pwfile_crypt_cost(v.p, v.len)) >
				    ps->best) {
					ps->dummy = l;
					ps->best = cost;
				}
			}
			if (w != NULL && pwindex_make_wants(w, l.login,
			    l.loginlen) && pwindex_make_add(w, l.login,
			    l.loginlen, l.field, l.fieldlen, err) != 0)
				goto out;
		}
	}
	if (SHA256_Final(ps->md, &ctx) != 1 && digest) {
		pwerr_set(err, "cannot compute the text's digest");
		goto out;
	}
	if (!ps->has_dummy) {
		ps->dummy.field = "";
		ps->dummy.fieldlen = 0;
	}
	r = 0;
out:
	return r;
}

/* The entries of key in the new text, in order: their fields (into the
 * pieces) and the offset of the first.  An entry line starts with "key:"
 * (pwfile_parse_line), and every piece starts a line, so memmem finds
 * them at memory speed.  0, or -1 out of memory. */
static int
entries_of(const struct iovec *iov, size_t niov, const char *key,
    size_t klen, struct pwindex_edit *e, size_t *first)
{
	const char **f = NULL;
	size_t *fl = NULL, n = 0, cap = 0, i, base = 0;
	struct pwline l;
	size_t off, len;

	*first = SIZE_MAX;
	/* every piece starts a line */
	for (i = 0; i < niov; base += iov[i].iov_len, i++)
		for (off = 0; pwfile_next_entry(iov[i].iov_base,
		    iov[i].iov_len, key, klen, &off, &len, &l); off += len) {
			if (n == cap) {
				const char **nf;
				size_t *nl;

				cap = cap ? 2 * cap : 4;
				if ((nf = realloc(f, cap * sizeof(*f))) == NULL)
					goto oom;
				f = nf;
				if ((nl = realloc(fl, cap * sizeof(*fl))) ==
				    NULL)
					goto oom;
				fl = nl;
			}
			if (n == 0)
				*first = base + off;
			f[n] = l.field;
			fl[n++] = l.fieldlen;
		}
	e->key = key;
	e->klen = klen;
	e->n = n;
	e->field = f;
	e->flen = fl;
	return 0;
oom:
	free(f);
	free(fl);
	return -1;
}

struct edit_at {
	struct pwindex_edit e;
	size_t first;
};

static int
by_first(const void *a, const void *b)
{
	const struct edit_at *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* CMD5PW_TEST_INDEX_TRACE (the tests; never in a set-id process): which
 * way an index was made, on stderr. */
static void
trace(const char *how)
{
	if (!getauxval(AT_SECURE) && getenv("CMD5PW_TEST_INDEX_TRACE") != NULL)
		fprintf(stderr, "cmd5pw: index: %s\n", how);
}

#define FROM_OLD_MAX 64		/* past this many logins, one parse is less */

struct pw_edits {
	size_t ne;
	struct edit_at *ea;	/* NEW ones in the text's order */
	struct pwindex_edit *e;
};

void
pw_edits_free(struct pw_edits *ed)
{
	size_t i;

	if (ed == NULL)
		return;
	for (i = 0; i < ed->ne; i++) {
		free((void *)ed->ea[i].e.field);
		free((void *)ed->ea[i].e.flen);
	}
	free(ed->ea);
	free(ed->e);
	free(ed);
}

struct pw_edits *
pw_edits_find(const struct iovec *iov, size_t niov, const char *const *keys,
    const size_t *klens, const int *kinds, size_t nkeys)
{
	struct pw_edits *ed;
	struct edit_at *ea;
	size_t i, k;

	if (kinds == NULL || nkeys == 0 || nkeys > FROM_OLD_MAX)
		return NULL;
	for (i = 0; i < nkeys; i++)
		if (kinds[i] != PWINDEX_SAME && kinds[i] != PWINDEX_DROP &&
		    kinds[i] != PWINDEX_NEW)
			return NULL;
	if ((ed = calloc(1, sizeof(*ed))) == NULL)
		return NULL;
	if ((ed->ea = calloc(nkeys, sizeof(*ed->ea))) == NULL ||
	    (ed->e = calloc(nkeys, sizeof(*ed->e))) == NULL)
		goto fail;
	ea = ed->ea;
	for (i = 0; i < nkeys; i++) {
		/* a login touched twice: once, if the same way */
		for (k = 0; k < ed->ne; k++)
			if (ea[k].e.klen == klens[i] &&
			    memcmp(ea[k].e.key, keys[i], klens[i]) == 0)
				break;
		if (k < ed->ne) {
			if (ea[k].e.kind != kinds[i])
				goto fail;
			continue;
		}
		if (entries_of(iov, niov, keys[i], klens[i], &ea[ed->ne].e,
		    &ea[ed->ne].first) != 0)
			goto fail;
		ea[ed->ne].e.kind = kinds[i];
		ed->ne++;		/* its arrays freed with ed from here */
		/* a new login: one line (cmd5pw add appends one each) */
		if (kinds[i] == PWINDEX_NEW && ea[ed->ne - 1].e.n != 1)
			goto fail;
	}
	/* the new logins after the rest, in the text's order */
	qsort(ea, ed->ne, sizeof(*ea), by_first);
	for (i = 0; i < ed->ne; i++)
		ed->e[i] = ea[i].e;
	return ed;
fail:
	pw_edits_free(ed);
	return NULL;
}

/* The shards of the changed logins rebuilt from their old files, not the
 * text, when every change says how it left the login's lines (ed) and
 * the caller has the digest: at ten million logins an edit then costs
 * the text's rewrite and one shard's copy, not a parse of every line.
 * 1 done, 0 not possible, -1 error. */
static int
update_from_old(const char *cdbpath, const struct iovec *iov, size_t niov,
    const struct stat *st, const struct stat *oldst,
    const struct pw_edits *ed, const unsigned char *digest,
    struct pwerr *err)
{
	struct pwindex_make *w = NULL;
	struct pwerr ignored;
	struct pass ps;
	unsigned n, want;
	size_t i;
	int r = 0;

	if (ed == NULL || digest == NULL)
		return 0;
	if ((w = pwindex_make_resume(cdbpath, oldst, st, &ignored)) == NULL)
		return 0;
	n = pwindex_make_shards(w);
	for (i = 0; i < ed->ne; i++)
		if (pwindex_make_touch(w, ed->e[i].key, ed->e[i].klen,
		    err) != 0) {
			r = -1;
			goto out;
		}
	if ((r = pwindex_make_from_old(w, ed->e, ed->ne, err)) != 1)
		goto out;
	r = 0;
	/* the dummy, as a full build picks it: from the first entries */
	if (one_pass(iov, niov, NULL, &ps, 0, 1, &ignored) != 0)
		goto out;
	want = pwindex_shards_for(pwindex_make_est(w));
	if (want > n || want * 4 < n)
		goto out;
	r = pwindex_make_finish(w, st, digest, ps.dummy.field,
	    ps.dummy.fieldlen, err) == 0 ? 1 : -1;
	w = NULL;		/* finish gave it back */
out:
	if (w != NULL)
		pwindex_make_abort(w);
	return r;
}

/* Only the shards of the changed logins, when the index was current for
 * the text before the change and keeps its shard count.  1 done, 0 not
 * possible (build it all), -1 error. */
static int
update(const char *cdbpath, const struct iovec *iov, size_t niov,
    const struct stat *st, const struct stat *oldst,
    const char *const *keys, const size_t *klens, size_t nkeys,
    const unsigned char *digest, struct pwerr *err)
{
	struct pwindex_make *w;
	struct pass ps;
	struct pwerr ignored;
	unsigned n, want;
	size_t i;

	if ((w = pwindex_make_resume(cdbpath, oldst, st, &ignored)) == NULL)
		return 0;
	n = pwindex_make_shards(w);
	for (i = 0; i < nkeys; i++)
		if (pwindex_make_touch(w, keys[i], klens[i], err) != 0) {
			pwindex_make_abort(w);
			return -1;
		}
	if (one_pass(iov, niov, w, &ps, digest == NULL, 0, &ignored) != 0) {
		pwindex_make_abort(w);
		return 0;	/* past the limit, say: the full build tells */
	}
	if (digest != NULL)
		memcpy(ps.md, digest, sizeof(ps.md));
	/* a text grown or shrunk past its shard count: build it all */
	want = pwindex_shards_for(ps.est);
	if (want > n || want * 4 < n) {
		pwindex_make_abort(w);
		return 0;
	}
	return pwindex_make_finish(w, st, ps.md, ps.dummy.field,
	    ps.dummy.fieldlen, err) == 0 ? 1 : -1;
}

/* SHA-256 of the pieces, for a thread of its own. */
struct digest_job {
	const struct iovec *iov;
	size_t niov;
	unsigned char md[32];
	int ok;
};

static void *
digest_job_run(void *arg)
{
	struct digest_job *d = arg;

	d->ok = pw_iov_digest(d->iov, d->niov, d->md) == 0;
	return NULL;
}

int
pw_index_update(const char *path, const struct iovec *iov, size_t niov,
    const struct stat *st, const struct stat *oldst,
    const char *const *keys, const size_t *klens,
    const struct pw_edits *edits, size_t nkeys, const unsigned char *digest,
    struct pwerr *err)
{
	struct pwindex_make *w;
	struct digest_job dj;
	unsigned char md[32];
	struct pass ps;
	pthread_t th;
	char *cdbpath;
	const char *how;
	int r = -1, threaded = 0;

	if ((cdbpath = pwindex_path(path)) == NULL) {
		pwerr_set(err, "%s: path too long", path);
		return -1;
	}
	if (oldst != NULL && nkeys > 0) {
		how = "the touched shards copied from their old files";
		r = update_from_old(cdbpath, iov, niov, st, oldst, edits,
		    digest, err);
		if (r == 0) {
			how = "the touched shards rebuilt from the text";
			r = update(cdbpath, iov, niov, st, oldst, keys, klens,
			    nkeys, digest, err);
		}
		if (r == 1)
			trace(how);
		if (r != 0)
			goto out;
		r = -1;
	}
	trace("all of it built from the text");
	/* the text's digest on the second core, while the two passes run */
	dj.iov = iov;
	dj.niov = niov;
	dj.ok = 0;
	threaded = digest == NULL &&
	    pthread_create(&th, NULL, digest_job_run, &dj) == 0;
	if (digest == NULL && !threaded)
		(void)digest_job_run(&dj);
	/* the shards this text needs, from the bytes its records take */
	if (one_pass(iov, niov, NULL, &ps, 0, 0, err) != 0)
		goto joined;
	w = pwindex_make_start(cdbpath, pwindex_shards_for(ps.est), st, err);
	if (w == NULL)
		goto joined;
	if (one_pass(iov, niov, w, &ps, 0, 0, err) != 0) {
		pwindex_make_abort(w);
		goto joined;
	}
	if (threaded && pthread_join(th, NULL) != 0) {
		threaded = 0;
		pwerr_set(err, "cannot compute the text's digest");
		pwindex_make_abort(w);
		goto out;
	}
	threaded = 0;
	if (digest != NULL)
		memcpy(md, digest, sizeof(md));
	else if (dj.ok)
		memcpy(md, dj.md, sizeof(md));
	else {
		pwerr_set(err, "cannot compute the text's digest");
		pwindex_make_abort(w);
		goto out;
	}
	r = pwindex_make_finish(w, st, md, ps.dummy.field,
	    ps.dummy.fieldlen, err) == 0 ? 0 : -1;
joined:
	if (threaded)
		(void)pthread_join(th, NULL);
out:
	free(cdbpath);
	return r < 0 ? -1 : 0;
}

int
pw_index_build(const char *path, const char *text, size_t size,
    const struct stat *st, struct pwerr *err)
{
	struct iovec iov;

	iov.iov_base = (void *)text;
	iov.iov_len = size;
	return pw_index_update(path, &iov, 1, st, NULL, NULL, NULL, NULL, 0,
	    NULL, err);
}

int
pw_index_build_file(const char *path, struct pwerr *err)
{
	struct stat st;
	void *map = NULL;
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0 ||
	    fstat(fd, &st) != 0) {
		pwerr_set(err, "cannot read %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (st.st_size > 0 && (map = mmap(NULL, (size_t)st.st_size,
	    PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		pwerr_set(err, "cannot map %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	r = pw_index_build(path, map ? map : "", (size_t)st.st_size, &st, err);
	if (map != NULL)
		munmap(map, (size_t)st.st_size);
	close(fd);
	return r;
}

struct entries {
	const char *p, *end;
};

static int
next_entry(void *ctx, const char **k, size_t *klen, const char **v,
    size_t *vlen)
{
	struct entries *e = ctx;
	struct pwline l;
	size_t n;

	while (e->p < e->end) {
		n = linelen(e->p, e->end);
		e->p += n + 1;
		if (pwfile_parse_line(e->p - n - 1, n, &l) == PWL_ENTRY) {
			*k = l.login;
			*klen = l.loginlen;
			*v = l.field;
			*vlen = l.fieldlen;
			return 1;
		}
	}
	return 0;
}

int
pw_index_verify(const char *path, const char *text, size_t size,
    const struct stat *st, struct pwindex_info *info, int *state,
    struct pwerr *err)
{
	struct entries e = { text, text + size };
	char *cdbpath;
	int r;

	if ((cdbpath = pwindex_path(path)) == NULL) {
		pwerr_set(err, "%s: path too long", path);
		return -1;
	}
	r = pwindex_verify(cdbpath, st, next_entry, &e, info, state, err);
	free(cdbpath);
	return r;
}

static int
in_groups(gid_t g)
{
	gid_t list[256];
	int i, n;

	if (g == getgid())
		return 1;
	if ((n = getgroups((int)(sizeof(list) / sizeof(list[0])), list)) < 0)
		return 1;	/* too many to tell: assume the worst */
	for (i = 0; i < n; i++)
		if (list[i] == g)
			return 1;
	return 0;
}

/* Whether uid (0: nobody in particular) could replace the entry, owned by
 * owner, of directory dir. */
static int
replaceable(const struct stat *dir, uid_t owner, uid_t uid)
{
	int sticky = (dir->st_mode & S_ISVTX) != 0;

	if ((dir->st_mode & S_IWOTH) && !sticky)
		return 1;
	if (uid == 0)
		return 0;
	if (sticky && owner != uid && dir->st_uid != uid)
		return 0;
	return (dir->st_uid == uid && (dir->st_mode & S_IWUSR)) ||
	    (in_groups(dir->st_gid) && (dir->st_mode & S_IWGRP)) ||
	    (dir->st_mode & S_IWOTH);
}

/* Each directory from path's up to "/": none may let uid replace what
 * it holds.  path is modified. */
static int
check_dirs(char *path, uid_t owner, uid_t uid, const char *file,
    struct pwerr *err)
{
	struct stat st;
	char *slash;

	for (;;) {
		if ((slash = strrchr(path, '/')) == NULL)
			return 0;
		if (slash == path)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(path, &st) != 0) {
			pwerr_set(err, "cannot stat %s: %s", path,
			    strerror(errno));
			return -1;
		}
		if (replaceable(&st, owner, uid)) {
			pwerr_set(err, "refusing %s: directory %s lets %s replace "
			    "it (chmod go-w, chown root)", file, path,
			    st.st_mode & S_IWOTH ? "anyone" : "the uid running "
			    "cmd5checkpw");
			return -1;
		}
		if (slash == path)
			return 0;
		owner = st.st_uid;
	}
}

static int
check_writers_of(const char *path, int must_exist, struct pwerr *err)
{
	uid_t uid = getuid();
	struct stat st;
	char *real, *lexical;
	int r;

	if (stat(path, &st) != 0) {
		if (!must_exist && errno == ENOENT)
			return 0;
		pwerr_set(err, "cannot stat %s: %s", path, strerror(errno));
		return -1;
	}
	if (uid != 0 && st.st_uid == uid) {
		pwerr_set(err, "refusing %s: owned by uid %lu, which runs "
		    "cmd5checkpw: whoever controls that uid could change every "
		    "password (chown root)", path, (unsigned long)uid);
		return -1;
	}
	if ((real = realpath(path, NULL)) == NULL) {
		pwerr_set(err, "cannot resolve %s: %s", path, strerror(errno));
		return -1;
	}
	r = check_dirs(real, st.st_uid, uid, path, err);
	free(real);
	/* a symlink's own directory: whoever may write it may repoint it */
	if (r == 0 && strchr(path, '/') != NULL && lstat(path, &st) == 0) {
		if ((lexical = strdup(path)) == NULL) {
			pwerr_set(err, "out of memory");
			return -1;
		}
		r = check_dirs(lexical, st.st_uid, uid, path, err);
		free(lexical);
	}
	return r;
}

int
pwfile_check_writers(const char *path, struct pwerr *err)
{
	char *cdbpath;
	int r;

	if (check_writers_of(path, 1, err) != 0)
		return -1;
	if ((cdbpath = pwindex_path(path)) == NULL) {
		pwerr_set(err, "%s: path too long", path);
		return -1;
	}
	r = check_writers_of(cdbpath, 0, err);
	free(cdbpath);
	return r;
}
