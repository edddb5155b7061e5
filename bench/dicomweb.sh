#!/usr/bin/env bash
# bench/dicomweb.sh: a CT study from a DICOMweb archive to another through the portal (issue 19), side by side in one
# run with the source Orthanc's own DICOMweb client sending the same study to the same destination, ratios printed.
#   portal : Orthanc A --QIDO-RS + WADO-RS--> portal worker (spool, check, reconcile) --STOW-RS--> Orthanc B
#            timed from the approval's commit to the request being Completed (the published portal, its own process)
#   Orthanc: POST A/dicom-web/servers/b/stow {"Resources": [study], "Synchronous": true} (no reconciliation at all)
# Both Orthancs run the DICOMweb plugin (Debian orthanc-dicomweb) without authentication; a fresh, empty Orthanc B and
# a fresh portal database for every run. Everything on 127.0.0.1, free ports, one temp folder.
# Usage: bench/dicomweb.sh [slices=300] [runs=3]
#        PUBLISHED=/tmp/portal-bench bench/dicomweb.sh   publishes into that folder once and reuses it afterwards
set -euo pipefail
cd "$(dirname "$0")/.."

SLICES=${1:-300}
RUNS=${2:-3}
PLUGIN=/usr/share/orthanc/plugins/libOrthancDicomWeb.so
[[ -f $PLUGIN ]] || { echo "needs Debian's orthanc-dicomweb ($PLUGIN)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/dicomweb-bench.XXXXXX)
PIDS=()
source bench/lib.sh
trap cleanup EXIT
PUBLISHED=${PUBLISHED:-$WORK}
publish_portal

start_orthanc() { # $1 name, $2 dicom port, $3 http port, $4 DICOMweb servers JSON; sets ORTHANC_PID
    local dir="$WORK/$1"; rm -rf "$dir"; mkdir -p "$dir"
    cat > "$dir/config.json" <<JSON
{ "Name": "$1", "StorageDirectory": "$dir/storage", "IndexDirectory": "$dir/index",
  "DicomAet": "ORTHANC", "DicomPort": $2, "HttpPort": $3, "RemoteAccessAllowed": false, "AuthenticationEnabled": false,
  "Plugins": ["$PLUGIN"], "SaveJobs": false,
  "DicomWeb": { "Enable": true, "Root": "/dicom-web/", "Servers": $4 } }
JSON
    /usr/sbin/Orthanc "$dir/config.json" > "$dir.log" 2>&1 &
    ORTHANC_PID=$!; PIDS+=("$ORTHANC_PID")
    wait_port "$2"; wait_http "http://127.0.0.1:$3/dicom-web/studies?limit=1"
}

echo "== generating a study of $SLICES slices"
python3 bench/dicom-net-gen.py "$WORK/study" "$SLICES"
SIZE=$(du -sm "$WORK/study" | cut -f1)
STUDY_UID=$(dcmdump +P StudyInstanceUID "$WORK/study/ct0000.dcm" | sed -E 's/.*\[(.*)\].*/\1/')
echo "   $SIZE MB in $WORK/study"

a_dicom=$(free_port); a_http=$(free_port); b_dicom=$(free_port); b_http=$(free_port); portal_dicom=$(free_port)
start_orthanc a "$a_dicom" "$a_http" "{ \"b\": [\"http://127.0.0.1:$b_http/dicom-web/\"] }"
a_pid=$ORTHANC_PID
TCP_NODELAY=1 storescu -aec ORTHANC +sd 127.0.0.1 "$a_dicom" "$WORK/study" > /dev/null 2>&1
[[ $(instances_in "$a_http") == "$SLICES" ]] || { echo "Orthanc A does not hold the study" >&2; exit 1; }
STUDY_ID=$(curl -fs -X POST "http://127.0.0.1:$a_http/tools/lookup" -d "$STUDY_UID" | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["ID"])')

orthanc_times=(); portal_times=(); ratios=(); rss=
for run in $(seq 1 "$RUNS"); do
    # Orthanc A's own STOW-RS client into an empty Orthanc B
    start_orthanc "b-stow-$run" "$b_dicom" "$b_http" '{}'
    b_pid=$ORTHANC_PID
    settle; t0=$(now)
    curl -fs -X POST "http://127.0.0.1:$a_http/dicom-web/servers/b/stow" \
        -d "{ \"Resources\": [\"$STUDY_ID\"], \"Synchronous\": true }" > "$WORK/stow-$run.log"
    t1=$(now)
    got=$(instances_in "$b_http"); stop_pid "$b_pid"
    [[ $got == "$SLICES" ]] || { echo "Orthanc's STOW-RS left $got of $SLICES instances in B" >&2; cat "$WORK/stow-$run.log" >&2; exit 1; }
    orthanc_times+=("$(secs "$t0" "$t1")")

    # The portal: NVH (requester) imports into B by STOW-RS, SBR's archive is A (QIDO-RS, WADO-RS).
    start_orthanc "b-portal-$run" "$b_dicom" "$b_http" '{}'
    b_pid=$ORTHANC_PID
    data="$WORK/portal-$run"; mkdir -p "$data"; http=$(free_port)
    env ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$http" \
        ConnectionStrings__ImagePortal="Data Source=$data/portal.db" Storage__DataDirectory="$data" \
        Demo__Enabled=false Demo__AllowOutsideDevelopment=true Dicom__Port="$portal_dicom" Retrieval__PollInterval=00:00:00.100 \
        Seed__Facilities__0__Nodes__0__BaseUrl="http://127.0.0.1:$b_http/dicom-web/" \
        Seed__Facilities__1__Nodes__0__BaseUrl="http://127.0.0.1:$a_http/dicom-web/" \
        Logging__LogLevel__Default=Warning \
        bash -c 'cd "$1" && exec dotnet ImagePortal.Web.dll' portal "$PUBLISHED/portal" > "$data.log" 2>&1 &
    portal_pid=$!; PIDS+=("$portal_pid")
    wait_http "http://127.0.0.1:$http/health" "$portal_pid" || { tail -30 "$data.log" >&2; exit 1; }
    settle
    line=$(dotnet "$PUBLISHED/helper/retrieval-bench.dll" "$data/portal.db" "$STUDY_UID" "$SLICES" "$portal_pid" 600) || {
        echo "the portal did not complete the import: $line" >&2; tail -50 "$data.log" >&2; exit 1; }
    got=$(instances_in "$b_http"); stop_pid "$b_pid"; stop_pid "$portal_pid"
    [[ $got == "$SLICES" ]] || { echo "the portal left $got of $SLICES instances in B: $line" >&2; exit 1; }
    portal_times+=("$(field seconds "$line")")
    rss="$(field rss_before_mb "$line") -> peak $(field rss_peak_mb "$line") -> after $(field rss_after_mb "$line") MB, $(field worker_cpu_s "$line") s CPU"
    ratios+=("$(ratio "${portal_times[-1]}" "${orthanc_times[-1]}")")
    echo "   run $run: Orthanc A STOW-RS -> B ${orthanc_times[-1]} s; portal A -> B ${portal_times[-1]} s (worker RSS $rss)"
done
stop_pid "$a_pid"

echo
echo "== DICOMweb -> DICOMweb, $SLICES slices, $SIZE MB (best of $RUNS; load average $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-52s %8s\n' "Orthanc A's STOW-RS client -> Orthanc B (s)" "$(best "${orthanc_times[@]}")"
printf '%-52s %8s\n' "A -> portal (QIDO, WADO-RS, reconcile, STOW-RS) -> B (s)" "$(best "${portal_times[@]}")"
printf '%-52s %8s\n' "ratio, best against best" "$(ratio "$(best "${portal_times[@]}")" "$(best "${orthanc_times[@]}")")"
printf '%-52s %8s\n' "median of the runs' own ratios" "$(median "${ratios[@]}")"
echo "   worker RSS in the last run (before -> peak during -> after the job): $rss"
