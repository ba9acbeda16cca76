#!/usr/bin/env bash
# bench/run.sh — the speed benchmark: cnnlab's course-model epoch vs PyTorch's, same machine, same
# threads, one run; --rounds N alternates the two N times and compares medians.
# Usage: bench/run.sh BUILD_DIR [--threads N] [--image-size N] [--rounds N]
# (tools/dev.sh bench builds first and installs the peer's packages.) Facts behind it: bench/README.md.
set -uo pipefail
build="${1:?usage: bench/run.sh BUILD_DIR [--threads N] [--image-size N] [--rounds N]}"; shift
threads=2; size=299; rounds=1
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --image-size) size="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
here="$(cd "$(dirname "$0")" && pwd)"
log="$(mktemp -d)"; trap 'rm -rf "$log"' EXIT

# OpenBLAS 0.3.21 (Debian 12) misdetects these virtual CPUs: name its kernel from the CPU's flags.
# SkylakeX needs AVX-512 (it dies with SIGILL without it); Zen/Haswell are the AVX2 kernels.
if grep -qw avx512f /proc/cpuinfo; then coretype=SkylakeX
elif grep -q AuthenticAMD /proc/cpuinfo && grep -qw avx2 /proc/cpuinfo; then coretype=Zen
elif grep -qw avx2 /proc/cpuinfo; then coretype=Haswell
else coretype=""; fi
# A set OPENBLAS_CORETYPE wins: e.g. Haswell, to time an AVX2 build of cnnlab against the peer's
# AVX2 kernels on an AVX-512 host.
coretype="${OPENBLAS_CORETYPE:-$coretype}"

describe() {  # exit status → words (128+N is signal N)
  if [ "$1" -gt 128 ]; then echo "killed by signal $(kill -l $(($1 - 128)) 2>/dev/null || echo $(($1 - 128)))"; else echo "exit status $1"; fi
}
# Rounds alternate cnnlab and the peer, so a slow spell of a shared host (seen: the same binary
# 1.6 s/step, then 2.2 s/step ten minutes later) falls on both; the summary takes medians.
cnns=(); peers=()
for ((r = 1; r <= rounds; r++)); do
  layers=$([ "$r" = 1 ] && echo 1 || echo 0)  # the peaks and per-layer tables in round 1 only
  echo "== cnnlab, round $r of $rounds ($(nproc) cores, $threads threads; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)) =="
  /usr/bin/time -f "peak_rss_kb=%M" "$build/bench_model" --threads "$threads" --image-size "$size" --layers "$layers" 2>&1 | tee "$log/cnnlab"
  cnn_rc=${PIPESTATUS[0]}
  cnn=$(sed -n 's/^RESULT.*s_per_epoch=\([0-9.]*\).*/\1/p' "$log/cnnlab")
  if [ -z "$cnn" ]; then echo "SUMMARY cnnlab's bench_model failed ($(describe "$cnn_rc")): no ratio" >&2; exit 1; fi
  echo
  echo "== PyTorch peer, round $r of $rounds (Debian python3-torch, OpenBLAS pthread OPENBLAS_CORETYPE=${coretype:-auto}, channels_last, malloc tuned, denormals flushed) =="
  OPENBLAS_CORETYPE="$coretype" OMP_NUM_THREADS="$threads" \
    GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736 \
    /usr/bin/python3 "$here/torch_peer.py" --threads "$threads" --image-size "$size" 2>&1 | tee "$log/peer"
  peer_rc=${PIPESTATUS[0]}
  peer=$(sed -n 's/^RESULT.*s_per_epoch=\([0-9.]*\).*/\1/p' "$log/peer")
  echo
  if [ -z "$peer" ]; then
    echo "SUMMARY cnnlab $cnn s/epoch; the PyTorch peer failed ($(describe "$peer_rc"), OPENBLAS_CORETYPE=${coretype:-auto}): no ratio" >&2
    exit 1
  fi
  cnns+=("$cnn"); peers+=("$peer")
done
/usr/bin/python3 -c "
import statistics as st
c = [${cnns[*]/%/,}]; p = [${peers[*]/%/,}]
rounds = '  '.join(f'{x:.1f}/{y:.1f}' for x, y in zip(c, p))
print(f'SUMMARY cnnlab {st.median(c):.1f} s/epoch, PyTorch {st.median(p):.1f} s/epoch (medians of {len(c)}; per round {rounds}): cnnlab is {st.median(p)/st.median(c):.2f}x the peer\'s speed')"
