// bench/bench_model.cpp — times the course model on synthetic data with tiny_FR's shapes: one
// untimed warm-up step (as torch_peer.py), then one epoch (360 train samples, batch 32, 40 val),
// Adam, peak RSS; then the host's GEMM and memory peaks and, per layer and pass, FLOPs, bytes, the
// floor they imply, the time and time/floor, at 1 and 2 threads and all cores (where more). Usage:
// bench_model [--threads N] [--image-size N] [--epochs E] [--train N] [--val N] [--csv FILE]
//                    [--reps R] [--scaling 0|1]
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/rng.h"
#include "core/sysinfo.h"
#include "nn/layers.h"
#include "nn/model.h"
#include "roofline.h"

using namespace cnnlab;
using Clock = std::chrono::steady_clock;

static double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

struct Args {
  int threads = 2, image_size = 299, epochs = 1, train = 360, val = 40, batch = 32;
  int reps = 3, scaling = 1;  // per-layer table: best of reps; at 1, 2 and all cores (scaling 1)
  int layers = 1;             // 0: the epoch only (no peaks, no per-layer tables)
};

// One layer's forward and backward on separate buffers (same shapes as in the model), best of
// `reps` each. `in` is the layer's input; `out` receives its output.
struct PassTimes {
  double fwd = 1e30, bwd = 1e30;
};
static PassTimes time_layer(Model& m, int i, int batch, int threads, const std::vector<float>& in,
                            std::vector<float>& out, int reps) {
  const LayerInfo& li = m.layers()[size_t(i)];
  const LayerInfo& prev = m.layers()[size_t(i) - 1];
  Rng rng{uint64_t(i)};
  out.assign(size_t(batch) * li.out_size(), 0.0f);
  std::vector<float> d_out(out.size()), d_in(in.size());
  for (float& v : d_out) v = rng.uniform(-1, 1) * 1e-3f;
  PassTimes best;
  auto time = [](double& best_s, auto&& f) {
    auto t = Clock::now();
    f();
    best_s = std::min(best_s, since(t));
  };
  if (li.kind == LayerKind::Conv2D) {
    ConvShape s = make_conv_shape(batch, prev.out_h, prev.out_w, prev.out_c, li.filters,
                                  li.kernel_h, li.kernel_w, li.stride_h, li.padding, li.activation);
    std::vector<float> scratch(
        std::max(conv2d_forward_scratch(s, threads), conv2d_backward_scratch(s, threads)));
    ParamView w = m.layer_weights(i), b = m.layer_bias(i);
    std::vector<float> dw(w.size), db(b.size);
    float* d_in_or_null =
        i == 1 ? nullptr : d_in.data();  // the first layer skips d_in, as the model
    for (int r = 0; r < reps; ++r) {
      time(best.fwd, [&] {
        conv2d_forward(out.data(), in.data(), w.data, b.data, s, {scratch.data(), scratch.size()});
      });
      time(best.bwd, [&] {
        conv2d_backward(d_in_or_null, dw.data(), db.data(), d_out.data(), in.data(), w.data, s,
                        {scratch.data(), scratch.size()});
      });
    }
  } else if (li.kind == LayerKind::MaxPool2D) {
    PoolShape s =
        make_pool_shape(batch, prev.out_h, prev.out_w, prev.out_c, li.kernel_h, li.stride_h);
    std::vector<int32_t> arg(out.size());
    for (int r = 0; r < reps; ++r) {
      time(best.fwd, [&] { maxpool2d_forward(out.data(), arg.data(), in.data(), s); });
      time(best.bwd, [&] { maxpool2d_backward(d_in.data(), d_out.data(), arg.data(), s); });
    }
  } else if (li.kind == LayerKind::Dense) {
    DenseShape s{batch, int(prev.out_size()), li.filters,
                 li.activation == Activation::Relu ? Activation::Relu : Activation::None};
    ParamView w = m.layer_weights(i), b = m.layer_bias(i);
    // Weight gradients go to the model's own gradient arena: a second 1.4 GB buffer for dense
    // would only measure page faults.
    ParamView dw = m.layer_weight_grads(i), db = m.layer_bias_grads(i);
    std::vector<float> scratch(dense_forward_scratch(s, threads));
    // A layer train_step fuses with Adam is timed that way (dense_backward_adam): its kernel's
    // gradient is never written, and w, m, v are read and written instead. The gradient arena
    // serves as m (train_step never touches it for such a layer) and v is the bench's own.
    const bool fused = m.fused(li);
    std::vector<float> v(fused ? w.size : 0), fused_scratch;
    if (fused) fused_scratch.resize(dense_backward_adam_scratch(s, threads));
    AdamConfig adam;
    adam.lr = 1e-9f;  // the weights barely move between repetitions
    for (int r = 0; r < reps; ++r) {
      time(best.fwd, [&] {
        dense_forward(out.data(), in.data(), w.data, b.data, s, {scratch.data(), scratch.size()});
      });
      time(best.bwd, [&] {
        if (fused)
          dense_backward_adam(d_in.data(), db.data, d_out.data(), in.data(), w.data, dw.data,
                              v.data(), s, adam, r + 1,
                              {fused_scratch.data(), fused_scratch.size()});
        else
          dense_backward(d_in.data(), dw.data, db.data, d_out.data(), in.data(), w.data, s);
      });
    }
  } else {
    out = in;  // flatten: a view
    best = {0, 0};
  }
  return best;
}

// Per layer and pass: the work (GFLOP, MB moved), the floor max(FLOP/peak, bytes/bandwidth) from
// this host's measured peaks, the best time, and time/floor: where the gap to the hardware is.
static void time_layers(Model& m, int batch, int threads, const bench::HostPeak& peak, int reps) {
  std::printf(
      "\nPer layer (batch %d, %d thread%s; best of %d; floor from %.0f GFLOP/s, %.1f GB/s):\n",
      batch, threads, threads == 1 ? "" : "s", reps, peak.gflops, peak.gbs);
  std::printf("  %-16s %4s %9s %9s %9s %9s %7s %8s %7s\n", "layer", "pass", "GFLOP", "MB",
              "floor ms", "time ms", "GF/s", "bound", "x floor");
  const ScopedFlushDenormals flush(threads);  // as the model does (and TensorFlow)
  const auto& L = m.layers();
  Rng rng(1);
  std::vector<float> in(size_t(batch) * L[0].out_size()), out;
  for (float& v : in) v = rng.uniform(-1, 1);
  double sum_t = 0, sum_floor = 0;
  for (size_t i = 1; i < L.size(); ++i) {
    const PassTimes t = time_layer(m, int(i), batch, threads, in, out, reps);
    for (bool bwd : {false, true}) {
      const bench::LayerCost c = bench::layer_cost(m, int(i), batch, bwd, bwd && m.fused(L[i]));
      if (c.bytes == 0) continue;  // flatten
      const double s = bwd ? t.bwd : t.fwd, floor = c.floor_s(peak);
      sum_t += s, sum_floor += floor;
      std::printf("  %-16s %4s %9.3f %9.1f %9.2f %9.2f %7.1f %8s %7.1f\n",
                  bwd ? "" : L[i].name.c_str(), bwd ? "bwd" : "fwd", c.flops / 1e9, c.bytes / 1e6,
                  floor * 1e3, s * 1e3, c.flops / s / 1e9, c.bound(peak), s / floor);
    }
    in.swap(out);
  }
  std::printf("  %-16s %4s %9s %9s %9.2f %9.2f %7s %8s %7.1f\n", "total", "", "", "",
              sum_floor * 1e3, sum_t * 1e3, "", "", sum_t / sum_floor);
  std::printf(
      "  (cache: memory-bound on paper, but its bytes fit in the last-level cache, so it can "
      "beat the DRAM floor)\n"
      "  (the big dense layer's bwd is train_step's: dense_backward_adam, its kernel's gradient "
      "fused with Adam)\n");
}

int main(int argc, char** argv) {
  Args a;
  std::string csv;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    int v = std::atoi(argv[i + 1]);
    if (k == "--threads")
      a.threads = v;
    else if (k == "--image-size")
      a.image_size = v;
    else if (k == "--epochs")
      a.epochs = v;
    else if (k == "--train")
      a.train = v;
    else if (k == "--val")
      a.val = v;
    else if (k == "--reps")
      a.reps = std::max(1, v);
    else if (k == "--scaling")
      a.scaling = v;
    else if (k == "--layers")
      a.layers = v;
    else if (k == "--csv")
      csv = argv[i + 1];
    else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  std::printf(
      "cnnlab bench: course model, %dx%dx3, %d train + %d val samples, batch %d, %d threads\n",
      a.image_size, a.image_size, a.train, a.val, a.batch, a.threads);
  // The host's peaks at 1 and 2 threads and all cores (where more), and at --threads if that is
  // none of them; measured first, in a child process (the triad's arrays stay out of peak RSS).
  std::vector<int> counts = a.scaling ? bench::thread_counts(cpu_count()) : std::vector<int>{};
  if (std::find(counts.begin(), counts.end(), a.threads) == counts.end())
    counts.push_back(a.threads);
  if (!a.layers) counts.clear();
  if (a.layers)
    std::printf(
        "Host peaks, measured here (%d cores, last-level cache %.0f MB): fp32 GEMM (1024^3 "
        "per thread at once, Eigen), triad (3 x %.0f MB)\n",
        cpu_count(), bench::llc_bytes() / 1e6, bench::triad_floats() * 4 / 1e6);
  const std::vector<bench::HostPeak> peaks =
      counts.empty() ? std::vector<bench::HostPeak>{} : bench::measure_peaks_isolated(counts);
  for (const bench::HostPeak& p : peaks)
    std::printf("  %2d thread%s: %7.1f GFLOP/s %7.1f GB/s\n", p.threads, p.threads == 1 ? " " : "s",
                p.gflops, p.gbs);
  auto t0 = Clock::now();
  Model m = course_model(a.image_size, 5);
  m.set_threads(a.threads);
  m.allocate(a.batch);
  m.init(42);
  std::printf("allocate + init: %.2f s (%zu parameters)\n", since(t0), m.num_params());

  // Synthetic standardised images and labels; one batch buffer reused (only shapes matter).
  size_t per = size_t(a.image_size) * a.image_size * 3;
  std::vector<float> x(per * a.batch), probs(5 * a.batch);
  std::vector<int> y(a.batch);
  Rng rng(7);
  for (float& v : x) v = rng.uniform(-1.7f, 1.7f);
  for (int& v : y) v = int(rng.below(5));

  const int steps_per_epoch = (a.train + a.batch - 1) / a.batch;
  {  // One untimed warm-up step, as torch_peer.py takes: the first step's page faults (gradient
     // and Adam buffers, THP compaction) cost 2-4 s here and happen once per training run.
    auto t = Clock::now();
    float loss = m.train_step(x.data(), y.data(), a.batch, probs.data());
    std::printf("warm-up step (untimed) %.2f s, loss %.4f\n", since(t), loss);
  }
  double fb_total = 0, adam_total = 0, val_total = 0, epoch_total = 0;
  for (int e = 0; e < a.epochs; ++e) {
    auto te = Clock::now();
    int steps = 0;
    for (int done = 0; done < a.train; done += a.batch, ++steps) {
      int n = std::min(a.batch, a.train - done);
      // The real training path: train_step fuses the big dense layer's gradient with Adam.
      auto t = Clock::now();
      float loss = m.train_step(x.data(), y.data(), n, probs.data());
      const double st = since(t);
      fb_total += st;
      std::printf("%s%.2f", steps == 0 ? "  steps (s):" : " ", st);
      if (done + a.batch >= a.train) std::printf("\n");
      if (steps == 0 && e == 0) std::printf("first timed step loss %.4f\n", loss);
    }
    auto tv = Clock::now();
    for (int done = 0; done < a.val; done += a.batch)
      m.forward(x.data(), std::min(a.batch, a.val - done), probs.data(), y.data());
    val_total += since(tv);
    double et = since(te);
    epoch_total += et;
    std::printf("epoch %d: %.2f s (%d steps)\n", e + 1, et, steps);
  }
  double ep = epoch_total / a.epochs;
  {  // Adam alone over the whole arena (the unfused path), for the per-phase picture.
    m.forward_backward(x.data(), y.data(), a.batch, probs.data());
    auto t = Clock::now();
    m.adam_update();
    adam_total = since(t) * steps_per_epoch * a.epochs;
  }
  double tflop =
      (5.42e9 * a.train + 1.95e9 * a.val) * (a.image_size * a.image_size) / (299.0 * 299.0);
  std::printf(
      "\nRESULT s_per_epoch=%.2f train_steps_s=%.2f unfused_adam_s=%.2f val_s=%.2f "
      "unfused_adam_ms_per_step=%.0f effective_GFLOPs=%.0f peak_rss=%s\n",
      ep, fb_total / a.epochs, adam_total / a.epochs, val_total / a.epochs,
      adam_total / a.epochs / steps_per_epoch * 1e3, tflop / ep / 1e9,
      format_bytes(double(peak_rss_bytes())).c_str());
  // The per-layer tables, each against the peaks measured for its thread count.
  for (size_t k = 0; k < counts.size(); ++k) {
    m.set_threads(counts[k]);
    time_layers(m, a.batch, counts[k], peaks[k], a.reps);
  }
  if (!csv.empty()) {
    if (FILE* f = std::fopen(csv.c_str(), "w")) {
      std::fprintf(f,
                   "s_per_epoch,train_steps_s,unfused_adam_s,val_s,peak_rss_bytes\n%.3f,%.3f,%.3f,%"
                   ".3f,%zu\n",
                   ep, fb_total / a.epochs, adam_total / a.epochs, val_total / a.epochs,
                   peak_rss_bytes());
      std::fclose(f);
    }
  }
  return 0;
}
