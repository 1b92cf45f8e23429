/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* ldapsync.h: the password file as a replica of an LDAP directory
 * (cmd5pw sync, follow, status; add/passwd/del/lock/unlock with -c). */
#ifndef LDAPSYNC_H
#define LDAPSYNC_H

/* Runs the command when argv is one of the directory's (the options
 * before the command word: -f FILE, -c CONF); returns its exit status,
 * or -1 when argv is for the rest of cmd5pw. */
int ldapsync_main(int argc, char **argv);

#endif
