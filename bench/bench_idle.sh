#!/usr/bin/env bash
# bench/bench_idle.sh — CPU the window uses when left alone on a lesson (no input, no Play, no training):
# starts `cnnlab` under Xvfb (no vsync, as on VMs and remote desktops), waits for it to settle, then reads
# utime+stime from /proc/PID/stat over SECONDS seconds. A benchmark, not a test: the figure depends on the host.
# Usage: bench/bench_idle.sh BUILD_DIR [SECONDS=10]
set -euo pipefail
build="${1:?usage: bench/bench_idle.sh BUILD_DIR [SECONDS]}"
seconds="${2:-10}"
exe="$(cd "$build" && pwd)/cnnlab"
if [ -z "${DISPLAY:-}" ]; then
  exec xvfb-run -a -s "-screen 0 1920x1080x24" "$0" "$@"
fi
home="$(mktemp -d /tmp/cnnlab-bench-idle.XXXXXX)"
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$home"' EXIT
# A fresh HOME: default settings, nothing written to the user's config.
HOME="$home" XDG_CONFIG_HOME="$home/.config" "$exe" >"$home/out.log" 2>&1 &
pid=$!
sleep 3  # start-up: fonts, lessons, the photo, the first frames
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }  # utime + stime, in clock ticks
hz="$(getconf CLK_TCK)"
t0="$(ticks)"; s0="$(date +%s.%N)"
sleep "$seconds"
t1="$(ticks)"; s1="$(date +%s.%N)"
awk -v t="$((t1 - t0))" -v hz="$hz" -v a="$s0" -v b="$s1" \
  'BEGIN { printf "idle CPU: %.1f%% of a core (%d ticks over %.1f s)\n", 100 * t / hz / (b - a), t, b - a }'
