/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* bench/genpw.c: writes the benchmark's password files and indexes.
 *   genpw text N plain|cram FILE   N logins (names.h), legacy plaintext
 *                                  or {CRAM-MD5} verifiers, plus one
 *                                  yescrypt login half way down when
 *                                  N >= YES_MIN (names.h)
 *   genpw index FILE               FILE.cdb through the core's
 *                                  pw_index_build(), as cmd5pw index will
 * Exit 0, or 1 with a message. */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hmac_md5.h"
#include "lookup.h"
#include "names.h"

#define LINE_MAX_LEN 256

static void __attribute__((noreturn))
die(const char *what, const char *arg)
{
	fprintf(stderr, "genpw: %s%s%s\n", what, arg ? ": " : "",
	    arg ? arg : "");
	exit(1);
}

static size_t
put(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return n;
}

static size_t
put_entry(char *p, unsigned i, int cram)
{
	char login[64], pass[64], hex[CRAM_STATE_HEXLEN + 1];
	struct hmac_md5_key k;
	size_t n;

	login_of(i, login, sizeof(login));
	pass_of(i, pass, sizeof(pass));
	n = put(p, login);
	p[n++] = ':';
	if (cram) {
		hmac_md5_init(&k, pass, strlen(pass));
		cram_state_encode(&k, hex);
		n += put(p + n, "{CRAM-MD5}");
		n += put(p + n, hex);
	} else
		n += put(p + n, pass);
	p[n++] = '\n';
	return n;
}

static void
write_text(unsigned count, int cram, const char *path)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE], *buf, *p;
	struct crypt_data cd;
	const char *hash;
	ssize_t w;
	size_t off;
	unsigned i;
	int fd;

	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) == NULL)
		die("crypt_gensalt_rn failed", NULL);
	memset(&cd, 0, sizeof(cd));
	if ((hash = crypt_rn(YES_PASS, salt, &cd, sizeof(cd))) == NULL)
		die("crypt_rn failed", NULL);
	if ((buf = malloc(((size_t)count + 1) * LINE_MAX_LEN)) == NULL)
		die("out of memory", NULL);
	p = buf;
	for (i = 0; i < count; i++) {
		if (i == count / 2 && count >= YES_MIN) {
			p += put(p, YES_LOGIN ":");
			p += put(p, hash);
			*p++ = '\n';
		}
		p += put_entry(p, i, cram);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0 || fchmod(fd, 0640) != 0)
		die(strerror(errno), path);
	for (off = 0; off < (size_t)(p - buf); off += (size_t)w)
		if ((w = write(fd, buf + off, (size_t)(p - buf) - off)) < 0)
			die(strerror(errno), path);
	if (close(fd) != 0)
		die(strerror(errno), path);
	free(buf);
}

int
main(int argc, char **argv)
{
	struct pwerr err;
	char *end;
	unsigned long n;

	if (argc == 5 && strcmp(argv[1], "text") == 0) {
		errno = 0;
		n = strtoul(argv[2], &end, 10);
		if (errno || *end || n == 0 || n > 100000000)
			die("bad count", argv[2]);
		if (strcmp(argv[3], "plain") != 0 &&
		    strcmp(argv[3], "cram") != 0)
			die("kind is plain or cram", argv[3]);
		write_text((unsigned)n, strcmp(argv[3], "cram") == 0, argv[4]);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "index") == 0) {
		if (pw_index_build_file(argv[2], &err) != 0)
			die(err.msg, NULL);
		return 0;
	}
	fprintf(stderr, "usage: genpw text N plain|cram FILE\n"
	    "       genpw index FILE\n");
	return 2;
}
