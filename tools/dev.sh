#!/usr/bin/env bash
# cnnlab developer entry point: install missing Debian packages, build, then run the app or the tests.
#   tools/dev.sh run [ARGS...]   install what is missing, build, open the app (cnnlab ARGS)
#   tools/dev.sh test            install what is missing, build, run every test; then the engine's
#                                tests under ASan+UBSan with the GUI off, and the format check
#                                (CNNLAB_QUICK=1: the first build's tests only)
#   tools/dev.sh build           install what is missing and build only
#   tools/dev.sh bench [ARGS...] install what is missing (plus the PyTorch peer), build, run bench/run.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
build_dir="${CNNLAB_BUILD_DIR:-$here/build}"

install_missing() {
  local want=() missing=()
  # -h: with several lists grep would prefix each line with its file name.
  mapfile -t want < <(grep -hvE '^\s*(#|$)' "$@")
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "cnnlab: installing missing Debian packages: ${missing[*]}"
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {
  cmake -S "$here" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release ${CNNLAB_CMAKE_ARGS:-} >/dev/null
  cmake --build "$build_dir" -j "$(nproc)"
}

run_tests() {  # BUILD_DIR [ctest args]: GUI pixel tests get a virtual display when there is none
  local dir="$1"; shift
  if [ -z "${DISPLAY:-}" ]; then
    xvfb-run -a -s "-screen 0 1920x1080x24" ctest --test-dir "$dir" --output-on-failure -j 2 "$@"
  else
    ctest --test-dir "$dir" --output-on-failure -j 2 "$@"
  fi
}

cmd="${1:-run}"; shift || true
case "$cmd" in
  build) install_missing tools/debian-packages.txt; build ;;
  run)   install_missing tools/debian-packages.txt; build; exec "$build_dir/cnnlab" "$@" ;;
  test)
    install_missing tools/debian-packages.txt; build
    run_tests "$build_dir" "$@"
    [ "${CNNLAB_QUICK:-0}" = 1 ] && exit 0
    # The engine's own tests (core, nn, data, train, lesson, fuzz) built with the GUI off (nn, data,
    # train and lesson need no GL, GLFW or ImGui) under AddressSanitizer + UBSan. The CLI and GUI
    # end-to-end tests ran in the first build; the CLI's files were a fifth of this stage's compile
    # time, and CI has 2 cores.
    # -O0: on a quiet 2-vCPU host this build took 142 s and its tests 30 s, against 530 s and 12 s
    # at -O1 (2026-12-01): ASan+UBSan make the optimiser the slow part of the compile.
    cmake -S "$here" -B "$build_dir-check" -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS=-O0 \
      -DCNNLAB_BUILD_GUI=OFF -DCNNLAB_BUILD_BENCH=OFF -DCNNLAB_SANITIZE=address,undefined \
      ${CNNLAB_CMAKE_ARGS:-} >/dev/null
    engine_tests=(core nn data train lesson fuzz)
    cmake --build "$build_dir-check" -j "$(nproc)" --target "${engine_tests[@]/#/test_}"
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      run_tests "$build_dir-check" -R "^($(IFS='|'; echo "${engine_tests[*]}")|layering.*)\$" "$@"
    # One format: .clang-format, checked on every C++ file git tracks.
    tools/format.sh --check ;;
  bench) install_missing tools/debian-packages.txt bench/debian-packages.txt; build; exec bench/run.sh "$build_dir" "$@" ;;
  *) echo "usage: tools/dev.sh run|test|build|bench [ARGS...]" >&2; exit 2 ;;
esac
