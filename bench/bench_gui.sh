#!/usr/bin/env bash
# bench/bench_gui.sh — the training view's speed under Xvfb + Mesa llvmpipe: frame time while training and
# throughput with the window open vs the headless CLI, one run. Usage: bench/bench_gui.sh BUILD_DIR [ARGS...]
# (ARGS go to bench_gui: --model small --image-size 64 --epochs 4 --fps 30 --data DIR)
set -euo pipefail
build="${1:?usage: bench/bench_gui.sh BUILD_DIR [ARGS...]}"; shift
run=(); [ -z "${DISPLAY:-}" ] && run=(xvfb-run -a -s "-screen 0 1920x1080x24")
exec "${run[@]}" "$build/bench_gui" --cnnlab "$build/cnnlab" "$@"
