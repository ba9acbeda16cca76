// tests/train/test_epoch_estimate.cpp — the epoch-time estimator (train/epoch_estimate.h) on the
// course model's known work (bench/README.md: 1.95 GFLOP forward, 5.42 GFLOP per training sample,
// 2.03 TFLOP per epoch of 360 + 40 samples), with exact arithmetic against fixed rates.
#include <doctest/doctest.h>

#include "nn/model.h"
#include "train/epoch_estimate.h"

using namespace cnnlab;

TEST_CASE("epoch_estimate: the course model's FLOPs, layer by layer") {
  const Model m = course_model(299, 5);  // conv 5x5x32, pool, conv 3x3x64, pool, dense 1000, 100, 5
  // conv2d: 299·299·32 outputs × 5·5·3 = 214,562,400 multiply-adds; backward only d_w (first).
  CHECK(layer_flops(m, 1).forward == 429124800.0);
  CHECK(layer_flops(m, 1).backward == 429124800.0);
  // max_pooling2d: 149·149·32 outputs × 4 comparisons; no backward FLOPs.
  CHECK(layer_flops(m, 2).forward == 2841728.0);
  CHECK(layer_flops(m, 2).backward == 0.0);
  // conv2d_1: 149·149·64 × 3·3·32 = 409,208,832 MACs; backward d_w and d_in.
  CHECK(layer_flops(m, 3).forward == 818417664.0);
  CHECK(layer_flops(m, 3).backward == 1636835328.0);
  CHECK(layer_flops(m, 4).forward == 1401856.0);    // 74·74·64 × 4
  CHECK(layer_flops(m, 5).forward == 0.0);          // flatten
  CHECK(layer_flops(m, 6).forward == 700928000.0);  // 350,464 × 1000 × 2
  CHECK(layer_flops(m, 7).forward == 200000.0);
  CHECK(layer_flops(m, 8).forward == 1000.0);
  CHECK(layer_flops(m, 0).forward == 0.0);   // the input
  CHECK(layer_flops(m, 99).forward == 0.0);  // out of range
  // Totals: bench/README.md's 1.95 GFLOP forward and 5.42 GFLOP per training sample.
  CHECK(forward_flops(m) == 1952915048.0);
  CHECK(training_flops(m) == 5421133176.0);
  // 360 · 5,421,133,176 + 40 · 1,952,915,048 = 2,029,724,545,280 (2.03 TFLOP).
  CHECK(epoch_flops(m, 360, 40) == 2029724545280.0);
}

TEST_CASE("epoch_estimate: seconds from a fixed rate, from a GEMM rate and from a run") {
  const Model course = course_model(299, 5);
  ComputeRate fixed{100e9, "fixed"};
  CHECK(estimate_epoch_seconds(course, 360, 40, fixed) ==
        doctest::Approx(20.2972454528).epsilon(1e-12));
  CHECK(estimate_epoch_seconds(course, 360, 40, ComputeRate{}) == 0.0);  // unknown rate
  // A GEMM at 125 GFLOP/s a thread, 2 threads, × 0.4 = 100 GFLOP/s.
  const ComputeRate g = rate_from_gemm(125e9, 2);
  CHECK(g.flops_per_s == doctest::Approx(100e9).epsilon(1e-12));
  CHECK(g.source.find("measured GEMM") != std::string::npos);
  // A run of the course model took 40.6 s an epoch: half the fixed rate. A model with a quarter of
  // the work (the course model at 64×64 is far smaller) then scales by its FLOP ratio.
  const ComputeRate run = rate_from_run(course, 360, 40, 2 * 20.2972454528);
  CHECK(run.flops_per_s == doctest::Approx(50e9).epsilon(1e-12));
  CHECK(run.source.find("loaded run") != std::string::npos);
  const Model small = course_model(64, 5);
  CHECK(estimate_epoch_seconds(small, 360, 40, run) ==
        doctest::Approx(epoch_flops(small, 360, 40) / 50e9).epsilon(1e-12));
  CHECK(rate_from_run(course, 360, 40, 0).flops_per_s == 0.0);
}

TEST_CASE("epoch_estimate: a measured GEMM rate is positive; the text rounds by size") {
  CHECK(measure_gemm_flops_per_s(64, 1) > 0);
  CHECK(format_epoch_estimate(0) == "");
  CHECK(format_epoch_estimate(3.14) == "≈ 3.1 s/epoch");
  CHECK(format_epoch_estimate(20.3) == "≈ 20 s/epoch");
  CHECK(format_epoch_estimate(300) == "≈ 5.0 min/epoch");
  CHECK(format_epoch_estimate(9000) == "≈ 2.5 h/epoch");
}
