#!/usr/bin/env bash
# bench/retrieval.sh: end-to-end import of a CT study through the portal (issue 6), side by side in one run with
# the source Orthanc's own C-MOVE to the destination Orthanc, ratios printed.
#   portal : Orthanc A --C-GET--> portal worker (spool, check, reconcile) --C-STORE--> Orthanc B
#            timed from the approval's commit to the request being Completed (a separate worker process);
#            "cold" is the first job of a freshly started portal (its code still being compiled), "warm" the next one,
#            of a second study, as a portal that has been running for a while does it
#   Orthanc: movescu asks Orthanc A to C-MOVE the study to Orthanc B (no reconciliation at all)
# each with default-configured Orthancs (TCP_NODELAY=0: Nagle on) and with TCP_NODELAY=1 ones; a fresh, empty
# Orthanc B (and a fresh portal database) for every run. Everything on 127.0.0.1, free ports, one temp folder.
# Usage: bench/retrieval.sh [slices=300] [runs=3]
#        bench/retrieval.sh --studies N [slices=300] [runs=1]   throughput (issue 16): N studies approved at once,
#                                                         through TWO worker processes into one Orthanc B, against
#                                                         N C-MOVEs from A to B at once (and one after the other)
#        PUBLISHED=/tmp/portal-bench bench/retrieval.sh   publishes into that folder once and reuses it afterwards
#        PORTAL_ENV="DOTNET_TieredCompilation=0" bench/retrieval.sh   runs the portal with extra environment settings
#        NODELAY=1 bench/retrieval.sh                     only the TCP_NODELAY=1 Orthancs (NODELAY=0: only defaults)
#        BEFORE=/tmp/portal-old bench/retrieval.sh --studies N   also runs the portal published there, side by side
set -euo pipefail
cd "$(dirname "$0")/.."

STUDIES=
if [[ ${1:-} == --studies ]]; then STUDIES=${2:?--studies needs a number}; shift 2; fi
SLICES=${1:-300}
RUNS=${2:-$([[ -n $STUDIES ]] && echo 1 || echo 3)}
WORK=$(mktemp -d /tmp/retrieval-bench.XXXXXX)
PIDS=()
source bench/lib.sh
trap cleanup EXIT

PUBLISHED=${PUBLISHED:-$WORK}
publish_portal

start_orthanc() { # $1 name, $2 AE title, $3 dicom port, $4 http port, $5 nodelay, $6 modalities JSON; sets ORTHANC_PID
    local dir="$WORK/$1"; rm -rf "$dir"; mkdir -p "$dir"
    cat > "$dir/config.json" <<JSON
{ "Name": "$1", "StorageDirectory": "$dir/storage", "IndexDirectory": "$dir/index",
  "DicomAet": "$2", "DicomPort": $3, "HttpPort": $4, "RemoteAccessAllowed": false, "AuthenticationEnabled": false,
  "DicomAlwaysAllowFind": true, "DicomAlwaysAllowGet": true, "DicomAlwaysAllowMove": true, "DicomCheckCalledAet": false,
  "DicomModalities": $6, "Plugins": [], "SaveJobs": false, "DicomScuTimeout": 30 }
JSON
    TCP_NODELAY=$5 /usr/sbin/Orthanc "$dir/config.json" > "$dir.log" 2>&1 &
    ORTHANC_PID=$!; PIDS+=("$ORTHANC_PID")
    wait_port "$3"; wait_http "http://127.0.0.1:$4/system"
}

if [[ -n $STUDIES ]]; then
    source bench/retrieval-many.sh
    exit 0
fi

echo "== generating two studies of $SLICES slices"
python3 bench/dicom-net-gen.py "$WORK/study" "$SLICES"
python3 bench/dicom-net-gen.py "$WORK/study2" "$SLICES"
SIZE=$(du -sm "$WORK/study" | cut -f1)
STUDY_UID=$(dcmdump +P StudyInstanceUID "$WORK/study/ct0000.dcm" | sed -E 's/.*\[(.*)\].*/\1/')
STUDY2_UID=$(dcmdump +P StudyInstanceUID "$WORK/study2/ct0000.dcm" | sed -E 's/.*\[(.*)\].*/\1/')
[[ $STUDY_UID != "$STUDY2_UID" ]] || { echo "the two studies share a UID" >&2; exit 1; }
echo "   $SIZE MB each in $WORK/study and $WORK/study2"

declare -A RESULT
SETTINGS=(${NODELAY:-0 1})
for nodelay in "${SETTINGS[@]}"; do
    echo "== Orthancs with TCP_NODELAY=$nodelay"
    a_dicom=$(free_port); a_http=$(free_port); b_dicom=$(free_port); b_http=$(free_port); portal_dicom=$(free_port)
    start_orthanc "a-$nodelay" ORTHANC_A "$a_dicom" "$a_http" "$nodelay" \
        "{ \"b\": [\"ORTHANC_B\", \"127.0.0.1\", $b_dicom], \"bench\": [\"BENCH\", \"127.0.0.1\", 1], \"portal\": [\"IMAGEPORTAL\", \"127.0.0.1\", $portal_dicom] }"
    a_pid=$ORTHANC_PID
    TCP_NODELAY=1 storescu -aec ORTHANC_A +sd 127.0.0.1 "$a_dicom" "$WORK/study" "$WORK/study2" > /dev/null 2>&1
    [[ $(instances_in "$a_http") == "$((2 * SLICES))" ]] || { echo "Orthanc A does not hold the studies" >&2; exit 1; }

    orthanc_times=(); cold_times=(); warm_times=(); cold_ratios=(); warm_ratios=()
    for run in $(seq 1 "$RUNS"); do
        # Orthanc A's own C-MOVE into an empty Orthanc B
        start_orthanc "b-$nodelay-move-$run" ORTHANC_B "$b_dicom" "$b_http" "$nodelay" '{}'
        b_pid=$ORTHANC_PID
        settle; t0=$(now)
        movescu -S -aet BENCH -aec ORTHANC_A -aem ORTHANC_B -k QueryRetrieveLevel=STUDY -k "StudyInstanceUID=$STUDY_UID" \
            127.0.0.1 "$a_dicom" > "$WORK/move-$nodelay-$run.log" 2>&1
        t1=$(now)
        got=$(instances_in "$b_http"); stop_pid "$b_pid"
        [[ $got == "$SLICES" ]] || { echo "Orthanc's C-MOVE left $got of $SLICES instances in B" >&2; cat "$WORK/move-$nodelay-$run.log"; exit 1; }
        orthanc_times+=("$(secs "$t0" "$t1")")

        # The portal: a fresh database, its worker a separate process; NVH (requester) imports into B, SBR holds A.
        # Its first job (cold) and its second (warm), each into an empty Orthanc B.
        # It keeps the shipped demo seed (its facilities and accounts) on loopback, so it opts in to that outside Development.
        data="$WORK/portal-$nodelay-$run"; mkdir -p "$data"; http=$(free_port)
        env ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$http" \
            ConnectionStrings__ImagePortal="Data Source=$data/portal.db" Storage__DataDirectory="$data" \
            Demo__Enabled=false Demo__AllowOutsideDevelopment=true Dicom__Port="$portal_dicom" Retrieval__PollInterval=00:00:00.100 \
            Seed__Facilities__0__Nodes__0__AeTitle=ORTHANC_B Seed__Facilities__0__Nodes__0__Port="$b_dicom" \
            Seed__Facilities__1__Nodes__0__AeTitle=ORTHANC_A Seed__Facilities__1__Nodes__0__Port="$a_dicom" \
            Logging__LogLevel__Default=Warning ${PORTAL_ENV:-} \
            bash -c 'cd "$1" && exec dotnet ImagePortal.Web.dll' portal "$PUBLISHED/portal" > "$data.log" 2>&1 &
        portal_pid=$!; PIDS+=("$portal_pid")
        wait_http "http://127.0.0.1:$http/health" "$portal_pid" || { tail -30 "$data.log" >&2; exit 1; }
        for phase in cold warm; do
            uid=$STUDY_UID; [[ $phase == warm ]] && uid=$STUDY2_UID
            start_orthanc "b-$nodelay-$phase-$run" ORTHANC_B "$b_dicom" "$b_http" "$nodelay" '{}'
            b_pid=$ORTHANC_PID
            settle
            line=$(dotnet "$PUBLISHED/helper/retrieval-bench.dll" "$data/portal.db" "$uid" "$SLICES" "$portal_pid" 600) || {
                echo "the portal did not complete the import: $line" >&2; tail -50 "$data.log" >&2; exit 1; }
            got=$(instances_in "$b_http"); stop_pid "$b_pid"
            [[ $got == "$SLICES" ]] || { echo "the portal left $got of $SLICES instances in B: $line" >&2; exit 1; }
            [[ $phase == cold ]] && cold_times+=("$(field seconds "$line")") || warm_times+=("$(field seconds "$line")")
            RESULT[rss_${phase}_$nodelay]="$(field rss_before_mb "$line") -> peak $(field rss_peak_mb "$line") -> after $(field rss_after_mb "$line") MB, $(field worker_cpu_s "$line") s CPU (the bench helper $(field helper_cpu_s "$line") s)"
        done
        stop_pid "$portal_pid"
        cold_ratios+=("$(ratio "${cold_times[-1]}" "${orthanc_times[-1]}")"); warm_ratios+=("$(ratio "${warm_times[-1]}" "${orthanc_times[-1]}")")
        echo "   run $run: Orthanc A C-MOVE -> B ${orthanc_times[-1]} s; portal A -> B cold ${cold_times[-1]} s, warm ${warm_times[-1]} s" \
            "(worker RSS cold ${RESULT[rss_cold_$nodelay]}; warm ${RESULT[rss_warm_$nodelay]})"
    done
    stop_pid "$a_pid"
    RESULT[orthanc_$nodelay]=$(best "${orthanc_times[@]}")
    RESULT[cold_$nodelay]=$(best "${cold_times[@]}")
    RESULT[warm_$nodelay]=$(best "${warm_times[@]}")
    RESULT[warm_ratios_$nodelay]=$(median "${warm_ratios[@]}"); RESULT[cold_ratios_$nodelay]=$(median "${cold_ratios[@]}")
done

echo
echo "== ratios (portal / Orthanc's own C-MOVE: best of $RUNS against best of $RUNS, and the median of each run's own ratio), $SLICES slices, $SIZE MB${PORTAL_ENV:+, portal run with $PORTAL_ENV}"
echo "   goal: <= 1.10 with TCP_NODELAY=1, < 1.00 with defaults"
row() { # $1 label, then one value per setting run
    local label=$1; shift
    printf '%-40s' "$label"; printf ' %10s' "$@"; printf '\n'
}
column() { local out=(); for n in "${SETTINGS[@]}"; do out+=("$("$@" "$n")"); done; row "${LABEL}" "${out[@]}"; }
value() { echo "${RESULT[${1}_$2]}"; }
versus() { ratio "${RESULT[${1}_$3]}" "${RESULT[${2}_$3]}"; }
row "" "${SETTINGS[@]/#/NODELAY=}"
LABEL="Orthanc A C-MOVE -> Orthanc B (s)" column value orthanc
LABEL="A -> portal -> B, warm portal (s)" column value warm
LABEL="A -> portal -> B, first job (s)" column value cold
LABEL="ratio, warm portal" column versus warm orthanc
LABEL="ratio, first job" column versus cold orthanc
LABEL="median of the runs' own ratios, warm" column value warm_ratios
LABEL="median of the runs' own ratios, first" column value cold_ratios
echo "   worker RSS in the last run (before -> peak during -> after the job):"
for n in "${SETTINGS[@]}"; do echo "     NODELAY=$n: first job ${RESULT[rss_cold_$n]}; warm ${RESULT[rss_warm_$n]}"; done
