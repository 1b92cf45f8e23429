/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* ldapconf.c: "keyword value" lines, '#' comments, nothing else. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ldap.h>

#include "ldapconf.h"

#define CONF_MAX (64 * 1024)

static int
yesno(const char *v, int *out)
{
	if (strcmp(v, "yes") == 0)
		*out = 1;
	else if (strcmp(v, "no") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

static int
number(const char *v, long lo, long hi, long *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

static int
str(const char *v, char **out)
{
	char *d = strdup(v);

	if (d == NULL)
		return -1;
	free(*out);
	*out = d;
	return 0;
}

static int
set(struct ldapconf *c, const char *k, const char *v, const char **why)
{
	int b;

	*why = "bad value";
	if (strcmp(k, "uri") == 0) {
		if (strncmp(v, "ldap://", 7) != 0 &&
		    strncmp(v, "ldaps://", 8) != 0 &&
		    strncmp(v, "ldapi://", 8) != 0) {
			*why = "uri: ldap://, ldaps:// or ldapi:// expected";
			return -1;
		}
		return str(v, &c->uri);
	}
	if (strcmp(k, "write-uri") == 0) {
		if (strncmp(v, "ldap://", 7) != 0 &&
		    strncmp(v, "ldaps://", 8) != 0 &&
		    strncmp(v, "ldapi://", 8) != 0) {
			*why = "write-uri: ldap://, ldaps:// or ldapi:// expected";
			return -1;
		}
		return str(v, &c->write_uri);
	}
	if (strcmp(k, "starttls") == 0)
		return yesno(v, &c->starttls);
	if (strcmp(k, "ca") == 0)
		return str(v, &c->ca);
	if (strcmp(k, "binddn") == 0)
		return str(v, &c->binddn);
	if (strcmp(k, "bindpw-file") == 0)
		return str(v, &c->bindpw_file);
	if (strcmp(k, "cleartext-bind") == 0)
		return yesno(v, &c->cleartext_bind);
	if (strcmp(k, "base") == 0)
		return str(v, &c->base);
	if (strcmp(k, "scope") == 0) {
		if (strcmp(v, "sub") == 0)
			c->scope = LDAP_SCOPE_SUBTREE;
		else if (strcmp(v, "one") == 0)
			c->scope = LDAP_SCOPE_ONELEVEL;
		else
			return -1;
		return 0;
	}
	if (strcmp(k, "filter") == 0) {
		if (v[0] != '(') {
			*why = "filter: a parenthesized filter expected";
			return -1;
		}
		return str(v, &c->filter);
	}
	if (strcmp(k, "login") == 0) {
		if (strcmp(v, "uid") != 0 && strcmp(v, "mail") != 0) {
			*why = "login: uid or mail expected";
			return -1;
		}
		return str(v, &c->login_attr);
	}
	if (strcmp(k, "file") == 0)
		return str(v, &c->file);
	if (strcmp(k, "state") == 0)
		return str(v, &c->state);
	if (strcmp(k, "write") == 0) {
		if (strcmp(v, "directory") == 0)
			v = "yes";
		if (yesno(v, &b) != 0)
			return -1;
		c->write = b;
		return 0;
	}
	if (strcmp(k, "add-dn") == 0) {
		const char *p = strstr(v, "%s");

		if (p == NULL || strchr(v, '%') != p ||
		    strchr(p + 1, '%') != NULL) {
			*why = "add-dn: exactly one %s expected";
			return -1;
		}
		return str(v, &c->add_dn);
	}
	if (strcmp(k, "add-objectclass") == 0) {
		if (c->nadd_oc == LC_MAXOC) {
			*why = "too many add-objectclass lines";
			return -1;
		}
		c->add_oc[c->nadd_oc] = NULL;
		if (str(v, &c->add_oc[c->nadd_oc]) != 0)
			return -1;
		c->nadd_oc++;
		return 0;
	}
	if (strcmp(k, "coalesce-ms") == 0)
		return number(v, 0, 60000, &c->coalesce_ms);
	if (strcmp(k, "backoff-max") == 0)
		return number(v, 1, 3600, &c->backoff_max);
	if (strcmp(k, "timeout") == 0)
		return number(v, 1, 3600, &c->timeout);
	if (strcmp(k, "page-size") == 0)
		return number(v, 1, 1000000, &c->page_size);
	if (strcmp(k, "home-attribute") == 0)
		return str(v, &c->home_attr);
	if (strcmp(k, "uid-attribute") == 0)
		return str(v, &c->uid_attr);
	if (strcmp(k, "gid-attribute") == 0)
		return str(v, &c->gid_attr);
	*why = "unknown keyword";
	return -1;
}

int
ldapconf_read(const char *path, struct ldapconf *c, char *msg,
    size_t msgsize)
{
	char *buf, *line, *next, *k, *v, *e;
	const char *why;
	struct stat st;
	size_t got = 0, lineno = 0;
	ssize_t r;
	int fd;

	memset(c, 0, sizeof(*c));
	c->starttls = -1;
	c->scope = LDAP_SCOPE_SUBTREE;
	c->coalesce_ms = 50;
	c->backoff_max = 60;
	c->timeout = 10;
	c->page_size = 1000;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		snprintf(msg, msgsize, "cannot open %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > CONF_MAX) {
		snprintf(msg, msgsize, "%s: not a regular file of at most "
		    "%d bytes", path, CONF_MAX);
		close(fd);
		return -1;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		snprintf(msg, msgsize, "out of memory");
		return -1;
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	if (memchr(buf, '\0', got) != NULL) {
		snprintf(msg, msgsize, "%s: a NUL byte", path);
		free(buf);
		return -1;
	}
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		for (k = line; *k == ' ' || *k == '\t'; k++)
			;
		if (*k == '#' || *k == '\0')
			continue;
		for (v = k; *v != '\0' && *v != ' ' && *v != '\t'; v++)
			;
		if (*v != '\0')
			*v++ = '\0';
		while (*v == ' ' || *v == '\t')
			v++;
		e = v + strlen(v);
		while (e > v && (e[-1] == ' ' || e[-1] == '\t' ||
		    e[-1] == '\r'))
			*--e = '\0';
		if (*v == '\0') {
			snprintf(msg, msgsize, "%s:%zu: %s: no value", path,
			    lineno, k);
			free(buf);
			return -1;
		}
		if (set(c, k, v, &why) != 0) {
			snprintf(msg, msgsize, "%s:%zu: %s: %s", path, lineno,
			    k, why);
			free(buf);
			return -1;
		}
	}
	free(buf);
	if (c->uri == NULL || c->base == NULL) {
		snprintf(msg, msgsize, "%s: uri and base are required", path);
		return -1;
	}
	if (c->filter == NULL && str("(objectClass=*)", &c->filter) != 0)
		return -1;
	if (c->login_attr == NULL && str("uid", &c->login_attr) != 0)
		return -1;
	if (c->nadd_oc == 0) {
		c->add_oc[c->nadd_oc++] = strdup("account");
		c->add_oc[c->nadd_oc++] = strdup("simpleSecurityObject");
	}
	if ((c->binddn == NULL) != (c->bindpw_file == NULL)) {
		snprintf(msg, msgsize, "%s: binddn and bindpw-file go "
		    "together", path);
		return -1;
	}
	return 0;
}

void
ldapconf_free(struct ldapconf *c)
{
	size_t i;

	free(c->uri);
	free(c->write_uri);
	free(c->ca);
	free(c->binddn);
	free(c->bindpw_file);
	free(c->base);
	free(c->filter);
	free(c->login_attr);
	free(c->file);
	free(c->state);
	free(c->add_dn);
	for (i = 0; i < c->nadd_oc; i++)
		free(c->add_oc[i]);
	free(c->home_attr);
	free(c->uid_attr);
	free(c->gid_attr);
	memset(c, 0, sizeof(*c));
}
