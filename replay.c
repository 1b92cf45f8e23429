/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* replay.c: no seen CRAM-MD5 or APOP exchange logs in again.
 *
 * A client can put any challenge it saw on fd 3 (an AUTH LOGIN password
 * keeps its NULs, PROTOCOLS "What the client controls"), so the challenge
 * itself must prove that it is this connection's, fresh and unused:
 *   - it is <PID.TIME@HOST> exactly, as qmail-smtpd and qmail-popup make it;
 *   - TIME lies within the window (the front end runs on this host);
 *   - HOST is the configured name, where one is known;
 *   - PID is our parent: each front end forks and execs its checker;
 *   - it is in no one-time record of this host (state.c), and goes in. */
/* The low-level SHA-256 API, as hmac_md5.c uses MD5's: EVP would load
 * OpenSSL 3's providers (and openssl.cnf) in every login, some ms. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <stdio.h>
#include <syslog.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/sha.h>

#include "fd3.h"
#include "log.h"
#include "replay.h"
#include "state.h"

#define LOCK_MS 2000

/* The record's key: a domain-separated SHA-256 of the challenge alone,
 * so one challenge is one login whatever the login. */
static void
replay_key(const char *chal, size_t len, unsigned char key[STATE_KEYLEN])
{
	static const char domain[] = "cmd5checkpw replay v1";
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256_CTX c;

	SHA256_Init(&c);
	SHA256_Update(&c, domain, sizeof(domain));	/* with its NUL */
	SHA256_Update(&c, chal, len);
	SHA256_Final(md, &c);
	memcpy(key, md, STATE_KEYLEN);
}

/* 1 when the record had the key, 0 when it is recorded now, -1 (err). */
static int
seen(const char *path, const unsigned char key[STATE_KEYLEN], uint64_t now,
    char *err, size_t errlen)
{
	struct state s;
	struct srec r;
	struct stat st;
	uint64_t slot;
	mode_t old;
	int r1, rc = -1, had;

	/* a new file is "remade" too: warn only when one was there */
	had = stat(path, &st) == 0 && st.st_size > 0;

	/* the front ends' group shares the record: 0660, whatever the
	 * umask of the first front end that makes it */
	old = umask(007);
	r1 = state_open(&s, path, REPLAY_RECORDS, LOCK_MS);
	umask(old);
	if (r1 != 0) {
		snprintf(err, errlen, "replay record %s: %s", path, s.err);
		return -1;
	}
	if (fstat(s.fd, &st) != 0 || (st.st_mode & S_IWOTH)) {
		snprintf(err, errlen, "replay record %s: writable by others",
		    path);
		goto out;
	}
	if (s.remade && had)
		log_line(LOG_WARNING, "warning reason=\"replay record %s was "
		    "unusable and is made anew\"", path);
	switch (state_get(&s, key, now, &r, &slot)) {
	case 1:
		rc = 1;
		break;
	case 0:
		r.first = r.last = now;
		r.n[0] = 1;
		if (state_put(&s, slot, &r) == 0)
			rc = 0;
		else
			snprintf(err, errlen, "replay record %s: %s", path,
			    s.err);
		break;
	default:
		snprintf(err, errlen, "replay record %s: %s", path, s.err);
	}
out:
	state_close(&s);
	return rc;
}

int
replay_check(const struct replay_opts *o, const char *chal, size_t len,
    const char **reason, char *err, size_t errlen)
{
	struct challenge c;
	unsigned char key[STATE_KEYLEN];
	time_t now = time(NULL);
	int r;

	if (fd3_challenge(chal, len, &c) != 0) {
		*reason = "malformed-challenge";
		return 1;
	}
	if (now < 0 || c.time > (unsigned long long)now + REPLAY_FUTURE) {
		*reason = "future-challenge";
		return 1;
	}
	if (c.time + (unsigned long long)o->window < (unsigned long long)now) {
		*reason = "stale-challenge";
		return 1;
	}
	if (o->host != NULL && (c.hostlen != strlen(o->host) ||
	    memcmp(c.host, o->host, c.hostlen) != 0)) {
		*reason = "wrong-host";
		return 1;
	}
	if (o->parent && c.pid != (unsigned long)getppid()) {
		*reason = "wrong-parent";
		return 1;
	}
	replay_key(chal, len, key);
	r = seen(o->path, key, (uint64_t)now, err, errlen);
	if (r < 0)
		return 111;
	if (r == 1) {
		*reason = "replayed-challenge";
		return 1;
	}
	return 0;
}
