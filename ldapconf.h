/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* ldapconf.h: the directory sync's configuration file (cmd5pw-ldap(8)). */
#ifndef LDAPCONF_H
#define LDAPCONF_H

#include <stddef.h>

#define LC_MAXOC 8
struct ldapconf {
	char *uri;		/* ldap://, ldaps:// or ldapi:// */
	int starttls;		/* -1: default (yes for ldap://) */
	char *ca;		/* CA certificate file */
	char *binddn;
	char *bindpw_file;	/* mode 0600/0400, owned by the sync user */
	int cleartext_bind;	/* a password over plain ldap:// allowed */
	char *base;
	int scope;		/* LDAP_SCOPE_* */
	char *filter;
	char *login_attr;	/* uid or mail */
	char *file;		/* the replica (cmd5pw -f wins) */
	char *state;		/* default FILE.ldapsync */
	int write;		/* add/passwd/del/lock go to the directory */
	char *write_uri;	/* the provider, for those (default uri) */
	char *add_dn;		/* "uid=%s,ou=people,dc=example,dc=org" */
	char *add_oc[LC_MAXOC];
	size_t nadd_oc;
	long coalesce_ms;	/* follow: gather changes this long */
	long backoff_max;	/* follow: seconds between reconnects, at most */
	long timeout;		/* seconds for connect and each operation */
	long page_size;		/* sync --full --paged */
	char *home_attr, *uid_attr, *gid_attr;	/* the POP3 fields */
};

/* Reads path into c (defaults first).  0, or -1 with msg set. */
int ldapconf_read(const char *path, struct ldapconf *c, char *msg,
    size_t msgsize);
void ldapconf_free(struct ldapconf *c);

#endif
