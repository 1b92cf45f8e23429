/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* bench/barecrypt.c: the baseline for crypt verifiers, a checkpassword
 * whose whole work is one crypt_rn() call on a hash given on the command
 * line.  usage: barecrypt HASH prog...   Exit 0 (exec prog) or 1. */
#include <crypt.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct crypt_data data;
	char up[513];
	const char *out;
	size_t len = 0;
	ssize_t r;

	if (argc < 3)
		return 2;
	while ((r = read(3, up + len, sizeof(up) - 1 - len)) > 0)
		len += (size_t)r;
	close(3);
	up[len] = '\0';
	if (strlen(up) + 1 >= len)
		return 2;
	memset(&data, 0, sizeof(data));
	out = crypt_rn(up + strlen(up) + 1, argv[1], &data, (int)sizeof(data));
	if (out == NULL || strcmp(out, argv[1]) != 0)
		return 1;
	execv(argv[2], argv + 2);
	return 111;
}
