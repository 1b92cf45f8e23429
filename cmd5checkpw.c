/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
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
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "fd3.h"
#include "hmac_md5.h"
#include "log.h"
#include "lookup.h"
#include "mailbox.h"
#include "pwfile.h"
#include "replay.h"
#include "stdfds.h"
#include "throttle.h"
#include "verify.h"

#define EXIT_REJECT 1
#define EXIT_MISUSE 2
#define EXIT_NOUSER 3
#define EXIT_TEMP 111

#define USAGE "usage: cmd5checkpw [-P] [-f file] [-H host] " \
    "[-l syslog|stderr|fd:N|none]\n" \
    "    [-m auto|dabrowski|hoffmann|pop3|password] [-r record] " \
    "[-t seconds] [-w seconds]\n" \
    "    [-d base [-D domain]] [-u uid] [-g gid] [-M] [-R] prog [args ...]"
#define HELP \
"Reads a login from fd 3 (checkpassword interface), checks it against the\n" \
"password file, then runs prog with USER set.\n" \
"  -f file     the password file (default /etc/poppasswd)\n" \
"  -m layout   the front end's fd-3 layout (give it; default auto)\n" \
"  -H host     the host a challenge or APOP timestamp must name\n" \
"  -r record   the one-time record of challenges\n" \
"              (default /var/lib/cmd5checkpw/replay)\n" \
"  -w seconds  how long a challenge stays good (default 300)\n" \
"  -P          do not require the challenge's PID to be the parent's\n" \
"  -l dest     where the one log line goes: syslog (default), stderr,\n" \
"              fd:N, none\n" \
"  -t seconds  how long to wait for fd 3 (default 10)\n" \
"  -d base     virtual mail: homes base/domain/localpart; -D domain: of\n" \
"              logins without '@'; -u uid, -g gid: the mail account\n" \
"  -M          every login is a mailbox login; -R: allow uid/gid 0\n" \
"  THROTTLE_FILE and THROTTLE_* in the environment: throttling\n" \
"  --help      this text;  --version  the version\n" \
"Exit 1: rejected; 2: misused; 3: unknown user (Dovecot lookup);\n" \
"111: temporary failure.  See cmd5checkpw(8).\n"

static char up[FD3_MAX + 1];	/* the fd-3 data: secrets, wiped on exit */
static size_t uplen;

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
			log_line(LOG_NOTICE, "fail reason=input-over-512-bytes");
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
	const char *base;	/* -d: virtual homes under base/domain/local */
	const char *defdomain;	/* -D: the domain of a login without '@' */
	int has_uid, has_gid;	/* -u, -g: the mail account */
	unsigned long uid, gid;
	int mailbox_only;	/* -M: a login without an identity is 111 */
	int allow_root;		/* -R: uid or gid 0 allowed */
	struct replay_opts replay;	/* -H, -P, -r, -w */
};

/* A number of seconds from lo to hi, or dieusage(why). */
static long
seconds(const char *arg, long lo, long hi, const char *why)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < lo || v > hi)
		dieusage(why);
	return v;
}

/* Who prog runs as after a mailbox login (cmd5checkpw(8), "Mailbox
 * logins"): from the login's line, else the site defaults. */
struct identity {
	int on;
	unsigned long uid, gid;
	char home[MB_HOME_MAX + 1];	/* the line's home, or -d base */
	char rel[2 * MB_PART_MAX + 2];	/* "domain/local" under base, or "" */
	const char *why;		/* set when on is -1: no usable one */
};
static struct identity id;

static void
parse_id(const char *arg, unsigned long *out, const char *what)
{
	if (mb_parse_id(arg, strlen(arg), out) != 0)
		dieusage(what);
}

/* --help and --version: to stdout, exit 0 */
static void __attribute__((noreturn))
print_and_exit(const char *s1, const char *s2)
{
	fputs(s1, stdout);
	fputs(s2, stdout);
	if (fflush(stdout) != 0 || ferror(stdout))
		finish(EXIT_TEMP);
	finish(0);
}

static int
parse_options(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *logname = "syslog", *env;
	enum logdest dest;
	int c, fflag = 0, rflag = 0, hflag = 0;

	o->path = "/etc/poppasswd";
	o->layout = LAYOUT_AUTO;
	o->deadline_ms = 10000;
	o->base = o->defdomain = NULL;
	o->has_uid = o->has_gid = o->mailbox_only = o->allow_root = 0;
	o->replay.path = REPLAY_PATH;
	o->replay.window = REPLAY_WINDOW;
	o->replay.host = NULL;
	o->replay.parent = 1;
	opterr = 0;	/* one message, ours, with one prefix */
	while ((c = getopt_long(argc, argv, "+:f:H:l:m:Pr:t:w:d:D:u:g:MR", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'h':
			print_and_exit(USAGE "\n", HELP);
		case 'V':
			print_and_exit("cmd5checkpw " VERSION "\n", "");
		case ':':
			dieusage("option needs an argument");
		case 'f':
			o->path = optarg;
			fflag = 1;
			break;
		case 'H':
			o->replay.host = optarg;
			hflag = 1;
			break;
		case 'l':
			logname = optarg;
			break;
		case 'm':
			if (layout_from_name(optarg, &o->layout) != 0)
				dieusage("unknown -m mode");
			break;
		case 'P':
			o->replay.parent = 0;
			break;
		case 'r':
			o->replay.path = optarg;
			rflag = 1;
			break;
		case 't':
			o->deadline_ms = seconds(optarg, 1, 3600,
			    "-t wants 1 to 3600 seconds") * 1000;
			break;
		case 'w':
			o->replay.window = seconds(optarg, 1, 86400,
			    "-w wants 1 to 86400 seconds");
			break;
		case 'd':
			if (!mb_home_ok(optarg, strlen(optarg)))
				dieusage("-d wants an absolute clean path");
			o->base = optarg;
			break;
		case 'D':
			if (!mb_part_ok(optarg, strlen(optarg)))
				dieusage("-D wants a domain name");
			o->defdomain = optarg;
			break;
		case 'u':
			parse_id(optarg, &o->uid, "-u wants a numeric uid");
			o->has_uid = 1;
			break;
		case 'g':
			parse_id(optarg, &o->gid, "-g wants a numeric gid");
			o->has_gid = 1;
			break;
		case 'M':
			o->mailbox_only = 1;
			break;
		case 'R':
			o->allow_root = 1;
			break;
		default:
			dieusage("unknown option");
		}
	}
	if (logdest_from_name(logname, &dest) != 0)
		dieusage("unknown -l destination");
	log_open(dest, "cmd5checkpw");
	if (dest == LOGDEST_FD && fcntl(log_fd(), F_GETFD) == -1) {
		log_open(LOGDEST_SYSLOG, "cmd5checkpw");
		dieusage("-l fd:N names a descriptor that is not open");
	}
	if (optind >= argc)
		dieusage("no program to run");
	if ((fflag || rflag) &&
	    (getuid() != geteuid() || getgid() != getegid()))
		dieusage("-f and -r are refused when installed setuid or setgid");
	if (hflag && *o->replay.host == '\0')
		dieusage("-H wants a host name");
	/* Hoffmann's challenges name TCPLOCALHOST (PROTOCOLS); Dabrowski
	 * and qmail-popup use their own HOST argument, never assumed */
	if (!hflag && o->layout == LAYOUT_HOFFMANN &&
	    (env = getenv("TCPLOCALHOST")) != NULL && *env != '\0')
		o->replay.host = env;
	return optind;
}

/* A challenge or timestamp must be fresh, our parent's and unused
 * (replay.c); returns 0, or the exit status after logging why not. */
static int
check_challenge(const struct opts *o, const struct authreq *rq)
{
	const char *reason = NULL;
	char elogin[4 * FD3_MAX + 1], err[512];
	int r;

	if (!mech_has_challenge(rq->mech))
		return 0;
	r = replay_check(&o->replay, rq->chal, rq->challen, &reason, err,
	    sizeof(err));
	if (r == 0)
		return 0;
	log_login(rq->login, rq->loginlen, elogin, sizeof(elogin));
	if (r == 1) {
		log_line(LOG_NOTICE, "fail mech=%s reason=%s source=none "
		    "login=\"%s\"", mech_name(rq->mech), reason, elogin);
		return EXIT_REJECT;
	}
	log_line(LOG_ERR, "error mech=%s reason=\"%s\" login=\"%s\"",
	    mech_name(rq->mech), err, elogin);
	return EXIT_TEMP;
}

/* Dovecot runs the checker for its passdb (ORIG_UID set) and userdb
 * (AUTHORIZED=1, a lookup). */
static int
under_dovecot(const struct authreq *rq)
{
	return rq->mech == MECH_LOOKUP || getenv("ORIG_UID") != NULL;
}

/* Whether mailbox fields apply at all: for a mailbox service (-M, -d),
 * under Dovecot (which gets them back), and as root (qmail-popup).  An
 * unprivileged SMTP AUTH checker (qmaild) ignores them, so a file shared
 * with POP3 keeps SMTP AUTH working as before. */
static int
mailbox_service(const struct opts *o, const struct authreq *rq)
{
	return o->mailbox_only || o->base != NULL || under_dovecot(rq) ||
	    geteuid() == 0;
}

/* The identity of a login whose line holds field: the line's uid=, gid=,
 * home= first, the site defaults (-u, -g, -d) for what it lacks.  None at
 * all: id.on = 0 (prog runs as today, e.g. SMTP AUTH's true). */
static void
resolve_identity(const struct opts *o, const struct authreq *rq,
    const char *field, size_t fieldlen)
{
	struct mbfields f;
	const char *why = NULL;

	memset(&id, 0, sizeof(id));
	if (mb_parse(field, fieldlen, &f, &why) != 0) {
		id.on = -1;
		id.why = why;
		return;
	}
	if (!f.has_uid && !f.has_gid && !f.has_home && o->base == NULL)
		return;
	id.on = -1;
	if (!(f.has_uid || o->has_uid) || !(f.has_gid || o->has_gid)) {
		id.why = "no uid or gid for this mailbox (uid=/gid= or -u/-g)";
		return;
	}
	id.uid = f.has_uid ? f.uid : o->uid;
	id.gid = f.has_gid ? f.gid : o->gid;
	if (f.has_home) {
		memcpy(id.home, f.home, f.homelen);
		id.home[f.homelen] = '\0';
	} else if (o->base != NULL) {
		if (strlen(o->base) > MB_HOME_MAX) {
			id.why = "-d base too long";
			return;
		}
		strcpy(id.home, o->base);
		if (mb_derive(rq->login, rq->loginlen, o->defdomain, id.rel,
		    sizeof(id.rel), &why) != 0) {
			id.why = why;
			return;
		}
	} else {
		id.why = "no home for this mailbox (home= or -d)";
		return;
	}
	if ((id.uid == 0 || id.gid == 0) && !o->allow_root) {
		id.why = "uid or gid 0 for a mailbox login (-R allows it)";
		return;
	}
	id.on = 1;
}

/* Finds and checks the login, logs the attempt; returns 0 when prog may
 * run, else the exit status. */
static int
authenticate(const struct opts *o, const struct authreq *rq)
{
	const char *reason = "none", *used = "none";
	char elogin[4 * FD3_MAX + 1];
	enum mech proved = rq->mech;
	struct throttle th;
	struct pwmatch m;
	struct pwerr err;
	struct timespec t0;
	int ok;

	log_login(rq->login, rq->loginlen, elogin, sizeof(elogin));
	if (throttle_check(&th, rq)) {
		/* refused unchecked: a throttled guess learns nothing */
		log_line(LOG_NOTICE, "fail mech=%s reason=throttled source=none"
		    " login=\"%s\"", mech_name(rq->mech), elogin);
		return EXIT_REJECT;
	}
	if (pw_lookup(o->path, rq->login, rq->loginlen, &m, &err) != 0) {
		log_line(LOG_ERR, "error reason=\"%s\" login=\"%s\"", err.msg,
		    elogin);
		return EXIT_TEMP;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (m.found) {
		ok = verify(rq, m.field, m.fieldlen, &reason, &used, &proved);
		if (mailbox_service(o, rq))
			resolve_identity(o, rq, m.field, m.fieldlen);
	} else {
		/* the same work as for a known login, then no */
		ok = 0;
		if (m.dummy != NULL && rq->mech != MECH_LOOKUP &&
		    verify(rq, m.dummy, m.dummylen, &reason, &used,
		    &proved) < 0)
			ok = -1;
		reason = "unknown-login";
	}
	/* every refusal costs the same, whatever the login's verifier */
	if (ok == 0 && verify_pad(rq, m.found ? m.field : m.dummy,
	    m.found ? m.fieldlen : m.dummylen, m.dummy, m.dummylen, &t0) < 0)
		ok = -1;
	pwmatch_free(&m);
	if (ok < 0) {
		/* e.g. out of memory for yescrypt: not the client's fault,
		 * and the same answer whether or not the login exists */
		log_line(LOG_ERR, "error reason=\"cannot compute the crypt hash "
		    "(out of memory?)\" source=%s login=\"%s\"",
		    source_name(&m), elogin);
		return EXIT_TEMP;
	}
	throttle_record(&th, rq, ok);
	if (!ok) {
		log_line(LOG_NOTICE, "fail mech=%s reason=%s source=%s "
		    "login=\"%s\"", mech_name(rq->mech), reason,
		    source_name(&m), elogin);
		return rq->mech == MECH_LOOKUP ? EXIT_NOUSER : EXIT_REJECT;
	}
	log_line(LOG_INFO, "ok mech=%s verifier=%s source=%s login=\"%s\"",
	    mech_name(proved), used, source_name(&m), elogin);
	return 0;
}

static void __attribute__((noreturn))
die_mailbox(const struct authreq *rq, const char *what)
{
	char elogin[4 * FD3_MAX + 1];

	log_login(rq->login, rq->loginlen, elogin, sizeof(elogin));
	log_line(LOG_ERR, "error reason=\"mailbox: %s\" login=\"%s\"", what,
	    elogin);
	finish(EXIT_TEMP);
}

static void
setenv_or_die(const char *name, const char *value)
{
	if (setenv(name, value, 1) != 0)
		die(EXIT_TEMP, "out of memory");
}

static void
setenv_num(const char *name, unsigned long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lu", v);
	setenv_or_die(name, buf);
}

/* Dovecot runs its checkpassword-reply after us and refuses it under
 * another uid (ORIG_UID): there the identity goes back as userdb fields,
 * which checkpassword-reply copies from the variables EXTRA names
 * (dovecot 2.3 src/auth/checkpassword-reply.c). */
static void
export_dovecot(void)
{
	char home[sizeof(id.home) + sizeof(id.rel) + 1];

	snprintf(home, sizeof(home), "%s%s%s", id.home, id.rel[0] ? "/" : "",
	    id.rel);
	setenv_or_die("HOME", home);
	setenv_num("userdb_uid", id.uid);
	setenv_num("userdb_gid", id.gid);
	setenv_or_die("EXTRA", "userdb_uid userdb_gid");
}

/* As DJB's checkpassword does for a system user: into the home (opened
 * name by name, no symlink followed, owned by the uid), then groups, gid
 * and uid, each checked after the fact. */
static void
become(const struct authreq *rq)
{
	char home[sizeof(id.home) + sizeof(id.rel) + 1];
	gid_t g = (gid_t)id.gid, rg, eg, sg;
	uid_t u = (uid_t)id.uid, ru, eu, su;
	const char *why;
	struct stat st;
	int fd;

	if ((fd = mb_open_dir(id.home, id.rel[0] ? id.rel : NULL, &why)) < 0)
		die_mailbox(rq, why);
	if (fstat(fd, &st) != 0 || st.st_uid != u)
		die_mailbox(rq, "home is not owned by the mailbox uid");
	if (fchdir(fd) != 0)
		die_mailbox(rq, "cannot enter home");
	close(fd);
	if (geteuid() == 0 && setgroups(1, &g) != 0)
		die_mailbox(rq, "cannot set groups");
	if (setresgid(g, g, g) != 0 || setresuid(u, u, u) != 0)
		die_mailbox(rq, "cannot set gid or uid");
	if (getresgid(&rg, &eg, &sg) != 0 || getresuid(&ru, &eu, &su) != 0 ||
	    rg != g || eg != g || sg != g || ru != u || eu != u || su != u)
		die_mailbox(rq, "gid or uid did not take");
	if (u != 0 && setuid(0) == 0)
		die_mailbox(rq, "uid 0 could be regained");
	snprintf(home, sizeof(home), "%s%s%s", id.home, id.rel[0] ? "/" : "",
	    id.rel);
	setenv_or_die("HOME", home);
	setenv_or_die("SHELL", "/bin/false");
}

/* Dovecot's checkpassword-reply wants USER; a lookup answers with
 * AUTHORIZED=2 (doc.dovecot.org, checkpassword). */
static void __attribute__((noreturn))
run(char **prog, const struct authreq *rq, const struct opts *o)
{
	int dovecot = under_dovecot(rq);

	if (setenv("USER", rq->login, 1) != 0)
		die(EXIT_TEMP, "out of memory");
	if (rq->mech == MECH_LOOKUP && setenv("AUTHORIZED", "2", 1) != 0)
		die(EXIT_TEMP, "out of memory");
	if (id.on < 0)
		die_mailbox(rq, id.why);
	if (id.on == 0 && o->mailbox_only)
		die_mailbox(rq, "no uid, gid and home for this login (-M)");
	if (id.on > 0 && dovecot)
		export_dovecot();
	else if (id.on > 0)
		become(rq);
	if (log_fd() > 2)
		fcntl(log_fd(), F_SETFD, FD_CLOEXEC);
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
	struct pwerr err;
	struct opts o;
	int progind, status, lookup, fd3_open, elevated;

	hold_std_fds();
	/* before openlog(LOG_NDELAY), whose socket would take a free fd 3 */
	fd3_open = fcntl(3, F_GETFD) != -1;
	if (!fd3_open && open("/dev/null", O_RDONLY) != 3)
		_exit(EXIT_TEMP);
	progind = parse_options(argc, argv, &o);
	if (!fd3_open)
		dieusage("fd 3 is not open");
	elevated = getuid() != geteuid() || getgid() != getegid();
	/* not from a local user's environment either (setuid): a forged
	 * remote= would make fail2ban ban someone else */
	if (!elevated && (env = getenv("TCPREMOTEIP")) != NULL)
		log_set_remote(env);
	read_fd3(o.deadline_ms);
	/* Dovecot asks for a userdb lookup with AUTHORIZED=1.  Not in a
	 * setuid or setgid install: any local user could set it and learn
	 * which logins exist (exit 0 or 3), without a password. */
	lookup = !elevated && (env = getenv("AUTHORIZED")) != NULL &&
	    strcmp(env, "1") == 0;
	/* a layout no front end writes: a client put NULs in a password */
	if (fd3_parse(up, uplen, o.layout, lookup, &rq, &why) != 0)
		die(EXIT_MISUSE, why);
	if (pwfile_check_writers(o.path, &err) != 0)
		die(EXIT_TEMP, err.msg);
	if ((status = check_challenge(&o, &rq)) != 0 ||
	    (status = authenticate(&o, &rq)) != 0)
		finish(status);
	run(argv + progind, &rq, &o);
}
