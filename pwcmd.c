/* pwcmd.c: cmd5pw's commands but check (pwcheck.c): add, passwd, del,
 * list, verify, index, migrate.  Each change is one transaction (txn.c). */
#define _GNU_SOURCE		/* memmem */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "batch.h"
#include "hmac_md5.h"
#include "password.h"
#include "pwcheck.h"
#include "pwcmd.h"
#include "lookup.h"
#include "txn.h"
#include "util.h"
#include "verify.h"

static void
warn_plain(const char *login, size_t len)
{
	warn("warning: storing the password of %s in plaintext in %s: "
	    "anyone who can read the file can log in as %s (needed only "
	    "for APOP)", esc(login, len), path, esc(login, len));
}


/* The next line of text at or after *from that is an entry of login:
 * found by memmem, so that a change to one login at ten million costs a
 * scan at memory speed, not a parse of every line.  1 (l set, *from past
 * it) or 0. */
static int
next_entry_of(const char *login, size_t len, size_t *from, struct line *l)
{
	const char *p = text + *from, *end = text + textlen, *nl;
	struct pwline pl;

	while (p < end && (p = memmem(p, (size_t)(end - p), login, len)) !=
	    NULL) {
		if ((p == text || p[-1] == '\n') && (size_t)(end - p) > len &&
		    p[len] == ':') {
			nl = memchr(p, '\n', (size_t)(end - p));
			l->p = p;
			l->len = nl ? (size_t)(nl - p) : (size_t)(end - p);
			l->full = nl ? l->len + 1 : l->len;
			if (pwfile_parse_line(l->p, l->len, &pl) == PWL_ENTRY) {
				*from = (size_t)(p - text) + l->full;
				return 1;
			}
		}
		p++;
	}
	*from = textlen;
	return 0;
}

static void
out_entry(const struct job *j, int cr)
{
	out_line(j->login, j->loginlen, j->field.p, j->field.len, cr);
}

/* Where each job's login has its first entry line (at[i] its offset, or
 * SIZE_MAX): a memmem scan each for a few, one pass with a table of the
 * jobs for many. */
static void
find_entries(const struct job *jobs, size_t n, size_t *at, struct line *ln)
{
	struct htab want = { 0 };
	struct pwline pl;
	struct hent *e;
	struct line l;
	size_t i, off, start;
	int isnew;

	for (i = 0; i < n; i++)
		at[i] = SIZE_MAX;
	if (n <= 8) {
		for (i = 0; i < n; i++) {
			off = 0;
			if (next_entry_of(jobs[i].login, jobs[i].loginlen,
			    &off, &ln[i]))
				at[i] = (size_t)(ln[i].p - text);
		}
		return;
	}
	for (i = 0; i < n; i++)
		ht_add(&want, jobs[i].login, jobs[i].loginlen, i, &isnew);
	for (off = 0;;) {
		start = off;
		if (!next_line(text, textlen, &off, &l))
			break;
		if (pwfile_parse_line(l.p, l.len, &pl) == PWL_ENTRY &&
		    (e = ht_find(&want, pl.login, pl.loginlen)) != NULL &&
		    at[e->val] == SIZE_MAX) {
			at[e->val] = start;
			ln[e->val] = l;
		}
	}
	free(want.e);
}

static const size_t *sort_at;

static int
by_offset(const void *a, const void *b)
{
	size_t x = sort_at[*(const size_t *)a], y = sort_at[*(const size_t *)b];

	return x < y ? -1 : x > y;
}

/* add/passwd: the text with jobs (already hashed) applied, into out. */
static void
apply_jobs(struct job *jobs, size_t n, int adding)
{
	struct line *ln;
	size_t i, pos = 0, *at, *order;

	if ((at = calloc(n, sizeof(*at))) == NULL ||
	    (order = calloc(n, sizeof(*order))) == NULL ||
	    (ln = calloc(n, sizeof(*ln))) == NULL)
		die(EXIT_SYS, "out of memory");
	find_entries(jobs, n, at, ln);
	for (i = 0; i < n; i++) {
		if (adding && at[i] != SIZE_MAX)
			die(EXIT_REJECT, "%s: %s already exists (use cmd5pw "
			    "passwd)%s", path,
			    esc(jobs[i].login, jobs[i].loginlen),
			    n > 1 ? "; nothing changed" : "");
		if (!adding && at[i] == SIZE_MAX)
			die(EXIT_REJECT, "%s: no login %s (use cmd5pw add)%s",
			    path, esc(jobs[i].login, jobs[i].loginlen),
			    n > 1 ? "; nothing changed" : "");
		txn_touch(jobs[i].login, jobs[i].loginlen);
		order[i] = i;
	}
	if (adding) {
		out_add(text, textlen);
		if (textlen > 0 && text[textlen - 1] != '\n')
			out_add("\n", 1);
		for (i = 0; i < n; i++)
			out_entry(&jobs[i], 0);
	} else {
		/* the entry in force of each, in the text's order; a CRLF
		 * line stays CRLF */
		sort_at = at;
		qsort(order, n, sizeof(*order), by_offset);
		for (i = 0; i < n; i++) {
			const struct line *l = &ln[order[i]];

			out_add(text + pos, at[order[i]] - pos);
			out_entry(&jobs[order[i]], l->len > 0 &&
			    l->p[l->len - 1] == '\r');
			jobs[order[i]].done = 1;
			pos = at[order[i]] + l->full;
		}
		out_add(text + pos, textlen - pos);
	}
	free(at);
	free(order);
	free(ln);
}

int
cmd_set(int adding, const char *login, const struct opts *o)
{
	struct htab seen = { 0 };
	struct job one, *jobs;
	size_t n, i;

	if (o->batch) {
		jobs = read_batch(&n, &seen);
		free(seen.e);
	} else {
		size_t len = strlen(login);

		if (!login_valid(login, len))
			die(EXIT_REJECT, "invalid login \"%s\": no ':', "
			    "spaces or control characters, not starting with "
			    "'#', at most %d bytes", esc(login, len),
			    LOGIN_MAX);
		/* say so before asking for a password that cannot be used
		 * (through the index: not a read of the whole text) */
		if (txn_has_login(login, len, adding) == adding)
			die(EXIT_REJECT, adding ? "%s: %s already exists "
			    "(use cmd5pw passwd)" : "%s: no login %s (use "
			    "cmd5pw add)", path, esc(login, len));
		memset(&one, 0, sizeof(one));
		one.login = login;
		one.loginlen = len;
		one.pass = pass1;
		one.passlen = get_password(login, len, o->from_stdin, 1);
		jobs = &one;
		n = 1;
	}
	hash_all(jobs, n, o->how, 0, o->jobs, "hashing");
	for (i = 0; i < n; i++)
		if (jobs[i].failed)
			die(EXIT_SYS, "cannot hash the password of %s "
			    "(crypt_gensalt/crypt_rn failed)",
			    esc(jobs[i].login, jobs[i].loginlen));
	wipe(pass1, sizeof(pass1));
	for (i = 0; i < n && o->batch; i++)	/* logins stay, passwords go */
		wipe((char *)jobs[i].pass, jobs[i].passlen);
	lock_file();
	read_text(1, adding);
	apply_jobs(jobs, n, adding);
	commit();
	for (i = 0; i < n; i++) {
		if (o->how == STORE_PLAIN)
			warn_plain(jobs[i].login, jobs[i].loginlen);
		buf_free(&jobs[i].field);
	}
	if (n == 1)
		fprintf(stderr, "cmd5pw: %s: %s %s\n", path,
		    adding ? "added" : "changed the password of",
		    esc(jobs[0].login, jobs[0].loginlen));
	else
		fprintf(stderr, "cmd5pw: %s: %s %zu logins\n", path,
		    adding ? "added" : "changed the passwords of", n);
	if (jobs != &one)
		free(jobs);
	return 0;
}

int
cmd_del(const char *login)
{
	struct line l;
	size_t off = 0, pos = 0, len = strlen(login), gone = 0;

	if (!pwfile_login_ok(login, len))
		die(EXIT_REJECT, "invalid login \"%s\"", esc(login, len));
	lock_file();
	read_text(1, 0);
	/* every line of the login: a later duplicate must not come alive */
	while (next_entry_of(login, len, &off, &l)) {
		out_add(text + pos, (size_t)(l.p - text) - pos);
		pos = (size_t)(l.p - text) + l.full;
		gone++;
	}
	out_add(text + pos, textlen - pos);
	txn_touch(login, len);
	if (gone == 0)
		die(EXIT_REJECT, "%s: no login %s", path, esc(login, len));
	commit();
	fprintf(stderr, "cmd5pw: %s: removed %s (%zu line%s)\n", path,
	    esc(login, len), gone, gone == 1 ? "" : "s");
	return 0;
}

int
cmd_list(void)
{
	struct htab seen = { 0 };
	struct pwline pl;
	struct line l;
	struct hent *e;
	struct buf k = { 0 };
	size_t off = 0, lineno = 0;
	int isnew;

	read_text(0, 0);
	while (next_line(text, textlen, &off, &l)) {
		lineno++;
		if (pwfile_parse_line(l.p, l.len, &pl) != PWL_ENTRY)
			continue;
		e = ht_add(&seen, pl.login, pl.loginlen, lineno, &isnew);
		k.len = 0;
		kinds(pl.field, pl.fieldlen, &k);
		if (isnew)
			printf("%s\t%s\n", esc(pl.login, pl.loginlen), k.p);
		else
			printf("%s\t%s\tduplicate of line %zu, never used\n",
			    esc(pl.login, pl.loginlen), k.p, e->val);
	}
	buf_free(&k);
	free(seen.e);
	if (fflush(stdout) != 0 || ferror(stdout))
		die(EXIT_SYS, "cannot write the list: %s", strerror(errno));
	return 0;
}

/* ---- verify, index, migrate ---- */

int
cmd_verify(const char *login, int from_stdin)
{
	struct authreq rq;
	struct pwmatch m;
	struct pwerr err;
	const char *reason = "", *used = "";
	enum mech proved;
	size_t len = strlen(login);
	int ok;

	memset(&rq, 0, sizeof(rq));
	rq.mech = MECH_PASSWORD;
	rq.login = login;
	rq.loginlen = len;
	rq.pass = pass1;
	rq.passlen = get_password(login, len, from_stdin, 0);
	if (pw_lookup(path, login, len, &m, &err) != 0)
		die(EXIT_SYS, "%s", err.msg);
	if (m.found)
		ok = verify(&rq, m.field, m.fieldlen, &reason, &used, &proved);
	else {
		ok = 0;
		reason = "unknown-login";
	}
	pwmatch_free(&m);
	wipe(pass1, sizeof(pass1));
	if (ok < 0)
		die(EXIT_SYS, "%s: %s: cannot compute the crypt hash (out of "
		    "memory?)", path, esc(login, len));
	if (!ok) {
		fprintf(stderr, "cmd5pw: %s: %s: rejected (%s)\n", path,
		    esc(login, len), reason);
		return EXIT_REJECT;
	}
	fprintf(stderr, "cmd5pw: %s: %s: password ok (%s)\n", path,
	    esc(login, len), used);
	return 0;
}

int
cmd_index(void)
{
	lock_file();
	read_text(1, 0);	/* the same refusals as for a change */
	rebuild_index();
	fprintf(stderr, "cmd5pw: %s: index rebuilt\n", path);
	return 0;
}

int
cmd_migrate(const struct opts *o)
{
	struct job *jobs = NULL;
	struct pwline pl;
	struct line l;
	size_t off = 0, lineno = 0, n = 0, k = 0, i;
	char what[4300];

	lock_file();
	read_text(1, 0);
	while (next_line(text, textlen, &off, &l)) {
		lineno++;
		if (pwfile_parse_line(l.p, l.len, &pl) != PWL_ENTRY ||
		    !is_legacy_plain(pl.field, pl.fieldlen))
			continue;
		if (pl.fieldlen > PASS_MAX) {
			warn("warning: %s:%zu: %s: password longer than %d "
			    "bytes: left as it is", path, lineno,
			    esc(pl.login, pl.loginlen), PASS_MAX);
			continue;
		}
		job_push(&jobs, &n, pl.login, pl.loginlen, pl.field,
		    pl.fieldlen, lineno);
	}
	if (n == 0) {
		fprintf(stderr, "cmd5pw: %s: no legacy plaintext entries, "
		    "nothing to do\n", path);
		return 0;
	}
	snprintf(what, sizeof(what), "migrating %s", path);
	hash_all(jobs, n, o->how, o->keep_plain, o->jobs, what);
	for (i = 0; i < n; i++)
		if (jobs[i].failed)
			die(EXIT_SYS, "%s:%zu: cannot hash the password of %s "
			    "(crypt_gensalt/crypt_rn failed); nothing changed",
			    path, jobs[i].lineno,
			    esc(jobs[i].login, jobs[i].loginlen));
	off = 0;
	lineno = 0;
	while (next_line(text, textlen, &off, &l)) {
		lineno++;
		if (k < n && jobs[k].lineno == lineno) {
			out_entry(&jobs[k++], l.len > 0 &&
			    l.p[l.len - 1] == '\r');
			continue;
		}
		out_add(l.p, l.full);
	}
	commit();
	for (i = 0; i < n; i++)
		buf_free(&jobs[i].field);
	fprintf(stderr, "cmd5pw: %s: migrated %zu logins%s\n", path, n,
	    o->keep_plain ? " (plaintext kept for APOP)" : "");
	if (o->keep_plain)
		warn("warning: %s still holds the plaintext passwords "
		    "({PLAIN}): anyone who can read it can log in", path);
	free(jobs);
	return 0;
}
