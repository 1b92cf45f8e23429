/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* log.h: one line per attempt; never a secret. */
#ifndef LOG_H
#define LOG_H

#include <stddef.h>

enum logdest { LOGDEST_SYSLOG, LOGDEST_STDERR, LOGDEST_NONE, LOGDEST_FD };

/* "syslog", "stderr", "none", or "fd:N" (a descriptor the caller opened,
 * e.g. a pipe to multilog, for front ends whose fd 2 is the client). */

int logdest_from_name(const char *name, enum logdest *out);
void log_open(enum logdest d, const char *ident);
/* The descriptor of LOGDEST_FD, else -1. */
int log_fd(void);
/* Bytes outside printable ASCII, '"' and '\\' become \xHH. */
size_t log_escape(const char *in, size_t len, char *out, size_t size);
/* The longest line: a login of FD3_MAX bytes, each escaped to 4, plus
 * the rest; REMOTE_MAX bytes of TCPREMOTEIP are kept. */
#define LOG_LINE_MAX 4096
#define REMOTE_MAX 64
/* Every later line says remote=IP right after its first word. */
void log_set_remote(const char *ip);
void log_line(int priority, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* What failed, for the caller to log or print: never a secret. */
struct pwerr {
	char msg[512];
};
void pwerr_set(struct pwerr *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
