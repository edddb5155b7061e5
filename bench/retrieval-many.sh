# bench/retrieval-many.sh: the throughput mode of bench/retrieval.sh (issue 16), sourced by it for
#   bench/retrieval.sh --studies N [slices=300] [runs=1]
# (it uses retrieval.sh's settings and helpers: WORK, PUBLISHED, SLICES, RUNS, STUDIES, start_orthanc, instances_in ...).
#   Orthanc: N movescu at once ask Orthanc A to C-MOVE one study each to an empty Orthanc B, timed to the last one's
#            end; then (SEQUENTIAL=0 skips it) the same N C-MOVEs one after the other into another empty B
#   portal : the published portal as TWO processes with Portal:Role=worker on one SQLite file (each running
#            Retrieval:Concurrency jobs at once, CONCURRENCY, default 2, the portal's default; STORE_ASSOCIATIONS sets
#            Retrieval:StoreAssociations, default 1, the portal's default), freshly started and warmed
#            up off the clock as a portal that has run for days is: each worker's own start-up warm-up (the job's
#            database work), then real retrievals through both workers (WARM_STUDIES small studies of WARM_SLICES
#            slices, default 4 x 60, into a throwaway Orthanc B, repeated until each worker has finished at least
#            one job), so that the transfer path is compiled (tier 1) before the clock starts; then an empty B.
#            retrieval-bench approves N requests (one study each) in one transaction and polls until every one is
#            Completed: the clock runs from their commit to the last Completed. Both workers' RSS sampled throughout.
#            WARM_STUDIES=0 measures fresh workers (the transfer's code compiled during the first jobs), as before.
#   relay  : (RELAY=0 skips it) DCMTK as the hop the portal is: for each study at once, getscu fetches it from A into a
#            folder, then storescu sends that folder to B (no checks, no identity rewrite, no database): what a plain
#            relay of the same bytes costs on this machine, beside Orthanc's direct C-MOVEs (one hop, not two)
# Each with default Orthancs (TCP_NODELAY=0) and TCP_NODELAY=1 ones (NODELAY= as in retrieval.sh); B must end with
# every instance of every study. BEFORE=folder also runs the portal published there (an older build) in each run, right
# after this one, so that a change is measured side by side on the same machine load. The Orthancs' CPU is reported
# for each (A sends, B stores), beside the workers'. PERF=folder records both workers with perf during each batch
# (with PORTAL_ENV=DOTNET_PerfMapEnabled=1 the JIT-compiled methods get names: perf report -i folder/TAG.data).
# COUNTERS=folder records both workers' runtime counters (dotnet-counters on the PATH) second by second during each
# batch: allocation, JIT, CPU, collections; bench/counters-summary.py folder/TAG-PID.csv prints them.
# SPLIT=1 gives the hop a core of its own, as a portal on its own server has: both Orthancs (and the movescus that start
# Orthanc's C-MOVEs) on core 0, the workers, the bench helper and the DCMTK relay's getscu and storescu on core 1. Orthanc's
# own C-MOVEs run on core 0 alone either way: it is the same two PACS with the portal's server beside them or not.

CONCURRENCY=${CONCURRENCY:-2}
STORE_ASSOCIATIONS=${STORE_ASSOCIATIONS:-1}
if [[ -n ${SPLIT:-} ]]; then
    (( $(nproc) >= 2 )) || { echo "SPLIT needs two cores" >&2; exit 2; }
    PACS_CPU=(taskset -c 0); HOP_CPU=(taskset -c 1)
    pin_pacs() { taskset -a -p -c 0 "$1" > /dev/null; } # every thread of the Orthanc just started; new ones inherit it
else
    PACS_CPU=(); HOP_CPU=()
    pin_pacs() { :; }
fi
echo "== load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
echo "== generating $STUDIES studies of $SLICES slices"
UIDS=()
for i in $(seq 1 "$STUDIES"); do
    python3 bench/dicom-net-gen.py "$WORK/studies/s$i" "$SLICES"
    UIDS+=("$(dcmdump +P StudyInstanceUID "$WORK/studies/s$i/ct0000.dcm" | sed -E 's/.*\[(.*)\].*/\1/')")
done
[[ $(printf '%s\n' "${UIDS[@]}" | sort -u | wc -l) == "$STUDIES" ]] || { echo "two studies share a UID" >&2; exit 1; }
TOTAL=$((STUDIES * SLICES))
SIZE=$(du -sm "$WORK/studies" | cut -f1)
WARM_STUDIES=${WARM_STUDIES:-4}; WARM_SLICES=${WARM_SLICES:-60}
WARM_UIDS=()
for i in $(seq 1 "$WARM_STUDIES"); do
    python3 bench/dicom-net-gen.py "$WORK/warm/w$i" "$WARM_SLICES"
    WARM_UIDS+=("$(dcmdump +P StudyInstanceUID "$WORK/warm/w$i/ct0000.dcm" | sed -E 's/.*\[(.*)\].*/\1/')")
done
echo "   $TOTAL instances, $SIZE MB in $WORK/studies (free in /tmp: $(df -h --output=avail /tmp | tail -1 | tr -d ' '))"

# Every worker process seals the audit trail with the same key, as every node of an installation must.
CHAIN_KEY=$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
start_worker() { # $1 name, $2 db folder, $3 dicom port, $4 extra "K=V" settings, $5 published folder; sets WORKER_PID
    local data="$2/$1" http; http=$(free_port); mkdir -p "$data"
    env ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$http" Portal__Role=worker \
        ConnectionStrings__ImagePortal="Data Source=$2/portal.db" Storage__DataDirectory="$data" Audit__ChainKey="$CHAIN_KEY" \
        Demo__Enabled=false Demo__AllowOutsideDevelopment=true Dicom__Port="$3" \
        Retrieval__PollInterval=00:00:00.100 Retrieval__Concurrency="$CONCURRENCY" Retrieval__StoreAssociations="$STORE_ASSOCIATIONS" \
        Seed__Facilities__0__Nodes__0__AeTitle=ORTHANC_B Seed__Facilities__0__Nodes__0__Port="$b_dicom" \
        Seed__Facilities__1__Nodes__0__AeTitle=ORTHANC_A Seed__Facilities__1__Nodes__0__Port="$a_dicom" \
        Logging__LogLevel__Default=Warning Logging__LogLevel__ImagePortal.Infrastructure.Retrieval=Information $4 ${PORTAL_ENV:-} \
        "${HOP_CPU[@]}" bash -c 'cd "$1" && exec dotnet ImagePortal.Web.dll' worker "$5/portal" > "$WORK/$1.log" 2>&1 &
    WORKER_PID=$!; PIDS+=("$WORKER_PID")
    wait_http "http://127.0.0.1:$http/health" "$WORKER_PID" || { tail -30 "$WORK/$1.log" >&2; exit 1; }
    # It warms up (compiles a job's database work) before it looks for work: wait for that, off the clock.
    for _ in $(seq 1 600); do grep -q "warm up\|warmed up" "$WORK/$1.log" && return 0; sleep 0.1; done
    echo "worker $1 did not warm up" >&2; tail -30 "$WORK/$1.log" >&2; exit 1
}
warm_up() { # $1 tag, $2 data folder, $3 worker 1 pid, $4 worker 2 pid: retrievals through both workers, off the clock
    (( WARM_STUDIES > 0 )) || return 0
    local round line
    start_orthanc "bwarm-$1" ORTHANC_B "$b_dicom" "$b_http" "$nodelay" '{}'; pin_pacs "$ORTHANC_PID"
    for round in 1 2 3; do
        line=$("${HOP_CPU[@]}" dotnet "$PUBLISHED/helper/retrieval-bench.dll" "$2/portal.db" "$(IFS=,; echo "${WARM_UIDS[*]}")" "$WARM_SLICES" "$3,$4" 600) || {
            echo "the warm-up did not complete: $line" >&2; exit 1; }
        grep -q " ended " "$WORK/worker1-$1.log" && grep -q " ended " "$WORK/worker2-$1.log" && break
    done
    # The runtime recompiles the hot methods (tier 1) in the background after their first calls: let it finish, as it
    # has in a portal that has been up for a while: until the two workers together use under a fifth of a core over two
    # seconds (idle, each polls its queue every 0.1 s), 30 s at most.
    local waited ticks0 ticks1
    ticks() { cat "/proc/$3/stat" "/proc/$4/stat" | awk '{ sub(/.*\) /, ""); t += $12 + $13 } END { print t }'; }
    for waited in $(seq 2 2 30); do
        ticks0=$(ticks "$@"); sleep 2; ticks1=$(ticks "$@")
        (( ticks1 - ticks0 < 2 * $(getconf CLK_TCK) / 5 )) && break
    done
    echo "   warm-up ($round round(s) of $WARM_STUDIES x $WARM_SLICES slices): $(grep -c " ended " "$WORK/worker1-$1.log") + $(grep -c " ended " "$WORK/worker2-$1.log") jobs, workers' CPU $(field worker_cpu_s "$line") s in the last round; idle after ${waited} s"
    stop_pid "$ORTHANC_PID"; rm -rf "$WORK/bwarm-$1"
}
moves() { # $1 "parallel", "sequential" or "relay", $2 label: the N C-MOVEs A -> B (or relays), prints the seconds
    local pids=() t0 t1 i
    settle; t0=$(now)
    for i in "${!UIDS[@]}"; do
        if [[ $1 == relay ]]; then
            # DCMTK as the hop: getscu fetches the study from A into a folder, then storescu sends that folder to B.
            ( mkdir -p "$WORK/relay-$2-$i" &&
              TCP_NODELAY=1 "${HOP_CPU[@]}" getscu -S -aet BENCH -aec ORTHANC_A -od "$WORK/relay-$2-$i" -k QueryRetrieveLevel=STUDY -k "StudyInstanceUID=${UIDS[$i]}" 127.0.0.1 "$a_dicom" &&
              TCP_NODELAY=1 "${HOP_CPU[@]}" storescu -aet BENCH -aec ORTHANC_B +sd 127.0.0.1 "$b_dicom" "$WORK/relay-$2-$i" ) > "$WORK/move-$2-$i.log" 2>&1 &
            pids+=($!)
        elif [[ $1 == parallel ]]; then
            "${PACS_CPU[@]}" movescu -S -aet BENCH -aec ORTHANC_A -aem ORTHANC_B -k QueryRetrieveLevel=STUDY -k "StudyInstanceUID=${UIDS[$i]}" \
                127.0.0.1 "$a_dicom" > "$WORK/move-$2-$i.log" 2>&1 &
            pids+=($!)
        else
            "${PACS_CPU[@]}" movescu -S -aet BENCH -aec ORTHANC_A -aem ORTHANC_B -k QueryRetrieveLevel=STUDY -k "StudyInstanceUID=${UIDS[$i]}" \
                127.0.0.1 "$a_dicom" > "$WORK/move-$2-$i.log" 2>&1 || { echo "movescu $i failed" >&2; cat "$WORK/move-$2-$i.log" >&2; exit 1; }
        fi
    done
    for i in "${!pids[@]}"; do wait "${pids[$i]}" || { echo "$1 $i failed" >&2; cat "$WORK/move-$2-$i.log" >&2; exit 1; }; done
    t1=$(now)
    rm -rf "$WORK"/relay-"$2"-*
    secs "$t0" "$t1"
}
phases() { # the workers' logs: each phase's range over their jobs, and the failed attempts (retried)
    python3 - "$@" <<'PY'
import json, re, sys
phases, retries = {}, 0
for path in sys.argv[1:]:
    for line in open(path):
        try:
            message = json.loads(line).get("Message", "")
        except ValueError:
            continue
        retries += " failed, next in " in message
        if " ended " in message:
            for name, value in re.findall(r"(start|query|transfer|finish) ([\d.]+) s", message):
                phases.setdefault(name, []).append(float(value))
print(", ".join(f"{n} {min(v):.2f}-{max(v):.2f} s" for n, v in phases.items()) + f"; {retries} failed attempt(s)")
PY
}
cpu_s() { # $1 pid: the CPU seconds (user + system) it has used so far
    python3 -c "import os, sys; f = open(f'/proc/{sys.argv[1]}/stat').read().rsplit(')', 1)[1].split(); print((int(f[11]) + int(f[12])) / os.sysconf('SC_CLK_TCK'))" "$1"
}
mbps() { python3 -c "print(f'{$SIZE / $1:.1f}')"; }

declare -A RESULT
SETTINGS=(${NODELAY:-0 1})
MODES=(parallel); [[ ${SEQUENTIAL:-1} == 0 ]] || MODES+=(sequential); [[ ${RELAY:-1} == 0 ]] || MODES+=(relay)
PORTALS=(portal); [[ -z ${BEFORE:-} ]] || PORTALS+=(before)
[[ -z ${BEFORE:-} || -f $BEFORE/portal/ImagePortal.Web.dll ]] || { echo "BEFORE=$BEFORE holds no published portal" >&2; exit 1; }
for nodelay in "${SETTINGS[@]}"; do
    echo "== Orthancs with TCP_NODELAY=$nodelay"
    a_dicom=$(free_port); a_http=$(free_port); b_dicom=$(free_port); b_http=$(free_port); portal_dicom=$(free_port); portal2_dicom=$(free_port)
    start_orthanc "a-$nodelay" ORTHANC_A "$a_dicom" "$a_http" "$nodelay" \
        "{ \"b\": [\"ORTHANC_B\", \"127.0.0.1\", $b_dicom], \"bench\": [\"BENCH\", \"127.0.0.1\", 1], \"portal\": [\"IMAGEPORTAL\", \"127.0.0.1\", $portal_dicom] }"
    a_pid=$ORTHANC_PID; pin_pacs "$a_pid"
    TCP_NODELAY=1 storescu -aec ORTHANC_A +sd +r 127.0.0.1 "$a_dicom" "$WORK/studies" > "$WORK/load-$nodelay.log" 2>&1 || { echo "storescu could not load Orthanc A" >&2; tail "$WORK/load-$nodelay.log" >&2; exit 1; }
    (( WARM_STUDIES == 0 )) || TCP_NODELAY=1 storescu -aec ORTHANC_A +sd +r 127.0.0.1 "$a_dicom" "$WORK/warm" >> "$WORK/load-$nodelay.log" 2>&1 || {
        echo "storescu could not load Orthanc A" >&2; tail "$WORK/load-$nodelay.log" >&2; exit 1; }
    [[ $(instances_in "$a_http") == "$((TOTAL + WARM_STUDIES * WARM_SLICES))" ]] || { echo "Orthanc A does not hold the $TOTAL instances" >&2; exit 1; }

    declare -A times=()
    for run in $(seq 1 "$RUNS"); do
        for mode in "${MODES[@]}"; do
            start_orthanc "b-$nodelay-$mode-$run" ORTHANC_B "$b_dicom" "$b_http" "$nodelay" '{}'
            b_pid=$ORTHANC_PID; pin_pacs "$b_pid"
            ca=$(cpu_s "$a_pid"); cb=$(cpu_s "$b_pid")
            t=$(moves "$mode" "$nodelay-$mode-$run")
            RESULT[cpu_${mode}_$nodelay]="A $(secs "$ca" "$(cpu_s "$a_pid")") s, B $(secs "$cb" "$(cpu_s "$b_pid")") s"
            got=$(instances_in "$b_http"); stop_pid "$b_pid"; rm -rf "$WORK/b-$nodelay-$mode-$run"
            [[ $got == "$TOTAL" ]] || { echo "Orthanc's $mode C-MOVEs left $got of $TOTAL instances in B" >&2; exit 1; }
            times[$mode]+="$t "
            if [[ $mode == relay ]]; then echo "   run $run: DCMTK relay, $STUDIES at once (getscu from A, then storescu to B): $t s"
            else echo "   run $run: Orthanc A: $STUDIES C-MOVEs -> B, $mode: $t s"; fi
        done

        # The portal: a fresh database, two worker processes on it (the first one migrates and seeds it), an empty B;
        # then, with BEFORE=folder, the same for the portal published there (an older build, side by side in this run).
        # With BEFORE, the two take turns going first (odd runs this build, even runs the older one), so that neither
        # is always the one measured right after Orthanc's C-MOVEs.
        order=("${PORTALS[@]}"); (( run % 2 == 1 || ${#PORTALS[@]} == 1 )) || order=(before portal)
        for portal in "${order[@]}"; do
            published=$PUBLISHED; [[ $portal == portal ]] || published=$BEFORE
            tag="$portal-$nodelay-$run"
            data="$WORK/$tag"; mkdir -p "$data"
            start_worker "worker1-$tag" "$data" "$portal_dicom" "" "$published"; w1=$WORKER_PID
            start_worker "worker2-$tag" "$data" "$portal2_dicom" "Database__MigrateOnStartup=false" "$published"; w2=$WORKER_PID
            warm_up "$tag" "$data" "$w1" "$w2"
            # What the workers log from here on is the batch's (the warm-up's jobs are left out of the counts below).
            skip1=$(wc -l < "$WORK/worker1-$tag.log"); skip2=$(wc -l < "$WORK/worker2-$tag.log")
            start_orthanc "b-$tag" ORTHANC_B "$b_dicom" "$b_http" "$nodelay" '{}'
            b_pid=$ORTHANC_PID; pin_pacs "$b_pid"
            settle
            ca=$(cpu_s "$a_pid"); cb=$(cpu_s "$b_pid")
            if [[ -n ${PERF:-} ]]; then # both workers' stacks during the batch (PORTAL_ENV=DOTNET_PerfMapEnabled=1 names JIT code)
                mkdir -p "$PERF"; perf record -F 499 -g -p "$w1,$w2" -o "$PERF/$tag.data" > "$PERF/$tag.perf.log" 2>&1 & perf_pid=$!
            fi
            if [[ -n ${COUNTERS:-} ]]; then
                mkdir -p "$COUNTERS"; cpids=()
                for w in "$w1" "$w2"; do dotnet-counters collect -p "$w" --counters System.Runtime --format csv --refresh-interval 1 -o "$COUNTERS/$tag-$w.csv" > /dev/null 2>&1 & cpids+=("$!"); done
            fi
            line=$("${HOP_CPU[@]}" dotnet "$PUBLISHED/helper/retrieval-bench.dll" "$data/portal.db" "$(IFS=,; echo "${UIDS[*]}")" "$SLICES" "$w1,$w2" 1800) || {
                echo "the $portal did not complete the imports: $line" >&2; tail -30 "$WORK/worker1-$tag.log" "$WORK/worker2-$tag.log" >&2; exit 1; }
            if [[ -n ${PERF:-} ]]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi
            if [[ -n ${COUNTERS:-} ]]; then for c in "${cpids[@]}"; do kill -TERM "$c"; wait "$c" || true; done; fi # it ignores SIGINT without a terminal
            RESULT[cpu_${portal}_$nodelay]="A $(secs "$ca" "$(cpu_s "$a_pid")") s, B $(secs "$cb" "$(cpu_s "$b_pid")") s"
            got=$(instances_in "$b_http"); stop_pid "$b_pid"; rm -rf "$WORK/b-$tag"
            [[ $got == "$TOTAL" ]] || { echo "the $portal left $got of $TOTAL instances in B: $line" >&2; exit 1; }
            stop_pid "$w1"; stop_pid "$w2"
            tail -n +"$((skip1 + 1))" "$WORK/worker1-$tag.log" > "$WORK/worker1-$tag-batch.log"
            tail -n +"$((skip2 + 1))" "$WORK/worker2-$tag.log" > "$WORK/worker2-$tag-batch.log"
            times[$portal]+="$(field seconds "$line") "
            jobs1=$(grep -c " ended " "$WORK/worker1-$tag-batch.log" || true); jobs2=$(grep -c " ended " "$WORK/worker2-$tag-batch.log" || true)
            IFS=, read -r rb1 rb2 <<< "$(field rss_before_mb "$line")"; IFS=, read -r rp1 rp2 <<< "$(field rss_peak_mb "$line")"
            IFS=, read -r ra1 ra2 <<< "$(field rss_after_mb "$line")"; IFS=, read -r c1 c2 <<< "$(field worker_cpu_s "$line")"
            RESULT[workers_${portal}_$nodelay]="worker 1: $jobs1 jobs, RSS $rb1 -> peak $rp1 -> after $ra1 MB, $c1 s CPU; worker 2: $jobs2 jobs, RSS $rb2 -> peak $rp2 -> after $ra2 MB, $c2 s CPU"
            RESULT[phases_${portal}_$nodelay]=$(phases "$WORK/worker1-$tag-batch.log" "$WORK/worker2-$tag-batch.log")
            RESULT[jobs_${portal}_$nodelay]="first lease $(field first_start_s "$line") s after the commit, jobs $(field job_s_min "$line")-$(field job_s_max "$line") s each, the bench helper $(field helper_cpu_s "$line") s CPU"
            echo "   run $run: $portal, 2 workers x $CONCURRENCY: $(field seconds "$line") s ($(field imported "$line") imported; ${RESULT[workers_${portal}_$nodelay]}; ${RESULT[jobs_${portal}_$nodelay]})"
        done
    done
    stop_pid "$a_pid"; rm -rf "$WORK/a-$nodelay"
    for mode in "${MODES[@]}" "${PORTALS[@]}"; do
        # shellcheck disable=SC2086 # the runs' seconds, one word each
        RESULT[${mode}_$nodelay]=$(best ${times[$mode]})
    done
    unset times
done

echo
echo "== throughput: $STUDIES studies x $SLICES slices ($TOTAL instances, $SIZE MB) from Orthanc A to one Orthanc B, best of $RUNS${PORTAL_ENV:+, portal run with $PORTAL_ENV}${SPLIT:+; the Orthancs on core 0, the hop (workers, relay) on core 1}"
echo "   goal (issue 16): the portal no slower than Orthanc's own $STUDIES C-MOVEs, worker memory flat"
row() { # $1 label, then one value per setting run
    local label=$1; shift
    printf '%-52s' "$label"; printf ' %10s' "$@"; printf '\n'
}
column() { local out=(); for n in "${SETTINGS[@]}"; do out+=("$("$@" "$n")"); done; row "${LABEL}" "${out[@]}"; }
value() { echo "${RESULT[${1}_$2]}"; }
rate() { mbps "${RESULT[${1}_$2]}"; }
versus() { ratio "${RESULT[${1}_$3]}" "${RESULT[${2}_$3]}"; }
row "" "${SETTINGS[@]/#/NODELAY=}"
LABEL="Orthanc: $STUDIES C-MOVEs at once (s)" column value parallel
LABEL="   MB/s" column rate parallel
if [[ ${SEQUENTIAL:-1} != 0 ]]; then
    LABEL="Orthanc: $STUDIES C-MOVEs one after another (s)" column value sequential
    LABEL="   MB/s" column rate sequential
fi
if [[ ${RELAY:-1} != 0 ]]; then
    LABEL="DCMTK relay: $STUDIES x (getscu A, storescu B) (s)" column value relay
    LABEL="ratio DCMTK relay / Orthanc at once" column versus relay parallel
fi
for portal in "${PORTALS[@]}"; do
    name=$portal; [[ $portal == portal ]] || name="portal before ($BEFORE)"
    LABEL="$name: 2 workers x $CONCURRENCY jobs$([[ $STORE_ASSOCIATIONS == 1 ]] || echo " x $STORE_ASSOCIATIONS stores") (s)" column value "$portal"
    LABEL="   MB/s" column rate "$portal"
    LABEL="ratio $portal / Orthanc at once" column versus "$portal" parallel
    [[ ${SEQUENTIAL:-1} == 0 ]] || LABEL="ratio $portal / Orthanc one after another" column versus "$portal" sequential
    [[ ${RELAY:-1} == 0 ]] || LABEL="ratio $portal / DCMTK relay" column versus "$portal" relay
done
echo "   the workers in the last run (RSS: before -> peak during -> after the $STUDIES jobs; CPU during them):"
for portal in "${PORTALS[@]}"; do
    for n in "${SETTINGS[@]}"; do echo "     $portal, NODELAY=$n: ${RESULT[workers_${portal}_$n]}; ${RESULT[jobs_${portal}_$n]}"; done
done
echo "   the Orthancs' CPU in the last run (A sends, B stores):"
for n in "${SETTINGS[@]}"; do
    echo "     NODELAY=$n: $(for mode in "${MODES[@]}" "${PORTALS[@]}"; do printf '%s: %s; ' "$mode" "${RESULT[cpu_${mode}_$n]}"; done)"
done
echo "   each job's phases in the last run (from the workers' logs):"
for portal in "${PORTALS[@]}"; do
    for n in "${SETTINGS[@]}"; do echo "     $portal, NODELAY=$n: ${RESULT[phases_${portal}_$n]}"; done
done
echo "   load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores: $(nproc))"
