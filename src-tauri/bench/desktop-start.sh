#!/usr/bin/env bash
# The desktop app's start-up benchmark: cold start to its first interactive
# screen (sign-in, whose next step is the queue from the same cache),
# and idle memory. It prepares a station with `passctl demo` (ITEMS passes,
# synced; its central is gone afterwards, so the app starts offline from its
# cache, as an office PC in the morning), then starts the release app RUNS
# times on an Xvfb display. The app logs the moment the UI has drawn its first
# screen; ten seconds later the resident memory of the app and its WebKit
# processes (the whole process tree) is summed.
#
#   src-tauri/bench/desktop-start.sh [ITEMS] [RUNS] [--signed-in] [APP OPTIONS...]   (defaults: 2000 5)
#
# The first screen is sign-in; with --signed-in the demo's clerk is signed in
# before the window opens (the demo build's --bench-sign-in), so the first
# screen is the queue, drawn with its first rows, and the memory is that of
# the queue on show. Other options are passed on to the app, e.g. --gpu. BENCH_NO_BUILD=1 runs the release binaries as they
# are in the target folder (to compare a build kept aside); BENCH_DEMO=DIR
# keeps the prepared demo in DIR and uses it again on the next run (the
# demo of 100,000 passes takes minutes to prepare).
set -euo pipefail
cd "$(dirname "$0")/../.."
items=${1:-2000}
runs=${2:-5}
shift $(( $# < 2 ? $# : 2 ))
target=${CARGO_TARGET_DIR:-target}
signed_in=
app_options=()
for option in "$@"; do
    case $option in
        --signed-in) signed_in=1 ;;
        *) app_options+=("$option") ;;
    esac
done

[ -n "${BENCH_NO_BUILD:-}" ] || cargo build --release --locked --bin pass-station --bin passctl --quiet
work=$(mktemp -d)
demo=${BENCH_DEMO:-$work/demo}
if [ ! -f "$demo/demo.log" ]; then
    demo_started=$(date +%s.%N)
    "$target/release/passctl" demo --dir "$demo" --items "$items" >"$work/demo.log"
    mv "$work/demo.log" "$demo/demo.log"
    echo "passctl demo --items $items: $(echo "$(date +%s.%N) - $demo_started" | bc | xargs printf '%.1f') s"
fi
if [ -n "$signed_in" ]; then
    # "... (demo users, in this folder's simulator only: CLERK / PASSWORD, ..."
    clerk=$(grep -o 'simulator only: [^ ]* / [^,]*' "$demo/demo.log" | head -1)
    app_options+=(--bench-sign-in "$(echo "$clerk" | cut -d' ' -f3)")
    export PASS_STATION_BENCH_PASSWORD=$(echo "$clerk" | cut -d' ' -f5)
fi

# PSS shares a library's pages among the processes mapping it: another
# WebKit app running would take part of this one's share and hide it.
if pgrep -x WebKitWebProces >/dev/null || pgrep -x WebKitNetworkPr >/dev/null; then
    echo "other WebKit processes are running ($(pgrep -x -d ' ' WebKitWebProces)): they would share out this app's memory; stop them first" >&2
    exit 1
fi

xvfb_pid=
if [ -z "${DISPLAY:-}" ]; then
    display=:$((200 + $$ % 300))
    Xvfb "$display" -screen 0 1440x900x24 -nolisten tcp >/dev/null 2>&1 &
    xvfb_pid=$!
    export DISPLAY=$display
    sleep 1
fi
stop() { [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null; rm -rf "$work"; }
trap stop EXIT

# A process and all its descendants.
tree() {
    local pids=$1 all=$1 next
    while [ -n "$pids" ]; do
        next=$(for p in $pids; do pgrep -P "$p" || true; done | tr '\n' ' ')
        all="$all $next"
        pids=$(echo "$next" | xargs)
    done
    echo $all
}
# The sum of one /proc/PID/smaps_rollup field (kB) over processes: Rss counts
# the shared WebKit and GTK libraries once per process, Pss shares them out.
memory() {
    local field=$1; shift
    for p in "$@"; do cat "/proc/$p/smaps_rollup" 2>/dev/null; done | awk -v f="$field:" '$1 == f { s += $2 } END { print s }'
}

echo "items=$items runs=$runs ${signed_in:+signed in (the queue)} ${app_options[*]}"
for run in $(seq "$runs"); do
    log="$work/run$run.log"
    : >"$log"
    XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data" XDG_CACHE_HOME="$work/cache" \
        "$target/release/pass-station" --home "$demo/station" --pdf "$work/printed" "${app_options[@]}" 2>"$log" &
    app=$!
    for _ in $(seq 300); do
        grep -q "first screen interactive" "$log" && break
        sleep 0.05
    done
    ready=$(grep -o "first screen interactive [0-9]* ms" "$log" | grep -o "[0-9]*" || echo "none")
    sleep 10
    procs=$(tree "$app")
    rss=$(memory Rss $procs)
    pss=$(memory Pss $procs)
    echo "run $run: first screen ($([ -n "$signed_in" ] && echo queue || echo sign-in)) interactive after ${ready} ms; idle memory of the app and its WebKit processes: PSS $((pss / 1024)) MB, RSS sum $((rss / 1024)) MB"
    for p in $procs; do
        echo "    $(cat "/proc/$p/comm" 2>/dev/null): PSS $(( $(memory Pss "$p") / 1024 )) MB"
    done
    [ -z "${BENCH_HOLD:-}" ] || { echo "    holding the app (pid $app) for $BENCH_HOLD s"; sleep "$BENCH_HOLD"; }
    kill "$app"
    wait "$app" 2>/dev/null || true
    # The web processes exit after the app; the next run must not share with them.
    for _ in $(seq 100); do
        alive=$(for p in $procs; do if [ -d "/proc/$p" ]; then echo "$p"; fi; done)
        [ -z "$alive" ] && break
        sleep 0.05
    done
done
