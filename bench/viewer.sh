#!/usr/bin/env bash
# bench/viewer.sh: a CT opened in the portal's viewer (issue 17), side by side in one run with DCMTK's getscu fetching the
# same study from the same Orthanc, ratios printed.
#   viewer : Chromium (headless, Playwright) signed in as approver.sbr opens /requests/N/viewer?study=... ; the portal
#            C-FINDs and C-GETs the series from Orthanc into its disk cache and serves WADO-RS (bench/viewer-bench)
#   getscu : getscu -S of the same study from the same Orthanc into an empty folder
# Every run views a study the portal has not cached yet (one generated study per run); a 60-slice study is viewed first
# so that the portal's code is compiled and tiered up before the clock runs (a portal that has been running a while:
# with a 5-slice warm-up the JIT's tier-1 recompilation of the frame path was charged to the first measured run).
#   floor  : the same pixel bytes streamed from memory by a bare HTTP server to a page of the same Chromium (no DICOM, no
#            portal, nothing decoded): how fast this browser takes the bytes in on this machine, which no viewer can beat
# Goals (issue 17): first image < 1 s, the whole stack <= 1.5x getscu, the portal's memory flat (the cache is on disk).
# Usage: bench/viewer.sh [slices=300] [runs=3]
#        PUBLISHED=/tmp/portal-bench bench/viewer.sh   publishes into that folder once and reuses it afterwards
#        KEEP_LOGS=/tmp/logs bench/viewer.sh           keeps the portal's and Orthanc's logs
#        BROWSER=cold bench/viewer.sh                 every view in a browser that has never opened the viewer (a fresh
#                                                      profile: nothing cached, no compiled scripts); by default (warm)
#                                                      one browser runs for the whole bench, as a workstation's browser
#                                                      stays open, and the warm-up opens the viewer twice in it first;
#                                                      BROWSER=restarted keeps the profile but starts the browser again
#                                                      for every run (its first view parses the scripts again)
#        SPLIT=1 bench/viewer.sh                      the PACS, the portal and getscu on one core, the browser on the other
#        SYNTAX=jpeg-lossless|jpeg-ls|rle bench/viewer.sh   the measured studies compressed in that syntax first (DCMTK's
#                                                      dcmcjpeg, dcmcjpls, dcmcrle), the warm-up study too
set -euo pipefail
cd "$(dirname "$0")/.."

SLICES=${1:-300}
RUNS=${2:-3}
WORK=$(mktemp -d /tmp/viewer-bench.XXXXXX)
PIDS=()
source bench/lib.sh
trap cleanup EXIT

wait_http() { # $1 url, $2 pid that must stay alive: until the url answers 200 (60 s)
    for _ in $(seq 1 600); do
        curl -fs -o /dev/null "$1" && return 0
        kill -0 "$2" 2>/dev/null || { echo "process $2 exited before $1 answered" >&2; return 1; }
        sleep 0.1
    done
    echo "$1 did not answer" >&2; exit 1
}
best() { printf '%s\n' "$@" | sort -g | head -1; }
field() { sed -E "s/.*\b$1=([^ ]*).*/\1/" <<< "$2"; }
uid_of() { dcmdump +P StudyInstanceUID "$1/ct0000.dcm" | sed -E 's/.*\[(.*)\].*/\1/'; }

PUBLISHED=${PUBLISHED:-$WORK}
if [[ ! -f $PUBLISHED/portal/ImagePortal.Web.dll ]]; then
    echo "== publishing the portal (Release, ReadyToRun) into $PUBLISHED"
    dotnet publish ImagePortal.Web -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
        -o "$PUBLISHED/portal" -v quiet -nologo > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
fi
if [[ ! -f $PUBLISHED/viewer-helper/viewer-bench.dll ||
      -n $(find bench/viewer-bench bench/shared -name '*.cs' -not -path '*/obj/*' -newer "$PUBLISHED/viewer-helper/viewer-bench.dll") ]]; then
    dotnet build bench/viewer-bench -c Release -o "$PUBLISHED/viewer-helper" -v quiet -nologo > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
fi

echo "== generating a 60-slice warm-up study and $RUNS studies of $SLICES slices"
python3 bench/dicom-net-gen.py "$WORK/warm" 60
STUDIES=(); ALONE=()
for run in $(seq 1 "$RUNS"); do
    python3 bench/dicom-net-gen.py "$WORK/study$run" "$SLICES"
    STUDIES+=("$(uid_of "$WORK/study$run")")
    # A second study per run, retrieved by the portal with no browser at work (alone_s).
    python3 bench/dicom-net-gen.py "$WORK/alone$run" "$SLICES"
    ALONE+=("$(uid_of "$WORK/alone$run")")
done
compress() { # $1 folder: every file rewritten in $SYNTAX (lossless)
    local tool
    case ${SYNTAX:-} in
        '') return 0 ;;
        jpeg-lossless) tool=dcmcjpeg ;;
        jpeg-ls) tool=dcmcjpls ;;
        rle) tool=dcmcrle ;;
        *) echo "SYNTAX=$SYNTAX: one of jpeg-lossless, jpeg-ls, rle" >&2; exit 2 ;;
    esac
    for file in "$1"/*.dcm; do "$tool" "$file" "$file.z" && mv "$file.z" "$file"; done
}
# storescu proposes the compressed syntax only when told to.
case ${SYNTAX:-} in jpeg-lossless) PROPOSE=-xs ;; jpeg-ls) PROPOSE=-xt ;; rle) PROPOSE=-xr ;; *) PROPOSE= ;; esac
if [[ -n ${SYNTAX:-} ]]; then
    echo "== compressing the studies: $SYNTAX"
    for folder in "$WORK/warm" "$WORK"/study* "$WORK"/alone*; do compress "$folder"; done
fi
SIZE=$(du -sm "$WORK/study1" | cut -f1)
echo "   $SIZE MB each"

dicom=$(free_port); http=$(free_port); mkdir -p "$WORK/orthanc"
cat > "$WORK/orthanc/config.json" <<JSON
{ "Name": "viewer-bench", "StorageDirectory": "$WORK/orthanc/storage", "IndexDirectory": "$WORK/orthanc/index",
  "DicomAet": "ORTHANC", "DicomPort": $dicom, "HttpPort": $http, "RemoteAccessAllowed": false, "AuthenticationEnabled": false,
  "DicomAlwaysAllowFind": true, "DicomAlwaysAllowGet": true, "DicomAlwaysAllowMove": true, "DicomCheckCalledAet": false,
  "Plugins": [], "SaveJobs": false }
JSON
# SPLIT=1: the PACS and the portal on the first core, the browser (the helper and the Chromium it starts) on the second,
# as a workstation's browser is apart from the servers; getscu runs on the servers' core.
if [[ -n ${SPLIT:-} ]]; then
    (( $(nproc) >= 2 )) || { echo "SPLIT needs two cores" >&2; exit 2; }
    SERVERS=(taskset -c 0); BROWSING=(taskset -c 1)
else
    SERVERS=(); BROWSING=()
fi
TCP_NODELAY=1 "${SERVERS[@]}" /usr/sbin/Orthanc "$WORK/orthanc/config.json" > "$WORK/orthanc.log" 2>&1 &
orthanc_pid=$!; PIDS+=("$orthanc_pid")
wait_port "$dicom"; wait_http "http://127.0.0.1:$http/system" "$orthanc_pid"
storescu $PROPOSE -aec ORTHANC +sd 127.0.0.1 "$dicom" "$WORK/warm" > /dev/null 2>&1
for run in $(seq 1 "$RUNS"); do
    storescu $PROPOSE -aec ORTHANC +sd 127.0.0.1 "$dicom" "$WORK/study$run" > /dev/null 2>&1
    storescu $PROPOSE -aec ORTHANC +sd 127.0.0.1 "$dicom" "$WORK/alone$run" > /dev/null 2>&1
done

# The portal: a fresh database and viewing cache; SBR's PACS is the Orthanc (its approver views), NVH's points nowhere.
data="$WORK/portal"; mkdir -p "$data"; port=$(free_port); portal_dicom=$(free_port)
"${SERVERS[@]}" env ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$port" \
    ConnectionStrings__ImagePortal="Data Source=$data/portal.db" Storage__DataDirectory="$data" \
    Demo__Enabled=false Demo__AllowOutsideDevelopment=true Dicom__Port="$portal_dicom" \
    Seed__Facilities__1__Nodes__0__AeTitle=ORTHANC Seed__Facilities__1__Nodes__0__Port="$dicom" \
    Logging__LogLevel__Default=Warning ${PORTAL_ENV:-} \
    bash -c 'cd "$1" && exec dotnet ImagePortal.Web.dll' portal "$PUBLISHED/portal" > "$WORK/portal.log" 2>&1 &
portal_pid=$!; PIDS+=("$portal_pid")
wait_http "http://127.0.0.1:$port/health" "$portal_pid" || { tail -30 "$WORK/portal.log" >&2; exit 1; }
BROWSER=${BROWSER:-warm}
case $BROWSER in
    warm)
        # One Chromium for the whole bench, which each helper connects to (as a workstation's browser stays open all day):
        # the scripts' compiled code is kept in the browser's memory cache of the code cache only from its second view in
        # one browser process (a new process parses Cornerstone's 3 MB again, 0.5-0.6 s of a thread, measured).
        cdp=$(free_port)
        "${BROWSING[@]}" /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
            --disable-component-update --disable-sync --no-first-run --disable-quic --disable-background-timer-throttling \
            --disable-renderer-backgrounding --disable-backgrounding-occluded-windows --remote-debugging-address=127.0.0.1 \
            --remote-debugging-port="$cdp" --user-data-dir="$WORK/browser-profile" about:blank > "$WORK/chromium.log" 2>&1 &
        PIDS+=("$!")
        wait_http "http://127.0.0.1:$cdp/json/version" "$!" || { tail -20 "$WORK/chromium.log" >&2; exit 1; }
        export VIEWER_BROWSER_CDP="http://127.0.0.1:$cdp"; unset VIEWER_BROWSER_PROFILE
        WARM_VIEWS="$(uid_of "$WORK/warm"),$(uid_of "$WORK/warm")" ;;
    restarted) export VIEWER_BROWSER_PROFILE="$WORK/browser-profile"; unset VIEWER_BROWSER_CDP; WARM_VIEWS="$(uid_of "$WORK/warm"),$(uid_of "$WORK/warm")" ;;
    cold) unset VIEWER_BROWSER_PROFILE VIEWER_BROWSER_CDP; WARM_VIEWS=$(uid_of "$WORK/warm") ;;
    *) echo "BROWSER=$BROWSER: warm, restarted or cold" >&2; exit 2 ;;
esac
helper() { "${BROWSING[@]}" dotnet "$PUBLISHED/viewer-helper/viewer-bench.dll" "$data/portal.db" "http://127.0.0.1:$port" "$portal_pid" "$@"; }

echo "== warm-up: the 60-slice study in the viewer ($BROWSER browser: $([[ $BROWSER == warm ]] && echo 'opened twice in the profile the runs keep' || echo 'a fresh one, as every run'))"
helper "$WARM_VIEWS" | sed 's/^/   /' || { tail -30 "$WORK/portal.log" >&2; exit 1; }

first=(); firstcs=(); cached=(); scroll=(); frames=(); get=(); rss=(); alone=(); floor=()
for run in $(seq 1 "$RUNS"); do
    uid=${STUDIES[$((run - 1))]}
    mkdir -p "$WORK/get$run"
    settle; t0=$(now)
    TCP_NODELAY=1 "${SERVERS[@]}" getscu -S -aec ORTHANC -od "$WORK/get$run" -k QueryRetrieveLevel=STUDY -k "StudyInstanceUID=$uid" 127.0.0.1 "$dicom" > /dev/null 2>&1
    t1=$(now)
    got=$(find "$WORK/get$run" -type f | wc -l); rm -rf "$WORK/get$run"
    [[ $got == "$SLICES" ]] || { echo "getscu fetched $got of $SLICES instances" >&2; exit 1; }
    get+=("$(secs "$t0" "$t1")")
    settle
    line=$(helper "$uid" "${ALONE[$((run - 1))]}") || { echo "the viewer run failed: $line" >&2; tail -30 "$WORK/portal.log" >&2; exit 1; }
    [[ $(field slices "$line") == "$SLICES" ]] || { echo "the viewer showed a stack of $(field slices "$line"), not $SLICES: $line" >&2; exit 1; }
    alone+=("$(field alone_s "$line")"); first+=("$(field first_s "$line")"); firstcs+=("$(field first_cs_s "$line")"); cached+=("$(field cached_s "$line")"); scroll+=("$(field scroll_s "$line")"); frames+=("$(field frames_s "$line")"); floor+=("$(field floor_s "$line")")
    rss+=("$(field rss_before_mb "$line") -> peak $(field rss_peak_mb "$line") -> after $(field rss_after_mb "$line") MB")
    echo "   run $run: getscu ${get[-1]} s; the portal alone (no browser): the series retrieved into its cache ${alone[-1]} s; viewer: first image ${first[-1]} s (on Cornerstone's canvas ${firstcs[-1]} s), series metadata (all cached on the portal's disk)" \
        "$(field metadata_s "$line") s, whole stack in the viewer's cache ${cached[-1]} s, every slice shown ${scroll[-1]} s, every frame fetched ${frames[-1]} s; portal RSS ${rss[-1]}"
    echo "          the page's calls (start+duration, s): $(field steps_s "$line"); portal CPU per frame served $(field portal_cpu_ms_per_frame "$line") ms; Cornerstone's WebGL probe remembered from an earlier page: $(field probe_remembered "$line")"
    echo "          the viewer's scripts (start+duration, s: cache, 304 or net): $(field scripts_s "$line")"
    echo "          the series' frames all received by the viewer's stream (one pixeldata call) at $(field stream_end_s "$line") s"
    echo "          the frames alone: the page's fetches $(field frames_only_s "$line") s, the same by plain HTTP from the bench $(field frames_http_s "$line") s; the series' one streamed call by plain HTTP from the portal's cache $(field stream_http_s "$line") s, in the page $(field stream_page_s "$line") s, in the viewer's frames worker $(field stream_worker_s "$line") s ($(field stream_worker_frames "$line") frames), in a page that runs nothing $(field stream_blank_s "$line") s"
    echo "          the browser's floor: the same bytes streamed to a page from memory by a bare server (no DICOM, no portal) ${floor[-1]} s"
done

echo
echo "== $SLICES slices, $SIZE MB; best of $RUNS (each run a study the portal had not cached; $BROWSER browser${SPLIT:+; servers on core 0, browser on core 1}); load: $(uptime | sed 's/.*load average: //')"
printf '%-52s %8s %8s\n' "" "seconds" "ratio"
printf '%-52s %8s %8s\n' "getscu <- Orthanc (the whole study)" "$(best "${get[@]}")" "1.00"
printf '%-52s %8s %8s\n' "portal alone: the series into its cache (no browser)" "$(best "${alone[@]}")" "$(ratio "$(best "${alone[@]}")" "$(best "${get[@]}")")"
printf '%-52s %8s %8s\n' "browser floor: the bytes alone, from memory" "$(best "${floor[@]}")" "$(ratio "$(best "${floor[@]}")" "$(best "${get[@]}")")"
printf '%-52s %8s %8s\n' "viewer: first image (goal < 1 s)" "$(best "${first[@]}")" "$(ratio "$(best "${first[@]}")" "$(best "${get[@]}")")"
printf '%-52s %8s %8s\n' "viewer: first image on Cornerstone's canvas" "$(best "${firstcs[@]}")" "$(ratio "$(best "${firstcs[@]}")" "$(best "${get[@]}")")"
printf '%-52s %8s %8s\n' "viewer: whole stack decoded by its prefetch (goal <= 1.5)" "$(best "${cached[@]}")" "$(ratio "$(best "${cached[@]}")" "$(best "${get[@]}")")"
printf '%-52s %8s %8s\n' "viewer: every frame fetched, 6 at a time" "$(best "${frames[@]}")" "$(ratio "$(best "${frames[@]}")" "$(best "${get[@]}")")"
printf '%-52s %8s %8s\n' "viewer: every slice shown one after the other" "$(best "${scroll[@]}")" "$(ratio "$(best "${scroll[@]}")" "$(best "${get[@]}")")"
echo "   portal RSS per run (before -> peak during -> after the view): ${rss[*]}"
