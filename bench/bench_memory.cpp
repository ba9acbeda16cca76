// bench/bench_memory.cpp — peak RSS of training the course model: allocates it, runs a few
// train_steps on synthetic data and prints getrusage's peak next to the memory plan's figures.
//   bench_memory [--preset course] [--size 299] [--batch 32] [--steps 3] [--threads 1]
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/rng.h"
#include "nn/model.h"

using namespace cnnlab;

static double peak_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) * 1024.0;  // Linux reports kilobytes
}

static double rss_now_bytes() {
  long pages = 0, resident = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return double(resident) * 4096.0;
}

static void print_plan(const MemoryEstimate& e) {
  std::printf(
      "plan: params %.3f GB, grads %.3f GB, Adam %.3f GB, activations %.3f GB, "
      "scratch %.3f GB, total %.3f GB\n",
      e.params / 1e9, e.grads / 1e9, e.adam / 1e9, e.activations / 1e9, e.scratch / 1e9,
      double(e.total()) / 1e9);
}

int main(int argc, char** argv) {
  std::string preset = "course";
  int size = 299, batch = 32, steps = 3, threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
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
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  Model m = build_preset(preset, size, 5);
  m.set_threads(threads);
  std::printf("preset %s %dx%d, batch %d, %d threads, %zu params\n", preset.c_str(), size, size,
              batch, threads, m.num_params());
  const MemoryEstimate e = m.estimate_memory(batch);
  print_plan(e);
  // Synthetic batch: (N, H, W, 3) in [-1, 1), labels 0..4.
  std::vector<float> x(size_t(batch) * size * size * 3);
  std::vector<int> y(static_cast<size_t>(batch));
  Rng rng(3);
  for (float& v : x) v = rng.uniform(-1.0f, 1.0f);
  for (int i = 0; i < batch; ++i) y[size_t(i)] = i % 5;
  const double base = rss_now_bytes();
  std::printf("before allocate: rss %.3f GB (the batch and the program)\n", base / 1e9);
  m.allocate(batch);
  m.init(1);
  std::printf("after allocate:  rss %.3f GB\n", rss_now_bytes() / 1e9);
  for (int s = 0; s < steps; ++s) {
    const float loss = m.train_step(x.data(), y.data(), batch);
    std::printf("step %d: loss %.6f, rss %.3f GB, peak %.3f GB\n", s + 1, double(loss),
                rss_now_bytes() / 1e9, peak_rss_bytes() / 1e9);
  }
  std::printf("peak RSS %.3f GB (%.3f GiB); the plan %.3f GB + %.3f GB before allocate\n",
              peak_rss_bytes() / 1e9, peak_rss_bytes() / (1024.0 * 1024 * 1024),
              double(e.total()) / 1e9, base / 1e9);
  return 0;
}
