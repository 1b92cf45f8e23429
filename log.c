/* log.c: stderr (for multilog), syslog, or nothing.  Never stdout: under
 * Hoffmann's patch it is the SMTP client's socket. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static enum logdest dest = LOGDEST_SYSLOG;
static const char *progname = "cmd5checkpw";

int
logdest_from_name(const char *name, enum logdest *out)
{
	if (strcmp(name, "syslog") == 0)
		*out = LOGDEST_SYSLOG;
	else if (strcmp(name, "stderr") == 0)
		*out = LOGDEST_STDERR;
	else if (strcmp(name, "none") == 0)
		*out = LOGDEST_NONE;
	else
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
log_line(int priority, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	if (dest == LOGDEST_NONE)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	if (dest == LOGDEST_SYSLOG) {
		syslog(priority, "%s", buf);
	} else {
		char line[2200];
		int m = snprintf(line, sizeof(line), "%s: %s\n", progname, buf);

		if (m > 0)
			(void)!write(2, line, (size_t)m < sizeof(line) ?
			    (size_t)m : sizeof(line) - 1);
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
