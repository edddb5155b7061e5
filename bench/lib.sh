# Shared by the bench/ scripts: temp folder and child processes cleaned up on exit, free ports, timing.
# The sourcing script sets WORK (its temp folder) and PIDS (an array) before it starts anything.

cleanup() { # KEEP_LOGS=folder keeps the run's *.log files there
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    if [[ -n ${KEEP_LOGS:-} ]]; then mkdir -p "$KEEP_LOGS" && find "$WORK" -maxdepth 1 -name '*.log' -exec cp {} "$KEEP_LOGS" \; ; fi
    rm -rf "$WORK"
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

wait_port() { # $1 port: until something listens there (30 s)
    for _ in $(seq 1 600); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done
    echo "nothing listening on port $1" >&2; exit 1
}

now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.2f}')"; }
ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }
# Before each timed step: the files the previous step wrote are flushed, so that their writeback (hundreds of MB) is
# not charged to whichever step happens to come next.
settle() { sync; }

wait_http() { # $1 url, $2 pid that must stay alive (optional): until the url answers 200 (60 s)
    for _ in $(seq 1 600); do
        curl -fs -o /dev/null "$1" && return 0
        [[ -z ${2:-} ]] || kill -0 "$2" 2>/dev/null || { echo "process $2 exited before $1 answered" >&2; return 1; }
        sleep 0.1
    done
    echo "$1 did not answer" >&2; exit 1
}
best() { printf '%s\n' "$@" | sort -g | head -1; }
median() { printf '%s\n' "$@" | sort -g | python3 -c 'import statistics, sys; print(f"{statistics.median(float(l) for l in sys.stdin):.2f}")'; }
field() { sed -E "s/.*\b$1=([^ ]*).*/\1/" <<< "$2"; }
stop_pid() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
instances_in() { curl -fs "http://127.0.0.1:$1/statistics" | python3 -c 'import json, sys; print(json.load(sys.stdin)["CountInstances"])'; }

publish_portal() { # into $PUBLISHED (once): the portal (Release, ReadyToRun) and bench/retrieval-bench
    if [[ ! -f $PUBLISHED/portal/ImagePortal.Web.dll ]]; then
        echo "== publishing the portal (Release, ReadyToRun) into $PUBLISHED"
        dotnet publish ImagePortal.Web -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
            -o "$PUBLISHED/portal" -v quiet -nologo > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
    fi
    if [[ ! -f $PUBLISHED/helper/retrieval-bench.dll || bench/retrieval-bench/Program.cs -nt $PUBLISHED/helper/retrieval-bench.dll || bench/shared/Machine.cs -nt $PUBLISHED/helper/retrieval-bench.dll ]]; then
        dotnet build bench/retrieval-bench -c Release -o "$PUBLISHED/helper" -v quiet -nologo > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
    fi
}
