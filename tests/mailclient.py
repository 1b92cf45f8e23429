#!/usr/bin/env python3
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
"""tests/mailclient.py: drive a server with Python's own client libraries
and print what it answered, one word per step, for the shell tests.

  smtp PORT MECH LOGIN PASSWORD [FROM TO]   (MECH: PLAIN, LOGIN, CRAM-MD5)
      prints "auth CODE"; with FROM TO after a 235 also "sent CODE"
  smtp-tls ...                               the same after STARTTLS
  smtp-noauth PORT FROM TO                   "mail CODE" (or "rcpt CODE")
  ehlo PORT [tls]                            the EHLO keywords, one a line
  imap PORT LOGIN PASSWORD                   "login OK" or "login NO"
  pop3 PORT user|apop LOGIN PASSWORD        "login OK <reply>" and "stat N"
                                             or "login ERR"
  pop3-mail PORT user|apop LOGIN PASSWORD   "login OK", then "msgs N" and the
      Subject: of each message (LIST, RETR), or "login ERR <reply>"
  pop3s-mail ...                             the same over TLS (port 995)
  imap-mail PORT LOGIN PASSWORD              "login OK", "msgs N" and each
      Subject: (SELECT INBOX, FETCH), or "login NO"
  imap-cram-mail PORT LOGIN PASSWORD         the same with AUTHENTICATE CRAM-MD5
  raw PORT MECH LOGIN PASSWORD               a whole dialogue on a bare
      socket (EHLO, AUTH, MAIL, RCPT, DATA, QUIT), every line the server
      sent, as sent: to see that nothing else reached the client
Environment: SRCIP, the local address to connect from (tcprules).
"""
import base64
import hmac
import imaplib
import poplib
import os
import socket
import smtplib
import ssl
import sys

TIMEOUT = 20
SRC = (os.environ["SRCIP"], 0) if os.environ.get("SRCIP") else None


def insecure():
    # the test's own self-signed certificate
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def smtp(args, tls):
    port, mech, login, password = args[:4]
    s = smtplib.SMTP("127.0.0.1", int(port), timeout=TIMEOUT,
                     source_address=SRC)
    s.ehlo("client.test")
    if tls:
        s.starttls(context=insecure())
        s.ehlo("client.test")
    s.user, s.password = login, password
    obj = {"PLAIN": s.auth_plain, "LOGIN": s.auth_login,
           "CRAM-MD5": s.auth_cram_md5}[mech]
    try:
        code, _ = s.auth(mech, obj, initial_response_ok=(mech == "PLAIN"))
    except smtplib.SMTPAuthenticationError as e:
        code = e.smtp_code
    print("auth", code)
    if code == 235 and len(args) >= 6:
        try:
            s.sendmail(args[4], [args[5]],
                       "Subject: e2e\r\nFrom: %s\r\n\r\nhello via %s\r\n"
                       % (args[4], mech))
            print("sent 250")
        except smtplib.SMTPResponseException as e:
            print("sent", e.smtp_code)
    s.quit()


def smtp_noauth(args):
    port, sender, rcpt = args
    s = smtplib.SMTP("127.0.0.1", int(port), timeout=TIMEOUT,
                     source_address=SRC)
    s.ehlo("client.test")
    code, _ = s.mail(sender)
    if code != 250:
        print("mail", code)
    else:
        code, _ = s.rcpt(rcpt)
        print("rcpt", code)
    s.quit()


def ehlo(args):
    s = smtplib.SMTP("127.0.0.1", int(args[0]), timeout=TIMEOUT,
                     source_address=SRC)
    s.ehlo("client.test")
    if len(args) > 1:
        s.starttls(context=insecure())
        s.ehlo("client.test")
    for k, v in s.esmtp_features.items():
        print(k.upper(), v.upper())
    s.quit()


def imap(args):
    port, login, password = args
    m = imaplib.IMAP4("127.0.0.1", int(port), timeout=TIMEOUT)
    m.starttls(ssl_context=insecure())
    try:
        m.login(login, password)
        print("login OK")
        m.logout()
    except imaplib.IMAP4.error:
        print("login NO")


def pop3(args):
    port, how, login, password = args
    p = poplib.POP3("127.0.0.1", int(port), timeout=TIMEOUT)
    try:
        if how == "apop":
            resp = p.apop(login, password)
        else:
            p.user(login)
            resp = p.pass_(password)
    except poplib.error_proto:
        print("login ERR")
        p.close()           # qmail-popup hung up after its -ERR
        return
    print("login OK", resp.decode())
    print("stat", p.stat()[0])
    p.quit()


def subject(msg):
    for line in msg:
        if line.lower().startswith(b"subject:"):
            return line[8:].strip().decode()
    return "(none)"


def pop3_mail(args, tls=False):
    port, how, login, password = args
    if tls:
        p = poplib.POP3_SSL("127.0.0.1", int(port), timeout=TIMEOUT,
                            context=insecure())
    else:
        p = poplib.POP3("127.0.0.1", int(port), timeout=TIMEOUT)
    try:
        if how == "apop":
            p.apop(login, password)
        else:
            p.user(login)
            p.pass_(password)
    except poplib.error_proto as e:
        print("login ERR", e.args[0].decode(errors="replace"))
        return
    print("login OK")
    _, listing, _ = p.list()
    print("msgs", len(listing))
    for entry in listing:
        _, lines, _ = p.retr(int(entry.split()[0]))
        print("subject", subject(lines))
    p.quit()


def imap_mail(args, cram=False):
    port, login, password = args
    m = imaplib.IMAP4("127.0.0.1", int(port), timeout=TIMEOUT)
    m.starttls(ssl_context=insecure())
    try:
        if cram:
            m.login_cram_md5(login, password)
        else:
            m.login(login, password)
    except imaplib.IMAP4.error:
        print("login NO")
        return
    print("login OK")
    _, data = m.select("INBOX", readonly=True)
    n = int(data[0])
    print("msgs", n)
    for i in range(1, n + 1):
        _, d = m.fetch(str(i), "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        print("subject", subject(d[0][1].split(b"\r\n")))
    m.logout()


def raw(args):
    port, mech, login, password = args
    c = socket.create_connection(("127.0.0.1", int(port)), timeout=TIMEOUT,
                                 source_address=SRC)
    f = c.makefile("rb")
    got = []

    def reply():
        while True:
            line = f.readline(4096)
            got.append(line)
            if len(line) < 4 or line[3:4] != b"-":
                return line

    def send(text):
        c.sendall(text.encode() + b"\r\n")
        return reply()

    enc = lambda b: base64.b64encode(b).decode()
    reply()
    send("EHLO client.test")
    if mech == "PLAIN":
        send("AUTH PLAIN " + enc(b"\0" + login.encode() + b"\0" +
                                 password.encode()))
    elif mech == "LOGIN":
        send("AUTH LOGIN")
        send(enc(login.encode()))
        send(enc(password.encode()))
    else:
        chal = base64.b64decode(send("AUTH CRAM-MD5")[4:].strip())
        digest = hmac.new(password.encode(), chal, "md5").hexdigest()
        send(enc(login.encode() + b" " + digest.encode()))
    send("MAIL FROM:<%s@mx.test>" % login)
    send("RCPT TO:<rcpt@example.org>")
    if send("DATA").startswith(b"354"):
        send("Subject: raw\r\n\r\nraw dialogue\r\n.")
    send("QUIT")
    c.shutdown(socket.SHUT_WR)
    rest = f.read()
    if rest:
        got.append(rest)
    for line in got:
        sys.stdout.write(repr(line)[2:-1] + "\n")


cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "smtp":
    smtp(args, False)
elif cmd == "smtp-tls":
    smtp(args, True)
elif cmd == "smtp-noauth":
    smtp_noauth(args)
elif cmd == "ehlo":
    ehlo(args)
elif cmd == "pop3":
    pop3(args)
elif cmd == "pop3-mail":
    pop3_mail(args)
elif cmd == "pop3s-mail":
    pop3_mail(args, tls=True)
elif cmd == "imap-mail":
    imap_mail(args)
elif cmd == "imap-cram-mail":
    imap_mail(args, cram=True)
elif cmd == "raw":
    raw(args)
elif cmd == "imap":
    imap(args)
else:
    sys.exit("unknown command " + cmd)
