/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* mailbox.h: the identity a mailbox login runs as (poppasswd(5), "Mailbox
 * fields"; cmd5checkpw(8), "Mailbox logins"): uid, gid and home from the
 * login's line or from the site's virtual-mail defaults. */
#ifndef MAILBOX_H
#define MAILBOX_H

#include <stddef.h>
#include <sys/types.h>

#define MB_HOME_MAX 1024	/* a home path, without its NUL */
#define MB_PART_MAX 255		/* a derived directory name (NAME_MAX) */

/* The mailbox fields of one line: uid=N, gid=N, home=/path elements in a
 * verifier field.  A legacy plaintext field never has any. */
struct mbfields {
	int has_uid, has_gid, has_home;
	unsigned long uid, gid;
	const char *home;	/* into the field, not NUL-terminated */
	size_t homelen;
};

/* 1 when the element is a mailbox field (uid=, gid=, home=), else 0. */
int mb_is_field(const char *p, size_t len);
/* Reads the mailbox fields of a line's field.  0, or -1 with *why set
 * (a repeated or malformed one: the line has no usable identity). */
int mb_parse(const char *field, size_t len, struct mbfields *f,
    const char **why);
/* A uid or gid value: decimal, no sign, no leading zero, below 2^31. */
int mb_parse_id(const char *p, size_t len, unsigned long *out);
/* A home as a line may hold it: absolute, no ':' or newline or NUL, no
 * empty, "." or ".." component, at most MB_HOME_MAX bytes. */
int mb_home_ok(const char *p, size_t len);
/* One directory name derived from a login: 1 to MB_PART_MAX bytes of
 * [A-Za-z0-9._+=-], not starting with '.'. */
int mb_part_ok(const char *p, size_t len);

/* The home of a virtual login under base: base/domain/localpart for
 * "localpart@domain", base/defdomain/login for a login without '@' when
 * defdomain is given.  Writes the two names, "domain/localpart", into out
 * (NUL-terminated).  0, or -1 with *why set: such a login has no home. */
int mb_derive(const char *login, size_t len, const char *defdomain,
    char *out, size_t size, const char **why);

/* Opens path one component at a time from "/" (openat, O_NOFOLLOW |
 * O_DIRECTORY: no symlink anywhere), then each name of rel ("a/b", may be
 * NULL) the same way.  Returns the directory's descriptor, or -1 with
 * *why set. */
int mb_open_dir(const char *path, const char *rel, const char **why);

#endif
