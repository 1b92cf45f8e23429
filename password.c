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

#include "hmac_md5.h"
#include "password.h"
#include "util.h"

char pass1[PASS_MAX + 2], pass2[PASS_MAX + 2];

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

/* One line from fd into buf (at most PASS_MAX bytes), without its '\n'
 * and a '\r' before it.  0; -1 at end of input; 1 too long. */
static int
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
	return len;
}

/* ---- verifiers ---- */

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
	if (crypt_gensalt_rn(NULL, 0, NULL, 0, salt, sizeof(salt)) == NULL)
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

int
make_field(const char *pass, size_t len, enum store how, int keep_plain,
    struct buf *b)
{
	struct hmac_md5_key k;
	char hex[CRAM_STATE_HEXLEN + 1];

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
