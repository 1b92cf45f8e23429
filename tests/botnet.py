#!/usr/bin/env python3
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
"""tests/botnet.py PORT PLAN: a botnet on loopback against an SMTP AUTH
server on 127.0.0.1:PORT, while the real user logs in from her own address.

PLAN lines, one attempt each: "SOURCEIP LOGIN PASSWORD" (a bot's guess,
one connection from SOURCEIP, AUTH PLAIN then QUIT).  A bot (a source
address) makes its guesses one after the other; WORKERS bots (env,
default 8) run at once; the real user (env REAL="IP LOGIN PASSWORD") logs
in every REAL_EVERY bot attempts (default 25), from her address, waiting
for each answer.  Prints, one per line:
  attempts N / accepted N / rejected N / errors N / slowest_ms N
  real_ok N / real_tries N / real_slowest_ms N"""
import os
import smtplib
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor


def attempt(src, login, password):
    """'235', '535' or 'error ...', and the milliseconds it took."""
    t0 = time.monotonic()
    try:
        s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=120,
                         source_address=(src, 0))
        try:
            s.ehlo("bot.test")
            code, _ = s.docmd("AUTH", "PLAIN " + __import__("base64").b64encode(
                b"\0" + login.encode() + b"\0" + password.encode()).decode())
            r = str(code)
        finally:
            try:
                s.quit()
            except (smtplib.SMTPException, OSError):
                pass
    except (smtplib.SMTPException, OSError) as e:
        r = "error " + str(e)
    return r, (time.monotonic() - t0) * 1000


def main():
    plan = [l.split() for l in open(sys.argv[2]) if l.strip()]
    workers = int(os.environ.get("WORKERS", "8"))
    bots = {}
    for p in plan:
        bots.setdefault(p[0], []).append(p)
    real = os.environ.get("REAL", "").split()
    every = int(os.environ.get("REAL_EVERY", "25"))
    stats = {"attempts": 0, "accepted": 0, "rejected": 0, "errors": 0,
             "slowest_ms": 0}
    lock = threading.Lock()
    done = threading.Event()
    real_stats = {"ok": 0, "tries": 0, "slowest": 0}

    def bot(guesses):
        for p in guesses:
            one(p)

    def one(p):
        r, ms = attempt(*p)
        with lock:
            stats["attempts"] += 1
            key = "accepted" if r == "235" else "rejected" if r == "535" \
                else "errors"
            stats[key] += 1
            stats["slowest_ms"] = max(stats["slowest_ms"], int(ms))
            if key == "errors":
                print("# " + r, file=sys.stderr)

    def real_user():
        seen = -1
        while not done.is_set():
            with lock:
                n = stats["attempts"]
            if n // every != seen:
                seen = n // every
                r, ms = attempt(*real)
                real_stats["tries"] += 1
                real_stats["ok"] += r == "235"
                real_stats["slowest"] = max(real_stats["slowest"], int(ms))
                if r != "235":
                    print("# real user: " + r, file=sys.stderr)
            else:
                time.sleep(0.02)

    t = threading.Thread(target=real_user) if real else None
    if t:
        t.start()
    with ThreadPoolExecutor(workers) as ex:
        list(ex.map(bot, bots.values()))
    done.set()
    if t:
        t.join()
    for k in ("attempts", "accepted", "rejected", "errors", "slowest_ms"):
        print(k, stats[k])
    print("real_ok", real_stats["ok"])
    print("real_tries", real_stats["tries"])
    print("real_slowest_ms", real_stats["slowest"])


main()
