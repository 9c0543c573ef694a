#!/usr/bin/env python3
"""CPU time (clock ticks, user + system) used so far by the processes ROOTS (comma-separated PIDs)
and every live descendant, plus what the roots' exited children used (a parent that reaps its
children, like Postfix's and Dovecot's masters or PostgreSQL's postmaster, has that in its cutime
and cstime). Usage: cpu-ticks.py PID[,PID...]"""
import os
import sys

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
total, todo = 0, list(roots)
while todo:
    p = todo.pop()
    if p in stat:
        f = stat[p]  # fields after the name: state ppid ... utime(12) stime(13) cutime(14) cstime(15)
        total += int(f[11]) + int(f[12]) + (int(f[13]) + int(f[14]) if p in roots else 0)
        todo.extend(children.get(p, []))
print(total)
