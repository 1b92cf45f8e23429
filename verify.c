/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* verify.c: CRAM-MD5, APOP and password checks against stored verifiers.
 *
 * Every check derives from what the client presented: a stored verifier
 * presented as a password or response never matches (no pass-the-hash). */
#define OPENSSL_SUPPRESS_DEPRECATED 1	/* SHA1_Init and friends */
#include <crypt.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "hmac_md5.h"
#include "pwfile.h"
#include "verify.h"

/* Decoded plaintext secret of a VK_PLAIN verifier into buf; -1 if bad. */
static int
plain_secret(const struct verifier *v, unsigned char *buf, size_t size,
    size_t *len)
{
	int n;

	switch (v->enc) {
	case VE_RAW:
		if (v->len > size)
			return -1;
		memcpy(buf, v->p, v->len);
		*len = v->len;
		return 0;
	case VE_HEX:
		if (v->len % 2 != 0 || v->len / 2 > size ||
		    hex_decode(v->p, v->len, buf, v->len / 2) != 0)
			return -1;
		*len = v->len / 2;
		return 0;
	case VE_B64:
		if (v->len % 4 != 0 || v->len / 4 * 3 > size || v->len > 1400)
			return -1;
		n = EVP_DecodeBlock(buf, (const unsigned char *)v->p,
		    (int)v->len);
		if (n < 0)
			return -1;
		/* EVP_DecodeBlock counts the padding as zero bytes */
		if (v->len > 0 && v->p[v->len - 1] == '=')
			n--;
		if (v->len > 1 && v->p[v->len - 2] == '=')
			n--;
		*len = (size_t)n;
		return 0;
	}
	return -1;
}

static const struct verifier *
pick(const struct verifier *v, size_t n, enum vkind k)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].kind == k)
			return &v[i];
	return NULL;
}

/* libxcrypt says EINVAL both for a malformed hash and when it could not
 * get its memory: yescrypt at its default cost (j9T) wants 16 MiB, which a
 * qmail run script's softlimit -m or a ulimit -v can deny.  If 32 MiB
 * cannot be mapped now either, the failure is temporary (111), not a
 * wrong password. */
static int
short_of_memory(void)
{
	size_t n = (size_t)32 << 20;
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 1;
	munmap(p, n);
	return 0;
}

static int
check_crypt(const struct verifier *v, const char *pass, size_t passlen)
{
	struct crypt_data data;
	char setting[CRYPT_OUTPUT_SIZE], phrase[CRYPT_MAX_PASSPHRASE_SIZE + 1];
	const char *out;
	int ok = 0;

	if (v->len >= sizeof(setting) || passlen >= sizeof(phrase))
		return 0;
	memcpy(setting, v->p, v->len);
	setting[v->len] = '\0';
	memcpy(phrase, pass, passlen);
	phrase[passlen] = '\0';
	memset(&data, 0, sizeof(data));
	/* crypt_rn: NULL, never a "*0" string, on a bad setting */
	out = crypt_rn(phrase, setting, &data, (int)sizeof(data));
	if (out != NULL)
		ok = ct_equal_str(out, strlen(out), setting, v->len);
	else if (short_of_memory())
		ok = -1;
	wipe(&data, sizeof(data));
	wipe(phrase, sizeof(phrase));
	wipe(setting, sizeof(setting));
	return ok;
}

/* {SSHA*}: base64(SHA(password salt) salt); the digest compared in
 * constant time.  0 also for a malformed value.  The low-level SHA
 * functions, as hmac_md5.c uses MD5's: EVP_Digest* would pull OpenSSL 3's
 * providers into cmd5checkpw (4 MB more of static binary, and their
 * loading on every login). */
static int
check_ssha(const struct verifier *v, const char *pass, size_t passlen)
{
	unsigned char raw[64 + 64 + 3], md[SHA512_DIGEST_LENGTH];
	size_t rlen, slen;
	int n, ok = 0;

	if (v->len % 4 != 0 || v->len / 4 * 3 > sizeof(raw))
		return 0;
	n = EVP_DecodeBlock(raw, (const unsigned char *)v->p, (int)v->len);
	if (n < 0)
		return 0;
	rlen = (size_t)n;
	if (v->len > 0 && v->p[v->len - 1] == '=')
		rlen--;
	if (v->len > 1 && v->p[v->len - 2] == '=')
		rlen--;
	if (rlen <= v->sha)
		return 0;
	slen = rlen - v->sha;
	if (v->sha == SHA_DIGEST_LENGTH) {
		SHA_CTX c;

		SHA1_Init(&c);
		SHA1_Update(&c, pass, passlen);
		SHA1_Update(&c, raw + v->sha, slen);
		SHA1_Final(md, &c);
		wipe(&c, sizeof(c));
	} else if (v->sha == SHA256_DIGEST_LENGTH) {
		SHA256_CTX c;

		SHA256_Init(&c);
		SHA256_Update(&c, pass, passlen);
		SHA256_Update(&c, raw + v->sha, slen);
		SHA256_Final(md, &c);
		wipe(&c, sizeof(c));
	} else if (v->sha == SHA512_DIGEST_LENGTH) {
		SHA512_CTX c;

		SHA512_Init(&c);
		SHA512_Update(&c, pass, passlen);
		SHA512_Update(&c, raw + v->sha, slen);
		SHA512_Final(md, &c);
		wipe(&c, sizeof(c));
	} else
		return 0;
	ok = ct_equal(md, raw, v->sha);
	wipe(md, sizeof(md));
	wipe(raw, sizeof(raw));
	return ok;
}

static int
check_password(const struct verifier *v, size_t n, const char *pass,
    size_t passlen, const char **used)
{
	const struct verifier *c;
	struct hmac_md5_key mine, stored;
	unsigned char secret[PW_CMP_MAX];
	size_t slen;
	int ok = 0;

	if ((c = pick(v, n, VK_CRYPT)) != NULL) {
		*used = "crypt";
		return check_crypt(c, pass, passlen);
	}
	if ((c = pick(v, n, VK_SSHA)) != NULL) {
		*used = "ssha";
		return check_ssha(c, pass, passlen);
	}
	if ((c = pick(v, n, VK_CRAM)) != NULL) {
		*used = "cram-md5";
		if (cram_state_decode(c->p, c->len, &stored) != 0)
			return 0;
		hmac_md5_init(&mine, pass, passlen);
		ok = ct_equal(&mine, &stored, sizeof(mine));
		wipe(&mine, sizeof(mine));
		wipe(&stored, sizeof(stored));
		return ok;
	}
	if ((c = pick(v, n, VK_PLAIN)) != NULL) {
		*used = "plain";
		/* an empty stored secret is no password at all */
		if (plain_secret(c, secret, sizeof(secret), &slen) == 0)
			ok = ct_equal_str(secret, slen, pass, passlen) &
			    (slen > 0);
		wipe(secret, sizeof(secret));
		return ok;
	}
	return 0;
}

/* HMAC-MD5 keys of the CRAM verifier, or of the plaintext: 0, 1 for an
 * empty plaintext (keys made, but they prove nothing), -1. */
static int
cram_key(const struct verifier *v, size_t n, struct hmac_md5_key *k,
    const char **used)
{
	const struct verifier *c;
	unsigned char secret[PW_CMP_MAX];
	size_t slen;
	int r = -1;

	if ((c = pick(v, n, VK_CRAM)) != NULL) {
		*used = "cram-md5";
		return cram_state_decode(c->p, c->len, k);
	}
	if ((c = pick(v, n, VK_PLAIN)) != NULL) {
		*used = "plain";
		/* an empty secret is no secret: HMAC with an empty key is
		 * anyone's to compute.  1: the same work, never a match. */
		if (plain_secret(c, secret, sizeof(secret), &slen) == 0) {
			hmac_md5_init(k, secret, slen);
			r = slen > 0 ? 0 : 1;
		}
		wipe(secret, sizeof(secret));
	}
	return r;
}

static int
check_cram(const struct verifier *v, size_t n, const struct authreq *rq,
    const char **used)
{
	struct hmac_md5_key k;
	unsigned char mac[MD5_LEN];
	int ok = 0, r = cram_key(v, n, &k, used);

	if (r >= 0) {
		hmac_md5_finish(&k, rq->chal, rq->challen, mac);
		ok = ct_equal(mac, rq->digest, MD5_LEN) & (r == 0);
	}
	wipe(&k, sizeof(k));
	wipe(mac, sizeof(mac));
	return ok;
}

static int
check_apop(const struct verifier *v, size_t n, const struct authreq *rq,
    const char **used)
{
	const struct verifier *c;
	unsigned char secret[PW_CMP_MAX], md[MD5_LEN];
	size_t slen;
	int ok = 0;

	if ((c = pick(v, n, VK_PLAIN)) != NULL &&
	    plain_secret(c, secret, sizeof(secret), &slen) == 0) {
		*used = "plain";
		apop_md5(rq->chal, rq->challen, secret, slen, md);
		/* MD5(timestamp) alone is anyone's to compute */
		ok = ct_equal(md, rq->digest, MD5_LEN) & (slen > 0);
	}
	wipe(secret, sizeof(secret));
	wipe(md, sizeof(md));
	return ok;
}

/* Which verifier kinds can answer a mechanism at all. */
static int
usable(const struct verifier *v, size_t n, enum mech m)
{
	int plain = pick(v, n, VK_PLAIN) != NULL;
	int cram = pick(v, n, VK_CRAM) != NULL;
	int crypt = pick(v, n, VK_CRYPT) != NULL ||
	    pick(v, n, VK_SSHA) != NULL;

	switch (m) {
	case MECH_PASSWORD:
	case MECH_APOP_OR_PASSWORD:
		return plain || cram || crypt;
	case MECH_CRAM:
		return plain || cram;
	case MECH_APOP:
		return plain;
	case MECH_LOOKUP:
		return 1;
	}
	return 0;
}

int
verify(const struct authreq *rq, const char *field, size_t fieldlen,
    const char **reason, const char **used, enum mech *proved)
{
	struct verifier v[PW_MAXVERIFIERS];
	size_t n, skip = 0;
	int ok = 0, a, b, disabled;

	if (rq->mech == MECH_LOOKUP) {
		/* Dovecot userdb lookup: the login exists; no secret here */
		*used = "none";
		*proved = MECH_LOOKUP;
		return 1;
	}
	/* A locked account ("!hash", as in shadow) still costs its check,
	 * so timing does not tell a locked login from an active one. */
	while (skip < fieldlen && (field[skip] == '!' || field[skip] == '*'))
		skip++;
	disabled = skip > 0 || fieldlen == 0;
	*used = "none";
	*proved = rq->mech;
	n = pwfile_verifiers(field + skip, fieldlen - skip, v, PW_MAXVERIFIERS);
	if (n == 1 && v[0].kind == VK_DISABLED) {
		*reason = "disabled";
		return 0;
	}
	if (!usable(v, n, rq->mech)) {
		*reason = disabled ? "disabled" : pick(v, n, VK_UNKNOWN) ?
		    "unknown-scheme" : "no-verifier-for-mechanism";
		return 0;
	}
	switch (rq->mech) {
	case MECH_PASSWORD:
		ok = check_password(v, n, rq->pass, rq->passlen, used);
		break;
	case MECH_CRAM:
		ok = check_cram(v, n, rq, used);
		break;
	case MECH_APOP:
		ok = check_apop(v, n, rq, used);
		break;
	case MECH_APOP_OR_PASSWORD:
		a = check_apop(v, n, rq, used);
		b = check_password(v, n, rq->pass, rq->passlen, used);
		ok = b < 0 ? -1 : a | b;
		*proved = a ? MECH_APOP : MECH_PASSWORD;
		break;
	case MECH_LOOKUP:
		break;
	}
	if (ok < 0) {
		*reason = "crypt-failed";
		return -1;
	}
	if (disabled) {
		*reason = "disabled";
		return 0;
	}
	if (!ok)
		*reason = "bad-password";
	return ok;
}

static long long
ns_between(const struct timespec *a, const struct timespec *b)
{
	return (long long)(b->tv_sec - a->tv_sec) * 1000000000 +
	    (b->tv_nsec - a->tv_nsec);
}

/* Whether a check of this field computed a crypt hash that costs what
 * the pad costs: then its own time is the pad's. */
static int
costs_the_pad(const char *field, size_t len, const struct verifier *pad)
{
	struct verifier v;

	return field != NULL && pwfile_field_crypt(field, len, &v) &&
	    v.len > 1 && v.len < CRYPT_OUTPUT_SIZE && pad->len > 1 &&
	    v.p[1] == pad->p[1] &&
	    pwfile_crypt_cost(v.p, v.len) == pwfile_crypt_cost(pad->p, pad->len);
}

int
verify_pad(const struct authreq *rq, const char *checked, size_t checkedlen,
    const char *padfield, size_t padlen, const struct timespec *t0)
{
	struct verifier pad;
	struct timespec t1, until;
	long long tp;
	int r;

	if (rq->mech != MECH_PASSWORD && rq->mech != MECH_APOP_OR_PASSWORD)
		return 0;
	if (padfield == NULL || !pwfile_field_crypt(padfield, padlen, &pad))
		return 0;	/* no crypt hash in the file: all checks cheap */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (costs_the_pad(checked, checkedlen, &pad)) {
		tp = ns_between(t0, &t1);
	} else {
		/* the pad entry's hash, with what the client sent: whether
		 * it matches does not matter, the answer is already no */
		if (check_crypt(&pad, rq->pass, rq->passlen) < 0)
			return -1;
		clock_gettime(CLOCK_MONOTONIC, &until);
		tp = ns_between(&t1, &until);
	}
	/* end at t0 + 2 x the pad: whatever the check before cost (at
	 * most one pad), plus one pad */
	tp = 2 * tp;
	until.tv_sec = t0->tv_sec + (time_t)(tp / 1000000000);
	until.tv_nsec = t0->tv_nsec + (long)(tp % 1000000000);
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	while ((r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until,
	    NULL)) == EINTR)
		;
	return 0;
}
