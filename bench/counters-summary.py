#!/usr/bin/env python3
"""bench/counters-summary.py FILE.csv: a worker's runtime counters second by second (dotnet-counters' CSV, as
bench/retrieval.sh --studies writes them with COUNTERS=folder), then the totals over the seconds it was busy."""
import collections
import csv
import sys

ALLOC = 'dotnet.gc.heap.total_allocated (By / 1 sec)'
JIT_S = 'dotnet.jit.compilation.time (s / 1 sec)'
JIT_M = 'dotnet.jit.compiled_methods ({method} / 1 sec)'
CPU = ('dotnet.process.cpu.time (s / 1 sec)[cpu.mode=user]', 'dotnet.process.cpu.time (s / 1 sec)[cpu.mode=system]')
GC0 = 'dotnet.gc.collections ({collection} / 1 sec)[gc.heap.generation=gen0]'
GC2 = 'dotnet.gc.collections ({collection} / 1 sec)[gc.heap.generation=gen2]'

seconds = collections.defaultdict(dict)
for row in csv.DictReader(open(sys.argv[1])):
    seconds[row['Timestamp']][row['Counter Name']] = float(row['Mean/Increment'] or 0)

busy = collections.Counter()
print(f"{'time':>8} {'alloc MB':>9} {'JIT s':>6} {'methods':>8} {'CPU s':>6} {'gen0':>5} {'gen2':>5}")
for stamp, d in seconds.items():
    cpu = sum(d.get(c, 0) for c in CPU)
    print(f"{stamp[-8:]:>8} {d.get(ALLOC, 0) / 1e6:9.1f} {d.get(JIT_S, 0):6.3f} {d.get(JIT_M, 0):8.0f} {cpu:6.2f} {d.get(GC0, 0):5.0f} {d.get(GC2, 0):5.0f}")
    if cpu >= 0.1:  # a second of work, not an idle worker's polling
        busy.update({'seconds': 1, 'alloc': d.get(ALLOC, 0), 'jit_s': d.get(JIT_S, 0), 'methods': d.get(JIT_M, 0), 'cpu': cpu})
print(f"busy seconds (>= 0.1 s of CPU): {busy['seconds']}, allocated {busy['alloc'] / 1e6:.0f} MB, JIT {busy['jit_s']:.2f} s "
      f"({busy['methods']:.0f} methods), CPU {busy['cpu']:.2f} s")
