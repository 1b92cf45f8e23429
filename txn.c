/* txn.c: the transaction every cmd5pw writer shares (txn.h): the lock,
 * reading the text, the temp file with the old file's owner, group and
 * mode, fsync, rename, the index rebuild, and the signals in between. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "password.h"
#include "pwfile.h"
#include "pwindex.h"
#include "txn.h"
#include "util.h"

char *text;
size_t textlen;
struct stat text_st;
struct buf out;

/* What a signal handler must undo. */
static char tmp_path[4200];
static volatile sig_atomic_t tmp_active, committing, got_signal;

void
txn_remove_temp(void)
{
	if (tmp_active)
		(void)unlink(tmp_path);
}

/* Before the rename an interrupt undoes everything; after it, the change
 * is made and only the index is left to build, so finish that first. */
static void
on_signal(int sig)
{
	if (committing) {
		got_signal = sig;
		return;
	}
	tty_restore();
	txn_remove_temp();
	signal(sig, SIG_DFL);
	raise(sig);
}

void
catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

static void
resend_deferred_signal(void)
{
	int sig = got_signal;

	committing = 0;
	if (sig != 0) {
		wipe_all();
		signal(sig, SIG_DFL);
		raise(sig);
	}
}

/* ---- the file ---- */

static int lock_fd = -1;
static int text_exists;

void
lock_file(void)
{
	char lp[4200];

	if ((size_t)snprintf(lp, sizeof(lp), "%s.lock", path) >= sizeof(lp))
		die(EXIT_SYS, "%s: path too long", path);
	lock_fd = open(lp, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
	    O_NOCTTY, 0600);
	if (lock_fd < 0)
		die(EXIT_SYS, "cannot open lock file %s: %s", lp,
		    strerror(errno));
	if (flock(lock_fd, LOCK_EX | LOCK_NB) == 0)
		return;
	if (errno == EWOULDBLOCK && isatty(2))
		warn("waiting for the lock on %s (another cmd5pw is running)",
		    lp);
	while (flock(lock_fd, LOCK_EX) != 0)
		if (errno != EINTR)
			die(EXIT_SYS, "cannot lock %s: %s", lp,
			    strerror(errno));
}

void
read_text(int writing, int may_create)
{
	struct pwerr err;
	size_t got = 0;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    (writing ? O_NOFOLLOW : 0));
	if (fd < 0 && errno == ENOENT && may_create) {
		text_exists = 0;
		textlen = 0;
		return;
	}
	if (fd < 0 && writing && errno == ELOOP)
		die(EXIT_SYS, "refusing %s: it is a symbolic link (edit the "
		    "file it points to instead)", path);
	if (fd < 0)
		die(EXIT_SYS, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &text_st) != 0)
		die(EXIT_SYS, "cannot stat %s: %s", path, strerror(errno));
	if (writing && pwfile_check_mode(path, &text_st, &err) != 0)
		die(EXIT_SYS, "%s", err.msg);
	if (!S_ISREG(text_st.st_mode))
		die(EXIT_SYS, "refusing %s: not a regular file", path);
	if ((size_t)text_st.st_size > SIZE_MAX / 2)
		die(EXIT_SYS, "%s: too large", path);
	textlen = (size_t)text_st.st_size;
	if ((text = malloc(textlen + 1)) == NULL)
		die(EXIT_SYS, "out of memory reading %s", path);
	while (got < textlen) {
		r = read(fd, text + got, textlen - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die(EXIT_SYS, "cannot read %s: %s", path,
			    strerror(errno));
		if (r == 0)
			die(EXIT_SYS, "%s shrank while being read", path);
		got += (size_t)r;
	}
	close(fd);
	text_exists = 1;
}

static void
fsync_dir(void)
{
	char dir[4200];
	const char *slash = strrchr(path, '/');
	size_t n;
	int fd;

	if (slash == NULL)
		strcpy(dir, ".");
	else {
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir))
			die(EXIT_SYS, "%s: path too long", path);
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fsync(fd) != 0)
		die(EXIT_SYS, "cannot fsync directory %s: %s", dir,
		    strerror(errno));
	close(fd);
}

/* pwindex_build names its temp file FILE.cdb.tmpPID; a killed run leaves
 * one behind.  We hold the lock, so every such file is left over. */
static void
remove_index_temps(void)
{
	char dir[4200], name[4200];
	const char *slash = strrchr(path, '/'), *base;
	struct dirent *d;
	size_t n, blen;
	DIR *dp;

	base = slash ? slash + 1 : path;
	n = slash == NULL ? 0 : slash == path ? 1 : (size_t)(slash - path);
	if (n >= sizeof(dir) || (size_t)snprintf(name, sizeof(name),
	    "%s.cdb.tmp", base) >= sizeof(name))
		return;
	memcpy(dir, slash ? path : ".", slash ? n : 1);
	dir[slash ? n : 1] = '\0';
	blen = strlen(name);
	if ((dp = opendir(dir)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL)
		if (strncmp(d->d_name, name, blen) == 0 &&
		    d->d_name[blen] != '\0' &&
		    strspn(d->d_name + blen, "0123456789") ==
		    strlen(d->d_name + blen))
			(void)unlinkat(dirfd(dp), d->d_name, 0);
	closedir(dp);
}

void
rebuild_index(void)
{
	struct pwerr err;

	remove_index_temps();

	if (pwindex_build(path, &err) != 0)
		die(EXIT_SYS, "%s (the text is up to date; cmd5checkpw reads "
		    "it until cmd5pw index succeeds)", err.msg);
	fsync_dir();
}

static void
write_all(int fd, const char *p, size_t n)
{
	ssize_t r;

	while (n > 0) {
		r = write(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die(EXIT_SYS, "cannot write %s: %s", tmp_path,
			    strerror(errno));
		p += r;
		n -= (size_t)r;
	}
}

void
commit(void)
{
	struct stat st;
	mode_t mode;
	int fd;

	if ((size_t)snprintf(tmp_path, sizeof(tmp_path), "%s.cmd5pw-tmp",
	    path) >= sizeof(tmp_path))
		die(EXIT_SYS, "%s: path too long", path);
	/* Only a killed cmd5pw leaves one behind, and we hold the lock. */
	if (unlink(tmp_path) != 0 && errno != ENOENT)
		die(EXIT_SYS, "cannot remove %s: %s", tmp_path,
		    strerror(errno));
	tmp_active = 1;
	fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		tmp_active = 0;
		die(EXIT_SYS, "cannot create %s: %s", tmp_path,
		    strerror(errno));
	}
	if (text_exists) {
		if (fchown(fd, text_st.st_uid, text_st.st_gid) != 0 &&
		    (fstat(fd, &st) != 0 || st.st_uid != text_st.st_uid ||
		    st.st_gid != text_st.st_gid))
			die(EXIT_SYS, "cannot give %s the owner and group of "
			    "%s: %s", tmp_path, path, strerror(errno));
		/* never wider than it was (and no set-id bits) */
		mode = text_st.st_mode & 0755;
	} else
		mode = 0640;
	if (fchmod(fd, mode) != 0)
		die(EXIT_SYS, "cannot chmod %s: %s", tmp_path,
		    strerror(errno));
	write_all(fd, out.p != NULL ? out.p : "", out.len);
	if (fsync(fd) != 0)
		die(EXIT_SYS, "cannot fsync %s: %s", tmp_path,
		    strerror(errno));
	if (close(fd) != 0)
		die(EXIT_SYS, "cannot write %s: %s", tmp_path,
		    strerror(errno));
	committing = 1;
	if (rename(tmp_path, path) != 0)
		die(EXIT_SYS, "cannot rename %s to %s: %s", tmp_path, path,
		    strerror(errno));
	tmp_active = 0;
	fsync_dir();
	rebuild_index();
	resend_deferred_signal();
}
