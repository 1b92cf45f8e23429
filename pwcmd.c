/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
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
#include "pwfile.h"
#include "pwindex.h"
#include "pwmailbox.h"
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


/* The next line of text at or after *from that is an entry of login
 * (pwfile_next_entry).  1 (l set, *from past it) or 0. */
static int
next_entry_of(const char *login, size_t len, size_t *from, struct line *l)
{
	struct pwline pl;

	if (!pwfile_next_entry(text, textlen, login, len, from, &l->len, &pl))
		return 0;
	l->p = text + *from;
	l->full = *from + l->len < textlen ? l->len + 1 : l->len;
	*from += l->full;
	return 1;
}

/* A new entry for j; old: the field it replaces (its mailbox fields
 * stay), or NULL; a locked entry's new field stays locked. */
static void
out_entry(const struct job *j, int cr, const struct pwline *old, int locked)
{
	char *f = NULL, *lf = NULL;
	const char *v = j->field.p;
	size_t flen = 0, vlen = j->field.len;

	if (old != NULL && (f = mbx_join(j->field.p, j->field.len, old->field,
	    old->fieldlen, &flen)) == NULL)
		die(EXIT_SYS, "out of memory");
	if (f != NULL) {
		v = f;
		vlen = flen;
	}
	if (locked) {
		if ((lf = malloc(vlen + 1)) == NULL)
			die(EXIT_SYS, "out of memory");
		lf[0] = '!';
		memcpy(lf + 1, v, vlen);
		v = lf;
		vlen++;
	}
	/* out_line copies: f and lf may go */
	out_line(j->login, j->loginlen, v, vlen, cr);
	free(f);
	free(lf);
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

static int
is_crlf(const struct line *l)
{
	return l->len > 0 && l->p[l->len - 1] == '\r';
}

/* add/passwd: the text with jobs (already hashed) applied, into out.
 * Returns how many of the changed entries were locked (and stay so). */
static size_t
apply_jobs(struct job *jobs, size_t n, int adding)
{
	struct line *ln;
	struct pwline pl;
	size_t i, pos = 0, *at, *order, locked = 0;
	int lk;

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
		txn_touch_as(jobs[i].login, jobs[i].loginlen, adding ?
		    PWINDEX_NEW : PWINDEX_SAME);
		order[i] = i;
	}
	if (adding) {
		out_add(text, textlen);
		if (textlen > 0 && text[textlen - 1] != '\n')
			out_add("\n", 1);
		for (i = 0; i < n; i++)
			out_entry(&jobs[i], 0, NULL, 0);
	} else {
		/* the entry in force of each, in the text's order; a CRLF
		 * line stays CRLF, a locked one locked (usermod -L, then
		 * passwd), its mailbox fields kept */
		sort_at = at;
		qsort(order, n, sizeof(*order), by_offset);
		for (i = 0; i < n; i++) {
			const struct line *l = &ln[order[i]];

			out_add(text + pos, at[order[i]] - pos);
			if (pwfile_parse_line(l->p, l->len, &pl) != PWL_ENTRY)
				die(EXIT_SYS, "%s: changed under the lock", path);
			lk = pl.fieldlen > 0 && pl.field[0] == '!';
			locked += (size_t)lk;
			out_entry(&jobs[order[i]], is_crlf(l), &pl, lk);
			jobs[order[i]].done = 1;
			pos = at[order[i]] + l->full;
		}
		out_add(text + pos, textlen - pos);
	}
	free(at);
	free(order);
	free(ln);
	return locked;
}

/* One login from the command line, or die. */
static size_t
arg_login(const char *login)
{
	size_t len = strlen(login);

	if (!login_valid(login, len))
		die(EXIT_REJECT, "invalid login \"%s\": no ':', spaces or "
		    "control characters, not starting with '#', at most %d "
		    "bytes", esc(login, len), LOGIN_MAX);
	return len;
}

int
cmd_set(int adding, const char *login, const struct opts *o)
{
	struct htab seen = { 0 };
	struct job one, *jobs;
	size_t n, i, locked;
	int r;

	if (o->batch) {
		jobs = read_batch(&n, &seen, o->how == STORE_IMPORT);
		free(seen.e);
	} else {
		size_t len = arg_login(login);

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
		if (o->how == STORE_IMPORT) {
			/* one line of verifiers on stdin (-e wants --stdin) */
			r = read_secret_line(0, pass1, &one.passlen);
			if (r != 0)
				die(EXIT_REJECT, r < 0 ? "no verifiers on "
				    "standard input" : "verifiers longer than "
				    "%d bytes", PASS_MAX);
		} else
			one.passlen = get_password(login, len, o->from_stdin,
			    1);
		jobs = &one;
		n = 1;
	}
	hash_all(jobs, n, o->how, 0, o->jobs, "hashing");
	for (i = 0; i < n; i++)
		if (jobs[i].failed && o->how == STORE_IMPORT)
			die(EXIT_REJECT, "%s%zu: %s: refused: %s; nothing "
			    "changed", o->batch ? "standard input line " : "",
			    o->batch ? jobs[i].lineno : 0,
			    esc(jobs[i].login, jobs[i].loginlen), jobs[i].why);
		else if (jobs[i].failed)
			die(EXIT_SYS, "cannot hash the password of %s (%s)",
			    esc(jobs[i].login, jobs[i].loginlen), jobs[i].why);
	wipe(pass1, sizeof(pass1));
	for (i = 0; i < n && o->batch; i++)	/* logins stay, passwords go */
		wipe((char *)jobs[i].pass, jobs[i].passlen);
	lock_file();
	read_text(1, adding);
	locked = apply_jobs(jobs, n, adding);
	commit();
	for (i = 0; i < n; i++) {
		if (o->how == STORE_PLAIN)
			warn_plain(jobs[i].login, jobs[i].loginlen);
		buf_free(&jobs[i].field);
	}
	if (n == 1)
		note("%s: %s %s%s", path, adding ? "added" : o->how ==
		    STORE_IMPORT ? "imported the verifiers of" :
		    "changed the password of",
		    esc(jobs[0].login, jobs[0].loginlen), locked ?
		    " (still locked: cmd5pw unlock)" : "");
	else
		note("%s: %s %zu logins%s", path, adding ? "added" :
		    "changed the passwords of", n, locked ? " (the locked "
		    "ones stay locked)" : "");
	if (jobs != &one)
		free(jobs);
	return 0;
}

/* Is login among the n operands? */
static int
among(char **logins, size_t n, const char *login, size_t len, size_t *which)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(logins[i]) == len && memcmp(logins[i], login,
		    len) == 0) {
			*which = i;
			return 1;
		}
	return 0;
}

/* A line cmd_del removes: its offset in the text and its length. */
struct cut {
	size_t at, full;
};

static int
by_at(const void *a, const void *b)
{
	size_t x = ((const struct cut *)a)->at, y = ((const struct cut *)b)->at;

	return x < y ? -1 : x > y;
}

/* del: every line of each login (a later duplicate must not come alive);
 * all or nothing. */
int
cmd_del(char **logins, size_t n)
{
	struct line l;
	size_t off, pos = 0, gone = 0, cap = 0, i, k, *found;
	size_t len;
	struct cut *cut = NULL;

	for (i = 0; i < n; i++) {
		if (!pwfile_login_ok(logins[i], strlen(logins[i])))
			die(EXIT_REJECT, "invalid login \"%s\"",
			    esc(logins[i], strlen(logins[i])));
		for (k = 0; k < i; k++)
			if (strcmp(logins[k], logins[i]) == 0)
				die(EXIT_USAGE, "%s given twice",
				    esc(logins[i], strlen(logins[i])));
	}
	if ((found = calloc(n, sizeof(*found))) == NULL)
		die(EXIT_SYS, "out of memory");
	lock_file();
	read_text(1, 0);
	/* every line of each login (a later duplicate must not come
	 * alive), found by memmem, then the text without them in order */
	for (k = 0; k < n; k++) {
		len = strlen(logins[k]);
		for (off = 0; next_entry_of(logins[k], len, &off, &l);) {
			if (gone == cap) {
				cap = cap ? 2 * cap : 16;
				if ((cut = realloc(cut, cap * sizeof(*cut))) ==
				    NULL)
					die(EXIT_SYS, "out of memory");
			}
			cut[gone].at = (size_t)(l.p - text);
			cut[gone++].full = l.full;
			found[k]++;
		}
		txn_touch_as(logins[k], len, PWINDEX_DROP);
	}
	for (i = 0; i < n; i++)
		if (found[i] == 0 && (free(found), free(cut), 1))
			die(EXIT_REJECT, "%s: no login %s%s", path,
			    esc(logins[i], strlen(logins[i])),
			    n > 1 ? "; nothing changed" : "");
	qsort(cut, gone, sizeof(*cut), by_at);
	for (i = 0; i < gone; i++) {
		out_add(text + pos, cut[i].at - pos);
		pos = cut[i].at + cut[i].full;
	}
	free(cut);
	out_add(text + pos, textlen - pos);
	commit();
	if (n == 1)
		note("%s: removed %s (%zu line%s)", path,
		    esc(logins[0], strlen(logins[0])), gone,
		    gone == 1 ? "" : "s");
	else
		note("%s: removed %zu logins (%zu lines)", path, n, gone);
	free(found);
	return 0;
}

/* lock/unlock: a '!' before the field of each login's entry in force
 * (usermod -L / -U).  A lock keeps the verifiers, so unlock restores the
 * password; a field disabled with '*' has none to restore. */
int
cmd_lock(char **logins, size_t n, int locking)
{
	struct pwline pl;
	struct line l;
	size_t off = 0, i, k, *found, changed = 0, flen;
	const char *fend;
	char *nf;
	int lk;

	for (i = 0; i < n; i++)
		(void)arg_login(logins[i]);
	if ((found = calloc(n, sizeof(*found))) == NULL)
		die(EXIT_SYS, "out of memory");
	lock_file();
	read_text(1, 0);
	while (next_line(text, textlen, &off, &l)) {
		if (pwfile_parse_line(l.p, l.len, &pl) != PWL_ENTRY ||
		    !among(logins, n, pl.login, pl.loginlen, &k) ||
		    found[k]++ > 0) {
			out_add(l.p, l.full);
			continue;
		}
		lk = pl.fieldlen > 0 && pl.field[0] == '!';
		if (!locking && pl.fieldlen > 0 && pl.field[0] == '*' &&
		    (free(found), 1))
			die(EXIT_REJECT, "%s: %s is disabled with '*', not "
			    "locked: set a password with cmd5pw passwd%s",
			    path, esc(logins[k], strlen(logins[k])),
			    n > 1 ? "; nothing changed" : "");
		if (lk == locking) {	/* already so: the line stays */
			note("%s: %s is %s already", path,
			    esc(logins[k], strlen(logins[k])),
			    locking ? "locked" : "not locked");
			out_add(l.p, l.full);
			continue;
		}
		/* the new line as one piece (a piece ends at a line's end) */
		fend = l.p + l.len - (is_crlf(&l) ? 1 : 0);
		flen = (size_t)(fend - pl.field);
		if ((nf = malloc(flen + 1)) == NULL)
			die(EXIT_SYS, "out of memory");
		if (locking) {
			nf[0] = '!';
			memcpy(nf + 1, pl.field, flen);
			flen++;
		} else
			memcpy(nf, pl.field + 1, --flen);
		out_line(pl.login, pl.loginlen, nf, flen, is_crlf(&l));
		free(nf);
		txn_touch_as(pl.login, pl.loginlen, PWINDEX_SAME);
		changed++;
	}
	for (i = 0; i < n; i++)
		if (found[i] == 0 && (free(found), 1))
			die(EXIT_REJECT, "%s: no login %s%s", path,
			    esc(logins[i], strlen(logins[i])),
			    n > 1 ? "; nothing changed" : "");
	free(found);
	if (changed == 0)
		return 0;
	commit();
	if (n == 1)
		note("%s: %s %s", path, locking ? "locked" : "unlocked",
		    esc(logins[0], strlen(logins[0])));
	else
		note("%s: %s %zu logins", path, locking ? "locked" :
		    "unlocked", changed);
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
	char mb[1200];
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
		mbx_show(pl.field, pl.fieldlen, mb, sizeof(mb));
		if (isnew && mb[0] != '\0')
			printf("%s\t%s\t%s\n", esc(pl.login, pl.loginlen), k.p,
			    mb);
		else if (isnew)
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
		warn("%s: %s: rejected (%s)", path,
		    esc(login, len), reason);
		return EXIT_REJECT;
	}
	note("%s: %s: password ok (%s)", path,
	    esc(login, len), used);
	return 0;
}

int
cmd_index(void)
{
	lock_file();
	read_text(1, 0);	/* the same refusals as for a change */
	rebuild_index();
	note("%s: index rebuilt", path);
	return 0;
}

int
cmd_migrate(const struct opts *o)
{
	struct job *jobs = NULL;
	struct pwline pl;
	struct line l;
	size_t off = 0, lineno = 0, n = 0, k = 0, i, left = 0;
	char what[4300], left_msg[96] = "";

	lock_file();
	read_text(1, 0);
	while (next_line(text, textlen, &off, &l)) {
		lineno++;
		if (pwfile_parse_line(l.p, l.len, &pl) != PWL_ENTRY ||
		    !is_legacy_plain(pl.field, pl.fieldlen))
			continue;
		if (pl.fieldlen > pass_limit(pl.loginlen)) {
			warn("warning: %s:%zu: %s: not converted: a password "
			    "of %zu bytes, longer than fd 3 can carry for this "
			    "login (%zu): it can never log in; left as it is",
			    path, lineno, esc(pl.login, pl.loginlen),
			    pl.fieldlen, pass_limit(pl.loginlen));
			left++;
			continue;
		}
		job_push(&jobs, &n, pl.login, pl.loginlen, pl.field,
		    pl.fieldlen, lineno);
	}
	if (left > 0)
		snprintf(left_msg, sizeof(left_msg), "; %zu could not be "
		    "converted and are left as they are (see above)", left);
	if (n == 0) {
		note("%s: no legacy plaintext entries, nothing to do%s", path,
		    left_msg);
		return 0;
	}
	snprintf(what, sizeof(what), "migrating %s", path);
	hash_all(jobs, n, o->how, o->keep_plain, o->jobs, what);
	for (i = 0; i < n; i++)
		if (jobs[i].failed)
			die(EXIT_SYS, "%s:%zu: cannot hash the password of %s "
			    "(%s); nothing changed", path, jobs[i].lineno,
			    esc(jobs[i].login, jobs[i].loginlen), jobs[i].why);
	off = 0;
	lineno = 0;
	while (next_line(text, textlen, &off, &l)) {
		lineno++;
		if (k < n && jobs[k].lineno == lineno) {
			out_entry(&jobs[k], is_crlf(&l), NULL, 0);
			buf_free(&jobs[k++].field);
			continue;
		}
		out_add(l.p, l.full);
	}
	commit();
	note("%s: migrated %zu logins%s%s", path, n, o->keep_plain ?
	    " (plaintext kept for APOP)" : "", left_msg);
	if (o->keep_plain)
		warn("warning: %s still holds the plaintext passwords "
		    "({PLAIN}): anyone who can read it can log in", path);
	free(jobs);
	return 0;
}
