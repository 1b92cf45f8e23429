/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* hmac_md5.h: HMAC-MD5 (RFC 2104), CRAM-MD5 (RFC 2195), APOP (RFC 1939),
 * Dovecot's {CRAM-MD5} stored state, hex, constant-time compare, wiping. */
#ifndef HMAC_MD5_H
#define HMAC_MD5_H

#include <stddef.h>
#include <stdint.h>

#define MD5_LEN 16
#define CRAM_STATE_HEXLEN 64

/* The MD5 chaining values after the first (key ^ pad) block: what Dovecot
 * stores as {CRAM-MD5}, and all HMAC-MD5 needs to verify a response. */
struct hmac_md5_key {
	uint32_t outer[4];
	uint32_t inner[4];
};

void hmac_md5_init(struct hmac_md5_key *k, const void *key, size_t keylen);
void hmac_md5_finish(const struct hmac_md5_key *k, const void *msg,
    size_t msglen, unsigned char out[MD5_LEN]);
void hmac_md5(const void *key, size_t keylen, const void *msg, size_t msglen,
    unsigned char out[MD5_LEN]);

/* Dovecot {CRAM-MD5}: 64 hex digits, outer then inner state words, each
 * little-endian.  decode returns 0, or -1 on anything but 64 hex digits. */
int cram_state_decode(const char *hex, size_t len, struct hmac_md5_key *k);
void cram_state_encode(const struct hmac_md5_key *k,
    char out[CRAM_STATE_HEXLEN + 1]);

/* APOP digest: MD5(timestamp || secret). */
void apop_md5(const void *ts, size_t tslen, const void *secret,
    size_t secretlen, unsigned char out[MD5_LEN]);

/* Strict hex: exactly 2*outlen digits, either case; 0 or -1. */
int hex_decode(const char *hex, size_t len, unsigned char *out, size_t outlen);
void hex_encode(const unsigned char *in, size_t len, char *out);

/* 1 when equal; time depends only on n. */
int ct_equal(const void *a, const void *b, size_t n);
/* 1 when the two strings are equal; time depends only on PW_CMP_MAX. */
#define PW_CMP_MAX 1024
int ct_equal_str(const void *a, size_t alen, const void *b, size_t blen);

void wipe(void *p, size_t n);

#endif
