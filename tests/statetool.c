/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* tests/statetool: drives state.c for tests/t_state.sh.
 *   statetool FILE NRECORDS get KEY        prints "found N0" or "new"
 *   statetool FILE NRECORDS inc KEY TIMES  adds 1 to n[0] TIMES times, each
 *                                          in its own open/lock/close
 *   statetool FILE NRECORDS fill COUNT     COUNT distinct keys, one each
 *   statetool FILE NRECORDS count          used records
 * KEY is any string: its first 16 bytes, zero-padded, are spread by a
 * multiplication so that keys "k1", "k2" fall in different buckets.
 * Exit 0, or 1 with the error on stderr; "remade" on stderr when the file
 * was made anew. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "state.h"

static void
mkkey(const char *s, unsigned long extra, unsigned char key[STATE_KEYLEN])
{
	uint64_t h = 1469598103934665603ULL;
	size_t i, n = strlen(s);

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	h ^= extra * 0x9e3779b97f4a7c15ULL;
	h *= 0xff51afd7ed558ccdULL;
	memset(key, 0, STATE_KEYLEN);
	memcpy(key, &h, sizeof(h));
	memcpy(key + 8, s, n < 8 ? n : 8);
}

static int
opened(struct state *s, const char *path, uint32_t nrec)
{
	if (state_open(s, path, nrec, 2000) != 0) {
		fprintf(stderr, "statetool: %s\n", s->err);
		return -1;
	}
	if (s->remade)
		fprintf(stderr, "remade\n");
	return 0;
}

static int
counted(const struct srec *r, uint64_t slot, void *arg)
{
	(void)r;
	(void)slot;
	++*(unsigned long *)arg;
	return 0;
}

int
main(int argc, char **argv)
{
	struct state s;
	struct srec r;
	uint64_t slot, now = (uint64_t)time(NULL);
	unsigned long i, n, used = 0;
	unsigned char key[STATE_KEYLEN];
	uint32_t nrec;
	int got;

	if (argc < 4)
		return 2;
	nrec = (uint32_t)strtoul(argv[2], NULL, 10);
	if (strcmp(argv[3], "get") == 0 && argc == 5) {
		if (opened(&s, argv[1], nrec) != 0)
			return 1;
		mkkey(argv[4], 0, key);
		got = state_get(&s, key, now, &r, &slot);
		if (got < 0) {
			fprintf(stderr, "statetool: %s\n", s.err);
			return 1;
		}
		if (got)
			printf("found %u\n", r.n[0]);
		else
			printf("new\n");
		state_close(&s);
		return 0;
	}
	if (strcmp(argv[3], "inc") == 0 && argc == 6) {
		n = strtoul(argv[5], NULL, 10);
		mkkey(argv[4], 0, key);
		for (i = 0; i < n; i++) {
			if (opened(&s, argv[1], nrec) != 0)
				return 1;
			if (state_get(&s, key, now, &r, &slot) < 0)
				return 1;
			if (r.first == 0)
				r.first = now;
			r.last = now;
			r.n[0]++;
			if (state_put(&s, slot, &r) != 0) {
				fprintf(stderr, "statetool: %s\n", s.err);
				return 1;
			}
			state_close(&s);
		}
		return 0;
	}
	if (strcmp(argv[3], "fill") == 0 && argc == 5) {
		n = strtoul(argv[4], NULL, 10);
		if (opened(&s, argv[1], nrec) != 0)
			return 1;
		for (i = 0; i < n; i++) {
			mkkey("fill", i + 1, key);
			if (state_get(&s, key, now, &r, &slot) < 0)
				return 1;
			r.first = r.last = now - (n - i);
			r.n[0] = 1;
			if (state_put(&s, slot, &r) != 0)
				return 1;
		}
		state_close(&s);
		return 0;
	}
	if (strcmp(argv[3], "count") == 0 && argc == 4) {
		if (opened(&s, argv[1], nrec) != 0)
			return 1;
		if (state_each(&s, counted, &used) != 0)
			return 1;
		printf("%lu\n", used);
		state_close(&s);
		return 0;
	}
	return 2;
}
