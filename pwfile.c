/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* pwfile.c: the password file's syntax (poppasswd(5)): lines, verifiers,
 * and a login's line in a text.  Nothing here knows the index. */
#define _GNU_SOURCE		/* memmem */
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "hmac_md5.h"
#include "mailbox.h"
#include "pwfile.h"

int
pwfile_login_ok(const char *login, size_t len)
{
	/* A login a line can hold: not empty, no ':' (the separator), no
	 * newline, and not starting with '#' (a comment). */
	return len > 0 && login[0] != '#' && memchr(login, ':', len) == NULL &&
	    memchr(login, '\n', len) == NULL && memchr(login, '\0', len) == NULL;
}

int
pwfile_parse_line(const char *line, size_t len, struct pwline *out)
{
	const char *colon;
	size_t i;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	if (i == len || line[0] == '#')
		return PWL_SKIP;
	if (memchr(line, '\0', len) != NULL)
		return PWL_BAD;
	colon = memchr(line, ':', len);
	if (colon == NULL || colon == line)
		return PWL_BAD;
	out->login = line;
	out->loginlen = (size_t)(colon - line);
	out->field = colon + 1;
	out->fieldlen = len - out->loginlen - 1;
	return PWL_ENTRY;
}

static const struct scheme {
	const char *tag;	/* with its braces */
	enum vkind kind;
	enum venc enc;
	unsigned short sha;
} schemes[] = {
	{ "{SSHA}", VK_SSHA, VE_B64, 20 },
	{ "{SSHA256}", VK_SSHA, VE_B64, 32 },
	{ "{SSHA512}", VK_SSHA, VE_B64, 64 },
	{ "{PLAIN}", VK_PLAIN, VE_RAW, 0 },
	{ "{PLAIN.b64}", VK_PLAIN, VE_B64, 0 },
	{ "{PLAIN.base64}", VK_PLAIN, VE_B64, 0 },
	{ "{PLAIN.hex}", VK_PLAIN, VE_HEX, 0 },
	{ "{CLEARTEXT}", VK_PLAIN, VE_RAW, 0 },
	{ "{CRAM-MD5}", VK_CRAM, VE_RAW, 0 },
	{ "{CRYPT}", VK_CRYPT, VE_RAW, 0 },
	{ "{BLF-CRYPT}", VK_CRYPT, VE_RAW, 0 },
	{ "{SHA512-CRYPT}", VK_CRYPT, VE_RAW, 0 },
	{ "{SHA256-CRYPT}", VK_CRYPT, VE_RAW, 0 },
	{ "{MD5-CRYPT}", VK_CRYPT, VE_RAW, 0 },
};

static void
classify(const char *p, size_t len, struct verifier *v)
{
	size_t i, n;

	v->kind = VK_UNKNOWN;
	v->enc = VE_RAW;
	v->sha = 0;
	v->p = p;
	v->len = len;
	if (len > 0 && p[0] == '$') {
		v->kind = VK_CRYPT;
		return;
	}
	if (mb_is_field(p, len)) {
		v->kind = VK_MAILBOX;
		return;
	}
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		n = strlen(schemes[i].tag);
		/* scheme names are case-insensitive, as in Dovecot */
		if (len >= n && strncasecmp(p, schemes[i].tag, n) == 0) {
			v->kind = schemes[i].kind;
			v->enc = schemes[i].enc;
			v->sha = schemes[i].sha;
			v->p = p + n;
			v->len = len - n;
			break;
		}
	}
	if (v->kind == VK_CRAM && v->len != CRAM_STATE_HEXLEN)
		v->kind = VK_UNKNOWN;
	/* base64 of the digest and a salt of 1 to 64 bytes */
	if (v->kind == VK_SSHA && (v->len % 4 != 0 ||
	    v->len / 4 * 3 < (size_t)v->sha + 1 + 2 ||
	    v->len / 4 * 3 > (size_t)v->sha + 64 + 2))
		v->kind = VK_UNKNOWN;
	if (v->kind == VK_CRYPT && (v->len == 0 || v->p[0] == '!' ||
	    v->p[0] == '*'))
		v->kind = VK_UNKNOWN;
}

size_t
pwfile_verifiers(const char *field, size_t len, struct verifier *v, size_t max)
{
	const char *end = field + len, *p, *q;
	size_t n = 0;

	if (max == 0)
		return 0;
	if (len == 0 || field[0] == '!' || field[0] == '*') {
		v[0].kind = VK_DISABLED;
		v[0].enc = VE_RAW;
		v[0].p = len ? field + 1 : field;
		v[0].len = len ? len - 1 : 0;
		return 1;
	}
	if (field[0] != '$' && field[0] != '{') {
		/* cmd5checkpw 0.2x/0.30: the rest of the line, ':' and all */
		v[0].kind = VK_PLAIN;
		v[0].enc = VE_RAW;
		v[0].p = field;
		v[0].len = len;
		return 1;
	}
	for (p = field; p <= end && n < max; p = q + 1) {
		q = memchr(p, ':', (size_t)(end - p));
		if (q == NULL)
			q = end;
		classify(p, (size_t)(q - p), &v[n++]);
	}
	return n;
}

const char *
vkind_name(enum vkind k)
{
	switch (k) {
	case VK_PLAIN:
		return "plain";
	case VK_CRYPT:
		return "crypt";
	case VK_CRAM:
		return "cram-md5";
	case VK_SSHA:
		return "ssha";
	case VK_DISABLED:
		return "disabled";
	case VK_MAILBOX:
		return "mailbox";
	default:
		return "unknown";
	}
}

static size_t
linelen(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
}

static const char itoa64[] =
    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static unsigned long
b64digit(char c)
{
	const char *p = c != '\0' ? strchr(itoa64, c) : NULL;

	return p != NULL ? (unsigned long)(p - itoa64) : 0;
}

/* Rounds or a cost number after prefix in s, else dflt. */
static unsigned long
number_after(const char *s, size_t len, const char *prefix, unsigned long dflt)
{
	size_t n = strlen(prefix), i;
	unsigned long v = 0;

	if (len < n || memcmp(s, prefix, n) != 0)
		return dflt;
	for (i = n; i < len && i < n + 9 && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (unsigned long)(s[i] - '0');
	return i > n ? v : dflt;
}

unsigned long
pwfile_crypt_cost(const char *h, size_t len)
{
	unsigned long n, r;

	/* yescrypt "$y$" flavor, N_log2 - 1, r - 1 (itoa64 digits); gost */
	if (len > 6 && (memcmp(h, "$y$", 3) == 0 || memcmp(h, "$gy$", 4) == 0)) {
		h += h[1] == 'y' ? 3 : 4;
		n = b64digit(h[1]) + 1;
		r = b64digit(h[2]) + 1;
		return n > 30 ? ULONG_MAX / 2 : (1UL << n) * r / 10;
	}
	if (len > 4 && memcmp(h, "$7$", 3) == 0)	/* scrypt: N_log2, r */
		return (1UL << (b64digit(h[3]) & 31)) * (b64digit(h[4]) + 1) / 10;
	if (len > 7 && h[0] == '$' && h[1] == '2' && h[3] == '$') {
		n = number_after(h + 4, len - 4, "", 0) & 31;
		return (1UL << n) * 50;
	}
	if (len > 3 && (memcmp(h, "$6$", 3) == 0 || memcmp(h, "$5$", 3) == 0))
		return number_after(h + 3, len - 3, "rounds=", 5000) / 3;
	if (len > 3 && memcmp(h, "$1$", 3) == 0)
		return 300;
	return 1;
}

/* The first crypt verifier of a field, its leading '!' or '*' skipped. */
int
pwfile_field_crypt(const char *field, size_t len, struct verifier *out)
{
	struct verifier v[PW_MAXVERIFIERS];
	size_t i, n;

	while (len > 0 && (*field == '!' || *field == '*')) {
		field++;
		len--;
	}
	n = pwfile_verifiers(field, len, v, PW_MAXVERIFIERS);
	for (i = 0; i < n; i++)
		if (v[i].kind == VK_CRYPT) {
			*out = v[i];
			return 1;
		}
	return 0;
}

int
pwfile_dummy(const char *text, size_t size, struct pwline *out)
{
	const char *p = text, *end = text + size;
	struct pwline l;
	struct verifier v;
	size_t n, seen = 0;
	unsigned long cost, best = 0;
	int found = 0;

	while (p < end && seen < PW_DUMMY_SPAN) {
		n = linelen(p, end);
		if (pwfile_parse_line(p, n, &l) == PWL_ENTRY) {
			if (!found)
				*out = l;
			found = 1;
			seen++;
			if (pwfile_field_crypt(l.field, l.fieldlen, &v) &&
			    (cost = pwfile_crypt_cost(v.p, v.len)) > best) {
				*out = l;
				best = cost;
			}
		}
		p += n + 1;
	}
	return found;
}

int
pwfile_next_entry(const char *text, size_t size, const char *login,
    size_t loginlen, size_t *from, size_t *linelen_out, struct pwline *pl)
{
	const char *p = text + *from, *end = text + size;

	while (p < end && (p = memmem(p, (size_t)(end - p), login,
	    loginlen)) != NULL) {
		if ((p == text || p[-1] == '\n') &&
		    (size_t)(end - p) > loginlen && p[loginlen] == ':' &&
		    pwfile_parse_line(p, linelen(p, end), pl) == PWL_ENTRY) {
			*linelen_out = linelen(p, end);
			*from = (size_t)(p - text);
			return 1;
		}
		p++;
	}
	*from = size;
	return 0;
}

int
pwfile_scan(const char *text, size_t size, const char *login, size_t loginlen,
    struct pwscan *out)
{
	const char *end = text + size, *p, *hit = NULL;
	char *needle;
	size_t n;

	memset(out, 0, sizeof(*out));
	out->has_dummy = pwfile_dummy(text, size, &out->dummy);
	if (!pwfile_login_ok(login, loginlen))
		return 0;
	/* Lines start at the top or after '\n': look for "\nlogin:". */
	if ((needle = malloc(loginlen + 2)) == NULL)
		return -1;
	needle[0] = '\n';
	memcpy(needle + 1, login, loginlen);
	needle[loginlen + 1] = ':';

	if (size > loginlen && memcmp(text, needle + 1, loginlen + 1) == 0)
		p = text;
	else
		p = memmem(text, size, needle, loginlen + 2);
	while (p != NULL) {
		if (*p == '\n')
			p++;
		n = linelen(p, end);
		if (hit == NULL && pwfile_parse_line(p, n, &out->hit) ==
		    PWL_ENTRY)
			hit = p;
		/* Keep scanning to the end whatever was found, so that the
		 * time taken does not tell where (or whether) a login is. */
		p += n;
		p = memmem(p, (size_t)(end - p), needle, loginlen + 2);
	}
	free(needle);
	out->found = hit != NULL;
	return 0;
}

int
pwfile_check_mode(const char *path, const struct stat *st, struct pwerr *err)
{
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		pwerr_set(err, "refusing %s: writable by %s (chmod go-w)", path,
		    st->st_mode & S_IWOTH ? "others" : "group");
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		pwerr_set(err, "refusing %s: not a regular file", path);
		return -1;
	}
	return 0;
}
