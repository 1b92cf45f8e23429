/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* txn.c: the transaction every cmd5pw writer shares (txn.h): the lock,
 * reading the text, the temp file with the old file's owner, group and
 * mode, fsync, rename, the index rebuild, and the signals in between. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/acl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <acl/libacl.h>

#include "hmac_md5.h"
#include "log.h"
#include "lookup.h"
#include "password.h"
#include "pwfile.h"
#include "pwindex.h"
#include "pwmailbox.h"
#include "txn.h"
#include "util.h"

char *text;
size_t textlen;
struct stat text_st;
struct outv out;

/* the logins touched, for the index */
static const char **touched;
static size_t *touchedlen, ntouched, touchedcap;
static int *touchedkind;	/* PWINDEX_SAME, ... (pwindex.h) */

void
out_add(const void *p, size_t n)
{
	struct iovec *last = out.n ? &out.v[out.n - 1] : NULL;

	if (n == 0)
		return;
	out.len += n;
	/* the unchanged lines of the text come as one piece */
	if (last != NULL && (const char *)last->iov_base + last->iov_len ==
	    (const char *)p) {
		last->iov_len += n;
		return;
	}
	if (out.n == out.cap) {
		size_t ncap = out.cap ? 2 * out.cap : 64;
		struct iovec *nv = realloc(out.v, ncap * sizeof(*nv));

		if (nv == NULL)
			die(EXIT_SYS, "out of memory");
		out.v = nv;
		out.cap = ncap;
	}
	out.v[out.n].iov_base = (void *)p;
	out.v[out.n].iov_len = n;
	out.n++;
}

/* lines made for out: wiped and freed when commit() returns */
static struct buf *owned;
static size_t nowned, ownedcap;

void
out_line(const char *a, size_t alen, const char *b, size_t blen, int cr)
{
	struct buf *l;

	if (nowned == ownedcap) {
		size_t ncap = ownedcap ? 2 * ownedcap : 16;
		struct buf *no = realloc(owned, ncap * sizeof(*no));

		if (no == NULL)
			die(EXIT_SYS, "out of memory");
		owned = no;
		ownedcap = ncap;
	}
	l = &owned[nowned++];
	memset(l, 0, sizeof(*l));
	buf_add(l, a, alen);
	buf_add(l, ":", 1);
	buf_add(l, b, blen);
	buf_add(l, cr ? "\r\n" : "\n", cr ? 2 : 1);
	out_add(l->p, l->len);
}

static void
out_free(void)
{
	size_t i;

	for (i = 0; i < nowned; i++)
		buf_free(&owned[i]);
	free(owned);
	owned = NULL;
	nowned = ownedcap = 0;
	/* a long-running writer (cmd5pw follow) commits again */
	free(out.v);
	memset(&out, 0, sizeof(out));
}

int
out_last(void)
{
	const struct iovec *last = out.n ? &out.v[out.n - 1] : NULL;

	return last ? ((const unsigned char *)last->iov_base)[last->iov_len -
	    1] : -1;
}

void
out_flatten(struct buf *b)
{
	size_t i;

	for (i = 0; i < out.n; i++)
		buf_add(b, out.v[i].iov_base, out.v[i].iov_len);
}

void
txn_touch(const char *login, size_t len)
{
	txn_touch_as(login, len, PWINDEX_ANY);
}

void
txn_touch_as(const char *login, size_t len, int kind)
{
	if (ntouched == touchedcap) {
		size_t ncap = touchedcap ? 2 * touchedcap : 16;
		const char **nt = realloc(touched, ncap * sizeof(*nt));
		size_t *nl;
		int *nk;

		if (nt == NULL)
			die(EXIT_SYS, "out of memory");
		touched = nt;
		if ((nl = realloc(touchedlen, ncap * sizeof(*nl))) == NULL)
			die(EXIT_SYS, "out of memory");
		touchedlen = nl;
		if ((nk = realloc(touchedkind, ncap * sizeof(*nk))) == NULL)
			die(EXIT_SYS, "out of memory");
		touchedkind = nk;
		touchedcap = ncap;
	}
	touched[ntouched] = login;
	touchedkind[ntouched] = kind;
	touchedlen[ntouched++] = len;
}

/* The text's access ACL when it has more than the mode says (setfacl -m
 * u:qmaild:r): the new text and the index get it too, or the front ends
 * it lets in would get 111 after the next change. */
static acl_t text_acl;

/* What a signal handler must undo. */
static char tmp_path[4200];
static volatile sig_atomic_t tmp_active, committing, got_signal;

void
txn_remove_temp(void)
{
	if (tmp_active)
		(void)unlink(tmp_path);
}

/* Before the rename an interrupt undoes everything; after it, the change
 * is made and only the index is left to build, so finish that first. */
static void
on_signal(int sig)
{
	if (committing) {
		got_signal = sig;
		return;
	}
	tty_restore();
	txn_remove_temp();
	signal(sig, SIG_DFL);
	raise(sig);
}

void
catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

static void
resend_deferred_signal(void)
{
	int sig = got_signal;

	committing = 0;
	if (sig != 0) {
		wipe_all();
		signal(sig, SIG_DFL);
		raise(sig);
	}
}

/* ---- the file ---- */

static int lock_fd = -1;
static int text_exists;

/* The permissions of the ACL's owning-group entry, as mode bits 0-7. */
static mode_t
acl_group_obj(acl_t a)
{
	acl_entry_t e;
	acl_tag_t tag;
	acl_permset_t ps;
	mode_t m = 0;
	int r;

	for (r = acl_get_entry(a, ACL_FIRST_ENTRY, &e); r == 1;
	    r = acl_get_entry(a, ACL_NEXT_ENTRY, &e))
		if (acl_get_tag_type(e, &tag) == 0 && tag == ACL_GROUP_OBJ &&
		    acl_get_permset(e, &ps) == 0) {
			m |= acl_get_perm(ps, ACL_READ) == 1 ? 4 : 0;
			m |= acl_get_perm(ps, ACL_WRITE) == 1 ? 2 : 0;
			m |= acl_get_perm(ps, ACL_EXECUTE) == 1 ? 1 : 0;
		}
	return m;
}

/* pwindex_prepare: the index gets the text's ACL, without write or
 * execute for anyone but the owner (it is never more writable). */
static int
index_acl(int tmpfd, struct pwerr *err)
{
	acl_entry_t e;
	acl_tag_t tag;
	acl_permset_t ps;
	acl_t a;
	int r, rc = 0;

	if ((a = acl_get_file(path, ACL_TYPE_ACCESS)) == NULL)
		return 0;
	if (acl_equiv_mode(a, NULL) == 1) {
		for (r = acl_get_entry(a, ACL_FIRST_ENTRY, &e); r == 1;
		    r = acl_get_entry(a, ACL_NEXT_ENTRY, &e))
			if (acl_get_tag_type(e, &tag) == 0 &&
			    acl_get_permset(e, &ps) == 0) {
				if (tag != ACL_USER_OBJ)
					acl_delete_perm(ps, ACL_WRITE);
				acl_delete_perm(ps, ACL_EXECUTE);
				acl_set_permset(e, ps);
			}
		if (acl_calc_mask(&a) != 0 || acl_set_fd(tmpfd, a) != 0) {
			pwerr_set(err, "cannot give the index of %s the ACL of "
			    "the text: %s", path, strerror(errno));
			rc = -1;
		}
	}
	acl_free(a);
	return rc;
}

int
text_readers(void)
{
	acl_entry_t e;
	acl_tag_t tag;
	acl_permset_t ps;
	int r, mask = 1, named = 0;

	if (text_acl == NULL)
		return (text_st.st_mode & (S_IRGRP | S_IROTH)) != 0;
	for (r = acl_get_entry(text_acl, ACL_FIRST_ENTRY, &e); r == 1;
	    r = acl_get_entry(text_acl, ACL_NEXT_ENTRY, &e)) {
		if (acl_get_tag_type(e, &tag) != 0 ||
		    acl_get_permset(e, &ps) != 0 || acl_get_perm(ps, ACL_READ) != 1)
			continue;
		if (tag == ACL_OTHER)
			return 1;
		if (tag == ACL_USER || tag == ACL_GROUP || tag == ACL_GROUP_OBJ)
			named = 1;
	}
	/* entries other than the owner's and others' count through the mask */
	for (r = acl_get_entry(text_acl, ACL_FIRST_ENTRY, &e); r == 1;
	    r = acl_get_entry(text_acl, ACL_NEXT_ENTRY, &e))
		if (acl_get_tag_type(e, &tag) == 0 && tag == ACL_MASK &&
		    acl_get_permset(e, &ps) == 0)
			mask = acl_get_perm(ps, ACL_READ) == 1;
	return named && mask;
}

/* Who holds the flock(2) on fd: /proc/locks names the inode and the PID
 * ("1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"). */
static void
lock_holder(int fd, char *b, size_t size)
{
	char line[256], comm[64] = "?", cp[64];
	struct stat st;
	unsigned long long ino;
	long pid;
	FILE *f;
	size_t n;

	snprintf(b, size, "another process");
	if (fstat(fd, &st) != 0 || (f = fopen("/proc/locks", "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, "FLOCK") != NULL && strstr(line, "->") ==
		    NULL && sscanf(line, "%*s FLOCK %*s %*s %ld %*x:%*x:%llu",
		    &pid, &ino) == 2 && ino == (unsigned long long)st.st_ino &&
		    pid > 0 && pid != (long)getpid()) {
			snprintf(cp, sizeof(cp), "/proc/%ld/comm", pid);
			FILE *c = fopen(cp, "re");
			if (c != NULL) {
				if (fgets(comm, sizeof(comm), c) != NULL &&
				    (n = strlen(comm)) > 0 && comm[n - 1] == '\n')
					comm[n - 1] = '\0';
				fclose(c);
			}
			log_escape(comm, strlen(comm), cp, sizeof(cp));
			snprintf(b, size, "PID %ld (%s)", pid, cp);
			break;
		}
	fclose(f);
}

void
lock_file(void)
{
	char who[128];
	char lp[4200];

	if ((size_t)snprintf(lp, sizeof(lp), "%s.lock", path) >= sizeof(lp))
		die(EXIT_SYS, "%s: path too long", path);
	lock_fd = open(lp, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
	    O_NOCTTY, 0600);
	if (lock_fd < 0)
		die(EXIT_SYS, "cannot open lock file %s: %s", lp,
		    strerror(errno));
	if (flock(lock_fd, LOCK_EX | LOCK_NB) == 0)
		return;
	if (errno == EWOULDBLOCK && !quiet) {
		lock_holder(lock_fd, who, sizeof(who));
		warn("waiting for the lock on %s, held by %s", lp, who);
	}
	while (flock(lock_fd, LOCK_EX) != 0)
		if (errno != EINTR)
			die(EXIT_SYS, "cannot lock %s: %s", lp,
			    strerror(errno));
}

/* The lock's end, for a long-running writer (cmd5pw follow). */
void
unlock_file(void)
{
	if (lock_fd >= 0)
		close(lock_fd);
	lock_fd = -1;
}

/* The text's descriptor, text_st set; -1 when missing and may_create. */
static int
open_text(int writing, int may_create)
{
	struct pwerr err;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    (writing ? O_NOFOLLOW : 0));
	if (fd < 0 && errno == ENOENT && may_create) {
		text_exists = 0;
		textlen = 0;
		return -1;
	}
	if (fd < 0 && writing && errno == ELOOP)
		die(EXIT_SYS, "refusing %s: it is a symbolic link (edit the "
		    "file it points to instead)", path);
	if (fd < 0)
		die(EXIT_SYS, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &text_st) != 0)
		die(EXIT_SYS, "cannot stat %s: %s", path, strerror(errno));
	if (text_acl != NULL)
		acl_free(text_acl);
	/* no ACL support on the file system: there is none to keep */
	if ((text_acl = acl_get_fd(fd)) != NULL &&
	    acl_equiv_mode(text_acl, NULL) == 0) {
		acl_free(text_acl);
		text_acl = NULL;
	}
	if (writing && pwfile_check_mode(path, &text_st, &err) != 0)
		die(EXIT_SYS, "%s", err.msg);
	if (!S_ISREG(text_st.st_mode))
		die(EXIT_SYS, "refusing %s: not a regular file", path);
	if ((size_t)text_st.st_size > SIZE_MAX / 2)
		die(EXIT_SYS, "%s: too large", path);
	return fd;
}

int
txn_has_login(const char *login, size_t len, int may_create)
{
	struct pwmatch m;
	struct pwerr err;
	int fd, found;

	if ((fd = open_text(1, may_create)) < 0)
		return 0;
	close(fd);
	if (pw_lookup(path, login, len, &m, &err) != 0)
		die(EXIT_SYS, "%s", err.msg);
	found = m.found;
	pwmatch_free(&m);
	return found;
}

/* The text is mapped, not copied: a 1 GiB file costs no heap, no copy
 * and no wipe (its pages are the page cache's, which holds them anyway,
 * and a core dump leaves file-backed pages out).  The writers' lock keeps
 * cmd5pw's own writers off it; the new text goes to a new file, renamed
 * over the old, so nothing writes into the mapped one but a hand that
 * ignores the lock: a truncation raises SIGBUS, caught below. */
static int text_mapped;

static void
on_sigbus(int sig)
{
	static const char msg[] = "cmd5pw: the password file was truncated "
	    "while being read (written without cmd5pw's lock?): nothing "
	    "changed\n";

	(void)sig;
	txn_remove_temp();
	if (write(2, msg, sizeof(msg) - 1) < 0) {
		/* nothing more to do */
	}
	_exit(EXIT_SYS);
}

void
read_text(int writing, int may_create)
{
	struct sigaction sa;
	void *m;
	int fd;

	if ((fd = open_text(writing, may_create)) < 0)
		return;
	text_free();
	textlen = (size_t)text_st.st_size;
	if (textlen == 0) {
		if ((text = malloc(1)) == NULL)
			die(EXIT_SYS, "out of memory reading %s", path);
	} else {
		m = mmap(NULL, textlen, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED)
			die(EXIT_SYS, "cannot map %s: %s", path,
			    strerror(errno));
		(void)madvise(m, textlen, MADV_SEQUENTIAL);
		text = m;
		text_mapped = 1;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sigbus;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGBUS, &sa, NULL);
	}
	close(fd);
	text_exists = 1;
}

void
text_free(void)
{
	if (text == NULL)
		return;
	if (text_mapped)
		munmap(text, textlen);
	else {
		wipe(text, textlen);
		free(text);
	}
	text = NULL;
	textlen = 0;
	text_mapped = 0;
}

static void
fsync_dir(void)
{
	char dir[4200];
	const char *slash = strrchr(path, '/');
	size_t n;
	int fd;

	if (slash == NULL)
		strcpy(dir, ".");
	else {
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir))
			die(EXIT_SYS, "%s: path too long", path);
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fsync(fd) != 0)
		die(EXIT_SYS, "cannot fsync directory %s: %s", dir,
		    strerror(errno));
	close(fd);
}

/* The index of the new text (out, or the text as read when out is empty
 * and nothing was touched: cmd5pw index), whose fstat after its rename is
 * st.  oldst: the text's before the change, for a partial rebuild. */
static void
build_index(const struct iovec *v, size_t n, const struct stat *st,
    const struct stat *oldst, const unsigned char *digest,
    const struct pw_edits *edits)
{
	struct pwerr err;
	char *cdb = pwindex_path(path);

	if (cdb == NULL)
		die(EXIT_SYS, "%s: path too long", path);
	/* we hold the lock: a temp file left is a killed run's */
	pwindex_tidy(cdb);
	pwindex_prepare = index_acl;
	free(cdb);
	if (pw_index_update(path, v, n, st, oldst, touched, touchedlen,
	    edits, ntouched, digest, &err) != 0)
		die(EXIT_SYS, "%s (the text is up to date; cmd5checkpw reads "
		    "it until cmd5pw index succeeds)", err.msg);
	fsync_dir();
}

void
rebuild_index(void)
{
	struct iovec v;

	v.iov_base = text != NULL ? text : "";
	v.iov_len = textlen;
	ntouched = 0;
	build_index(&v, 1, &text_st, NULL, NULL, NULL);
}

#define WRITEV_MAX 1024		/* Linux's UIO_MAXIOV, POSIX's IOV_MAX floor is 16 */

/* Writes every piece: writev, WRITEV_MAX at a time, short writes resumed. */
static void
write_all(int fd, const struct iovec *v, size_t n)
{
	struct iovec cur[WRITEV_MAX];
	size_t i = 0, k, off = 0, w;
	ssize_t r;

	while (i < n) {
		for (k = 0; k < WRITEV_MAX && i + k < n; k++)
			cur[k] = v[i + k];
		cur[0].iov_base = (char *)cur[0].iov_base + off;
		cur[0].iov_len -= off;
		r = writev(fd, cur, (int)k);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die(EXIT_SYS, "cannot write %s: %s", tmp_path,
			    strerror(errno));
		/* past what was written */
		w = (size_t)r;
		while (i < n && w >= v[i].iov_len - off) {
			w -= v[i].iov_len - off;
			off = 0;
			i++;
		}
		off += w;
	}
}

/* What the index needs of the new text, found on the second core while
 * the text is written and fsynced: its SHA-256, and where the touched
 * logins' lines are (when there is an old index to copy shards from). */
struct digest_job {
	unsigned char md[32];
	int ok, find;
	struct pw_edits *edits;
};

static void *
digest_out(void *arg)
{
	struct digest_job *d = arg;

	d->ok = pw_iov_digest(out.v, out.n, d->md) == 0;
	d->edits = d->find ? pw_edits_find(out.v, out.n, touched, touchedlen,
	    touchedkind, ntouched) : NULL;
	return NULL;
}

void
commit(void)
{
	struct digest_job dj;
	pthread_t th;
	int threaded;
	struct stat st, oldst = text_st;
	int fd, had = text_exists;
	ino_t written;
	mode_t mode;

	if ((size_t)snprintf(tmp_path, sizeof(tmp_path), "%s.cmd5pw-tmp",
	    path) >= sizeof(tmp_path))
		die(EXIT_SYS, "%s: path too long", path);
	/* Only a killed cmd5pw leaves one behind, and we hold the lock. */
	if (unlink(tmp_path) != 0 && errno != ENOENT)
		die(EXIT_SYS, "cannot remove %s: %s", tmp_path,
		    strerror(errno));
	tmp_active = 1;
	fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		tmp_active = 0;
		die(EXIT_SYS, "cannot create %s: %s", tmp_path,
		    strerror(errno));
	}
	if (text_exists) {
		if (fchown(fd, text_st.st_uid, text_st.st_gid) != 0 &&
		    (fstat(fd, &st) != 0 || st.st_uid != text_st.st_uid ||
		    st.st_gid != text_st.st_gid))
			die(EXIT_SYS, "cannot give %s the owner and group of "
			    "%s: %s", tmp_path, path, strerror(errno));
		/* never wider than it was (and no set-id bits); with an ACL
		 * the mode's group bits are its mask, the group's own are in
		 * the ACL (acl(5)) */
		mode = text_st.st_mode & 0755;
		if (text_acl != NULL)
			mode = (mode & ~(mode_t)070) |
			    (acl_group_obj(text_acl) & 05) << 3;
	} else
		mode = 0640;
	if (fchmod(fd, mode) != 0)
		die(EXIT_SYS, "cannot chmod %s: %s", tmp_path,
		    strerror(errno));
	if (text_acl != NULL && acl_set_fd(fd, text_acl) != 0)
		die(EXIT_SYS, "cannot give %s the ACL of %s: %s", tmp_path, path,
		    strerror(errno));
	dj.find = text_exists && ntouched > 0;
	dj.edits = NULL;
	threaded = pthread_create(&th, NULL, digest_out, &dj) == 0;
	write_all(fd, out.v, out.n);
	if (fsync(fd) != 0 || fstat(fd, &st) != 0)
		die(EXIT_SYS, "cannot fsync %s: %s", tmp_path,
		    strerror(errno));
	written = st.st_ino;
	if (threaded && pthread_join(th, NULL) != 0)
		threaded = 0;
	if (close(fd) != 0)
		die(EXIT_SYS, "cannot write %s: %s", tmp_path,
		    strerror(errno));
	committing = 1;
	if (rename(tmp_path, path) != 0)
		die(EXIT_SYS, "cannot rename %s to %s: %s", tmp_path, path,
		    strerror(errno));
	tmp_active = 0;
	fsync_dir();
	/* the stamp after the rename, which changed the ctime */
	if (stat(path, &st) != 0 || st.st_ino != written)
		die(EXIT_SYS, "%s was replaced under the lock (the index is "
		    "stale until cmd5pw index)", path);
	build_index(out.v, out.n, &st, had ? &oldst : NULL,
	    threaded && dj.ok ? dj.md : NULL, threaded ? dj.edits : NULL);
	if (threaded)
		pw_edits_free(dj.edits);
	if (dovecot_path != NULL) {
		/* the export wants the text in one piece: only when asked */
		struct buf t = { 0 };

		out_flatten(&t);
		export_dovecot(dovecot_path, t.p != NULL ? t.p : "", t.len);
		buf_free(&t);
	}
	out_free();
	resend_deferred_signal();
}
