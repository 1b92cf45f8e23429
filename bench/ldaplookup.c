/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* bench/ldaplookup.c: a login the qmail-ldap way, for make bench-ldap: a
 * checkpassword that reads "login\0password\0" on fd 3, then per login
 * connects to the directory, binds as the search identity, searches
 * (uid=login) for userPassword, checks the password against it (the same
 * verify() as cmd5checkpw) and execs prog.  Linked dynamically with
 * libldap, as such programs are.
 * usage: ldaplookup URI BASE BINDDN BINDPW prog... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ldap.h>

#include "fd3.h"
#include "verify.h"

int
main(int argc, char **argv)
{
	char buf[1024], filter[600], *attrs[] = { "userPassword", NULL };
	struct berval cred, **v;
	struct authreq rq;
	const char *reason, *used;
	enum mech proved;
	LDAPMessage *res, *e;
	LDAP *ld;
	size_t n = 0;
	ssize_t r;
	int v3 = LDAP_VERSION3, ok = 0, i;
	const char *login, *pass;

	if (argc < 6)
		return 2;
	while (n < sizeof(buf) && (r = read(3, buf + n, sizeof(buf) - n)) > 0)
		n += (size_t)r;
	login = buf;
	if (memchr(buf, '\0', n) == NULL)
		return 2;
	pass = buf + strlen(buf) + 1;
	if (ldap_initialize(&ld, argv[1]) != LDAP_SUCCESS)
		return 111;
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	cred.bv_val = argv[4];
	cred.bv_len = strlen(argv[4]);
	if (ldap_sasl_bind_s(ld, argv[3], LDAP_SASL_SIMPLE, &cred, NULL, NULL,
	    NULL) != LDAP_SUCCESS)
		return 111;
	snprintf(filter, sizeof(filter), "(uid=%s)", login);
	if (ldap_search_ext_s(ld, argv[2], LDAP_SCOPE_SUBTREE, filter, attrs,
	    0, NULL, NULL, NULL, 2, &res) != LDAP_SUCCESS)
		return 111;
	memset(&rq, 0, sizeof(rq));
	rq.mech = MECH_PASSWORD;
	rq.login = login;
	rq.loginlen = strlen(login);
	rq.pass = pass;
	rq.passlen = strlen(pass);
	if ((e = ldap_first_entry(ld, res)) != NULL &&
	    (v = ldap_get_values_len(ld, e, "userPassword")) != NULL) {
		for (i = 0; v[i] != NULL && !ok; i++)
			ok = verify(&rq, v[i]->bv_val, v[i]->bv_len, &reason,
			    &used, &proved) == 1;
		ldap_value_free_len(v);
	}
	ldap_msgfree(res);
	ldap_unbind_ext_s(ld, NULL, NULL);
	if (!ok)
		return 1;
	execv(argv[5], argv + 5);
	return 111;
}
