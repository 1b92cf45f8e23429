/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* cmd5pw: manage the password file (poppasswd(5)) and its cdb index.
 * This file: options and dispatch.  The commands are in pwcmd.c and
 * pwcheck.c, the transaction every change shares in txn.c, new passwords
 * in password.c, batches and the hashing threads in batch.c, helpers in
 * util.c.  Exit 0: done; 1: rejected; 2: usage; 111: system error
 * (cmd5pw(8), EXIT STATUS). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "batch.h"
#include "password.h"
#include "pwcheck.h"
#include "pwcmd.h"
#include "pwmailbox.h"
#include "stdfds.h"
#include "txn.h"
#include "util.h"
#ifndef NO_LDAP
#include "ldapsync.h"
#endif

#define USAGE \
"usage: cmd5pw [-q] [-f file] add|passwd [-H | -p] [-c cost] [--stdin] login\n" \
"       cmd5pw [-q] [-f file] add|passwd [-H | -p] [-c cost] [-j jobs] -b\n" \
"       cmd5pw [-q] [-f file] add|passwd -e --stdin login | -e -b\n" \
"       cmd5pw [-q] [-f file] del | lock | unlock login ...\n" \
"       cmd5pw [-q] [-f file] verify [--stdin] login\n" \
"       cmd5pw [-f file] list | index | check [--strict]\n" \
"       cmd5pw [-q] [-f file] migrate [-H] [-k] [-c cost] [-j jobs]\n" \
"       cmd5pw [-f file] mailbox login [uid=N] [gid=N] [home=/path]\n" \
"       cmd5pw [-f file] dovecot passwd-file\n" \
"       (-x passwd-file, or CMD5PW_DOVECOT: export it after every change)\n" \
"       cmd5pw [-f file] [-C conf] sync [--full | --paged] | follow | status\n" \
"       cmd5pw -C conf add|passwd [--stdin] login | del|lock|unlock login\n" \
"       cmd5pw --help | --version\n"
#define HELP \
"Manages the password file of cmd5checkpw and its cdb index FILE.cdb.\n" \
"  add       add a login (asks for the password, or one line with --stdin)\n" \
"  passwd    change a login's password (a locked login stays locked)\n" \
"  del       remove logins\n" \
"  lock      lock logins ('!' before the verifiers); unlock: undo it\n" \
"  verify    check a password against the file\n" \
"  list      logins and the kinds of their verifiers, on stdout\n" \
"  index     rebuild FILE.cdb\n" \
"  check     report problems in the file (exit 1 on errors; --strict:\n" \
"            on warnings too)\n" \
"  migrate   hash the legacy plaintext passwords\n" \
"  mailbox   show or set a login's uid=, gid=, home= (poppasswd(5))\n" \
"  dovecot   write a Dovecot passwd-file of the logins with hashes\n" \
"  sync, follow, status (with -C conf): the replica of an LDAP\n" \
"            directory (cmd5pw-ldap(8))\n" \
"  -f file   the password file (default /etc/poppasswd)\n" \
"  -b        login:password lines on stdin (--batch)\n" \
"  -e        import: stdin holds verifiers (login:$y$... with -b), stored\n" \
"            as they are when valid, else refused (--encrypted)\n" \
"  -H        the crypt hash only, no {CRAM-MD5} (--hash-only)\n" \
"  -p        {PLAIN} only, for APOP (--plain)\n" \
"  -c cost   the crypt hash's cost, as crypt_gensalt(3) takes it (--cost)\n" \
"  -k        migrate: keep the plaintext as {PLAIN} too (--keep-plain)\n" \
"  -j jobs   hashing threads (--jobs; default: the cores online)\n" \
"  -q        no messages on success (--quiet)\n" \
"  -x file   export the Dovecot passwd-file after every change (--dovecot)\n" \
"  -C conf   the LDAP directory's configuration (--config)\n" \
"Exit 0: done; 1: rejected; 2: usage; 111: system error.  See cmd5pw(8).\n"

static void __attribute__((noreturn))
dieusage(const char *why)
{
	fprintf(stderr, "cmd5pw: %s\n%s", why, USAGE);
	finish(EXIT_USAGE);
}

/* --help and --version: to stdout, exit 0 */
static void __attribute__((noreturn))
print_and_exit(const char *s1, const char *s2)
{
	fputs(s1, stdout);
	fputs(s2, stdout);
	if (fflush(stdout) != 0 || ferror(stdout))
		die(EXIT_SYS, "cannot write to standard output: %s",
		    strerror(errno));
	finish(0);
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

enum cmd { C_ADD, C_PASSWD, C_DEL, C_LOCK, C_UNLOCK, C_LIST, C_VERIFY,
    C_CHECK, C_MIGRATE, C_INDEX, C_MAILBOX, C_DOVECOT };
static const struct command {
	const char *name;
	enum cmd cmd;
	const char *opts;	/* the options it takes */
	int nargs;		/* operands: a login, none, -1: logins */
} commands[] = {
	{ "add", C_ADD, "sbHpjceq", 1 },
	{ "passwd", C_PASSWD, "sbHpjceq", 1 },
	{ "del", C_DEL, "q", -1 },
	{ "lock", C_LOCK, "q", -1 },
	{ "unlock", C_UNLOCK, "q", -1 },
	{ "list", C_LIST, "", 0 },
	{ "verify", C_VERIFY, "sq", 1 },
	{ "check", C_CHECK, "S", 0 },
	{ "migrate", C_MIGRATE, "Hkjcq", 0 },
	{ "index", C_INDEX, "q", 0 },
	{ "mailbox", C_MAILBOX, "", -1 },
	{ "dovecot", C_DOVECOT, "", 1 },
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
		{ "dovecot", required_argument, NULL, 'x' },
		{ "encrypted", no_argument, NULL, 'e' },
		{ "cost", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *c = NULL;
	struct opts o;
	char given[16] = "", why[96], *end;
	unsigned long cost;
	size_t i, ng = 0;
	int ch, r;

	hold_std_fds();
	umask(077);
	catch_signals();
#ifndef NO_LDAP
	/* sync, follow, status, lock, and -c: the directory (ldapsync.c) */
	if ((r = ldapsync_main(argc, argv)) >= 0)
		finish(r);
#endif
	memset(&o, 0, sizeof(o));
	o.how = STORE_DEFAULT;
	o.jobs = ncores();
	dovecot_path = getenv("CMD5PW_DOVECOT");
	if (dovecot_path != NULL && dovecot_path[0] == '\0')
		dovecot_path = NULL;
	opterr = 0;	/* one message, ours, with one prefix */
	while ((ch = getopt_long(argc, argv, ":f:j:c:sbHpkSeqx:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h':
			print_and_exit(USAGE, HELP);
		case 'V':
			print_and_exit("cmd5pw " VERSION "\n", "");
		case ':':
			snprintf(why, sizeof(why), "%.64s needs an argument",
			    argv[optind - 1]);
			dieusage(why);
		case 'x':
			if (optarg[0] == '\0')
				dieusage("empty file name");
			dovecot_path = optarg;
			continue;
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
		case 'c':
			errno = 0;
			cost = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || optarg[0] == '-' ||
			    cost < 1 || hash_cost_ok(cost) != 0)
				dieusage("-c: a cost libxcrypt's default method "
				    "takes (yescrypt: 1 to 11; crypt_gensalt(3))");
			hash_cost = cost;
			break;
		case 'e':
			o.how = STORE_IMPORT;
			break;
		case 'q':
			quiet = 1;
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
			if (optopt != 0)
				snprintf(why, sizeof(why), "unknown option -%c",
				    optopt);
			else
				snprintf(why, sizeof(why), "unknown option "
				    "%.64s", argv[optind - 1]);
			dieusage(why);
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
			snprintf(why, sizeof(why), "%s takes no %s", c->name,
			    optname(longopts, given[i]));
			dieusage(why);
		}
	if ((strchr(given, 'H') != NULL) + (strchr(given, 'p') != NULL) +
	    (strchr(given, 'e') != NULL) > 1)
		dieusage("-H, -p and -e exclude each other");
	if (strchr(given, 'e') && strchr(given, 'c'))
		dieusage("-e stores verifiers as they are: no -c");
	if (strchr(given, 'e') && !o.batch && !o.from_stdin)
		dieusage("-e reads the verifiers from stdin: with --stdin or -b");
	if (o.batch && o.from_stdin)
		dieusage("-b and --stdin exclude each other");
	if (c->nargs < 0 ? argc < 2 :
	    argc - 1 != (o.batch ? 0 : c->nargs))
		dieusage(c->nargs < 0 ? "a login expected" :
		    c->nargs && !o.batch ? "one login expected" :
		    "too many operands");
	switch (c->cmd) {
	case C_ADD:
	case C_PASSWD:
		r = cmd_set(c->cmd == C_ADD, argv[1], &o);
		break;
	case C_DEL:
		r = cmd_del(argv + 1, (size_t)argc - 1);
		break;
	case C_LOCK:
	case C_UNLOCK:
		r = cmd_lock(argv + 1, (size_t)argc - 1, c->cmd == C_LOCK);
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
	case C_MAILBOX:
		r = cmd_mailbox(argv[1], argv + 2, argc - 2);
		break;
	case C_DOVECOT:
		r = cmd_dovecot(argv[1]);
		break;
	default:
		r = cmd_index();
		break;
	}
	finish(r);
}
