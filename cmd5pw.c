/* cmd5pw: manage the password file (poppasswd(5)) and its cdb index.
 *
 * Every change is all-or-nothing: under an flock(2) on FILE.lock the new
 * text is written to a temp file beside FILE (O_EXCL|O_NOFOLLOW, the old
 * file's owner, group and mode), fsynced, renamed over FILE, the directory
 * fsynced, and the index rebuilt the same way (pwindex_build).  A crash at
 * any point leaves the old or the new file.  Lines the tool does not change
 * are copied byte for byte.  Exit 0: done; 1: rejected; 2: usage;
 * 111: system error (cmd5pw(8), EXIT STATUS). */
#include <crypt.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "hmac_md5.h"
#include "log.h"
#include "lookup.h"
#include "verify.h"

#define EXIT_REJECT 1
#define EXIT_USAGE 2
#define EXIT_SYS 111

#define USAGE \
"usage: cmd5pw [-f file] add|passwd [-H | -p] [--stdin] login\n" \
"       cmd5pw [-f file] add|passwd [-H | -p] -b\n" \
"       cmd5pw [-f file] del login\n" \
"       cmd5pw [-f file] verify [--stdin] login\n" \
"       cmd5pw [-f file] list | index | check [--strict]\n" \
"       cmd5pw [-f file] migrate [-H] [-k] [-j jobs]\n"

#define PASS_MAX 511		/* crypt's limit; fd 3 holds 512 in all */
#define LOGIN_MAX 256
#define BATCH_MAX (256 * 1024 * 1024)

enum store { STORE_DEFAULT, STORE_HASH, STORE_PLAIN };

static const char *path = "/etc/poppasswd";

/* Secrets live in these, and are wiped by finish() on every exit. */
static char pass1[PASS_MAX + 2], pass2[PASS_MAX + 2];
static char *text, *batch;		/* the file's text, stdin's batch */
static size_t textlen, batchlen;
struct buf {
	char *p;
	size_t len, cap;
};
static struct buf out;			/* the new text */

/* What a signal handler must undo. */
static char tmp_path[4200];
static volatile sig_atomic_t tmp_active, committing, got_signal;
static struct termios tty_saved;
static volatile sig_atomic_t tty_changed;
static int tty_fd = -1;

static void
wipe_all(void)
{
	wipe(pass1, sizeof(pass1));
	wipe(pass2, sizeof(pass2));
	if (text != NULL)
		wipe(text, textlen);
	if (batch != NULL)
		wipe(batch, batchlen);
	if (out.p != NULL)
		wipe(out.p, out.cap);
}

static void __attribute__((noreturn))
finish(int status)
{
	if (tty_changed)
		tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
	if (tmp_active)
		(void)unlink(tmp_path);
	wipe_all();
	exit(status);
}

static void
say(const char *fmt, va_list ap)
{
	fputs("cmd5pw: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
	finish(status);
}

static void __attribute__((noreturn))
dieusage(const char *why)
{
	fprintf(stderr, "cmd5pw: %s\n%s", why, USAGE);
	finish(EXIT_USAGE);
}

static void __attribute__((format(printf, 1, 2)))
warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
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
	if (tty_changed)
		tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
	if (tmp_active)
		(void)unlink(tmp_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
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

/* A growing buffer that may hold secrets: old copies are wiped. */
static void
buf_add(struct buf *b, const void *p, size_t n)
{
	size_t cap;
	char *q;

	if (n > SIZE_MAX / 2 - b->len)
		die(EXIT_SYS, "out of memory");
	if (b->len + n > b->cap) {
		cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		if ((q = malloc(cap)) == NULL)
			die(EXIT_SYS, "out of memory");
		if (b->p != NULL) {
			memcpy(q, b->p, b->len);
			wipe(b->p, b->cap);
			free(b->p);
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
buf_free(struct buf *b)
{
	if (b->p != NULL) {
		wipe(b->p, b->cap);
		free(b->p);
	}
	b->p = NULL;
	b->len = b->cap = 0;
}

/* A login, escaped for a message. */
static const char *
esc(const char *s, size_t len)
{
	static char bufs[2][4 * LOGIN_MAX + 8];
	static int which;
	char *b = bufs[which ^= 1];

	log_escape(s, len < LOGIN_MAX ? len : LOGIN_MAX, b, sizeof(bufs[0]));
	return b;
}

/* pwfile_login_ok, and nothing a person could not see or type. */
static int
login_valid(const char *s, size_t len)
{
	size_t i;

	if (len > LOGIN_MAX || !pwfile_login_ok(s, len))
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return 0;
	return 1;
}

/* ---- lines of a text ---- */

struct line {
	const char *p;		/* start of the line */
	size_t len;		/* without '\n' */
	size_t full;		/* with its '\n', if it has one */
};

static int
next_line(const char *buf, size_t size, size_t *off, struct line *l)
{
	const char *nl;

	if (*off >= size)
		return 0;
	l->p = buf + *off;
	nl = memchr(l->p, '\n', size - *off);
	l->len = nl ? (size_t)(nl - l->p) : size - *off;
	l->full = nl ? l->len + 1 : l->len;
	*off += l->full;
	return 1;
}

/* ---- a small hash table: login -> number ---- */

struct hent {
	const char *k;
	size_t klen;
	size_t val;
};
struct htab {
	struct hent *e;
	size_t cap, n;
};

static size_t
hash(const char *k, size_t len)
{
	size_t h = 14695981039346656037ULL & SIZE_MAX;

	while (len-- > 0)
		h = (h ^ (unsigned char)*k++) * (1099511628211ULL & SIZE_MAX);
	return h;
}

static struct hent *
ht_slot(struct hent *e, size_t cap, const char *k, size_t klen)
{
	size_t i = hash(k, klen) & (cap - 1);

	while (e[i].k != NULL &&
	    (e[i].klen != klen || memcmp(e[i].k, k, klen) != 0))
		i = (i + 1) & (cap - 1);
	return &e[i];
}

static struct hent *
ht_find(const struct htab *h, const char *k, size_t klen)
{
	struct hent *e;

	if (h->cap == 0)
		return NULL;
	e = ht_slot(h->e, h->cap, k, klen);
	return e->k != NULL ? e : NULL;
}

/* Adds k unless present; returns its entry, *isnew tells which. */
static struct hent *
ht_add(struct htab *h, const char *k, size_t klen, size_t val, int *isnew)
{
	struct hent *e, *ne;
	size_t i, ncap;

	if (2 * (h->n + 1) > h->cap) {
		ncap = h->cap ? 2 * h->cap : 64;
		if ((ne = calloc(ncap, sizeof(*ne))) == NULL)
			die(EXIT_SYS, "out of memory");
		for (i = 0; i < h->cap; i++)
			if (h->e[i].k != NULL)
				*ht_slot(ne, ncap, h->e[i].k, h->e[i].klen) =
				    h->e[i];
		free(h->e);
		h->e = ne;
		h->cap = ncap;
	}
	e = ht_slot(h->e, h->cap, k, klen);
	*isnew = e->k == NULL;
	if (*isnew) {
		e->k = k;
		e->klen = klen;
		e->val = val;
		h->n++;
	}
	return e;
}

/* ---- passwords ---- */

/* One line from fd into buf (at most PASS_MAX bytes), without its '\n'
 * and a '\r' before it.  0; -1 at end of input; 1 too long. */
static int
read_secret_line(int fd, char *buf, size_t *len)
{
	size_t n = 0;
	ssize_t r;
	char c;

	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die(EXIT_SYS, "cannot read the password: %s",
			    strerror(errno));
		if (r == 0) {
			if (n == 0)
				return -1;
			break;
		}
		if (c == '\n')
			break;
		if (n == PASS_MAX) {
			/* drain the rest of the line, keep nothing */
			while ((r = read(fd, &c, 1)) > 0 && c != '\n')
				;
			return 1;
		}
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	*len = n;
	c = 0;
	return 0;
}

static int
pass_ok(const char *p, size_t len, const char **why)
{
	if (len == 0)
		*why = "empty password";
	else if (memchr(p, '\0', len) != NULL)
		*why = "password contains a NUL byte";
	else
		return 1;
	return 0;
}

static size_t
ask(const char *prompt, char *buf)
{
	struct termios t;
	size_t len;
	int r;

	if (tcgetattr(tty_fd, &tty_saved) != 0)
		die(EXIT_SYS, "cannot read terminal settings: %s",
		    strerror(errno));
	t = tty_saved;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK);
	t.c_lflag |= ECHONL;
	tty_changed = 1;
	/* echo off (dropping what was typed early) before the prompt shows */
	if (tcsetattr(tty_fd, TCSAFLUSH, &t) != 0)
		die(EXIT_SYS, "cannot turn echo off: %s", strerror(errno));
	if (write(tty_fd, prompt, strlen(prompt)) < 0)
		die(EXIT_SYS, "cannot write to the terminal: %s",
		    strerror(errno));
	r = read_secret_line(tty_fd, buf, &len);
	tcsetattr(tty_fd, TCSADRAIN, &tty_saved);
	tty_changed = 0;
	if (r < 0)
		die(EXIT_REJECT, "no password given");
	if (r > 0)
		die(EXIT_REJECT, "password longer than %d bytes", PASS_MAX);
	return len;
}

/* The password into pass1: from stdin (one line), or from the terminal
 * without echo, asked twice when it is being set. */
static size_t
get_password(const char *login, size_t loginlen, int from_stdin, int twice)
{
	char prompt[4 * LOGIN_MAX + 64];
	const char *why;
	size_t len, len2;
	int r;

	if (from_stdin) {
		r = read_secret_line(0, pass1, &len);
		if (r < 0)
			die(EXIT_REJECT, "no password on standard input");
		if (r > 0)
			die(EXIT_REJECT, "password longer than %d bytes",
			    PASS_MAX);
	} else {
		tty_fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (tty_fd < 0)
			die(EXIT_USAGE, "no terminal to ask for the password "
			    "(%s): use --stdin or -b", strerror(errno));
		snprintf(prompt, sizeof(prompt), "Password for %s: ",
		    esc(login, loginlen));
		len = ask(prompt, pass1);
		if (twice) {
			len2 = ask("Retype password: ", pass2);
			if (!ct_equal_str(pass1, len, pass2, len2))
				die(EXIT_REJECT, "the passwords do not match");
			wipe(pass2, sizeof(pass2));
		}
		close(tty_fd);
		tty_fd = -1;
	}
	if (!pass_ok(pass1, len, &why))
		die(EXIT_REJECT, "%s", why);
	return len;
}

/* ---- verifiers ---- */

/* A crypt(3) hash with the library's preferred method and cost. */
static int
crypt_hash(const char *pass, size_t len, struct buf *b)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	char phrase[CRYPT_MAX_PASSPHRASE_SIZE + 1];
	struct crypt_data *data;
	const char *h;
	int r = -1;

	if (len >= sizeof(phrase))
		return -1;
	if (crypt_gensalt_rn(NULL, 0, NULL, 0, salt, sizeof(salt)) == NULL)
		return -1;
	if ((data = calloc(1, sizeof(*data))) == NULL)
		return -1;
	memcpy(phrase, pass, len);
	phrase[len] = '\0';
	h = crypt_rn(phrase, salt, data, (int)sizeof(*data));
	/* NULL or a "*" failure token: never store those */
	if (h != NULL && h[0] == '$' && strchr(h, ':') == NULL) {
		buf_str(b, h);
		r = 0;
	}
	wipe(phrase, sizeof(phrase));
	wipe(data, sizeof(*data));
	free(data);
	return r;
}

/* {PLAIN}, or {PLAIN.b64} for what would not read back the same. */
static void
plain_verifier(const char *pass, size_t len, struct buf *b)
{
	unsigned char enc[(PASS_MAX + 2) / 3 * 4 + 1];
	int raw = len > 0 && strchr("${!*", pass[0]) == NULL;
	size_t i;

	for (i = 0; i < len && raw; i++)
		if ((unsigned char)pass[i] < ' ' || pass[i] == 0x7f ||
		    pass[i] == ':')
			raw = 0;
	if (raw) {
		buf_str(b, "{PLAIN}");
		buf_add(b, pass, len);
	} else {
		EVP_EncodeBlock(enc, (const unsigned char *)pass, (int)len);
		buf_str(b, "{PLAIN.b64}");
		buf_str(b, (char *)enc);
		wipe(enc, sizeof(enc));
	}
}

/* The verifier field for a password. */
static int
make_field(const char *pass, size_t len, enum store how, int keep_plain,
    struct buf *b)
{
	struct hmac_md5_key k;
	char hex[CRAM_STATE_HEXLEN + 1];

	if (len > PASS_MAX)
		return -1;
	if (how == STORE_PLAIN) {
		plain_verifier(pass, len, b);
		return 0;
	}
	if (crypt_hash(pass, len, b) != 0)
		return -1;
	if (how == STORE_DEFAULT) {
		hmac_md5_init(&k, pass, len);
		cram_state_encode(&k, hex);
		buf_str(b, ":{CRAM-MD5}");
		buf_add(b, hex, CRAM_STATE_HEXLEN);
		wipe(&k, sizeof(k));
		wipe(hex, sizeof(hex));
	}
	if (keep_plain) {
		buf_str(b, ":");
		plain_verifier(pass, len, b);
	}
	return 0;
}

/* ---- many passwords on every core, with progress ---- */

struct job {
	const char *login;
	size_t loginlen;
	const char *pass;
	size_t passlen;
	size_t lineno;		/* where it came from, for messages */
	struct buf field;
	int failed;
	int done;		/* its line was written */
};
struct pool {
	struct job *jobs;
	size_t n, next, done;
	enum store how;
	int keep_plain;
	pthread_mutex_t mu;
};

/* Appends a job to a growing array (doubling); dies when memory is out. */
static struct job *
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

static long
ncores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? n : 1;
}

/* Fills every job's field, on nthreads threads; results stay in order
 * because each job owns its slot. */
static void
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

/* ---- the file ---- */

static int lock_fd = -1;
static struct stat text_st;
static int text_exists;

static void
lock_file(void)
{
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
	if (errno == EWOULDBLOCK && isatty(2))
		warn("waiting for the lock on %s (another cmd5pw is running)",
		    lp);
	while (flock(lock_fd, LOCK_EX) != 0)
		if (errno != EINTR)
			die(EXIT_SYS, "cannot lock %s: %s", lp,
			    strerror(errno));
}

/* Reads the whole file into text.  writing: refuse a symbolic link, and a
 * file the group or others may write (cmd5checkpw refuses it too). */
static void
read_text(int writing, int may_create)
{
	struct pwerr err;
	size_t got = 0;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    (writing ? O_NOFOLLOW : 0));
	if (fd < 0 && errno == ENOENT && may_create) {
		text_exists = 0;
		textlen = 0;
		return;
	}
	if (fd < 0 && writing && errno == ELOOP)
		die(EXIT_SYS, "refusing %s: it is a symbolic link (edit the "
		    "file it points to instead)", path);
	if (fd < 0)
		die(EXIT_SYS, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &text_st) != 0)
		die(EXIT_SYS, "cannot stat %s: %s", path, strerror(errno));
	if (writing && pwfile_check_mode(path, &text_st, &err) != 0)
		die(EXIT_SYS, "%s", err.msg);
	if (!S_ISREG(text_st.st_mode))
		die(EXIT_SYS, "refusing %s: not a regular file", path);
	if ((size_t)text_st.st_size > SIZE_MAX / 2)
		die(EXIT_SYS, "%s: too large", path);
	textlen = (size_t)text_st.st_size;
	if ((text = malloc(textlen + 1)) == NULL)
		die(EXIT_SYS, "out of memory reading %s", path);
	while (got < textlen) {
		r = read(fd, text + got, textlen - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die(EXIT_SYS, "cannot read %s: %s", path,
			    strerror(errno));
		if (r == 0)
			die(EXIT_SYS, "%s shrank while being read", path);
		got += (size_t)r;
	}
	close(fd);
	text_exists = 1;
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

/* The index of t, the bytes of the file whose fstat is st (taken after
 * its last change: a rename changes the ctime the index records). */
static void
rebuild_index(const char *t, size_t len, const struct stat *st)
{
	struct pwerr err;
	char *cdb = pwindex_path(path);

	if (cdb == NULL)
		die(EXIT_SYS, "%s: path too long", path);
	/* we hold the lock: a temp file left is a killed run's */
	pwindex_tidy(cdb);
	free(cdb);
	if (pw_index_build(path, t, len, st, &err) != 0)
		die(EXIT_SYS, "%s (the text is up to date; cmd5checkpw reads "
		    "it until cmd5pw index succeeds)", err.msg);
	fsync_dir();
}

static void
write_all(int fd, const char *p, size_t n)
{
	ssize_t r;

	while (n > 0) {
		r = write(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die(EXIT_SYS, "cannot write %s: %s", tmp_path,
			    strerror(errno));
		p += r;
		n -= (size_t)r;
	}
}

/* Replaces the file with out, atomically, then rebuilds the index. */
static void
commit(void)
{
	struct stat st;
	ino_t written;
	mode_t mode;
	int fd;

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
		/* never wider than it was (and no set-id bits) */
		mode = text_st.st_mode & 0755;
	} else
		mode = 0640;
	if (fchmod(fd, mode) != 0)
		die(EXIT_SYS, "cannot chmod %s: %s", tmp_path,
		    strerror(errno));
	write_all(fd, out.p != NULL ? out.p : "", out.len);
	if (fsync(fd) != 0 || fstat(fd, &st) != 0)
		die(EXIT_SYS, "cannot fsync %s: %s", tmp_path,
		    strerror(errno));
	written = st.st_ino;
	if (close(fd) != 0)
		die(EXIT_SYS, "cannot write %s: %s", tmp_path,
		    strerror(errno));
	committing = 1;
	if (rename(tmp_path, path) != 0)
		die(EXIT_SYS, "cannot rename %s to %s: %s", tmp_path, path,
		    strerror(errno));
	tmp_active = 0;
	fsync_dir();
	if (stat(path, &st) != 0 || st.st_ino != written)
		die(EXIT_SYS, "%s was replaced under the lock (the index is "
		    "stale until cmd5pw index)", path);
	rebuild_index(out.p != NULL ? out.p : "", out.len, &st);
	resend_deferred_signal();
}

/* ---- commands ---- */

struct opts {
	enum store how;
	int from_stdin, batch, keep_plain, strict;
	long jobs;
};

static void
warn_plain(const char *login, size_t len)
{
	warn("warning: storing the password of %s in plaintext in %s: "
	    "anyone who can read the file can log in as %s (needed only "
	    "for APOP)", esc(login, len), path, esc(login, len));
}

/* Batch lines "login:password" from stdin into jobs. */
static struct job *
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

/* The first entry line of each login in text, as a table. */
static void
index_text(struct htab *h)
{
	struct pwline pl;
	struct line l;
	size_t off = 0, start;
	int isnew;

	for (;;) {
		start = off;
		if (!next_line(text, textlen, &off, &l))
			break;
		if (pwfile_parse_line(l.p, l.len, &pl) == PWL_ENTRY)
			ht_add(h, pl.login, pl.loginlen, start, &isnew);
	}
}

static int
has_login(const char *login, size_t len)
{
	struct pwline pl;
	struct line l;
	size_t off = 0;

	while (next_line(text, textlen, &off, &l))
		if (pwfile_parse_line(l.p, l.len, &pl) == PWL_ENTRY &&
		    pl.loginlen == len && memcmp(pl.login, login, len) == 0)
			return 1;
	return 0;
}

static void
out_entry(const struct job *j, int cr)
{
	buf_add(&out, j->login, j->loginlen);
	buf_add(&out, ":", 1);
	buf_add(&out, j->field.p, j->field.len);
	if (cr)
		buf_add(&out, "\r", 1);
	buf_add(&out, "\n", 1);
}

/* add/passwd: the text with jobs (already hashed) applied, into out. */
static void
apply_jobs(struct job *jobs, size_t n, int adding)
{
	struct htab have = { 0 }, want = { 0 };
	struct pwline pl;
	struct hent *e;
	struct line l;
	size_t i, off = 0;
	int isnew;

	index_text(&have);
	for (i = 0; i < n; i++) {
		e = ht_find(&have, jobs[i].login, jobs[i].loginlen);
		if (adding && e != NULL)
			die(EXIT_REJECT, "%s: %s already exists (use cmd5pw "
			    "passwd)%s", path,
			    esc(jobs[i].login, jobs[i].loginlen),
			    n > 1 ? "; nothing changed" : "");
		if (!adding && e == NULL)
			die(EXIT_REJECT, "%s: no login %s (use cmd5pw add)%s",
			    path, esc(jobs[i].login, jobs[i].loginlen),
			    n > 1 ? "; nothing changed" : "");
		ht_add(&want, jobs[i].login, jobs[i].loginlen, i, &isnew);
	}
	while (next_line(text, textlen, &off, &l)) {
		if (!adding && pwfile_parse_line(l.p, l.len, &pl) == PWL_ENTRY &&
		    (e = ht_find(&want, pl.login, pl.loginlen)) != NULL &&
		    !jobs[e->val].done) {
			/* the entry in force; a CRLF line stays CRLF */
			out_entry(&jobs[e->val], l.len > 0 &&
			    l.p[l.len - 1] == '\r');
			jobs[e->val].done = 1;
			continue;
		}
		buf_add(&out, l.p, l.full);
	}
	if (adding) {
		if (out.len > 0 && out.p[out.len - 1] != '\n')
			buf_add(&out, "\n", 1);
		for (i = 0; i < n; i++)
			out_entry(&jobs[i], 0);
	}
	free(have.e);
	free(want.e);
}

static int
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
		/* say so before asking for a password that cannot be used */
		read_text(1, adding);
		if (has_login(login, len) == adding)
			die(EXIT_REJECT, adding ? "%s: %s already exists "
			    "(use cmd5pw passwd)" : "%s: no login %s (use "
			    "cmd5pw add)", path, esc(login, len));
		wipe(text, textlen);
		free(text);
		text = NULL;
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

static int
cmd_del(const char *login)
{
	struct pwline pl;
	struct line l;
	size_t off = 0, len = strlen(login), gone = 0;

	if (!pwfile_login_ok(login, len))
		die(EXIT_REJECT, "invalid login \"%s\"", esc(login, len));
	lock_file();
	read_text(1, 0);
	/* every line of the login: a later duplicate must not come alive */
	while (next_line(text, textlen, &off, &l)) {
		if (pwfile_parse_line(l.p, l.len, &pl) == PWL_ENTRY &&
		    pl.loginlen == len && memcmp(pl.login, login, len) == 0) {
			gone++;
			continue;
		}
		buf_add(&out, l.p, l.full);
	}
	if (gone == 0)
		die(EXIT_REJECT, "%s: no login %s", path, esc(login, len));
	commit();
	fprintf(stderr, "cmd5pw: %s: removed %s (%zu line%s)\n", path,
	    esc(login, len), gone, gone == 1 ? "" : "s");
	return 0;
}

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

static int
is_legacy_plain(const char *f, size_t len)
{
	return len > 0 && strchr("${!*", f[0]) == NULL;
}

static void
kinds(const char *field, size_t len, struct buf *b)
{
	struct verifier v[PW_MAXVERIFIERS];
	size_t i, n = pwfile_verifiers(field, len, v, PW_MAXVERIFIERS);
	int weak;

	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_str(b, ",");
		if (v[i].kind == VK_CRYPT)
			buf_str(b, crypt_name(&v[i], &weak));
		else if (v[i].kind == VK_PLAIN && is_legacy_plain(field, len))
			buf_str(b, "legacy-plain");
		else
			buf_str(b, vkind_name(v[i].kind));
	}
	buf_add(b, "", 1);
}

static int
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

/* Never prints a verifier's value: a legacy password may hide there. */
static void
check_field(size_t lineno, const struct pwline *pl)
{
	struct verifier v[PW_MAXVERIFIERS], rest[PW_MAXVERIFIERS];
	const char *f = pl->field, *lg = esc(pl->login, pl->loginlen);
	size_t i, n, fl = pl->fieldlen, colons = 0;
	int weak;

	if (fl == 0) {
		report(0, lineno, "%s: empty password field: the login is "
		    "disabled", lg);
		return;
	}
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
		switch (v[i].kind == VK_CRYPT ? crypt_salt_kind(&v[i]) :
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
		if (v[i].kind == VK_PLAIN)
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

/* The index must answer for this very text: its digest, every record's
 * check, the record count; and stay clear of the cdb format's limit. */
static void
check_index(size_t entries)
{
	struct pwindex_info info;
	unsigned char md[32];
	struct pwerr err;
	char *cdb = pwindex_path(path);
	uint64_t limit = pwindex_limit();
	int r, state;

	if (cdb == NULL)
		die(EXIT_SYS, "%s: path too long", path);
	r = pwindex_verify(cdb, &text_st, &info, &state, &err);
	if (r < 0)
		report(1, 0, "%s", err.msg);
	else if (r == 0 && state == IDX_NONE)
		report(0, 0, "no index %s: cmd5checkpw scans the text "
		    "(cmd5pw index builds it)", cdb);
	else if (r == 0 && state == IDX_STALE)
		report(0, 0, "index %s is stale: cmd5checkpw scans the text "
		    "until cmd5pw index rebuilds it", cdb);
	else if (r == 0)
		report(1, 0, "index %s is unusable: %s; cmd5checkpw scans the "
		    "text (cmd5pw index rebuilds it)", cdb, err.msg);
	else if (pw_text_digest(text, textlen, md) != 0)
		die(EXIT_SYS, "cannot compute the digest of %s", path);
	else if (memcmp(md, info.digest, sizeof(md)) != 0)
		report(1, 0, "index %s was not built from this text (its "
		    "digest differs, though size and times agree): "
		    "cmd5checkpw may answer from it; run cmd5pw index", cdb);
	else if (info.records != entries)
		report(1, 0, "index %s holds %ju records for %zu entries: "
		    "run cmd5pw index", cdb, (uintmax_t)info.records, entries);
	else if (info.largest > limit / 10 * 8)
		report(0, 0, "index %s: a file of %ju bytes is at %ju%% of the "
		    "cdb format's limit (%ju bytes)", cdb,
		    (uintmax_t)info.largest,
		    (uintmax_t)(info.largest * 100 / limit), (uintmax_t)limit);
	free(cdb);
}

static int
cmd_check(int strict)
{
	struct htab seen = { 0 };
	struct line l;
	struct stat st;
	size_t off = 0, lineno = 0, entries = 0;

	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		report(0, 0, "a symbolic link: cmd5pw will not write "
		    "through it");
	read_text(0, 0);
	if (text_st.st_mode & (S_IWGRP | S_IWOTH))
		report(1, 0, "writable by %s: cmd5checkpw refuses it (chmod "
		    "go-w)", text_st.st_mode & S_IWOTH ? "others" : "group");
	if (text_st.st_mode & S_IROTH)
		report(0, 0, "readable by everyone (chmod o-r)");
	while (next_line(text, textlen, &off, &l))
		check_line(++lineno, &l, &seen, &entries);
	free(seen.e);
	check_index(entries);
	printf("%s: %zu entries, %zu errors, %zu warnings\n", path, entries,
	    nerrors, nwarnings);
	if (fflush(stdout) != 0 || ferror(stdout))
		die(EXIT_SYS, "cannot write the report: %s", strerror(errno));
	return nerrors > 0 || (strict && nwarnings > 0) ? EXIT_REJECT : 0;
}

/* ---- verify, index, migrate ---- */

static int
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

static int
cmd_index(void)
{
	lock_file();
	read_text(1, 0);	/* the same refusals as for a change */
	rebuild_index(text != NULL ? text : "", textlen, &text_st);
	fprintf(stderr, "cmd5pw: %s: index rebuilt\n", path);
	return 0;
}

static int
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
			out_entry(&jobs[k], l.len > 0 &&
			    l.p[l.len - 1] == '\r');
			buf_free(&jobs[k++].field);
			continue;
		}
		buf_add(&out, l.p, l.full);
	}
	commit();
	fprintf(stderr, "cmd5pw: %s: migrated %zu logins%s\n", path, n,
	    o->keep_plain ? " (plaintext kept for APOP)" : "");
	if (o->keep_plain)
		warn("warning: %s still holds the plaintext passwords "
		    "({PLAIN}): anyone who can read it can log in", path);
	free(jobs);
	return 0;
}

/* ---- main ---- */

/* A closed 0, 1 or 2 would be taken by a file we open. */
static void
hold_std_fds(void)
{
	int fd;

	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) == -1 &&
		    open("/dev/null", O_RDWR) != fd)
			_exit(EXIT_SYS);
}

static const char *
optname(const struct option *lo, int ch)
{
	static char b[64];

	for (; lo->name != NULL; lo++)
		if (lo->val == ch) {
			snprintf(b, sizeof(b), "-%c (--%s)", ch, lo->name);
			return b;
		}
	return "?";
}

enum cmd { C_ADD, C_PASSWD, C_DEL, C_LIST, C_VERIFY, C_CHECK, C_MIGRATE,
    C_INDEX };
static const struct command {
	const char *name;
	enum cmd cmd;
	const char *opts;	/* the options it takes */
	int nargs;		/* operands: a login or none */
} commands[] = {
	{ "add", C_ADD, "sbHpj", 1 },
	{ "passwd", C_PASSWD, "sbHpj", 1 },
	{ "del", C_DEL, "", 1 },
	{ "list", C_LIST, "", 0 },
	{ "verify", C_VERIFY, "s", 1 },
	{ "check", C_CHECK, "S", 0 },
	{ "migrate", C_MIGRATE, "Hkj", 0 },
	{ "index", C_INDEX, "", 0 },
};

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "stdin", no_argument, NULL, 's' },
		{ "batch", no_argument, NULL, 'b' },
		{ "hash-only", no_argument, NULL, 'H' },
		{ "plain", no_argument, NULL, 'p' },
		{ "keep-plain", no_argument, NULL, 'k' },
		{ "strict", no_argument, NULL, 'S' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "file", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *c = NULL;
	struct opts o;
	char given[16] = "", *end;
	size_t i, ng = 0;
	int ch, r;

	hold_std_fds();
	umask(077);
	catch_signals();
	memset(&o, 0, sizeof(o));
	o.how = STORE_DEFAULT;
	o.jobs = ncores();
	while ((ch = getopt_long(argc, argv, "f:j:sbHpkS", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (optarg[0] == '\0')
				dieusage("empty file name");
			path = optarg;
			continue;
		case 'j':
			errno = 0;
			o.jobs = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || o.jobs < 1 ||
			    o.jobs > 1024)
				dieusage("-j wants a number from 1 to 1024");
			break;
		case 's':
			o.from_stdin = 1;
			break;
		case 'b':
			o.batch = 1;
			break;
		case 'H':
			o.how = STORE_HASH;
			break;
		case 'p':
			o.how = STORE_PLAIN;
			break;
		case 'k':
			o.keep_plain = 1;
			break;
		case 'S':
			o.strict = 1;
			break;
		default:
			dieusage("unknown option");
		}
		if (ng < sizeof(given) - 1 && strchr(given, ch) == NULL)
			given[ng++] = (char)ch;
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		dieusage("no command");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			c = &commands[i];
	if (c == NULL)
		dieusage("unknown command");
	for (i = 0; i < ng; i++)
		if (strchr(c->opts, given[i]) == NULL) {
			fprintf(stderr, "cmd5pw: %s takes no %s\n", c->name,
			    optname(longopts, given[i]));
			dieusage("option not for this command");
		}
	if (strchr(given, 'H') && strchr(given, 'p'))
		dieusage("-H and -p exclude each other");
	if (o.batch && o.from_stdin)
		dieusage("-b and --stdin exclude each other");
	if (argc - 1 != (o.batch ? 0 : c->nargs))
		dieusage(c->nargs && !o.batch ? "one login expected" :
		    "too many operands");
	switch (c->cmd) {
	case C_ADD:
	case C_PASSWD:
		r = cmd_set(c->cmd == C_ADD, argv[1], &o);
		break;
	case C_DEL:
		r = cmd_del(argv[1]);
		break;
	case C_LIST:
		r = cmd_list();
		break;
	case C_VERIFY:
		r = cmd_verify(argv[1], o.from_stdin);
		break;
	case C_CHECK:
		r = cmd_check(o.strict);
		break;
	case C_MIGRATE:
		r = cmd_migrate(&o);
		break;
	default:
		r = cmd_index();
		break;
	}
	finish(r);
}
