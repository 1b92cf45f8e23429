/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* cmd5throttle: see and clear cmd5checkpw's throttling state
 * (cmd5throttle(8)).  Exit 0 done; 1 nothing to clear; 2 misuse; 111
 * the state cannot be read or written. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "throttle.h"

#define USAGE "usage: cmd5throttle [-f file] list [-n count]\n" \
    "       cmd5throttle [-f file] clear addr IP | clear login LOGIN"

static const char *file = "/var/lib/cmd5checkpw/throttle";
static struct throttle_conf conf;
static uint64_t now;

static void __attribute__((noreturn))
die(int status, const char *what, const char *why)
{
	fprintf(stderr, "cmd5throttle: %s%s%s\n", what, why ? ": " : "",
	    why ? why : "");
	exit(status);
}

static void __attribute__((noreturn))
dieusage(void)
{
	fprintf(stderr, "%s\n", USAGE);
	exit(2);
}

/* Opens the file at the size it has: a size of our own would make it
 * anew, wiping what the checkers counted.  0, or 1 when there is none. */
static int
open_file(struct state *s)
{
	struct stat st;
	uint32_t n;

	if (stat(file, &st) != 0) {
		if (errno == ENOENT)
			return 1;
		die(111, file, strerror(errno));
	}
	if ((n = throttle_records_of((uint64_t)st.st_size)) == 0)
		die(111, file, "not a state file (its size fits none)");
	if (state_open(s, file, n, 2000) != 0)
		die(111, file, s->err);
	if (s->remade)
		die(111, file, "was unusable and is made anew");
	return 0;
}

struct row {
	int kind;
	uint32_t score;
	struct srec r;
};

struct rows {
	struct row *v;
	size_t n, size;
};

static int
collect(const struct srec *r, uint64_t slot, void *arg)
{
	struct rows *rs = arg;
	int kind = (int)(r->n[3] >> 24);

	(void)slot;
	if (kind != TK_ADDR && kind != TK_LOGIN)
		return 0;
	if (rs->n == rs->size) {
		size_t size = rs->size ? 2 * rs->size : 1024;
		struct row *v = realloc(rs->v, size * sizeof(*v));

		if (v == NULL)
			die(111, "out of memory", NULL);
		rs->v = v;
		rs->size = size;
	}
	rs->v[rs->n].kind = kind;
	rs->v[rs->n].score = throttle_decay(r->n[0], r->last, now,
	    conf.halflife);
	rs->v[rs->n].r = *r;
	rs->n++;
	return 0;
}

static int
worst_first(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return x->r.last < y->r.last ? 1 : x->r.last > y->r.last ? -1 : 0;
}

static void
stamp(uint64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, size, "%llu", (unsigned long long)t);
}

static void
print_row(const struct row *w)
{
	static const char *const stage[] = { "none", "delay", "refuse" };
	char who[80], first[32], last[32];
	struct taddr a;
	size_t len;

	if (w->kind == TK_ADDR) {
		memset(&a, 0, sizeof(a));
		a.family = (int)(w->r.n[3] >> 16 & 0xff);
		a.bits = w->r.n[3] & 0xffff;
		a.len = a.family == 4 ? 4 : 16;
		memcpy(a.b, w->r.data, 16);
		taddr_format(&a, who, sizeof(who));
	} else {
		len = w->r.n[3] & 0xffff;
		log_escape((const char *)w->r.data, len < 16 ? len : 16, who,
		    sizeof(who) - 4);
		if (len > 16)
			strcat(who, "...");
	}
	stamp(w->r.first, first, sizeof(first));
	stamp(w->r.last, last, sizeof(last));
	printf("%s %s failures=%.1f total=%u stage=%s first=%s last=%s\n",
	    w->kind == TK_ADDR ? "addr" : "login", who,
	    (double)w->score / SCORE_ONE, w->r.n[1],
	    stage[w->r.n[2] <= TS_REFUSE ? w->r.n[2] : 0], first, last);
}

static int
list(long count)
{
	struct rows rs = { NULL, 0, 0 };
	struct state s;
	size_t i;
	long shown[3] = { 0, 0, 0 };

	if (open_file(&s) != 0)
		return 0;
	if (state_each(&s, collect, &rs) != 0)
		die(111, file, s.err);
	state_close(&s);
	qsort(rs.v, rs.n, sizeof(*rs.v), worst_first);
	for (i = 0; i < rs.n; i++)
		if (shown[rs.v[i].kind]++ < count)
			print_row(&rs.v[i]);
	free(rs.v);
	return 0;
}

static int
clear(const unsigned char key[STATE_KEYLEN], const char *what)
{
	struct state s;
	struct srec r;
	uint64_t slot;
	int got;

	if (open_file(&s) != 0)
		return 1;
	if ((got = state_get(&s, key, now, &r, &slot)) < 0)
		die(111, file, s.err);
	if (got == 0) {
		state_close(&s);
		fprintf(stderr, "cmd5throttle: %s: not in %s\n", what, file);
		return 1;
	}
	memset(&r, 0, sizeof(r));
	if (state_put(&s, slot, &r) != 0)
		die(111, file, s.err);
	state_close(&s);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *why = NULL;
	unsigned char key[STATE_KEYLEN];
	struct taddr a;
	long count = 20;
	char *end;
	int c;

	if (throttle_conf_env(&conf, &why) != 0)
		die(2, why, "not a number in range");
	if (conf.file != NULL)
		file = conf.file;
	while ((c = getopt(argc, argv, "+f:")) != -1) {
		if (c != 'f')
			dieusage();
		file = optarg;
	}
	argc -= optind;
	argv += optind;
	now = (uint64_t)time(NULL);
	if (argc >= 1 && strcmp(argv[0], "list") == 0) {
		if (argc == 3 && strcmp(argv[1], "-n") == 0) {
			errno = 0;
			count = strtol(argv[2], &end, 10);
			if (errno || *end || count < 1)
				dieusage();
		} else if (argc != 1)
			dieusage();
		return list(count);
	}
	if (argc == 3 && strcmp(argv[0], "clear") == 0) {
		if (strcmp(argv[1], "addr") == 0) {
			if (taddr_parse(argv[2], strlen(argv[2]), conf.prefix6,
			    &a) != 0 || a.family == 0)
				die(2, argv[2], "not an IP address");
			taddr_key(&a, key);
		} else if (strcmp(argv[1], "login") == 0)
			login_key(argv[2], strlen(argv[2]), key);
		else
			dieusage();
		return clear(key, argv[2]);
	}
	dieusage();
}
