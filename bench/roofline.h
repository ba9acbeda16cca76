// bench/roofline.h — the host's measured peaks (GEMM GFLOP/s, triad GB/s) and each layer's FLOPs
// and bytes, so the benches can print a floor = max(FLOP / peak, bytes / bandwidth) next to each
// time.
#pragma once
#include <omp.h>

// GCC 12's false positive inside its AVX-512 intrinsics as inlined into Eigen's GEMM (GCC bug
// 105593; src/nn/CMakeLists.txt turns it off for the engine): the benches include Eigen here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <sys/wait.h>
#include <unistd.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "nn/model.h"

namespace cnnlab::bench {

struct HostPeak {
  int threads = 1;
  double gflops = 0;  // fp32 GEMM, one N³ product per thread at once (Eigen, 1 thread each)
  double gbs = 0;  // triad a = b + s·c over arrays far larger than the caches (STREAM's 12 B/elem)
};

inline double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// cnnlab parallelises over samples with Eigen single-threaded inside (Model::set_threads), so the
// peak that matters is `threads` independent GEMMs at once, not one GEMM split over threads.
// Best of `reps`. N = 1024 keeps each thread's three matrices (12 MB) near the caches, as the
// conv GEMMs are; 2048 moves to the large-GEMM rate of the dense layers (10-20% apart here).
inline double measure_gemm_gflops(int threads, int n = 1024, int reps = 3) {
  Eigen::setNbThreads(1);
  std::vector<Eigen::MatrixXf> a(threads), b(threads), c(threads);
  for (int t = 0; t < threads; ++t) {
    a[t] = Eigen::MatrixXf::Constant(n, n, 0.5f + 0.01f * t);
    b[t] = Eigen::MatrixXf::Constant(n, n, 0.25f);
    c[t] = Eigen::MatrixXf::Zero(n, n);
  }
  double best = 1e30;
  for (int r = 0; r < reps + 1; ++r) {  // the first round warms up (page faults, frequency)
    auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(threads)
    {
      const int t = omp_get_thread_num();
      c[t].noalias() = a[t] * b[t];
    }
    if (r > 0) best = std::min(best, seconds_since(t0));
  }
  return 2.0 * n * n * double(n) * threads / best / 1e9;
}

// The last-level cache (0 if unknown): a pass whose bytes fit in it can beat the DRAM floor.
inline double llc_bytes() {
  long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE), l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
  return double(l3 > 0 ? l3 : l2 > 0 ? l2 : 0);
}

// Triad over three arrays together 4x the last-level cache (at least 3 x 128 MB, at most
// 3 x 512 MB), best of `reps`, OpenMP static split. Returns GB/s.
inline size_t triad_floats() {
  const double per_array = std::min(std::max(4 * llc_bytes() / 3, 128e6), 512e6);
  return size_t(per_array / sizeof(float));
}
inline double measure_triad_gbs(int threads, size_t floats = triad_floats(), int reps = 3) {
  std::vector<float> a(floats), b(floats, 1.0f), c(floats, 2.0f);
  const long n = long(floats);
  double best = 1e30;
  for (int r = 0; r < reps + 1; ++r) {
    auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel for num_threads(threads) schedule(static)
    for (long i = 0; i < n; ++i) a[size_t(i)] = b[size_t(i)] + 0.5f * c[size_t(i)];
    if (r > 0) best = std::min(best, seconds_since(t0));
  }
  if (a[size_t(n / 2)] != 2.0f) std::fprintf(stderr, "triad: unexpected result\n");
  return 12.0 * double(floats) / best / 1e9;
}

inline HostPeak measure_peak(int threads) {
  return {threads, measure_gemm_gflops(threads), measure_triad_gbs(threads)};
}

// measure_peak for each count in a child process, so the triad's arrays (up to 1.5 GB) never count
// in the bench's own peak RSS. Call it before the first OpenMP region (libgomp and fork do not mix
// after one); if fork fails the peaks are measured here.
inline std::vector<HostPeak> measure_peaks_isolated(const std::vector<int>& counts) {
  std::vector<HostPeak> peaks(counts.size());
  int fd[2];
  const pid_t pid = pipe(fd) == 0 ? fork() : -1;
  if (pid == 0) {
    close(fd[0]);
    for (size_t i = 0; i < counts.size(); ++i) peaks[i] = measure_peak(counts[i]);
    const size_t bytes = peaks.size() * sizeof(HostPeak);
    _exit(write(fd[1], peaks.data(), bytes) == ssize_t(bytes) ? 0 : 1);
  }
  bool ok = false;
  if (pid > 0) {
    close(fd[1]);
    const size_t bytes = peaks.size() * sizeof(HostPeak);
    ok = read(fd[0], peaks.data(), bytes) == ssize_t(bytes);
    close(fd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  if (!ok)
    for (size_t i = 0; i < counts.size(); ++i) peaks[i] = measure_peak(counts[i]);
  return peaks;
}

// Thread counts to report: 1 and 2, and all cores where the host has more (nothing assumes 2).
inline std::vector<int> thread_counts(int cores) {
  std::vector<int> t{1, 2};
  if (cores > 2) t.push_back(cores);
  return t;
}

// The work of one layer pass for a batch: FLOPs (multiply-adds count 2) and the bytes an ideal
// implementation must move (every tensor read or written once: weights, activations, gradients;
// no im2col or cache misses). Pools count a comparison as a FLOP and move their int32 argmax.
struct LayerCost {
  double flops = 0, bytes = 0;
  double floor_s(const HostPeak& p) const {
    return std::max(flops / (p.gflops * 1e9), bytes / (p.gbs * 1e9));
  }
  // "compute" or "memory", whichever term sets the floor; "cache" for memory-bound passes whose
  // bytes fit in the last-level cache (their real bandwidth is higher than the triad's).
  const char* bound(const HostPeak& p, double llc = llc_bytes()) const {
    if (flops / (p.gflops * 1e9) >= bytes / (p.gbs * 1e9)) return "compute";
    return bytes <= llc ? "cache" : "memory";
  }
};

// backward: d_in is skipped for the first layer (as the model and the benches do). fused_adam: the
// dense kernel's gradient goes straight into Adam (dense_backward_adam): w, m, v read and written
// instead of d_w written, ~12 FLOP per weight more.
inline LayerCost layer_cost(const Model& m, int layer, int batch, bool backward,
                            bool fused_adam = false) {
  const auto& L = m.layers();
  const LayerInfo &l = L[size_t(layer)], &in = L[size_t(layer) - 1];
  const double n = batch, x = n * double(in.out_size()), y = n * double(l.out_size()), f = 4.0;
  const bool first = layer == 1;
  LayerCost c;
  if (l.kind == LayerKind::Conv2D || l.kind == LayerKind::Dense) {
    const double w = double(l.weight_count + l.bias_count);
    const double macs = l.kind == LayerKind::Conv2D ? y * double(l.kernel_h) * l.kernel_w * in.out_c
                                                    : n * double(in.out_size()) * l.filters;
    if (!backward) {
      c.flops = 2 * macs;
      c.bytes = f * (x + w + y);  // read in, w; write out (bias + activation fused)
    } else {
      c.flops = 2 * macs * (first ? 1 : 2) + (fused_adam ? 12 * w : 0);  // d_w, d_in unless first
      const double weights = fused_adam ? 6 * w : 2 * w;  // read w (+ m, v), write d_w (or w, m, v)
      c.bytes = f * (y + x + weights + (first ? 0 : x));  // + read d_out, in; write d_in
    }
  } else if (l.kind == LayerKind::MaxPool2D) {
    c.flops = backward ? 0 : y * double(l.kernel_h) * l.kernel_w;
    c.bytes =
        backward ? f * (y + y + x) : f * (x + y + y);  // values and argmax; d_in written whole
  }
  return c;  // Flatten: a view, no work
}

}  // namespace cnnlab::bench
