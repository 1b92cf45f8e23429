/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* stdfds.h: fds 0, 1 and 2 held open (cmd5checkpw and cmd5pw). */
#ifndef STDFDS_H
#define STDFDS_H

/* A closed 0, 1 or 2 would be taken by a file we open (for cmd5checkpw,
 * the password file, handed on to prog): each closed one is opened on
 * /dev/null, or the program exits 111. */
void hold_std_fds(void);

#endif
