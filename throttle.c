/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* throttle.c: per-address and per-login failure counts (cmd5checkpw(8),
 * THROTTLING), on the shared state files of state.c.
 *
 * THROTTLE_FILE holds what failures make: a record per address (prefix),
 * per login and per (login, address) pair; the pair keeps the last four
 * wrong passwords as 32-bit HMAC-SHA256 tags under the host secret
 * THROTTLE_FILE.key, so the same wrong password counts once and the file
 * alone tests no guess.  THROTTLE_FILE.good holds only what successes
 * make, (login, address) pairs that logged in lately: a flood of failures
 * cannot evict them, and they let the real user past the counts that an
 * attacker elsewhere runs up for her login (pam_tally2's lock-out lever)
 * or for her address.  No lock is held while sleeping or checking the
 * password; the state is read before and updated after. */
#define _GNU_SOURCE
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "hmac_md5.h"
#include "log.h"
#include "throttle.h"

#define LOCK_MS 200
#define SECRET_LEN 32
#define TAG_LEN 4
#define NTAGS (16 / TAG_LEN)

static const char *const kind_name[] = { "?", "addr", "login", "pair",
    "good" };

/* --- configuration --- */

static int
knob(const char *name, uint32_t def, uint32_t min, uint32_t max,
    uint32_t *out, const char **why)
{
	const char *v = getenv(name);
	unsigned long x;
	char *end;

	*out = def;
	if (v == NULL || *v == '\0')
		return 0;
	errno = 0;
	x = strtoul(v, &end, 10);
	if (errno || *end || *v == '-' || x < min || x > max) {
		*why = name;
		return -1;
	}
	*out = (uint32_t)x;
	return 0;
}

int
throttle_conf_env(struct throttle_conf *c, const char **why)
{
	const char *f = getenv("THROTTLE_FILE");

	memset(c, 0, sizeof(*c));
	c->file = f != NULL && *f != '\0' ? f : NULL;
	if (knob("THROTTLE_ADDR_DELAY", 3, 1, 100000, &c->addr_delay, why) ||
	    knob("THROTTLE_ADDR_REFUSE", 10, 1, 100000, &c->addr_refuse,
	    why) ||
	    knob("THROTTLE_LOGIN_DELAY", 5, 1, 100000, &c->login_delay,
	    why) ||
	    knob("THROTTLE_LOGIN_REFUSE", 20, 1, 100000, &c->login_refuse,
	    why) ||
	    knob("THROTTLE_HALFLIFE", 3600, 1, 30 * 86400, &c->halflife,
	    why) ||
	    knob("THROTTLE_DELAY_UNIT", 2000, 0, 60000, &c->delay_unit,
	    why) ||
	    knob("THROTTLE_DELAY_MAX", 15000, 0, 60000, &c->delay_max, why) ||
	    knob("THROTTLE_PREFIX6", 64, 1, 128, &c->prefix6, why) ||
	    knob("THROTTLE_GOOD_DAYS", 30, 0, 3650, &c->good_days, why) ||
	    knob("THROTTLE_RECORDS", 65536, 8, 1u << 26, &c->records, why) ||
	    knob("THROTTLE_GOOD_RECORDS", 16384, 8, 1u << 26,
	    &c->good_records, why))
		return -1;
	return 0;
}

/* --- keys --- */

void
throttle_key(int kind, const void *a, size_t alen, const void *b,
    size_t blen, unsigned char key[STATE_KEYLEN])
{
	unsigned char md[SHA256_DIGEST_LENGTH], k = (unsigned char)kind;
	static const char dom[] = "cmd5checkpw throttle key";
	SHA256_CTX c;

	SHA256_Init(&c);
	SHA256_Update(&c, dom, sizeof(dom));	/* with its NUL */
	SHA256_Update(&c, &k, 1);
	SHA256_Update(&c, &alen, sizeof(alen));
	SHA256_Update(&c, a, alen);
	SHA256_Update(&c, b, blen);
	SHA256_Final(md, &c);
	memcpy(key, md, STATE_KEYLEN);
}

static size_t
taddr_bytes(const struct taddr *a, unsigned char *out)
{
	out[0] = (unsigned char)a->family;
	out[1] = (unsigned char)a->bits;
	memcpy(out + 2, a->b, a->len);
	return 2 + a->len;
}

void
taddr_key(const struct taddr *a, unsigned char key[STATE_KEYLEN])
{
	unsigned char buf[2 + 64];

	throttle_key(TK_ADDR, buf, taddr_bytes(a, buf), "", 0, key);
}

void
login_key(const char *login, size_t len, unsigned char key[STATE_KEYLEN])
{
	throttle_key(TK_LOGIN, login, len, "", 0, key);
}

static void
pair_key(int kind, const char *login, size_t len, const struct taddr *a,
    unsigned char key[STATE_KEYLEN])
{
	unsigned char buf[2 + 64];

	throttle_key(kind, login, len, buf, taddr_bytes(a, buf), key);
}

int
taddr_parse(const char *s, size_t len, unsigned prefix6, struct taddr *a)
{
	char buf[64];
	unsigned i;

	memset(a, 0, sizeof(*a));
	if (s == NULL || len == 0)
		return 0;
	if (len < sizeof(buf)) {
		memcpy(buf, s, len);
		buf[len] = '\0';
		if (inet_pton(AF_INET, buf, a->b) == 1) {
			a->family = 4;
			a->bits = 32;
			a->len = 4;
			return 0;
		}
		if (inet_pton(AF_INET6, buf, a->b) == 1) {
			static const unsigned char mapped[12] = { 0, 0, 0, 0,
			    0, 0, 0, 0, 0, 0, 0xff, 0xff };

			if (memcmp(a->b, mapped, 12) == 0) {
				memmove(a->b, a->b + 12, 4);
				memset(a->b + 4, 0, 12);
				a->family = 4;
				a->bits = 32;
				a->len = 4;
				return 0;
			}
			a->family = 6;
			a->bits = prefix6;
			a->len = 16;
			for (i = prefix6; i < 128; i++)
				a->b[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
			return 0;
		}
	}
	/* not an address (tcpserver always gives one): count its text */
	a->family = 1;
	a->len = len < 64 ? len : 64;
	memcpy(a->b, s, a->len < 16 ? a->len : 16);
	a->bits = (unsigned)a->len;
	return 1;
}

void
taddr_format(const struct taddr *a, char *out, size_t size)
{
	char buf[INET6_ADDRSTRLEN];

	if (a->family == 4 && inet_ntop(AF_INET, a->b, buf, sizeof(buf)))
		snprintf(out, size, "%s", buf);
	else if (a->family == 6 && inet_ntop(AF_INET6, a->b, buf,
	    sizeof(buf)))
		snprintf(out, size, "%s/%u", buf, a->bits);
	else if (a->family == 1)
		log_escape((const char *)a->b, a->len < 16 ? a->len : 16, out,
		    size);
	else
		snprintf(out, size, "none");
}

/* --- scores --- */

/* Halves every halflife seconds; within one, linear (within 6%). */
uint32_t
throttle_decay(uint32_t s, uint64_t then, uint64_t now, uint32_t halflife)
{
	uint64_t dt;

	if (now <= then || halflife == 0)
		return s;
	dt = now - then;
	if (dt / halflife >= 32)
		return 0;
	s >>= dt / halflife;
	return s - (uint32_t)((uint64_t)s * (dt % halflife) / (2 * halflife));
}

uint32_t
throttle_records_of(uint64_t size)
{
	uint64_t h = state_size(STATE_BUCKET) - STATE_BUCKET * 64, n;

	if (size < h + STATE_BUCKET * 64 ||
	    (size - h) % (STATE_BUCKET * 64) != 0)
		return 0;
	n = (size - h) / 64;
	if (n > 1u << 26 || state_size((uint32_t)n) != size)
		return 0;
	return (uint32_t)n;
}

static uint32_t
whole(uint32_t s)
{
	return (s + SCORE_ONE / 2) / SCORE_ONE;
}

static int
stage_of(uint32_t s, uint32_t delay, uint32_t refuse)
{
	if (whole(s) >= refuse)
		return TS_REFUSE;
	if (whole(s) >= delay)
		return TS_DELAY;
	return TS_NONE;
}

static long
delay_ms(const struct throttle_conf *c, uint32_t s, uint32_t delay)
{
	uint32_t w = whole(s), level;
	uint64_t d;

	if (w < delay)
		return 0;
	level = w - delay;
	d = level >= 30 ? c->delay_max : (uint64_t)c->delay_unit << level;
	return (long)(d < c->delay_max ? d : c->delay_max);
}

/* --- logging --- */

static void
say_who(const struct throttle *t, int kind, const struct authreq *rq,
    char *out, size_t size)
{
	char a[80], l[4 * 64 + 1];

	if (kind == TK_ADDR) {
		taddr_format(&t->a, a, sizeof(a));
		snprintf(out, size, "addr=%s", a);
	} else {
		log_escape(rq->login, rq->loginlen < 64 ? rq->loginlen : 64, l,
		    sizeof(l));
		snprintf(out, size, "login=\"%s\"", l);
	}
}

static void
say_stage(const struct throttle *t, int kind, const struct authreq *rq,
    int from, int to, const struct srec *r)
{
	static const char *const what[] = { "end", "delay", "refuse" };
	char who[400];

	say_who(t, kind, rq, who, sizeof(who));
	log_line(LOG_NOTICE, "throttle %s %s failures=%.1f total=%u since=%llu",
	    to > from ? what[to] : to == TS_NONE ? "end" : "delay", who,
	    (double)r->n[0] / SCORE_ONE, r->n[1],
	    (unsigned long long)r->first);
}

static void
say_error(const char *what, const char *why)
{
	log_line(LOG_ERR, "error reason=\"throttle: %s: %s; not throttled\"",
	    what, why);
}

static int
open_state(struct state *s, const char *path, uint32_t n)
{
	struct stat st;
	int had = stat(path, &st) == 0 && st.st_size > 0;

	if (state_open(s, path, n, LOCK_MS) != 0) {
		say_error(path, s->err);
		return -1;
	}
	if (s->remade && had)
		log_line(LOG_ERR, "error reason=\"throttle: %s was unusable "
		    "and is made anew\"", path);
	else if (s->remade)
		log_line(LOG_NOTICE, "throttle made %s", path);
	return 0;
}

static char *
good_path(const char *file)
{
	static char p[4096];

	if ((size_t)snprintf(p, sizeof(p), "%s.good", file) >= sizeof(p))
		return NULL;
	return p;
}

/* --- the host secret --- */

static int
make_secret(const char *path)
{
	unsigned char k[SECRET_LEN];
	char tmp[4300];
	int fd, rc = -1;

	if (getrandom(k, sizeof(k), 0) != (ssize_t)sizeof(k))
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0640);
	if (fd >= 0) {
		if (fchmod(fd, 0640) == 0 &&
		    write(fd, k, sizeof(k)) == (ssize_t)sizeof(k) &&
		    fsync(fd) == 0 && (link(tmp, path) == 0 || errno == EEXIST))
			rc = 0;
		close(fd);
		(void)unlink(tmp);
	}
	wipe(k, sizeof(k));
	return rc;
}

/* The 32-byte secret THROTTLE_FILE.key, made at first use. */
static int
load_secret(const char *file, unsigned char k[SECRET_LEN])
{
	char path[4200];
	int fd, tries;
	ssize_t r;

	if ((size_t)snprintf(path, sizeof(path), "%s.key", file) >=
	    sizeof(path))
		return -1;
	for (tries = 0; tries < 2; tries++) {
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && tries == 0) {
			if (make_secret(path) != 0) {
				say_error(path, strerror(errno));
				return -1;
			}
			continue;
		}
		if (fd < 0)
			break;
		r = read(fd, k, SECRET_LEN);
		close(fd);
		if (r == SECRET_LEN)
			return 0;
		errno = EINVAL;
		break;
	}
	say_error(path, errno == EINVAL ? "not 32 bytes" : strerror(errno));
	return -1;
}

/* HMAC-SHA256 (RFC 2104) over SHA256_CTX, as hmac_md5.c does for MD5:
 * HMAC()/EVP would load OpenSSL 3's providers into every failed login. */
static void
hmac_sha256(const unsigned char *key, size_t keylen, const void *const *part,
    const size_t *partlen, size_t nparts, unsigned char out[SHA256_DIGEST_LENGTH])
{
	unsigned char pad[SHA256_CBLOCK];
	SHA256_CTX c;
	size_t i;

	for (i = 0; i < sizeof(pad); i++)
		pad[i] = (unsigned char)((i < keylen ? key[i] : 0) ^ 0x36);
	SHA256_Init(&c);
	SHA256_Update(&c, pad, sizeof(pad));
	for (i = 0; i < nparts; i++)
		SHA256_Update(&c, part[i], partlen[i]);
	SHA256_Final(out, &c);
	for (i = 0; i < sizeof(pad); i++)
		pad[i] = (unsigned char)((i < keylen ? key[i] : 0) ^ 0x5c);
	SHA256_Init(&c);
	SHA256_Update(&c, pad, sizeof(pad));
	SHA256_Update(&c, out, SHA256_DIGEST_LENGTH);
	SHA256_Final(out, &c);
	wipe(pad, sizeof(pad));
	wipe(&c, sizeof(c));
}

/* 32 bits of HMAC-SHA256(secret, login NUL challenge NUL password):
 * one in 2^32 wrong guesses matches, and without the secret none can be
 * tested at all. */
static int
password_tag(const struct throttle *t, const struct authreq *rq,
    unsigned char tag[TAG_LEN])
{
	unsigned char k[SECRET_LEN], md[SHA256_DIGEST_LENGTH];
	const void *part[5] = { rq->login, "", rq->chal, "", rq->pass };
	size_t len[5] = { rq->loginlen, 1, rq->challen, 1, rq->passlen };

	if (load_secret(t->c.file, k) != 0)
		return -1;
	hmac_sha256(k, SECRET_LEN, part, len, 5, md);
	memcpy(tag, md, TAG_LEN);
	wipe(k, sizeof(k));
	wipe(md, sizeof(md));
	return 0;
}

/* --- check and record --- */

/* Whether (login, address) logged in within good_days. */
static int
is_good(struct throttle *t)
{
	struct state s;
	struct srec r;
	uint64_t slot;
	int got;

	if (t->good >= 0)
		return t->good;
	t->good = 0;
	if (t->c.good_days == 0 || good_path(t->c.file) == NULL ||
	    open_state(&s, good_path(t->c.file), t->c.good_records) != 0)
		return 0;
	got = state_get(&s, t->kgood, t->now, &r, &slot);
	if (got < 0)
		say_error(good_path(t->c.file), s.err);
	state_close(&s);
	if (got == 1 && r.last + (uint64_t)t->c.good_days * 86400 >= t->now)
		t->good = 1;
	return t->good;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void
fail_record(struct throttle *t, const struct authreq *rq);

int
throttle_check(struct throttle *t, const struct authreq *rq)
{
	struct srec ra, rl, rp;
	uint64_t sa_slot, sl_slot, sp_slot;
	uint32_t sa = 0, sl = 0, sp = 0;
	int ga = 0, gl, gp = 0, st_a = TS_NONE, st_l, refuse;
	const char *why = NULL, *ip;
	long d, da = 0, dl;
	struct state s;

	memset(t, 0, sizeof(*t));
	t->good = -1;
	if (rq->mech == MECH_LOOKUP)	/* no password to guess */
		return 0;
	if (throttle_conf_env(&t->c, &why) != 0) {
		say_error(why, "not a number in range");
		return 0;
	}
	if (t->c.file == NULL)
		return 0;
	t->now = (uint64_t)time(NULL);
	ip = getenv("TCPREMOTEIP");
	(void)taddr_parse(ip, ip != NULL ? strnlen(ip, 64) : 0, t->c.prefix6,
	    &t->a);
	taddr_key(&t->a, t->kaddr);
	login_key(rq->login, rq->loginlen, t->klogin);
	pair_key(TK_PAIR, rq->login, rq->loginlen, &t->a, t->kpair);
	pair_key(TK_GOOD, rq->login, rq->loginlen, &t->a, t->kgood);

	if (open_state(&s, t->c.file, t->c.records) != 0)
		return 0;
	t->on = 1;
	if (t->a.family != 0 &&
	    (ga = state_get(&s, t->kaddr, t->now, &ra, &sa_slot)) == 1)
		sa = throttle_decay(ra.n[0], ra.last, t->now, t->c.halflife);
	if ((gl = state_get(&s, t->klogin, t->now, &rl, &sl_slot)) == 1)
		sl = throttle_decay(rl.n[0], rl.last, t->now, t->c.halflife);
	if (ga < 0 || gl < 0) {
		say_error(t->c.file, s.err);
		state_close(&s);
		t->on = 0;
		return 0;
	}
	if (t->a.family != 0)
		st_a = stage_of(sa, t->c.addr_delay, t->c.addr_refuse);
	st_l = stage_of(sl, t->c.login_delay, t->c.login_refuse);
	/* a count that decayed below its stage: say so once */
	if (ga == 1 && st_a < (int)ra.n[2]) {
		say_stage(t, TK_ADDR, rq, (int)ra.n[2], st_a, &ra);
		ra.n[2] = (uint32_t)st_a;
		(void)state_put(&s, sa_slot, &ra);
	}
	if (gl == 1 && st_l < (int)rl.n[2]) {
		say_stage(t, TK_LOGIN, rq, (int)rl.n[2], st_l, &rl);
		rl.n[2] = (uint32_t)st_l;
		(void)state_put(&s, sl_slot, &rl);
	}
	/* the pair too: a success then writes only what changed */
	if ((gp = state_get(&s, t->kpair, t->now, &rp, &sp_slot)) == 1) {
		sp = throttle_decay(rp.n[0], rp.last, t->now, t->c.halflife);
		t->pair_score = rp.n[0];
		t->pair_goodmark = rp.n[2];
	}
	t->pair_found = gp == 1;
	state_close(&s);
	if (st_a == TS_NONE && st_l == TS_NONE)
		return 0;
	/* the real user, from where she logged in lately, while her own
	 * failures there stay below the address limit */
	if (gp >= 0 && whole(sp) < t->c.addr_delay && is_good(t))
		return 0;
	da = st_a != TS_NONE ? delay_ms(&t->c, sa, t->c.addr_delay) : 0;
	dl = delay_ms(&t->c, sl, t->c.login_delay);
	d = da > dl ? da : dl;
	refuse = st_a == TS_REFUSE || st_l == TS_REFUSE;
	if (refuse)
		d = t->c.delay_max;
	t->delayed_ms = d;
	if (d > 0) {
		char who[400];

		say_who(t, st_a != TS_NONE && da >= dl ? TK_ADDR : TK_LOGIN,
		    rq, who, sizeof(who));
		log_line(LOG_INFO, "throttle wait delay=%ldms %s", d, who);
	}
	sleep_ms(d);
	if (refuse)
		fail_record(t, rq);
	return refuse;
}

/* Adds one failure to a count, capped at twice its refusal limit so
 * that it decays below the limit within a half-life of the last. */
static void
bump(struct throttle *t, struct state *s, const unsigned char *key,
    int kind, const struct authreq *rq, uint32_t delay, uint32_t refuse)
{
	struct srec r;
	uint64_t slot, cap = (uint64_t)refuse * 2 * SCORE_ONE, v;
	int got, was, now_st;

	if ((got = state_get(s, key, t->now, &r, &slot)) < 0) {
		say_error(t->c.file, s->err);
		return;
	}
	if (got == 0) {
		r.first = t->now;
		r.last = t->now;
		if (kind == TK_ADDR) {
			memcpy(r.data, t->a.b, 16);
			r.n[3] = (uint32_t)kind << 24 |
			    (uint32_t)t->a.family << 16 | t->a.bits;
		} else {
			memcpy(r.data, rq->login, rq->loginlen < 16 ?
			    rq->loginlen : 16);
			r.n[3] = (uint32_t)kind << 24 | (rq->loginlen < 0xffff ?
			    (uint32_t)rq->loginlen : 0xffff);
		}
	}
	v = (uint64_t)throttle_decay(r.n[0], r.last, t->now, t->c.halflife) +
	    SCORE_ONE;
	r.n[0] = (uint32_t)(v < cap ? v : cap);
	r.n[1]++;
	r.last = t->now;
	was = (int)r.n[2];
	now_st = stage_of(r.n[0], delay, refuse);
	if (now_st != was) {
		r.n[2] = (uint32_t)now_st;
		say_stage(t, kind, rq, was, now_st, &r);
	}
	if (state_put(s, slot, &r) != 0)
		say_error(t->c.file, s->err);
}

static void
fail_record(struct throttle *t, const struct authreq *rq)
{
	unsigned char tag[TAG_LEN];
	struct state s;
	struct srec r;
	uint64_t slot;
	int got, i, dup = 0, tagged, goodpair;

	tagged = password_tag(t, rq, tag) == 0;
	/* failures where the login is good count on the pair only: her
	 * phone with an old password must not lock her out elsewhere */
	(void)is_good(t);
	if (open_state(&s, t->c.file, t->c.records) != 0)
		return;
	if ((got = state_get(&s, t->kpair, t->now, &r, &slot)) < 0) {
		say_error(t->c.file, s.err);
		state_close(&s);
		return;
	}
	if (got == 0) {
		r.first = t->now;
		r.n[3] = (uint32_t)TK_PAIR << 24;
	}
	goodpair = t->good == 1 && (got == 0 || whole(throttle_decay(r.n[0],
	    r.last, t->now, t->c.halflife)) < t->c.addr_delay);
	for (i = 0; tagged && got == 1 && i < NTAGS; i++)
		if (r.n[1] > (uint32_t)i &&
		    CRYPTO_memcmp(r.data + i * TAG_LEN, tag, TAG_LEN) == 0)
			dup = 1;
	if (!dup) {
		if (tagged)
			memcpy(r.data + (r.n[1] % NTAGS) * TAG_LEN, tag,
			    TAG_LEN);
		r.n[0] = throttle_decay(r.n[0], r.last, t->now,
		    t->c.halflife) + SCORE_ONE;
		r.n[1]++;
	}
	r.last = t->now;
	if (state_put(&s, slot, &r) != 0)
		say_error(t->c.file, s.err);
	if (!dup && t->a.family != 0)
		bump(t, &s, t->kaddr, TK_ADDR, rq, t->c.addr_delay,
		    t->c.addr_refuse);
	if (!dup && !goodpair)
		bump(t, &s, t->klogin, TK_LOGIN, rq, t->c.login_delay,
		    t->c.login_refuse);
	state_close(&s);
	wipe(tag, sizeof(tag));
}

/* A success forgives her own failures at this address (nobody else's)
 * and refreshes the good pair, at most once an hour: the pair record of
 * THROTTLE_FILE keeps when (n[2]), so most successes write nothing. */
static void
ok_record(struct throttle *t)
{
	int forgive = t->pair_found && t->pair_score != 0;
	int refresh = !t->pair_found ||
	    (uint64_t)t->pair_goodmark + 3600 <= t->now ||
	    (uint64_t)t->pair_goodmark > t->now;
	struct state s;
	struct srec r;
	uint64_t slot;
	int got;

	if (t->c.good_days == 0)
		refresh = 0;
	if (refresh && good_path(t->c.file) != NULL &&
	    open_state(&s, good_path(t->c.file), t->c.good_records) == 0) {
		if ((got = state_get(&s, t->kgood, t->now, &r, &slot)) >= 0) {
			if (got == 0) {
				r.first = t->now;
				memcpy(r.data, t->a.b, 16);
				r.n[3] = (uint32_t)TK_GOOD << 24 |
				    (uint32_t)t->a.family << 16 | t->a.bits;
			}
			r.last = t->now;
			r.n[0]++;
			if (state_put(&s, slot, &r) != 0) {
				say_error(good_path(t->c.file), s.err);
				refresh = 0;
			}
		} else {
			say_error(good_path(t->c.file), s.err);
			refresh = 0;
		}
		state_close(&s);
	} else
		refresh = 0;
	if (!forgive && !refresh)
		return;
	if (open_state(&s, t->c.file, t->c.records) != 0)
		return;
	if ((got = state_get(&s, t->kpair, t->now, &r, &slot)) >= 0) {
		if (got == 0) {
			r.first = t->now;
			r.n[3] = (uint32_t)TK_PAIR << 24;
		}
		r.n[0] = 0;
		r.last = t->now;
		if (refresh)
			r.n[2] = (uint32_t)t->now;
		if (state_put(&s, slot, &r) != 0)
			say_error(t->c.file, s.err);
	}
	state_close(&s);
}

void
throttle_record(struct throttle *t, const struct authreq *rq, int ok)
{
	if (!t->on)
		return;
	if (ok)
		ok_record(t);
	else
		fail_record(t, rq);
}

const char *
throttle_kind_name(int kind)
{
	return kind >= 1 && kind <= 4 ? kind_name[kind] : kind_name[0];
}
