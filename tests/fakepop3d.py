#!/usr/bin/env python3
"""tests/fakepop3d.py: the POP3 transaction state after a login, an empty
mailbox, standing in for qmail-pop3d.  Its first reply names $USER, which
the checkpassword program must have set."""
import os
import sys

out = sys.stdout.buffer


def reply(s):
    out.write(s.encode() + b"\r\n")
    out.flush()


reply("+OK logged in as " + os.environ.get("USER", "(no USER)"))
for line in sys.stdin.buffer:
    verb = line.strip().split(b" ")[0].upper()
    if verb == b"STAT":
        reply("+OK 0 0")
    elif verb == b"LIST":
        reply("+OK \r\n.")
    elif verb == b"NOOP":
        reply("+OK ")
    elif verb == b"QUIT":
        reply("+OK ")
        break
    else:
        reply("-ERR unknown command")
