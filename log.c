/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* log.c: stderr or another descriptor (for multilog), syslog, or nothing.
 * Never stdout: under Hoffmann's patch it is the SMTP client's socket. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static enum logdest dest = LOGDEST_SYSLOG;
static const char *progname = "cmd5checkpw";
static int logfd = 2;
static char remote[sizeof("remote=") + 4 * REMOTE_MAX];	/* or "" */

int
logdest_from_name(const char *name, enum logdest *out)
{
	if (strcmp(name, "syslog") == 0)
		*out = LOGDEST_SYSLOG;
	else if (strcmp(name, "stderr") == 0)
		*out = LOGDEST_STDERR;
	else if (strcmp(name, "none") == 0)
		*out = LOGDEST_NONE;
	else if (strncmp(name, "fd:", 3) == 0 && name[3] >= '0' &&
	    name[3] <= '9' && strlen(name) <= 7) {
		int n = 0;

		for (name += 3; *name >= '0' && *name <= '9'; name++)
			n = n * 10 + (*name - '0');
		/* not the client's 0 and 1, fd 3's data, Dovecot's fd 4 */
		if (*name != '\0' || n < 2 || n == 3 || n == 4)
			return -1;
		logfd = n;
		*out = LOGDEST_FD;
	} else
		return -1;
	return 0;
}

void
log_open(enum logdest d, const char *ident)
{
	dest = d;
	progname = ident;
	if (d == LOGDEST_SYSLOG)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

int
log_fd(void)
{
	return dest == LOGDEST_FD ? logfd : -1;
}

size_t
log_escape(const char *in, size_t len, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;
	unsigned char c;

	if (size == 0)
		return 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (c > 0x20 && c < 0x7f && c != '"' && c != '\\') {
			if (o + 1 >= size)
				break;
			out[o++] = (char)c;
		} else {
			if (o + 4 >= size)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return o;
}

void
log_set_remote(const char *ip)
{
	static const char key[] = "remote=";

	memcpy(remote, key, sizeof(key) - 1);
	log_escape(ip, strnlen(ip, REMOTE_MAX), remote + sizeof(key) - 1,
	    sizeof(remote) - sizeof(key) + 1);
}

/* "WORD rest" becomes "WORD remote=IP rest": what the client does not
 * control comes first, so that nothing a client sends (the login, last)
 * can move a fail2ban match.  Never cut silently: a line too long for
 * the buffer (it cannot be, with logins of at most FD3_MAX bytes) ends
 * in "[cut]" and matches no anchored filter. */
void
log_line(int priority, const char *fmt, ...)
{
	static const char cut[] = " [cut]";
	char msg[LOG_LINE_MAX], line[LOG_LINE_MAX + sizeof(remote) + 64];
	const char *rest, *r = remote;
	va_list ap;
	size_t word;
	int n;

	if (dest == LOGDEST_NONE)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(msg))
		memcpy(msg + sizeof(msg) - sizeof(cut), cut, sizeof(cut));
	rest = strchr(msg, ' ');
	word = rest != NULL ? (size_t)(rest - msg) : strlen(msg);
	/* a throttle line names its address or login itself */
	if (strncmp(msg, "throttle ", 9) == 0)
		r = "";
	n = snprintf(line, sizeof(line), "%s%s%.*s%s%s%s",
	    dest != LOGDEST_SYSLOG ? progname : "",
	    dest != LOGDEST_SYSLOG ? ": " : "", (int)word, msg,
	    r[0] != '\0' ? " " : "", r, rest != NULL ? rest : "");
	if (n < 0 || (size_t)n >= sizeof(line))
		return;		/* cannot be: line has room for all of it */
	if (dest == LOGDEST_SYSLOG) {
		syslog(priority, "%s", line);
	} else {
		line[n++] = '\n';
		(void)!write(dest == LOGDEST_FD ? logfd : 2, line, (size_t)n);
	}
}

void
pwerr_set(struct pwerr *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}
