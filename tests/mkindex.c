/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* tests/mkindex [-f] FILE: build FILE.cdb with pw_index_build, as cmd5pw
 * does, for tests that must not depend on cmd5pw.  -f: stamped for the
 * text stat of tests/fakestat.h (the fuzz_pwindex seeds). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lookup.h"
#include "tests/fakestat.h"

int
main(int argc, char **argv)
{
	struct pwerr err;
	struct stat st, fake;
	char *map = "";
	int fd, r;

	if (argc == 3 && strcmp(argv[1], "-f") == 0) {
		if ((fd = open(argv[2], O_RDONLY)) < 0 || fstat(fd, &st) != 0) {
			perror(argv[2]);
			return 111;
		}
		if (st.st_size > 0 && (map = mmap(NULL, (size_t)st.st_size,
		    PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
			perror(argv[2]);
			return 111;
		}
		fake_stat(&fake);
		r = pw_index_build(argv[2], map, (size_t)st.st_size, &fake,
		    &err);
	} else if (argc == 2)
		r = pw_index_build_file(argv[1], &err);
	else {
		fprintf(stderr, "usage: mkindex [-f] FILE\n");
		return 2;
	}
	if (r != 0) {
		fprintf(stderr, "mkindex: %s\n", err.msg);
		return 111;
	}
	return 0;
}
