#!/usr/bin/env bash
# bench/audit-verify.sh: how long the audit trail's verification takes at a million events (issue 14 item 12).
# Builds bench/audit-bench (Release), which writes N sealed events (a checkpoint every 1,000) into a fresh SQLite
# database and times a full verification and quick ones (since the last verified checkpoint) after 0, 500 and 5,000
# new events, in one run; prints each, and the full check's time over the quick one's.
# Usage: bench/audit-verify.sh [events=1000000] [runs=3]
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-1000000}
RUNS=${2:-3}
dotnet build -c Release bench/audit-bench -v q -nologo >/dev/null
BIN=bench/audit-bench/bin/Release/net10.0/audit-bench
printf '%-18s %10s %12s\n' measurement seconds events
for run in $(seq 1 "$RUNS"); do
    echo "-- run $run"
    out=$("$BIN" "$EVENTS")
    while read -r name seconds walked; do printf '%-18s %10s %12s\n' "$name" "$seconds" "$walked"; done <<< "$out"
    full=$(awk '$1 == "full" { print $2 }' <<< "$out")
    quick=$(awk '$1 == "quick-after-500" { print $2 }' <<< "$out")
    python3 -c "print(f'full / quick (500 new events): {float(\"$full\") / float(\"$quick\"):.0f}x')"
done
