/* log.h: one line per attempt; never a secret. */
#ifndef LOG_H
#define LOG_H

#include <stddef.h>

enum logdest { LOGDEST_SYSLOG, LOGDEST_STDERR, LOGDEST_NONE };

int logdest_from_name(const char *name, enum logdest *out);
void log_open(enum logdest d, const char *ident);
/* Bytes outside printable ASCII, '"' and '\\' become \xHH. */
size_t log_escape(const char *in, size_t len, char *out, size_t size);
void log_line(int priority, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* What failed, for the caller to log or print: never a secret. */
struct pwerr {
	char msg[512];
};
void pwerr_set(struct pwerr *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
