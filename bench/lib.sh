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
