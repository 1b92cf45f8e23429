/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* pwcmd.h: cmd5pw's commands but check: add, passwd, del, list, verify,
 * index, migrate. */
#ifndef PWCMD_H
#define PWCMD_H

#include "password.h"

struct opts {
	enum store how;
	int from_stdin, batch, keep_plain, strict;
	long jobs;
};

int cmd_set(int adding, const char *login, const struct opts *o);
int cmd_del(char **logins, size_t n);
int cmd_lock(char **logins, size_t n, int locking);
int cmd_list(void);
int cmd_verify(const char *login, int from_stdin);
int cmd_index(void);
int cmd_migrate(const struct opts *o);

#endif
