/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* bench/thrfill FILE N: a throttling state file of N records, filled
 * with N client addresses (10.0.0.0/8 and beyond) of one failure each,
 * as a botnet of N addresses leaves it (make bench). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "throttle.h"

int
main(int argc, char **argv)
{
	unsigned char key[STATE_KEYLEN];
	struct state s;
	struct taddr a;
	struct srec r;
	uint64_t slot, now = (uint64_t)time(NULL);
	uint32_t i, n;

	if (argc != 3 || (n = (uint32_t)strtoul(argv[2], NULL, 10)) < 8) {
		fprintf(stderr, "usage: bench/thrfill FILE N\n");
		return 2;
	}
	if (state_open(&s, argv[1], n, 5000) != 0) {
		fprintf(stderr, "thrfill: %s\n", s.err);
		return 111;
	}
	memset(&a, 0, sizeof(a));
	a.family = 4;
	a.bits = 32;
	a.len = 4;
	for (i = 0; i < n; i++) {
		uint32_t ip = 0x0a000000u + i;

		a.b[0] = (unsigned char)(ip >> 24);
		a.b[1] = (unsigned char)(ip >> 16);
		a.b[2] = (unsigned char)(ip >> 8);
		a.b[3] = (unsigned char)ip;
		taddr_key(&a, key);
		if (state_get(&s, key, now, &r, &slot) < 0) {
			fprintf(stderr, "thrfill: %s\n", s.err);
			return 111;
		}
		r.first = r.last = now;
		r.n[0] = SCORE_ONE;
		r.n[1] = 1;
		r.n[3] = (uint32_t)TK_ADDR << 24 | 4u << 16 | 32;
		memcpy(r.data, a.b, 16);
		if (state_put(&s, slot, &r) != 0) {
			fprintf(stderr, "thrfill: %s\n", s.err);
			return 111;
		}
	}
	state_close(&s);
	return 0;
}
