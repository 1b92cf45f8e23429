/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* bench/fgets030.c: the baseline for the text scan, a checkpassword that
 * looks a login up the way cmd5checkpw 0.30 did: fgets() into a 256-byte
 * line, split at ':', strcmp the login, stop at the first match.
 * usage: fgets030 FILE prog...   Exit 0 (exec prog), 1 no, 111 error. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	char up[513], line[256], *pass, *colon;
	size_t len = 0;
	ssize_t r;
	FILE *f;
	int ok = 0;

	if (argc < 3)
		return 2;
	while ((r = read(3, up + len, sizeof(up) - 1 - len)) > 0)
		len += (size_t)r;
	close(3);
	up[len] = '\0';
	pass = up + strlen(up) + 1;
	if (pass >= up + len + 1)
		return 2;
	if ((f = fopen(argv[1], "r")) == NULL)
		return 111;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon = '\0';
		if (strcmp(line, up) == 0) {
			ok = strcmp(colon + 1, pass) == 0;
			break;
		}
	}
	fclose(f);
	if (!ok)
		return 1;
	execv(argv[2], argv + 2);
	return 111;
}
