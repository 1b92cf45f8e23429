/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* throttle.h: failure counts per client address and per login, shared by
 * every process on the host through two state files (state.h), with a
 * growing delay and then refusal (cmd5checkpw(8), THROTTLING). */
#ifndef THROTTLE_H
#define THROTTLE_H

#include <stddef.h>
#include <stdint.h>

#include "fd3.h"
#include "state.h"

/* The knobs (environment, cmd5checkpw(8)); units in the names' comments. */
struct throttle_conf {
	const char *file;	/* THROTTLE_FILE; NULL: throttling off */
	uint32_t addr_delay;	/* failures per address before delays */
	uint32_t addr_refuse;	/* ... before refusal */
	uint32_t login_delay;	/* failures per login before delays */
	uint32_t login_refuse;
	uint32_t halflife;	/* seconds for a count to halve */
	uint32_t delay_unit;	/* ms: the first delay; each next doubles */
	uint32_t delay_max;	/* ms */
	uint32_t prefix6;	/* bits of an IPv6 address that name a client */
	uint32_t good_days;	/* days a success keeps (login, address) good */
	uint32_t records;	/* records of THROTTLE_FILE */
	uint32_t good_records;	/* records of THROTTLE_FILE.good */
};

/* Record kinds, in the top byte of n[3] (so a listing knows them). */
enum { TK_ADDR = 1, TK_LOGIN = 2, TK_PAIR = 3, TK_GOOD = 4 };
/* Stages, kept in n[2] of address and login records. */
enum { TS_NONE, TS_DELAY, TS_REFUSE };

/* A client address as counted: IPv4 /32, IPv6 masked to prefix6 bits,
 * IPv4-mapped IPv6 as IPv4; anything else by its text.  family 0: no
 * address (a local pipe). */
struct taddr {
	int family;		/* 0, 4, 6, or 1 for text */
	unsigned bits;
	unsigned char b[16];
	size_t len;
};

struct throttle {
	int on;
	struct throttle_conf c;
	struct taddr a;
	unsigned char kaddr[STATE_KEYLEN], klogin[STATE_KEYLEN];
	unsigned char kpair[STATE_KEYLEN], kgood[STATE_KEYLEN];
	int good;		/* -1 unknown, 0, 1 */
	uint64_t now;
	long delayed_ms;
	int pair_found;		/* what check read of the pair record */
	uint32_t pair_score, pair_goodmark;
};

/* Before the password is checked: reads the state, sleeps the delay due,
 * and returns 1 when the attempt is refused unchecked (it is then
 * counted), else 0.  Any trouble with the state is logged and the attempt
 * goes on unthrottled. */
int throttle_check(struct throttle *t, const struct authreq *rq);
/* After the check: ok 1 for a success, 0 for a failure. */
void throttle_record(struct throttle *t, const struct authreq *rq, int ok);

/* Shared with cmd5throttle. */
int throttle_conf_env(struct throttle_conf *c, const char **why);
int taddr_parse(const char *s, size_t len, unsigned prefix6,
    struct taddr *a);
void taddr_format(const struct taddr *a, char *out, size_t size);
void throttle_key(int kind, const void *a, size_t alen, const void *b,
    size_t blen, unsigned char key[STATE_KEYLEN]);
void taddr_key(const struct taddr *a, unsigned char key[STATE_KEYLEN]);
void login_key(const char *login, size_t len, unsigned char key[STATE_KEYLEN]);
/* A score (n[0], 1/256 failures) decayed from then to now. */
uint32_t throttle_decay(uint32_t s, uint64_t then, uint64_t now,
    uint32_t halflife);
const char *throttle_kind_name(int kind);
/* The size of a state file's records, from its size; 0 if none fits. */
uint32_t throttle_records_of(uint64_t size);

#define SCORE_ONE 256u

#endif
