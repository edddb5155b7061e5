#!/usr/bin/env python3
"""Where a browser's time went, from a Chrome trace (bench/viewer.sh with VIEWER_TRACE=file): for each process and thread,
its busy time (the sum of its top-level tasks) and the events that took most of it (inclusive, so nested ones overlap).
Usage: bench/trace-summary.py trace.json [top=8]"""
import collections
import json
import sys

events = json.load(open(sys.argv[1]))
top = int(sys.argv[2]) if len(sys.argv) > 2 else 8
processes, threads = {}, {}
for e in events:
    if e.get('ph') == 'M' and e.get('name') == 'process_name':
        processes[e['pid']] = e['args']['name']
    if e.get('ph') == 'M' and e.get('name') == 'thread_name':
        threads[(e['pid'], e['tid'])] = e['args']['name']
timed = [e for e in events if e.get('ph') == 'X' and 'dur' in e]
start = min(e['ts'] for e in timed)
end = max(e['ts'] + e['dur'] for e in timed)
busy = collections.Counter()
names = collections.defaultdict(collections.Counter)
counts = collections.defaultdict(collections.Counter)
for e in timed:
    key = (e['pid'], e['tid'])
    if e['name'] in ('ThreadControllerImpl::RunTask', 'RunTask', 'ThreadPool_RunTask'):
        busy[key] += e['dur']
    else:
        names[key][e['name']] += e['dur']
        counts[key][e['name']] += 1
print(f'trace: {(end - start) / 1e6:.2f} s')
for key, micros in busy.most_common():
    if micros < 20_000:
        continue
    pid, tid = key
    print(f'{processes.get(pid, pid)} / {threads.get(key, tid)}: busy {micros / 1e6:.2f} s')
    for name, d in names[key].most_common(top):
        print(f'    {d / 1e6:7.3f} s  {counts[key][name]:6d}x  {name}')
