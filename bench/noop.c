/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* bench/noop.c: the baseline, a checkpassword that checks nothing.
 * Reads descriptor 3 to its end like any checkpassword, then runs prog
 * (argv[1]...), or exits 0 without one.  Built static.  It is also the
 * prog every contender runs after a successful login. */
#include <unistd.h>

int
main(int argc, char **argv)
{
	char buf[513];

	while (read(3, buf, sizeof(buf)) > 0)
		;
	close(3);
	if (argc > 1) {
		execv(argv[1], argv + 1);
		return 111;
	}
	return 0;
}
