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
"usage: cmd5pw [-f file] add|passwd [-H | -p] [--stdin] login\n" \
"       cmd5pw [-f file] add|passwd [-H | -p] -b\n" \
"       cmd5pw [-f file] del login\n" \
"       cmd5pw [-f file] verify [--stdin] login\n" \
"       cmd5pw [-f file] list | index | check [--strict]\n" \
"       cmd5pw [-f file] migrate [-H] [-k] [-j jobs]\n" \
"       cmd5pw [-f file] mailbox login [uid=N] [gid=N] [home=/path]\n" \
"       cmd5pw [-f file] dovecot passwd-file\n" \
"       (-x passwd-file, or CMD5PW_DOVECOT: export it after every change)\n" \
"       cmd5pw [-f file] [-c conf] sync [--full | --paged] | follow | status\n" \
"       cmd5pw -c conf add|passwd [--stdin] login | del|lock|unlock login\n"

static void __attribute__((noreturn))
dieusage(const char *why)
{
	fprintf(stderr, "cmd5pw: %s\n%s", why, USAGE);
	finish(EXIT_USAGE);
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
    C_INDEX, C_MAILBOX, C_DOVECOT };
static const struct command {
	const char *name;
	enum cmd cmd;
	const char *opts;	/* the options it takes */
	int nargs;		/* operands: a login or none; -1: at least one */
} commands[] = {
	{ "add", C_ADD, "sbHpj", 1 },
	{ "passwd", C_PASSWD, "sbHpj", 1 },
	{ "del", C_DEL, "", 1 },
	{ "list", C_LIST, "", 0 },
	{ "verify", C_VERIFY, "s", 1 },
	{ "check", C_CHECK, "S", 0 },
	{ "migrate", C_MIGRATE, "Hkj", 0 },
	{ "index", C_INDEX, "", 0 },
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
	while ((ch = getopt_long(argc, argv, "f:j:sbHpkSx:", longopts,
	    NULL)) != -1) {
		switch (ch) {
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
	if (c->nargs < 0 ? argc < 2 : argc - 1 != (o.batch ? 0 : c->nargs))
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
