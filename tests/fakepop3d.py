#!/usr/bin/env python3
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
"""tests/fakepop3d.py MAILDIR: a stand-in for qmail-pop3d after a login
(../shared/PROTOCOLS.md): chdir(MAILDIR) relative to the current directory,
which the checkpassword program must have made the user's home, then the
POP3 transaction state over that Maildir only (new/ and cur/): STAT, LIST,
UIDL, RETR, NOOP, QUIT.  fd 0 and 1 are the client.

POPUP_FLAVOUR=notqmail (the default): refuses to run as uid 0, as notqmail's
qmail-pop3d does.  netqmail's runs as root.
POP3D_TRACE=FILE: appends "uid=U gid=G user=USER home=HOME cwd=DIR" for the
tests (the file must be writable by every mailbox uid)."""
import os
import sys

out = sys.stdout.buffer


def reply(s):
    out.write(s if isinstance(s, bytes) else s.encode())
    out.write(b"\r\n")
    out.flush()


def die(msg):
    reply("-ERR " + msg)
    sys.exit(1)


if os.environ.get("POPUP_FLAVOUR", "notqmail") != "netqmail" and \
        os.getuid() == 0:
    die("qmail-pop3d will not run as root")
try:
    os.chdir(sys.argv[1])
except OSError:
    die("this user has no $HOME/Maildir")
trace = os.environ.get("POP3D_TRACE")
if trace:
    with open(trace, "a") as f:
        f.write("uid=%d gid=%d user=%s home=%s cwd=%s\n" % (
            os.getuid(), os.getgid(), os.environ.get("USER", ""),
            os.environ.get("HOME", ""), os.getcwd()))
msgs = []
for sub in ("new", "cur"):
    try:
        names = sorted(os.listdir(sub))
    except OSError:
        die("unable to scan $HOME/Maildir")
    for n in names:
        if not n.startswith("."):
            with open(os.path.join(sub, n), "rb") as f:
                msgs.append((n.split(":")[0], f.read()))

reply("+OK ")
for line in sys.stdin.buffer:
    words = line.strip().split(b" ")
    verb = words[0].upper()
    arg = words[1] if len(words) > 1 else b""
    if verb == b"STAT":
        reply("+OK %d %d" % (len(msgs), sum(len(m) for _, m in msgs)))
    elif verb in (b"LIST", b"UIDL") and not arg:
        reply("+OK ")
        for i, (uid, m) in enumerate(msgs, 1):
            reply("%d %s" % (i, len(m) if verb == b"LIST" else uid))
        reply(".")
    elif verb == b"RETR" and arg.isdigit() and 1 <= int(arg) <= len(msgs):
        reply("+OK ")
        for ln in msgs[int(arg) - 1][1].split(b"\n"):
            ln = ln.rstrip(b"\r")
            reply(b"." + ln if ln.startswith(b".") else ln)
        reply(".")
    elif verb == b"NOOP":
        reply("+OK ")
    elif verb == b"QUIT":
        reply("+OK ")
        break
    else:
        reply("-ERR unknown command")
