# cmd5checkpw: make, make install, make check, make clean.
.POSIX:
.DELETE_ON_ERROR:

PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
DESTDIR =

CC = cc
CFLAGS = -O2 -g -Wall -Wextra -Wshadow -Wstrict-prototypes \
	-D_FORTIFY_SOURCE=2 -fstack-protector-strong
LDFLAGS =
# what the code needs, whatever CFLAGS the user sets
STD = -std=c11 -D_DEFAULT_SOURCE
# Every login is a fork+exec: a static binary skips the dynamic loader's
# relocation of libcrypto (see README, "Speed").  STATIC=0 links against
# the shared libraries, as a distribution may prefer.
STATIC = 1
PKG_LIBS = $$(pkg-config --libs libcrypto libxcrypt libcdb 2>/dev/null || echo -lcrypto -lcrypt -lcdb)
LIBS_1 = -static -lcdb -lcrypt -lcrypto -pthread
LIBS_0 = $(PKG_LIBS)
LIBS = $(LIBS_$(STATIC))

CORE = hmac_md5.o pwfile.o pwindex.o lookup.o fd3.o verify.o log.o state.o \
	stdfds.o
# cmd5pw: options in cmd5pw.c, commands in pwcmd.c and pwcheck.c, the
# transaction of every change in txn.c (cmd5pw.c's top comment)
PWTOOL = util.o txn.o password.o batch.o pwcmd.o pwcheck.o
PWTOOL_SRCS = util.c txn.c password.c batch.c pwcmd.c pwcheck.c
PWTOOL_HDRS = util.h txn.h password.h batch.h pwcmd.h pwcheck.h
PROGS = cmd5checkpw cmd5pw

all: $(PROGS)

cmd5checkpw: cmd5checkpw.o $(CORE)
	$(CC) $(STD) $(CFLAGS) $(LDFLAGS) -o $@ cmd5checkpw.o $(CORE) $(LIBS)

cmd5pw: cmd5pw.o $(PWTOOL) $(CORE)
	$(CC) $(STD) $(CFLAGS) $(LDFLAGS) -o $@ cmd5pw.o $(PWTOOL) $(CORE) $(LIBS)

.c.o:
	$(CC) $(STD) $(CFLAGS) -c $<

cmd5checkpw.o: cmd5checkpw.c fd3.h hmac_md5.h log.h lookup.h pwfile.h \
	pwindex.h stdfds.h verify.h
cmd5pw.o: cmd5pw.c batch.h password.h pwcheck.h pwcmd.h stdfds.h txn.h util.h
util.o: util.c batch.h hmac_md5.h log.h password.h pwfile.h txn.h util.h
txn.o: txn.c lookup.h password.h pwfile.h pwindex.h txn.h util.h
password.o: password.c hmac_md5.h password.h util.h
batch.o: batch.c batch.h hmac_md5.h password.h util.h
pwcmd.o: pwcmd.c batch.h hmac_md5.h lookup.h password.h pwcheck.h pwcmd.h pwfile.h \
	txn.h util.h verify.h
pwcheck.o: pwcheck.c hmac_md5.h lookup.h pwcheck.h pwfile.h pwindex.h txn.h util.h
stdfds.o: stdfds.c stdfds.h
hmac_md5.o: hmac_md5.c hmac_md5.h
pwfile.o: pwfile.c hmac_md5.h log.h pwfile.h
pwindex.o: pwindex.c log.h pwindex.h
lookup.o: lookup.c hmac_md5.h log.h lookup.h pwfile.h pwindex.h
fd3.o: fd3.c fd3.h hmac_md5.h
verify.o: verify.c verify.h fd3.h hmac_md5.h pwfile.h
log.o: log.c log.h
state.o: state.c state.h

# The test suite (README): tests/check.sh runs it on this build and on an
# AddressSanitizer + UndefinedBehaviorSanitizer build in build-san/.
SRCS = hmac_md5.c pwfile.c pwindex.c lookup.c fd3.c verify.c log.c state.c \
	stdfds.c
HDRS = hmac_md5.h pwfile.h pwindex.h lookup.h fd3.h verify.h log.h state.h \
	stdfds.h
SAN = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all

tests/unit: tests/unit.c $(SRCS) $(HDRS)
	$(CC) $(STD) $(CFLAGS) -I. -o $@ tests/unit.c $(SRCS) $(LIBS_0)

san: build-san/cmd5checkpw build-san/cmd5pw build-san/unit

build-san/cmd5checkpw: cmd5checkpw.c $(SRCS) $(HDRS)
	mkdir -p build-san
	$(CC) $(STD) $(CFLAGS) $(SAN) -o $@ cmd5checkpw.c $(SRCS) $(LIBS_0)

build-san/cmd5pw: cmd5pw.c $(PWTOOL_SRCS) $(PWTOOL_HDRS) $(SRCS) $(HDRS)
	mkdir -p build-san
	$(CC) $(STD) $(CFLAGS) $(SAN) -o $@ cmd5pw.c $(PWTOOL_SRCS) $(SRCS) \
	    $(LIBS_0)

build-san/unit: tests/unit.c $(SRCS) $(HDRS)
	mkdir -p build-san
	$(CC) $(STD) $(CFLAGS) $(SAN) -I. -o $@ tests/unit.c $(SRCS) $(LIBS_0)

# Hardening (issue 6).  Fuzzing: libFuzzer targets in tests/fuzz/, built by
# clang with ASan + UBSan into build-fuzz/; make fuzz runs each for
# FUZZ_SECONDS, growing build-fuzz/corpus-NAME from tests/fuzz/corpus-NAME.
# build-vg/ is a plain dynamic build for valgrind (which cannot run ASan);
# tests/mkindex builds PATH.cdb with pwindex_build, for the tests.
FUZZ_TARGETS = fd3 pwfile pwindex cmd5pw
FUZZ_SECONDS = 60
FUZZCC = clang
FUZZFLAGS = -g -O1 -fno-omit-frame-pointer -Wall -Wextra \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZERS = build-fuzz/fuzz_fd3 build-fuzz/fuzz_pwfile build-fuzz/fuzz_pwindex \
	build-fuzz/fuzz_cmd5pw
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
build-fuzz/fuzz_cmd5pw: tests/fuzz/fuzz_cmd5pw.c cmd5pw.c $(PWTOOL_SRCS) \
	    $(PWTOOL_HDRS) $(FUZZDEPS)
	mkdir -p build-fuzz
	$(FUZZCC) $(STD) $(FUZZFLAGS) -I. -o $@ tests/fuzz/fuzz_cmd5pw.c $(SRCS) $(LIBS_0) -pthread

fuzz: fuzz-build
	for t in $(FUZZ_TARGETS); do \
	    mkdir -p build-fuzz/corpus-$$t && \
	    build-fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	        -print_final_stats=1 build-fuzz/corpus-$$t \
	        tests/fuzz/corpus-$$t || exit 1; \
	done

vg: build-vg/cmd5checkpw

build-vg/cmd5checkpw: cmd5checkpw.c $(SRCS) $(HDRS)
	mkdir -p build-vg
	$(CC) $(STD) $(CFLAGS) -o $@ cmd5checkpw.c $(SRCS) $(LIBS_0)

tests/mkindex: tests/mkindex.c tests/fakestat.h $(SRCS) $(HDRS)
	$(CC) $(STD) $(CFLAGS) -I. -o $@ tests/mkindex.c $(SRCS) $(LIBS_0)

# tests/statetool drives state.c for tests/t_state.sh
tests/statetool: tests/statetool.c state.c state.h
	$(CC) $(STD) $(CFLAGS) -I. -o $@ tests/statetool.c state.c

# make bench: the benchmark of docs/bench.md, 1.5 minutes on 2 cores; its data
# goes to bench/out/.  The baselines are static, as cmd5checkpw is.
BENCH = bench/bench bench/genpw bench/noop bench/fgets030 bench/barecrypt \
	bench/cmd5checkpw-dyn bench/rss
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
bench/cmd5checkpw-dyn: cmd5checkpw.o $(CORE)
	$(CC) $(STD) $(CFLAGS) $(LDFLAGS) -o $@ cmd5checkpw.o $(CORE) $(LIBS_0)

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

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0755 cmd5checkpw $(DESTDIR)$(BINDIR)/cmd5checkpw
	install -m 0755 cmd5pw $(DESTDIR)$(BINDIR)/cmd5pw
	install -m 0644 man/cmd5checkpw.8 $(DESTDIR)$(MANDIR)/man8/cmd5checkpw.8
	install -m 0644 man/cmd5pw.8 $(DESTDIR)$(MANDIR)/man8/cmd5pw.8
	install -m 0644 man/poppasswd.5 $(DESTDIR)$(MANDIR)/man5/poppasswd.5

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/cmd5checkpw $(DESTDIR)$(BINDIR)/cmd5pw \
	    $(DESTDIR)$(MANDIR)/man8/cmd5checkpw.8 \
	    $(DESTDIR)$(MANDIR)/man8/cmd5pw.8 $(DESTDIR)$(MANDIR)/man5/poppasswd.5

clean:
	rm -f *.o $(PROGS) tests/unit tests/mkindex tests/statetool tests/*.o
	rm -rf build-san build-fuzz build-vg tests/tmp bench/out
	rm -f $(BENCH)

.PHONY: all install uninstall clean test check san bench bench-big fuzz fuzz-build vg
