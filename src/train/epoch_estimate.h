// train/epoch_estimate.h — how long one epoch of a model will take, before training it: FLOPs per
// layer (forward and backward) × samples per epoch ÷ a compute rate, the rate either measured
// from a quick GEMM or taken from a run's measured epoch (scaled by the FLOP ratio).
#pragma once
#include <string>

#include "nn/model.h"

namespace cnnlab {

// FLOPs of one layer for one sample (a multiply-add counts 2, a pool's comparison or sum 1), as
// bench/roofline.h counts them. Backward: the weight gradient, plus the input gradient except for
// the first layer (nothing needs it). Element-wise layers (activations, BatchNorm, Dropout,
// augmentation, Flatten) count 0: they are memory-bound and small next to the GEMMs.
struct LayerFlops {
  double forward = 0, backward = 0;
};
LayerFlops layer_flops(const Model& m, size_t layer);
double forward_flops(const Model& m);   // per sample, all layers
double training_flops(const Model& m);  // per sample: forward + backward
// One epoch: every training sample forward + backward, every validation sample forward.
double epoch_flops(const Model& m, int train_samples, int val_samples);

// A compute rate (FLOP/s) and where it came from, for the UI to say ("measured GEMM", "the loaded
// run's last epoch").
struct ComputeRate {
  double flops_per_s = 0;  // 0 = unknown
  std::string source;
};
// Fraction of a GEMM's peak a whole training step reaches (im2col, pooling, Adam, relu passes are
// memory-bound): bench/README.md measured the course model's 2.03 TFLOP epoch in 20.9 s (97
// GFLOP/s) on a host whose per-thread Eigen GEMM ran at 120-126 GFLOP/s with 2 threads working.
constexpr double kTrainingGemmEfficiency = 0.4;
// Best of `reps` single-threaded n×n×n Eigen GEMMs after one warm-up (n = 256: ~34 MFLOP, a few
// ms).
double measure_gemm_flops_per_s(int n = 256, int reps = 3);
// The training rate from a measured single-thread GEMM rate and the run's threads:
// gemm × threads × kTrainingGemmEfficiency.
ComputeRate rate_from_gemm(double gemm_flops_per_s, int threads);
// The rate a run reached: epoch_flops(loaded, train, val) / seconds of that epoch.
ComputeRate rate_from_run(const Model& loaded, int train_samples, int val_samples,
                          double epoch_seconds);
// epoch_flops / rate; 0 when the rate is unknown.
double estimate_epoch_seconds(const Model& m, int train_samples, int val_samples,
                              const ComputeRate& rate);
// "≈ 12 s/epoch", "≈ 3.5 min/epoch", "≈ 0.4 s/epoch"; "" for 0.
std::string format_epoch_estimate(double seconds);

}  // namespace cnnlab
