# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# cmd5checkpw: make, make install, make check, make clean.
.POSIX:
.DELETE_ON_ERROR:

PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
DESTDIR =
# The one-time record of CRAM-MD5/APOP challenges (cmd5checkpw(8), REPLAY)
# lives here: setgid, writable by the front ends' group, nobody else.
STATEDIR = /var/lib/cmd5checkpw
STATEGROUP = nofiles

CC = cc
CFLAGS = -O2 -g -Wall -Wextra -Wshadow -Wstrict-prototypes \
	-D_FORTIFY_SOURCE=2 -fstack-protector-strong
LDFLAGS =
# what the code needs, whatever CFLAGS the user sets; the version is the
# file VERSION's
STD = -std=c11 -D_DEFAULT_SOURCE -DVERSION=\"$$(cat VERSION)\"
# Every login is a fork+exec: a static binary skips the dynamic loader's
# relocation of libcrypto (see README, "Speed").  STATIC=0 links against
# the shared libraries, as a distribution may prefer.
STATIC = 1
PKG_LIBS = $$(pkg-config --libs libcrypto libxcrypt libcdb 2>/dev/null || echo -lcrypto -lcrypt -lcdb)
LIBS_1 = -static -lcdb -lcrypt -lcrypto -pthread
LIBS_0 = $(PKG_LIBS)
LIBS = $(LIBS_$(STATIC))
# cmd5pw keeps the password file's POSIX ACL (libacl); cmd5checkpw needs none
ACL_LIBS = -lacl

CORE = hmac_md5.o pwfile.o pwindex.o lookup.o fd3.o verify.o log.o state.o \
	stdfds.o replay.o mailbox.o
# cmd5pw: options in cmd5pw.c, commands in pwcmd.c and pwcheck.c, the
# transaction of every change in txn.c (cmd5pw.c's top comment)
PWTOOL = util.o txn.o password.o batch.o pwcmd.o pwcheck.o pwmailbox.o
PWTOOL_SRCS = util.c txn.c password.c batch.c pwcmd.c pwcheck.c pwmailbox.c
PWTOOL_HDRS = util.h txn.h password.h batch.h pwcmd.h pwcheck.h pwmailbox.h
PROGS = cmd5checkpw cmd5pw cmd5throttle
# throttling (issue 12) on the shared state files
THROTTLE = throttle.o
# cmd5pw alone links libldap (the directory sync, cmd5pw-ldap(8)), and
# dynamically: Debian ships libldap.a but no libsasl2.a, which it needs.
# cmd5checkpw never loads libldap.
LDAPOBJ = ldapsync.o ldapconf.o pwtx.o
LDAPSRCS = ldapsync.c ldapconf.c pwtx.c
LDAP_LIBS = $$(pkg-config --libs ldap lber 2>/dev/null || echo -lldap -llber)

all: $(PROGS)

cmd5checkpw: cmd5checkpw.o $(CORE) $(THROTTLE)
	$(CC) $(STD) $(CFLAGS) $(LDFLAGS) -o $@ cmd5checkpw.o $(CORE) $(THROTTLE) $(LIBS)

cmd5throttle: cmd5throttle.o $(CORE) $(THROTTLE)
	$(CC) $(STD) $(CFLAGS) $(LDFLAGS) -o $@ cmd5throttle.o $(CORE) $(THROTTLE) $(LIBS)

cmd5pw: cmd5pw.o $(PWTOOL) $(LDAPOBJ) $(CORE)
	$(CC) $(STD) $(CFLAGS) $(LDFLAGS) -o $@ cmd5pw.o $(PWTOOL) $(LDAPOBJ) \
	    $(CORE) $(ACL_LIBS) $(PKG_LIBS) $(LDAP_LIBS) -pthread

.c.o:
	$(CC) $(STD) $(CFLAGS) -c $<

cmd5checkpw.o: cmd5checkpw.c VERSION fd3.h hmac_md5.h log.h lookup.h mailbox.h \
	pwfile.h pwindex.h replay.h state.h stdfds.h throttle.h verify.h
cmd5throttle.o: cmd5throttle.c VERSION throttle.h state.h log.h fd3.h
throttle.o: throttle.c throttle.h state.h log.h fd3.h hmac_md5.h
cmd5pw.o: cmd5pw.c VERSION batch.h password.h pwcheck.h pwcmd.h pwmailbox.h \
	stdfds.h txn.h util.h ldapsync.h
util.o: util.c batch.h hmac_md5.h log.h password.h pwfile.h txn.h util.h
txn.o: txn.c lookup.h password.h pwfile.h pwindex.h pwmailbox.h txn.h util.h
password.o: password.c hmac_md5.h password.h util.h
batch.o: batch.c batch.h hmac_md5.h password.h util.h
pwcmd.o: pwcmd.c batch.h hmac_md5.h lookup.h password.h pwcheck.h pwcmd.h \
	pwfile.h pwmailbox.h txn.h util.h verify.h
pwcheck.o: pwcheck.c hmac_md5.h lookup.h pwcheck.h pwfile.h pwindex.h \
	pwmailbox.h txn.h util.h
pwmailbox.o: pwmailbox.c hmac_md5.h mailbox.h pwfile.h pwmailbox.h txn.h util.h
stdfds.o: stdfds.c stdfds.h
ldapsync.o: ldapsync.c ldapsync.h ldapconf.h hmac_md5.h log.h mailbox.h pwfile.h pwtx.h
ldapconf.o: ldapconf.c ldapconf.h
pwtx.o: pwtx.c pwtx.h hmac_md5.h password.h txn.h util.h
hmac_md5.o: hmac_md5.c hmac_md5.h
pwfile.o: pwfile.c hmac_md5.h log.h mailbox.h pwfile.h
pwindex.o: pwindex.c log.h pwindex.h
lookup.o: lookup.c hmac_md5.h log.h lookup.h pwfile.h pwindex.h
fd3.o: fd3.c fd3.h hmac_md5.h
verify.o: verify.c verify.h fd3.h hmac_md5.h pwfile.h
log.o: log.c log.h
mailbox.o: mailbox.c mailbox.h
state.o: state.c state.h
replay.o: replay.c replay.h fd3.h hmac_md5.h log.h state.h

# The test suite (README): tests/check.sh runs it on this build and on an
# AddressSanitizer + UndefinedBehaviorSanitizer build in build-san/.
SRCS = hmac_md5.c pwfile.c pwindex.c lookup.c fd3.c verify.c log.c state.c \
	stdfds.c replay.c mailbox.c
HDRS = hmac_md5.h pwfile.h pwindex.h lookup.h fd3.h verify.h log.h state.h \
	stdfds.h replay.h mailbox.h
THROTTLE_SRCS = throttle.c
SAN = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all

tests/unit: tests/unit.c $(SRCS) $(HDRS)
	$(CC) $(STD) $(CFLAGS) -I. -o $@ tests/unit.c $(SRCS) $(LIBS_0)

san: build-san/cmd5checkpw build-san/cmd5pw build-san/unit build-san/cmd5throttle

build-san/cmd5checkpw: cmd5checkpw.c VERSION $(SRCS) $(HDRS) $(THROTTLE_SRCS) throttle.h
	mkdir -p build-san
	$(CC) $(STD) $(CFLAGS) $(SAN) -o $@ cmd5checkpw.c $(SRCS) $(THROTTLE_SRCS) $(LIBS_0)

build-san/cmd5throttle: cmd5throttle.c VERSION $(SRCS) $(HDRS) $(THROTTLE_SRCS) throttle.h
	mkdir -p build-san
	$(CC) $(STD) $(CFLAGS) $(SAN) -o $@ cmd5throttle.c $(SRCS) $(THROTTLE_SRCS) $(LIBS_0)

build-san/cmd5pw: cmd5pw.c VERSION $(PWTOOL_SRCS) $(PWTOOL_HDRS) $(SRCS) $(HDRS) \
	    $(LDAPSRCS) pwtx.h ldapsync.h ldapconf.h
	mkdir -p build-san
	$(CC) $(STD) $(CFLAGS) $(SAN) -o $@ cmd5pw.c $(PWTOOL_SRCS) $(LDAPSRCS) \
	    $(SRCS) $(ACL_LIBS) $(LIBS_0) $(LDAP_LIBS)

build-san/unit: tests/unit.c $(SRCS) $(HDRS)
	mkdir -p build-san
	$(CC) $(STD) $(CFLAGS) $(SAN) -I. -o $@ tests/unit.c $(SRCS) $(LIBS_0)

# Hardening (issue 6).  Fuzzing: libFuzzer targets in tests/fuzz/, built by
# clang with ASan + UBSan into build-fuzz/; make fuzz runs each for
# FUZZ_SECONDS, growing build-fuzz/corpus-NAME from tests/fuzz/corpus-NAME.
# build-vg/ is a plain dynamic build for valgrind (which cannot run ASan);
# tests/mkindex builds PATH.cdb with pwindex_build, for the tests.
FUZZ_TARGETS = fd3 pwfile pwindex cmd5pw mailbox ldapmap
FUZZ_SECONDS = 60
FUZZCC = clang
FUZZFLAGS = -g -O1 -fno-omit-frame-pointer -Wall -Wextra \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZERS = build-fuzz/fuzz_fd3 build-fuzz/fuzz_pwfile build-fuzz/fuzz_pwindex \
	build-fuzz/fuzz_cmd5pw build-fuzz/fuzz_mailbox \
	build-fuzz/fuzz_ldapmap
FUZZDEPS = tests/fuzz/cheap.h tests/fakestat.h $(SRCS) $(HDRS)

fuzz-build: $(FUZZERS)

build-fuzz/fuzz_fd3: tests/fuzz/fuzz_fd3.c $(FUZZDEPS)
	mkdir -p build-fuzz
	$(FUZZCC) $(STD) $(FUZZFLAGS) -I. -o $@ tests/fuzz/fuzz_fd3.c $(SRCS) $(LIBS_0)

build-fuzz/fuzz_pwfile: tests/fuzz/fuzz_pwfile.c $(FUZZDEPS)
	mkdir -p build-fuzz
	$(FUZZCC) $(STD) $(FUZZFLAGS) -I. -o $@ tests/fuzz/fuzz_pwfile.c $(SRCS) $(LIBS_0)

build-fuzz/fuzz_pwindex: tests/fuzz/fuzz_pwindex.c $(FUZZDEPS)
	mkdir -p build-fuzz
	$(FUZZCC) $(STD) $(FUZZFLAGS) -I. -o $@ tests/fuzz/fuzz_pwindex.c $(SRCS) $(LIBS_0)

# cmd5pw's sources are compiled in, as one unit (main renamed; see the
# target)
build-fuzz/fuzz_mailbox: tests/fuzz/fuzz_mailbox.c $(FUZZDEPS)
	mkdir -p build-fuzz
	$(FUZZCC) $(STD) $(FUZZFLAGS) -I. -o $@ tests/fuzz/fuzz_mailbox.c $(SRCS) $(LIBS_0)

build-fuzz/fuzz_cmd5pw: tests/fuzz/fuzz_cmd5pw.c cmd5pw.c VERSION $(PWTOOL_SRCS) \
	    $(PWTOOL_HDRS) $(FUZZDEPS)
	mkdir -p build-fuzz
	$(FUZZCC) $(STD) $(FUZZFLAGS) -DNO_LDAP -I. -o $@ tests/fuzz/fuzz_cmd5pw.c $(SRCS) $(ACL_LIBS) $(LIBS_0) -pthread

# ldapsync.c compiled in: directory values into replica lines
build-fuzz/fuzz_ldapmap: tests/fuzz/fuzz_ldapmap.c ldapsync.c ldapconf.c \
	    ldapconf.h pwtx.h $(FUZZDEPS)
	mkdir -p build-fuzz
	$(FUZZCC) $(STD) $(FUZZFLAGS) -I. -o $@ tests/fuzz/fuzz_ldapmap.c \
	    ldapconf.c $(SRCS) $(LIBS_0) $(LDAP_LIBS)

fuzz: fuzz-build
	for t in $(FUZZ_TARGETS); do \
	    mkdir -p build-fuzz/corpus-$$t && \
	    build-fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	        -print_final_stats=1 build-fuzz/corpus-$$t \
	        tests/fuzz/corpus-$$t || exit 1; \
	done

vg: build-vg/cmd5checkpw

build-vg/cmd5checkpw: cmd5checkpw.c VERSION $(SRCS) $(HDRS) $(THROTTLE_SRCS) throttle.h
	mkdir -p build-vg
	$(CC) $(STD) $(CFLAGS) -o $@ cmd5checkpw.c $(SRCS) $(THROTTLE_SRCS) $(LIBS_0)

tests/mkindex: tests/mkindex.c tests/fakestat.h $(SRCS) $(HDRS)
	$(CC) $(STD) $(CFLAGS) -I. -o $@ tests/mkindex.c $(SRCS) $(LIBS_0)

# tests/statetool drives state.c for tests/t_state.sh
tests/statetool: tests/statetool.c state.c state.h
	$(CC) $(STD) $(CFLAGS) -I. -o $@ tests/statetool.c state.c

# make bench: the benchmark of docs/bench.md, 1.5 minutes on 2 cores; its data
# goes to bench/out/.  The baselines are static, as cmd5checkpw is.
BENCH = bench/bench bench/genpw bench/noop bench/fgets030 bench/barecrypt \
	bench/cmd5checkpw-dyn bench/rss bench/thrfill bench/ldaplookup
BENCH_CORE = $(CORE) bench/names.h $(HDRS)

bench: cmd5checkpw $(BENCH)
	bench/bench

# make bench-big: the 10M-login rows of docs/bench.md (bench/big.sh; about
# 10 GB of disk for a while, a quarter of an hour); BIG_N= for another size
bench-big: cmd5checkpw cmd5pw $(BENCH)
	bench/big.sh

bench/bench: bench/bench.c $(BENCH_CORE)
	$(CC) $(STD) $(CFLAGS) -I. -o $@ bench/bench.c $(CORE) $(LIBS)

bench/genpw: bench/genpw.c $(BENCH_CORE)
	$(CC) $(STD) $(CFLAGS) -I. -o $@ bench/genpw.c $(CORE) $(LIBS)

# the same program linked as with STATIC=0, for comparison
bench/cmd5checkpw-dyn: cmd5checkpw.o $(CORE) $(THROTTLE)
	$(CC) $(STD) $(CFLAGS) $(LDFLAGS) -o $@ cmd5checkpw.o $(CORE) $(THROTTLE) $(LIBS_0)

bench/thrfill: bench/thrfill.c $(CORE) $(THROTTLE) throttle.h
	$(CC) $(STD) $(CFLAGS) -I. -o $@ bench/thrfill.c $(CORE) $(THROTTLE) $(LIBS)

# make bench-ldap: bench/ldap.sh, against a local slapd (cmd5pw-ldap(8)):
# a login on a replica vs a per-login LDAP lookup, a full sync, latency.
bench-ldap: all bench/bench bench/noop bench/ldaplookup
	bash bench/ldap.sh

bench/ldaplookup: bench/ldaplookup.c $(CORE) $(HDRS)
	$(CC) $(STD) $(CFLAGS) -I. -o $@ bench/ldaplookup.c $(CORE) $(PKG_LIBS) \
	    $(LDAP_LIBS)

bench/noop: bench/noop.c
	$(CC) $(STD) $(CFLAGS) -static -o $@ bench/noop.c

bench/fgets030: bench/fgets030.c
	$(CC) $(STD) $(CFLAGS) -static -o $@ bench/fgets030.c

bench/rss: bench/rss.c
	$(CC) $(STD) $(CFLAGS) -static -o $@ bench/rss.c

bench/barecrypt: bench/barecrypt.c
	$(CC) $(STD) $(CFLAGS) -static -o $@ bench/barecrypt.c -lcrypt

test: all tests/unit
	bash tests/run

check:
	bash tests/check.sh

# install-strip: the same, with the binaries stripped (install -s)
INSTALL_STRIP =

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install $(INSTALL_STRIP) -m 0755 cmd5checkpw $(DESTDIR)$(BINDIR)/cmd5checkpw
	install $(INSTALL_STRIP) -m 0755 cmd5pw $(DESTDIR)$(BINDIR)/cmd5pw
	install $(INSTALL_STRIP) -m 0755 cmd5throttle $(DESTDIR)$(BINDIR)/cmd5throttle
	install -m 0644 man/cmd5checkpw.8 $(DESTDIR)$(MANDIR)/man8/cmd5checkpw.8
	install -m 0644 man/cmd5pw.8 $(DESTDIR)$(MANDIR)/man8/cmd5pw.8
	install -m 0644 man/cmd5throttle.8 $(DESTDIR)$(MANDIR)/man8/cmd5throttle.8
	install -m 0644 man/cmd5pw-ldap.8 $(DESTDIR)$(MANDIR)/man8/cmd5pw-ldap.8
	install -m 0644 man/poppasswd.5 $(DESTDIR)$(MANDIR)/man5/poppasswd.5
	mkdir -p $(DESTDIR)$(STATEDIR)
	chmod 2770 $(DESTDIR)$(STATEDIR)
	if getent group $(STATEGROUP) >/dev/null; then \
		chgrp $(STATEGROUP) $(DESTDIR)$(STATEDIR); \
	else \
		echo "note: no group $(STATEGROUP): chgrp the front ends' group $(STATEDIR) (README, Install)"; \
	fi

install-strip:
	$(MAKE) INSTALL_STRIP=-s install

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/cmd5checkpw $(DESTDIR)$(BINDIR)/cmd5pw \
	    $(DESTDIR)$(BINDIR)/cmd5throttle \
	    $(DESTDIR)$(MANDIR)/man8/cmd5throttle.8 \
	    $(DESTDIR)$(MANDIR)/man8/cmd5checkpw.8 \
	    $(DESTDIR)$(MANDIR)/man8/cmd5pw.8 \
	    $(DESTDIR)$(MANDIR)/man8/cmd5pw-ldap.8 \
	    $(DESTDIR)$(MANDIR)/man5/poppasswd.5
	-rmdir $(DESTDIR)$(STATEDIR) 2>/dev/null

clean:
	rm -f *.o $(PROGS) tests/unit tests/mkindex tests/statetool tests/*.o
	rm -rf build-san build-fuzz build-vg tests/tmp bench/out
	rm -f $(BENCH)

.PHONY: all install install-strip uninstall clean test check san bench bench-big bench-ldap fuzz fuzz-build vg
