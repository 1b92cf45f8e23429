#!/usr/bin/env python3
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
"""tests/fakesmtpd.py: a stand-in for a qmail-smtpd with an AUTH patch, run
under tcpserver (fd 0 and 1 are the client's socket; TCPREMOTEIP,
TCPLOCALHOST, RELAYCLIENT, SMTPAUTH come from tcpserver and tcprules).
Debian packages no qmail-smtpd, so this models what the two AUTH patch
families do around the checkpassword program (shared/PROTOCOLS.md):

  fakesmtpd.py dabrowski HOSTNAME checkprogram subprogram...
      Dabrowski's qmail-smtpd-auth 0.31: AUTH always offered; CRAM-MD5
      challenge <pid.time@HOSTNAME>; fd 3 gets login\\0challenge\\0digest\\0
      (CRAM-MD5) or login\\0password\\0\\0 (LOGIN, PLAIN); the response is
      split at its first space; qmail-smtpd copied fd 1 onto fd 2, so the
      checker's stderr is the client's socket too.
  fakesmtpd.py hoffmann checkprogram subprogram...
      Hoffmann's AUTH patch: AUTH offered when SMTPAUTH is set, CRAM-MD5 when
      it contains "cram", AUTH required before MAIL when it starts with "!";
      challenge <pid.time@TCPLOCALHOST>; fd 3 gets login\\0digest\\0challenge\\0
      (CRAM-MD5), login\\0password\\0\\0 (LOGIN, PLAIN with CRAM-MD5 on) or
      login\\0password\\0 (without); the response is split at its last
      space; the checker's stdout is the socket, its stderr the log.

What the client controls, as in both patches: an AUTH LOGIN login and
password reach fd 3 with every byte they decode to, NULs included; AUTH
PLAIN's fields are C strings (stralloc_copys), each cut at its first NUL.
The challenge is made by this process, which forks and execs the checker
itself (standin.checkpassword, no shell between), so the checker's parent
is the PID in the challenge.
STARTTLS, as the qmail-tls patch does it, when ./control/servercert.pem
(key and certificate; qmail-smtpd runs in /var/qmail) is readable; the
checker's stdout and stderr stay the bare socket after it.
Both: any non-zero exit of the checker is 535.  Relaying (a recipient
outside mx.test) needs RELAYCLIENT or a successful AUTH.  Accepted mail is
written to $FAKEQUEUE/msg.N (no qmail-queue here).  The patches' sleep
before 535 is left out to keep the suite fast."""
import base64
import os
import socket
import ssl
import sys
import time

import standin

family = sys.argv[1]
if family == "dabrowski":
    hostname, checker = sys.argv[2], sys.argv[3:]
    auth_env = "+cram"
elif family == "hoffmann":
    hostname, checker = os.environ.get("TCPLOCALHOST", "unknown"), sys.argv[2:]
    auth_env = os.environ.get("SMTPAUTH")
else:
    sys.exit("usage: fakesmtpd.py dabrowski|hoffmann ...")

conn = socket.socket(fileno=os.dup(0))
CERT = "control/servercert.pem"
offer_tls = os.access(CERT, os.R_OK)
offer_auth = auth_env is not None
offer_cram = offer_auth and "cram" in auth_env
only_cram = offer_cram and "+cram" not in auth_env
auth_required = offer_auth and auth_env.startswith("!")
relayclient = "RELAYCLIENT" in os.environ
authed = None


def out(s):
    standin.send(conn, s)


def readline():
    return standin.readline(conn, 4096, lambda: out("500 line too long"))


def b64(s):
    try:
        return base64.b64decode(s, validate=True)
    except ValueError:
        return None


def check(fields):
    """Runs the checker with fields on fd 3, as the patch does; True on 0."""
    return standin.checkpassword(checker, b"".join(fields),
                                 stderr_to_client=family == "dabrowski")


class Cancelled(Exception):
    pass


def ask(prompt, given=None):
    """The client's answer to a 334 prompt (or the initial response it
    already gave); "*" cancels the exchange (RFC 4954)."""
    if given is None:
        out(prompt)
        given = readline()
    if given == b"*":
        raise Cancelled
    return given


def auth(arg):
    try:
        return auth_exchange(arg)
    except Cancelled:
        return out("501 auth exchange cancelled (#5.0.0)")


def auth_exchange(arg):
    global authed
    parts = arg.split(b" ", 1)
    mech = parts[0].upper()
    initial = parts[1] if len(parts) > 1 else None
    if mech == b"PLAIN" and not only_cram:
        dec = b64(ask("334 ", initial))
        if dec is None or dec.count(b"\0") < 2:
            return out("501 malformed auth input (#5.5.4)")
        # authzid \0 login \0 password, each copied as a C string: the
        # password ends at its first NUL, whatever follows
        _, login, password = dec.split(b"\0")[:3]
        fields = [login + b"\0", password + b"\0"]
    elif mech == b"LOGIN" and not only_cram:
        login = b64(ask("334 VXNlcm5hbWU6", initial))
        password = b64(ask("334 UGFzc3dvcmQ6"))
        if login is None or password is None:
            return out("501 malformed auth input (#5.5.4)")
        fields = [login + b"\0", password + b"\0"]
    elif mech == b"CRAM-MD5" and offer_cram:
        chal = ("<%d.%d@%s>" % (os.getpid(), int(time.time()), hostname)).encode()
        dec = b64(ask("334 " + base64.b64encode(chal).decode()))
        if dec is None or b" " not in dec:
            return out("501 malformed auth input (#5.5.4)")
        if family == "dabrowski":
            login, digest = dec.split(b" ", 1)
            fields = [login + b"\0", chal + b"\0", digest + b"\0"]
        else:
            login, digest = dec.rsplit(b" ", 1)
            fields = [login + b"\0", digest + b"\0", chal + b"\0"]
    else:
        return out("504 auth type unimplemented (#5.5.1)")
    if family == "hoffmann" and mech != b"CRAM-MD5" and offer_cram:
        fields.append(b"\0")
    elif family == "dabrowski" and mech != b"CRAM-MD5":
        fields.append(b"\0")
    if check(fields):
        authed = login
        out("235 ok, go ahead (#2.0.0)")
    else:
        out("535 authorization failed (#5.7.0)")


def starttls():
    global conn, offer_tls
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(CERT)
    out("220 ready for tls")
    conn = ctx.wrap_socket(conn, server_side=True)
    offer_tls = False


def main():
    global authed
    queue = os.environ.get("FAKEQUEUE", ".")
    sender, rcpts, seen_helo = None, [], False
    out("220 %s ESMTP" % hostname)
    while True:
        line = readline()
        verb, _, arg = line.partition(b" ")
        verb = verb.upper()
        if verb == b"EHLO":
            seen_helo = True
            lines = [hostname, "PIPELINING", "8BITMIME"]
            if offer_tls:
                lines.append("STARTTLS")
            if offer_auth:
                mechs = "CRAM-MD5" if only_cram else \
                    "LOGIN PLAIN" + (" CRAM-MD5" if offer_cram else "")
                lines += ["AUTH " + mechs, "AUTH=" + mechs]
            for i, text in enumerate(lines):
                out("250%s%s" % (" " if i == len(lines) - 1 else "-", text))
        elif verb == b"HELO":
            seen_helo = True
            out("250 " + hostname)
        elif verb == b"STARTTLS" and offer_tls:
            starttls()
            sender, rcpts, seen_helo, authed = None, [], False, None
        elif verb == b"AUTH":
            if not seen_helo:
                out("503 you're not polite enough (#5.5.1)")
            elif authed is not None:
                out("503 you're already authenticated (#5.5.0)")
            else:
                auth(arg)
        elif verb == b"MAIL":
            if auth_required and authed is None:
                out("530 authentication required (#5.7.1)")
            else:
                sender, rcpts = arg, []
                out("250 ok")
        elif verb == b"RCPT":
            if sender is None:
                out("503 MAIL first (#5.5.1)")
            elif not (relayclient or authed is not None or
                      arg.lower().rstrip(b">").endswith(b"@mx.test")):
                out("553 sorry, that domain isn't in my list of allowed "
                    "rcpthosts (#5.7.1)")
            else:
                rcpts.append(arg)
                out("250 ok")
        elif verb == b"DATA":
            if not rcpts:
                out("503 RCPT first (#5.5.1)")
                continue
            out("354 go ahead")
            body = []
            while True:
                d = readline()
                if d == b".":
                    break
                body.append(d[1:] if d.startswith(b"..") else d)
            name = os.path.join(queue, "msg.%d.%d" % (os.getpid(), time.time_ns()))
            with open(name + ".tmp", "wb") as f:
                f.write(b"X-Auth: %s\nX-Envelope: %s %s\n" % (
                    authed or b"-", sender, b" ".join(rcpts)))
                f.write(b"\n".join(body) + b"\n")
            os.rename(name + ".tmp", name)
            sender, rcpts = None, []
            out("250 ok queued")
        elif verb == b"RSET":
            sender, rcpts = None, []
            out("250 flushed")
        elif verb == b"NOOP":
            out("250 ok")
        elif verb == b"QUIT":
            out("221 %s" % hostname)
            return
        else:
            out("502 unimplemented (#5.5.1)")


main()
