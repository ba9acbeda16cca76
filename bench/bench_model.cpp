// bench/bench_model.cpp — times the course model on synthetic data with tiny_FR's shapes: one epoch
// (360 train samples, batch 32, 40 val), per-layer forward/backward time and GFLOP/s, Adam, peak RSS.
// Usage: bench_model [--threads N] [--image-size N] [--epochs E] [--train N] [--val N] [--csv FILE]
#include <omp.h>

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

using namespace cnnlab;
using Clock = std::chrono::steady_clock;

static double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

struct Args {
  int threads = 2, image_size = 299, epochs = 1, train = 360, val = 40, batch = 32;
};

// Per-layer timing with the layer functions on separate buffers (same shapes as in the model).
static void time_layers(Model& m, int batch, int threads) {
  std::printf("\nPer layer (batch %d, %d threads):\n", batch, threads);
  std::printf("  %-16s %10s %10s %10s %10s\n", "layer", "fwd ms", "fwd GF/s", "bwd ms", "bwd GF/s");
  const auto& L = m.layers();
  Rng rng(1);
  std::vector<float> in(size_t(batch) * L[0].out_size());
  for (float& v : in) v = rng.uniform(-1, 1);
  for (size_t i = 1; i < L.size(); ++i) {
    const LayerInfo& li = L[i];
    const LayerInfo& prev = L[i - 1];
    std::vector<float> out(size_t(batch) * li.out_size()), d_out(out.size()), d_in(in.size());
    for (float& v : d_out) v = rng.uniform(-1, 1) * 1e-3f;
    double fwd = 0, bwd = 0, flops_f = 0, flops_b = 0;
    if (li.kind == LayerKind::Conv2D) {
      ConvShape s = make_conv_shape(batch, prev.out_h, prev.out_w, prev.out_c, li.filters, li.kernel_h,
                                    li.kernel_w, li.stride_h, li.padding, li.activation);
      std::vector<float> scratch(std::max(conv2d_forward_scratch(s, threads), conv2d_backward_scratch(s, threads)));
      ParamView w = m.layer_weights(int(i)), b = m.layer_bias(int(i));
      std::vector<float> dw(w.size), db(b.size);
      bool first = i == 1;
      auto t = Clock::now();
      conv2d_forward(out.data(), in.data(), w.data, b.data, s, {scratch.data(), scratch.size()});
      fwd = since(t);
      t = Clock::now();
      conv2d_backward(first ? nullptr : d_in.data(), dw.data(), db.data(), d_out.data(), in.data(),
                      w.data, s, {scratch.data(), scratch.size()});
      bwd = since(t);
      flops_f = 2.0 * batch * s.out_h * s.out_w * s.out_c * s.k();
      flops_b = flops_f * (first ? 1 : 2);
    } else if (li.kind == LayerKind::MaxPool2D) {
      PoolShape s = make_pool_shape(batch, prev.out_h, prev.out_w, prev.out_c, li.kernel_h, li.stride_h);
      std::vector<int32_t> arg(out.size());
      auto t = Clock::now();
      maxpool2d_forward(out.data(), arg.data(), in.data(), s);
      fwd = since(t);
      t = Clock::now();
      maxpool2d_backward(d_in.data(), d_out.data(), arg.data(), s);
      bwd = since(t);
    } else if (li.kind == LayerKind::Dense) {
      DenseShape s{batch, int(prev.out_size()), li.filters, li.activation == Activation::Relu ? Activation::Relu : Activation::None};
      ParamView w = m.layer_weights(int(i)), b = m.layer_bias(int(i));
      // Write weight gradients into the model's own gradient arena: a second 1.4 GB buffer for
      // dense would only measure page faults.
      ParamView dw = m.layer_weight_grads(int(i)), db = m.layer_bias_grads(int(i));
      auto t = Clock::now();
      dense_forward(out.data(), in.data(), w.data, b.data, s);
      fwd = since(t);
      t = Clock::now();
      dense_backward(d_in.data(), dw.data, db.data, d_out.data(), in.data(), w.data, s);
      bwd = since(t);
      flops_f = 2.0 * batch * s.in * s.out;
      flops_b = 2 * flops_f;
    } else {
      out = in;  // flatten: a view
    }
    auto gf = [](double f, double s) { return f > 0 && s > 0 ? f / s / 1e9 : 0.0; };
    std::printf("  %-16s %10.1f %10.1f %10.1f %10.1f\n", li.name.c_str(), fwd * 1e3, gf(flops_f, fwd),
                bwd * 1e3, gf(flops_b, bwd));
    in.swap(out);
  }
}

int main(int argc, char** argv) {
  Args a;
  std::string csv;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    int v = std::atoi(argv[i + 1]);
    if (k == "--threads") a.threads = v;
    else if (k == "--image-size") a.image_size = v;
    else if (k == "--epochs") a.epochs = v;
    else if (k == "--train") a.train = v;
    else if (k == "--val") a.val = v;
    else if (k == "--csv") csv = argv[i + 1];
    else { std::fprintf(stderr, "unknown option %s\n", argv[i]); return 2; }
  }
  std::printf("cnnlab bench: course model, %dx%dx3, %d train + %d val samples, batch %d, %d threads\n",
              a.image_size, a.image_size, a.train, a.val, a.batch, a.threads);
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
  double fb_total = 0, adam_total = 0, val_total = 0, epoch_total = 0;
  for (int e = 0; e < a.epochs; ++e) {
    auto te = Clock::now();
    int steps = 0;
    for (int done = 0; done < a.train; done += a.batch, ++steps) {
      int n = std::min(a.batch, a.train - done);
      // The real training path: train_step fuses the big dense layer's gradient with Adam.
      auto t = Clock::now();
      float loss = m.train_step(x.data(), y.data(), n, probs.data());
      fb_total += since(t);
      if (steps == 0 && e == 0) std::printf("first step loss %.4f\n", loss);
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
  double tflop = (5.42e9 * a.train + 1.95e9 * a.val) * (a.image_size * a.image_size) / (299.0 * 299.0);
  std::printf("\nRESULT s_per_epoch=%.2f train_steps_s=%.2f unfused_adam_s=%.2f val_s=%.2f "
              "unfused_adam_ms_per_step=%.0f effective_GFLOPs=%.0f peak_rss=%s\n",
              ep, fb_total / a.epochs, adam_total / a.epochs, val_total / a.epochs,
              adam_total / a.epochs / steps_per_epoch * 1e3, tflop / ep / 1e9,
              format_bytes(double(peak_rss_bytes())).c_str());
  time_layers(m, a.batch, a.threads);
  if (!csv.empty()) {
    if (FILE* f = std::fopen(csv.c_str(), "w")) {
      std::fprintf(f, "s_per_epoch,train_steps_s,unfused_adam_s,val_s,peak_rss_bytes\n%.3f,%.3f,%.3f,%.3f,%zu\n",
                   ep, fb_total / a.epochs, adam_total / a.epochs, val_total / a.epochs, peak_rss_bytes());
      std::fclose(f);
    }
  }
  return 0;
}
