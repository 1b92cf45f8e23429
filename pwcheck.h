/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* pwcheck.h: cmd5pw check, and what kind of verifiers a field holds (for
 * check and list). */
#ifndef PWCHECK_H
#define PWCHECK_H

#include <stddef.h>
#include "util.h"

/* A field that is a legacy plaintext password (no scheme, not disabled). */
int is_legacy_plain(const char *f, size_t len);
/* The kinds of a field's verifiers, "yescrypt,cram-md5", NUL-terminated. */
void kinds(const char *field, size_t len, struct buf *b);
int cmd_check(int strict);

#endif
