// train/epoch_estimate.cpp — per-layer FLOPs, compute rates (a quick GEMM or a run's epoch) and the
// estimated seconds per epoch.
#include "train/epoch_estimate.h"

// GCC 12's false positive inside its AVX-512 intrinsics as inlined into Eigen's GEMM (GCC bug
// 105593; src/nn/CMakeLists.txt and bench/roofline.h turn it off the same way).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdio>

namespace cnnlab {

LayerFlops layer_flops(const Model& m, size_t layer) {
  const auto& L = m.layers();
  if (layer == 0 || layer >= L.size()) return {};
  const LayerInfo &l = L[layer], &in = L[layer - 1];
  const double y = double(l.out_size()), x = double(in.out_size());
  LayerFlops f;
  switch (l.kind) {
    case LayerKind::Conv2D:
    case LayerKind::Dense: {
      // (H·W·Cout) outputs × (KH·KW·Cin) multiply-adds; Dense: (in × units).
      const double macs = l.kind == LayerKind::Conv2D
                              ? y * double(l.kernel_h) * l.kernel_w * in.out_c
                              : x * double(l.filters);
      f.forward = 2 * macs;
      f.backward = 2 * macs * (layer == 1 ? 1 : 2);  // d_w, and d_in unless first
      break;
    }
    case LayerKind::MaxPool2D:
    case LayerKind::AvgPool2D:
      f.forward = y * double(l.kernel_h) * l.kernel_w;  // one comparison (or sum) per window cell
      break;
    case LayerKind::GlobalAvgPool2D:
      f.forward = x;
      break;
    default:
      break;
  }
  return f;
}

double forward_flops(const Model& m) {
  double s = 0;
  for (size_t i = 1; i < m.layers().size(); ++i) s += layer_flops(m, i).forward;
  return s;
}

double training_flops(const Model& m) {
  double s = 0;
  for (size_t i = 1; i < m.layers().size(); ++i) {
    const LayerFlops f = layer_flops(m, i);
    s += f.forward + f.backward;
  }
  return s;
}

double epoch_flops(const Model& m, int train_samples, int val_samples) {
  return double(std::max(0, train_samples)) * training_flops(m) +
         double(std::max(0, val_samples)) * forward_flops(m);
}

double measure_gemm_flops_per_s(int n, int reps) {
  Eigen::MatrixXf a = Eigen::MatrixXf::Constant(n, n, 0.5f),
                  b = Eigen::MatrixXf::Constant(n, n, 0.25f);
  Eigen::MatrixXf c = Eigen::MatrixXf::Zero(n, n);
  const int saved = Eigen::nbThreads();
  Eigen::setNbThreads(1);
  double best = 1e30;
  for (int r = 0; r <= reps; ++r) {  // round 0 warms up (page faults, clocks)
    auto t0 = std::chrono::steady_clock::now();
    c.noalias() = a * b;
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r > 0) best = std::min(best, s);
  }
  Eigen::setNbThreads(saved);
  if (c(0, 0) != 0.125f * float(n)) return 0;  // the product went wrong: no rate
  return best > 0 ? 2.0 * double(n) * n * n / best : 0;
}

ComputeRate rate_from_gemm(double gemm_flops_per_s, int threads) {
  ComputeRate r;
  r.flops_per_s = std::max(0.0, gemm_flops_per_s) * std::max(1, threads) * kTrainingGemmEfficiency;
  char buf[128];
  std::snprintf(buf, sizeof buf, "a measured GEMM (%.0f GFLOP/s a thread) x %d thread%s x %.1f",
                gemm_flops_per_s / 1e9, std::max(1, threads), threads > 1 ? "s" : "",
                kTrainingGemmEfficiency);
  r.source = buf;
  return r;
}

ComputeRate rate_from_run(const Model& loaded, int train_samples, int val_samples,
                          double epoch_seconds) {
  ComputeRate r;
  if (epoch_seconds <= 0) return r;
  r.flops_per_s = epoch_flops(loaded, train_samples, val_samples) / epoch_seconds;
  char buf[128];
  std::snprintf(buf, sizeof buf, "the loaded run's epoch (%.1f s, %.0f GFLOP/s)", epoch_seconds,
                r.flops_per_s / 1e9);
  r.source = buf;
  return r;
}

double estimate_epoch_seconds(const Model& m, int train_samples, int val_samples,
                              const ComputeRate& rate) {
  if (rate.flops_per_s <= 0) return 0;
  return epoch_flops(m, train_samples, val_samples) / rate.flops_per_s;
}

std::string format_epoch_estimate(double seconds) {
  if (!(seconds > 0)) return {};
  char buf[48];
  if (seconds < 10)
    std::snprintf(buf, sizeof buf, "≈ %.1f s/epoch", seconds);
  else if (seconds < 120)
    std::snprintf(buf, sizeof buf, "≈ %.0f s/epoch", seconds);
  else if (seconds < 7200)
    std::snprintf(buf, sizeof buf, "≈ %.1f min/epoch", seconds / 60);
  else
    std::snprintf(buf, sizeof buf, "≈ %.1f h/epoch", seconds / 3600);
  return buf;
}

}  // namespace cnnlab
