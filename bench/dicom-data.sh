#!/usr/bin/env bash
# Benchmark of the DICOM data layer against DCMTK (issue 3): generates a 300-slice 512×512 16-bit CT study
# (about 150 MB) with ImagePortal.Dicom, then on two copies of it times
#   (a) imageportal modify -m PatientID=... -i IssuerOfPatientID=...   (one process for all files)
#   (b) dcmodify -nb -m PatientID=... -i IssuerOfPatientID=...         (one process for all files)
# and prints both times, their ratio and each tool's peak memory (maxrss from /usr/bin/time -v).
# Usage: bench/dicom-data.sh [slices=300] [runs=3]   (the best of the runs is reported, page cache warm)
#        AOT=1 bench/dicom-data.sh                     (Native AOT build of the tool instead of ReadyToRun; needs clang)
set -euo pipefail
cd "$(dirname "$0")/.."
slices="${1:-300}"
runs="${2:-3}"
command -v dcmodify >/dev/null || { echo "dcmodify missing: apt-get install dcmtk" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time missing: apt-get install time" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# ReadyToRun (or Native AOT), as the tool is shipped to administrators: a command-line run should not spend its
# time in the JIT.
if [ "${AOT:-0}" = 1 ]; then
  clang="$(command -v clang || ls /usr/bin/clang-[0-9]* 2>/dev/null | head -1)"
  dotnet publish ImagePortal.Cli -c Release -r linux-x64 -p:PublishAot=true -p:CppCompilerAndLinker="$clang" \
    -o "$work/publish" -nologo -v quiet >/dev/null
  imageportal=("$work/publish/imageportal")
  build="Native AOT"
else
  dotnet publish ImagePortal.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
    -o "$work/publish" -nologo -v quiet >/dev/null
  imageportal=(dotnet "$work/publish/imageportal.dll")
  build="ReadyToRun"
fi
dotnet build -c Release -nologo -v quiet bench/dicom-data-gen >/dev/null
dotnet bench/dicom-data-gen/bin/Release/net10.0/dicom-data-gen.dll "$work/study" "$slices"
echo "study: $(du -sh "$work/study" | cut -f1) in $(ls "$work/study" | wc -l) files"

# Prints "seconds maxrss_kb" for a command, measured by GNU time.
measure() {
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null
  cat "$work/time.txt"
}

best_ours=""; best_dcmtk=""; rss_ours=0; rss_dcmtk=0
for ((run = 1; run <= runs; run++)); do
  rm -rf "$work/ours" "$work/dcmtk"
  cp -r "$work/study" "$work/ours"
  cp -r "$work/study" "$work/dcmtk"
  cat "$work"/ours/* "$work"/dcmtk/* >/dev/null
  read -r t_ours m_ours < <(measure "${imageportal[@]}" modify -m PatientID=NEW-PID-42 -i IssuerOfPatientID=HOSPITAL_A "$work"/ours/*.dcm)
  read -r t_dcmtk m_dcmtk < <(measure dcmodify -nb -m PatientID=NEW-PID-42 -i IssuerOfPatientID=HOSPITAL_A "$work"/dcmtk/*.dcm)
  echo "run $run: imageportal ${t_ours}s (${m_ours} KB), dcmodify ${t_dcmtk}s (${m_dcmtk} KB)"
  if [ -z "$best_ours" ] || awk "BEGIN{exit !($t_ours < $best_ours)}"; then best_ours=$t_ours; fi
  if [ -z "$best_dcmtk" ] || awk "BEGIN{exit !($t_dcmtk < $best_dcmtk)}"; then best_dcmtk=$t_dcmtk; fi
  (( m_ours > rss_ours )) && rss_ours=$m_ours
  (( m_dcmtk > rss_dcmtk )) && rss_dcmtk=$m_dcmtk
done

# Both tools must have produced the same data: the same Patient ID and Issuer, the same pixel data.
first="$(ls "$work/ours" | head -1)"
for tool in ours dcmtk; do
  dcmdump -q +P PatientID +P IssuerOfPatientID "$work/$tool/$first" | sed "s/^/$tool: /"
done
mkdir -p "$work/px1" "$work/px2"
cmp <(dcmdump -q +P PixelData +W "$work/px1" "$work/ours/$first" >/dev/null; cat "$work"/px1/* 2>/dev/null | md5sum) \
    <(dcmdump -q +P PixelData +W "$work/px2" "$work/dcmtk/$first" >/dev/null; cat "$work"/px2/* 2>/dev/null | md5sum) >/dev/null \
  && echo "pixel data identical" || { echo "pixel data differ" >&2; exit 1; }

echo
echo "files:               $slices × 512×512×16 bit"
echo "imageportal modify:  ${best_ours} s, peak ${rss_ours} KB ($build)"
echo "dcmodify -nb:        ${best_dcmtk} s, peak ${rss_dcmtk} KB"
awk "BEGIN{printf \"ratio ours/dcmodify: %.2f (below 1 is faster)\n\", $best_ours / $best_dcmtk}"
