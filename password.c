/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* password.c: cmd5pw's new passwords: read from the terminal without
 * echo or from stdin, and turned into a verifier field (crypt hash,
 * {CRAM-MD5}, {PLAIN}). */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "fd3.h"
#include "hmac_md5.h"
#include "password.h"
#include "pwfile.h"
#include "util.h"

char pass1[PASS_MAX + 2], pass2[PASS_MAX + 2];
unsigned long hash_cost;

/* What a signal handler must undo. */
static struct termios tty_saved;
static volatile sig_atomic_t tty_changed;
static int tty_fd = -1;

void
tty_restore(void)
{
	if (tty_changed)
		tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
}

/* ---- passwords ---- */

size_t
pass_limit(size_t loginlen)
{
	size_t n = FD3_MAX - PASS_FD3_OVERHEAD;

	n = loginlen < n ? n - loginlen : 0;
	return n < PASS_MAX ? n : PASS_MAX;
}

void
die_pass_limit(const char *where, const char *login, size_t loginlen,
    size_t len)
{
	die(EXIT_REJECT, "%s%spassword of %zu bytes for %s can never log in: "
	    "fd 3 holds %d bytes, the login, the password and %d NULs, so %zu "
	    "at most for this login (POP3 USER/PASS less: qmail-popup's "
	    "timestamp takes its share)", where, *where ? ": " : "", len,
	    esc(login, loginlen), FD3_MAX, PASS_FD3_OVERHEAD,
	    pass_limit(loginlen));
}

/* One line from fd into buf (at most PASS_MAX bytes), without its '\n'
 * and a '\r' before it.  0; -1 at end of input; 1 too long. */
int
read_secret_line(int fd, char *buf, size_t *len)
{
	size_t n = 0;
	ssize_t r;
	char c;

	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die(EXIT_SYS, "cannot read the password: %s",
			    strerror(errno));
		if (r == 0) {
			if (n == 0)
				return -1;
			break;
		}
		if (c == '\n')
			break;
		if (n == PASS_MAX) {
			/* drain the rest of the line, keep nothing */
			while ((r = read(fd, &c, 1)) > 0 && c != '\n')
				;
			return 1;
		}
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	*len = n;
	c = 0;
	return 0;
}

int
pass_ok(const char *p, size_t len, const char **why)
{
	if (len == 0)
		*why = "empty password";
	else if (memchr(p, '\0', len) != NULL)
		*why = "password contains a NUL byte";
	else
		return 1;
	return 0;
}

static size_t
ask(const char *prompt, char *buf)
{
	struct termios t;
	size_t len;
	int r;

	if (tcgetattr(tty_fd, &tty_saved) != 0)
		die(EXIT_SYS, "cannot read terminal settings: %s",
		    strerror(errno));
	t = tty_saved;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK);
	t.c_lflag |= ECHONL;
	tty_changed = 1;
	/* echo off (dropping what was typed early) before the prompt shows */
	if (tcsetattr(tty_fd, TCSAFLUSH, &t) != 0)
		die(EXIT_SYS, "cannot turn echo off: %s", strerror(errno));
	if (write(tty_fd, prompt, strlen(prompt)) < 0)
		die(EXIT_SYS, "cannot write to the terminal: %s",
		    strerror(errno));
	r = read_secret_line(tty_fd, buf, &len);
	tcsetattr(tty_fd, TCSADRAIN, &tty_saved);
	tty_changed = 0;
	if (r < 0)
		die(EXIT_REJECT, "no password given");
	if (r > 0)
		die(EXIT_REJECT, "password longer than %d bytes", PASS_MAX);
	return len;
}

size_t
get_password(const char *login, size_t loginlen, int from_stdin, int twice)
{
	char prompt[4 * LOGIN_MAX + 64];
	const char *why;
	size_t len, len2;
	int r;

	if (from_stdin) {
		r = read_secret_line(0, pass1, &len);
		if (r < 0)
			die(EXIT_REJECT, "no password on standard input");
		if (r > 0)
			die(EXIT_REJECT, "password longer than %d bytes",
			    PASS_MAX);
	} else {
		tty_fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (tty_fd < 0)
			die(EXIT_USAGE, "no terminal to ask for the password "
			    "(%s): use --stdin or -b", strerror(errno));
		snprintf(prompt, sizeof(prompt), "Password for %s: ",
		    esc(login, loginlen));
		len = ask(prompt, pass1);
		if (twice) {
			len2 = ask("Retype password: ", pass2);
			if (!ct_equal_str(pass1, len, pass2, len2))
				die(EXIT_REJECT, "the passwords do not match");
			wipe(pass2, sizeof(pass2));
		}
		close(tty_fd);
		tty_fd = -1;
	}
	if (!pass_ok(pass1, len, &why))
		die(EXIT_REJECT, "%s", why);
	if (twice && len > pass_limit(loginlen))
		die_pass_limit("", login, loginlen, len);
	return len;
}

/* ---- verifiers ---- */

int
hash_cost_ok(unsigned long cost)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];

	return crypt_gensalt_rn(NULL, cost, NULL, 0, salt, sizeof(salt)) ==
	    NULL ? -1 : 0;
}

/* A crypt(3) hash with the library's preferred method and cost. */
static int
crypt_hash(const char *pass, size_t len, struct buf *b)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	char phrase[CRYPT_MAX_PASSPHRASE_SIZE + 1];
	struct crypt_data *data;
	const char *h;
	int r = -1;

	if (len >= sizeof(phrase))
		return -1;
	if (crypt_gensalt_rn(NULL, hash_cost, NULL, 0, salt,
	    sizeof(salt)) == NULL)
		return -1;
	if ((data = calloc(1, sizeof(*data))) == NULL)
		return -1;
	memcpy(phrase, pass, len);
	phrase[len] = '\0';
	h = crypt_rn(phrase, salt, data, (int)sizeof(*data));
	/* NULL or a "*" failure token: never store those */
	if (h != NULL && h[0] == '$' && strchr(h, ':') == NULL) {
		buf_str(b, h);
		r = 0;
	}
	wipe(phrase, sizeof(phrase));
	wipe(data, sizeof(*data));
	free(data);
	return r;
}

void
plain_verifier(const char *pass, size_t len, struct buf *b)
{
	unsigned char enc[(PASS_MAX + 2) / 3 * 4 + 1];
	int raw = len > 0 && strchr("${!*", pass[0]) == NULL;
	size_t i;

	for (i = 0; i < len && raw; i++)
		if ((unsigned char)pass[i] < ' ' || pass[i] == 0x7f ||
		    pass[i] == ':')
			raw = 0;
	if (raw) {
		buf_str(b, "{PLAIN}");
		buf_add(b, pass, len);
	} else {
		EVP_EncodeBlock(enc, (const unsigned char *)pass, (int)len);
		buf_str(b, "{PLAIN.b64}");
		buf_str(b, (char *)enc);
		wipe(enc, sizeof(enc));
	}
}

/* A crypt hash is valid when crypt computes one of the same form from it:
 * the same length and the same setting up to the last '$'. */
static int
crypt_valid(const struct verifier *v)
{
	char setting[CRYPT_OUTPUT_SIZE];
	struct crypt_data *data;
	const char *h, *dollar;
	int ok = 0;

	if (v->len >= sizeof(setting) || (data = calloc(1, sizeof(*data))) ==
	    NULL)
		return 0;
	memcpy(setting, v->p, v->len);
	setting[v->len] = '\0';
	if (crypt_checksalt(setting) != CRYPT_SALT_INVALID &&
	    crypt_checksalt(setting) != CRYPT_SALT_METHOD_DISABLED &&
	    (h = crypt_rn("", setting, data, (int)sizeof(*data))) != NULL &&
	    h[0] != '*' && strlen(h) == v->len) {
		dollar = strrchr(setting, '$');
		ok = memcmp(h, setting, dollar ? (size_t)(dollar - setting) :
		    0) == 0;
	}
	wipe(data, sizeof(*data));
	free(data);
	return ok;
}

int
import_check(const char *f, size_t len, const char **why)
{
	static char msg[128];
	struct verifier v[PW_MAXVERIFIERS];
	size_t i, n, colons = 0;

	for (i = 0; i < len; i++) {
		if ((unsigned char)f[i] < ' ' || f[i] == 0x7f) {
			*why = "control characters in the field";
			return -1;
		}
		colons += f[i] == ':';
	}
	if (len == 0) {
		*why = "empty field";
		return -1;
	}
	if (f[0] == '!' || f[0] == '*') {
		*why = "a locked or disabled field (import the verifiers, "
		    "then cmd5pw lock)";
		return -1;
	}
	if (f[0] != '$' && f[0] != '{') {
		*why = "not a verifier (a plaintext password? add -b without "
		    "-e hashes passwords)";
		return -1;
	}
	if (colons >= PW_MAXVERIFIERS) {
		*why = "more than 8 verifiers";
		return -1;
	}
	n = pwfile_verifiers(f, len, v, PW_MAXVERIFIERS);
	for (i = 0; i < n; i++)
		if (v[i].kind == VK_UNKNOWN || v[i].kind == VK_DISABLED ||
		    (v[i].kind == VK_CRYPT && !crypt_valid(&v[i]))) {
			snprintf(msg, sizeof(msg), "verifier %zu is of no "
			    "known scheme, malformed, or a hash this "
			    "libxcrypt cannot compute", i + 1);
			*why = msg;
			return -1;
		}
	return 0;
}

int
make_field(const char *pass, size_t len, enum store how, int keep_plain,
    struct buf *b, const char **why)
{
	struct hmac_md5_key k;
	char hex[CRAM_STATE_HEXLEN + 1];

	*why = "crypt_gensalt/crypt_rn failed";
	if (how == STORE_IMPORT) {
		if (import_check(pass, len, why) != 0)
			return -1;
		buf_add(b, pass, len);
		return 0;
	}
	if (len > PASS_MAX)
		return -1;
	if (how == STORE_PLAIN) {
		plain_verifier(pass, len, b);
		return 0;
	}
	if (crypt_hash(pass, len, b) != 0)
		return -1;
	if (how == STORE_DEFAULT) {
		hmac_md5_init(&k, pass, len);
		cram_state_encode(&k, hex);
		buf_str(b, ":{CRAM-MD5}");
		buf_add(b, hex, CRAM_STATE_HEXLEN);
		wipe(&k, sizeof(k));
		wipe(hex, sizeof(hex));
	}
	if (keep_plain) {
		buf_str(b, ":");
		plain_verifier(pass, len, b);
	}
	return 0;
}
