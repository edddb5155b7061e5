#!/usr/bin/env bash
# bench/dicom-net.sh: our DICOM network layer side by side with DCMTK (issue 4), one run, ratios printed.
#   (a) DCMTK storescu into our SCP     vs  storescu into DCMTK storescp
#   (b) our `imageportal store` into storescp  vs  storescu into storescp
#   (c) our `imageportal get` from Orthanc       vs  DCMTK getscu from Orthanc
# each once with default-configured DCMTK peers (Nagle on) and once with TCP_NODELAY=1 peers.
# Everything runs on 127.0.0.1 with free ports and a temp folder that is removed at the end.
# Usage: bench/dicom-net.sh [slices] [runs]   (default 300 slices of 512x512x16 bit, about 150 MB; 3 runs, the
#        variants interleaved in every run, the best time of each kept: single runs on a shared machine vary by 2x)
#        BASELINE=main bench/dicom-net.sh   also times the CLI built from that git revision, side by side
#                                           in the same run ("before" / "after" ratios)
#        AOT=0 bench/dicom-net.sh           leaves out the Native AOT build of the CLI, which is timed side by side
#                                           with the ReadyToRun one whenever clang is installed
set -euo pipefail
cd "$(dirname "$0")/.."

SLICES=${1:-300}
RUNS=${2:-3}
WORK=$(mktemp -d /tmp/dicom-net-bench.XXXXXX)
PIDS=()
source bench/lib.sh
trap cleanup EXIT

count() { find "$1" -type f | wc -l; }
keep_best() { # $1 key, $2 seconds: RESULT[key] = the smallest seen
    if [[ -z ${RESULT[$1]:-} ]] || python3 -c "import sys; sys.exit(0 if $2 < ${RESULT[$1]} else 1)"; then RESULT[$1]=$2; fi
}
keep_max() { if [[ -z ${RESULT[$1]:-} ]] || (( $2 > ${RESULT[$1]} )); then RESULT[$1]=$2; fi; }

publish() { # $1 source tree, $2 output folder: Release, ReadyToRun (like bench/dicom-data.sh), framework-dependent
    dotnet publish "$1/ImagePortal.Cli" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
        -o "$2" -v quiet -nologo > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
}
echo "== publishing the CLI (Release, ReadyToRun)"
publish . "$WORK/cli"
VARIANTS=(ours)
declare -A CLI=([ours]="dotnet $WORK/cli/imageportal.dll") # the command that runs each variant ($WORK has no spaces)
if [[ -n "${BASELINE:-}" ]]; then
    echo "== publishing the CLI of $BASELINE as the baseline"
    mkdir -p "$WORK/baseline-src"
    git archive "$BASELINE" | tar -x -C "$WORK/baseline-src"
    publish "$WORK/baseline-src" "$WORK/baseline-cli"
    VARIANTS=(base "${VARIANTS[@]}")
    CLI[base]="dotnet $WORK/baseline-cli/imageportal.dll"
fi
clang=$(command -v clang || ls /usr/bin/clang-[0-9]* 2>/dev/null | head -1 || true)
if [[ ${AOT:-1} == 1 && -z $clang ]]; then
    echo "== no clang here: the Native AOT build of the CLI is left out (apt-get install clang)"
elif [[ ${AOT:-1} == 1 ]]; then
    echo "== publishing the CLI as Native AOT"
    dotnet publish ImagePortal.Cli -c Release -r linux-x64 -p:PublishAot=true -p:CppCompilerAndLinker="$clang" \
        -o "$WORK/cli-aot" -v quiet -nologo > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
    VARIANTS+=(aot)
    CLI[aot]="$WORK/cli-aot/imageportal"
fi
echo "== generating $SLICES slices"
python3 bench/dicom-net-gen.py "$WORK/study" "$SLICES"
SIZE=$(du -sm "$WORK/study" | cut -f1)
STUDY_UID=$(dcmdump +P StudyInstanceUID "$WORK/study/ct0000.dcm" | sed -E 's/.*\[(.*)\].*/\1/')
echo "   $SIZE MB in $WORK/study"

start_storescp() { # $1 nodelay, $2 dir; sets port (not a subshell, so that PIDS keeps its pid)
    port=$(free_port); mkdir -p "$2"
    TCP_NODELAY=$1 storescp -aet STORESCP -od "$2" "$port" > "$2.log" 2>&1 &
    PIDS+=($!); wait_port "$port"
}
stop_last() { local pid=${PIDS[-1]}; kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; unset 'PIDS[-1]'; }

declare -A RESULT
for nodelay in 0 1; do
    echo "== DCMTK peers with TCP_NODELAY=$nodelay"

    for run in $(seq 1 "$RUNS"); do
        # (a) storescu -> our SCP
        for v in "${VARIANTS[@]}"; do
            port=$(free_port); mkdir -p "$WORK/a-$v-$nodelay-$run"
            ${CLI[$v]} scp -p "$port" -aet BENCHSCP -od "$WORK/a-$v-$nodelay-$run" > "$WORK/a-$v-$nodelay-$run.log" 2>&1 &
            scp_pid=$!; PIDS+=($scp_pid); wait_port "$port"
            settle; t0=$(now); TCP_NODELAY=$nodelay storescu -aec BENCHSCP +sd 127.0.0.1 "$port" "$WORK/study" > /dev/null 2>&1; t1=$(now)
            peak=$(awk '/VmHWM/ {printf "%d", $2 / 1024}' "/proc/$scp_pid/status")
            stop_last
            took=$(secs "$t0" "$t1"); keep_best "a_${v}_$nodelay" "$took"; keep_max "a_peak_${v}_$nodelay" "$peak"
            echo "   (a) storescu -> imageportal scp ($v): $took s, $(count "$WORK/a-$v-$nodelay-$run") files, SCP peak RSS ${peak} MB"
        done

        # (a) storescu -> storescp
        start_storescp "$nodelay" "$WORK/a-dcmtk-$nodelay-$run"
        settle; t0=$(now); TCP_NODELAY=$nodelay storescu -aec STORESCP +sd 127.0.0.1 "$port" "$WORK/study" > /dev/null 2>&1; t1=$(now)
        stop_last
        took=$(secs "$t0" "$t1"); keep_best "a_dcmtk_$nodelay" "$took"
        echo "   (a) storescu -> storescp        : $took s, $(count "$WORK/a-dcmtk-$nodelay-$run") files"

        # (b) imageportal store -> storescp
        for v in "${VARIANTS[@]}"; do
            start_storescp "$nodelay" "$WORK/b-$v-$nodelay-$run"
            settle; t0=$(now); ${CLI[$v]} store -aec STORESCP 127.0.0.1 "$port" "$WORK/study" > "$WORK/b-$v-$nodelay-$run.out" 2>&1; t1=$(now)
            stop_last
            took=$(secs "$t0" "$t1"); keep_best "b_${v}_$nodelay" "$took"
            echo "   (b) imageportal store -> storescp ($v): $took s, $(count "$WORK/b-$v-$nodelay-$run") files (includes .NET start-up)"
        done

        # (b) storescu -> storescp: the same as (a)'s DCMTK pair, measured again for a fair side by side
        start_storescp "$nodelay" "$WORK/b-dcmtk-$nodelay-$run"
        settle; t0=$(now); TCP_NODELAY=$nodelay storescu -aec STORESCP +sd 127.0.0.1 "$port" "$WORK/study" > /dev/null 2>&1; t1=$(now)
        stop_last
        took=$(secs "$t0" "$t1"); keep_best "b_dcmtk_$nodelay" "$took"
        echo "   (b) storescu -> storescp        : $took s, $(count "$WORK/b-dcmtk-$nodelay-$run") files"
        rm -rf "$WORK"/a-*-"$nodelay"-"$run" "$WORK"/b-*-"$nodelay"-"$run"
    done

    # (c) C-GET of the study from an Orthanc started with the same TCP_NODELAY setting
    dicom=$(free_port); http=$(free_port); mkdir -p "$WORK/orthanc-$nodelay"
    cat > "$WORK/orthanc-$nodelay/config.json" <<JSON
{ "Name": "bench", "StorageDirectory": "$WORK/orthanc-$nodelay/storage", "IndexDirectory": "$WORK/orthanc-$nodelay/index",
  "DicomAet": "ORTHANC", "DicomPort": $dicom, "HttpPort": $http, "RemoteAccessAllowed": false, "AuthenticationEnabled": false,
  "DicomAlwaysAllowGet": true, "DicomAlwaysAllowFind": true, "Plugins": [], "SaveJobs": false }
JSON
    TCP_NODELAY=$nodelay /usr/sbin/Orthanc "$WORK/orthanc-$nodelay/config.json" > "$WORK/orthanc-$nodelay.log" 2>&1 &
    PIDS+=($!); wait_port "$dicom"
    TCP_NODELAY=1 storescu -aec ORTHANC +sd 127.0.0.1 "$dicom" "$WORK/study" > /dev/null 2>&1
    for run in $(seq 1 "$RUNS"); do
        for v in "${VARIANTS[@]}"; do
            settle; t0=$(now); ${CLI[$v]} get -aec ORTHANC -k "StudyInstanceUID=$STUDY_UID" -od "$WORK/c-$v-$nodelay-$run" 127.0.0.1 "$dicom" > "$WORK/c-$v-$nodelay-$run.out" 2>&1; t1=$(now)
            took=$(secs "$t0" "$t1"); keep_best "c_${v}_$nodelay" "$took"
            echo "   (c) imageportal get <- Orthanc ($v): $took s, $(count "$WORK/c-$v-$nodelay-$run") files (includes .NET start-up)"
        done
        mkdir -p "$WORK/c-dcmtk-$nodelay-$run"
        settle; t0=$(now); TCP_NODELAY=$nodelay getscu -S -aec ORTHANC -od "$WORK/c-dcmtk-$nodelay-$run" -k QueryRetrieveLevel=STUDY -k "StudyInstanceUID=$STUDY_UID" 127.0.0.1 "$dicom" > /dev/null 2>&1; t1=$(now)
        took=$(secs "$t0" "$t1"); keep_best "c_dcmtk_$nodelay" "$took"
        echo "   (c) getscu <- Orthanc            : $took s, $(count "$WORK/c-dcmtk-$nodelay-$run") files"
        rm -rf "$WORK"/c-*-"$nodelay"-"$run"
    done
    stop_last
done

echo
echo "== ratios (imageportal / DCMTK, best of $RUNS runs each; goal <= 1.00), $SLICES slices, $SIZE MB"
for v in "${VARIANTS[@]}"; do
    label=$v; [[ $v == base ]] && label="base ($BASELINE)"; [[ $v == aot ]] && label="ours, Native AOT"
    echo "-- $label"
    printf '%-44s %10s %10s\n' "pair" "NODELAY=0" "NODELAY=1"
    printf '%-44s %10s %10s\n' "(a) storescu->ours vs storescu->storescp" "$(ratio "${RESULT[a_${v}_0]}" "${RESULT[a_dcmtk_0]}")" "$(ratio "${RESULT[a_${v}_1]}" "${RESULT[a_dcmtk_1]}")"
    printf '%-44s %10s %10s\n' "(b) ours->storescp vs storescu->storescp" "$(ratio "${RESULT[b_${v}_0]}" "${RESULT[b_dcmtk_0]}")" "$(ratio "${RESULT[b_${v}_1]}" "${RESULT[b_dcmtk_1]}")"
    printf '%-44s %10s %10s\n' "(c) ours<-Orthanc vs getscu<-Orthanc" "$(ratio "${RESULT[c_${v}_0]}" "${RESULT[c_dcmtk_0]}")" "$(ratio "${RESULT[c_${v}_1]}" "${RESULT[c_dcmtk_1]}")"
    printf '%-44s %10s %10s\n' "our SCP peak RSS while receiving (MB)" "${RESULT[a_peak_${v}_0]}" "${RESULT[a_peak_${v}_1]}"
done
