#!/usr/bin/env python3
"""CPU time (clock ticks, user + system) used so far by the processes ROOTS (comma-separated PIDs)
and every live descendant, plus what the roots' exited children used (a parent that reaps its
children, like Postfix's and Dovecot's masters or PostgreSQL's postmaster, has that in its cutime
and cstime). Then, on the same line, the part of it spent by a JVM's JIT compiler threads and by
its garbage collector's threads (0 for a server that has none).
Usage: cpu-ticks.py PID[,PID...]   prints: TOTAL JIT GC"""
import os
import re
import sys

JIT = re.compile(r'^C\d CompilerThre')
GC = re.compile(r'^(GC Thread|G1 |VM Thread)')

roots = [int(r) for r in sys.argv[1].split(',') if r]
children, stat = {}, {}
for d in os.listdir('/proc'):
    if not d.isdigit():
        continue
    try:
        f = open(f'/proc/{d}/stat').read().rsplit(')', 1)[1].split()
    except OSError:
        continue
    stat[int(d)] = f
    children.setdefault(int(f[1]), []).append(int(d))


def threads(pid):
    """(jit, gc) ticks of the process's threads, when it is a JVM"""
    jit = gc = 0
    try:
        tasks = os.listdir(f'/proc/{pid}/task')
    except OSError:
        return 0, 0
    if len(tasks) == 1:
        return 0, 0
    for t in tasks:
        try:
            raw = open(f'/proc/{pid}/task/{t}/stat').read()
        except OSError:
            continue
        name = raw[raw.index('(') + 1:raw.rindex(')')]
        f = raw.rsplit(')', 1)[1].split()
        ticks = int(f[11]) + int(f[12])
        if JIT.match(name):
            jit += ticks
        elif GC.match(name):
            gc += ticks
    return jit, gc


total = jit = gc = 0
todo = list(roots)
while todo:
    p = todo.pop()
    if p in stat:
        f = stat[p]  # fields after the name: state ppid ... utime(12) stime(13) cutime(14) cstime(15)
        total += int(f[11]) + int(f[12]) + (int(f[13]) + int(f[14]) if p in roots else 0)
        j, g = threads(p)
        jit, gc = jit + j, gc + g
        todo.extend(children.get(p, []))
print(total, jit, gc)
