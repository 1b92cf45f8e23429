/* SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
 * see LICENSE. */
/* tests/unit.c: known-answer and property tests for hmac_md5.c, pwfile.c,
 * fd3.c and verify.c.  One "ok - ..." or "not ok - ..." line per check. */
#include <crypt.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fd3.h"
#include "hmac_md5.h"
#include "lookup.h"
#include "mailbox.h"
#include "pwfile.h"
#include "pwindex.h"
#include "verify.h"

static int failures;

static void
check(int cond, const char *what)
{
	printf("%s - %s\n", cond ? "ok" : "not ok", what);
	if (!cond)
		failures++;
}

static void
hex(const unsigned char *d, size_t n, char *out)
{
	hex_encode(d, n, out);
	out[2 * n] = '\0';
}

/* ---- hmac_md5.c ---- */

static void
test_rfc2202(void)
{
	static const struct {
		int keylen, keybyte;	/* keybyte < 0: key is given */
		const char *key;
		int datalen, databyte;
		const char *data, *digest;
	} v[] = {
		{ 16, 0x0b, NULL, 8, -1, "Hi There",
		    "9294727a3638bb1c13f48ef8158bfc9d" },
		{ 4, -1, "Jefe", 28, -1, "what do ya want for nothing?",
		    "750c783e6ab0b503eaa86e310a5db738" },
		{ 16, 0xaa, NULL, 50, 0xdd, NULL,
		    "56be34521d144c88dbb8c733f0e8b3f6" },
		{ 25, 0, NULL, 50, 0xcd, NULL,	/* key 0x01..0x19 */
		    "697eaf0aca3a3aea3a75164746ffaa79" },
		{ 16, 0x0c, NULL, 20, -1, "Test With Truncation",
		    "56461ef2342edc00f9bab995690efd4c" },
		{ 80, 0xaa, NULL, 54, -1,
		    "Test Using Larger Than Block-Size Key - Hash Key First",
		    "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd" },
		{ 80, 0xaa, NULL, 73, -1, "Test Using Larger Than Block-Size "
		    "Key and Larger Than One Block-Size Data",
		    "6f630fad67cda0ee1fb1f562db3aa53e" },
	};
	unsigned char key[80], data[80], md[16];
	char got[33], what[80];
	size_t i;
	int j;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		for (j = 0; j < v[i].keylen; j++)
			key[j] = v[i].key ? (unsigned char)v[i].key[j] :
			    v[i].keybyte > 0 ? (unsigned char)v[i].keybyte :
			    (unsigned char)(j + 1);
		if (v[i].data)
			memcpy(data, v[i].data, (size_t)v[i].datalen);
		else
			memset(data, v[i].databyte, (size_t)v[i].datalen);
		hmac_md5(key, (size_t)v[i].keylen, data, (size_t)v[i].datalen,
		    md);
		hex(md, 16, got);
		snprintf(what, sizeof(what), "RFC 2202 HMAC-MD5 case %zu",
		    i + 1);
		check(strcmp(got, v[i].digest) == 0, what);
	}
	/* the failing twin: one key bit off changes the digest */
	key[0] ^= 1;
	hmac_md5(key, 80, data, 73, md);
	hex(md, 16, got);
	check(strcmp(got, v[6].digest) != 0, "RFC 2202 case 7, key bit flipped: differs");
}

static void
test_rfc2195(void)
{
	const char *chal = "<1896.697170952@postoffice.reston.mci.net>";
	unsigned char md[16];
	char got[33];

	hmac_md5("tanstaaftanstaaf", 16, chal, strlen(chal), md);
	hex(md, 16, got);
	check(strcmp(got, "b913a602c7eda7a495b4e6e7334d3890") == 0,
	    "RFC 2195 tim/tanstaaftanstaaf");
	hmac_md5("tanstaaftanstaaF", 16, chal, strlen(chal), md);
	hex(md, 16, got);
	check(strcmp(got, "b913a602c7eda7a495b4e6e7334d3890") != 0,
	    "RFC 2195 with a wrong secret differs");
}

static void
test_against_libcrypto(void)
{
	unsigned char key[200], msg[300], a[16], b[16];
	unsigned int blen;
	int i, bad = 0;

	srand(2195);
	for (i = 0; i < 500; i++) {
		size_t kl = (size_t)rand() % sizeof(key);
		size_t ml = (size_t)rand() % sizeof(msg);
		size_t j;

		for (j = 0; j < kl; j++)
			key[j] = (unsigned char)rand();
		for (j = 0; j < ml; j++)
			msg[j] = (unsigned char)rand();
		hmac_md5(key, kl, msg, ml, a);
		HMAC(EVP_md5(), key, (int)kl, msg, ml, b, &blen);
		bad += blen != 16 || memcmp(a, b, 16) != 0;
	}
	check(bad == 0, "500 random keys/messages agree with libcrypto HMAC()");
}

static void
test_cram_state(void)
{
	const char *dv = "e02d374fde0dc75a17a557039a3a5338c7743304777dccd376f332bee68d2cf6";
	struct hmac_md5_key k, k2;
	char out[65];
	unsigned char a[16], b[16];

	hmac_md5_init(&k, "test", 4);
	cram_state_encode(&k, out);
	check(strcmp(out, dv) == 0, "{CRAM-MD5} of 'test' is Dovecot's vector");
	hmac_md5_init(&k, "tesT", 4);
	cram_state_encode(&k, out);
	check(strcmp(out, dv) != 0, "{CRAM-MD5} of 'tesT' differs");

	check(cram_state_decode(dv, 64, &k2) == 0, "decode Dovecot vector");
	hmac_md5_finish(&k2, "<1.2@x>", 7, a);
	hmac_md5("test", 4, "<1.2@x>", 7, b);
	check(memcmp(a, b, 16) == 0, "resumed states give the direct HMAC");
	check(cram_state_decode(dv, 63, &k2) != 0, "63 hex digits refused");
	memcpy(out, dv, 65);
	out[10] = 'g';
	check(cram_state_decode(out, 64, &k2) != 0, "non-hex digit refused");
	check(hex_decode("0A", 2, a, 1) == 0 && a[0] == 10, "hex upper case");
	check(hex_decode("0", 1, a, 1) != 0, "odd hex length refused");
	check(hex_decode("zz", 2, a, 1) != 0, "hex 'zz' refused");
}

static void
test_apop(void)
{
	const char *ts = "<1896.697170952@dbc.mtview.ca.us>";
	unsigned char md[16];
	char got[33];

	apop_md5(ts, strlen(ts), "tanstaaf", 8, md);
	hex(md, 16, got);
	check(strcmp(got, "c4c9334bac560ecc979e58001b3e22fb") == 0,
	    "RFC 1939 APOP example");
	apop_md5(ts, strlen(ts), "tanstaa", 7, md);
	hex(md, 16, got);
	check(strcmp(got, "c4c9334bac560ecc979e58001b3e22fb") != 0,
	    "APOP with a wrong secret differs");
}

static void
test_ct_equal(void)
{
	char big[PW_CMP_MAX + 1];

	memset(big, 'a', sizeof(big));
	check(ct_equal_str("secret", 6, "secret", 6), "equal strings");
	check(!ct_equal_str("secret", 6, "secreT", 6), "one byte differs");
	check(!ct_equal_str("secret", 6, "secret\0", 7), "trailing NUL differs");
	check(!ct_equal_str("", 0, "x", 1), "empty vs one byte");
	check(ct_equal_str("", 0, "", 0), "empty equals empty");
	check(!ct_equal_str(big, sizeof(big), big, sizeof(big)),
	    "over PW_CMP_MAX never equal");
}

/* ---- pwfile.c ---- */

static void
test_parse_line(void)
{
	struct pwline l;

#define PL(s) pwfile_parse_line(s, sizeof(s) - 1, &l)
	check(PL("alice:secret") == PWL_ENTRY && l.loginlen == 5 &&
	    l.fieldlen == 6, "login:password");
	check(PL("alice:sec:ret") == PWL_ENTRY && l.fieldlen == 7,
	    "field keeps later colons");
	check(PL("alice:secret\r") == PWL_ENTRY && l.fieldlen == 6,
	    "trailing CR is not part of the secret");
	check(PL("# alice:secret") == PWL_SKIP, "comment skipped");
	check(PL("") == PWL_SKIP && PL(" \t") == PWL_SKIP, "blank lines skipped");
	check(PL("alice") == PWL_BAD, "no colon: bad");
	check(PL(":secret") == PWL_BAD, "empty login: bad");
	check(PL("al\0ice:secret") == PWL_BAD, "NUL byte: bad");
	check(PL("alice:") == PWL_ENTRY && l.fieldlen == 0, "empty field parses");
#undef PL
	check(pwfile_login_ok("alice", 5), "login ok");
	check(!pwfile_login_ok("a:b", 3), "login with ':' refused");
	check(!pwfile_login_ok("#a", 2), "login starting with '#' refused");
	check(!pwfile_login_ok("a\nb", 3), "login with newline refused");
	check(!pwfile_login_ok("", 0), "empty login refused");
}

static void
test_verifiers(void)
{
	struct verifier v[PW_MAXVERIFIERS];
	size_t n;

#define PV(s) (n = pwfile_verifiers(s, sizeof(s) - 1, v, PW_MAXVERIFIERS))
	check(PV("plain:with:colons") == 1 && v[0].kind == VK_PLAIN &&
	    v[0].len == 17, "legacy plaintext is the whole field");
	check(PV("$y$j9T$abc$def") == 1 && v[0].kind == VK_CRYPT, "crypt hash");
	check(PV("$6$s$h:{CRAM-MD5}e02d374fde0dc75a17a557039a3a5338c7743304777dccd376f332bee68d2cf6") == 2 &&
	    v[0].kind == VK_CRYPT && v[1].kind == VK_CRAM && v[1].len == 64,
	    "crypt then {CRAM-MD5}");
	check(PV("{cram-md5}e02d374fde0dc75a17a557039a3a5338c7743304777dccd376f332bee68d2cf6") == 1 &&
	    v[0].kind == VK_CRAM, "scheme tag case-insensitive");
	check(PV("{CRAM-MD5}e02d") == 1 && v[0].kind == VK_UNKNOWN,
	    "short {CRAM-MD5} is unknown, never matches");
	check(PV("{PLAIN}$ecret") == 1 && v[0].kind == VK_PLAIN &&
	    v[0].len == 6, "{PLAIN} lets a password start with '$'");
	check(PV("{PLAIN.b64}cGFzczp3") == 1 && v[0].enc == VE_B64, "{PLAIN.b64}");
	check(PV("{SSHA}xyz") == 1 && v[0].kind == VK_UNKNOWN, "unknown scheme");
	check(PV("!$y$abc") == 1 && v[0].kind == VK_DISABLED, "'!' disables");
	check(PV("*") == 1 && v[0].kind == VK_DISABLED, "'*' disables");
	check(PV("") == 1 && v[0].kind == VK_DISABLED, "empty field disables");
	check(PV("{CRYPT}*0") == 1 && v[0].kind == VK_UNKNOWN,
	    "{CRYPT}* is not a hash");
#undef PV
}

static int
scan(const char *text, const char *login, char *field, size_t size)
{
	struct pwmatch m;
	int found;

	memset(&m, 0, sizeof(m));
	if (pw_scan(text, strlen(text), login, strlen(login), &m) != 0)
		return -1;
	found = m.found;
	if (found)
		snprintf(field, size, "%s", m.field);
	else if (m.dummy)
		snprintf(field, size, "dummy:%s", m.dummy);
	else
		snprintf(field, size, "none");
	pwmatch_free(&m);
	return found;
}

static void
test_scan(void)
{
	const char *text = "# comment\nalice:one\nbob:two\r\nalice:three\n"
	    "#carol:four\nalicia:five\ndave:six";
	char f[700], line[700];

	check(scan(text, "alice", f, sizeof(f)) == 1 && strcmp(f, "one") == 0,
	    "first entry for a login wins");
	check(scan(text, "bob", f, sizeof(f)) == 1 && strcmp(f, "two") == 0,
	    "CRLF line");
	check(scan(text, "dave", f, sizeof(f)) == 1 && strcmp(f, "six") == 0,
	    "last line without newline");
	check(scan(text, "ali", f, sizeof(f)) == 0 &&
	    strcmp(f, "dummy:one") == 0, "a prefix is not a login; dummy is the first entry");
	check(scan(text, "#carol", f, sizeof(f)) == 0, "comment never matches");
	check(scan(text, "carol", f, sizeof(f)) == 0, "commented-out login unknown");
	check(scan(text, "alice:one", f, sizeof(f)) == 0, "login with ':' unknown");
	check(scan("alice:one\n", "alice", f, sizeof(f)) == 1,
	    "login on the first line");
	check(scan("", "alice", f, sizeof(f)) == 0 && strcmp(f, "none") == 0,
	    "empty file");
	/* an unknown login must cost what a wrong password costs: in a mixed
	 * file it is checked against the first crypt hash, not plaintext */
	check(scan("a:plain\nb:$y$j9T$x$y\nc:$6$s$h\n", "zz", f, sizeof(f)) == 0 &&
	    strcmp(f, "dummy:$y$j9T$x$y") == 0, "dummy prefers the first crypt entry");
	check(scan("a:plain\nb:{CRAM-MD5}x\n", "zz", f, sizeof(f)) == 0 &&
	    strcmp(f, "dummy:plain") == 0, "dummy without crypt entries: the first");

	/* cmd5checkpw 0.30 read lines with fgets(256): the tail of a long
	 * line became an entry of its own.  Here a line is a line. */
	memset(line, 'A', sizeof(line));
	memcpy(line, "x:", 2);
	memcpy(line + 300, "\0", 1);
	memcpy(line + 256, "ghost:pw", 8);
	check(scan(line, "ghost", f, sizeof(f)) == 0,
	    "no phantom entry from the tail of a 300-byte line");
	check(scan(line, "x", f, sizeof(f)) == 1 && strlen(f) == 298,
	    "long line parses whole");
}

/* ---- fd3.c + verify.c ---- */

static int
parse(const char *buf, size_t len, enum layout mode, struct authreq *rq)
{
	const char *why;

	return fd3_parse(buf, len, mode, 0, rq, &why);
}

static void
test_fd3(void)
{
	struct authreq rq;
	const char *why;

#define FD3(s, mode) parse(s, sizeof(s) - 1, mode, &rq)
#define D "b913a602c7eda7a495b4e6e7334d3890"
	/* auto: every unambiguous reading, no APOP */
	check(FD3("u\0<1.2@h>\0" D "\0", LAYOUT_AUTO) == 0 &&
	    rq.mech == MECH_CRAM && rq.challen == 7, "Dabrowski CRAM order");
	check(FD3("u\0" D "\0<1.2@h>\0", LAYOUT_AUTO) == 0 &&
	    rq.mech == MECH_CRAM && rq.challen == 7, "auto: Hoffmann order is CRAM-MD5, never APOP");
	check(FD3("u\0pw\0\0", LAYOUT_AUTO) == 0 && rq.mech == MECH_PASSWORD &&
	    rq.passlen == 2, "LOGIN/PLAIN with empty third field");
	check(FD3("u\0pw\0", LAYOUT_AUTO) == 0 && rq.mech == MECH_PASSWORD,
	    "Hoffmann without CRAM: two fields");
	check(FD3("u\0pw\0<1.2@h>\0", LAYOUT_AUTO) == 0 &&
	    rq.mech == MECH_PASSWORD, "qmail-popup USER/PASS");
	check(FD3("u\0<1.2@h>\0b913a602c7eda7a495b4e6e7334d389\0", LAYOUT_AUTO) == 2,
	    "auto: challenge and a 31-digit digest fit no front end");
	check(FD3("u\0<1.2h>\0" D "\0", LAYOUT_AUTO) == 2,
	    "auto: a third field that is no challenge fits no front end");
	check(FD3("u\0pw\0garbage\0", LAYOUT_AUTO) == 2, "auto: login,password,garbage refused");
	/* a LOGIN password with NULs: one field more than any front end */
	check(FD3("u\0<1.2@h>\0" D "\0\0", LAYOUT_AUTO) == 2,
	    "auto: Dabrowski LOGIN password '<chal>\\0digest' refused");
	check(FD3("u\0" D "\0<1.2@h>\0\0", LAYOUT_AUTO) == 2,
	    "auto: LOGIN password 'digest\\0<chal>' refused");
	check(FD3("u\0" D "\0<1.2@h>\0\0", LAYOUT_HOFFMANN) == 2,
	    "-m hoffmann (CRAM on): LOGIN password 'digest\\0<chal>' refused");
	check(FD3("u\0<1.2@h>\0" D "\0\0", LAYOUT_DABROWSKI) == 2,
	    "-m dabrowski: LOGIN password '<chal>\\0digest' refused");
	check(FD3("u\0" D "\0<1.2@h>\0x\0", LAYOUT_AUTO) == 2, "four fields refused");
	check(FD3("u\0" D "\0<1.2@h>\0x", LAYOUT_AUTO) == 2, "trailing data refused");
	/* -m dabrowski */
	check(FD3("u\0<1.2@h>\0" D "\0", LAYOUT_DABROWSKI) == 0 &&
	    rq.mech == MECH_CRAM, "-m dabrowski: CRAM");
	check(FD3("u\0pw\0\0", LAYOUT_DABROWSKI) == 0 && rq.mech == MECH_PASSWORD,
	    "-m dabrowski: LOGIN/PLAIN");
	check(FD3("u\0" D "\0<1.2@h>\0", LAYOUT_DABROWSKI) == 2,
	    "-m dabrowski: Hoffmann order refused");
	check(FD3("u\0pw\0", LAYOUT_DABROWSKI) == 2, "-m dabrowski: two fields refused");
	/* -m hoffmann */
	check(FD3("u\0" D "\0<1.2@h>\0", LAYOUT_HOFFMANN) == 0 &&
	    rq.mech == MECH_CRAM, "-m hoffmann: CRAM");
	check(FD3("u\0pw\0", LAYOUT_HOFFMANN) == 0 && rq.mech == MECH_PASSWORD,
	    "-m hoffmann: LOGIN/PLAIN without CRAM");
	check(FD3("u\0pw\0\0", LAYOUT_HOFFMANN) == 0 && rq.mech == MECH_PASSWORD,
	    "-m hoffmann: LOGIN/PLAIN with CRAM");
	check(FD3("tim\0tanstaaftanstaaf\0<1.2@h>\0", LAYOUT_HOFFMANN) == 2,
	    "-m hoffmann: a plaintext in place of the response refused");
	check(FD3("u\0<1.2@h>\0" D "\0", LAYOUT_HOFFMANN) == 2,
	    "-m hoffmann: Dabrowski order refused");
	/* -m pop3 */
	check(FD3("u\0" D "\0<1.2@h>\0", LAYOUT_POP3) == 0 &&
	    rq.mech == MECH_APOP_OR_PASSWORD, "-m pop3: APOP or USER/PASS");
	check(FD3("u\0pw\0<1.2@h>\0", LAYOUT_POP3) == 0 &&
	    rq.mech == MECH_PASSWORD, "-m pop3: USER/PASS");
	check(FD3("u\0pw\0\0", LAYOUT_POP3) == 2, "-m pop3: no timestamp refused");
	check(FD3("u\0pw\0", LAYOUT_POP3) == 2, "-m pop3: two fields refused");
	/* -m password */
	check(FD3("u\0" D "\0<1.2@h>\0", LAYOUT_PASSWORD) == 2,
	    "-m password: a third field refused");
	check(FD3("u\0pw\0\0", LAYOUT_PASSWORD) == 0 && rq.mech == MECH_PASSWORD,
	    "-m password: Dovecot layout");
	check(FD3("u\0pw", LAYOUT_AUTO) == 2, "password without NUL: misuse");
	check(FD3("u", LAYOUT_AUTO) == 2, "login without NUL: misuse");
	check(FD3("", LAYOUT_AUTO) == 2, "empty input: misuse");
	check(FD3("\0pw\0\0", LAYOUT_AUTO) == 2, "empty login: misuse");
	check(FD3("u\0pw\0x", LAYOUT_AUTO) == 2, "unterminated third field: misuse");
	check(FD3("u\0pw\0\0extra", LAYOUT_AUTO) == 2, "data after the last field refused");
	check(fd3_parse("u\0\0\0", 4, LAYOUT_PASSWORD, 1, &rq, &why) == 0 &&
	    rq.mech == MECH_LOOKUP, "Dovecot lookup (AUTHORIZED=1)");
	check(fd3_parse("u\0\0\0\0", 5, LAYOUT_PASSWORD, 1, &rq, &why) == 2,
	    "Dovecot lookup with a fourth field refused");
	check(fd3_parse("u\0\0\0", 4, LAYOUT_AUTO, 0, &rq, &why) == 0 &&
	    rq.mech == MECH_PASSWORD, "empty password without AUTHORIZED is a password");
#undef D
#undef FD3
}

static void
test_challenge(void)
{
	struct challenge c;

#define CH(s) fd3_challenge(s, sizeof(s) - 1, &c)
	check(CH("<1896.697170952@postoffice.reston.mci.net>") == 0 &&
	    c.pid == 1896 && c.time == 697170952ULL && c.hostlen == 25,
	    "challenge <PID.TIME@HOST>");
	check(CH("<a@b>") == -1, "made-up challenge <a@b> is malformed");
	check(CH("<1.2@>") == -1, "empty host");
	check(CH("<.2@h>") == -1, "empty PID");
	check(CH("<0.2@h>") == -1, "PID 0");
	check(CH("<01.2@h>") == -1, "PID with a leading zero");
	check(CH("<1.02@h>") == -1, "TIME with a leading zero");
	check(CH("<1.@h>") == -1, "empty TIME");
	check(CH("<1.2@h@i>") == -1, "two '@'");
	check(CH("<1.2@h i>") == -1, "space in host");
	check(CH("<1.2.3@h>") == -1, "three numbers");
	check(CH("<12345678901.2@h>") == -1, "11-digit PID");
	check(CH("<1.123456789012345678901@h>") == -1, "21-digit TIME");
	check(CH("1.2@h") == -1, "no brackets");
	check(CH("<1.2@h>x") == -1, "trailing byte");
#undef CH
}

static int
try_mode(const char *fd3, size_t len, enum layout mode, const char *field)
{
	struct authreq rq;
	const char *reason, *used;
	enum mech proved;

	if (parse(fd3, len, mode, &rq) != 0)
		return -1;
	return verify(&rq, field, strlen(field), &reason, &used, &proved);
}

static int
try(const char *fd3, size_t len, const char *field)
{
	struct authreq rq;
	const char *reason, *used;
	enum mech proved;

	if (parse(fd3, len, LAYOUT_AUTO, &rq) != 0)
		return -1;
	return verify(&rq, field, strlen(field), &reason, &used, &proved);
}

/* lowercase hex of HMAC-MD5(key, msg) / MD5(msg) into out (33 bytes) */
static const char *
hmac_hex(const char *key, const char *msg, char *out)
{
	unsigned char d[MD5_LEN];
	int i;

	hmac_md5(key, strlen(key), msg, strlen(msg), d);
	for (i = 0; i < MD5_LEN; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
	return out;
}

static const char *
md5_hex(const char *msg, char *out)
{
	unsigned char d[MD5_LEN];
	int i;

	apop_md5(msg, strlen(msg), "", 0, d);
	for (i = 0; i < MD5_LEN; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
	return out;
}

static void
test_verify(void)
{
	const char *cram = "{CRAM-MD5}e02d374fde0dc75a17a557039a3a5338c7743304777dccd376f332bee68d2cf6";
	char yes[200], fd3[300];
	struct crypt_data cd;
	int n;

#define TRY(s, field) try(s, sizeof(s) - 1, field)
	check(TRY("tim\0<1896.697170952@postoffice.reston.mci.net>\0b913a602c7eda7a495b4e6e7334d3890\0",
	    "tanstaaftanstaaf") == 1, "CRAM-MD5 against plaintext");
	check(TRY("tim\0<1896.697170952@postoffice.reston.mci.net>\0b913a602c7eda7a495b4e6e7334d3891\0",
	    "tanstaaftanstaaf") == 0, "CRAM-MD5, one digit off");
	check(TRY("tim\0<1896.697170952@postoffice.reston.mci.net>\0B913A602C7EDA7A495B4E6E7334D3890\0",
	    "tanstaaftanstaaf") == 1, "CRAM-MD5 response in upper case");
	check(TRY("u\0test\0\0", cram) == 1, "PLAIN against {CRAM-MD5}");
	check(TRY("u\0tesT\0\0", cram) == 0, "wrong PLAIN against {CRAM-MD5}");
	check(TRY("u\0{CRAM-MD5}e02d374fde0dc75a17a557039a3a5338c7743304777dccd376f332bee68d2cf6\0\0",
	    cram) == 0, "stored {CRAM-MD5} token presented as password: no");
	check(TRY("u\0e02d374fde0dc75a17a557039a3a5338c7743304777dccd376f332bee68d2cf6\0\0",
	    cram) == 0, "stored state hex presented as password: no");
	check(TRY("u\0tanstaaftanstaaf\0<1896.697170952@postoffice.reston.mci.net>\0",
	    "tanstaaftanstaaf") == 1, "USER/PASS with timestamp");
	/* cmd5checkpw 0.30 accepted the plaintext in place of the response */
	check(TRY("tim\0<1.2@h>\0tanstaaftanstaaf\0", "tanstaaftanstaaf") == -1,
	    "plaintext in place of a CRAM response: a layout no front end writes");
#define POP(s, field) try_mode(s, sizeof(s) - 1, LAYOUT_POP3, field)
	check(POP("u\0c4c9334bac560ecc979e58001b3e22fb\0<1896.697170952@dbc.mtview.ca.us>\0",
	    "tanstaaf") == 1, "APOP (RFC 1939)");
	check(TRY("u\0c4c9334bac560ecc979e58001b3e22fb\0<1896.697170952@dbc.mtview.ca.us>\0",
	    "tanstaaf") == 0, "auto reads no APOP: the same bytes are a CRAM-MD5 response, wrong");
	check(POP("u\0c4c9334bac560ecc979e58001b3e22fc\0<1896.697170952@dbc.mtview.ca.us>\0",
	    "tanstaaf") == 0, "APOP, one digit off");
	check(POP("u\0c4c9334bac560ecc979e58001b3e22fb\0<1896.697170952@dbc.mtview.ca.us>\0",
	    cram) == 0, "APOP needs a plaintext verifier");
#undef POP

	memset(&cd, 0, sizeof(cd));
	snprintf(yes, sizeof(yes), "%s", crypt_rn("hunter2",
	    "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$", &cd, sizeof(cd)));
	check(TRY("u\0hunter2\0\0", yes) == 1, "PLAIN against yescrypt");
	check(TRY("u\0hunter3\0\0", yes) == 0, "wrong PLAIN against yescrypt");
	n = snprintf(fd3, sizeof(fd3), "u%c%s%c%c", 0, yes, 0, 0);
	check(try(fd3, (size_t)n, yes) == 0, "the hash presented as password: no");
	check(TRY("u\0x\0\0", "$y$broken") == 0, "bad crypt setting: refused, no crash");
	check(TRY("u\0hunter2\0\0", "!$y$j9T$F5Jx5fExrKuPp53xLKQ..1$") == 0,
	    "locked account refused");
	check(TRY("u\0\0\0", "{PLAIN}") == 0, "empty {PLAIN} secret never matches");
	/* HMAC-MD5 with an empty key: 8ae4... for <1.2@h> is anyone's */
	n = snprintf(fd3, sizeof(fd3), "u%c<1.2@h>%c%s%c", 0, 0,
	    hmac_hex("", "<1.2@h>", yes), 0);
	check(try(fd3, (size_t)n, "{PLAIN}") == 0 && try(fd3, (size_t)n, "{PLAIN.b64}") == 0 &&
	    try(fd3, (size_t)n, "{PLAIN.hex}") == 0 && try(fd3, (size_t)n, "{CLEARTEXT}") == 0,
	    "CRAM-MD5 keyed with an empty plaintext never matches");
	check(try(fd3, (size_t)n, "{PLAIN}x") == 0, "... nor with another");
	n = snprintf(fd3, sizeof(fd3), "u%c%s%c<1.2@h>%c", 0,
	    md5_hex("<1.2@h>", yes), 0, 0);
	check(try_mode(fd3, (size_t)n, LAYOUT_POP3, "{PLAIN}") == 0 &&
	    try_mode(fd3, (size_t)n, LAYOUT_POP3, "{CLEARTEXT}") == 0,
	    "APOP against an empty plaintext never matches");
	check(TRY("u\0\0\0", "{PLAIN}x") == 0, "empty password vs {PLAIN}x");
	check(TRY("u\0pass:with:colons\0\0", "{PLAIN.b64}cGFzczp3aXRoOmNvbG9ucw==") == 1,
	    "{PLAIN.b64}");
	check(TRY("u\0pass:with:colon\0\0", "{PLAIN.b64}cGFzczp3aXRoOmNvbG9ucw==") == 0,
	    "{PLAIN.b64}, wrong");
	check(TRY("u\0ab\0\0", "{PLAIN.hex}6162") == 1, "{PLAIN.hex}");
	check(TRY("u\0ab\0\0", "{PLAIN.hex}616") == 0, "{PLAIN.hex} odd length never matches");
	check(TRY("u\0x\0\0", "{SSHA}abc") == 0, "unknown scheme never matches");
	/* salted SHA, as LDAP directories store them (salt "saltsalt") */
	check(TRY("u\0hunter2\0\0", "{SSHA}EwvBq0sMQSLLD3eOSZNmhQqOOkRzYWx0c2FsdA==") == 1,
	    "{SSHA}");
	check(TRY("u\0hunter3\0\0", "{SSHA}EwvBq0sMQSLLD3eOSZNmhQqOOkRzYWx0c2FsdA==") == 0,
	    "{SSHA}, wrong password");
	check(TRY("u\0hunter2\0\0", "{SSHA256}xdNXPNaoGgpEh79yIk9Gapc+mj1Dw6d/z6kEzvuCusdzYWx0c2FsdA==") == 1,
	    "{SSHA256}");
	check(TRY("u\0hunter\0\0", "{SSHA256}xdNXPNaoGgpEh79yIk9Gapc+mj1Dw6d/z6kEzvuCusdzYWx0c2FsdA==") == 0,
	    "{SSHA256}, wrong password");
	check(TRY("u\0hunter2\0\0", "{ssha512}GyU2EsF9+E4B0BGlXHMIpcC8ymBeVNNZCq6vehzMQb1dQrX5jIlEu3PDhxPGz7gJ/nvhdCWTC2lvcFKFX0i0qXNhbHRzYWx0") == 1,
	    "{SSHA512}, tag in lower case");
	check(TRY("u\0hunter2\0\0", "{SSHA512}GyU2EsF9+E4B0BGlXHMIpcC8ymBeVNNZCq6vehzMQb1dQrX5jIlEu3PDhxPGz7gJ/nvhdCWTC2lvcFKFX0i0qXNhbHRzYWx1") == 0,
	    "{SSHA512}, a salt byte changed");
	/* the digest of another scheme's size: malformed, never matches */
	check(TRY("u\0hunter2\0\0", "{SSHA512}EwvBq0sMQSLLD3eOSZNmhQqOOkRzYWx0c2FsdA==") == 0,
	    "{SSHA512} holding a SHA-1 digest never matches");
	check(TRY("u\0hunter2\0\0", "{SSHA}EwvBq0sMQSLLD3eOSZNmhQqOOkQ=") == 0,
	    "{SSHA} without a salt never matches");
	check(TRY("u\0{SSHA}EwvBq0sMQSLLD3eOSZNmhQqOOkRzYWx0c2FsdA==\0\0",
	    "{SSHA}EwvBq0sMQSLLD3eOSZNmhQqOOkRzYWx0c2FsdA==") == 0,
	    "{SSHA} value presented as the password: no");
#undef TRY
}

/* poppasswd(5) "Mailbox fields" and cmd5checkpw(8) "MAILBOX LOGINS" */
static void
test_mailbox(void)
{
	struct mbfields f;
	const char *why, *fld;
	char rel[600];
	unsigned long id;

	fld = "$y$x:{CRAM-MD5}ab:uid=5001:gid=5002:home=/var/vmail/a";
	check(mb_parse(fld, strlen(fld), &f, &why) == 0 && f.has_uid &&
	    f.uid == 5001 && f.has_gid && f.gid == 5002 && f.has_home &&
	    f.homelen == 12 && memcmp(f.home, "/var/vmail/a", 12) == 0,
	    "mailbox fields after the verifiers");
	fld = "tim:secret:uid=0";
	check(mb_parse(fld, strlen(fld), &f, &why) == 0 && !f.has_uid,
	    "legacy plaintext: ':uid=0' is part of the password");
	fld = "!{PLAIN}x:uid=7";
	check(mb_parse(fld, strlen(fld), &f, &why) == 0 && f.uid == 7,
	    "a locked line keeps its fields");
	fld = "{PLAIN}x:uid=1:uid=2";
	check(mb_parse(fld, strlen(fld), &f, &why) != 0, "uid= twice refused");
	fld = "{PLAIN}x:home=/a/../b";
	check(mb_parse(fld, strlen(fld), &f, &why) != 0, "home= with .. refused");
	check(mb_parse_id("2147483647", 10, &id) == 0 && id == 2147483647UL,
	    "uid 2^31-1");
	check(mb_parse_id("2147483648", 10, &id) != 0, "uid 2^31 refused");
	check(mb_parse_id("007", 3, &id) != 0, "leading zero refused");
	check(mb_parse_id("", 0, &id) != 0, "empty uid refused");
	check(mb_home_ok("/", 1) && mb_home_ok("/a/b", 4), "clean homes");
	check(!mb_home_ok("a/b", 3) && !mb_home_ok("/a//b", 5) &&
	    !mb_home_ok("/a/", 3) && !mb_home_ok("/a/.", 4) &&
	    !mb_home_ok("/a\tb", 4), "unclean homes refused");
	check(mb_derive("alice@ex.org", 12, NULL, rel, sizeof(rel), &why) == 0 &&
	    strcmp(rel, "ex.org/alice") == 0, "alice@ex.org -> ex.org/alice");
	check(mb_derive("dan", 3, "d.test", rel, sizeof(rel), &why) == 0 &&
	    strcmp(rel, "d.test/dan") == 0, "dan with -D d.test");
	check(mb_derive("dan", 3, NULL, rel, sizeof(rel), &why) != 0,
	    "no '@', no -D: no home");
	check(mb_derive("..@ex.org", 9, NULL, rel, sizeof(rel), &why) != 0 &&
	    mb_derive("a@..", 4, NULL, rel, sizeof(rel), &why) != 0 &&
	    mb_derive("a/b@ex.org", 10, NULL, rel, sizeof(rel), &why) != 0 &&
	    mb_derive(".x@ex.org", 9, NULL, rel, sizeof(rel), &why) != 0 &&
	    mb_derive("a@b@ex.org", 10, NULL, rel, sizeof(rel), &why) != 0 &&
	    mb_derive("@ex.org", 7, NULL, rel, sizeof(rel), &why) != 0 &&
	    mb_derive("a\0b@ex.org", 10, NULL, rel, sizeof(rel), &why) != 0,
	    "escaping logins derive no home");
}

/* ---- lookup.c: a change's shards copied from the old index ---- */

/* 600 logins, u5 twice (its second line at the end); edit(i, line, out)
 * says what line i becomes ("" drops it, NULL keeps it). */
static char *
text_of(const char *(*edit)(int, const char *), const char *tail)
{
	static char line[64];
	size_t cap = 64 * 700, len = 0;
	char *t = malloc(cap);
	const char *l;
	int i;

	for (i = 0; i <= 600; i++) {
		if (i < 600)
			snprintf(line, sizeof(line), "u%d@ex.org:{PLAIN}p%d\n",
			    i, i);
		else
			snprintf(line, sizeof(line), "u5@ex.org:{PLAIN}dup\n");
		l = edit != NULL ? edit(i, line) : NULL;
		if (l == NULL)
			l = line;
		len += (size_t)snprintf(t + len, cap - len, "%s", l);
	}
	if (tail != NULL)
		len += (size_t)snprintf(t + len, cap - len, "%s", tail);
	return t;
}

static const char *e_u7(int i, const char *l)
{ (void)l; return i == 7 ? "u7@ex.org:{PLAIN}new7\n" : NULL; }
static const char *e_u5first(int i, const char *l)
{ (void)l; return i == 5 ? "u5@ex.org:{PLAIN}new5\n" : NULL; }
static const char *e_no8(int i, const char *l)
{ (void)l; return i == 8 ? "" : NULL; }
static const char *e_no5(int i, const char *l)
{ (void)l; return i == 5 || i == 600 ? "" : NULL; }
static const char *e_no7(int i, const char *l)
{ (void)l; return i == 7 ? "" : NULL; }
static const char *e_two7(int i, const char *l)
{ (void)l; return i == 300 ? "u7@ex.org:{PLAIN}again\nu300@ex.org:{PLAIN}p300\n"
    : NULL; }

/* Indexes text a (sharded: a lowered limit), then updates the index to
 * text b, saying that key changed as kind did.  Returns 1 when the index
 * is then sound for b (pw_index_verify); *copied: the touched shards were
 * copied from the old files (CMD5PW_TEST_INDEX_TRACE). */
static int
update_case(const char *dir, const char *a, const char *b, const char *key,
    int kind, int damage, int *copied)
{
	char path[300], tmp[300], trace[300], got[512];
	struct stat sta, stb;
	struct pwindex_info info;
	struct pw_edits *ed;
	struct pwerr err;
	struct iovec iov;
	unsigned char md[32];
	size_t klen = strlen(key);
	int fd, save, state, r;
	FILE *f;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/pw", dir);
	snprintf(tmp, sizeof(tmp), "%s/pw.new", dir);
	snprintf(trace, sizeof(trace), "%s/trace", dir);
	*copied = 0;
	if ((f = fopen(path, "w")) == NULL || fputs(a, f) < 0 ||
	    fclose(f) != 0 || stat(path, &sta) != 0 ||
	    pw_index_build(path, a, strlen(a), &sta, &err) != 0)
		return 0;
	if (damage) {
		/* one byte of the last record of key's shard file */
		char sp[320];
		struct stat ss;
		unsigned i, nsh = 0;

		for (i = 0; i < 64; i++) {
			snprintf(sp, sizeof(sp), "%s/pw.cdb.%u", dir, i);
			if (stat(sp, &ss) != 0)
				break;
			nsh++;
		}
		if (nsh < 2)
			return 0;
		snprintf(sp, sizeof(sp), "%s/pw.cdb.%u", dir,
		    pwindex_shard_of(key, klen, nsh));
		if ((fd = open(sp, O_RDWR)) < 0)
			return 0;
		/* the first record's last value byte: 2048 + 8 + key */
		{
			unsigned char h[8], c;
			unsigned kl, vl;
			off_t at;

			if (pread(fd, h, 8, 2048) != 8)
				return 0;
			kl = h[0] | h[1] << 8;
			vl = h[4] | h[5] << 8;
			at = 2048 + 8 + kl + vl - 1;
			if (pread(fd, &c, 1, at) != 1)
				return 0;
			c ^= 1;
			if (pwrite(fd, &c, 1, at) != 1)
				return 0;
		}
		close(fd);
	}
	if ((f = fopen(tmp, "w")) == NULL || fputs(b, f) < 0 ||
	    fclose(f) != 0 || rename(tmp, path) != 0 || stat(path, &stb) != 0 ||
	    pw_text_digest(b, strlen(b), md) != 0)
		return 0;
	iov.iov_base = (void *)b;
	iov.iov_len = strlen(b);
	fflush(stderr);
	save = dup(2);
	fd = open(trace, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	close(fd);
	setenv("CMD5PW_TEST_INDEX_TRACE", "1", 1);
	ed = pw_edits_find(&iov, 1, &key, &klen, &kind, 1);
	r = pw_index_update(path, &iov, 1, &stb, &sta, &key, &klen, ed, 1,
	    md, &err);
	pw_edits_free(ed);
	unsetenv("CMD5PW_TEST_INDEX_TRACE");
	fflush(stderr);
	dup2(save, 2);
	close(save);
	if (r != 0)
		return 0;
	fd = open(trace, O_RDONLY);
	n = read(fd, got, sizeof(got) - 1);
	close(fd);
	got[n > 0 ? n : 0] = '\0';
	*copied = strstr(got, "copied from their old files") != NULL;
	return pw_index_verify(path, b, strlen(b), &stb, &info, &state,
	    &err) == 1 && info.nshards > 1;
}

static void
test_index_from_old(void)
{
	char dir[] = "/tmp/cmd5unit.XXXXXX", cmd[64];
	char *a, *b;
	int copied;

	if (mkdtemp(dir) == NULL) {
		check(0, "index: a temp directory");
		return;
	}
	setenv("CMD5PW_TEST_INDEX_LIMIT", "16384", 1);
	a = text_of(NULL, NULL);
#define CASE(edit, tail, key, kind, dmg, want_copied, what) do { \
	b = text_of(edit, tail); \
	check(update_case(dir, a, b, key, kind, dmg, &copied) && \
	    copied == (want_copied), what); \
	free(b); \
} while (0)
	CASE(e_u7, NULL, "u7@ex.org", PWINDEX_SAME, 0, 1,
	    "index: passwd (in place): its shard copied, sound");
	CASE(e_u5first, NULL, "u5@ex.org", PWINDEX_SAME, 0, 1,
	    "index: passwd of a login with two lines: copied, sound");
	CASE(e_no8, NULL, "u8@ex.org", PWINDEX_DROP, 0, 1,
	    "index: del: copied, sound");
	CASE(e_no5, NULL, "u5@ex.org", PWINDEX_DROP, 0, 1,
	    "index: del of both lines of a login: copied, sound");
	CASE(NULL, "new@ex.org:{PLAIN}n\n", "new@ex.org", PWINDEX_NEW, 0, 1,
	    "index: add (appended): copied, sound");
	/* a change that is not what it says: the shard from the text */
	CASE(e_no7, NULL, "u7@ex.org", PWINDEX_SAME, 0, 0,
	    "index: 'in place' but the line went: from the text, sound");
	CASE(e_two7, NULL, "u7@ex.org", PWINDEX_SAME, 0, 0,
	    "index: 'in place' but a line more: from the text, sound");
	CASE(NULL, NULL, "u7@ex.org", PWINDEX_DROP, 0, 0,
	    "index: 'removed' but still there: from the text, sound");
	CASE(e_u7, NULL, "u7@ex.org", PWINDEX_NEW, 0, 0,
	    "index: 'new' but it had a record: from the text, sound");
	CASE(NULL, "new@ex.org:{PLAIN}n\nnew@ex.org:{PLAIN}m\n",
	    "new@ex.org", PWINDEX_NEW, 0, 0,
	    "index: 'new' with two lines: from the text, sound");
	CASE(e_u7, NULL, "u7@ex.org", PWINDEX_ANY, 0, 0,
	    "index: a change that does not say: from the text, sound");
	/* a damaged record in the old shard is not carried over */
	CASE(e_u7, NULL, "u7@ex.org", PWINDEX_SAME, 1, 0,
	    "index: a damaged old shard: from the text, sound");
#undef CASE
	free(a);
	unsetenv("CMD5PW_TEST_INDEX_LIMIT");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		check(0, "index: the temp directory removed");
}

int
main(void)
{
	test_rfc2202();
	test_rfc2195();
	test_against_libcrypto();
	test_cram_state();
	test_apop();
	test_ct_equal();
	test_parse_line();
	test_verifiers();
	test_scan();
	test_fd3();
	test_challenge();
	test_verify();
	test_mailbox();
	test_index_from_old();
	return failures != 0;
}
