/* tests/mkindex FILE: build FILE.cdb with pwindex_build, as cmd5pw does,
 * for tests that must not depend on cmd5pw. */
#include <stdio.h>

#include "lookup.h"

int
main(int argc, char **argv)
{
	struct pwerr err;

	if (argc != 2) {
		fprintf(stderr, "usage: mkindex FILE\n");
		return 2;
	}
	if (pw_index_build_file(argv[1], &err) != 0) {
		fprintf(stderr, "mkindex: %s\n", err.msg);
		return 111;
	}
	return 0;
}
