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
#include "stdfds.h"
#include "txn.h"
#include "util.h"

#define USAGE \
"usage: cmd5pw [-f file] add|passwd [-H | -p] [--stdin] login\n" \
"       cmd5pw [-f file] add|passwd [-H | -p] -b\n" \
"       cmd5pw [-f file] del login\n" \
"       cmd5pw [-f file] verify [--stdin] login\n" \
"       cmd5pw [-f file] list | index | check [--strict]\n" \
"       cmd5pw [-f file] migrate [-H] [-k] [-j jobs]\n"

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
