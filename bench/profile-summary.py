#!/usr/bin/env python3
"""Where the viewer page's main thread spent its time, from a V8 CPU profile (bench/viewer.sh with VIEWER_PROFILE=file):
self time per script (and per function), for the whole profile or a window of it (seconds from the profile's start).
Usage: bench/profile-summary.py profile.cpuprofile [top=25] [from_s to_s]"""
import collections
import json
import sys

profile = json.load(open(sys.argv[1]))
top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
window = (float(sys.argv[3]), float(sys.argv[4])) if len(sys.argv) > 4 else None
nodes = {n['id']: n for n in profile['nodes']}
parent = {}
for n in profile['nodes']:
    for child in n.get('children', []):
        parent[child] = n['id']

def script(node):
    url = node['callFrame'].get('url') or ''
    return url.rsplit('/', 1)[-1] or f"({node['callFrame']['functionName'] or 'program'})"

by_script, by_function, by_top = collections.Counter(), collections.Counter(), collections.Counter()
t = profile['startTime']
deltas = profile['timeDeltas']
for i, sample in enumerate(profile['samples']):
    t += deltas[i]
    span = deltas[i + 1] if i + 1 < len(deltas) else 0
    at = (t - profile['startTime']) / 1e6
    if window and not window[0] <= at < window[1]:
        continue
    node = nodes[sample]
    by_script[script(node)] += span
    frame = node['callFrame']
    by_function[f"{frame['functionName'] or '(anonymous)'} {script(node)}:{frame['lineNumber'] + 1}:{frame['columnNumber'] + 1}"] += span
    # the outermost script frame that is ours or a library's (what started the work)
    chain, x = [], sample
    while x in parent:
        chain.append(nodes[x]); x = parent[x]
    outer = next((n for n in reversed(chain) if n['callFrame'].get('url')), node)
    by_top[f"{outer['callFrame']['functionName'] or '(anonymous)'} {script(outer)}:{outer['callFrame']['lineNumber'] + 1}"] += span

total = sum(by_script.values())
print(f"sampled: {total / 1000:.0f} ms" + (f" in {window[0]}-{window[1]} s" if window else ''))
for title, counter in (('self time by script', by_script), ('self time by function', by_function), ('by outermost script frame', by_top)):
    print(f'== {title}')
    for name, us in counter.most_common(top):
        print(f'{us / 1000:8.1f} ms  {name}')
