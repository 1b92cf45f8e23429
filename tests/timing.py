#!/usr/bin/env python3
"""tests/timing.py N PROG ARGS... -- REF REQ...

Times PROG ARGS once per request per round, N rounds, each request written
to fd 3.  A request is a Python string literal body: 'alice\\x00x\\x00\\x00';
'%C' in it becomes a challenge '<PID.TIME@localhost>' made just before the
run (PID is this process, the checker's parent, as with a real front end).
'@US:' before a request adds US microseconds inside the timed window: a
control of known size.  Within a round the requests run in a random order,
back to back, so a load change on the machine hits all of them alike.  Prints one line per request:
"MEDIAN_US PAIRED_PERCENT EXIT_CODES", where PAIRED_PERCENT is the median,
over the rounds, of (this request's time - REF's time in the same round),
relative to REF's median (signed; 0.0 for REF itself)."""
import codecs
import os
import random
import re
import statistics
import subprocess
import sys
import time


def request(body):
    s = codecs.decode(body, "unicode_escape")
    if "%C" in s:
        s = s.replace("%C", "<%d.%d@localhost>" % (os.getpid(), time.time()))
    return s.encode("latin-1")


def run_once(cmd, body):
    delay = 0
    m = re.match(r"@(\d+):", body)
    if m:           # a control: this much more time, known in advance
        delay, body = int(m.group(1)) / 1e6, body[m.end():]
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


def main():
    args = sys.argv[1:]
    n = int(args.pop(0))
    i = args.index("--")
    cmd, reqs = args[:i], args[i + 1:]
    times = [[] for _ in reqs]
    rcs = [set() for _ in reqs]
    for _ in range(2):          # warm the page cache and the binary
        for r in reqs:
            run_once(cmd, r)
    for _ in range(n):
        order = list(range(len(reqs)))
        random.shuffle(order)
        for k in order:
            t, rc = run_once(cmd, reqs[k])
            times[k].append(t)
            rcs[k].add(rc)
    ref = statistics.median(times[0])
    for k in range(len(reqs)):
        paired = statistics.median(x - y for x, y in zip(times[k], times[0]))
        print("%.0f %.1f %s" % (statistics.median(times[k]),
                                100.0 * paired / ref,
                                ",".join(str(x) for x in sorted(rcs[k]))))


main()
