#!/usr/bin/env bash
# The live camera in the app, measured where the officer looks: the preview's
# frame rate (frames drawn a second in the web view) and the time from a
# frame's capture to its verdict on the gate screen (median and p95).
#
# The release app starts in demo mode with `--frames DIR` as its camera. The
# clerk prints a card (its back is rasterised by the demo's camera folder);
# `pass-camera`'s `held_up` example turns that picture into COUNT photos of
# the card held up to a 1280x720 webcam (scaled, rotated, tilted, lit
# differently, noisy, JPEG), each followed by the empty wall, into DIR, where
# the app's camera picks them up as they appear and plays them at 30 frames a
# second, two seconds each. The gate officer starts the gate; each showing of
# the card is one presentation and one verdict. After SECONDS the page's own
# counters (`window.__passStationCamera`) are read. Driven through
# tauri-driver and WebKitWebDriver on an Xvfb display, as the desktop test is.
#
#   src-tauri/bench/camera-live.sh [SECONDS] [COUNT]   (defaults: 90 20)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-90}
count=${2:-20}
target=${CARGO_TARGET_DIR:-target}

cargo build --release --locked --bin pass-station --quiet
# The photo maker only prepares the input; its crate is optimised in dev builds too.
cargo build --locked -p pass-camera --example held_up --quiet
work=$(mktemp -d)
mkdir -p "$work/frames"

display=:$((200 + $$ % 300))
Xvfb "$display" -screen 0 1440x900x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
native_port=$(free_port)
DISPLAY=$display XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data" XDG_CACHE_HOME="$work/cache" \
    tauri-driver --port "$port" --native-port "$native_port" --native-driver "$(command -v WebKitWebDriver)" \
    >"$work/driver.log" 2>&1 &
driver_pid=$!
# A process and all its descendants, by PID (the app runs under WebKitWebDriver under tauri-driver).
tree() {
    local pid=$1 child
    for child in $(cat "/proc/$pid/task/$pid/children" 2>/dev/null); do tree "$child"; done
    echo "$pid"
}
stop() {
    kill $(tree "$driver_pid") 2>/dev/null || true
    kill "$xvfb_pid" 2>/dev/null || true
    cp "$work/driver.log" "${TMPDIR:-/tmp}/camera-live-driver.log" 2>/dev/null || true
    rm -rf "$work"
}
trap stop EXIT
sleep 1

APP="$(realpath "$target")/release/pass-station" HELD_UP="$(realpath "$target")/debug/examples/held_up" \
    WORK="$work" PORT="$port" SECONDS_TO_RUN="$seconds" COUNT="$count" python3 - <<'PY'
import json, os, statistics, subprocess, time, urllib.request

work, port = os.environ["WORK"], os.environ["PORT"]
base = f"http://127.0.0.1:{port}"

def post(path, body):
    request = urllib.request.Request(base + path, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as answer:
        value = json.load(answer)["value"]
    if isinstance(value, dict) and "error" in value:
        raise SystemExit(f"{path}: {value}")
    return value

session, failure = None, None
for _ in range(50):
    try:
        session = post("/session", {"capabilities": {"alwaysMatch": {"browserName": "wry", "tauri:options": {
            "application": os.environ["APP"],
            "args": ["--demo", "--demo-dir", f"{work}/demo", "--demo-items", "50", "--frames", f"{work}/frames"],
        }}}})["sessionId"]
        break
    except OSError as error:
        failure = error
        time.sleep(0.2)
if session is None:
    raise SystemExit(f"tauri-driver gave no session: {failure}; its log: {open(work + '/driver.log').read()}")
s = f"/session/{session}"

def js(script, *args):
    return post(s + "/execute/sync", {"script": script, "args": list(args)})

def until(what, script, *args, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = js(script, *args)
        if value:
            return value
        time.sleep(0.2)
    raise SystemExit(f"gave up waiting for {what}")

def click(css):
    until(css, "return !!document.querySelector(arguments[0])", css)
    js("document.querySelector(arguments[0]).click()", css)

def invoke(command, args):
    return post(s + "/execute/async", {"script": "const done = arguments[arguments.length - 1]; "
        "window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then(done, (e) => done({ failed: e }));",
        "args": [command, args]})

def sign_in(user):
    click(f"[data-testid='signin-demo-{user}']")
    click("[data-testid=signin-submit]")
    until("the signed-in app", "return !!document.querySelector('[data-testid=signout]')")

# The clerk prints the approved card that starts soonest; the demo's camera folder pictures its back.
sign_in("demo-clerk")
rows = until("the queue", "return document.querySelectorAll('[data-testid=queue-row]').length")
approved = invoke("queue", {"text": None, "states": ["approved"], "limit": 500})["rows"]
card = min(approved, key=lambda row: row["valid_from"])["pass_id"]
printed = invoke("print_cards", {"passIds": [card]})
assert printed[0]["stage"] == "printed", printed
picture = f"{work}/demo/camera/{card}-back.png"
subprocess.run([os.environ["HELD_UP"], picture, f"{work}/frames", os.environ["COUNT"]], check=True, stdout=subprocess.DEVNULL)
click("[data-testid=signout]")

# The gate officer starts the gate; the camera plays the card held up, then the wall, again and again.
sign_in("demo-gate")
click("[data-testid=nav-gate]")
click("[data-testid=gate-start]")
until("the preview", "const c = document.querySelector('[data-testid=gate-camera]'); return c && Number(c.dataset.frames) > 0")
js("window.__passStationCamera.verdictMs.length = 0")
started_frames = js("return window.__passStationCamera.drawn")
started = time.time()
rates = []
while time.time() - started < float(os.environ["SECONDS_TO_RUN"]):
    time.sleep(1)
    rates.append(js("return window.__passStationCamera.fps"))
elapsed = time.time() - started
stats = js("return window.__passStationCamera")
drawn = stats["drawn"] - started_frames
verdicts = sorted(stats["verdictMs"])
checks = js("return document.querySelectorAll('[data-testid=gate-check-row]').length")

def nearest_rank(values, p):
    return values[min(len(values) - 1, max(0, -(-len(values) * p // 100) - 1))]

print(f"run: {elapsed:.0f} s, {os.environ['COUNT']} card photos held up in turn with the wall between")
print(f"preview: {drawn / elapsed:.1f} frames drawn a second on average "
      f"(per-second median {statistics.median(rates):.0f}, lowest {min(rates):.0f})")
if verdicts:
    print(f"frame to verdict on screen: {len(verdicts)} verdicts, median {statistics.median(verdicts):.0f} ms, "
          f"p95 {nearest_rank(verdicts, 95):.0f} ms, max {verdicts[-1]:.0f} ms ({checks} checks logged)")
else:
    print("frame to verdict: no verdict in the run")
urllib.request.urlopen(urllib.request.Request(base + s, method="DELETE"), timeout=30)
PY
