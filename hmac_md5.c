/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* hmac_md5.c: the crypto core, thin over OpenSSL libcrypto.
 *
 * HMAC-MD5 is built from libcrypto's MD5 block functions rather than
 * HMAC()/EVP_MAC because Dovecot's {CRAM-MD5} verifier *is* the pair of MD5
 * chaining states after the key blocks (src/lib/hmac-cram-md5.c), which only
 * the low-level MD5_CTX exposes; it also keeps OpenSSL 3's provider loading
 * out of every login's fork+exec.  The MD5 API is deprecated in 3.0 but
 * present throughout 3.x. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/md5.h>

#include "hmac_md5.h"

#define BLOCK 64

void
wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		OPENSSL_cleanse(p, n);
}

static void
state_of(const MD5_CTX *c, uint32_t st[4])
{
	st[0] = c->A;
	st[1] = c->B;
	st[2] = c->C;
	st[3] = c->D;
}

/* An MD5 context that has consumed exactly one 64-byte block. */
static void
resume(MD5_CTX *c, const uint32_t st[4])
{
	memset(c, 0, sizeof(*c));
	c->A = st[0];
	c->B = st[1];
	c->C = st[2];
	c->D = st[3];
	c->Nl = BLOCK * 8;
}

void
hmac_md5_init(struct hmac_md5_key *k, const void *key, size_t keylen)
{
	unsigned char kb[BLOCK], pad[BLOCK];
	MD5_CTX c;
	size_t i;

	memset(kb, 0, sizeof(kb));
	if (keylen > BLOCK)	/* RFC 2104: long keys are hashed first */
		MD5(key, keylen, kb);
	else if (keylen > 0)
		memcpy(kb, key, keylen);

	for (i = 0; i < BLOCK; i++)
		pad[i] = kb[i] ^ 0x5c;
	MD5_Init(&c);
	MD5_Transform(&c, pad);
	state_of(&c, k->outer);
	for (i = 0; i < BLOCK; i++)
		pad[i] = kb[i] ^ 0x36;
	MD5_Init(&c);
	MD5_Transform(&c, pad);
	state_of(&c, k->inner);

	wipe(kb, sizeof(kb));
	wipe(pad, sizeof(pad));
	wipe(&c, sizeof(c));
}

void
hmac_md5_finish(const struct hmac_md5_key *k, const void *msg, size_t msglen,
    unsigned char out[MD5_LEN])
{
	unsigned char ihash[MD5_LEN];
	MD5_CTX c;

	resume(&c, k->inner);
	MD5_Update(&c, msg, msglen);
	MD5_Final(ihash, &c);
	resume(&c, k->outer);
	MD5_Update(&c, ihash, sizeof(ihash));
	MD5_Final(out, &c);
	wipe(ihash, sizeof(ihash));
	wipe(&c, sizeof(c));
}

void
hmac_md5(const void *key, size_t keylen, const void *msg, size_t msglen,
    unsigned char out[MD5_LEN])
{
	struct hmac_md5_key k;

	hmac_md5_init(&k, key, keylen);
	hmac_md5_finish(&k, msg, msglen, out);
	wipe(&k, sizeof(k));
}

static void
words_encode(const uint32_t w[4], char *out)
{
	unsigned char b[16];
	int i;

	for (i = 0; i < 4; i++) {
		b[4 * i] = w[i] & 0xff;
		b[4 * i + 1] = (w[i] >> 8) & 0xff;
		b[4 * i + 2] = (w[i] >> 16) & 0xff;
		b[4 * i + 3] = (w[i] >> 24) & 0xff;
	}
	hex_encode(b, sizeof(b), out);
	wipe(b, sizeof(b));
}

static void
words_decode(const unsigned char *b, uint32_t w[4])
{
	int i;

	for (i = 0; i < 4; i++)
		w[i] = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 |
		    (uint32_t)b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24;
}

void
cram_state_encode(const struct hmac_md5_key *k, char out[CRAM_STATE_HEXLEN + 1])
{
	words_encode(k->outer, out);
	words_encode(k->inner, out + 32);
	out[CRAM_STATE_HEXLEN] = '\0';
}

int
cram_state_decode(const char *hex, size_t len, struct hmac_md5_key *k)
{
	unsigned char b[32];

	if (len != CRAM_STATE_HEXLEN || hex_decode(hex, len, b, sizeof(b)) != 0)
		return -1;
	words_decode(b, k->outer);
	words_decode(b + 16, k->inner);
	wipe(b, sizeof(b));
	return 0;
}

void
apop_md5(const void *ts, size_t tslen, const void *secret, size_t secretlen,
    unsigned char out[MD5_LEN])
{
	MD5_CTX c;

	MD5_Init(&c);
	MD5_Update(&c, ts, tslen);
	MD5_Update(&c, secret, secretlen);
	MD5_Final(out, &c);
	wipe(&c, sizeof(c));
}

static int
hexval(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int
hex_decode(const char *hex, size_t len, unsigned char *out, size_t outlen)
{
	size_t i;
	int hi, lo, bad = 0;

	if (len != 2 * outlen)
		return -1;
	for (i = 0; i < outlen; i++) {
		hi = hexval((unsigned char)hex[2 * i]);
		lo = hexval((unsigned char)hex[2 * i + 1]);
		bad |= (hi | lo) < 0;
		out[i] = (unsigned char)(((unsigned)hi << 4 | (unsigned)lo) &
		    0xff);
	}
	return bad ? -1 : 0;
}

void
hex_encode(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
}

int
ct_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

int
ct_equal_str(const void *a, size_t alen, const void *b, size_t blen)
{
	unsigned char pa[PW_CMP_MAX], pb[PW_CMP_MAX];
	int same_len, same_bytes, fits;

	/* Lengths are not secret here (the client chose one of them); the
	 * bytes are: compare the whole padded buffers whatever they hold. */
	fits = alen <= PW_CMP_MAX && blen <= PW_CMP_MAX;
	memset(pa, 0, sizeof(pa));
	memset(pb, 0, sizeof(pb));
	if (fits) {
		memcpy(pa, a, alen);
		memcpy(pb, b, blen);
	}
	same_bytes = CRYPTO_memcmp(pa, pb, sizeof(pa)) == 0;
	same_len = alen == blen;
	wipe(pa, sizeof(pa));
	wipe(pb, sizeof(pb));
	return fits & same_len & same_bytes;
}
