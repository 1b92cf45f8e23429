/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* replay.h: a challenge or APOP timestamp is good for one login, on the
 * connection that made it (cmd5checkpw(8), REPLAY). */
#ifndef REPLAY_H
#define REPLAY_H

#include <stddef.h>

#define REPLAY_PATH "/var/lib/cmd5checkpw/replay"
#define REPLAY_WINDOW 300	/* seconds a challenge stays good, default */
#define REPLAY_FUTURE 5		/* seconds of clock slack forward */
#define REPLAY_RECORDS 65536	/* the record's fixed size: 4 MiB */

struct replay_opts {
	const char *path;	/* -r: the one-time record */
	long window;		/* -w */
	const char *host;	/* -H, or TCPLOCALHOST under -m hoffmann */
	int parent;		/* the challenge's PID must be getppid() */
};

/* 0: well-formed, fresh, made by our parent, never seen before, and now
 * recorded.  1: refused, *reason set (stale-challenge, ...).  111: the
 * record cannot be used, err says why. */
int replay_check(const struct replay_opts *o, const char *chal, size_t len,
    const char **reason, char *err, size_t errlen);

#endif
