/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* bench/rss.c: peak RSS of a command, without the benchmark's own.
 * A child made by vfork or fork inherits its parent's peak RSS at exec
 * (the kernel's exec_mmap folds the old mm's high-water mark into
 * ru_maxrss), so bench's own memory would count.  This small static
 * program sits between: its own peak is the floor of what it reports,
 * measured the same way for the no-op.
 * usage: rss OUTFILE prog [args...]: runs prog with our descriptors,
 * writes its ru_maxrss in KiB to OUTFILE, exits with prog's status. */
#define _GNU_SOURCE		/* wait4 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int
main(int argc, char **argv)
{
	struct rusage ru;
	char buf[32];
	pid_t pid;
	int st, fd, n;

	if (argc < 3)
		return 100;
	if (posix_spawn(&pid, argv[2], NULL, NULL, argv + 2, environ) != 0 ||
	    wait4(pid, &st, 0, &ru) != pid)
		return 101;
	n = snprintf(buf, sizeof(buf), "%ld\n", ru.ru_maxrss);
	if ((fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0 ||
	    write(fd, buf, (size_t)n) != n || close(fd) != 0)
		return 102;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 103;
}
