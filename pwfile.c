/* pwfile.c: the password file's syntax (poppasswd(5)): lines, verifiers,
 * and a login's line in a text.  Nothing here knows the index. */
#define _GNU_SOURCE		/* memmem */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "hmac_md5.h"
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
} schemes[] = {
	{ "{PLAIN}", VK_PLAIN, VE_RAW },
	{ "{PLAIN.b64}", VK_PLAIN, VE_B64 },
	{ "{PLAIN.base64}", VK_PLAIN, VE_B64 },
	{ "{PLAIN.hex}", VK_PLAIN, VE_HEX },
	{ "{CLEARTEXT}", VK_PLAIN, VE_RAW },
	{ "{CRAM-MD5}", VK_CRAM, VE_RAW },
	{ "{CRYPT}", VK_CRYPT, VE_RAW },
	{ "{BLF-CRYPT}", VK_CRYPT, VE_RAW },
	{ "{SHA512-CRYPT}", VK_CRYPT, VE_RAW },
	{ "{SHA256-CRYPT}", VK_CRYPT, VE_RAW },
	{ "{MD5-CRYPT}", VK_CRYPT, VE_RAW },
};

static void
classify(const char *p, size_t len, struct verifier *v)
{
	size_t i, n;

	v->kind = VK_UNKNOWN;
	v->enc = VE_RAW;
	v->p = p;
	v->len = len;
	if (len > 0 && p[0] == '$') {
		v->kind = VK_CRYPT;
		return;
	}
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		n = strlen(schemes[i].tag);
		/* scheme names are case-insensitive, as in Dovecot */
		if (len >= n && strncasecmp(p, schemes[i].tag, n) == 0) {
			v->kind = schemes[i].kind;
			v->enc = schemes[i].enc;
			v->p = p + n;
			v->len = len - n;
			break;
		}
	}
	if (v->kind == VK_CRAM && v->len != CRAM_STATE_HEXLEN)
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
	case VK_DISABLED:
		return "disabled";
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

int
pwfile_has_crypt(const char *field, size_t len)
{
	struct verifier v[PW_MAXVERIFIERS];
	size_t i, n;

	while (len > 0 && (*field == '!' || *field == '*')) {
		field++;
		len--;
	}
	n = pwfile_verifiers(field, len, v, PW_MAXVERIFIERS);
	for (i = 0; i < n; i++)
		if (v[i].kind == VK_CRYPT)
			return 1;
	return 0;
}

int
pwfile_dummy(const char *text, size_t size, struct pwline *out)
{
	const char *p = text, *end = text + size;
	struct pwline l;
	size_t n, seen = 0;
	int found = 0;

	while (p < end && seen < PW_DUMMY_SPAN) {
		n = linelen(p, end);
		if (pwfile_parse_line(p, n, &l) == PWL_ENTRY) {
			if (!found)
				*out = l;
			found = 1;
			seen++;
			if (pwfile_has_crypt(l.field, l.fieldlen)) {
				*out = l;
				break;
			}
		}
		p += n + 1;
	}
	return found;
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
