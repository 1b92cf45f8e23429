/* cmd5checkpw: a checkpassword program (cr.yp.to/checkpwd/interface.html)
 * for CRAM-MD5, LOGIN, PLAIN and APOP against /etc/poppasswd.
 *
 * Read descriptor 3 (at most 512 bytes), close it, decide which front end
 * wrote it (fd3.c), find the login (pwfile.c), check it (verify.c), log one
 * line (log.c), then exec prog with USER set.  Exit 1: rejected; 2: misused;
 * 3: unknown user in a Dovecot lookup; 111: temporary failure. */
#define _GNU_SOURCE		/* getresuid, setresuid */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "fd3.h"
#include "hmac_md5.h"
#include "log.h"
#include "lookup.h"
#include "stdfds.h"
#include "verify.h"

#define EXIT_REJECT 1
#define EXIT_MISUSE 2
#define EXIT_NOUSER 3
#define EXIT_TEMP 111

#define USAGE "usage: cmd5checkpw [-f file] [-m auto|dabrowski|hoffmann|pop3|" \
    "password] [-l syslog|stderr|none] [-t seconds] prog [args ...]"

static char up[FD3_MAX + 1];	/* the fd-3 data: secrets, wiped on exit */
static size_t uplen;
static char remote[sizeof(" remote=") + 4 * 64];	/* " remote=IP" or "" */

static void __attribute__((noreturn))
finish(int status)
{
	wipe(up, sizeof(up));
	_exit(status);
}

static void __attribute__((noreturn))
die(int status, const char *what)
{
	log_line(LOG_ERR, "error reason=\"%s\"", what);
	finish(status);
}

static void __attribute__((noreturn))
dieusage(const char *why)
{
	/* stderr only when a person is looking: under Dabrowski's patch it
	 * is the SMTP client's socket */
	if (isatty(2))
		fprintf(stderr, "cmd5checkpw: %s\n%s\n", why, USAGE);
	die(EXIT_MISUSE, why);
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Reads fd 3 to end of file, within a deadline: a front end that never
 * closes it must not pin a process forever. */
static void
read_fd3(long deadline_ms)
{
	struct pollfd pfd = { .fd = 3, .events = POLLIN };
	struct timespec t0;
	ssize_t r;
	long left;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		left = deadline_ms - ms_since(&t0);
		if (left <= 0)
			die(EXIT_TEMP, "fd 3 not at end of file within deadline");
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die(EXIT_TEMP, "cannot poll fd 3");
		if (r == 0)
			continue;
		r = read(3, up + uplen, sizeof(up) - uplen);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			die(EXIT_TEMP, "cannot read fd 3");
		if (r == 0)
			break;
		uplen += (size_t)r;
		if (uplen > FD3_MAX) {
			close(3);
			log_line(LOG_NOTICE, "fail reason=input-over-512-bytes%s",
			    remote);
			finish(EXIT_REJECT);
		}
	}
	close(3);
}

/* An old guide's setuid install: no elevated id may reach prog. */
static int
drop_privileges(void)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresgid(&rg, &eg, &sg) != 0 || getresuid(&ru, &eu, &su) != 0)
		return -1;
	if ((eg != rg || sg != rg) && setresgid(rg, rg, rg) != 0)
		return -1;
	if ((eu != ru || su != ru) && setresuid(ru, ru, ru) != 0)
		return -1;
	if (getresgid(&rg, &eg, &sg) != 0 || getresuid(&ru, &eu, &su) != 0)
		return -1;
	return eg == rg && sg == rg && eu == ru && su == ru ? 0 : -1;
}

/* No login holds a ':' (the file's separator), so what follows one is
 * likely a password typed as "login:password": log only the part before. */
static void
log_login(const char *login, size_t len, char *out, size_t size)
{
	const char *colon = memchr(login, ':', len);
	size_t n;

	if (colon == NULL) {
		log_escape(login, len, out, size);
		return;
	}
	n = log_escape(login, (size_t)(colon - login), out, size - 5);
	memcpy(out + n, ":...", 5);
}

static const char *
source_name(const struct pwmatch *m)
{
	if (m->source == SRC_INDEX)
		return "index";
	switch (m->index) {
	case IDX_STALE:
		return "text index=stale";
	case IDX_BAD:
		return "text index=unusable";
	default:
		return "text";
	}
}

struct opts {
	const char *path;	/* -f */
	enum layout layout;	/* -m */
	long deadline_ms;	/* -t */
};

static int
parse_options(int argc, char **argv, struct opts *o)
{
	const char *logname = "syslog";
	enum logdest dest;
	char *end;
	int c, fflag = 0;

	o->path = "/etc/poppasswd";
	o->layout = LAYOUT_AUTO;
	o->deadline_ms = 10000;
	while ((c = getopt(argc, argv, "+f:m:l:t:")) != -1) {
		switch (c) {
		case 'f':
			o->path = optarg;
			fflag = 1;
			break;
		case 'm':
			if (layout_from_name(optarg, &o->layout) != 0)
				dieusage("unknown -m mode");
			break;
		case 'l':
			logname = optarg;
			break;
		case 't':
			errno = 0;
			o->deadline_ms = strtol(optarg, &end, 10);
			if (errno || *end || o->deadline_ms < 1 ||
			    o->deadline_ms > 3600)
				dieusage("-t wants 1 to 3600 seconds");
			o->deadline_ms *= 1000;
			break;
		default:
			dieusage("unknown option");
		}
	}
	if (logdest_from_name(logname, &dest) != 0)
		dieusage("unknown -l destination");
	log_open(dest, "cmd5checkpw");
	if (optind >= argc)
		dieusage("no program to run");
	if (fflag && (getuid() != geteuid() || getgid() != getegid()))
		dieusage("-f is refused when installed setuid or setgid");
	return optind;
}

/* Finds and checks the login, logs the attempt; returns 0 when prog may
 * run, else the exit status. */
static int
authenticate(const struct opts *o, const struct authreq *rq)
{
	const char *reason = "none", *used = "none";
	char elogin[4 * FD3_MAX + 1];
	enum mech proved = rq->mech;
	struct pwmatch m;
	struct pwerr err;
	int ok;

	log_login(rq->login, rq->loginlen, elogin, sizeof(elogin));
	if (pw_lookup(o->path, rq->login, rq->loginlen, &m, &err) != 0) {
		log_line(LOG_ERR, "error login=\"%s\" reason=\"%s\"%s", elogin,
		    err.msg, remote);
		return EXIT_TEMP;
	}
	if (m.found) {
		ok = verify(rq, m.field, m.fieldlen, &reason, &used, &proved);
	} else {
		/* the same work as for a known login, then no */
		ok = 0;
		if (m.dummy != NULL && rq->mech != MECH_LOOKUP &&
		    verify(rq, m.dummy, m.dummylen, &reason, &used,
		    &proved) < 0)
			ok = -1;
		reason = "unknown-login";
	}
	pwmatch_free(&m);
	if (ok < 0) {
		/* e.g. out of memory for yescrypt: not the client's fault,
		 * and the same answer whether or not the login exists */
		log_line(LOG_ERR, "error login=\"%s\" reason=\"cannot compute "
		    "the crypt hash (out of memory?)\" source=%s%s", elogin,
		    source_name(&m), remote);
		return EXIT_TEMP;
	}
	if (!ok) {
		log_line(LOG_NOTICE, "fail login=\"%s\" mech=%s reason=%s "
		    "source=%s%s", elogin, mech_name(rq->mech), reason,
		    source_name(&m), remote);
		return rq->mech == MECH_LOOKUP ? EXIT_NOUSER : EXIT_REJECT;
	}
	log_line(LOG_INFO, "ok login=\"%s\" mech=%s verifier=%s source=%s%s",
	    elogin, mech_name(proved), used, source_name(&m), remote);
	return 0;
}

/* Dovecot's checkpassword-reply wants USER; a lookup answers with
 * AUTHORIZED=2 (doc.dovecot.org, checkpassword). */
static void __attribute__((noreturn))
run(char **prog, const struct authreq *rq)
{
	if (setenv("USER", rq->login, 1) != 0)
		die(EXIT_TEMP, "out of memory");
	if (rq->mech == MECH_LOOKUP && setenv("AUTHORIZED", "2", 1) != 0)
		die(EXIT_TEMP, "out of memory");
	wipe(up, sizeof(up));
	if (drop_privileges() != 0)
		die(EXIT_TEMP, "cannot drop setuid/setgid privileges");
	execvp(prog[0], prog);
	log_line(LOG_ERR, "error reason=\"cannot run %s: %s\"", prog[0],
	    strerror(errno));
	finish(EXIT_TEMP);
}

int
main(int argc, char **argv)
{
	const char *env, *why = NULL;
	struct authreq rq;
	struct opts o;
	int progind, status, lookup;

	hold_std_fds();
	progind = parse_options(argc, argv, &o);
	if (fcntl(3, F_GETFD) == -1)
		dieusage("fd 3 is not open");
	if ((env = getenv("TCPREMOTEIP")) != NULL) {
		memcpy(remote, " remote=", 8);
		log_escape(env, strnlen(env, 64), remote + 8,
		    sizeof(remote) - 8);
	}
	read_fd3(o.deadline_ms);
	/* Dovecot asks for a userdb lookup with AUTHORIZED=1 */
	lookup = (env = getenv("AUTHORIZED")) != NULL && strcmp(env, "1") == 0;
	if (fd3_parse(up, uplen, o.layout, lookup, &rq, &why) != 0)
		die(EXIT_MISUSE, why);
	if ((status = authenticate(&o, &rq)) != 0)
		finish(status);
	run(argv + progind, &rq);
}
