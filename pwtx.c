/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* pwtx.c: pwtx.h, the directory sync's door to cmd5pw's transaction
 * (txn.c) and new passwords (password.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmac_md5.h"
#include "password.h"
#include "pwtx.h"
#include "txn.h"
#include "util.h"

const char *
pwtx_path(void)
{
	return path;
}

void
pwtx_set_path(const char *p)
{
	path = p;
}

void
pwtx_lock(void)
{
	lock_file();
}

void
pwtx_unlock(void)
{
	unlock_file();
}

void
pwtx_replace(const char *p, size_t n)
{
	read_text(1, 1);
	text_free();
	/* commit() writes out: the caller's text as one piece, no copy (it
	 * ends at a line's end, as the index's update wants) */
	out_add(p, n);
	commit();
}

char *
pwtx_new_field(const char *login, int from_stdin, size_t *len)
{
	struct buf b = { 0 };
	size_t n = strlen(login), plen;
	char *r;

	const char *why = NULL;

	plen = get_password(login, n, from_stdin, 1);
	if (make_field(pass1, plen, STORE_DEFAULT, 0, &b, &why) != 0)
		die(EXIT_SYS, "cannot hash the password of %s: %s", esc(login, n),
		    why != NULL ? why : "crypt failed");
	wipe(pass1, sizeof(pass1));
	if ((r = malloc(b.len + 1)) == NULL)
		die(EXIT_SYS, "out of memory");
	memcpy(r, b.p, b.len);
	r[b.len] = '\0';
	*len = b.len;
	buf_free(&b);
	return r;
}

void
pwtx_warn(const char *fmt, ...)
{
	char b[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	warn("%s", b);
}

void
pwtx_die(int status, const char *fmt, ...)
{
	char b[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	die(status, "%s", b);
}
