#!/usr/bin/env bash
# Fuzzes the DICOM reader for longer than CI does: the same seeded mutations as DicomFuzzTests, more cases.
# Usage: bench/fuzz-dicom.sh [cases per round=20000] [rounds=5] [first seed=1]
# Each round uses a new seed; a failure prints the seed and case so it can be replayed with
#   IMAGEPORTAL_FUZZ_SEED=<seed> IMAGEPORTAL_FUZZ_CASES=<case+1> dotnet test ImagePortal.Tests --filter DicomFuzzTests
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${1:-20000}"
rounds="${2:-5}"
seed="${3:-1}"
dotnet build ImagePortal.Tests -v quiet -nologo >/dev/null
for ((round = 0; round < rounds; round++)); do
  current=$((seed + round))
  echo "round $((round + 1))/$rounds: seed $current, $cases cases"
  IMAGEPORTAL_FUZZ_SEED="$current" IMAGEPORTAL_FUZZ_CASES="$cases" \
    dotnet test ImagePortal.Tests --no-build -nologo --filter "FullyQualifiedName~ImagePortal.Tests.Dicom.DicomFuzzTests" \
    | grep -E "Passed!|Failed!|Error Message|escaped|still running" || true
done
