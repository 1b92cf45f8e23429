#!/usr/bin/env python3
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
"""tests/fakepopup.py HOSTNAME checkprogram subprogram...: a stand-in for
qmail-popup under tcpserver (../shared/PROTOCOLS.md, "qmail-popup and
qmail-pop3d"); fd 0 and 1 are the client's socket.  Greets with
"+OK <pid.time@HOSTNAME>"; USER/PASS writes login\\0password\\0<timestamp>\\0
on the checker's fd 3, APOP login\\0digest\\0<timestamp>\\0.  It forks and
execs the checker itself, so the checker's parent is the PID in the
timestamp.  The checker (and the POP3 daemon it runs) inherits the socket
as stdin and stdout.  A non-zero exit is "-ERR authorization failed", and
qmail-popup exits: one attempt per connection.

POPUP_FLAVOUR=netqmail (netqmail 1.06, qmail 1.03): fd 2 is copied from
fd 1 (fd_copy(2,1)), so the checker's stderr is the client.
POPUP_FLAVOUR=notqmail (the default): fd 2 is left alone."""
import os
import socket
import sys
import time

import standin

hostname, checker = sys.argv[1], sys.argv[2:]
netqmail = os.environ.get("POPUP_FLAVOUR", "notqmail") == "netqmail"
conn = socket.socket(fileno=os.dup(0))
stamp = ("<%d.%d@%s>" % (os.getpid(), int(time.time()), hostname)).encode()


def out(s):
    standin.send(conn, s)


def readline():
    return standin.readline(conn, 1024)


def check(login, secret):
    if standin.checkpassword(checker, login + b"\0" + secret + b"\0" +
                             stamp + b"\0", stderr_to_client=netqmail):
        sys.exit(0)         # the POP3 daemon had the session
    out("-ERR authorization failed")
    sys.exit(1)


out("+OK " + stamp.decode())
user = None
while True:
    verb, _, arg = readline().partition(b" ")
    verb = verb.upper()
    if verb == b"USER" and arg:
        user = arg
        out("+OK ")
    elif verb == b"PASS" and user is not None:
        check(user, arg)
    elif verb == b"APOP" and b" " in arg:
        login, digest = arg.split(b" ", 1)
        check(login, digest)
    elif verb == b"QUIT":
        out("+OK ")
        break
    else:
        out("-ERR authorization first")
