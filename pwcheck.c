/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* pwcheck.c: cmd5pw check: every line, the modes and the index, reported
 * on stdout; and the kinds of verifiers a field holds (check and list). */
#include <crypt.h>
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hmac_md5.h"
#include "pwcheck.h"
#include "lookup.h"
#include "pwfile.h"
#include "pwindex.h"
#include "pwmailbox.h"
#include "txn.h"
#include "util.h"

static const struct crypt_scheme {
	const char *prefix;
	const char *name;
	int weak;
} crypts[] = {
	{ "$y$", "yescrypt", 0 },
	{ "$gy$", "gost-yescrypt", 0 },
	{ "$7$", "scrypt", 0 },
	{ "$2b$", "bcrypt", 0 },
	{ "$2a$", "bcrypt", 0 },
	{ "$2y$", "bcrypt", 0 },
	{ "$2x$", "bcrypt-x", 1 },
	{ "$6$", "sha512crypt", 0 },
	{ "$5$", "sha256crypt", 0 },
	{ "$sha1$", "sha1crypt", 1 },
	{ "$md5", "sunmd5", 1 },
	{ "$1$", "md5crypt", 1 },
	{ "$3$", "nthash", 1 },
};

static const char *
crypt_name(const struct verifier *v, int *weak)
{
	size_t i, n;

	*weak = 0;
	for (i = 0; i < sizeof(crypts) / sizeof(crypts[0]); i++) {
		n = strlen(crypts[i].prefix);
		if (v->len > n && memcmp(v->p, crypts[i].prefix, n) == 0) {
			*weak = crypts[i].weak;
			return crypts[i].name;
		}
	}
	*weak = 1;
	if (v->len > 0 && v->p[0] == '_')
		return "bsdicrypt";
	if (v->len == 13)
		return "descrypt";
	*weak = 0;
	return "crypt";
}

/* What libxcrypt says of a hash: crypt_checksalt(3), no hashing. */
static int
crypt_salt_kind(const struct verifier *v)
{
	char setting[CRYPT_OUTPUT_SIZE];
	int r;

	if (v->len >= sizeof(setting))
		return CRYPT_SALT_INVALID;
	memcpy(setting, v->p, v->len);
	setting[v->len] = '\0';
	r = crypt_checksalt(setting);
	wipe(setting, sizeof(setting));
	return r;
}

/* The form of a hash, without hashing (list and check read every entry):
 * libxcrypt knows the setting, and the hash after the last '$' has the
 * length and alphabet of its scheme (crypt(5)). */
static const struct hash_form {
	const char *prefix;
	size_t hashlen;		/* after the last '$'; 0: whole length */
	size_t total;
} forms[] = {
	{ "$y$", 43, 0 }, { "$gy$", 43, 0 }, { "$7$", 43, 0 },
	{ "$2b$", 0, 60 }, { "$2a$", 0, 60 }, { "$2y$", 0, 60 },
	{ "$2x$", 0, 60 }, { "$6$", 86, 0 }, { "$5$", 43, 0 },
	{ "$1$", 22, 0 }, { "$sha1$", 28, 0 }, { "$md5", 22, 0 },
	{ "$3$$", 32, 0 },
};

static int
crypt_wellformed(const struct verifier *v)
{
	const char *last;
	size_t i, n, hl;

	if (crypt_salt_kind(v) == CRYPT_SALT_INVALID)
		return 0;
	if (v->len > 0 && v->p[0] != '$')	/* descrypt, bsdicrypt */
		return v->len == 13 || (v->p[0] == '_' && v->len == 20);
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		n = strlen(forms[i].prefix);
		if (v->len < n || memcmp(v->p, forms[i].prefix, n) != 0)
			continue;
		if (forms[i].total != 0)
			return v->len == forms[i].total;
		for (last = v->p + v->len; last > v->p && last[-1] != '$';
		    last--)
			;
		hl = (size_t)(v->p + v->len - last);
		if (hl != forms[i].hashlen)
			return 0;
		for (; last < v->p + v->len; last++)
			if (!isalnum((unsigned char)*last) && *last != '.' &&
			    *last != '/')
				return 0;
		return 1;
	}
	return 1;	/* a scheme of no known form: libxcrypt judges it */
}

int
is_legacy_plain(const char *f, size_t len)
{
	return len > 0 && strchr("${!*", f[0]) == NULL;
}

void
kinds(const char *field, size_t len, struct buf *b)
{
	struct verifier v[PW_MAXVERIFIERS];
	size_t i, n = pwfile_verifiers(field, len, v, PW_MAXVERIFIERS);
	int weak;

	for (i = 0; i < n; i++) {
		if (v[i].kind == VK_MAILBOX)	/* list shows them apart */
			continue;
		if (b->len > 0)
			buf_str(b, ",");
		if (v[i].kind == VK_CRYPT && !crypt_wellformed(&v[i]))
			buf_str(b, "unknown");
		else if (v[i].kind == VK_CRYPT)
			buf_str(b, crypt_name(&v[i], &weak));
		else if (v[i].kind == VK_PLAIN && is_legacy_plain(field, len))
			buf_str(b, "legacy-plain");
		else
			buf_str(b, vkind_name(v[i].kind));
	}
	buf_add(b, "", 1);
}

/* ---- check ---- */

static size_t nerrors, nwarnings;

static void __attribute__((format(printf, 3, 4)))
report(int error, size_t lineno, const char *fmt, ...)
{
	va_list ap;

	if (lineno > 0)
		printf("%s:%zu: %s: ", path, lineno,
		    error ? "error" : "warning");
	else
		printf("%s: %s: ", path, error ? "error" : "warning");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (error)
		nerrors++;
	else
		nwarnings++;
}

struct mbx_where {
	size_t lineno;
	const char *login;
};

static void
mbx_report(int error, const char *msg, void *arg)
{
	const struct mbx_where *w = arg;

	report(error, w->lineno, "%s: %s", w->login, msg);
}

/* Never prints a verifier's value: a legacy password may hide there. */
static void
check_field(size_t lineno, const struct pwline *pl)
{
	struct verifier v[PW_MAXVERIFIERS], rest[PW_MAXVERIFIERS];
	const char *f = pl->field, *lg = esc(pl->login, pl->loginlen);
	size_t i, n, fl = pl->fieldlen, colons = 0;
	struct mbx_where w = { lineno, lg };
	int weak;

	if (fl == 0) {
		report(0, lineno, "%s: empty password field: the login is "
		    "disabled", lg);
		return;
	}
	mbx_check(f, fl, mbx_report, &w);
	if (f[0] == '!' || f[0] == '*') {
		n = fl > 1 ? pwfile_verifiers(f + 1, fl - 1, rest,
		    PW_MAXVERIFIERS) : 0;
		for (i = 0; i < n; i++)
			if (rest[i].kind == VK_UNKNOWN ||
			    (rest[i].kind == VK_PLAIN && is_legacy_plain(f + 1,
			    fl - 1)))
				break;
		if (n > 0 && i < n)
			report(0, lineno, "%s: the field starts with '%c', so "
			    "the login is disabled; if it is a legacy plaintext "
			    "password it no longer works (set it with cmd5pw "
			    "passwd)", lg, f[0]);
		return;
	}
	if (is_legacy_plain(f, fl)) {
		report(0, lineno, "%s: plaintext password (cmd5pw migrate "
		    "hashes it)", lg);
		return;
	}
	for (i = 0; i < fl; i++)
		colons += f[i] == ':';
	if (colons >= PW_MAXVERIFIERS)
		report(0, lineno, "%s: more than %d verifiers: the rest are "
		    "ignored", lg, PW_MAXVERIFIERS);
	n = pwfile_verifiers(f, fl, v, PW_MAXVERIFIERS);
	for (i = 0; i < n; i++) {
		switch (v[i].kind == VK_CRYPT ? (crypt_wellformed(&v[i]) ?
		    crypt_salt_kind(&v[i]) : CRYPT_SALT_INVALID) :
		    v[i].kind == VK_UNKNOWN ? CRYPT_SALT_INVALID : -1) {
		case CRYPT_SALT_INVALID:
			report(1, lineno, "%s: verifier %zu is of no known "
			    "scheme or malformed; if the field is a legacy "
			    "plaintext password starting with '%c', it no "
			    "longer works (set it with cmd5pw passwd)", lg,
			    i + 1, f[0]);
			continue;
		case CRYPT_SALT_METHOD_DISABLED:
			report(1, lineno, "%s: hash %s is disabled in this "
			    "libxcrypt: it never matches", lg,
			    crypt_name(&v[i], &weak));
			continue;
		case CRYPT_SALT_METHOD_LEGACY:
		case CRYPT_SALT_TOO_CHEAP:
			report(0, lineno, "%s: weak hash %s (set the password "
			    "again)", lg, crypt_name(&v[i], &weak));
			continue;
		}
		if (v[i].kind == VK_PLAIN && v[i].len == 0)
			report(1, lineno, "%s: verifier %zu is an empty "
			    "plaintext: it never matches (set the password "
			    "with cmd5pw passwd)", lg, i + 1);
		else if (v[i].kind == VK_PLAIN)
			report(0, lineno, "%s: plaintext verifier {PLAIN}: "
			    "needed only for APOP", lg);
	}
}

static void
check_line(size_t lineno, const struct line *l, struct htab *seen,
    size_t *entries)
{
	struct pwline pl;
	struct hent *e;
	size_t len = l->len;
	int isnew;

	switch (pwfile_parse_line(l->p, len, &pl)) {
	case PWL_SKIP:
		return;
	case PWL_BAD:
		if (memchr(l->p, '\0', len) != NULL)
			report(1, lineno, "NUL byte: the line is ignored");
		else if (memchr(l->p, ':', len) == NULL)
			report(1, lineno, "no ':' after the login: the line "
			    "is ignored");
		else
			report(1, lineno, "empty login: the line is ignored");
		return;
	}
	(*entries)++;
	e = ht_add(seen, pl.login, pl.loginlen, lineno, &isnew);
	if (!isnew) {
		report(1, lineno, "%s: duplicate of line %zu: this line is "
		    "never used", esc(pl.login, pl.loginlen), e->val);
		return;
	}
	if (!login_valid(pl.login, pl.loginlen))
		report(0, lineno, "%s: login with spaces or control "
		    "characters, or longer than %d bytes",
		    esc(pl.login, pl.loginlen), LOGIN_MAX);
	check_field(lineno, &pl);
}

/* The index read against the text (every file and record of it, and the
 * text's digest): on the second core while the lines are checked, then
 * reported after them.  Nothing here reports or dies. */
struct index_job {
	int r, state, md_ok;
	struct pwindex_info info;
	struct pwerr err;
	unsigned char md[32];
};

static void *
index_job_run(void *arg)
{
	struct index_job *j = arg;

	j->r = pw_index_verify(path, text, textlen, &text_st, &j->info,
	    &j->state, &j->err);
	j->md_ok = j->r == 1 && pw_text_digest(text, textlen, j->md) == 0;
	return NULL;
}

/* The index must answer for this very text: its digest, every record's
 * check, the record count; and stay clear of the cdb format's limit. */
static void
check_index(size_t entries, const struct index_job *j)
{
	char *cdb = pwindex_path(path);
	uint64_t limit = pwindex_limit();

	if (cdb == NULL)
		die(EXIT_SYS, "%s: path too long", path);
	if (j->r < 0)
		report(1, 0, "%s", j->err.msg);
	else if (j->r == 0 && j->state == IDX_NONE)
		report(0, 0, "no index %s: cmd5checkpw scans the text "
		    "(cmd5pw index builds it)", cdb);
	else if (j->r == 0 && j->state == IDX_STALE)
		report(0, 0, "index %s is stale: cmd5checkpw scans the text "
		    "until cmd5pw index rebuilds it", cdb);
	else if (j->r == 0)
		report(1, 0, "index %s is unusable: %s; cmd5checkpw scans the "
		    "text (cmd5pw index rebuilds it)", cdb, j->err.msg);
	else if (!j->md_ok)
		die(EXIT_SYS, "cannot compute the digest of %s", path);
	else if (memcmp(j->md, j->info.digest, sizeof(j->md)) != 0)
		report(1, 0, "index %s was not built from this text (its "
		    "digest differs, though size and times agree): "
		    "cmd5checkpw may answer from it; run cmd5pw index", cdb);
	else if (j->info.records != entries)
		report(1, 0, "index %s holds %ju records for %zu entries: "
		    "run cmd5pw index", cdb, (uintmax_t)j->info.records,
		    entries);
	else if (j->info.largest > limit / 10 * 8)
		report(0, 0, "index %s: a file of %ju bytes is at %ju%% of the "
		    "cdb format's limit (%ju bytes)", cdb,
		    (uintmax_t)j->info.largest,
		    (uintmax_t)(j->info.largest * 100 / limit),
		    (uintmax_t)limit);
	free(cdb);
}

int
cmd_check(int strict)
{
	struct htab seen = { 0 };
	struct index_job job;
	struct line l, nx;
	struct stat st;
	pthread_t th;
	const char *p, *colon;
	size_t off = 0, lineno = 0, entries = 0, nl;
	int threaded, have;

	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		report(0, 0, "a symbolic link: cmd5pw will not write "
		    "through it");
	read_text(0, 0);
	if (text_st.st_mode & (S_IWGRP | S_IWOTH))
		report(1, 0, "writable by %s: cmd5checkpw refuses it (chmod "
		    "go-w)", text_st.st_mode & S_IWOTH ? "others" : "group");
	if (text_st.st_mode & S_IROTH)
		report(0, 0, "readable by everyone (chmod o-r)");
	else if (!text_readers())
		report(0, 0, "only its owner can read it: cmd5checkpw run by a "
		    "front end as another user (qmail-smtpd as qmaild, "
		    "Dovecot's auth worker) exits 111 on every login; give the "
		    "front end's group read (chgrp GROUP; chmod 640) or an ACL "
		    "(setfacl -m u:qmaild:r)");
	memset(&job, 0, sizeof(job));
	threaded = pthread_create(&th, NULL, index_job_run, &job) == 0;
	/* a table for every line at once: at ten million logins a last
	 * doubling would hold two tables of hundreds of MiB side by side */
	for (p = text, nl = 0; p != NULL && p < text + textlen; nl++)
		if ((p = memchr(p, '\n', (size_t)(text + textlen - p))) != NULL)
			p++;
	ht_reserve(&seen, nl);
	for (have = next_line(text, textlen, &off, &l); have; l = nx) {
		/* the next line's login slot is fetched while this one is
		 * checked */
		if ((have = next_line(text, textlen, &off, &nx)) &&
		    (colon = memchr(nx.p, ':', nx.len)) != NULL)
			ht_prefetch(&seen, nx.p, (size_t)(colon - nx.p));
		check_line(++lineno, &l, &seen, &entries);
		if (!have)
			break;
	}
	free(seen.e);
	if (!threaded || pthread_join(th, NULL) != 0)
		(void)index_job_run(&job);
	check_index(entries, &job);
	printf("%s: %zu entries, %zu errors, %zu warnings\n", path, entries,
	    nerrors, nwarnings);
	if (fflush(stdout) != 0 || ferror(stdout))
		die(EXIT_SYS, "cannot write the report: %s", strerror(errno));
	return nerrors > 0 || (strict && nwarnings > 0) ? EXIT_REJECT : 0;
}
