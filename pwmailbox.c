/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* memmem */
#endif
/* pwmailbox.c: cmd5pw's mailbox fields and Dovecot passwd-file export
 * (pwmailbox.h): the pure helpers (mbx_*), then the two commands. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hmac_md5.h"
#include "mailbox.h"
#include "pwfile.h"
#include "pwindex.h"
#include "pwmailbox.h"
#include "txn.h"
#include "util.h"

struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	char *np;
	size_t cap;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = (b->len + n + 1) * 2;
		if ((np = realloc(b->p, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static char *
sb_done(struct sbuf *b, size_t *outlen)
{
	if (b->oom) {
		free(b->p);
		return NULL;
	}
	if (b->p == NULL)
		sb_add(b, "", 0);
	if (b->oom)
		return NULL;
	*outlen = b->len;
	return b->p;
}

/* The ':'-separated elements of a verifier field, one per call: *p is
 * where the next one starts (the field itself at first), end the field's
 * end.  Sets [*s, *e) and returns 1, or 0 after the last. */
static int
next_elem(const char **p, const char *end, const char **s, const char **e)
{
	const char *q;

	if (*p == NULL || *p > end)
		return 0;
	q = memchr(*p, ':', (size_t)(end - *p));
	*s = *p;
	*e = q != NULL ? q : end;
	*p = q != NULL ? q + 1 : end + 1;
	return 1;
}

char *
mbx_join(const char *verifiers, size_t vlen, const char *from,
    size_t fromlen, size_t *outlen)
{
	struct sbuf b = { 0 };
	const char *p, *q;
	struct mbfields f;
	const char *why;

	sb_add(&b, verifiers, vlen);
	/* a legacy plaintext field has no mailbox fields: its ':' are
	 * part of the password */
	if (from != NULL && mb_parse(from, fromlen, &f, &why) == 0 &&
	    (f.has_uid || f.has_gid || f.has_home)) {
		const char *it = from;

		while (next_elem(&it, from + fromlen, &p, &q))
			if (mb_is_field(p, (size_t)(q - p))) {
				sb_add(&b, ":", 1);
				sb_add(&b, p, (size_t)(q - p));
			}
	}
	return sb_done(&b, outlen);
}

static int
is_legacy(const char *field, size_t len)
{
	while (len > 0 && (*field == '!' || *field == '*')) {
		field++;
		len--;
	}
	return len > 0 && field[0] != '$' && field[0] != '{';
}

char *
mbx_edit(const char *field, size_t len, char *const *assign, int n,
    size_t *outlen, const char **why)
{
	const char *val[3] = { NULL, NULL, NULL };	/* uid, gid, home */
	size_t vlen[3] = { 0, 0, 0 };
	static const char *const names[3] = { "uid=", "gid=", "home=" };
	struct sbuf b = { 0 };
	struct mbfields f;
	const char *p, *q, *it;
	unsigned long id;
	int i, k, first = 1;

	if (len == 0 || is_legacy(field, len)) {
		*why = "a legacy plaintext password cannot carry mailbox "
		    "fields (its colons are part of it): set a new one with "
		    "cmd5pw passwd, or cmd5pw migrate";
		return NULL;
	}
	if (mb_parse(field, len, &f, why) != 0)
		return NULL;
	it = field;
	while (next_elem(&it, field + len, &p, &q))
		for (k = 0; k < 3; k++)
			if ((size_t)(q - p) >= strlen(names[k]) &&
			    memcmp(p, names[k], strlen(names[k])) == 0) {
				val[k] = p + strlen(names[k]);
				vlen[k] = (size_t)(q - p) - strlen(names[k]);
			}
	for (i = 0; i < n; i++) {
		for (k = 0; k < 3; k++)
			if (strncmp(assign[i], names[k], strlen(names[k])) == 0)
				break;
		if (k == 3) {
			*why = "expected uid=N, gid=N or home=/path";
			return NULL;
		}
		val[k] = assign[i] + strlen(names[k]);
		vlen[k] = strlen(val[k]);
		if (vlen[k] == 0)
			val[k] = NULL;		/* removed */
		else if (k < 2 && mb_parse_id(val[k], vlen[k], &id) != 0) {
			*why = "uid and gid are decimal numbers below 2^31";
			return NULL;
		} else if (k == 2 && !mb_home_ok(val[k], vlen[k])) {
			*why = "home must be an absolute path without ':', "
			    "empty, '.' or '..' parts";
			return NULL;
		}
	}
	it = field;
	while (next_elem(&it, field + len, &p, &q)) {
		if (mb_is_field(p, (size_t)(q - p)))
			continue;
		if (!first)
			sb_add(&b, ":", 1);
		sb_add(&b, p, (size_t)(q - p));
		first = 0;
	}
	for (k = 0; k < 3; k++) {
		if (val[k] == NULL)
			continue;
		sb_add(&b, ":", 1);
		sb_add(&b, names[k], strlen(names[k]));
		sb_add(&b, val[k], vlen[k]);
	}
	if ((p = sb_done(&b, outlen)) == NULL)
		*why = "out of memory";
	return (char *)p;
}

void
mbx_show(const char *field, size_t len, char *dst, size_t size)
{
	struct mbfields f;
	const char *why;
	int n = 0;

	dst[0] = '\0';
	if (mb_parse(field, len, &f, &why) != 0) {
		snprintf(dst, size, "mailbox fields malformed: %s", why);
		return;
	}
	if (f.has_uid)
		n += snprintf(dst + n, size - (size_t)n, "uid=%lu", f.uid);
	if (f.has_gid && (size_t)n < size)
		n += snprintf(dst + n, size - (size_t)n, "%sgid=%lu",
		    n ? " " : "", f.gid);
	if (f.has_home && (size_t)n < size)
		snprintf(dst + n, size - (size_t)n, "%shome=%.*s", n ? " " : "",
		    (int)f.homelen, f.home);
}

int
mbx_check(const char *field, size_t len,
    void (*report)(int error, const char *msg, void *arg), void *arg)
{
	char home[MB_HOME_MAX + 1], msg[MB_HOME_MAX + 200];
	struct mbfields f;
	struct stat st;
	const char *why;
	int n = 0, fd;

	if (is_legacy(field, len)) {
		if (memmem(field, len, ":uid=", 5) || memmem(field, len,
		    ":gid=", 5) || memmem(field, len, ":home=", 6)) {
			report(0, "legacy plaintext password holding ':uid=', "
			    "':gid=' or ':home=': that is part of the "
			    "password, not a mailbox field", arg);
			n++;
		}
		return n;
	}
	if (mb_parse(field, len, &f, &why) != 0) {
		snprintf(msg, sizeof(msg), "mailbox fields: %s: the login "
		    "fails with 111", why);
		report(1, msg, arg);
		return 1;
	}
	if ((f.has_uid && f.uid == 0) || (f.has_gid && f.gid == 0)) {
		report(0, "uid or gid 0: cmd5checkpw refuses it without -r",
		    arg);
		n++;
	}
	if (!f.has_home)
		return n;
	memcpy(home, f.home, f.homelen);
	home[f.homelen] = '\0';
	/* opened as cmd5checkpw opens it: name by name, no symlink */
	if ((fd = mb_open_dir(home, NULL, &why)) < 0) {
		snprintf(msg, sizeof(msg), "home %s: %s", home, why);
		report(0, msg, arg);
		n++;
	} else if (fstat(fd, &st) != 0) {
		snprintf(msg, sizeof(msg), "home %s: cannot stat", home);
		report(0, msg, arg);
		n++;
	} else if (f.has_uid && st.st_uid != (uid_t)f.uid) {
		snprintf(msg, sizeof(msg), "home %s is owned by uid %lu, not "
		    "by the login's uid %lu", home, (unsigned long)st.st_uid,
		    f.uid);
		report(0, msg, arg);
		n++;
	}
	if (fd >= 0)
		close(fd);
	return n;
}

/* The one password field Dovecot gets: a crypt hash, else {CRAM-MD5}. */
static int
dovecot_password(const char *field, size_t len, struct sbuf *b)
{
	struct verifier v[PW_MAXVERIFIERS];
	size_t i, n;
	int k;

	if (len == 0 || field[0] == '!' || field[0] == '*' ||
	    is_legacy(field, len))
		return 0;
	n = pwfile_verifiers(field, len, v, PW_MAXVERIFIERS);
	for (k = 0; k < 2; k++)
		for (i = 0; i < n; i++) {
			if (k == 0 && v[i].kind == VK_CRYPT) {
				sb_add(b, "{CRYPT}", 7);
				sb_add(b, v[i].p, v[i].len);
				return 1;
			}
			if (k == 1 && v[i].kind == VK_CRAM) {
				sb_add(b, "{CRAM-MD5}", 10);
				sb_add(b, v[i].p, v[i].len);
				return 1;
			}
		}
	return 0;
}

/* A login Dovecot's passwd-file reads back as it is. */
static int
dovecot_login_ok(const char *s, size_t len)
{
	size_t i;

	if (!pwfile_login_ok(s, len))
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return 0;
	return 1;
}

/* The logins already exported: open addressing over pointers into the
 * text, sized for every line of it. */
struct seen {
	const char **k;
	size_t *klen, cap;
};

static int
seen_add(struct seen *h, const char *k, size_t len)
{
	size_t i = 5381, j;

	for (j = 0; j < len; j++)
		i = i * 33 + (unsigned char)k[j];
	for (i %= h->cap; h->k[i] != NULL; i = (i + 1) % h->cap)
		if (h->klen[i] == len && memcmp(h->k[i], k, len) == 0)
			return 1;
	h->k[i] = k;
	h->klen[i] = len;
	return 0;
}

static int
fsync_parent(const char *file, char *err, size_t errsize)
{
	char dir[4200];
	const char *slash = strrchr(file, '/');
	size_t n = slash == NULL ? 1 : slash == file ? 1 : (size_t)(slash - file);
	int fd, r;

	if (n >= sizeof(dir))
		return 0;
	memcpy(dir, slash == NULL ? "." : file, n);
	dir[n] = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		r = -1;
	else {
		r = fsync(fd);
		close(fd);
	}
	if (r != 0)
		snprintf(err, errsize, "cannot fsync directory %s: %s", dir,
		    strerror(errno));
	return r;
}

static int
write_file(const char *tmp, const char *dest, const char *p, size_t n,
    const struct stat *like, char *err, size_t errsize)
{
	ssize_t r;
	struct stat old;
	int fd;

	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		snprintf(err, errsize, "cannot create %s: %s", tmp,
		    strerror(errno));
		return -1;
	}
	if ((like != NULL && fchown(fd, like->st_uid, like->st_gid) != 0 &&
	    geteuid() == 0) ||
	    fchmod(fd, like != NULL ? like->st_mode & 0750 : 0640) != 0) {
		snprintf(err, errsize, "cannot set the owner or mode of %s: %s",
		    tmp, strerror(errno));
		goto fail;
	}
	while (n > 0) {
		r = write(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errsize, "cannot write %s: %s", tmp,
			    strerror(errno));
			goto fail;
		}
		p += r;
		n -= (size_t)r;
	}
	/* Dovecot 2.3 rereads a passwd-file when its mtime (in seconds) or
	 * size changes: a change within the second of the last export,
	 * same size (a new hash of the same scheme), would go unseen. */
	if (lstat(dest, &old) == 0 && time(NULL) <= old.st_mtime) {
		struct timespec ts[2];

		ts[0].tv_sec = ts[1].tv_sec = old.st_mtime + 1;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		if (futimens(fd, ts) != 0) {
			snprintf(err, errsize, "cannot set the time of %s: %s",
			    tmp, strerror(errno));
			goto fail;
		}
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		snprintf(err, errsize, "cannot write %s: %s", tmp,
		    strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, dest) != 0) {
		snprintf(err, errsize, "cannot rename %s to %s: %s", tmp, dest,
		    strerror(errno));
		goto fail;
	}
	return fsync_parent(dest, err, errsize);
fail:
	if (fd >= 0)
		close(fd);
	(void)unlink(tmp);
	return -1;
}

int
mbx_export_dovecot(const char *src, size_t len, const char *dest,
    const struct stat *like, size_t *exported, size_t *skipped, char *err,
    size_t errsize)
{
	const char *p = src, *end = src + len, *nl;
	char tmp[4200], num[24];
	struct sbuf b = { 0 };
	struct seen h;
	struct mbfields f;
	struct pwline l;
	const char *why;
	size_t n, mark;
	int r;

	*exported = *skipped = 0;
	for (h.cap = 2, p = src; p < end; p++)
		h.cap += *p == '\n';
	h.cap *= 2;
	h.k = calloc(h.cap, sizeof(*h.k));
	h.klen = calloc(h.cap, sizeof(*h.klen));
	if (h.k == NULL || h.klen == NULL) {
		free(h.k);
		free(h.klen);
		snprintf(err, errsize, "out of memory exporting %s", dest);
		return -1;
	}
	p = src;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.cmd5pw-tmp", dest) >=
	    sizeof(tmp)) {
		snprintf(err, errsize, "%s: path too long", dest);
		return -1;
	}
	for (; p < end; p += n + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (pwfile_parse_line(p, n, &l) != PWL_ENTRY ||
		    seen_add(&h, l.login, l.loginlen))
			continue;	/* the first line of a login counts */
		mark = b.len;
		if (!dovecot_login_ok(l.login, l.loginlen) ||
		    mb_parse(l.field, l.fieldlen, &f, &why) != 0) {
			(*skipped)++;
			continue;
		}
		sb_add(&b, l.login, l.loginlen);
		sb_add(&b, ":", 1);
		if (!dovecot_password(l.field, l.fieldlen, &b)) {
			b.len = mark;
			(*skipped)++;
			continue;
		}
		sb_add(&b, ":", 1);
		if (f.has_uid) {
			snprintf(num, sizeof(num), "%lu", f.uid);
			sb_add(&b, num, strlen(num));
		}
		sb_add(&b, ":", 1);
		if (f.has_gid) {
			snprintf(num, sizeof(num), "%lu", f.gid);
			sb_add(&b, num, strlen(num));
		}
		sb_add(&b, "::", 2);
		if (f.has_home)
			sb_add(&b, f.home, f.homelen);
		sb_add(&b, "::\n", 3);
		(*exported)++;
	}
	free(h.k);
	free(h.klen);
	if (b.oom) {
		free(b.p);
		snprintf(err, errsize, "out of memory exporting %s", dest);
		return -1;
	}
	r = write_file(tmp, dest, b.p != NULL ? b.p : "", b.len, like, err,
	    errsize);
	if (b.p != NULL) {
		wipe(b.p, b.len);	/* hashes: not secrets, but kept close */
		free(b.p);
	}
	return r;
}

/* ---- the commands ---- */

const char *dovecot_path;

void
export_dovecot(const char *dest, const char *t, size_t len)
{
	char err[4400];
	size_t done, skipped;
	struct stat st, pw;
	const struct stat *like = NULL;

	/* an existing export keeps the owner, group and mode given to it
	 * (e.g. group dovecot), a new one gets the password file's as it
	 * is now (commit() may just have created it) */
	if (lstat(dest, &st) == 0 && S_ISREG(st.st_mode))
		like = &st;
	else if (stat(path, &pw) == 0)
		like = &pw;
	if (mbx_export_dovecot(t, len, dest, like, &done, &skipped, err,
	    sizeof(err)) != 0)
		die(EXIT_SYS, "%s (%s is up to date; cmd5pw dovecot %s "
		    "exports it again)", err, path, dest);
	if (skipped > 0)
		warn("warning: %s: %zu login%s not exported: no crypt hash or "
		    "CRAM-MD5 verifier (plaintext only, locked, or "
		    "malformed)", dest, skipped, skipped == 1 ? "" : "s");
}

/* mailbox LOGIN: shows the fields; mailbox LOGIN uid=N...: sets them
 * (an empty value removes one) on the line in force. */
int
cmd_mailbox(const char *login, char *const *assign, int n)
{
	struct pwline pl;
	struct line l;
	const char *why;
	char shown[1200] = "", *f;
	size_t off = 0, len = strlen(login), flen;
	int done = 0;

	if (!pwfile_login_ok(login, len))
		die(EXIT_REJECT, "invalid login \"%s\"", esc(login, len));
	if (n > 0)
		lock_file();
	read_text(n > 0, 0);
	while (next_line(text, textlen, &off, &l)) {
		if (done || pwfile_parse_line(l.p, l.len, &pl) != PWL_ENTRY ||
		    pl.loginlen != len || memcmp(pl.login, login, len) != 0) {
			out_add(l.p, l.full);
			continue;
		}
		done = 1;
		if (n == 0) {
			mbx_show(pl.field, pl.fieldlen, shown, sizeof(shown));
			printf("%s\t%s\n", esc(login, len),
			    shown[0] ? shown : "no mailbox fields");
			return fflush(stdout) == 0 ? 0 : EXIT_SYS;
		}
		if ((f = mbx_edit(pl.field, pl.fieldlen, assign, n, &flen,
		    &why)) == NULL)
			die(strcmp(why, "out of memory") == 0 ? EXIT_SYS :
			    EXIT_REJECT, "%s: %s: %s", path, esc(login, len),
			    why);
		out_line(login, len, f, flen, l.len > 0 &&
		    l.p[l.len - 1] == '\r');
		txn_touch_as(login, len, PWINDEX_SAME);
		mbx_show(f, flen, shown, sizeof(shown));
		wipe(f, flen);
		free(f);
	}
	if (!done)
		die(EXIT_REJECT, "%s: no login %s", path, esc(login, len));
	commit();
	fprintf(stderr, "cmd5pw: %s: %s: %s\n", path, esc(login, len),
	    shown[0] ? shown : "no mailbox fields");
	return 0;
}

/* dovecot FILE: the passwd-file now, from the text as it is. */
int
cmd_dovecot(const char *dest)
{
	lock_file();
	read_text(0, 0);
	export_dovecot(dest, text, textlen);
	fprintf(stderr, "cmd5pw: %s: exported to %s\n", path, dest);
	return 0;
}
