/* batch.c: many passwords at once (batch.h): stdin's "login:password"
 * lines, and their fields hashed on every core with a progress bar. */
#include <errno.h>
#include <pthread.h>
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
			    pl->keep_plain, &j->field) != 0;
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

static void
progress(const char *what, size_t done, size_t n, double t0, int last)
{
	char bar[31];
	double el = now() - t0, rate = el > 0 ? (double)done / el : 0;
	long eta = rate > 0 ? (long)((double)(n - done) / rate) : 0;
	size_t i, fill = n ? done * 30 / n : 30;

	for (i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = '\0';
	fprintf(stderr, "\r%s [%s] %zu/%zu %3zu%% %.0f/s ", what, bar, done,
	    n, n ? done * 100 / n : 100, rate);
	if (done > 0)
		fprintf(stderr, "ETA %ld:%02ld:%02ld ", eta / 3600,
		    eta / 60 % 60, eta % 60);
	else
		fputs("ETA -:--:-- ", stderr);
	if (last)
		fputc('\n', stderr);
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
	int show = isatty(2) && n > 1;
	size_t done;
	double t0 = now();

	if (nthreads > (long)n)
		nthreads = (long)n;
	/* one thread at least when a progress bar is drawn beside it */
	if (n <= 1 || (nthreads <= 1 && !show)) {
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
		nanosleep(&tick, NULL);
	}
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
	if (show)
		progress(what, n, n, t0, 1);
}


struct job *
read_batch(size_t *njobs, struct htab *seen)
{
	struct job *jobs = NULL;
	struct line l;
	size_t off = 0, n = 0, cap = 0, lineno = 0, plen;
	const char *colon, *why;
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
		if (!pass_ok(colon + 1, plen, &why))
			die(EXIT_REJECT, "standard input line %zu: %s", lineno,
			    why);
		if (plen > PASS_MAX)
			die(EXIT_REJECT, "standard input line %zu: password "
			    "longer than %d bytes", lineno, PASS_MAX);
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
