#!/usr/bin/env python3
"""tests/fakepopup.py HOSTNAME checkprogram subprogram...: a stand-in for
qmail-popup (notqmail qmail-popup.c) under tcpserver; fd 0 and 1 are the
client's socket.  Greets with "+OK <pid.time@HOSTNAME>"; USER/PASS writes
login\\0password\\0<timestamp>\\0 on the checker's fd 3, APOP writes
login\\0digest\\0<timestamp>\\0; the checker (and the subprogram it runs,
the POP3 daemon) inherits the socket as stdin and stdout.  A non-zero exit
is "-ERR authorization failed" and the end of the connection, as
qmail-popup's die_badauth(): one attempt per connection.  The timestamp is
made by this process, which forks and execs the checker itself."""
import os
import socket
import sys
import time

import standin

hostname, checker = sys.argv[1], sys.argv[2:]
conn = socket.socket(fileno=os.dup(0))
stamp = ("<%d.%d@%s>" % (os.getpid(), int(time.time()), hostname)).encode()


def out(s):
    standin.send(conn, s)


def readline():
    return standin.readline(conn, 1024)


def check(login, secret):
    if standin.checkpassword(checker, login + b"\0" + secret + b"\0" +
                             stamp + b"\0"):
        sys.exit(0)         # the POP3 daemon had the session
    out("-ERR authorization failed")
    sys.exit(0)


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
        user = None
    elif verb == b"APOP" and b" " in arg:
        login, digest = arg.rsplit(b" ", 1)
        check(login, digest)
    elif verb == b"QUIT":
        out("+OK ")
        break
    else:
        out("-ERR authorization first")
