// bench/bench_layers.cpp — times the nn engine: train_step of a preset (the course model by
// default) with the per-layer forward/backward split next to each pass's floor (roofline.h: this
// host's GEMM and triad peaks at --threads), Adam, and an epoch estimate (12 steps + 40 val).
//   bench_layers [--preset course] [--size 299] [--batch 32] [--steps 3] [--threads 2] [--fuse 1]
#include <omp.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "core/rng.h"
#include "nn/model.h"
#include "roofline.h"

using namespace cnnlab;

static double cpu_now() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

int main(int argc, char** argv) {
  std::string preset = "course";
  int size = 299, batch = 32, steps = 3, threads = 2, fuse = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--preset")
      preset = argv[i + 1];
    else if (a == "--size")
      size = std::atoi(argv[i + 1]);
    else if (a == "--batch")
      batch = std::atoi(argv[i + 1]);
    else if (a == "--steps")
      steps = std::atoi(argv[i + 1]);
    else if (a == "--threads")
      threads = std::atoi(argv[i + 1]);
    else if (a == "--fuse")
      fuse = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  const bench::HostPeak peak = bench::measure_peaks_isolated({threads})[0];  // before any OpenMP
  Model m = build_preset(preset, size, 5);
  m.set_threads(threads);
  m.fuse_dense_adam = fuse != 0;
  MemoryEstimate e = m.estimate_memory(batch);
  std::printf(
      "preset %s %dx%d, batch %d, %d threads, fused dense+adam %d, %zu params, estimate %.2f GB\n",
      preset.c_str(), size, size, batch, threads, fuse, m.num_params(), double(e.total()) / 1e9);
  double t = omp_get_wtime(), c = cpu_now();
  m.allocate(batch);
  std::printf("allocate      %.3f s (cpu %.3f s)\n", omp_get_wtime() - t, cpu_now() - c);
  t = omp_get_wtime();
  m.init(1);
  std::printf("init          %.3f s\n", omp_get_wtime() - t);

  const size_t in_size = size_t(size) * size * 3;
  const int val_n = 40;
  std::vector<float> x(in_size * std::max(batch, val_n));
  std::vector<int> y(size_t(std::max(batch, val_n)));
  Rng rng(2);
  for (float& v : x) v = rng.uniform();
  for (size_t i = 0; i < y.size(); ++i) y[i] = int(i % 5);

  m.train_step(x.data(), y.data(), batch);  // warm-up
  const auto& L = m.layers();
  std::vector<double> fwd(L.size()), bwd(L.size()), fcpu(L.size()), bcpu(L.size());
  double adam = 0, adam_cpu = 0, total = 0;
  for (int s = 0; s < steps; ++s) {
    t = omp_get_wtime();
    float loss = m.train_step(x.data(), y.data(), batch);
    const double dt = omp_get_wtime() - t;
    total += dt;
    std::printf("step %d        %.3f s  loss %.4f\n", s, dt, double(loss));
    const StepTiming& tm = m.timing();
    for (size_t i = 0; i < L.size(); ++i) {
      fwd[i] += tm.forward[i], bwd[i] += tm.backward[i];
      fcpu[i] += tm.forward_cpu[i], bcpu[i] += tm.backward_cpu[i];
    }
    adam += tm.adam, adam_cpu += tm.adam_cpu;
  }
  std::printf(
      "\nhost peaks at %d threads: %.1f GFLOP/s (GEMM), %.1f GB/s (triad); floor = max(FLOP/peak,"
      " bytes/bandwidth)\n",
      threads, peak.gflops, peak.gbs);
  std::printf(
      "per step (mean of %d), seconds   wall fwd   wall bwd  |  cpu fwd    cpu bwd  |"
      " floor fwd floor bwd  x floor\n",
      steps);
  double fsum = 0, bsum = 0, fc = 0, bc = 0, floor_sum = 0;
  for (size_t i = 0; i < L.size(); ++i) {
    double floor_f = 0, floor_b = 0;
    if (i > 0) {
      const bool fused =
          m.fuse_dense_adam && L[i].kind == LayerKind::Dense && L[i].weight_count >= (1u << 20);
      floor_f = bench::layer_cost(m, int(i), batch, false).floor_s(peak);
      floor_b = bench::layer_cost(m, int(i), batch, true, fused).floor_s(peak);
    }
    const double wall = (fwd[i] + bwd[i]) / steps, floors = floor_f + floor_b;
    std::printf("  %-27s %9.3f  %9.3f  | %8.3f  %9.3f  | %9.3f %9.3f  %7.1f\n", L[i].name.c_str(),
                fwd[i] / steps, bwd[i] / steps, fcpu[i] / steps, bcpu[i] / steps, floor_f, floor_b,
                floors > 0 ? wall / floors : 0.0);
    fsum += fwd[i] / steps, bsum += bwd[i] / steps, fc += fcpu[i] / steps, bc += bcpu[i] / steps;
    floor_sum += floors;
  }
  std::printf("  %-27s %9.3f  %9.3f  | %8.3f  %9.3f  | %19.3f  %7.1f\n", "total", fsum, bsum, fc,
              bc, floor_sum, (fsum + bsum) / floor_sum);
  std::printf("  adam (rest of the arena)    %9.3f             | %8.3f\n", adam / steps,
              adam_cpu / steps);
  std::printf("  step wall %.3f s; cpu/threads %.3f s\n", total / steps,
              (fc + bc + adam_cpu / steps) / threads);

  // Epoch estimate as the course runs it: 360 train (11 x 32 + 8) + forward on 40 val samples.
  if (batch == 32) {
    t = omp_get_wtime();
    m.train_step(x.data(), y.data(), 8);
    const double t8 = omp_get_wtime() - t;
    std::vector<float> probs(size_t(val_n) * 5);
    t = omp_get_wtime();
    m.forward(x.data(), val_n, probs.data(), y.data());
    const double tval = omp_get_wtime() - t;
    std::printf("\nstep of 8 %.3f s, forward of 40 %.3f s -> epoch estimate %.1f s\n", t8, tval,
                11 * total / steps + t8 + tval);
  }
  return 0;
}
