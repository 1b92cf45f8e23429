/* pwfile.c: find a login's verifiers in the password file (poppasswd(5)). */
#define _GNU_SOURCE		/* memmem */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hmac_md5.h"
#include "mailbox.h"
#include "pwfile.h"
#include "pwindex.h"

void
pwerr_set(struct pwerr *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

int
pwfile_login_ok(const char *login, size_t len)
{
	/* A login a line can hold: not empty, no ':' (the separator), no
	 * newline, and not starting with '#' (a comment). */
	return len > 0 && login[0] != '#' && memchr(login, ':', len) == NULL &&
	    memchr(login, '\n', len) == NULL && memchr(login, '\0', len) == NULL;
}

int
pwfile_parse_line(const char *line, size_t len, struct pwline *out)
{
	const char *colon;
	size_t i;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	if (i == len || line[0] == '#')
		return PWL_SKIP;
	if (memchr(line, '\0', len) != NULL)
		return PWL_BAD;
	colon = memchr(line, ':', len);
	if (colon == NULL || colon == line)
		return PWL_BAD;
	out->login = line;
	out->loginlen = (size_t)(colon - line);
	out->field = colon + 1;
	out->fieldlen = len - out->loginlen - 1;
	return PWL_ENTRY;
}

static const struct scheme {
	const char *tag;	/* with its braces */
	enum vkind kind;
	enum venc enc;
	unsigned short sha;
} schemes[] = {
	{ "{SSHA}", VK_SSHA, VE_B64, 20 },
	{ "{SSHA256}", VK_SSHA, VE_B64, 32 },
	{ "{SSHA512}", VK_SSHA, VE_B64, 64 },
	{ "{PLAIN}", VK_PLAIN, VE_RAW, 0 },
	{ "{PLAIN.b64}", VK_PLAIN, VE_B64, 0 },
	{ "{PLAIN.base64}", VK_PLAIN, VE_B64, 0 },
	{ "{PLAIN.hex}", VK_PLAIN, VE_HEX, 0 },
	{ "{CLEARTEXT}", VK_PLAIN, VE_RAW, 0 },
	{ "{CRAM-MD5}", VK_CRAM, VE_RAW, 0 },
	{ "{CRYPT}", VK_CRYPT, VE_RAW, 0 },
	{ "{BLF-CRYPT}", VK_CRYPT, VE_RAW, 0 },
	{ "{SHA512-CRYPT}", VK_CRYPT, VE_RAW, 0 },
	{ "{SHA256-CRYPT}", VK_CRYPT, VE_RAW, 0 },
	{ "{MD5-CRYPT}", VK_CRYPT, VE_RAW, 0 },
};

static void
classify(const char *p, size_t len, struct verifier *v)
{
	size_t i, n;

	v->kind = VK_UNKNOWN;
	v->enc = VE_RAW;
	v->sha = 0;
	v->p = p;
	v->len = len;
	if (len > 0 && p[0] == '$') {
		v->kind = VK_CRYPT;
		return;
	}
	if (mb_is_field(p, len)) {
		v->kind = VK_MAILBOX;
		return;
	}
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		n = strlen(schemes[i].tag);
		/* scheme names are case-insensitive, as in Dovecot */
		if (len >= n && strncasecmp(p, schemes[i].tag, n) == 0) {
			v->kind = schemes[i].kind;
			v->enc = schemes[i].enc;
			v->sha = schemes[i].sha;
			v->p = p + n;
			v->len = len - n;
			break;
		}
	}
	if (v->kind == VK_CRAM && v->len != CRAM_STATE_HEXLEN)
		v->kind = VK_UNKNOWN;
	/* base64 of the digest and a salt of 1 to 64 bytes */
	if (v->kind == VK_SSHA && (v->len % 4 != 0 ||
	    v->len / 4 * 3 < (size_t)v->sha + 1 + 2 ||
	    v->len / 4 * 3 > (size_t)v->sha + 64 + 2))
		v->kind = VK_UNKNOWN;
	if (v->kind == VK_CRYPT && (v->len == 0 || v->p[0] == '!' ||
	    v->p[0] == '*'))
		v->kind = VK_UNKNOWN;
}

size_t
pwfile_verifiers(const char *field, size_t len, struct verifier *v, size_t max)
{
	const char *end = field + len, *p, *q;
	size_t n = 0;

	if (max == 0)
		return 0;
	if (len == 0 || field[0] == '!' || field[0] == '*') {
		v[0].kind = VK_DISABLED;
		v[0].enc = VE_RAW;
		v[0].p = len ? field + 1 : field;
		v[0].len = len ? len - 1 : 0;
		return 1;
	}
	if (field[0] != '$' && field[0] != '{') {
		/* cmd5checkpw 0.2x/0.30: the rest of the line, ':' and all */
		v[0].kind = VK_PLAIN;
		v[0].enc = VE_RAW;
		v[0].p = field;
		v[0].len = len;
		return 1;
	}
	for (p = field; p <= end && n < max; p = q + 1) {
		q = memchr(p, ':', (size_t)(end - p));
		if (q == NULL)
			q = end;
		classify(p, (size_t)(q - p), &v[n++]);
	}
	return n;
}

const char *
vkind_name(enum vkind k)
{
	switch (k) {
	case VK_PLAIN:
		return "plain";
	case VK_CRYPT:
		return "crypt";
	case VK_CRAM:
		return "cram-md5";
	case VK_SSHA:
		return "ssha";
	case VK_DISABLED:
		return "disabled";
	case VK_MAILBOX:
		return "mailbox";
	default:
		return "unknown";
	}
}

static char *
dupmem(const char *p, size_t len)
{
	char *s = malloc(len + 1);

	if (s != NULL) {
		memcpy(s, p, len);
		s[len] = '\0';
	}
	return s;
}

void
pwmatch_free(struct pwmatch *m)
{
	if (m->field != NULL) {
		wipe(m->field, m->fieldlen);
		free(m->field);
	}
	if (m->dummy != NULL) {
		wipe(m->dummy, m->dummylen);
		free(m->dummy);
	}
	m->field = m->dummy = NULL;
	m->fieldlen = m->dummylen = 0;
	m->found = 0;
}

static size_t
linelen(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
}

static const char itoa64[] =
    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static unsigned long
b64digit(char c)
{
	const char *p = c != '\0' ? strchr(itoa64, c) : NULL;

	return p != NULL ? (unsigned long)(p - itoa64) : 0;
}

/* Rounds or a cost number after prefix in s, else dflt. */
static unsigned long
number_after(const char *s, size_t len, const char *prefix, unsigned long dflt)
{
	size_t n = strlen(prefix), i;
	unsigned long v = 0;

	if (len < n || memcmp(s, prefix, n) != 0)
		return dflt;
	for (i = n; i < len && i < n + 9 && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (unsigned long)(s[i] - '0');
	return i > n ? v : dflt;
}

unsigned long
pwfile_crypt_cost(const char *h, size_t len)
{
	unsigned long n, r;

	/* yescrypt "$y$" flavor, N_log2 - 1, r - 1 (itoa64 digits); gost */
	if (len > 6 && (memcmp(h, "$y$", 3) == 0 || memcmp(h, "$gy$", 4) == 0)) {
		h += h[1] == 'y' ? 3 : 4;
		n = b64digit(h[1]) + 1;
		r = b64digit(h[2]) + 1;
		return n > 30 ? ULONG_MAX / 2 : (1UL << n) * r / 10;
	}
	if (len > 4 && memcmp(h, "$7$", 3) == 0)	/* scrypt: N_log2, r */
		return (1UL << (b64digit(h[3]) & 31)) * (b64digit(h[4]) + 1) / 10;
	if (len > 7 && h[0] == '$' && h[1] == '2' && h[3] == '$') {
		n = number_after(h + 4, len - 4, "", 0) & 31;
		return (1UL << n) * 50;
	}
	if (len > 3 && (memcmp(h, "$6$", 3) == 0 || memcmp(h, "$5$", 3) == 0))
		return number_after(h + 3, len - 3, "rounds=", 5000) / 3;
	if (len > 3 && memcmp(h, "$1$", 3) == 0)
		return 300;
	return 1;
}

/* The first crypt verifier of a field, its leading '!' or '*' skipped. */
int
pwfile_field_crypt(const char *field, size_t len, struct verifier *out)
{
	struct verifier v[PW_MAXVERIFIERS];
	size_t i, n;

	while (len > 0 && (*field == '!' || *field == '*')) {
		field++;
		len--;
	}
	n = pwfile_verifiers(field, len, v, PW_MAXVERIFIERS);
	for (i = 0; i < n; i++)
		if (v[i].kind == VK_CRYPT) {
			*out = v[i];
			return 1;
		}
	return 0;
}

int
pwfile_dummy(const char *text, size_t size, struct pwline *out)
{
	const char *p = text, *end = text + size;
	struct pwline l;
	struct verifier v;
	size_t n, seen = 0;
	unsigned long cost, best = 0;
	int found = 0;

	while (p < end && seen < PW_DUMMY_SPAN) {
		n = linelen(p, end);
		if (pwfile_parse_line(p, n, &l) == PWL_ENTRY) {
			if (!found)
				*out = l;
			found = 1;
			seen++;
			if (pwfile_field_crypt(l.field, l.fieldlen, &v) &&
			    (cost = pwfile_crypt_cost(v.p, v.len)) > best) {
				*out = l;
				best = cost;
			}
		}
		p += n + 1;
	}
	return found;
}

static int
dummy_entry(const char *text, size_t size, struct pwmatch *m)
{
	struct pwline l;

	if (!pwfile_dummy(text, size, &l))
		return 0;
	if ((m->dummy = dupmem(l.field, l.fieldlen)) == NULL)
		return -1;
	m->dummylen = l.fieldlen;
	return 0;
}

int
pwfile_scan(const char *text, size_t size, const char *login, size_t loginlen,
    struct pwmatch *m)
{
	const char *end = text + size, *p, *hit = NULL;
	char *needle;
	struct pwline l;
	size_t n;

	m->source = SRC_TEXT;
	if (dummy_entry(text, size, m) != 0)
		return -1;
	if (!pwfile_login_ok(login, loginlen))
		return 0;
	/* Lines start at the top or after '\n': look for "\nlogin:". */
	if ((needle = malloc(loginlen + 2)) == NULL)
		return -1;
	needle[0] = '\n';
	memcpy(needle + 1, login, loginlen);
	needle[loginlen + 1] = ':';

	if (size > loginlen && memcmp(text, needle + 1, loginlen + 1) == 0)
		p = text;
	else
		p = memmem(text, size, needle, loginlen + 2);
	while (p != NULL) {
		if (*p == '\n')
			p++;
		n = linelen(p, end);
		if (hit == NULL && pwfile_parse_line(p, n, &l) == PWL_ENTRY)
			hit = p;
		/* Keep scanning to the end whatever was found, so that the
		 * time taken does not tell where (or whether) a login is. */
		p += n;
		p = memmem(p, (size_t)(end - p), needle, loginlen + 2);
	}
	free(needle);
	if (hit != NULL) {
		pwfile_parse_line(hit, linelen(hit, end), &l);
		if ((m->field = dupmem(l.field, l.fieldlen)) == NULL)
			return -1;
		m->fieldlen = l.fieldlen;
		m->found = 1;
	}
	return 0;
}

int
pwfile_check_mode(const char *path, const struct stat *st, struct pwerr *err)
{
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		pwerr_set(err, "refusing %s: writable by %s (chmod go-w)", path,
		    st->st_mode & S_IWOTH ? "others" : "group");
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		pwerr_set(err, "refusing %s: not a regular file", path);
		return -1;
	}
	return 0;
}

static int
in_groups(gid_t g)
{
	gid_t list[256];
	int i, n;

	if (g == getgid())
		return 1;
	if ((n = getgroups((int)(sizeof(list) / sizeof(list[0])), list)) < 0)
		return 1;	/* too many to tell: assume the worst */
	for (i = 0; i < n; i++)
		if (list[i] == g)
			return 1;
	return 0;
}

/* Whether uid (0: nobody in particular) could replace the entry, owned by
 * owner, of directory dir. */
static int
replaceable(const struct stat *dir, uid_t owner, uid_t uid)
{
	int sticky = (dir->st_mode & S_ISVTX) != 0;

	if ((dir->st_mode & S_IWOTH) && !sticky)
		return 1;
	if (uid == 0)
		return 0;
	if (sticky && owner != uid && dir->st_uid != uid)
		return 0;
	return (dir->st_uid == uid && (dir->st_mode & S_IWUSR)) ||
	    (in_groups(dir->st_gid) && (dir->st_mode & S_IWGRP)) ||
	    (dir->st_mode & S_IWOTH);
}

/* Each directory from path's up to "/": none may let uid replace what
 * it holds.  path is modified. */
static int
check_dirs(char *path, uid_t owner, uid_t uid, const char *file,
    struct pwerr *err)
{
	struct stat st;
	char *slash;

	for (;;) {
		if ((slash = strrchr(path, '/')) == NULL)
			return 0;
		if (slash == path)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(path, &st) != 0) {
			pwerr_set(err, "cannot stat %s: %s", path,
			    strerror(errno));
			return -1;
		}
		if (replaceable(&st, owner, uid)) {
			pwerr_set(err, "refusing %s: directory %s lets %s replace "
			    "it (chmod go-w, chown root)", file, path,
			    st.st_mode & S_IWOTH ? "anyone" : "the uid running "
			    "cmd5checkpw");
			return -1;
		}
		if (slash == path)
			return 0;
		owner = st.st_uid;
	}
}

static int
check_writers_of(const char *path, int must_exist, struct pwerr *err)
{
	uid_t uid = getuid();
	struct stat st;
	char *real, *lexical;
	int r;

	if (stat(path, &st) != 0) {
		if (!must_exist && errno == ENOENT)
			return 0;
		pwerr_set(err, "cannot stat %s: %s", path, strerror(errno));
		return -1;
	}
	if (uid != 0 && st.st_uid == uid) {
		pwerr_set(err, "refusing %s: owned by uid %lu, which runs "
		    "cmd5checkpw: whoever controls that uid could change every "
		    "password (chown root)", path, (unsigned long)uid);
		return -1;
	}
	if ((real = realpath(path, NULL)) == NULL) {
		pwerr_set(err, "cannot resolve %s: %s", path, strerror(errno));
		return -1;
	}
	r = check_dirs(real, st.st_uid, uid, path, err);
	free(real);
	/* a symlink's own directory: whoever may write it may repoint it */
	if (r == 0 && strchr(path, '/') != NULL && lstat(path, &st) == 0) {
		if ((lexical = strdup(path)) == NULL) {
			pwerr_set(err, "out of memory");
			return -1;
		}
		r = check_dirs(lexical, st.st_uid, uid, path, err);
		free(lexical);
	}
	return r;
}

int
pwfile_check_writers(const char *path, struct pwerr *err)
{
	char *cdbpath;
	int r;

	if (check_writers_of(path, 1, err) != 0)
		return -1;
	if ((cdbpath = pwindex_path(path)) == NULL) {
		pwerr_set(err, "%s: path too long", path);
		return -1;
	}
	r = check_writers_of(cdbpath, 0, err);
	free(cdbpath);
	return r;
}

/* A file truncated under our mapping raises SIGBUS: report, don't crash. */
static sigjmp_buf bus_jmp;

static void
on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

static int
scan_mapped(int fd, const char *path, size_t size, const char *login,
    size_t loginlen, struct pwmatch *m, struct pwerr *err)
{
	struct sigaction sa, old;
	void *map;
	int r;

	if (size == 0)
		return pwfile_scan("", 0, login, loginlen, m);
	map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		pwerr_set(err, "cannot map %s: %s", path, strerror(errno));
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jmp, 1) == 0) {
		r = pwfile_scan(map, size, login, loginlen, m);
		if (r != 0)
			pwerr_set(err, "out of memory scanning %s", path);
	} else {
		pwmatch_free(m);
		pwerr_set(err, "%s was truncated while being read", path);
		r = -1;
	}
	sigaction(SIGBUS, &old, NULL);
	munmap(map, size);
	return r;
}

int
pw_lookup(const char *path, const char *login, size_t loginlen,
    struct pwmatch *m, struct pwerr *err)
{
	struct stat st;
	char *cdbpath;
	int fd, r;

	memset(m, 0, sizeof(*m));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		pwerr_set(err, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		pwerr_set(err, "cannot stat %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (pwfile_check_mode(path, &st, err) != 0) {
		close(fd);
		return -1;
	}
	if ((cdbpath = pwindex_path(path)) == NULL) {
		pwerr_set(err, "%s: path too long", path);
		close(fd);
		return -1;
	}
	r = pwindex_lookup(cdbpath, &st, login, loginlen, m, err);
	free(cdbpath);
	if (r == 0) {
		int idx = m->index;

		r = scan_mapped(fd, path, (size_t)st.st_size, login, loginlen,
		    m, err);
		m->index = idx;
	} else if (r == 1)
		r = 0;
	close(fd);
	return r;
}
