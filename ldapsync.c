/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* ldapsync.c: the password file as a replica of an LDAP directory.
 *
 * cmd5pw sync runs one RFC 4533 refreshOnly search from the cookie kept in
 * the state file (FILE.ldapsync), cmd5pw follow a refreshAndPersist search
 * that applies changes as they come, gathered for coalesce-ms.  Each
 * batch of changes is one cmd5pw transaction (pwtx.h): the whole replica
 * is written from the entries known by entryUUID, then the state file
 * (the cookie and the entries) is replaced the same way.  A crash between
 * the two leaves the new replica with the old cookie: the next run
 * replays those changes, which is harmless (they are all idempotent).
 *
 * The sync control and its responses are encoded and decoded here with
 * liblber, the rest is libldap.  (libldap's own ldap_sync_* helpers hand
 * every message of a received chain to the callbacks as the first one,
 * cannot tell the end of a present phase from the end of a delete phase
 * in refreshAndPersist, and poll in whole seconds.)
 *
 * Directory values are untrusted: a login or password value that a line
 * cannot hold as it is (':', control bytes, oversized, unknown scheme) is
 * skipped with a log line; the replica never holds it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <ldap.h>

#include "hmac_md5.h"
#include "ldapconf.h"
#include "ldapsync.h"
#include "log.h"
#include "mailbox.h"
#include "pwfile.h"
#include "pwtx.h"

#define EXIT_REJECT 1
#define EXIT_USAGE 2
#define EXIT_SYS 111

#define DEFAULT_CONF "/etc/cmd5pw/ldap.conf"
#define LOGIN_MAX 256
#define VALUE_MAX 1024		/* a userPassword value, at most */
#define BINDPW_MAX 256
#define STATE_MAGIC "cmd5pw-ldapsync 1"

static struct ldapconf conf;
static char state_path[4200], status_path[4300];
static int state_lock_fd = -1;

/* ---- messages ---- */

static const char *
esc(const char *s, size_t len)
{
	static char bufs[2][4 * 200 + 8];
	static int which;
	char *b = bufs[which ^= 1];

	log_escape(s, len < 200 ? len : 200, b, sizeof(bufs[0]));
	return b;
}

#define warn pwtx_warn
#define die pwtx_die

/* ---- the entries, by entryUUID ---- */

struct rec {
	unsigned char uuid[16];
	unsigned char used;	/* 0 free, 1 in use, 2 deleted */
	unsigned char present;
	char *line;		/* "login:field", no newline */
	size_t len;
};
static struct rec *tab;
static size_t tabcap, tabused, tabtomb;
static struct berval cookie;
static time_t cookie_time;
static int dirty, cookie_dirty;
/* The state is a snapshot (STATE, generation gen) and a journal of the
 * entries changed since (STATE.journal): a commit appends to the journal,
 * and the snapshot is written again when the journal grows past half its
 * size.  A journal names the generation it follows; another one is
 * ignored (a crash between a new snapshot and the journal's removal). */
static unsigned long long gen;
static size_t base_bytes, journal_bytes;
static unsigned char (*chg)[16];
static size_t nchg, chgcap;
static int need_full = 1;	/* no snapshot yet, or a reload */
static char journal_path[4400];
static const char *state_name = "synced";
static size_t written;		/* lines in the replica */
static unsigned long skipped, nerrors;
static char last_error[300];

static size_t
uhash(const unsigned char *u)
{
	uint64_t h = 1469598103934665603ULL;
	int i;

	for (i = 0; i < 16; i++)
		h = (h ^ u[i]) * 1099511628211ULL;
	return (size_t)h;
}

static struct rec *
find(const unsigned char *u)
{
	size_t i;

	if (tabcap == 0)
		return NULL;
	for (i = uhash(u) & (tabcap - 1); tab[i].used != 0;
	    i = (i + 1) & (tabcap - 1))
		if (tab[i].used == 1 && memcmp(tab[i].uuid, u, 16) == 0)
			return &tab[i];
	return NULL;
}

static void
grow(void)
{
	struct rec *old = tab;
	size_t oldcap = tabcap, i, j;

	tabcap = tabcap ? tabcap * 2 : 1024;
	while (tabused * 2 >= tabcap)
		tabcap *= 2;
	if ((tab = calloc(tabcap, sizeof(*tab))) == NULL)
		die(EXIT_SYS, "out of memory");
	for (i = 0; i < oldcap; i++) {
		if (old[i].used != 1)
			continue;
		for (j = uhash(old[i].uuid) & (tabcap - 1); tab[j].used != 0;
		    j = (j + 1) & (tabcap - 1))
			;
		tab[j] = old[i];
	}
	tabtomb = 0;
	free(old);
}

static void
note_change(const unsigned char *u)
{
	if (nchg == chgcap) {
		size_t nc = chgcap ? 2 * chgcap : 256;
		void *n = realloc(chg, nc * 16);

		if (n == NULL)
			die(EXIT_SYS, "out of memory");
		chg = n;
		chgcap = nc;
	}
	memcpy(chg[nchg++], u, 16);
}

static void
rec_clear(struct rec *r)
{
	if (r->line != NULL) {
		wipe(r->line, r->len);
		free(r->line);
	}
	r->line = NULL;
	r->len = 0;
}

/* Sets the line of an entry (NULL: known, but nothing to write). */
static void
upsert(const unsigned char *u, char *line, size_t len)
{
	struct rec *r = find(u);
	size_t i;

	if (r == NULL) {
		if ((tabused + tabtomb + 1) * 2 > tabcap)
			grow();
		for (i = uhash(u) & (tabcap - 1); tab[i].used == 1;
		    i = (i + 1) & (tabcap - 1))
			;
		r = &tab[i];
		if (r->used == 2)
			tabtomb--;
		memset(r, 0, sizeof(*r));
		memcpy(r->uuid, u, 16);
		r->used = 1;
		tabused++;
	} else if (r->line != NULL && line != NULL && r->len == len &&
	    memcmp(r->line, line, len) == 0) {
		/* an attribute we do not map changed: nothing to write */
		wipe(line, len);
		free(line);
		r->present = 1;
		return;
	} else
		rec_clear(r);
	r->line = line;
	r->len = len;
	r->present = 1;
	dirty = 1;
	note_change(u);
}

static void
rec_delete(struct rec *r)
{
	note_change(r->uuid);
	rec_clear(r);
	r->used = 2;
	tabused--;
	tabtomb++;
}

static void
remove_uuid(const unsigned char *u)
{
	struct rec *r = find(u);

	if (r != NULL) {
		rec_delete(r);
		dirty = 1;
	}
}

static void
clear_all(void)
{
	size_t i;

	for (i = 0; i < tabcap; i++)
		if (tab[i].used == 1)
			rec_clear(&tab[i]);
	free(tab);
	tab = NULL;
	tabcap = tabused = tabtomb = 0;
	nchg = 0;
	need_full = 1;
}

/* The end of a present phase: what was not named is gone. */
static void
delete_absent(void)
{
	size_t i, n = 0;

	for (i = 0; i < tabcap; i++)
		if (tab[i].used == 1 && !tab[i].present) {
			rec_delete(&tab[i]);
			n++;
		}
	if (n > 0)
		dirty = 1;
}

static void
unmark_all(void)
{
	size_t i;

	for (i = 0; i < tabcap; i++)
		tab[i].present = 0;
}

static void
set_cookie(const struct berval *bv)
{
	if (bv->bv_val == NULL)
		return;
	if (cookie.bv_len == bv->bv_len && cookie.bv_val != NULL &&
	    memcmp(cookie.bv_val, bv->bv_val, bv->bv_len) == 0)
		return;
	free(cookie.bv_val);
	if ((cookie.bv_val = malloc(bv->bv_len + 1)) == NULL)
		die(EXIT_SYS, "out of memory");
	memcpy(cookie.bv_val, bv->bv_val, bv->bv_len);
	cookie.bv_val[bv->bv_len] = '\0';
	cookie.bv_len = bv->bv_len;
	cookie_time = time(NULL);
	/* saved with the next change or at the end of a refresh: a cookie
	 * lost to a crash only replays changes */
	cookie_dirty = 1;
}

/* ---- mapping an entry to a line ---- */

static int
login_ok(const char *s, size_t len, const char **why)
{
	size_t i;

	if (len == 0)
		*why = "empty";
	else if (len > LOGIN_MAX)
		*why = "longer than 256 bytes";
	else if (memchr(s, ':', len) != NULL)
		*why = "holds ':'";
	else if (memchr(s, '\0', len) != NULL)
		*why = "holds a NUL byte";
	else if (memchr(s, '\n', len) != NULL)
		*why = "holds a newline";
	else if (s[0] == '#')
		*why = "starts with '#'";
	else {
		for (i = 0; i < len; i++)
			if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f) {
				*why = "holds a space or control byte";
				return 0;
			}
		return 1;
	}
	return 0;
}

static int
b64_len_ok(const char *p, size_t n, size_t min)
{
	size_t i, pad = 0;

	if (n == 0 || n % 4 != 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (p[i] == '=') {
			if (i < n - 2)
				return 0;
			pad++;
		} else if (pad || !((p[i] >= 'A' && p[i] <= 'Z') ||
		    (p[i] >= 'a' && p[i] <= 'z') ||
		    (p[i] >= '0' && p[i] <= '9') || p[i] == '+' || p[i] == '/'))
			return 0;
	}
	return n / 4 * 3 - pad > min;
}

/* One userPassword value as a verifier: 1 usable (out, *olen), 0 skip
 * (*why), and *locked when the value carries the '!' of cmd5pw lock. */
static int
map_value(const char *v, size_t n, char *out, size_t *olen, int *locked,
    const char **why)
{
	static const struct {
		const char *tag;
		size_t digest;	/* SSHA: digest bytes */
	} tags[] = {
		{ "{CRYPT}", 0 }, { "{CRAM-MD5}", 0 },
		{ "{SSHA}", 20 }, { "{SSHA256}", 32 }, { "{SSHA512}", 64 },
	};
	const char *p;
	size_t i, t, rest;

	*locked = 0;
	if (n > VALUE_MAX) {
		*why = "longer than 1024 bytes";
		return 0;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] <= ' ' || (unsigned char)v[i] >= 0x7f ||
		    v[i] == ':') {
			*why = "holds ':', a space, a control or non-ASCII byte";
			return 0;
		}
	for (t = 0; t < sizeof(tags) / sizeof(tags[0]); t++)
		if (n >= strlen(tags[t].tag) &&
		    strncasecmp(v, tags[t].tag, strlen(tags[t].tag)) == 0)
			break;
	if (t == sizeof(tags) / sizeof(tags[0])) {
		*why = "not {CRYPT}, {CRAM-MD5}, {SSHA}, {SSHA256} or {SSHA512}";
		return 0;
	}
	p = v + strlen(tags[t].tag);
	rest = n - strlen(tags[t].tag);
	if (rest > 0 && p[0] == '!') {
		*locked = 1;
		p++;
		rest--;
	}
	*why = "malformed";
	switch (t) {
	case 0:
		/* crypt(3) hashes only; DES and friends are not written */
		if (rest < 4 || p[0] != '$')
			return 0;
		memcpy(out, p, rest);
		*olen = rest;
		return 1;
	case 1:
		if (rest != CRAM_STATE_HEXLEN)
			return 0;
		/* bounded: a value travels with its length, no NUL after it */
		for (i = 0; i < rest; i++)
			if (!((p[i] >= '0' && p[i] <= '9') ||
			    ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'f')))
				return 0;
		break;
	default:
		if (!b64_len_ok(p, rest, tags[t].digest))
			return 0;
		break;
	}
	memcpy(out, tags[t].tag, strlen(tags[t].tag));
	memcpy(out + strlen(tags[t].tag), p, rest);
	*olen = strlen(tags[t].tag) + rest;
	return 1;
}

/* The entry's one value of attr as the mailbox field ":name=value"
 * (poppasswd(5)): a decimal id, or a clean absolute home.  1 (out, *outlen
 * set), 0 when attr is not configured or the entry has none, -1 when the
 * value is bad (why set): directory values are untrusted. */
static int
mailbox_field(LDAP *ld, LDAPMessage *e, const char *attr, const char *name,
    char *out, size_t size, size_t *outlen, const char **why)
{
	struct berval **v;
	unsigned long id;
	int r = 0, n;

	*outlen = 0;
	if (attr == NULL)
		return 0;
	v = ldap_get_values_len(ld, e, attr);
	if (v == NULL || v[0] == NULL) {
		ldap_value_free_len(v);
		return 0;
	}
	if (v[1] != NULL) {
		*why = "given more than once";
		r = -1;
	} else if (strcmp(name, "home") == 0 ?
	    !mb_home_ok(v[0]->bv_val, v[0]->bv_len) :
	    mb_parse_id(v[0]->bv_val, v[0]->bv_len, &id) != 0) {
		*why = strcmp(name, "home") == 0 ? "not a clean absolute path" :
		    "not a decimal id";
		r = -1;
	} else if (v[0]->bv_len > MB_HOME_MAX ||
	    (n = snprintf(out, size, ":%s=%.*s", name, (int)v[0]->bv_len,
	    v[0]->bv_val)) < 0 || (size_t)n >= size) {
		*why = "too long";
		r = -1;
	} else {
		*outlen = (size_t)n;
		r = 1;
	}
	ldap_value_free_len(v);
	return r;
}

/* The entry as a line, or NULL (logged) when it gives none. */
static char *
map_entry(LDAP *ld, LDAPMessage *e, size_t *len)
{
	struct berval **lv = NULL, **pv = NULL;
	char *dn = ldap_get_dn(ld, e), *line = NULL, *q;
	char vals[PW_MAXVERIFIERS][VALUE_MAX + 16];
	size_t vl[PW_MAXVERIFIERS], nv = 0, i, total;
	const char *why = NULL, *dnp = dn ? dn : "(no DN)";
	const char *mbattr[3] = { conf.uid_attr, conf.gid_attr, conf.home_attr };
	static const char *const mbname[3] = { "uid", "gid", "home" };
	char mbf[3][MB_HOME_MAX + 8];
	size_t ml[3] = { 0, 0, 0 };
	int locked = 0, lk;

	lv = ldap_get_values_len(ld, e, conf.login_attr);
	if (lv == NULL || lv[0] == NULL) {
		warn("sync: skipping %s: no %s", esc(dnp, strlen(dnp)),
		    conf.login_attr);
		goto skip;
	}
	if (lv[1] != NULL) {
		warn("sync: skipping %s: more than one %s",
		    esc(dnp, strlen(dnp)), conf.login_attr);
		goto skip;
	}
	if (!login_ok(lv[0]->bv_val, lv[0]->bv_len, &why)) {
		warn("sync: skipping %s: its %s \"%s\" %s", esc(dnp,
		    strlen(dnp)), conf.login_attr, esc(lv[0]->bv_val,
		    lv[0]->bv_len), why);
		goto skip;
	}
	pv = ldap_get_values_len(ld, e, "userPassword");
	for (i = 0; pv != NULL && pv[i] != NULL; i++) {
		if (nv == PW_MAXVERIFIERS) {
			warn("sync: %s: more than %d userPassword values, the "
			    "rest skipped", esc(lv[0]->bv_val, lv[0]->bv_len),
			    PW_MAXVERIFIERS);
			break;
		}
		if (!map_value(pv[i]->bv_val, pv[i]->bv_len, vals[nv], &vl[nv],
		    &lk, &why)) {
			/* the scheme name only: never the value */
			warn("sync: %s: a userPassword value skipped: %s",
			    esc(lv[0]->bv_val, lv[0]->bv_len), why);
			skipped++;
			continue;
		}
		locked |= lk;
		nv++;
	}
	if (nv == 0 && !locked) {
		warn("sync: skipping %s (%s): no usable userPassword value",
		    esc(dnp, strlen(dnp)), esc(lv[0]->bv_val, lv[0]->bv_len));
		goto skip;
	}
	/* the mailbox fields of poppasswd(5), after the verifiers */
	for (i = 0; i < 3; i++)
		if (mailbox_field(ld, e, mbattr[i], mbname[i], mbf[i],
		    sizeof(mbf[i]), &ml[i], &why) < 0) {
			warn("sync: skipping %s (%s): its %s is %s",
			    esc(dnp, strlen(dnp)), esc(lv[0]->bv_val,
			    lv[0]->bv_len), mbattr[i], why);
			goto skip;
		}
	total = lv[0]->bv_len + 2 + ml[0] + ml[1] + ml[2];
	for (i = 0; i < nv; i++)
		total += vl[i] + 1;
	if ((line = malloc(total)) == NULL)
		die(EXIT_SYS, "out of memory");
	memcpy(line, lv[0]->bv_val, lv[0]->bv_len);
	q = line + lv[0]->bv_len;
	*q++ = ':';
	if (locked)
		*q++ = '!';	/* a disabled entry: known, never matches */
	else {
		for (i = 0; i < nv; i++) {
			if (i > 0)
				*q++ = ':';
			memcpy(q, vals[i], vl[i]);
			q += vl[i];
		}
		/* a locked line stays "login:!": it never logs in */
		for (i = 0; i < 3; i++) {
			memcpy(q, mbf[i], ml[i]);
			q += ml[i];
		}
	}
	*len = (size_t)(q - line);
	for (i = 0; i < PW_MAXVERIFIERS; i++)
		wipe(vals[i], sizeof(vals[i]));
	ldap_value_free_len(lv);
	ldap_value_free_len(pv);
	ldap_memfree(dn);
	return line;
skip:
	skipped++;
	ldap_value_free_len(lv);
	ldap_value_free_len(pv);
	ldap_memfree(dn);
	*len = 0;
	return NULL;
}

/* ---- the replica's text ---- */

/* Sorting a million logins by pointer chases a cache miss per compare:
 * the first 8 bytes of the login ride along as an integer. */
struct sortkey {
	uint64_t key;
	struct rec *r;
};

static size_t
login_len(const struct rec *r)
{
	return (size_t)((char *)memchr(r->line, ':', r->len) - r->line);
}

static int
cmp_login(const struct rec *x, const struct rec *y)
{
	size_t lx = login_len(x), ly = login_len(y);
	int c = memcmp(x->line, y->line, lx < ly ? lx : ly);

	return c != 0 ? c : lx < ly ? -1 : lx > ly;
}

static int
cmp_key(const void *a, const void *b)
{
	const struct sortkey *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return cmp_login(x->r, y->r);
}

static uint64_t
prefix(const struct rec *r)
{
	size_t n = login_len(r), i;
	uint64_t k = 0;

	for (i = 0; i < 8; i++)
		k = k << 8 | (i < n ? (unsigned char)r->line[i] : 0);
	return k;
}

/* Sorted by login; a login two entries claim is left out (logged). */
static char *
build_text(size_t *len, size_t *entries)
{
	struct sortkey *v;
	size_t i, j, n = 0, total = 0, k;
	char *t, *p;

	if ((v = malloc((tabused + 1) * sizeof(*v))) == NULL)
		die(EXIT_SYS, "out of memory");
	for (i = 0; i < tabcap; i++)
		if (tab[i].used == 1 && tab[i].line != NULL) {
			v[n].r = &tab[i];
			v[n++].key = prefix(&tab[i]);
			total += tab[i].len + 1;
		}
	qsort(v, n, sizeof(*v), cmp_key);
	if ((t = malloc(total + 1)) == NULL)
		die(EXIT_SYS, "out of memory");
	p = t;
	*entries = 0;
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && v[j].key == v[i].key &&
		    cmp_login(v[i].r, v[j].r) == 0; j++)
			;
		if (j - i > 1) {
			warn("sync: %s: %zu entries have this login; none "
			    "written", esc(v[i].r->line, login_len(v[i].r)),
			    j - i);
			continue;
		}
		k = v[i].r->len;
		memcpy(p, v[i].r->line, k);
		p[k] = '\n';
		p += k + 1;
		(*entries)++;
	}
	free(v);
	*len = (size_t)(p - t);
	return t;
}

/* ---- the state file ---- */

static void
write_file_atomic(const char *dst, const char *p, size_t n, int sync_it)
{
	char tmp[4400];
	size_t off = 0;
	ssize_t r;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", dst);
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0)
		die(EXIT_SYS, "cannot create %s: %s", tmp, strerror(errno));
	while (off < n) {
		r = write(fd, p + off, n - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die(EXIT_SYS, "cannot write %s: %s", tmp,
			    strerror(errno));
		off += (size_t)r;
	}
	if ((sync_it && fsync(fd) != 0) || close(fd) != 0)
		die(EXIT_SYS, "cannot write %s: %s", tmp, strerror(errno));
	if (rename(tmp, dst) != 0)
		die(EXIT_SYS, "cannot rename %s: %s", tmp, strerror(errno));
}

static void
hexenc(const unsigned char *p, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	    c - 'a' + 10 : -1;
}

static int
hexdec(const char *s, size_t n, unsigned char *out)
{
	size_t i;
	int a, b;

	if (n % 2)
		return -1;
	for (i = 0; i < n / 2; i++) {
		if ((a = hexval(s[2 * i])) < 0 ||
		    (b = hexval(s[2 * i + 1])) < 0)
			return -1;
		out[i] = (unsigned char)(a << 4 | b);
	}
	return 0;
}

/* Streamed through stdio into STATE.tmp, fsynced, renamed. */
static void
save_state(void)
{
	char tmp[4300], hex[33], *ck;
	size_t i;
	FILE *f;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", state_path);
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL)
		die(EXIT_SYS, "cannot create %s: %s", tmp, strerror(errno));
	if ((ck = malloc(2 * cookie.bv_len + 1)) == NULL)
		die(EXIT_SYS, "out of memory");
	hexenc((unsigned char *)cookie.bv_val, cookie.bv_len, ck);
	fprintf(f, "%s\ngen %llu\ncookie-time %lld\ncookie %s\n",
	    STATE_MAGIC, gen + 1, (long long)cookie_time, ck);
	free(ck);
	for (i = 0; i < tabcap; i++) {
		if (tab[i].used != 1 || tab[i].line == NULL)
			continue;
		hexenc(tab[i].uuid, 16, hex);
		fprintf(f, "E %s ", hex);
		fwrite(tab[i].line, 1, tab[i].len, f);
		putc('\n', f);
	}
	if (fflush(f) != 0 || ferror(f) || fsync(fd) != 0)
		die(EXIT_SYS, "cannot write %s: %s", tmp, strerror(errno));
	base_bytes = (size_t)ftello(f);
	if (fclose(f) != 0)
		die(EXIT_SYS, "cannot write %s: %s", tmp, strerror(errno));
	if (rename(tmp, state_path) != 0)
		die(EXIT_SYS, "cannot rename %s: %s", tmp, strerror(errno));
	gen++;
	if (unlink(journal_path) != 0 && errno != ENOENT)
		die(EXIT_SYS, "cannot remove %s: %s", journal_path,
		    strerror(errno));
	journal_bytes = 0;
	nchg = 0;
	need_full = 0;
}

/* The changes since the last commit, appended to the journal and fsynced;
 * or a new snapshot when there is none yet or the journal is long. */
static void
save_journal(void)
{
	char hex[33], *ck;
	struct rec *r;
	size_t i;
	FILE *f;
	int fd;

	if (need_full || journal_bytes > base_bytes / 2 + (1 << 20)) {
		save_state();
		return;
	}
	fd = open(journal_path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0 || (f = fdopen(fd, "a")) == NULL)
		die(EXIT_SYS, "cannot open %s: %s", journal_path,
		    strerror(errno));
	if (lseek(fd, 0, SEEK_END) == 0)
		fprintf(f, "cmd5pw-ldapsync-journal 1 gen %llu\n", gen);
	for (i = 0; i < nchg; i++) {
		hexenc(chg[i], 16, hex);
		if ((r = find(chg[i])) != NULL && r->line != NULL) {
			fprintf(f, "E %s ", hex);
			fwrite(r->line, 1, r->len, f);
			putc('\n', f);
		} else
			fprintf(f, "D %s\n", hex);
	}
	if ((ck = malloc(2 * cookie.bv_len + 1)) == NULL)
		die(EXIT_SYS, "out of memory");
	hexenc((unsigned char *)cookie.bv_val, cookie.bv_len, ck);
	fprintf(f, "C %lld %s\n", (long long)cookie_time, ck);
	free(ck);
	if (fflush(f) != 0 || ferror(f) || fsync(fd) != 0)
		die(EXIT_SYS, "cannot write %s: %s", journal_path,
		    strerror(errno));
	journal_bytes = (size_t)lseek(fd, 0, SEEK_END);
	fclose(f);
	nchg = 0;
}

/* A whole file into memory; NULL when it does not exist. */
static char *
read_whole(const char *p, size_t *len)
{
	struct stat st;
	size_t got = 0;
	ssize_t r;
	char *t;
	int fd;

	if ((fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		if (errno == ENOENT)
			return NULL;
		die(EXIT_SYS, "cannot open %s: %s", p, strerror(errno));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		die(EXIT_SYS, "%s: not a regular file", p);
	if ((t = malloc((size_t)st.st_size + 1)) == NULL)
		die(EXIT_SYS, "out of memory");
	while (got < (size_t)st.st_size) {
		r = read(fd, t + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die(EXIT_SYS, "cannot read %s", p);
		got += (size_t)r;
	}
	close(fd);
	t[got] = '\0';
	*len = got;
	return t;
}

static void
load_cookie(const char *hex, const char *p)
{
	size_t len = strlen(hex);

	free(cookie.bv_val);
	cookie.bv_val = NULL;
	cookie.bv_len = 0;
	if (len == 0)
		return;
	if ((cookie.bv_val = malloc(len / 2 + 1)) == NULL)
		die(EXIT_SYS, "out of memory");
	if (hexdec(hex, len, (unsigned char *)cookie.bv_val))
		die(EXIT_SYS, "%s: bad cookie; run cmd5pw sync --full", p);
	cookie.bv_len = len / 2;
	cookie.bv_val[cookie.bv_len] = '\0';
}

/* "E uuid login:field" into the table; 0, or -1 when malformed. */
static int
load_entry(const char *l, size_t n)
{
	unsigned char u[16];
	char *line;

	if (n < 37 || l[34] != ' ' || hexdec(l + 2, 32, u) != 0 ||
	    memchr(l + 35, ':', n - 35) == NULL)
		return -1;
	if ((line = malloc(n - 35 + 1)) == NULL)
		die(EXIT_SYS, "out of memory");
	memcpy(line, l + 35, n - 35);
	line[n - 35] = '\0';
	upsert(u, line, n - 35);
	return 0;
}

static void
load_state(void)
{
	char *t, *l, *nl, *end;
	unsigned char u[16];
	size_t got, lineno = 0;
	struct rec *r;
	unsigned long long jgen = 0;
	int ok;

	if ((t = read_whole(state_path, &got)) == NULL)
		return;
	end = t + got;
	for (l = t; l < end; l = nl + 1) {
		if ((nl = memchr(l, '\n', (size_t)(end - l))) == NULL)
			die(EXIT_SYS, "%s: truncated; run cmd5pw sync --full",
			    state_path);
		*nl = '\0';
		lineno++;
		if (lineno == 1)
			ok = strcmp(l, STATE_MAGIC) == 0;
		else if (strncmp(l, "gen ", 4) == 0)
			ok = (gen = strtoull(l + 4, NULL, 10)) > 0;
		else if (strncmp(l, "cookie-time ", 12) == 0)
			ok = (cookie_time = (time_t)strtoll(l + 12, NULL, 10)) >= 0;
		else if (strncmp(l, "cookie ", 7) == 0) {
			load_cookie(l + 7, state_path);
			ok = 1;
		} else
			ok = l[0] == 'E' && l[1] == ' ' &&
			    load_entry(l, (size_t)(nl - l)) == 0;
		if (!ok)
			die(EXIT_SYS, "%s:%zu: malformed; run cmd5pw sync "
			    "--full", state_path, lineno);
	}
	base_bytes = got;
	wipe(t, got);
	free(t);
	need_full = gen == 0;
	/* the journal: a torn last line (no newline) was never committed */
	if ((t = read_whole(journal_path, &got)) != NULL) {
		end = t + got;
		lineno = 0;
		for (l = t; l < end; l = nl + 1) {
			if ((nl = memchr(l, '\n', (size_t)(end - l))) == NULL) {
				/* never appended to: the next commit makes a
				 * snapshot */
				need_full = 1;
				break;
			}
			*nl = '\0';
			lineno++;
			if (lineno == 1) {
				if (sscanf(l, "cmd5pw-ldapsync-journal 1 gen %llu",
				    &jgen) != 1 || jgen != gen) {
					need_full = 1;	/* not this snapshot's */
					break;
				}
				continue;
			}
			if (l[0] == 'E' && l[1] == ' ')
				ok = load_entry(l, (size_t)(nl - l)) == 0;
			else if (l[0] == 'D' && l[1] == ' ' &&
			    nl - l == 34 && hexdec(l + 2, 32, u) == 0) {
				if ((r = find(u)) != NULL)
					rec_delete(r);
				ok = 1;
			} else if (l[0] == 'C' && l[1] == ' ') {
				char *sp = strchr(l + 2, ' ');

				ok = sp != NULL;
				if (ok) {
					*sp = '\0';
					cookie_time = (time_t)strtoll(l + 2, NULL,
					    10);
					load_cookie(sp + 1, journal_path);
				}
			} else
				ok = 0;
			if (!ok)
				die(EXIT_SYS, "%s:%zu: malformed; run cmd5pw "
				    "sync --full", journal_path, lineno);
		}
		journal_bytes = lineno > 0 && jgen == gen ? got : 0;
		wipe(t, got);
		free(t);
	}
	nchg = 0;
	dirty = 0;
	written = tabused;	/* the lines of the replica the state made */
}

/* The small file cmd5pw status reads. */
static void
save_status(const char *what, time_t synced, size_t entries)
{
	static time_t last_synced;
	static size_t last_entries;
	char b[1024];
	int n;

	if (synced)
		last_synced = synced;
	if (entries != (size_t)-1)
		last_entries = entries;
	n = snprintf(b, sizeof(b), "state %s\nlast-sync %lld\ncookie-time "
	    "%lld\nentries %zu\nskipped %lu\nerrors %lu\nlast-error %s\n"
	    "pid %ld\n", what, (long long)last_synced, (long long)cookie_time,
	    last_entries, skipped, nerrors, last_error, (long)getpid());
	write_file_atomic(status_path, b, (size_t)n, 0);
}

static void
note_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void
note_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	nerrors++;
	warn("%s", last_error);
}

static double now_ms(void);

/* One transaction: the replica, then the state. */
static void
commit_all(void)
{
	size_t len, entries, changes = nchg;
	double t0 = now_ms(), t1, t2;
	char *t = build_text(&len, &entries);

	written = entries;
	t1 = now_ms();
	pwtx_lock();
	pwtx_replace(t, len);
	pwtx_unlock();
	wipe(t, len);
	free(t);
	t2 = now_ms();
	save_journal();
	dirty = cookie_dirty = 0;
	save_status(state_name, time(NULL), entries);
	if (strcmp(state_name, "following") == 0)
		warn("follow: %zu change%s, %zu logins written in %.0f ms (text "
		    "%.0f, file and index %.0f, state %.0f)", changes,
		    changes == 1 ? "" : "s", entries, now_ms() - t0, t1 - t0,
		    t2 - t1, now_ms() - t2);
}

/* The end of a refresh: the replica when an entry changed (or there is
 * none yet), else the new cookie alone. */
static void
commit_refresh(void)
{
	if (dirty || access(pwtx_path(), F_OK) != 0)
		commit_all();
	else {
		if (cookie_dirty)
			save_journal();
		cookie_dirty = 0;
		save_status(state_name, time(NULL), written);
	}
}

/* ---- the connection ---- */

static int
read_bindpw(char *pw, size_t *len, char *msg, size_t msgsize)
{
	struct stat st;
	ssize_t r;
	int fd;

	fd = open(conf.bindpw_file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NOCTTY);
	if (fd < 0) {
		snprintf(msg, msgsize, "cannot open bindpw-file %s: %s",
		    conf.bindpw_file, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		snprintf(msg, msgsize, "refusing bindpw-file %s: it must be a "
		    "regular file owned by uid %ld with no group or other "
		    "access (mode 0600 or 0400)", conf.bindpw_file,
		    (long)geteuid());
		close(fd);
		return -1;
	}
	r = read(fd, pw, BINDPW_MAX);
	close(fd);
	if (r < 0) {
		snprintf(msg, msgsize, "cannot read %s", conf.bindpw_file);
		return -1;
	}
	*len = (size_t)r;
	if (memchr(pw, '\n', *len) != NULL)
		*len = (size_t)((char *)memchr(pw, '\n', *len) - pw);
	if (*len > 0 && pw[*len - 1] == '\r')
		(*len)--;
	if (*len == 0 || *len >= BINDPW_MAX) {
		snprintf(msg, msgsize, "%s: no password on its first line, or "
		    "one of %d bytes or more", conf.bindpw_file, BINDPW_MAX);
		wipe(pw, BINDPW_MAX);
		return -1;
	}
	return 0;
}

/* 0, or -1 with msg; *fatal for what retrying cannot mend. */
static int
dir_connect(const char *uri, LDAP **ldp, char *msg, size_t msgsize,
    int *fatal)
{
	struct timeval tv = { conf.timeout, 0 };
	int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0;
	int ldaps = strncmp(uri, "ldaps://", 8) == 0;
	int ldapi = strncmp(uri, "ldapi://", 8) == 0;
	int tls = ldaps || (!ldapi && conf.starttls != 0);
	int idle = 30, probes = 3, intvl = 10, rc;
	char pw[BINDPW_MAX + 1];
	struct berval cred;
	size_t pwlen;
	LDAP *ld;

	*fatal = 0;
	*ldp = NULL;
	if (conf.binddn != NULL && !tls && !ldapi && !conf.cleartext_bind) {
		snprintf(msg, msgsize, "refusing to send the bind password "
		    "in cleartext to %s: use ldaps://, starttls yes, or say "
		    "cleartext-bind yes", uri);
		*fatal = 1;
		return -1;
	}
	if ((rc = ldap_initialize(&ld, uri)) != LDAP_SUCCESS) {
		snprintf(msg, msgsize, "%s: %s", uri, ldap_err2string(rc));
		*fatal = 1;
		return -1;
	}
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
	ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_IDLE, &idle);
	ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_PROBES, &probes);
	ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_INTERVAL, &intvl);
	if (tls) {
		if (conf.ca != NULL)
			ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, conf.ca);
		ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
		ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
	}
	if (tls && !ldaps && (rc = ldap_start_tls_s(ld, NULL, NULL)) !=
	    LDAP_SUCCESS) {
		char *diag = NULL;

		ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
		snprintf(msg, msgsize, "directory %s unreachable: StartTLS: "
		    "%s%s%s", uri, ldap_err2string(rc), diag ? ": " : "",
		    diag ? diag : "");
		ldap_memfree(diag);
		ldap_unbind_ext_s(ld, NULL, NULL);
		return -1;
	}
	if (conf.binddn != NULL) {
		if (read_bindpw(pw, &pwlen, msg, msgsize) != 0) {
			ldap_unbind_ext_s(ld, NULL, NULL);
			*fatal = 1;
			return -1;
		}
		cred.bv_val = pw;
		cred.bv_len = pwlen;
		rc = ldap_sasl_bind_s(ld, conf.binddn, LDAP_SASL_SIMPLE, &cred,
		    NULL, NULL, NULL);
		wipe(pw, sizeof(pw));
	} else {
		cred.bv_val = NULL;
		cred.bv_len = 0;
		rc = ldap_sasl_bind_s(ld, NULL, LDAP_SASL_SIMPLE, &cred, NULL,
		    NULL, NULL);
	}
	if (rc != LDAP_SUCCESS) {
		snprintf(msg, msgsize, rc == LDAP_SERVER_DOWN ||
		    rc == LDAP_CONNECT_ERROR || rc == LDAP_TIMEOUT ?
		    "directory %s unreachable: %s" : "directory %s: bind "
		    "refused: %s", uri, ldap_err2string(rc));
		*fatal = rc == LDAP_INVALID_CREDENTIALS;
		ldap_unbind_ext_s(ld, NULL, NULL);
		return -1;
	}
	*ldp = ld;
	return 0;
}

/* ---- the sync search ---- */

enum { SYNC_DONE, SYNC_LOST, SYNC_RELOAD, SYNC_FAILED };

static char **
wanted_attrs(void)
{
	static char *a[8];
	size_t n = 0;

	a[n++] = conf.login_attr;
	a[n++] = "userPassword";
	if (conf.home_attr)
		a[n++] = conf.home_attr;
	if (conf.uid_attr)
		a[n++] = conf.uid_attr;
	if (conf.gid_attr)
		a[n++] = conf.gid_attr;
	a[n] = NULL;
	return a;
}

static void
apply_entry(LDAP *ld, LDAPMessage *m, int *in_refresh)
{
	LDAPControl **ctrls = NULL, *c;
	struct berval uuid = { 0 }, ck = { 0 };
	BerElement *ber;
	ber_len_t blen;
	ber_int_t st;
	size_t len;
	char *line;

	(void)in_refresh;
	if (ldap_get_entry_controls(ld, m, &ctrls) != LDAP_SUCCESS ||
	    (c = ldap_control_find(LDAP_CONTROL_SYNC_STATE, ctrls, NULL)) ==
	    NULL) {
		warn("sync: an entry without its sync state: ignored");
		ldap_controls_free(ctrls);
		return;
	}
	if ((ber = ber_init(&c->ldctl_value)) == NULL)
		die(EXIT_SYS, "out of memory");
	if (ber_scanf(ber, "{em", &st, &uuid) == LBER_ERROR ||
	    uuid.bv_len != 16) {
		warn("sync: a malformed sync state control: ignored");
		goto out;
	}
	if (ber_peek_tag(ber, &blen) == LDAP_TAG_SYNC_COOKIE &&
	    ber_scanf(ber, "m", &ck) != LBER_ERROR)
		set_cookie(&ck);
	switch (st) {
	case LDAP_SYNC_PRESENT: {
		struct rec *r = find((unsigned char *)uuid.bv_val);

		if (r != NULL)
			r->present = 1;
		break;
	}
	case LDAP_SYNC_ADD:
	case LDAP_SYNC_MODIFY:
		line = map_entry(ld, m, &len);
		upsert((unsigned char *)uuid.bv_val, line, len);
		break;
	case LDAP_SYNC_DELETE:
		remove_uuid((unsigned char *)uuid.bv_val);
		break;
	}
out:
	ber_free(ber, 1);
	ldap_controls_free(ctrls);
}

/* Returns 1 when the refresh phase is over. */
static int
apply_intermediate(LDAP *ld, LDAPMessage *m)
{
	char *oid = NULL;
	struct berval *data = NULL, ck = { 0 };
	BerVarray uuids = NULL;
	BerElement *ber = NULL;
	ber_tag_t tag;
	ber_len_t blen;
	ber_int_t flag;
	int done = 0, i;

	if (ldap_parse_intermediate(ld, m, &oid, &data, NULL, 0) !=
	    LDAP_SUCCESS || oid == NULL || strcmp(oid, LDAP_SYNC_INFO) != 0 ||
	    data == NULL || (ber = ber_init(data)) == NULL)
		goto out;
	tag = ber_peek_tag(ber, &blen);
	switch (tag) {
	case LDAP_TAG_SYNC_NEW_COOKIE:
		if (ber_scanf(ber, "m", &ck) != LBER_ERROR)
			set_cookie(&ck);
		break;
	case LDAP_TAG_SYNC_REFRESH_DELETE:
	case LDAP_TAG_SYNC_REFRESH_PRESENT:
		if (ber_scanf(ber, "{") == LBER_ERROR)
			break;
		if (ber_peek_tag(ber, &blen) == LDAP_TAG_SYNC_COOKIE &&
		    ber_scanf(ber, "m", &ck) != LBER_ERROR)
			set_cookie(&ck);
		flag = 1;	/* refreshDone DEFAULT TRUE */
		if (ber_peek_tag(ber, &blen) == LDAP_TAG_REFRESHDONE)
			(void)ber_scanf(ber, "b", &flag);
		if (tag == LDAP_TAG_SYNC_REFRESH_PRESENT)
			delete_absent();
		done = flag != 0;
		break;
	case LDAP_TAG_SYNC_ID_SET:
		if (ber_scanf(ber, "{") == LBER_ERROR)
			break;
		if (ber_peek_tag(ber, &blen) == LDAP_TAG_SYNC_COOKIE &&
		    ber_scanf(ber, "m", &ck) != LBER_ERROR)
			set_cookie(&ck);
		flag = 0;	/* refreshDeletes DEFAULT FALSE */
		if (ber_peek_tag(ber, &blen) == LDAP_TAG_REFRESHDELETES)
			(void)ber_scanf(ber, "b", &flag);
		if (ber_scanf(ber, "[W]", &uuids) == LBER_ERROR)
			break;
		for (i = 0; uuids != NULL && uuids[i].bv_val != NULL; i++) {
			struct rec *r;

			if (uuids[i].bv_len != 16)
				continue;
			if (flag)
				remove_uuid((unsigned char *)uuids[i].bv_val);
			else if ((r = find((unsigned char *)uuids[i].bv_val)))
				r->present = 1;
		}
		ber_bvarray_free(uuids);
		break;
	default:
		warn("sync: an unknown sync info message: ignored");
	}
out:
	if (ber != NULL)
		ber_free(ber, 1);
	ldap_memfree(oid);
	if (data != NULL)
		ber_bvfree(data);
	return done;
}

static int
apply_result(LDAP *ld, LDAPMessage *m)
{
	LDAPControl **ctrls = NULL, *c;
	struct berval ck = { 0 };
	char *text = NULL;
	BerElement *ber;
	ber_len_t blen;
	ber_int_t deletes = 0;
	int err = 0, r = SYNC_DONE;

	if (ldap_parse_result(ld, m, &err, NULL, &text, NULL, &ctrls, 0) !=
	    LDAP_SUCCESS) {
		note_error("sync: cannot parse the search result");
		return SYNC_FAILED;
	}
	if (err == LDAP_SYNC_REFRESH_REQUIRED) {
		warn("sync: the directory wants a full refresh (the cookie "
		    "is too old)");
		r = SYNC_RELOAD;
	} else if (err != LDAP_SUCCESS) {
		note_error("sync: the search failed: %s%s%s",
		    ldap_err2string(err), text && *text ? ": " : "",
		    text ? text : "");
		r = err == LDAP_UNAVAILABLE || err == LDAP_BUSY ? SYNC_LOST :
		    SYNC_FAILED;
	} else if ((c = ldap_control_find(LDAP_CONTROL_SYNC_DONE, ctrls,
	    NULL)) != NULL && (ber = ber_init(&c->ldctl_value)) != NULL) {
		if (ber_scanf(ber, "{") != LBER_ERROR) {
			if (ber_peek_tag(ber, &blen) == LDAP_TAG_SYNC_COOKIE &&
			    ber_scanf(ber, "m", &ck) != LBER_ERROR)
				set_cookie(&ck);
			if (ber_peek_tag(ber, &blen) == LDAP_TAG_REFRESHDELETES)
				(void)ber_scanf(ber, "b", &deletes);
		}
		ber_free(ber, 1);
		if (!deletes)
			delete_absent();
	} else {
		note_error("sync: the directory did not answer the sync "
		    "control (is the syncprov overlay loaded?)");
		r = SYNC_FAILED;
	}
	ldap_memfree(text);
	ldap_controls_free(ctrls);
	return r;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One sync search.  persist: refreshAndPersist, applying batches as they
 * come (coalesced), until the connection ends. */
static int
run_sync(LDAP *ld, int persist)
{
	LDAPControl ctrl, *ctrls[2] = { &ctrl, NULL };
	BerElement *ber;
	LDAPMessage *m;
	struct timeval tv, *tvp;
	int msgid, rc, in_refresh = 1, r;
	double first = 0;

	if ((ber = ber_alloc_t(LBER_USE_DER)) == NULL)
		die(EXIT_SYS, "out of memory");
	if (cookie.bv_val != NULL)
		rc = ber_printf(ber, "{eO}", persist ?
		    LDAP_SYNC_REFRESH_AND_PERSIST : LDAP_SYNC_REFRESH_ONLY,
		    &cookie);
	else
		rc = ber_printf(ber, "{e}", persist ?
		    LDAP_SYNC_REFRESH_AND_PERSIST : LDAP_SYNC_REFRESH_ONLY);
	memset(&ctrl, 0, sizeof(ctrl));
	if (rc < 0 || ber_flatten2(ber, &ctrl.ldctl_value, 0) < 0)
		die(EXIT_SYS, "cannot encode the sync control");
	ctrl.ldctl_oid = LDAP_CONTROL_SYNC;
	ctrl.ldctl_iscritical = 1;
	unmark_all();
	rc = ldap_search_ext(ld, conf.base, conf.scope, conf.filter,
	    wanted_attrs(), 0, ctrls, NULL, NULL, 0, &msgid);
	ber_free(ber, 1);
	if (rc != LDAP_SUCCESS) {
		note_error("sync: cannot start the search: %s",
		    ldap_err2string(rc));
		return SYNC_LOST;
	}
	for (;;) {
		tvp = &tv;
		if (!in_refresh && dirty) {
			double left = conf.coalesce_ms - (now_ms() - first);

			if (left <= 0) {
				commit_all();
				continue;
			}
			tv.tv_sec = (time_t)(left / 1000);
			tv.tv_usec = (suseconds_t)((left - tv.tv_sec * 1000.0) *
			    1000);
		} else if (!in_refresh)
			tvp = NULL;	/* keepalive finds a dead peer */
		else {
			tv.tv_sec = conf.timeout;
			tv.tv_usec = 0;
		}
		rc = ldap_result(ld, msgid, LDAP_MSG_ONE, tvp, &m);
		if (rc == 0) {
			if (in_refresh) {
				note_error("sync: no answer from the directory "
				    "for %ld s", conf.timeout);
				return SYNC_LOST;
			}
			continue;
		}
		if (rc < 0) {
			int e = 0;

			ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &e);
			note_error("sync: lost the directory %s: %s",
			    conf.uri, ldap_err2string(e));
			return SYNC_LOST;
		}
		if (!in_refresh && !dirty)
			first = now_ms();
		switch (ldap_msgtype(m)) {
		case LDAP_RES_SEARCH_ENTRY:
			apply_entry(ld, m, &in_refresh);
			break;
		case LDAP_RES_INTERMEDIATE:
			if (apply_intermediate(ld, m) && in_refresh) {
				in_refresh = 0;
				state_name = "following";
				commit_refresh();
			}
			break;
		case LDAP_RES_SEARCH_RESULT:
			r = apply_result(ld, m);
			ldap_msgfree(m);
			if (r == SYNC_DONE && persist)
				r = SYNC_LOST;	/* the server ended it */
			if (r == SYNC_DONE)
				commit_refresh();
			else if (r == SYNC_LOST && dirty && !in_refresh)
				commit_all();
			return r;
		default:
			break;
		}
		ldap_msgfree(m);
	}
}

/* ---- a full refresh by paged search (RFC 2696), without the sync
 * control: for a directory without syncprov, or an identity whose size
 * limit only paging lifts.  It stores no cookie. ---- */

static int
uuid_parse(const struct berval *s, unsigned char *u)
{
	char hex[33];
	size_t i, n = 0;

	if (s->bv_len != 36)
		return -1;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s->bv_val[i] != '-')
				return -1;
			continue;
		}
		hex[n++] = (char)(s->bv_val[i] | 0x20);
	}
	hex[n] = '\0';
	return hexdec(hex, 32, u);
}

static int
run_paged(LDAP *ld)
{
	struct berval *pcookie = NULL;
	LDAPControl *pctrl = NULL, *ctrls[2], **rctrls = NULL, *rc_page;
	LDAPMessage *res, *e;
	struct timeval tv = { conf.timeout * 10, 0 };
	struct berval **uv;
	char **wa = wanted_attrs(), *attrs[10];
	unsigned char u[16];
	ber_int_t total;
	size_t i, len, pages = 0;
	int rc, err;
	char *line;

	for (i = 0; wa[i] != NULL; i++)
		attrs[i] = wa[i];
	attrs[i++] = "entryUUID";
	attrs[i] = NULL;
	clear_all();
	free(cookie.bv_val);
	cookie.bv_val = NULL;
	cookie.bv_len = 0;
	cookie_time = 0;
	do {
		rc = ldap_create_page_control(ld, (ber_int_t)conf.page_size,
		    pcookie, 1, &pctrl);
		if (rc != LDAP_SUCCESS)
			die(EXIT_SYS, "cannot make the paged results control");
		ctrls[0] = pctrl;
		ctrls[1] = NULL;
		rc = ldap_search_ext_s(ld, conf.base, conf.scope, conf.filter,
		    attrs, 0, ctrls, NULL, &tv, 0, &res);
		ldap_control_free(pctrl);
		if (rc != LDAP_SUCCESS) {
			note_error("sync --paged: the search failed: %s",
			    ldap_err2string(rc));
			ldap_msgfree(res);
			ber_bvfree(pcookie);
			return rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT ?
			    SYNC_LOST : SYNC_FAILED;
		}
		for (e = ldap_first_entry(ld, res); e != NULL;
		    e = ldap_next_entry(ld, e)) {
			uv = ldap_get_values_len(ld, e, "entryUUID");
			if (uv == NULL || uv[0] == NULL ||
			    uuid_parse(uv[0], u) != 0) {
				warn("sync --paged: an entry without a usable "
				    "entryUUID: skipped");
				ldap_value_free_len(uv);
				continue;
			}
			ldap_value_free_len(uv);
			line = map_entry(ld, e, &len);
			upsert(u, line, len);
		}
		ber_bvfree(pcookie);
		pcookie = NULL;
		err = 0;
		if (ldap_parse_result(ld, res, &err, NULL, NULL, NULL, &rctrls,
		    1) != LDAP_SUCCESS || err != LDAP_SUCCESS) {
			note_error("sync --paged: %s", ldap_err2string(err));
			ldap_controls_free(rctrls);
			return SYNC_FAILED;
		}
		rc_page = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, rctrls,
		    NULL);
		if (rc_page == NULL) {
			note_error("sync --paged: the directory does not page "
			    "its results");
			ldap_controls_free(rctrls);
			return SYNC_FAILED;
		}
		pcookie = calloc(1, sizeof(*pcookie));
		if (pcookie == NULL || ldap_parse_pageresponse_control(ld,
		    rc_page, &total, pcookie) != LDAP_SUCCESS)
			die(EXIT_SYS, "cannot read the paged results control");
		ldap_controls_free(rctrls);
		rctrls = NULL;
		pages++;
	} while (pcookie->bv_len > 0);
	ber_bvfree(pcookie);
	dirty = 1;
	commit_all();
	warn("sync --paged: %zu pages of at most %ld entries", pages,
	    conf.page_size);
	return SYNC_DONE;
}

/* ---- the commands ---- */

static void
take_state_lock(int wait)
{
	char lp[4300];

	snprintf(lp, sizeof(lp), "%s.lock", state_path);
	state_lock_fd = open(lp, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (state_lock_fd < 0)
		die(EXIT_SYS, "cannot open %s: %s", lp, strerror(errno));
	if (flock(state_lock_fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0)
		die(EXIT_SYS, "another cmd5pw sync or follow holds %s", lp);
}

static int
cmd_sync(int full, int paged)
{
	char msg[600];
	LDAP *ld;
	int fatal, r;

	take_state_lock(0);
	if (!full && !paged)
		load_state();
	if (dir_connect(conf.uri, &ld, msg, sizeof(msg), &fatal) != 0) {
		note_error("sync: %s", msg);
		save_status("unreachable", 0, (size_t)-1);
		return fatal ? EXIT_USAGE : EXIT_SYS;
	}
	r = paged ? run_paged(ld) : run_sync(ld, 0);
	if (r == SYNC_RELOAD) {
		clear_all();
		free(cookie.bv_val);
		cookie.bv_val = NULL;
		cookie.bv_len = 0;
		r = run_sync(ld, 0);
	}
	ldap_unbind_ext_s(ld, NULL, NULL);
	if (r != SYNC_DONE) {
		save_status("error", 0, (size_t)-1);
		return EXIT_SYS;
	}
	fprintf(stderr, "cmd5pw: %s: in sync with %s (%zu logins)\n",
	    pwtx_path(), conf.uri, written);
	return 0;
}

static volatile sig_atomic_t stop;

static int
cmd_follow(void)
{
	char msg[600];
	LDAP *ld;
	int fatal, r;
	long backoff = 1;

	take_state_lock(0);
	load_state();
	for (;;) {
		if (dir_connect(conf.uri, &ld, msg, sizeof(msg), &fatal) != 0) {
			note_error("follow: %s; retrying in %ld s", msg,
			    backoff);
			save_status("unreachable", 0, (size_t)-1);
			if (fatal)
				return EXIT_USAGE;
			sleep((unsigned)backoff);
			backoff = backoff * 2 > conf.backoff_max ?
			    conf.backoff_max : backoff * 2;
			continue;
		}
		warn("follow: connected to %s", conf.uri);
		r = run_sync(ld, 1);
		ldap_unbind_ext_s(ld, NULL, NULL);
		if (r == SYNC_RELOAD) {
			clear_all();
			free(cookie.bv_val);
			cookie.bv_val = NULL;
			cookie.bv_len = 0;
			continue;
		}
		if (dirty)
			commit_all();
		save_status("unreachable", 0, (size_t)-1);
		backoff = 1;
		warn("follow: reconnecting in %ld s", backoff);
		sleep((unsigned)backoff);
	}
}

static void
show_time(const char *what, long long t, time_t now)
{
	char b[64];
	time_t tt = (time_t)t;

	if (t <= 0) {
		printf("%-12s never\n", what);
		return;
	}
	strftime(b, sizeof(b), "%Y-%m-%d %H:%M:%S %Z", localtime(&tt));
	printf("%-12s %s (%lld s ago)\n", what, b, (long long)now - t);
}

static int
cmd_status(void)
{
	char line[512], *v;
	FILE *f = fopen(status_path, "r");
	time_t now = time(NULL);
	long long synced = 0;

	if (f == NULL) {
		printf("%-12s never synced (no %s)\n", "state:", status_path);
		return EXIT_REJECT;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((v = strchr(line, ' ')) == NULL)
			continue;
		*v++ = '\0';
		if (strcmp(line, "last-sync") == 0) {
			synced = strtoll(v, NULL, 10);
			show_time("last sync:", synced, now);
		} else if (strcmp(line, "cookie-time") == 0)
			show_time("cookie from:", strtoll(v, NULL, 10), now);
		else if (strcmp(line, "pid") != 0) {
			char k[520];

			snprintf(k, sizeof(k), "%s:", line);
			printf("%-12s %s\n", k, v);
		}
	}
	fclose(f);
	printf("%-12s %s\n", "replica:", pwtx_path());
	printf("%-12s %s\n", "directory:", conf.uri);
	return synced > 0 ? 0 : EXIT_REJECT;
}

/* ---- writes to the directory ---- */

static const char *
wuri(void)
{
	return conf.write_uri != NULL ? conf.write_uri : conf.uri;
}

static LDAP *
write_connect(void)
{
	char msg[600];
	LDAP *ld;
	int fatal;

	if (!conf.write)
		die(EXIT_USAGE, "the configuration does not send changes to "
		    "the directory (write yes)");
	if (dir_connect(wuri(), &ld, msg, sizeof(msg), &fatal) != 0)
		die(fatal ? EXIT_USAGE : EXIT_SYS, "%s", msg);
	return ld;
}

/* The DN of login's entry (exactly one), ldap_memfree'd by the caller. */
static char *
find_dn(LDAP *ld, const char *login, struct berval ***pw)
{
	struct berval v = { strlen(login), (char *)login }, ev;
	char *filter, *attrs[] = { "userPassword", NULL }, *dn;
	LDAPMessage *res, *e;
	size_t n;
	int rc;

	if (ldap_bv2escaped_filter_value(&v, &ev) != 0)
		die(EXIT_SYS, "out of memory");
	n = strlen(conf.login_attr) + ev.bv_len + strlen(conf.filter) + 16;
	if ((filter = malloc(n)) == NULL)
		die(EXIT_SYS, "out of memory");
	snprintf(filter, n, "(&(%s=%s)%s)", conf.login_attr, ev.bv_val,
	    conf.filter);
	ber_memfree(ev.bv_val);
	rc = ldap_search_ext_s(ld, conf.base, conf.scope, filter, attrs, 0,
	    NULL, NULL, NULL, 2, &res);
	free(filter);
	if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED)
		die(EXIT_SYS, "directory search for %s failed: %s",
		    esc(login, strlen(login)), ldap_err2string(rc));
	n = (size_t)ldap_count_entries(ld, res);
	if (n != 1) {
		ldap_msgfree(res);
		if (n == 0)
			return NULL;
		die(EXIT_REJECT, "%s: more than one entry in the directory",
		    esc(login, strlen(login)));
	}
	e = ldap_first_entry(ld, res);
	dn = ldap_get_dn(ld, e);
	if (pw != NULL)
		*pw = ldap_get_values_len(ld, e, "userPassword");
	ldap_msgfree(res);
	return dn;
}

/* The field cmd5pw makes, as userPassword values. */
static struct berval **
field_values(char *field, size_t len, struct berval *store, size_t max)
{
	static struct berval *vp[PW_MAXVERIFIERS + 1];
	char *p = field, *q, *end = field + len;
	size_t n = 0;

	while (p < end && n < max && n < PW_MAXVERIFIERS) {
		q = memchr(p, ':', (size_t)(end - p));
		if (q == NULL)
			q = end;
		*q = '\0';
		if (p[0] == '$') {
			size_t l = (size_t)(q - p) + 7;

			if ((store[n].bv_val = malloc(l + 1)) == NULL)
				die(EXIT_SYS, "out of memory");
			snprintf(store[n].bv_val, l + 1, "{CRYPT}%s", p);
			store[n].bv_len = l;
		} else {
			store[n].bv_val = strdup(p);
			store[n].bv_len = (size_t)(q - p);
		}
		vp[n] = &store[n];
		n++;
		p = q + 1;
	}
	vp[n] = NULL;
	return vp;
}

/* person, organizationalPerson, inetOrgPerson: they need cn and sn */
static int
has_person(const char *oc)
{
	size_t n = strlen(oc);

	return n >= 6 && strcasecmp(oc + n - 6, "person") == 0;
}

static int
dn_safe(const char *s)
{
	return strpbrk(s, ",+\"\\<>;=") == NULL;
}

static int
cmd_write(const char *cmd, const char *login, int from_stdin)
{
	const char *why;
	struct berval store[PW_MAXVERIFIERS], **vals, **old = NULL;
	LDAPMod mpw, moc, mlog, mcn, msn, *mods[6];
	char *field = NULL, *dn = NULL, *lv[2], *cn[2];
	size_t flen = 0, i, n;
	LDAP *ld;
	int rc, adding = strcmp(cmd, "add") == 0;
	int locking = strcmp(cmd, "lock") == 0;

	if (!login_ok(login, strlen(login), &why))
		die(EXIT_REJECT, "invalid login \"%s\": %s",
		    esc(login, strlen(login)), why);
	ld = write_connect();
	dn = find_dn(ld, login, locking || strcmp(cmd, "unlock") == 0 ?
	    &old : NULL);
	if (adding && dn != NULL)
		die(EXIT_REJECT, "%s already exists in the directory (use "
		    "cmd5pw passwd)", esc(login, strlen(login)));
	if (!adding && dn == NULL)
		die(EXIT_REJECT, "no login %s in the directory",
		    esc(login, strlen(login)));
	memset(store, 0, sizeof(store));
	memset(&mpw, 0, sizeof(mpw));
	mpw.mod_type = "userPassword";
	if (adding || strcmp(cmd, "passwd") == 0) {
		if (adding && (conf.add_dn == NULL || !dn_safe(login)))
			die(EXIT_USAGE, conf.add_dn == NULL ? "add needs "
			    "add-dn in the configuration" : "a login for a "
			    "new entry cannot hold , + \" \\ < > ; or =");
		field = pwtx_new_field(login, from_stdin, &flen);
		vals = field_values(field, flen, store, PW_MAXVERIFIERS);
		mpw.mod_op = LDAP_MOD_BVALUES | (adding ? LDAP_MOD_ADD :
		    LDAP_MOD_REPLACE);
		mpw.mod_bvalues = vals;
	}
	if (adding) {
		size_t dl = strlen(conf.add_dn) + strlen(login);

		if ((dn = malloc(dl)) == NULL)
			die(EXIT_SYS, "out of memory");
		snprintf(dn, dl, conf.add_dn, login);
		memset(&moc, 0, sizeof(moc));
		moc.mod_op = LDAP_MOD_ADD;
		moc.mod_type = "objectClass";
		conf.add_oc[conf.nadd_oc] = NULL;
		moc.mod_values = conf.add_oc;
		memset(&mlog, 0, sizeof(mlog));
		mlog.mod_op = LDAP_MOD_ADD;
		mlog.mod_type = conf.login_attr;
		lv[0] = (char *)login;
		lv[1] = NULL;
		mlog.mod_values = lv;
		n = 0;
		mods[n++] = &moc;
		mods[n++] = &mpw;
		if (strcasecmp(conf.login_attr, "uid") != 0 ||
		    strcmp(conf.add_dn, "uid=%s") != 0)
			mods[n++] = &mlog;
		cn[0] = (char *)login;
		cn[1] = NULL;
		for (i = 0; i < conf.nadd_oc; i++)
			if (has_person(conf.add_oc[i]))
				break;
		if (i < conf.nadd_oc) {
			memset(&mcn, 0, sizeof(mcn));
			mcn.mod_op = LDAP_MOD_ADD;
			mcn.mod_type = "cn";
			mcn.mod_values = cn;
			msn = mcn;
			msn.mod_type = "sn";
			mods[n++] = &mcn;
			mods[n++] = &msn;
		}
		mods[n] = NULL;
		rc = ldap_add_ext_s(ld, dn, mods, NULL, NULL);
		free(dn);
		dn = NULL;
	} else if (strcmp(cmd, "del") == 0)
		rc = ldap_delete_ext_s(ld, dn, NULL, NULL);
	else if (strcmp(cmd, "passwd") == 0) {
		mods[0] = &mpw;
		mods[1] = NULL;
		rc = ldap_modify_ext_s(ld, dn, mods, NULL, NULL);
	} else {
		/* lock: '!' after each scheme tag; unlock takes it out */
		for (n = 0; old != NULL && old[n] != NULL &&
		    n < PW_MAXVERIFIERS; n++) {
			struct berval *o = old[n];
			const char *b = memchr(o->bv_val, '}', o->bv_len);
			size_t at = b ? (size_t)(b - o->bv_val) + 1 : 0;
			int has = at < o->bv_len && o->bv_val[at] == '!';

			if ((store[n].bv_val = malloc(o->bv_len + 2)) == NULL)
				die(EXIT_SYS, "out of memory");
			memcpy(store[n].bv_val, o->bv_val, at);
			if (locking) {
				store[n].bv_val[at] = '!';
				memcpy(store[n].bv_val + at + 1, o->bv_val + at +
				    has, o->bv_len - at - has);
				store[n].bv_len = o->bv_len + 1 - has;
			} else {
				memcpy(store[n].bv_val + at, o->bv_val + at +
				    has, o->bv_len - at - has);
				store[n].bv_len = o->bv_len - has;
			}
		}
		if (n == 0)
			die(EXIT_REJECT, "%s has no password to %s",
			    esc(login, strlen(login)), cmd);
		{
			static struct berval *vp[PW_MAXVERIFIERS + 1];

			for (i = 0; i < n; i++)
				vp[i] = &store[i];
			vp[n] = NULL;
			mpw.mod_op = LDAP_MOD_BVALUES | LDAP_MOD_REPLACE;
			mpw.mod_bvalues = vp;
		}
		mods[0] = &mpw;
		mods[1] = NULL;
		rc = ldap_modify_ext_s(ld, dn, mods, NULL, NULL);
	}
	for (i = 0; i < PW_MAXVERIFIERS; i++)
		if (store[i].bv_val != NULL) {
			wipe(store[i].bv_val, store[i].bv_len);
			free(store[i].bv_val);
		}
	if (field != NULL) {
		wipe(field, flen);
		free(field);
	}
	ldap_value_free_len(old);
	ldap_memfree(dn);
	ldap_unbind_ext_s(ld, NULL, NULL);
	if (rc != LDAP_SUCCESS)
		die(rc == LDAP_INSUFFICIENT_ACCESS || rc == LDAP_ALREADY_EXISTS ||
		    rc == LDAP_NO_SUCH_OBJECT ? EXIT_REJECT : EXIT_SYS,
		    "the directory refused to %s %s: %s", cmd,
		    esc(login, strlen(login)), ldap_err2string(rc));
	fprintf(stderr, "cmd5pw: %s: %s %s in the directory; the replicas "
	    "follow\n", wuri(), cmd, esc(login, strlen(login)));
	return 0;
}

/* ---- dispatch ---- */

#define LUSAGE \
"usage: cmd5pw [-f file] [-C conf] sync [--full | --paged] | follow | status\n" \
"       cmd5pw [-f file] -C conf add|passwd [--stdin] login\n" \
"       cmd5pw [-f file] -C conf del|lock|unlock login\n"

static void __attribute__((noreturn))
usage(const char *why)
{
	fprintf(stderr, "cmd5pw: %s\n%s", why, LUSAGE);
	exit(EXIT_USAGE);
}

int
ldapsync_main(int argc, char **argv)
{
	const char *cfile = NULL, *file = NULL, *cmd = NULL, *login = NULL;
	char msg[600];
	int i, full = 0, paged = 0, from_stdin = 0, dircmd, writecmd;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0 && i + 1 < argc)
			file = argv[++i];
		else if (strncmp(argv[i], "--file=", 7) == 0)
			file = argv[i] + 7;
		else if ((strcmp(argv[i], "-C") == 0 ||
		    strcmp(argv[i], "--config") == 0) && i + 1 < argc)
			cfile = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			cfile = argv[i] + 9;
		else
			break;
	}
	if (i == argc)
		return cfile != NULL ? (usage("no command"), 0) : -1;
	cmd = argv[i++];
	dircmd = strcmp(cmd, "sync") == 0 || strcmp(cmd, "follow") == 0 ||
	    strcmp(cmd, "status") == 0;
	/* without -C, add, passwd, del, lock and unlock are the local
	 * file's (pwcmd.c) */
	writecmd = cfile != NULL && (strcmp(cmd, "lock") == 0 ||
	    strcmp(cmd, "unlock") == 0 || strcmp(cmd, "add") == 0 ||
	    strcmp(cmd, "passwd") == 0 || strcmp(cmd, "del") == 0);
	if (!dircmd && !writecmd) {
		if (cfile != NULL)
			usage("-C goes with sync, follow, status, add, passwd, "
			    "del, lock and unlock");
		return -1;
	}
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--full") == 0 && strcmp(cmd, "sync") == 0)
			full = 1;
		else if (strcmp(argv[i], "--paged") == 0 &&
		    strcmp(cmd, "sync") == 0)
			paged = 1;
		else if ((strcmp(argv[i], "--stdin") == 0 ||
		    strcmp(argv[i], "-s") == 0) && (strcmp(cmd, "add") == 0 ||
		    strcmp(cmd, "passwd") == 0))
			from_stdin = 1;
		else if ((strcmp(argv[i], "-C") == 0 ||
		    strcmp(argv[i], "--config") == 0) && i + 1 < argc)
			cfile = argv[++i];
		else if (argv[i][0] == '-')
			usage("unknown option");
		else if (writecmd && login == NULL)
			login = argv[i];
		else
			usage("too many operands");
	}
	if (writecmd && login == NULL)
		usage("one login expected");
	if (cfile == NULL)
		cfile = DEFAULT_CONF;
	if (ldapconf_read(cfile, &conf, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "cmd5pw: %s\n", msg);
		return EXIT_USAGE;
	}
	if (file == NULL)
		file = conf.file;
	if (file != NULL)
		pwtx_set_path(file);
	if (conf.state != NULL)
		snprintf(state_path, sizeof(state_path), "%s", conf.state);
	else
		snprintf(state_path, sizeof(state_path), "%s.ldapsync",
		    pwtx_path());
	if (strlen(state_path) + 16 >= sizeof(state_path) ||
	    strlen(pwtx_path()) + 16 >= sizeof(state_path)) {
		fprintf(stderr, "cmd5pw: the state or file path is too long\n");
		return EXIT_USAGE;
	}
	snprintf(status_path, sizeof(status_path), "%s.status", state_path);
	snprintf(journal_path, sizeof(journal_path), "%s.journal", state_path);
	if (strcmp(cmd, "sync") == 0)
		return cmd_sync(full, paged);
	if (strcmp(cmd, "follow") == 0)
		return cmd_follow();
	if (strcmp(cmd, "status") == 0)
		return cmd_status();
	return cmd_write(cmd, login, from_stdin);
}
