/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* mailbox.c: the uid, gid and home of a mailbox login (mailbox.h). */
#define _GNU_SOURCE		/* O_PATH */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "mailbox.h"

static int
has_prefix(const char *p, size_t len, const char *pre)
{
	size_t n = strlen(pre);

	return len >= n && memcmp(p, pre, n) == 0;
}

int
mb_is_field(const char *p, size_t len)
{
	return has_prefix(p, len, "uid=") || has_prefix(p, len, "gid=") ||
	    has_prefix(p, len, "home=");
}

int
mb_parse_id(const char *p, size_t len, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 10 || (len > 1 && p[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (v > 0x7fffffffUL)
		return -1;
	*out = v;
	return 0;
}

int
mb_home_ok(const char *p, size_t len)
{
	size_t i, start;

	if (len == 0 || len > MB_HOME_MAX || p[0] != '/')
		return 0;
	if (memchr(p, ':', len) || memchr(p, '\n', len) ||
	    memchr(p, '\r', len) || memchr(p, '\0', len) ||
	    memchr(p, '\t', len))
		return 0;
	if (len == 1)
		return 1;	/* "/" itself */
	for (i = 1, start = 1; i <= len; i++) {
		if (i < len && p[i] != '/')
			continue;
		/* component p[start, i) */
		if (i == start)
			return 0;	/* "//" or a trailing '/' */
		if (i - start == 1 && p[start] == '.')
			return 0;
		if (i - start == 2 && p[start] == '.' && p[start + 1] == '.')
			return 0;
		start = i + 1;
	}
	return 1;
}

int
mb_parse(const char *field, size_t len, struct mbfields *f, const char **why)
{
	const char *end, *p, *q;
	unsigned long *id;
	int *has;

	memset(f, 0, sizeof(*f));
	while (len > 0 && (*field == '!' || *field == '*')) {
		field++;
		len--;
	}
	/* a legacy plaintext field is the password, colons and all */
	if (len == 0 || (field[0] != '$' && field[0] != '{'))
		return 0;
	end = field + len;
	for (p = field; p <= end; p = q + 1) {
		q = memchr(p, ':', (size_t)(end - p));
		if (q == NULL)
			q = end;
		if (has_prefix(p, (size_t)(q - p), "home=")) {
			if (f->has_home) {
				*why = "home= given twice";
				return -1;
			}
			f->home = p + 5;
			f->homelen = (size_t)(q - p) - 5;
			f->has_home = 1;
			if (!mb_home_ok(f->home, f->homelen)) {
				*why = "home= is not an absolute clean path";
				return -1;
			}
			continue;
		}
		if (has_prefix(p, (size_t)(q - p), "uid=")) {
			id = &f->uid;
			has = &f->has_uid;
		} else if (has_prefix(p, (size_t)(q - p), "gid=")) {
			id = &f->gid;
			has = &f->has_gid;
		} else
			continue;
		if (*has) {
			*why = "uid= or gid= given twice";
			return -1;
		}
		if (mb_parse_id(p + 4, (size_t)(q - p) - 4, id) != 0) {
			*why = "uid= or gid= is not a decimal id";
			return -1;
		}
		*has = 1;
	}
	return 0;
}

int
mb_part_ok(const char *p, size_t len)
{
	size_t i;
	char c;

	if (len == 0 || len > MB_PART_MAX || p[0] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		c = p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-' || c == '+' || c == '='))
			return 0;
	}
	return 1;
}

int
mb_derive(const char *login, size_t len, const char *defdomain, char *out,
    size_t size, const char **why)
{
	const char *at = memchr(login, '@', len), *dom, *local;
	size_t domlen, locallen;

	if (at != NULL) {
		if (memchr(at + 1, '@', len - (size_t)(at - login) - 1)) {
			*why = "login has more than one '@'";
			return -1;
		}
		local = login;
		locallen = (size_t)(at - login);
		dom = at + 1;
		domlen = len - locallen - 1;
	} else if (defdomain != NULL) {
		local = login;
		locallen = len;
		dom = defdomain;
		domlen = strlen(defdomain);
	} else {
		*why = "login has no domain and no default domain is set";
		return -1;
	}
	if (!mb_part_ok(local, locallen) || !mb_part_ok(dom, domlen)) {
		*why = "login cannot name a directory under the base";
		return -1;
	}
	if (domlen + 1 + locallen + 1 > size) {
		*why = "derived home too long";
		return -1;
	}
	memcpy(out, dom, domlen);
	out[domlen] = '/';
	memcpy(out + domlen + 1, local, locallen);
	out[domlen + 1 + locallen] = '\0';
	return 0;
}

/* Walks the '/'-separated names of s from directory fd dir (which it
 * closes); returns the last one's descriptor or -1. */
static int
walk(int dir, const char *s, const char **why)
{
	char name[MB_PART_MAX + 1];
	const char *p = s, *slash;
	size_t n;
	int fd;

	while (*p != '\0') {
		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 0 || n > MB_PART_MAX ||
		    (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.')) {
			close(dir);
			*why = "unclean path component";
			return -1;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		/* O_PATH: search permission is enough, as for chdir(2) */
		fd = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		close(dir);
		if (fd < 0) {
			*why = errno == ELOOP || errno == ENOTDIR ?
			    "a path component is a symlink or not a directory" :
			    errno == ENOENT ? "home does not exist" :
			    "cannot open a path component";
			return -1;
		}
		dir = fd;
		p += n;
		if (*p == '/')
			p++;
	}
	return dir;
}

int
mb_open_dir(const char *path, const char *rel, const char **why)
{
	int fd;

	if (path[0] != '/' || !mb_home_ok(path, strlen(path))) {
		*why = "not an absolute clean path";
		return -1;
	}
	if ((fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		*why = "cannot open /";
		return -1;
	}
	if ((fd = walk(fd, path + 1, why)) < 0)
		return -1;
	if (rel != NULL && (fd = walk(fd, rel, why)) < 0)
		return -1;
	return fd;
}
