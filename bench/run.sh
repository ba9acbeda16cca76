#!/usr/bin/env bash
# bench/run.sh — the speed benchmark: cnnlab's course-model epoch vs PyTorch's, same machine, same
# threads, one run. Usage: bench/run.sh BUILD_DIR [--threads N] [--image-size N]
# (tools/dev.sh bench builds first and installs the peer's packages.)
set -euo pipefail
build="${1:?usage: bench/run.sh BUILD_DIR [--threads N] [--image-size N]}"; shift
threads=2; size=299
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --image-size) size="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
here="$(cd "$(dirname "$0")" && pwd)"
echo "== cnnlab ($(nproc) cores, $threads threads) =="
cnn=$(/usr/bin/time -f "peak_rss_kb=%M" "$build/bench_model" --threads "$threads" --image-size "$size" 2>&1 | tee /dev/stderr | grep '^RESULT' | sed -n 's/.*s_per_epoch=\([0-9.]*\).*/\1/p')
echo
echo "== PyTorch peer (Debian python3-torch, OpenBLAS pthread, channels_last, malloc tuned as PERF-NOTES) =="
# OpenBLAS 0.3.21 misdetects these CPUs; SkylakeX is the kernel PERF-NOTES measured with.
peer=$(OPENBLAS_CORETYPE=SkylakeX OMP_NUM_THREADS="$threads" \
  GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736 \
  /usr/bin/python3 "$here/torch_peer.py" --threads "$threads" --image-size "$size" 2>&1 | tee /dev/stderr | grep '^RESULT' | sed -n 's/.*s_per_epoch=\([0-9.]*\).*/\1/p')
echo
/usr/bin/python3 -c "c=$cnn; p=$peer; print(f'SUMMARY cnnlab {c:.1f} s/epoch, PyTorch {p:.1f} s/epoch: cnnlab is {p/c:.2f}x the peer\'s speed')"
