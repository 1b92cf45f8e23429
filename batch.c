/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* batch.c: many passwords at once (batch.h): stdin's "login:password"
 * lines, and their fields hashed on every core with a progress bar. */
#include <errno.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "hmac_md5.h"
#include "password.h"
#include "util.h"

#define BATCH_MAX (256 * 1024 * 1024)

char *batch;
size_t batchlen;

struct pool {
	struct job *jobs;
	size_t n, next, done;
	enum store how;
	int keep_plain;
	pthread_mutex_t mu;
};

struct job *
job_push(struct job **jobs, size_t *n, const char *login, size_t loginlen,
    const char *pass, size_t passlen, size_t lineno)
{
	struct job *j;

	if (*n == 0 || (*n & (*n - 1)) == 0) {
		struct job *nj = realloc(*jobs, (*n ? 2 * *n : 1) *
		    sizeof(**jobs));

		if (nj == NULL)
			die(EXIT_SYS, "out of memory");
		*jobs = nj;
	}
	j = &(*jobs)[(*n)++];
	memset(j, 0, sizeof(*j));
	j->login = login;
	j->loginlen = loginlen;
	j->pass = pass;
	j->passlen = passlen;
	j->lineno = lineno;
	return j;
}

#define CHUNK 8

static void *
worker(void *arg)
{
	struct pool *pl = arg;
	size_t i, first, last;

	for (;;) {
		pthread_mutex_lock(&pl->mu);
		first = pl->next;
		last = first + CHUNK < pl->n ? first + CHUNK : pl->n;
		pl->next = last;
		pthread_mutex_unlock(&pl->mu);
		if (first >= last)
			return NULL;
		for (i = first; i < last; i++) {
			struct job *j = &pl->jobs[i];

			j->failed = make_field(j->pass, j->passlen, pl->how,
			    pl->keep_plain, &j->field, &j->why) != 0;
		}
		pthread_mutex_lock(&pl->mu);
		pl->done += last - first;
		pthread_mutex_unlock(&pl->mu);
	}
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

#define BAR_MAX 30
#define PLAIN_FIRST 2.0		/* s before the first plain line */
#define PLAIN_EVERY 10.0	/* s between plain lines */

static int
term_cols(void)
{
	struct winsize ws;

	if (ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/* "1234/2000  61% 35/s ETA 0:00:21" */
static void
counts(char *b, size_t size, size_t done, size_t n, double t0)
{
	double el = now() - t0, rate = el > 0 ? (double)done / el : 0;
	long eta = rate > 0 ? (long)((double)(n - done) / rate) : 0;
	int k;

	k = snprintf(b, size, "%zu/%zu %3zu%% %.0f/s ", done, n,
	    n ? done * 100 / n : 100, rate);
	if (k < 0 || (size_t)k >= size)
		return;
	if (done > 0)
		snprintf(b + k, size - (size_t)k, "ETA %ld:%02ld:%02ld", eta /
		    3600, eta / 60 % 60, eta % 60);
	else
		snprintf(b + k, size - (size_t)k, "ETA -:--:--");
}

/* On a terminal: one line redrawn in place, never wider than the terminal
 * (a wider one wraps and each redraw adds a line). */
static void
progress(const char *what, size_t done, size_t n, double t0, int last)
{
	char c[96], bar[BAR_MAX + 1];
	int cols = term_cols() - 1, room, w;
	size_t i, fill;

	counts(c, sizeof(c), done, n, t0);
	room = cols - (int)strlen(c) - 1;	/* for what, the bar, spaces */
	w = (int)strlen(what);
	if (w > room)
		w = room > 0 ? room : 0;
	room -= w + 3;				/* " [" "]" */
	if (room > BAR_MAX)
		room = BAR_MAX;
	if (room >= 5) {
		fill = n ? done * (size_t)room / n : (size_t)room;
		for (i = 0; i < (size_t)room; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[room] = '\0';
		fprintf(stderr, "\r%.*s [%s] %.*s\033[K", w, what, bar,
		    cols > 0 ? cols : 0, c);
	} else
		fprintf(stderr, "\r%.*s %.*s\033[K", w, what,
		    cols - w - 1 > 0 ? cols - w - 1 : 0, c);
	if (last)
		fputc('\n', stderr);
	fflush(stderr);
}

/* Not on a terminal (a log, cron's mail): a plain line now and then. */
static void
progress_line(const char *what, size_t done, size_t n, double t0)
{
	char c[96];

	counts(c, sizeof(c), done, n, t0);
	fprintf(stderr, "cmd5pw: %s: %s\n", what, c);
	fflush(stderr);
}

long
ncores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? n : 1;
}

void
hash_all(struct job *jobs, size_t n, enum store how, int keep_plain,
    long nthreads, const char *what)
{
	struct pool pl = { jobs, n, 0, 0, how, keep_plain,
	    PTHREAD_MUTEX_INITIALIZER };
	struct timespec tick = { 0, 200000000 };
	pthread_t *th;
	long i, started = 0;
	int tty = isatty(2), show = tty && n > 1 && !quiet;
	int plain = !tty && n > 1 && !quiet, lines = 0;
	size_t done;
	double t0 = now(), next = t0 + PLAIN_FIRST;

	if (nthreads > (long)n)
		nthreads = (long)n;
	/* one thread at least when progress is shown beside it */
	if (n <= 1 || (nthreads <= 1 && !show && !plain)) {
		worker(&pl);
		return;
	}
	if ((th = calloc((size_t)nthreads, sizeof(*th))) == NULL)
		die(EXIT_SYS, "out of memory");
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&th[i], NULL, worker, &pl) != 0)
			break;
		started++;
	}
	if (started == 0)
		worker(&pl);
	for (;;) {
		pthread_mutex_lock(&pl.mu);
		done = pl.done;
		pthread_mutex_unlock(&pl.mu);
		if (done >= n)
			break;
		if (show)
			progress(what, done, n, t0, 0);
		if (plain && now() >= next) {
			progress_line(what, done, n, t0);
			next = now() + PLAIN_EVERY;
			lines++;
		}
		nanosleep(&tick, NULL);
	}
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
	if (show)
		progress(what, n, n, t0, 1);
	if (lines > 0)		/* a short run says nothing */
		progress_line(what, n, n, t0);
}


/* "$id$..." or "{SCHEME}...": what chpasswd -e users feed by habit */
static int
looks_like_verifier(const char *p, size_t len)
{
	return len > 2 && ((p[0] == '$' && memchr(p + 1, '$', len - 1)) ||
	    (p[0] == '{' && memchr(p + 1, '}', len - 1)));
}

struct job *
read_batch(size_t *njobs, struct htab *seen, int import)
{
	struct job *jobs = NULL;
	struct line l;
	size_t off = 0, n = 0, cap = 0, lineno = 0, plen;
	const char *colon, *why;
	char where[64];
	ssize_t r;
	int isnew;

	for (;;) {
		if (batchlen + 65536 > BATCH_MAX)
			die(EXIT_REJECT, "batch on standard input too large");
		if ((batch == NULL || batchlen + 65536 > cap)) {
			char *nb = malloc(cap ? 2 * cap : 131072);

			if (nb == NULL)
				die(EXIT_SYS, "out of memory");
			if (batch != NULL) {
				memcpy(nb, batch, batchlen);
				wipe(batch, cap);
				free(batch);
			}
			batch = nb;
			cap = cap ? 2 * cap : 131072;
		}
		r = read(0, batch + batchlen, cap - batchlen);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die(EXIT_SYS, "cannot read standard input: %s",
			    strerror(errno));
		if (r == 0)
			break;
		batchlen += (size_t)r;
	}
	while (next_line(batch, batchlen, &off, &l)) {
		lineno++;
		if (l.len > 0 && l.p[l.len - 1] == '\r')
			l.len--;
		if (l.len == 0)
			continue;
		colon = memchr(l.p, ':', l.len);
		if (colon == NULL)
			die(EXIT_REJECT, "standard input line %zu: no ':' "
			    "between login and password", lineno);
		if (!login_valid(l.p, (size_t)(colon - l.p)))
			die(EXIT_REJECT, "standard input line %zu: invalid "
			    "login \"%s\"", lineno,
			    esc(l.p, (size_t)(colon - l.p)));
		plen = l.len - (size_t)(colon - l.p) - 1;
		if (!import && !pass_ok(colon + 1, plen, &why))
			die(EXIT_REJECT, "standard input line %zu: %s", lineno,
			    why);
		if (!import && plen > pass_limit((size_t)(colon - l.p))) {
			snprintf(where, sizeof(where), "standard input line "
			    "%zu", lineno);
			die_pass_limit(where, l.p, (size_t)(colon - l.p), plen);
		}
		if (!import && looks_like_verifier(colon + 1, plen))
			warn("warning: standard input line %zu: the password "
			    "of %s looks like a hash or a {SCHEME} verifier; it "
			    "is stored as a password (-e imports verifiers)",
			    lineno, esc(l.p, (size_t)(colon - l.p)));
		job_push(&jobs, &n, l.p, (size_t)(colon - l.p), colon + 1, plen,
		    lineno);
		ht_add(seen, l.p, (size_t)(colon - l.p), n - 1, &isnew);
		if (!isnew)
			die(EXIT_REJECT, "standard input line %zu: %s appears "
			    "twice", lineno, esc(l.p, (size_t)(colon - l.p)));
	}
	if (n == 0)
		die(EXIT_REJECT, "no login:password lines on standard input");
	*njobs = n;
	return jobs;
}
