#!/usr/bin/env python3
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
"""tests/replayclient.py: a client that logs in once as its user would and
then replays what a listener on the wire saw, for tests/t_replay.sh.  Bytes
arguments are Python escapes ("a\\x00b"); each command prints one line.

  cram PORT LOGIN PASSWORD        a genuine AUTH CRAM-MD5: "CODE CHAL DIGEST"
  cram-again PORT LOGIN DIGEST    the same response to a new challenge: "CODE"
  login PORT LOGIN PASSWORD       AUTH LOGIN, any bytes (NULs too): "CODE"
  plain PORT BLOB                 AUTH PLAIN with the decoded BLOB: "CODE"
  apop PORT LOGIN SECRET          a genuine POP3 APOP: "OK|ERR TS DIGEST"
Environment: SRCIP, the local address to connect from (tcprules)."""
import base64
import hashlib
import hmac
import os
import socket
import sys

TIMEOUT = 20
SRC = (os.environ["SRCIP"], 0) if os.environ.get("SRCIP") else None


def arg(s):
    return s.encode("latin-1").decode("unicode_escape").encode("latin-1")


def enc(b):
    return base64.b64encode(b).decode()


class Conn:
    def __init__(self, port):
        self.c = socket.create_connection(("127.0.0.1", int(port)),
                                          timeout=TIMEOUT, source_address=SRC)
        self.f = self.c.makefile("rb")

    def reply(self):
        while True:
            line = self.f.readline(4096)
            if len(line) < 4 or line[3:4] != b"-":
                return line.decode("latin-1").rstrip("\r\n")

    def send(self, text):
        self.c.sendall(text.encode() + b"\r\n")
        return self.reply()

    def code(self, line):
        return line[:3] if line[:1].isdigit() else "EOF"


def smtp(port):
    s = Conn(port)
    s.reply()
    s.send("EHLO client.test")
    return s


def main(cmd, a):
    if cmd == "cram":
        s = smtp(a[0])
        r = s.send("AUTH CRAM-MD5")
        if not r.startswith("334 "):
            return print(s.code(r), "-", "-")
        chal = base64.b64decode(r[4:])
        digest = hmac.new(arg(a[2]), chal, "md5").hexdigest()
        r = s.send(enc(arg(a[1]) + b" " + digest.encode()))
        print(s.code(r), chal.decode(), digest)
    elif cmd == "cram-again":
        s = smtp(a[0])
        r = s.send("AUTH CRAM-MD5")
        if r.startswith("334 "):
            r = s.send(enc(arg(a[1]) + b" " + a[2].encode()))
        print(s.code(r))
    elif cmd == "login":
        s = smtp(a[0])
        r = s.send("AUTH LOGIN")
        if r.startswith("334 "):
            r = s.send(enc(arg(a[1])))
        if r.startswith("334 "):
            r = s.send(enc(arg(a[2])))
        print(s.code(r))
    elif cmd == "plain":
        s = smtp(a[0])
        print(s.code(s.send("AUTH PLAIN " + enc(arg(a[1])))))
    elif cmd == "apop":
        p = Conn(a[0])
        greet = p.reply()
        ts = greet[greet.index("<"):greet.rindex(">") + 1]
        digest = hashlib.md5(ts.encode() + arg(a[2])).hexdigest()
        r = p.send("APOP %s %s" % (a[1], digest))
        print("OK" if r.startswith("+OK") else "ERR", ts, digest)
    else:
        sys.exit("unknown command " + cmd)


main(sys.argv[1], sys.argv[2:])
