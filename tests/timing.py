#!/usr/bin/env python3
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
"""tests/timing.py MIN MAX WIDTH SECONDS PROG ARGS... -- REF REQ...

Times PROG ARGS once per request per round, each request written to fd 3.
A request is a Python string literal body: 'alice\\x00x\\x00\\x00';
'%C' in it becomes a challenge '<PID.TIME@localhost>' made just before the
run (PID is this process, the checker's parent, as with a real front end).
'@P%:' before a request adds P% of REF's median time so far inside the
timed window: a control of known size.  Within a round the requests run
in a random order, back to back, so a load change on the machine hits all
of them alike.  Runs at least MIN rounds, then stops when the ~95%
confidence interval of every paired median is within +-WIDTH% of REF's
median, or after MAX rounds or SECONDS (a loaded machine), whichever
comes first.  Prints one line per request:
"MEDIAN_US PAIRED_PERCENT CI_PERCENT ROUNDS EXIT_CODES": PAIRED_PERCENT is
the median, over the rounds, of (this request's time - REF's time in the
same round), relative to REF's median (signed; 0.0 for REF itself), and
CI_PERCENT the half-width of its confidence interval."""
import codecs
import math
import os
import random
import re
import statistics
import subprocess
import sys
import time


SERIAL = [0]


def request(body):
    s = codecs.decode(body, "unicode_escape")
    if "%C" in s:
        # a new challenge each time: the one-time record refuses a repeat
        SERIAL[0] += 1
        s = s.replace("%C", "<%d.%d@r%d.localhost>" % (
            os.getpid(), time.time(), SERIAL[0]))
    return s.encode("latin-1")


def run_once(cmd, body, ref=0.0):
    delay = 0
    m = re.match(r"@(\d+)%:", body)
    if m:           # a control: this much more time, known in advance
        delay, body = int(m.group(1)) / 100 * ref / 1e6, body[m.end():]
    data = request(body)
    r, w = os.pipe()
    os.write(w, data)
    os.close(w)
    t0 = time.perf_counter_ns()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         pass_fds=(3,), preexec_fn=lambda: (os.dup2(r, 3),
                                                time.sleep(delay)))
    p.wait()
    t1 = time.perf_counter_ns()
    os.close(r)
    return (t1 - t0) / 1000.0, p.returncode


def median_ci(xs):
    """The median of xs and the half-width of its ~95% confidence
    interval, from order statistics (no assumption about the spread)."""
    xs = sorted(xs)
    n = len(xs)
    k = int(1.96 * math.sqrt(n) / 2 + 0.5)
    lo, hi = xs[max(0, n // 2 - k)], xs[min(n - 1, (n - 1) // 2 + k)]
    return statistics.median(xs), (hi - lo) / 2


def main():
    args = sys.argv[1:]
    nmin, nmax, width = int(args.pop(0)), int(args.pop(0)), float(args.pop(0))
    budget = time.monotonic() + float(args.pop(0))
    i = args.index("--")
    cmd, reqs = args[:i], args[i + 1:]
    times = [[] for _ in reqs]
    rcs = [set() for _ in reqs]
    warm = []
    for _ in range(2):          # warm the page cache and the binary
        for r in reqs:
            t, _ = run_once(cmd, r)
        warm.append(run_once(cmd, reqs[0])[0])
    n = 0
    while True:
        order = list(range(len(reqs)))
        random.shuffle(order)
        ref = statistics.median(times[0] or warm)
        for k in order:
            t, rc = run_once(cmd, reqs[k], ref)
            times[k].append(t)
            rcs[k].add(rc)
        n += 1
        if n < nmin:
            continue
        ref = statistics.median(times[0])
        widths = [median_ci([x - y for x, y in zip(times[k], times[0])])[1]
                  for k in range(1, len(reqs))]
        if (n >= nmax or time.monotonic() > budget or
                max(widths, default=0) <= width / 100 * ref):
            break
    for k in range(len(reqs)):
        paired, half = median_ci([x - y for x, y in zip(times[k], times[0])])
        print("%.0f %.1f %.1f %d %s" % (
            statistics.median(times[k]), 100.0 * paired / ref,
            100.0 * half / ref, n, ",".join(str(x) for x in sorted(rcs[k]))))


main()
