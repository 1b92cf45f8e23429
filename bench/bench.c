/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* bench/bench.c: make bench.  Generates password files of 1k to 1M logins
 * under bench/out/, then times whole logins (fork+exec of the real binary,
 * fd 3 a pipe, prog the static no-op) against baselines built beside it,
 * run interleaved (A B B A ...) so that the machine's noise falls on both,
 * and prints medians, ratios (medians of per-round ratios) and the issue's
 * targets (docs/bench.md).
 *
 * usage: bench/bench [-q]     run from the top of the tree after make;
 *                             -q: a quick run, a tenth of the rounds;
 *                             -t: the throttling rows only
 *        bench/bench -c N FD3FILE 'CMD ARGS' 'CMD ARGS'...
 *                             compare any commands the same way, N rounds,
 *                             fd 3 from FD3FILE (to find where time goes);
 *                             prints medians and ratios to the first */
#define _GNU_SOURCE		/* wait4 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fd3.h"
#include "hmac_md5.h"
#include "lookup.h"
#include "names.h"

#define OUT "bench/out"
#define CMD5CHECKPW "./cmd5checkpw"
#define NOOP "bench/noop"
#define CMD5CHECKPW_DYN "bench/cmd5checkpw-dyn"
#define MAXJOBS 8
#define MAXARGS 12

/* One contender: a command, what it reads on fd 3, the exit it must give
 * (a run that exits otherwise stops the benchmark: a wrong password that
 * fails fast would look like a fast login). */
struct job {
	const char *name;
	char *argv[MAXARGS];
	char fd3[FD3_MAX];
	size_t fd3len;
	int onstdin;		/* the pipe is fd 0 rather than fd 3 */
	int cram;		/* a CRAM-MD5 request: a new challenge each run */
	char login[64], pass[64];
	char *const *envp;	/* NULL: env */
	int want;
	/* results */
	double *t;		/* seconds, one per run */
	size_t n;
	double med;
};

static const unsigned sizes[] = { 1000, 10000, 100000, 1000000 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))
#define BIG 1000000u
static int quick, only_throttle;
static int npass, nmiss;
static int devnull;
static char *const env[] = { "PATH=/usr/bin:/bin", NULL };

static void __attribute__((noreturn))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static unsigned
rounds(unsigned n)
{
	n = quick ? n / 10 : n;
	return n < 5 ? 5 : n;
}

/* --- running --- */

/* One run: the pipe is filled and the spawn prepared before the clock
 * starts; the clock stops when wait4 has reaped the process. */
static void fd3_set(struct job *, int, const char *, const char *);

static double
run_once(struct job *j, long *maxrss, int *status)
{
	posix_spawn_file_actions_t fa;
	struct rusage ru;
	double t0, t1;
	pid_t pid;
	int p[2], st;

	/* the one-time record takes a challenge once */
	if (j->cram)
		fd3_set(j, 1, j->login, j->pass);
	if (pipe2(p, O_CLOEXEC) != 0)
		die("pipe: %s", strerror(errno));
	if (p[0] <= 3 || p[1] <= 3)
		die("fds 0 to 3 must be open");
	if (j->fd3len > 0 && write(p[1], j->fd3, j->fd3len) !=
	    (ssize_t)j->fd3len)
		die("write to pipe: %s", strerror(errno));
	close(p[1]);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, j->onstdin ? p[0] : devnull, 0);
	posix_spawn_file_actions_adddup2(&fa, devnull, 1);
	posix_spawn_file_actions_adddup2(&fa, devnull, 2);
	if (!j->onstdin)
		posix_spawn_file_actions_adddup2(&fa, p[0], 3);
	t0 = now();
	if ((errno = posix_spawn(&pid, j->argv[0], &fa, NULL, j->argv,
	    j->envp != NULL ? j->envp : env)) != 0)
		die("cannot run %s: %s", j->argv[0], strerror(errno));
	if (wait4(pid, &st, 0, &ru) != pid)
		die("wait4: %s", strerror(errno));
	t1 = now();
	posix_spawn_file_actions_destroy(&fa);
	close(p[0]);
	*maxrss = ru.ru_maxrss;
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return t1 - t0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(const double *v, size_t n)
{
	double *s = malloc(n * sizeof(*s)), m;

	if (s == NULL)
		die("out of memory");
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

/* The ratio of x to base: the median of the ratios of the two runs of
 * each round, which ran back to back, so a burst of load from elsewhere
 * falls on both runs of a pair and cancels. */
static double
paired(const struct job *x, const struct job *base)
{
	double *q, m;
	size_t r;

	if ((q = calloc(x->n, sizeof(*q))) == NULL)
		die("out of memory");
	for (r = 0; r < x->n; r++)
		q[r] = x->t[r] / base->t[r];
	m = median(q, x->n);
	free(q);
	return m;
}

/* Runs the jobs round by round, each round in the opposite order of the
 * last (A B C, C B A, ...), after a few unmeasured warm-up rounds. */
static void
race(struct job *jobs, size_t k, unsigned n)
{
	unsigned r, w;
	size_t i, x;
	long rss;
	int st;

	for (i = 0; i < k; i++) {
		/* the caller frees t */
		if ((jobs[i].t = calloc(n, sizeof(double))) == NULL)
			die("out of memory");
		jobs[i].n = 0;
	}
	for (w = 0; w < 3; w++)
		for (i = 0; i < k; i++)
			(void)run_once(&jobs[i], &rss, &st);
	for (r = 0; r < n; r++) {
		for (x = 0; x < k; x++) {
			struct job *j = &jobs[r % 2 ? k - 1 - x : x];
			double t = run_once(j, &rss, &st);

			if (j->want >= 0 && st != j->want)
				die("%s: exit %d, wanted %d", j->name, st,
				    j->want);
			j->t[j->n++] = t;
		}
	}
	for (i = 0; i < k; i++)
		jobs[i].med = median(jobs[i].t, jobs[i].n);
}

/* --- contenders --- */

static void
setargv(struct job *j, ...)
{
	va_list ap;
	size_t i = 0;
	char *a;

	va_start(ap, j);
	while ((a = va_arg(ap, char *)) != NULL && i < MAXARGS - 1)
		j->argv[i++] = a;
	va_end(ap);
	j->argv[i] = NULL;
}

static void
fd3_add(struct job *j, const char *s, size_t len)
{
	if (j->fd3len + len + 1 > sizeof(j->fd3))
		die("fd 3 data too long");
	memcpy(j->fd3 + j->fd3len, s, len);
	j->fd3len += len;
	j->fd3[j->fd3len++] = '\0';
}

/* What a front end writes: PLAIN/LOGIN login\0password\0, CRAM-MD5 in
 * Dabrowski's order login\0<challenge>\0hex digest\0, to a new fresh
 * challenge <PID.TIME@HOST> each time (a counter in HOST).  The jobs run
 * cmd5checkpw -P: bench/rss forks between us and it. */
static void
fd3_set(struct job *j, int cram, const char *login, const char *pass)
{
	static unsigned long seq;
	unsigned char mac[MD5_LEN];
	char hex[2 * MD5_LEN + 1], chal[96];

	if (login != j->login)
		snprintf(j->login, sizeof(j->login), "%s", login);
	if (pass != j->pass)
		snprintf(j->pass, sizeof(j->pass), "%s", pass);
	j->cram = cram;
	j->fd3len = 0;
	fd3_add(j, j->login, strlen(j->login));
	if (cram) {
		snprintf(chal, sizeof(chal), "<%ld.%lld@%lu.bench.example.org>",
		    (long)getpid(), (long long)time(NULL), ++seq);
		hmac_md5(j->pass, strlen(j->pass), chal, strlen(chal), mac);
		hex_encode(mac, MD5_LEN, hex);
		fd3_add(j, chal, strlen(chal));
		fd3_add(j, hex, 2 * MD5_LEN);
	} else
		fd3_add(j, j->pass, strlen(j->pass));
}

enum pos { FIRST, LAST, MISSING };
static const char *const posname[] = { "first", "last", "missing" };

/* cmd5checkpw with a login of FILE (count logins) at pos. */
static void
login_job(struct job *j, const char *name, const char *file, unsigned count,
    int cram, enum pos pos)
{
	char login[64], pass[64];
	unsigned i = pos == FIRST ? 0 : count - 1;

	memset(j, 0, sizeof(*j));
	j->name = name;
	if (pos == MISSING) {
		/* shaped like the file's own logins (issue 14): a scan for
		 * "nosuchuser@..." skips most lines at their first byte */
		login_of(count, login, sizeof(login));
		pass_of(0, pass, sizeof(pass));
	} else {
		login_of(i, login, sizeof(login));
		pass_of(i, pass, sizeof(pass));
	}
	fd3_set(j, cram, login, pass);
	setargv(j, CMD5CHECKPW, "-l", "stderr", "-P", "-r", OUT "/replay",
	    "-f", file, NOOP, NULL);
	j->want = pos == MISSING ? 1 : 0;
}

/* The static no-op checkpassword, with the same fd 3 and, for a login
 * that succeeds, the same exec of prog. */
static void
noop_job(struct job *j, const struct job *like)
{
	memset(j, 0, sizeof(*j));
	j->name = "no-op";
	memcpy(j->fd3, like->fd3, like->fd3len);
	j->fd3len = like->fd3len;
	if (like->want == 0)
		setargv(j, NOOP, NOOP, NULL);
	else
		setargv(j, NOOP, NULL);
	j->want = 0;
}

/* --- files --- */

static char *
path_of(const char *kind, unsigned count)
{
	static char buf[8][128];
	static int k;
	char *p = buf[k++ % 8];

	snprintf(p, sizeof(buf[0]), OUT "/%s-%u", kind, count);
	return p;
}

static off_t
file_size(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		die("%s: %s", path, strerror(errno));
	return st.st_size;
}

static void
run_tool(const char *a0, const char *a1, const char *a2, const char *a3,
    const char *a4)
{
	struct job j;
	long rss;
	int st;

	memset(&j, 0, sizeof(j));
	setargv(&j, a0, a1, a2, a3, a4, NULL);
	if (run_once(&j, &rss, &st), st != 0)
		die("%s %s %s failed", a0, a1, a4 ? a4 : a3 ? a3 : a2);
}

/* plain-N and cram-1M with fresh indexes; stale-N, a second copy of the
 * plain text whose index is a hard link to plain-N's (built from another
 * file, so stale: cmd5checkpw scans the text). */
static void
generate(void)
{
	char cnt[16], cdb[160], stalecdb[160];
	size_t i;
	double t0 = now();

	mkdir(OUT, 0755);
	for (i = 0; i < NSIZES; i++) {
		snprintf(cnt, sizeof(cnt), "%u", sizes[i]);
		run_tool("bench/genpw", "text", cnt, "plain",
		    path_of("plain", sizes[i]));
		run_tool("bench/genpw", "index", path_of("plain", sizes[i]),
		    NULL, NULL);
		run_tool("bench/genpw", "text", cnt, "plain",
		    path_of("stale", sizes[i]));
		snprintf(cdb, sizeof(cdb), "%s.cdb", path_of("plain", sizes[i]));
		snprintf(stalecdb, sizeof(stalecdb), "%s.cdb",
		    path_of("stale", sizes[i]));
		unlink(stalecdb);
		if (link(cdb, stalecdb) != 0)
			die("link %s: %s", stalecdb, strerror(errno));
	}
	snprintf(cnt, sizeof(cnt), "%u", BIG);
	run_tool("bench/genpw", "text", cnt, "cram", path_of("cram", BIG));
	run_tool("bench/genpw", "index", path_of("cram", BIG), NULL, NULL);
	printf("generated %s/ in %.1f s\n\n", OUT, now() - t0);
}

/* --- report --- */

static void
header(const char *title)
{
	printf("\n%s\n%-44s %10s  %-18s %10s %7s %8s  %s\n", title, "name",
	    "median", "baseline", "median", "ratio", "target", "result");
}

static void
verdict(int ok)
{
	printf("  %s\n", ok ? "PASS" : "MISS");
	if (ok)
		npass++;
	else
		nmiss++;
}

static void
row(const char *name, const char *value, const char *base, double b,
    const char *ratio, const char *target, int ok)
{
	char bm[32] = "";

	if (b > 0)
		snprintf(bm, sizeof(bm), "%.3f ms", b * 1e3);
	printf("%-44s %10s  %-18s %10s %7s %8s", name, value, base, bm, ratio,
	    target);
	verdict(ok);
}

/* A time against its baseline, ratio (paired, see paired()) <= max. */
static void
row_ratio(const char *name, double t, const char *base, double b,
    double ratio, double max)
{
	char v[32], r[16], tg[16];

	snprintf(v, sizeof(v), "%.3f ms", t * 1e3);
	snprintf(r, sizeof(r), "%.3fx", ratio);
	snprintf(tg, sizeof(tg), "<=%.2fx", max);
	row(name, v, base, b, r, tg, ratio <= max);
}

/* A baseline that should be slower: speedup = base / t >= min. */
static void
row_speedup(const char *name, double t, const char *base, double b,
    double speedup, double min)
{
	char v[32], r[16], tg[16];

	snprintf(v, sizeof(v), "%.3f ms", t * 1e3);
	snprintf(r, sizeof(r), "%.1fx", speedup);
	snprintf(tg, sizeof(tg), ">=%.0fx", min);
	row(name, v, base, b, r, tg, speedup >= min);
}

static void
row_abs(const char *name, double v, const char *unit, double max)
{
	char val[32], tg[16];

	snprintf(val, sizeof(val), "%.0f %s", v, unit);
	snprintf(tg, sizeof(tg), "<=%.0f", max);
	row(name, val, "-", 0, "", tg, v <= max);
}

static void
row_info(const char *name, const char *text)
{
	printf("%-44s %s\n", name, text);
}

/* --- the measurements --- */

/* Peak RSS of a job in KiB, the largest of n runs, measured through
 * bench/rss (see there why not by our own wait4). */
static long
peak_rss(const struct job *j, unsigned n)
{
	struct job w = *j;
	char buf[32];
	long rss, max = 0;
	unsigned r;
	size_t i;
	int st, fd;
	ssize_t got;

	w.argv[0] = "bench/rss";
	w.argv[1] = OUT "/rss";
	for (i = 0; j->argv[i] != NULL && i + 2 < MAXARGS - 1; i++)
		w.argv[i + 2] = j->argv[i];
	w.argv[i + 2] = NULL;
	for (r = 0; r < n; r++) {
		(void)run_once(&w, &rss, &st);
		if (st != j->want)
			die("%s: exit %d, wanted %d", j->name, st, j->want);
		if ((fd = open(OUT "/rss", O_RDONLY)) < 0 ||
		    (got = read(fd, buf, sizeof(buf) - 1)) <= 0)
			die(OUT "/rss: cannot read");
		close(fd);
		buf[got] = '\0';
		if (atol(buf) > max)
			max = atol(buf);
	}
	return max;
}

/* --- the measurements --- */

/* CRAM-MD5 and PLAIN against {CRAM-MD5} and plaintext verifiers, 1M logins
 * and their index, first/last/missing login: each against the no-op. */
static void
bench_login(void)
{
	static const struct {
		const char *mech, *verifier, *kind;
		int cram;
	} c[] = {
		{ "CRAM-MD5", "{CRAM-MD5}", "cram", 1 },
		{ "CRAM-MD5", "plaintext", "plain", 1 },
		{ "PLAIN", "{CRAM-MD5}", "cram", 0 },
		{ "PLAIN", "plaintext", "plain", 0 },
	};
	struct job j[2];
	char name[80];
	size_t i;
	int p;

	header("Login through the checkpassword pipe, 1M logins + index "
	    "(ratio vs the static no-op)");
	memset(j, 0, sizeof(j));
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		for (p = FIRST; p <= MISSING; p++) {
			snprintf(name, sizeof(name), "%s vs %s, %s",
			    c[i].mech, c[i].verifier, posname[p]);
			login_job(&j[1], name, path_of(c[i].kind, BIG), BIG,
			    c[i].cram, (enum pos)p);
			noop_job(&j[0], &j[1]);
			race(j, 2, rounds(1500));
			row_ratio(name, j[1].med, p == MISSING ?
			    "no-op" : "no-op -> prog", j[0].med,
			    paired(&j[1], &j[0]), 1.15);
			free(j[0].t);
			free(j[1].t);
		}
}

/* The same login from a STATIC=0 build (the Makefile's bench target
 * builds one): what the static default saves. */
static void
bench_dynamic(void)
{
	struct job j[3];

	if (access(CMD5CHECKPW_DYN, X_OK) != 0)
		return;
	memset(j, 0, sizeof(j));
	login_job(&j[1], "static", path_of("plain", BIG), BIG, 0, LAST);
	j[2] = j[1];
	j[2].name = "dynamic";
	j[2].argv[0] = CMD5CHECKPW_DYN;
	noop_job(&j[0], &j[1]);
	race(j, 3, rounds(500));
	printf("%-44s %7.3f ms  static %.3f ms, no-op -> prog %.3f ms: "
	    "%.3fx (no target)\n", "PLAIN vs plaintext, last, STATIC=0 build",
	    j[2].med * 1e3, j[1].med * 1e3, j[0].med * 1e3,
	    paired(&j[2], &j[0]));
	free(j[0].t);
	free(j[1].t);
	free(j[2].t);
}

static void
bench_rss(void)
{
	struct job j, noop;
	char name[80];
	long base = 0, r;
	int p;

	header("Peak RSS of one login, 1M logins + index (ru_maxrss through "
	    "bench/rss, largest of 20 runs)");
	for (p = FIRST; p <= MISSING; p++) {
		snprintf(name, sizeof(name), "CRAM-MD5 vs {CRAM-MD5}, %s",
		    posname[p]);
		login_job(&j, name, path_of("cram", BIG), BIG, 1, (enum pos)p);
		noop_job(&noop, &j);
		r = peak_rss(&noop, 20);
		base = r > base ? r : base;
		row_abs(name, (double)peak_rss(&j, 20), "KiB", 2048);
	}
	printf("%-44s %6ld KiB (bench/rss itself included, as above)\n",
	    "  the static no-op", base);
}

/* yescrypt through cmd5checkpw vs one crypt_rn() on the same hash. */
static void
bench_yescrypt(void)
{
	struct job j[2];
	struct pwmatch m;
	struct pwerr err;
	static char hash[256];
	const char *file = path_of("cram", BIG);

	if (pw_lookup(file, YES_LOGIN, strlen(YES_LOGIN), &m, &err) != 0 ||
	    !m.found || m.fieldlen >= sizeof(hash))
		die("no %s in %s", YES_LOGIN, file);
	memcpy(hash, m.field, m.fieldlen);
	hash[m.fieldlen] = '\0';
	pwmatch_free(&m);

	memset(j, 0, sizeof(j));
	j[0].name = "bare crypt";
	fd3_set(&j[0], 0, YES_LOGIN, YES_PASS);
	setargv(&j[0], "bench/barecrypt", hash, NOOP, NULL);
	j[1].name = "yescrypt";
	fd3_set(&j[1], 0, YES_LOGIN, YES_PASS);
	setargv(&j[1], CMD5CHECKPW, "-l", "stderr", "-P", "-r", OUT "/replay",
	    "-f", file, NOOP, NULL);
	header("yescrypt PLAIN, 1M logins + index (ratio vs one bare "
	    "crypt_rn)");
	race(j, 2, rounds(120));
	row_ratio("PLAIN vs yescrypt ($y$j9T$)", j[1].med, "bare crypt",
	    j[0].med, paired(&j[1], &j[0]), 1.05);
	free(j[0].t);
	free(j[1].t);
}

/* One size of the growth table, missing login (every scan reads the whole
 * file).  Two races, so that the lookups do not run right after a scan
 * that has just swept 35 MB through the caches. */
struct growth {
	double noop, index, noop2, stale, fgets, build;
	double ratio, speedup;		/* paired: index/noop, fgets/stale */
	long rss_index, rss_stale;
	off_t bytes;
};

static double
median_runs(struct job *j, unsigned n, void (*before)(void))
{
	double *t, m;
	unsigned r;
	long rss;
	int st;

	if ((t = calloc(n, sizeof(*t))) == NULL)
		die("out of memory");
	for (r = 0; r < n; r++) {
		if (before != NULL)
			before();
		t[r] = run_once(j, &rss, &st);
		if (st != j->want)
			die("%s: exit %d, wanted %d", j->name, st, j->want);
	}
	m = median(t, n);
	free(t);
	return m;
}

/* Until cmd5pw lands, the index is built by genpw through the same
 * pw_index_build() that cmd5pw index calls. */
static const char *cmd5pw = "./cmd5pw";

static int
have_cmd5pw(void)
{
	struct job j;
	long rss;
	int st;

	memset(&j, 0, sizeof(j));
	setargv(&j, cmd5pw, NULL);
	if (access(cmd5pw, X_OK) != 0)
		return 0;
	(void)run_once(&j, &rss, &st);
	return st == 2;		/* usage; the placeholder exits 100 */
}

static double
index_build(const char *file, unsigned n)
{
	struct job j;

	memset(&j, 0, sizeof(j));
	j.name = "index rebuild";
	if (have_cmd5pw())
		setargv(&j, cmd5pw, "-f", file, "index", NULL);
	else
		setargv(&j, "bench/genpw", "index", file, NULL);
	return median_runs(&j, n, NULL);
}

static void
measure_size(unsigned count, struct growth *g)
{
	struct job j[3];
	char *stale = path_of("stale", count);
	int big = count >= BIG;

	memset(j, 0, sizeof(j));
	login_job(&j[1], "index", path_of("plain", count), count, 0, MISSING);
	noop_job(&j[0], &j[1]);
	race(j, 2, rounds(600));
	g->noop = j[0].med;
	g->index = j[1].med;
	g->ratio = paired(&j[1], &j[0]);
	g->rss_index = peak_rss(&j[1], 10);
	free(j[0].t);
	free(j[1].t);

	login_job(&j[1], "stale", stale, count, 0, MISSING);
	j[2] = j[1];
	j[2].name = "fgets 0.30";
	setargv(&j[2], "bench/fgets030", stale, NOOP, NULL);
	race(j, 3, big ? rounds(60) : rounds(300));
	g->noop2 = j[0].med;
	g->stale = j[1].med;
	g->fgets = j[2].med;
	g->speedup = paired(&j[2], &j[1]);
	g->rss_stale = peak_rss(&j[1], big ? 3 : 10);
	g->bytes = file_size(stale);
	free(j[0].t);
	free(j[1].t);
	free(j[2].t);

	g->build = index_build(path_of("plain", count),
	    big ? rounds(15) : rounds(30));
}

static void
bench_scan(const struct growth *g)
{
	double net = g->stale - g->noop2;

	header("Stale index: the whole text scanned, 1M logins, missing "
	    "login (speedup vs fgets)");
	row_speedup("PLAIN, stale index (text scan)", g->stale, "fgets 0.30",
	    g->fgets, g->speedup, 5.0);
	printf("%-44s %7.3f ms per login; %.1f MB in %.3f ms more than the "
	    "no-op: %.0f MB/s\n", "  text scan", g->stale * 1e3,
	    (double)g->bytes / 1e6, net * 1e3, (double)g->bytes / 1e6 / net);
	net = g->fgets - g->noop2;
	printf("%-44s %7.3f ms per login; %.0f MB/s\n", "  fgets 0.30 scan",
	    g->fgets * 1e3, (double)g->bytes / 1e6 / net);
}

/* --- cmd5pw: one function per row --- */

static void
bench_index(const struct growth *g)
{
	row_abs(have_cmd5pw() ? "cmd5pw index" :
	    "index rebuild (genpw: pw_index_build)", g->build * 1e3, "ms",
	    2000);
}

static const char *work_file;

#define MIGRATE_N "200"

static void
fresh_work_file(void)
{
	run_tool("bench/genpw", "text", MIGRATE_N, "plain", work_file);
}

/* One passwd in a 1M-login file, end to end: lock, rewrite, fsyncs,
 * index rebuild.  The new password comes on stdin. */
static void
bench_passwd(void)
{
	struct job j;
	char login[64];
	double t;

	if (!have_cmd5pw()) {
		row_info("cmd5pw passwd, one login of 1M", "not measured: waits for "
		    "cmd5pw on main (bench_passwd)");
		return;
	}
	work_file = OUT "/passwd-1000000";
	run_tool("bench/genpw", "text", "1000000", "plain", work_file);
	run_tool(cmd5pw, "-f", work_file, "index", NULL);
	memset(&j, 0, sizeof(j));
	j.name = "cmd5pw passwd";
	login_of(BIG / 2, login, sizeof(login));
	setargv(&j, cmd5pw, "-f", work_file, "passwd", "--stdin", login,
	    NULL);
	memcpy(j.fd3, "new-password\n", 13);
	j.fd3len = 13;
	j.onstdin = 1;
	t = median_runs(&j, rounds(7), NULL);
	row_abs("cmd5pw passwd, one login of 1M", t * 1e3, "ms", 3000);
}

/* migrate of 500 plaintext logins: each gets a yescrypt hash (and a
 * {CRAM-MD5} state), on all cores: logins per second, bound by crypt. */
static void
bench_migrate(void)
{
	struct job j;
	char v[80];
	double t;

	if (!have_cmd5pw()) {
		row_info("cmd5pw migrate", "not measured: waits for cmd5pw on "
		    "main (bench_migrate)");
		return;
	}
	work_file = OUT "/migrate-" MIGRATE_N;
	memset(&j, 0, sizeof(j));
	j.name = "cmd5pw migrate";
	setargv(&j, cmd5pw, "-f", work_file, "migrate", NULL);
	t = median_runs(&j, quick ? 1 : 3, fresh_work_file);
	snprintf(v, sizeof(v), "%.0f logins/s on %ld cores (%.2f s for "
	    MIGRATE_N ")", atof(MIGRATE_N) / t,
	    sysconf(_SC_NPROCESSORS_ONLN), t);
	row_info("cmd5pw migrate, plaintext -> yescrypt + {CRAM-MD5}", v);
}

static void
bench_growth(const struct growth *g)
{
	size_t i;

	printf("\nGrowth over the number of logins (PLAIN, plaintext "
	    "verifiers, missing login; medians in ms)\n");
	printf("%8s %6s %7s %7s %7s %8s %9s %7s %8s %9s %9s\n", "logins",
	    "MB", "no-op", "index", "ratio", "stale", "fgets0.30", "speedup",
	    "rebuild", "RSS index", "RSS stale");
	for (i = 0; i < NSIZES; i++)
		printf("%8u %6.1f %7.3f %7.3f %6.3fx %8.3f %9.3f %6.1fx "
		    "%8.1f %5ld KiB %5ld KiB\n", sizes[i],
		    (double)g[i].bytes / 1e6, g[i].noop * 1e3,
		    g[i].index * 1e3, g[i].ratio,
		    g[i].stale * 1e3, g[i].fgets * 1e3, g[i].speedup,
		    g[i].build * 1e3, g[i].rss_index, g[i].rss_stale);
}

static void
machine(void)
{
	char line[256], model[256] = "unknown";
	struct utsname u;
	double load[3] = { 0, 0, 0 };
	FILE *f;

	if ((f = fopen("/proc/cpuinfo", "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			if (strncmp(line, "model name", 10) == 0) {
				snprintf(model, sizeof(model), "%s",
				    strchr(line, ':') + 2);
				model[strcspn(model, "\n")] = '\0';
				break;
			}
		fclose(f);
	}
	uname(&u);
	getloadavg(load, 3);
	printf("machine: %s, %ld cpus online, %s %s, load %.2f %.2f %.2f\n",
	    model, sysconf(_SC_NPROCESSORS_ONLN), u.sysname, u.release,
	    load[0], load[1], load[2]);
}

/* Throttling (issue 12): the same login without it, with it at an empty
 * state, and with a state of 1M records full of addresses (bench/thrfill);
 * a wrong password too, the limits set out of reach so that nothing
 * sleeps.  Ratios to the no-op and to the login without throttling. */
static void
bench_throttle(void)
{
	static char *e_empty[] = { "PATH=/usr/bin:/bin",
	    "THROTTLE_FILE=" OUT "/thr-empty", "TCPREMOTEIP=192.0.2.1", NULL };
	static char *e_full[] = { "PATH=/usr/bin:/bin",
	    "THROTTLE_FILE=" OUT "/thr-full", "THROTTLE_RECORDS=1048576",
	    "TCPREMOTEIP=192.0.2.1", NULL };
	static char *e_fail[] = { "PATH=/usr/bin:/bin",
	    "THROTTLE_FILE=" OUT "/thr-full", "THROTTLE_RECORDS=1048576",
	    "TCPREMOTEIP=192.0.2.2", "THROTTLE_ADDR_DELAY=100000",
	    "THROTTLE_ADDR_REFUSE=100000", "THROTTLE_LOGIN_DELAY=100000",
	    "THROTTLE_LOGIN_REFUSE=100000", NULL };
	static char *e_tcp[] = { "PATH=/usr/bin:/bin", "TCPREMOTEIP=192.0.2.1",
	    NULL };
	struct job j[4], f[3];
	char cmd[256];
	size_t i;

	header("Throttling: PLAIN vs plaintext, last of 1M logins + index "
	    "(ratio vs the static no-op)");
	snprintf(cmd, sizeof(cmd), "rm -f " OUT "/thr-empty* " OUT
	    "/thr-full*; bench/thrfill " OUT "/thr-full 1048576");
	if (system(cmd) != 0)
		die("bench/thrfill failed");
	memset(j, 0, sizeof(j));
	login_job(&j[1], "no throttling", path_of("plain", BIG), BIG, 0, LAST);
	j[1].envp = e_tcp;
	j[2] = j[1];
	j[2].name = "throttling, empty state";
	j[2].envp = e_empty;
	j[3] = j[1];
	j[3].name = "throttling, 1M addresses";
	j[3].envp = e_full;
	noop_job(&j[0], &j[1]);
	race(j, 4, rounds(1000));
	for (i = 1; i < 4; i++)
		row_ratio(j[i].name, j[i].med, "no-op -> prog", j[0].med,
		    paired(&j[i], &j[0]), 1.15);
	row_ratio("throttling, empty state", j[2].med, "no throttling",
	    j[1].med, paired(&j[2], &j[1]), 1.05);
	row_ratio("throttling, 1M addresses", j[3].med, "no throttling",
	    j[1].med, paired(&j[3], &j[1]), 1.05);
	for (i = 0; i < 4; i++)
		free(j[i].t);

	memset(f, 0, sizeof(f));
	login_job(&f[1], "wrong password, no throttling", path_of("plain", BIG),
	    BIG, 0, LAST);
	f[1].want = 1;
	{
		char login[64];

		login_of(BIG - 1, login, sizeof(login));
		f[1].fd3len = 0;
		fd3_add(&f[1], login, strlen(login));
		fd3_add(&f[1], "wrong", 5);
	}
	f[1].envp = e_tcp;
	f[2] = f[1];
	f[2].name = "wrong password, throttling, 1M addresses";
	f[2].envp = e_fail;
	noop_job(&f[0], &f[1]);
	race(f, 3, rounds(500));
	row_ratio("wrong password, no throttling", f[1].med, "no-op", f[0].med,
	    paired(&f[1], &f[0]), 1.15);
	row_ratio("wrong password, throttling, 1M addresses", f[2].med,
	    "no throttling", f[1].med, paired(&f[2], &f[1]), 1.05);
	for (i = 0; i < 3; i++)
		free(f[i].t);
}

/* -c: compare commands given as strings split at spaces. */
static int
compare(int argc, char **argv)
{
	struct job j[MAXJOBS];
	unsigned n = (unsigned)atoi(argv[0]);
	char *a;
	size_t k, i;
	int fd;
	ssize_t r;

	memset(j, 0, sizeof(j));
	if (argc < 3 || argc - 2 > MAXJOBS || n == 0)
		die("usage: bench/bench -c N FD3FILE 'CMD ARGS'...");
	if ((fd = open(argv[1], O_RDONLY)) < 0 ||
	    (r = read(fd, j[0].fd3, sizeof(j[0].fd3))) < 0)
		die("%s: %s", argv[1], strerror(errno));
	close(fd);
	for (k = 0; k < (size_t)argc - 2; k++) {
		memcpy(j[k].fd3, j[0].fd3, (size_t)r);
		j[k].fd3len = (size_t)r;
		j[k].name = argv[k + 2];
		j[k].want = -1;
		a = strdup(argv[k + 2]);
		for (i = 0; i < MAXARGS - 1 &&
		    (j[k].argv[i] = strsep(&a, " ")) != NULL; i++)
			;
	}
	race(j, k, n);
	for (i = 0; i < k; i++)
		printf("%8.3f ms %6.3fx  %s\n", j[i].med * 1e3,
		    paired(&j[i], &j[0]), j[i].name);
	return 0;
}

int
main(int argc, char **argv)
{
	struct growth g[NSIZES];
	double t0 = now();
	size_t i;

	if (argc == 2 && strcmp(argv[1], "-q") == 0)
		quick = 1;
	else if (argc == 2 && strcmp(argv[1], "-t") == 0)
		only_throttle = 1;
	else if (argc > 1 && strcmp(argv[1], "-c") != 0)
		die("usage: bench/bench [-q | -t] | -c N FD3FILE 'CMD ARGS'...");
	/* descriptors 0 to 3 taken, so that no pipe lands on 3 */
	while ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0 &&
	    devnull < 3)
		;
	if (devnull < 0)
		die("/dev/null: %s", strerror(errno));
	if (argc > 1 && strcmp(argv[1], "-c") == 0)
		return compare(argc - 2, argv + 2);
	if (access(CMD5CHECKPW, X_OK) != 0 || access(NOOP, X_OK) != 0)
		die("run make bench from the top of the tree");
	if (getenv("BENCH_CMD5PW") != NULL)
		cmd5pw = getenv("BENCH_CMD5PW");
	setvbuf(stdout, NULL, _IOLBF, 0);
	machine();
	printf("medians of all rounds; ratio: the median, over the rounds, of "
	    "the two runs' ratio\n(each round runs baseline and contender "
	    "back to back, in alternating order)\n");
	generate();
	if (only_throttle) {
		bench_throttle();
		return 0;
	}

	bench_login();
	bench_dynamic();
	bench_throttle();
	bench_rss();
	bench_yescrypt();
	for (i = 0; i < NSIZES; i++)
		measure_size(sizes[i], &g[i]);
	bench_scan(&g[NSIZES - 1]);
	header("cmd5pw and the index, 1M logins");
	bench_index(&g[NSIZES - 1]);
	bench_passwd();
	bench_migrate();
	bench_growth(g);

	printf("\n%d PASS, %d MISS in %.0f s; ", npass, nmiss, now() - t0);
	machine();
	return 0;
}
