// nn/model.cpp — Sequential model: builder, Keras summary, memory plan, init, forward/backward,
// Adam.
//
// [SECTION] buffers (allocated once)
// [SECTION] builder
// [SECTION] summary and memory estimate
// [SECTION] allocate and init
// [SECTION] forward / backward / step
// [SECTION] views
// [SECTION] presets
#include "nn/model.h"

#include <omp.h>
#include <sys/mman.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <utility>

#include "core/check.h"
#include "core/error.h"
#include "core/rng.h"
#include "nn/layers_reg.h"
#include "nn/model_file.h"

namespace cnnlab {

// =================================================================================================
// [SECTION] buffers (allocated once)
// =================================================================================================
namespace {

double cpu_now() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

// Page-aligned, zero-filled anonymous memory with every page touched by the OpenMP threads (first
// touch is 5-7x slower than rewriting an existing buffer, so it happens here, once). Large buffers
// ask for transparent huge pages (THP is "madvise" on Debian): 512x fewer page faults at
// allocate() and fewer TLB misses when streaming the 1.4 GB dense arrays.
struct MapDeleter {
  size_t bytes = 0;
  void operator()(void* p) const {
    if (p) munmap(p, bytes);
  }
};
template <class T>
using Owned = std::unique_ptr<T, MapDeleter>;

// A mapping the kernel refuses is the user's setting (image size, batch), not a bug: say so.
[[noreturn]] void throw_out_of_memory(double bytes) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3g GB", bytes / 1e9);
  throw UserError(
      "", std::string("out of memory: the system refused a ") + buf + " buffer for the model",
      "try a smaller --image-size or --batch-size, or a smaller model");
}

// `untouched` ranges (in elements) are left to fault in on first use.
template <class T>
Owned<T> alloc_touched(size_t count, const std::vector<std::pair<size_t, size_t>>& untouched = {}) {
  if (count == 0) return Owned<T>(nullptr, MapDeleter{0});
  if (count > (size_t(1) << 56) / sizeof(T)) throw_out_of_memory(double(count) * sizeof(T));
  const size_t need = count * sizeof(T);
  const size_t align = need >= (size_t(8) << 20) ? (size_t(2) << 20) : 4096;  // huge pages if big
  const size_t bytes = (need + align - 1) / align * align;
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw_out_of_memory(double(bytes));
  madvise(p, bytes, MADV_HUGEPAGE);  // a hint: ignored where THP is off
  volatile char* c = static_cast<char*>(p);
  const long pages = long(bytes / 4096);
#pragma omp parallel for schedule(static) if (pages > 4096)
  for (long k = 0; k < pages; ++k) {
    const size_t byte = size_t(k) * 4096;
    bool skip = false;
    for (auto& [b, e] : untouched)
      skip = skip || (byte >= b * sizeof(T) && byte + 4096 <= e * sizeof(T));
    if (!skip) c[byte] = 0;  // mmap memory is already zero: a write faults the page in
  }
  return Owned<T>(static_cast<T*>(p), MapDeleter{bytes});
}

}  // namespace

struct Model::Buffers {
  Owned<float> params, grads, m, v;
  Owned<float> input;                   // (N, H, W, C) copy of the last input
  std::vector<Owned<float>> outs;       // per layer output (flatten aliases its input)
  std::vector<float*> act;              // per layer output pointer
  std::vector<Owned<int32_t>> argmax;   // per MaxPool2D not fused with its conv
  std::vector<Owned<uint8_t>> offsets;  // per MaxPool2D fused with its conv: window offsets
  Owned<float> logits;                  // (N, classes) before softmax
  Owned<float> grad_a, grad_b;          // gradient ping-pong, sized by Plan
  Owned<float> scratch;                 // conv scratch (max over conv layers) and dense partials
  size_t scratch_floats = 0;
  std::vector<Owned<uint8_t>> mask;  // per Dropout layer (N, out_size)
  std::vector<Owned<float>> bn;      // per BatchNorm layer: mean (C), inv_std (C)
  Owned<double> bn_scratch;          // max over BatchNorm layers
};

// Doubles of BatchNorm scratch for a batch of n.
static size_t bn_scratch_doubles(const std::vector<LayerInfo>& L, int n) {
  size_t most = 0;
  for (const LayerInfo& l : L)
    if (l.kind == LayerKind::BatchNorm)
      most =
          std::max(most, batchnorm_scratch(make_batchnorm_shape(
                             long(n) * l.out_h * l.out_w, l.out_c, l.bn_momentum, l.bn_epsilon)));
  return most;
}

static ConvShape conv_shape(const std::vector<LayerInfo>& L, size_t i, int n) {
  const LayerInfo &l = L[i], &in = L[i - 1];
  return make_conv_shape(n, in.out_h, in.out_w, in.out_c, l.filters, l.kernel_h, l.kernel_w,
                         l.stride_h, l.padding, l.activation);
}

static PoolShape pool_shape(const std::vector<LayerInfo>& L, size_t i, int n) {
  const LayerInfo &l = L[i], &in = L[i - 1];
  return make_pool_shape(n, in.out_h, in.out_w, in.out_c, l.kernel_h, l.stride_h);
}

// Layer i is a Conv2D computed together with the MaxPool2D above it (conv2d_pool_forward): its
// output is kept for sample 0 only, the pool keeps byte offsets, and the backward forms the conv
// output's gradient from the pool's (issue 11: 1.6 GB of activations to 0.36 GB at batch 32).
static bool pooled_conv(const std::vector<LayerInfo>& L, size_t i) {
  return i + 1 < L.size() && L[i].kind == LayerKind::Conv2D &&
         L[i + 1].kind == LayerKind::MaxPool2D && pool_offsets_fit(pool_shape(L, i + 1, 1));
}

// Every buffer allocate_buffers makes for a batch of n, in elements; estimate_memory sums the same
// numbers, so the plan printed is what is allocated (less the rounding to pages).
struct Plan {
  size_t input = 0;               // floats
  std::vector<size_t> outs;       // floats per layer (0: flatten aliases its input)
  std::vector<size_t> argmax;     // int32 per unfused MaxPool2D
  std::vector<size_t> offsets;    // bytes per fused MaxPool2D
  std::vector<size_t> mask;       // bytes per Dropout
  std::vector<size_t> bn;         // floats per BatchNorm
  size_t logits = 0;              // floats
  size_t grad_a = 0, grad_b = 0;  // floats (training only)
  size_t scratch = 0;             // floats
  size_t bn_scratch = 0;          // doubles
  size_t activation_bytes() const {
    size_t floats = input + logits + grad_a + grad_b, bytes = 0;
    for (size_t i = 0; i < outs.size(); ++i) {
      floats += outs[i] + bn[i];
      bytes += argmax[i] * sizeof(int32_t) + offsets[i] + mask[i];
    }
    return floats * sizeof(float) + bytes;
  }
};

// Sizes of the gradient ping-pong: replays run_backward, which writes each layer's input gradient
// into the buffer its output gradient is not in; a fused pool passes its gradient to the conv.
static void plan_gradients(Plan& p, const std::vector<LayerInfo>& L, size_t n) {
  const size_t last = L.size() - 1;
  size_t first = 1;  // as run_backward: no gradient below the first layer with parameters
  while (first < last && L[first].weight_count == 0) ++first;
  size_t most[2] = {L[last].out_size(), 0};  // the logits' gradient starts in grad_a
  int cur = 0;
  for (size_t i = last; i > first; --i) {
    const LayerKind k = L[i].kind;
    if (k == LayerKind::Flatten || k == LayerKind::Input || is_augment_kind(k)) continue;
    if (k == LayerKind::MaxPool2D && pooled_conv(L, i - 1)) continue;
    cur ^= 1;
    most[cur] = std::max(most[cur], L[i - 1].out_size());
  }
  p.grad_a = n * most[0], p.grad_b = n * most[1];
}

static Plan make_plan(const std::vector<LayerInfo>& L, int batch, int threads, bool for_training) {
  Plan p;
  const size_t n = size_t(batch), count = L.size();
  p.input = n * L[0].out_size();
  p.outs.assign(count, 0), p.argmax.assign(count, 0), p.offsets.assign(count, 0);
  p.mask.assign(count, 0), p.bn.assign(count, 0);
  size_t dense_partials = 0;  // per sample
  for (size_t i = 1; i < count; ++i) {
    const LayerInfo& l = L[i];
    if (l.kind != LayerKind::Flatten) p.outs[i] = (pooled_conv(L, i) ? 1 : n) * l.out_size();
    if (l.kind == LayerKind::MaxPool2D)
      (pooled_conv(L, i - 1) ? p.offsets : p.argmax)[i] = p.outs[i];
    if (l.kind == LayerKind::Dropout) p.mask[i] = p.outs[i];
    if (l.kind == LayerKind::BatchNorm) p.bn[i] = 2 * size_t(l.out_c);
    if (l.kind == LayerKind::Conv2D) {
      ConvShape s = conv_shape(L, i, 1);
      p.scratch = std::max(
          {p.scratch, conv2d_forward_scratch(s, threads), conv2d_backward_scratch(s, threads)});
      if (pooled_conv(L, i))
        p.scratch = std::max({p.scratch, conv2d_pool_backward_scratch(s, threads),
                              conv2d_pool_forward_scratch(s, pool_shape(L, i + 1, 1), threads)});
    }
    if (l.kind == LayerKind::Dense) {
      DenseShape s{1, int(L[i - 1].out_size()), l.filters, Activation::None};
      dense_partials = std::max(dense_partials, dense_forward_scratch(s, threads));
      p.scratch = std::max(p.scratch, dense_backward_adam_scratch(s, threads));
    }
  }
  p.scratch = std::max(p.scratch, dense_partials * n);
  p.logits = n * L.back().out_size();
  if (for_training) plan_gradients(p, L, n);
  p.bn_scratch = bn_scratch_doubles(L, batch);
  return p;
}

// =================================================================================================
// [SECTION] builder
// =================================================================================================
const char* layer_kind_name(LayerKind k) {
  switch (k) {
    case LayerKind::Input:
      return "InputLayer";
    case LayerKind::Conv2D:
      return "Conv2D";
    case LayerKind::MaxPool2D:
      return "MaxPooling2D";
    case LayerKind::Flatten:
      return "Flatten";
    case LayerKind::Dense:
      return "Dense";
    case LayerKind::Dropout:
      return "Dropout";
    case LayerKind::BatchNorm:
      return "BatchNormalization";
    case LayerKind::GlobalAvgPool2D:
      return "GlobalAveragePooling2D";
    case LayerKind::AvgPool2D:
      return "AveragePooling2D";
    case LayerKind::RandomFlip:
      return "RandomFlip";
    case LayerKind::RandomRotation:
      return "RandomRotation";
    case LayerKind::RandomZoom:
      return "RandomZoom";
    case LayerKind::RandomTranslation:
      return "RandomTranslation";
    case LayerKind::RandomContrast:
      return "RandomContrast";
    case LayerKind::RandomBrightness:
      return "RandomBrightness";
  }
  return "?";
}

bool is_augment_kind(LayerKind k) {
  return k >= LayerKind::RandomFlip && k <= LayerKind::RandomBrightness;
}

LayerKind augment_layer_kind(AugmentKind k) {
  switch (k) {
    case AugmentKind::Flip:
      return LayerKind::RandomFlip;
    case AugmentKind::Rotation:
      return LayerKind::RandomRotation;
    case AugmentKind::Zoom:
      return LayerKind::RandomZoom;
    case AugmentKind::Translation:
      return LayerKind::RandomTranslation;
    case AugmentKind::Contrast:
      return LayerKind::RandomContrast;
    case AugmentKind::Brightness:
      return LayerKind::RandomBrightness;
  }
  return LayerKind::RandomFlip;
}

static const char* base_name(LayerKind k) {
  switch (k) {
    case LayerKind::Input:
      return "input";
    case LayerKind::Conv2D:
      return "conv2d";
    case LayerKind::MaxPool2D:
      return "max_pooling2d";
    case LayerKind::Flatten:
      return "flatten";
    case LayerKind::Dense:
      return "dense";
    case LayerKind::Dropout:
      return "dropout";
    case LayerKind::BatchNorm:
      return "batch_normalization";
    case LayerKind::GlobalAvgPool2D:
      return "global_average_pooling2d";
    case LayerKind::AvgPool2D:
      return "average_pooling2d";
    case LayerKind::RandomFlip:
      return "random_flip";
    case LayerKind::RandomRotation:
      return "random_rotation";
    case LayerKind::RandomZoom:
      return "random_zoom";
    case LayerKind::RandomTranslation:
      return "random_translation";
    case LayerKind::RandomContrast:
      return "random_contrast";
    case LayerKind::RandomBrightness:
      return "random_brightness";
  }
  return "?";
}

Model::Model(int input_h, int input_w, int input_c) {
  CNNLAB_ASSERT(input_h > 0 && input_w > 0 && input_c > 0, "input shape must be positive");
  threads_ = omp_get_max_threads();
  LayerInfo in;
  in.name = "input_1";  // Keras numbers the input from 1
  in.kind = LayerKind::Input;
  in.out_h = input_h, in.out_w = input_w, in.out_c = input_c;
  layers_.push_back(in);
}

Model::Model() = default;
Model::~Model() = default;
Model::Model(Model&& o) noexcept {
  swap(o);
}
Model& Model::operator=(Model&& o) noexcept {
  if (this != &o) {
    Model tmp(std::move(o));
    swap(tmp);
  }
  return *this;
}

void Model::swap(Model& o) noexcept {
  std::swap(preset_name, o.preset_name);
  std::swap(fit, o.fit);
  std::swap(adam, o.adam);
  std::swap(fuse_dense_adam, o.fuse_dense_adam);
  std::swap(layers_, o.layers_);
  std::swap(num_params_, o.num_params_);
  std::swap(max_batch_, o.max_batch_);
  std::swap(last_n_, o.last_n_);
  std::swap(threads_, o.threads_);
  std::swap(adam_t_, o.adam_t_);
  std::swap(step_seed, o.step_seed);
  std::swap(last_training_, o.last_training_);
  std::swap(input_mean_, o.input_mean_);
  std::swap(input_std_, o.input_std_);
  std::swap(timing_, o.timing_);
  std::swap(params_, o.params_);
  std::swap(grads_, o.grads_);
  std::swap(buf_, o.buf_);
}

std::string Model::unique_name(const std::string& base) const {
  int count = 0;
  for (const LayerInfo& l : layers_)
    if (base_name(l.kind) == base) ++count;
  return count == 0 ? base : base + "_" + std::to_string(count);
}

void Model::add_layer(LayerInfo info) {
  CNNLAB_ASSERT(!layers_.empty(), "construct the model with its input shape first");
  CNNLAB_ASSERT(!allocated(), "add layers before allocate()");
  CNNLAB_ASSERT(layers_.back().activation != Activation::Softmax, "softmax must be the last layer");
  if (info.out_size() > kMaxLayerFloats)
    throw UserError("",
                    std::string(layer_kind_name(info.kind)) + " layer " +
                        std::to_string(layers_.size()) + " would output " +
                        std::to_string(info.out_size()) + " values per image",
                    "at most " + std::to_string(kMaxLayerFloats) +
                        ": use a smaller image size or fewer filters");
  info.name = unique_name(base_name(info.kind));
  info.weight_offset = num_params_;
  info.bias_offset = num_params_ + info.weight_count;
  info.state_offset = info.bias_offset + info.bias_count;
  num_params_ += info.num_params();
  layers_.push_back(std::move(info));
}

Model& Model::conv2d(int filters, int kernel, Activation act, Padding padding, int stride) {
  const LayerInfo& in = layers_.back();
  CNNLAB_ASSERT(!in.flat, "conv2d needs an (H, W, C) input");
  CNNLAB_ASSERT(act != Activation::Softmax, "conv2d: softmax is for the last dense layer");
  ConvShape s = make_conv_shape(1, in.out_h, in.out_w, in.out_c, filters, kernel, kernel, stride,
                                padding, act);
  LayerInfo l;
  l.kind = LayerKind::Conv2D;
  l.out_h = s.out_h, l.out_w = s.out_w, l.out_c = filters;
  l.filters = filters, l.kernel_h = l.kernel_w = kernel, l.stride_h = l.stride_w = stride;
  l.padding = padding, l.activation = act;
  l.weight_count = size_t(kernel) * kernel * in.out_c * filters;
  l.bias_count = size_t(filters);
  add_layer(l);
  return *this;
}

Model& Model::maxpool2d(int pool, int stride) {
  const LayerInfo& in = layers_.back();
  CNNLAB_ASSERT(!in.flat, "maxpool2d needs an (H, W, C) input");
  PoolShape s = make_pool_shape(1, in.out_h, in.out_w, in.out_c, pool, stride);
  LayerInfo l;
  l.kind = LayerKind::MaxPool2D;
  l.out_h = s.out_h, l.out_w = s.out_w, l.out_c = in.out_c;
  l.kernel_h = l.kernel_w = pool, l.stride_h = l.stride_w = s.stride_h;
  add_layer(l);
  return *this;
}

Model& Model::flatten() {
  LayerInfo l;
  l.kind = LayerKind::Flatten;
  const size_t size = layers_.back().out_size();  // at most kMaxLayerFloats (add_layer checks)
  CNNLAB_ASSERT(size <= kMaxLayerFloats, "flatten of an oversized layer");
  l.out_h = l.out_w = 1, l.out_c = int(size);
  l.flat = true;
  add_layer(l);
  return *this;
}

Model& Model::dense(int units, Activation act) {
  const LayerInfo& in = layers_.back();
  CNNLAB_ASSERT(in.flat, "dense needs a flat input: add flatten() first");
  CNNLAB_ASSERT(units > 0, "dense units must be positive");
  LayerInfo l;
  l.kind = LayerKind::Dense;
  l.out_h = l.out_w = 1, l.out_c = units, l.flat = true;
  l.filters = units, l.activation = act;
  l.weight_count = in.out_size() * size_t(units);
  l.bias_count = size_t(units);
  add_layer(l);
  return *this;
}

Model& Model::dropout(float rate) {
  CNNLAB_ASSERT(rate >= 0 && rate < 1, "dropout rate must be in [0, 1)");
  const LayerInfo& in = layers_.back();
  LayerInfo l{"", LayerKind::Dropout, in.out_h, in.out_w, in.out_c, in.flat};
  l.rate = rate;
  add_layer(l);
  return *this;
}

Model& Model::batch_norm(float momentum, float epsilon) {
  const LayerInfo& in = layers_.back();
  LayerInfo l{"", LayerKind::BatchNorm, in.out_h, in.out_w, in.out_c, in.flat};
  l.filters = in.out_c;
  l.bn_momentum = momentum, l.bn_epsilon = epsilon;
  l.weight_count = l.bias_count = size_t(in.out_c);  // gamma, beta
  l.state_count = 2 * size_t(in.out_c);              // moving mean, moving variance
  add_layer(l);
  return *this;
}

Model& Model::global_avg_pool2d() {
  const LayerInfo& in = layers_.back();
  CNNLAB_ASSERT(!in.flat, "global_avg_pool2d needs an (H, W, C) input");
  LayerInfo l{"", LayerKind::GlobalAvgPool2D, 1, 1, in.out_c, true};
  add_layer(l);
  return *this;
}

Model& Model::avg_pool2d(int pool, int stride, Padding padding) {
  const LayerInfo& in = layers_.back();
  CNNLAB_ASSERT(!in.flat, "avg_pool2d needs an (H, W, C) input");
  AvgPoolShape s =
      make_avgpool_shape(1, in.out_h, in.out_w, in.out_c, pool, pool, stride, stride, padding);
  LayerInfo l{"", LayerKind::AvgPool2D, s.out_h, s.out_w, in.out_c, false};
  l.kernel_h = l.kernel_w = pool, l.stride_h = s.stride_h, l.stride_w = s.stride_w;
  l.padding = padding;
  add_layer(l);
  return *this;
}

Model& Model::augment(const AugmentLayer& a) {
  const LayerInfo& in = layers_.back();
  CNNLAB_ASSERT(in.kind == LayerKind::Input || is_augment_kind(in.kind),
                "augmentation layers come first, right after the input");
  LayerInfo l{"", augment_layer_kind(a.kind), in.out_h, in.out_w, in.out_c, false};
  l.augment = a;
  add_layer(l);
  return *this;
}

Model& Model::kernel_l2(float l2) {
  CNNLAB_ASSERT(layers_.back().kind == LayerKind::Conv2D || layers_.back().kind == LayerKind::Dense,
                "kernel_l2 applies to the last Conv2D/Dense layer");
  CNNLAB_ASSERT(l2 >= 0 && !allocated(), "kernel_l2: l2 >= 0, before allocate()");
  layers_.back().l2 = l2;
  return *this;
}

size_t Model::num_trainable_params() const {
  size_t frozen = 0;
  for (const LayerInfo& l : layers_) frozen += l.state_count;
  return num_params_ - frozen;
}

void Model::set_input_scaling(float mean, float std) {
  CNNLAB_ASSERT(std > 0, "input scaling std must be positive");
  input_mean_ = mean, input_std_ = std;
}

int Model::num_classes() const {
  for (size_t i = layers_.size(); i-- > 1;)
    if (layers_[i].kind == LayerKind::Dense) return layers_[i].filters;
  return 0;
}

// =================================================================================================
// [SECTION] summary and memory estimate
// =================================================================================================
std::string with_commas(size_t v) {
  std::string s = std::to_string(v), out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i > 0 && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

// Keras's print_row (TF 2.9+): each cell is cut to its column width minus two spaces and the rest
// wraps onto continuation lines; a cell that overflows pushes the next one right.
static void print_row(std::string& out, std::vector<std::string> cells, const int* positions) {
  const int ncols = int(cells.size());
  auto any_left = [&] {
    for (auto& c : cells)
      if (!c.empty()) return true;
    return false;
  };
  while (any_left()) {
    std::string line;
    for (int col = 0; col < ncols; ++col) {
      const int start = col > 0 ? positions[col - 1] : 0, end = positions[col];
      const int space = col != ncols - 1 ? 2 : 0;
      const size_t cutoff = size_t(end - start - space);
      std::string fit = cells[col].substr(0, cutoff);
      if (col == 0) line += ' ';
      line += fit + std::string(size_t(space), ' ');
      cells[col] = cells[col].size() > cutoff ? cells[col].substr(cutoff) : std::string();
      if (int(line.size()) < positions[col]) line += std::string(positions[col] - line.size(), ' ');
    }
    out += line + "\n";
  }
}

std::string Model::summary_table() const {
  constexpr int kLine = 65;
  const int positions[3] = {29, 55, 65};  // int(65 * [.45, .85, 1.])
  std::string out = "Model: \"sequential\"\n" + std::string(kLine, '_') + "\n";
  print_row(out, {"Layer (type)", "Output Shape", "Param #"}, positions);
  out += std::string(kLine, '=') + "\n";
  for (size_t i = 1; i < layers_.size(); ++i) {
    const LayerInfo& l = layers_[i];
    std::string shape = l.flat ? "(None, " + std::to_string(l.out_c) + ")"
                               : "(None, " + std::to_string(l.out_h) + ", " +
                                     std::to_string(l.out_w) + ", " + std::to_string(l.out_c) + ")";
    print_row(
        out, {l.name + " (" + layer_kind_name(l.kind) + ")", shape, std::to_string(l.num_params())},
        positions);
    out += std::string(kLine, ' ') + "\n";
  }
  out += std::string(kLine, '=') + "\n";
  out += "Total params: " + with_commas(num_params_) + "\n";
  out += "Trainable params: " + with_commas(num_trainable_params()) + "\n";
  out += "Non-trainable params: " + with_commas(num_params_ - num_trainable_params()) + "\n";
  out += std::string(kLine, '_') + "\n";
  return out;
}

MemoryEstimate Model::estimate_memory(int batch, bool for_training) const {
  MemoryEstimate e;
  if (layers_.empty()) return e;
  const size_t f = sizeof(float);
  e.params = num_params_ * f;
  e.grads = for_training ? num_params_ * f : 0;
  e.adam = for_training ? 2 * num_params_ * f : 0;
  const Plan p = make_plan(layers_, batch, threads_ > 0 ? threads_ : 1, for_training);
  e.activations = p.activation_bytes();
  e.scratch = p.scratch * f + p.bn_scratch * sizeof(double);
  return e;
}

// =================================================================================================
// [SECTION] allocate and init
// =================================================================================================
void Model::allocate(int max_batch, bool for_training) {
  CNNLAB_ASSERT(!allocated(), "allocate() runs once");
  CNNLAB_ASSERT(max_batch > 0, "max_batch must be positive");
  CNNLAB_ASSERT(layers_.size() >= 2 && layers_.back().kind == LayerKind::Dense &&
                    layers_.back().activation == Activation::Softmax,
                "the model must end in a softmax dense layer (its loss is cross-entropy)");
  omp_set_num_threads(threads_);
  try {
    allocate_buffers(max_batch, for_training);
  } catch (...) {
    buf_.reset();  // a refused mapping leaves the model unallocated, as before the call
    params_ = grads_ = nullptr;
    throw;
  }
  max_batch_ = max_batch;
}

void Model::allocate_buffers(int max_batch, bool for_training) {
  buf_ = std::make_unique<Buffers>();
  Buffers& B = *buf_;
  B.params = alloc_touched<float>(num_params_);
  if (for_training) {
    // train_step never writes the gradients of fused dense kernels (1.4 GB for the course model):
    // leave those pages untouched until forward_backward needs them.
    std::vector<std::pair<size_t, size_t>> lazy;
    for (const LayerInfo& l : layers_)
      if (fused(l)) lazy.emplace_back(l.weight_offset, l.weight_offset + l.weight_count);
    B.grads = alloc_touched<float>(num_params_, lazy);
    B.m = alloc_touched<float>(num_params_);
    B.v = alloc_touched<float>(num_params_);
  }
  params_ = B.params.get(), grads_ = B.grads.get();
  const Plan p = make_plan(layers_, max_batch, threads_, for_training);
  B.input = alloc_touched<float>(p.input);
  B.outs.resize(layers_.size());
  B.act.assign(layers_.size(), nullptr);
  B.argmax.resize(layers_.size());
  B.offsets.resize(layers_.size());
  B.mask.resize(layers_.size());
  B.bn.resize(layers_.size());
  B.bn_scratch = alloc_touched<double>(p.bn_scratch);
  B.act[0] = B.input.get();
  for (size_t i = 1; i < layers_.size(); ++i) {
    B.outs[i] = alloc_touched<float>(p.outs[i]);
    B.act[i] = p.outs[i] ? B.outs[i].get() : B.act[i - 1];  // flatten: NHWC flattens in place
    B.argmax[i] = alloc_touched<int32_t>(p.argmax[i]);
    B.offsets[i] = alloc_touched<uint8_t>(p.offsets[i]);
    B.mask[i] = alloc_touched<uint8_t>(p.mask[i]);
    B.bn[i] = alloc_touched<float>(p.bn[i]);
  }
  B.logits = alloc_touched<float>(p.logits);
  B.grad_a = alloc_touched<float>(p.grad_a);
  B.grad_b = alloc_touched<float>(p.grad_b);
  B.scratch_floats = p.scratch;
  B.scratch = alloc_touched<float>(B.scratch_floats);
}

void Model::init(uint64_t seed) {
  CNNLAB_ASSERT(allocated(), "init() after allocate()");
  Rng rng(seed);
  for (size_t i = 1; i < layers_.size(); ++i) {
    const LayerInfo& l = layers_[i];
    if (l.kind == LayerKind::BatchNorm) {  // gamma 1, beta 0, moving mean 0, moving variance 1
      const size_t c = size_t(l.out_c);
      std::fill_n(params_ + l.weight_offset, c, 1.0f);
      std::fill_n(params_ + l.bias_offset, c, 0.0f);
      std::fill_n(params_ + l.state_offset, c, 0.0f);
      std::fill_n(params_ + l.state_offset + c, c, 1.0f);
      continue;
    }
    if (l.weight_count == 0) continue;
    // Glorot uniform: conv fan_in = KH*KW*Cin, fan_out = KH*KW*Cout; dense fan_in = In, fan_out =
    // Out.
    const double fan_in = double(l.weight_count / size_t(l.filters));
    const double fan_out =
        double(l.filters) * (l.kind == LayerKind::Conv2D ? l.kernel_h * l.kernel_w : 1);
    const float limit = float(std::sqrt(6.0 / (fan_in + fan_out)));
    float* w = params_ + l.weight_offset;
    for (size_t k = 0; k < l.weight_count; ++k) w[k] = rng.uniform(-limit, limit);
    std::fill(params_ + l.bias_offset, params_ + l.bias_offset + l.bias_count, 0.0f);
  }
  reset_adam();
}

void Model::reset_adam() {
  CNNLAB_ASSERT(allocated(), "reset_adam() after allocate()");
  if (trainable()) {
    std::memset(buf_->m.get(), 0, num_params_ * sizeof(float));
    std::memset(buf_->v.get(), 0, num_params_ * sizeof(float));
  }
  adam_t_ = 0;
}

void Model::set_threads(int n) {
  CNNLAB_ASSERT(n >= 1, "threads must be >= 1");
  threads_ = n;
  omp_set_num_threads(n);
  Eigen::setNbThreads(1);
}

// =================================================================================================
// [SECTION] forward / backward / step
// =================================================================================================
void Model::run_forward(const float* x, int n, bool training) {
  CNNLAB_ASSERT(allocated(), "allocate() before running the model");
  CNNLAB_ASSERT(n >= 1 && n <= max_batch_, "batch larger than allocate()'s max_batch");
  omp_set_num_threads(threads_);  // OpenMP's thread count is per calling thread
  Eigen::setNbThreads(1);  // we split work ourselves: Eigen's GEMM spin-syncs per depth block
  const ScopedFlushDenormals flush(threads_);  // as TensorFlow: denormals flushed (and fast)
  Buffers& B = *buf_;
  timing_.forward.assign(layers_.size(), 0.0);
  timing_.forward_cpu.assign(layers_.size(), 0.0);
  double t0 = omp_get_wtime(), c0 = cpu_now();
  std::memcpy(B.act[0], x, sizeof(float) * n * layers_[0].out_size());
  for (size_t i = 1; i < layers_.size(); ++i) {
    timing_.forward[i - 1] = omp_get_wtime() - t0;
    timing_.forward_cpu[i - 1] = cpu_now() - c0;
    t0 = omp_get_wtime(), c0 = cpu_now();
    forward_layer(i, n, training);
  }
  timing_.forward.back() = omp_get_wtime() - t0;
  timing_.forward_cpu.back() = cpu_now() - c0;
  last_n_ = n;
  last_training_ = training;
}

// Layer i's output from layer i-1's (batch n). Training: batch statistics, dropout, augmentation.
void Model::forward_layer(size_t i, int n, bool training) {
  Buffers& B = *buf_;
  const LayerInfo& l = layers_[i];
  const LayerInfo& in = layers_[i - 1];
  const float* w = params_ + l.weight_offset;
  const float* b = params_ + l.bias_offset;
  const size_t count = size_t(n) * l.out_size();
  // Per step and layer: the trainer's batch seed, the Adam step and the layer index.
  const uint64_t seed = augment_seed(step_seed, adam_t_, int64_t(i));
  switch (l.kind) {
    case LayerKind::Conv2D: {
      ConvShape s = conv_shape(layers_, i, n);
      if (pooled_conv(layers_, i))  // the pool above too; this layer keeps sample 0's output
        conv2d_pool_forward(B.act[i + 1], B.offsets[i + 1].get(), B.act[i], B.act[i - 1], w, b, s,
                            pool_shape(layers_, i + 1, n), {B.scratch.get(), B.scratch_floats});
      else
        conv2d_forward(B.act[i], B.act[i - 1], w, b, s, {B.scratch.get(), B.scratch_floats});
      break;
    }
    case LayerKind::MaxPool2D: {
      if (pooled_conv(layers_, i - 1)) break;  // computed with the conv below
      PoolShape s = make_pool_shape(n, in.out_h, in.out_w, in.out_c, l.kernel_h, l.stride_h);
      maxpool2d_forward(B.act[i], B.argmax[i].get(), B.act[i - 1], s);
      break;
    }
    case LayerKind::Flatten:
    case LayerKind::Input:
      break;
    case LayerKind::Dense: {
      const bool softmax = l.activation == Activation::Softmax;
      DenseShape s{n, int(in.out_size()), l.filters, softmax ? Activation::None : l.activation};
      dense_forward(softmax ? B.logits.get() : B.act[i], B.act[i - 1], w, b, s,
                    {B.scratch.get(), B.scratch_floats});
      break;
    }
    case LayerKind::Dropout: {
      Rng rng(seed);
      dropout_forward(B.act[i], B.act[i - 1], B.mask[i].get(), count, l.rate, training, rng);
      break;
    }
    case LayerKind::BatchNorm: {
      BatchNormShape s =
          make_batchnorm_shape(long(n) * l.out_h * l.out_w, l.out_c, l.bn_momentum, l.bn_epsilon);
      float* mean = B.bn[i].get();
      float* inv_std = mean + l.out_c;
      float* moving = params_ + l.state_offset;  // mean (C), then variance (C)
      if (training)
        batchnorm_forward_train(B.act[i], mean, inv_std, moving, moving + l.out_c, B.act[i - 1], w,
                                b, s, B.bn_scratch.get());
      else
        batchnorm_forward_infer(B.act[i], mean, inv_std, B.act[i - 1], w, b, moving,
                                moving + l.out_c, s);
      break;
    }
    case LayerKind::GlobalAvgPool2D:
      global_avg_pool2d_forward(B.act[i], B.act[i - 1], n, in.out_h, in.out_w, in.out_c);
      break;
    case LayerKind::AvgPool2D: {
      AvgPoolShape s = make_avgpool_shape(n, in.out_h, in.out_w, in.out_c, l.kernel_h, l.kernel_w,
                                          l.stride_h, l.stride_w, l.padding);
      avg_pool2d_forward(B.act[i], B.act[i - 1], s);
      break;
    }
    default: {  // Random*: identity at inference
      CNNLAB_ASSERT(is_augment_kind(l.kind), "forward: unknown layer kind");
      std::memcpy(B.act[i], B.act[i - 1], sizeof(float) * count);
      if (!training || skip_augment_) break;
      augment_batch(B.act[i], n, l.out_h, l.out_w, l.out_c, {augment_in_input_units(l.augment)},
                    seed);
      break;
    }
  }
}

// Gradients of the loss (mean cross-entropy over n labels) for every parameter; grads overwritten.
constexpr size_t kFuseMinWeights = size_t(1) << 20;

bool Model::fused(const LayerInfo& l) const {  // L2 needs the kernel's gradient: not fused
  return fuse_dense_adam && l.kind == LayerKind::Dense && l.weight_count >= kFuseMinWeights &&
         l.l2 == 0;
}

// With fuse_adam, fused() dense kernels are updated here (adam_t_ already incremented).
void Model::run_backward(const int* y, int n, bool fuse_adam, const float* targets) {
  const ScopedFlushDenormals flush(threads_);
  Buffers& B = *buf_;
  const size_t L = layers_.size() - 1;
  size_t first = 1;  // the first layer with parameters: nothing below it needs a gradient
  while (first < L && layers_[first].weight_count == 0) ++first;
  float* g = B.grad_a.get();   // gradient w.r.t. the current layer's output
  float* g2 = B.grad_b.get();  // gradient w.r.t. its input
  timing_.backward.assign(layers_.size(), 0.0);
  timing_.backward_cpu.assign(layers_.size(), 0.0);
  if (targets)  // w.r.t. the logits
    softmax_xent_backward(g, B.act[L], targets, n, num_classes());
  else
    softmax_xent_backward(g, B.act[L], y, n, num_classes());
  for (size_t i = L; i >= first; --i) {
    const double t0 = omp_get_wtime(), c0 = cpu_now();
    const LayerInfo& l = layers_[i];
    if (l.kind == LayerKind::Flatten || l.kind == LayerKind::Input || is_augment_kind(l.kind))
      continue;  // the gradient passes through unchanged
    if (l.kind == LayerKind::MaxPool2D && pooled_conv(layers_, i - 1))
      continue;  // the conv below takes the pool's gradient (conv2d_pool_backward)
    // A ReLU under a max pool had its backward fused into the pool's backward (below).
    const bool relu_done = i + 1 <= L && layers_[i + 1].kind == LayerKind::MaxPool2D;
    if (l.activation == Activation::Relu && !relu_done)
      relu_backward(g, g, B.act[i], size_t(n) * l.out_size());
    float* d_in = i == first ? nullptr : g2;
    if (pooled_conv(layers_, i))
      conv2d_pool_backward(d_in, grads_ + l.weight_offset, grads_ + l.bias_offset, g, B.act[i + 1],
                           B.offsets[i + 1].get(), B.act[i - 1], params_ + l.weight_offset,
                           conv_shape(layers_, i, n), pool_shape(layers_, i + 1, n),
                           {B.scratch.get(), B.scratch_floats});
    else
      backward_layer(i, n, d_in, g, fuse_adam);
    timing_.backward[i] = omp_get_wtime() - t0;
    timing_.backward_cpu[i] = cpu_now() - c0;
    std::swap(g, g2);
  }
  add_l2_grads();
}

// d_in (nullable) and layer i's parameter gradients from g, the gradient w.r.t. its output.
// param_grads, if given, takes the parameter gradients instead of grads() (kernel then bias; a
// Dense kernel's is skipped): backward_to's throwaway.
void Model::backward_layer(size_t i, int n, float* d_in, float* g, bool fuse_adam,
                           float* param_grads) {
  Buffers& B = *buf_;
  const LayerInfo& l = layers_[i];
  const LayerInfo& in = layers_[i - 1];
  float* dw = param_grads ? param_grads : grads_ + l.weight_offset;
  float* db = param_grads ? param_grads + l.weight_count : grads_ + l.bias_offset;
  if (param_grads && l.kind == LayerKind::Dense) dw = nullptr, db = param_grads;
  const float* w = params_ + l.weight_offset;
  switch (l.kind) {
    case LayerKind::Conv2D: {
      ConvShape s = make_conv_shape(n, in.out_h, in.out_w, in.out_c, l.filters, l.kernel_h,
                                    l.kernel_w, l.stride_h, l.padding, l.activation);
      conv2d_backward(d_in, dw, db, g, B.act[i - 1], w, s, {B.scratch.get(), B.scratch_floats});
      break;
    }
    case LayerKind::MaxPool2D: {
      PoolShape s = make_pool_shape(n, in.out_h, in.out_w, in.out_c, l.kernel_h, l.stride_h);
      const bool relu_below = in.kind != LayerKind::Input && in.activation == Activation::Relu;
      if (d_in && pooled_conv(layers_, i - 1))  // the ReLU's mask at each max: pool output > 0
        maxpool2d_backward_offsets(d_in, g, B.offsets[i].get(), s, relu_below ? B.act[i] : nullptr);
      else if (d_in)
        maxpool2d_backward(d_in, g, B.argmax[i].get(), s, relu_below ? B.act[i - 1] : nullptr);
      break;
    }
    case LayerKind::Dense: {
      DenseShape s{n, int(in.out_size()), l.filters, Activation::None};
      if (fuse_adam && fused(l))
        dense_backward_adam(d_in, db, g, B.act[i - 1], params_ + l.weight_offset,
                            B.m.get() + l.weight_offset, B.v.get() + l.weight_offset, s, adam,
                            adam_t_, {B.scratch.get(), B.scratch_floats});
      else
        dense_backward(d_in, dw, db, g, B.act[i - 1], w, s);
      break;
    }
    case LayerKind::Dropout:
      if (d_in)
        dropout_backward(d_in, g, last_training_ ? B.mask[i].get() : nullptr,
                         size_t(n) * l.out_size(), l.rate);
      break;
    case LayerKind::BatchNorm: {
      BatchNormShape s =
          make_batchnorm_shape(long(n) * l.out_h * l.out_w, l.out_c, l.bn_momentum, l.bn_epsilon);
      const float* mean = B.bn[i].get();
      batchnorm_backward(d_in, dw, db, g, B.act[i - 1], w, mean, mean + l.out_c, last_training_, s,
                         B.bn_scratch.get());
      break;
    }
    case LayerKind::GlobalAvgPool2D:
      if (d_in) global_avg_pool2d_backward(d_in, g, n, in.out_h, in.out_w, in.out_c);
      break;
    case LayerKind::AvgPool2D: {
      AvgPoolShape s = make_avgpool_shape(n, in.out_h, in.out_w, in.out_c, l.kernel_h, l.kernel_w,
                                          l.stride_h, l.stride_w, l.padding);
      if (d_in) avg_pool2d_backward(d_in, g, s);
      break;
    }
    default:
      CNNLAB_ASSERT(false, "backward: a layer without a gradient");
  }
}

void Model::backward_to(int to, const float* d_logits, float* d_out) {
  CNNLAB_ASSERT(allocated() && last_n_ > 0, "backward_to after a forward()");
  CNNLAB_ASSERT(!last_training_, "backward_to needs an inference forward()");
  const size_t L = layers_.size() - 1;
  CNNLAB_ASSERT(to >= 0 && size_t(to) < L, "backward_to: bad layer index");
  const int n = last_n_;
  omp_set_num_threads(threads_);
  // Ping-pong gradients and a throwaway for the parameter gradients the layers also write: small
  // next to the activations (a Dense kernel's gradient is never formed), allocated per call.
  size_t most = 0, params = 0;
  for (size_t i = size_t(to); i <= L; ++i) most = std::max(most, layers_[i].out_size());
  for (size_t i = size_t(to) + 1; i <= L; ++i)
    params = std::max(params, layers_[i].kind == LayerKind::Dense
                                  ? layers_[i].bias_count
                                  : layers_[i].weight_count + layers_[i].bias_count);
  std::vector<float> ga(size_t(n) * most), gb(size_t(n) * most), pg(std::max<size_t>(params, 1));
  float *g = ga.data(), *g2 = gb.data();
  std::memcpy(g, d_logits, sizeof(float) * size_t(n) * num_classes());
  for (size_t i = L; i > size_t(to); --i) {
    const LayerInfo& l = layers_[i];
    if (l.kind == LayerKind::Flatten || is_augment_kind(l.kind)) continue;  // identity
    // As run_backward, a ReLU under a max pool is undone inside the pool's backward, except at
    // `to` itself: the gradient asked for is w.r.t. its post-ReLU output.
    const bool relu_done = i + 1 <= L && layers_[i + 1].kind == LayerKind::MaxPool2D;
    if (l.activation == Activation::Relu && !relu_done)
      relu_backward(g, g, buf_->act[i], size_t(n) * l.out_size());
    if (l.kind == LayerKind::MaxPool2D && i - 1 == size_t(to)) {
      PoolShape s = make_pool_shape(n, layers_[i - 1].out_h, layers_[i - 1].out_w,
                                    layers_[i - 1].out_c, l.kernel_h, l.stride_h);
      if (pooled_conv(layers_, i - 1))  // computed with the conv: byte offsets, no int32 argmax
        maxpool2d_backward_offsets(g2, g, buf_->offsets[i].get(), s, nullptr);
      else
        maxpool2d_backward(g2, g, buf_->argmax[i].get(), s, nullptr);
    } else {
      backward_layer(i, n, g2, g, false, pg.data());
    }
    std::swap(g, g2);
  }
  std::memcpy(d_out, g, sizeof(float) * size_t(n) * layers_[size_t(to)].out_size());
}

// Keras regularizers.l2: the loss gains l2 · Σ w² per regularised kernel, the gradient 2 · l2 · w.
double Model::l2_loss() const {
  double sum = 0;
  for (const LayerInfo& l : layers_)
    if (l.l2 > 0) sum += l2_penalty(params_ + l.weight_offset, l.weight_count, l.l2);
  return sum;
}

void Model::add_l2_grads() {
  for (const LayerInfo& l : layers_)
    if (l.l2 > 0)
      l2_add_grad(grads_ + l.weight_offset, params_ + l.weight_offset, l.weight_count, l.l2);
}

float Model::forward(const float* x, int n, float* probs_out, const int* y) {
  return forward_impl(x, n, probs_out, y, false);
}

float Model::forward_impl(const float* x, int n, float* probs_out, const int* y, bool training,
                          const float* targets) {
  CNNLAB_ASSERT(allocated(), "allocate() before forward()");
  const int classes = num_classes();
  const size_t in_size = layers_[0].out_size();
  double loss_sum = 0.0;
  // Batches larger than max_batch run in chunks; activation() then shows the last chunk.
  for (int start = 0; start < n; start += max_batch_) {
    const int m = std::min(max_batch_, n - start);
    run_forward(x + size_t(start) * in_size, m, training);
    const size_t L = layers_.size() - 1;
    const double t0 = omp_get_wtime();
    float loss = targets ? softmax_xent_forward(buf_->act[L], buf_->logits.get(),
                                                targets + size_t(start) * classes, m, classes)
                         : softmax_xent_forward(buf_->act[L], buf_->logits.get(),
                                                y ? y + start : nullptr, m, classes);
    loss_sum += double(loss) * m;
    timing_.loss = omp_get_wtime() - t0;
    if (probs_out)
      std::memcpy(probs_out + size_t(start) * classes, buf_->act[L], sizeof(float) * m * classes);
  }
  // Like Keras, the reported loss includes the regularisation penalty (evaluate's too).
  return (y || targets) && n > 0 ? float(loss_sum / n + l2_loss()) : 0.0f;
}

float Model::forward_backward(const float* x, const int* y, int n, float* probs_out,
                              const float* targets) {
  CNNLAB_ASSERT(trainable(), "forward_backward on a model allocated for inference only");
  CNNLAB_ASSERT(y != nullptr, "forward_backward needs labels");
  CNNLAB_ASSERT(n <= max_batch_, "batch larger than allocate()'s max_batch");
  float loss = forward_impl(x, n, probs_out, y, true, targets);
  run_backward(y, n, false, targets);
  return loss;
}

void Model::adam_update() {
  CNNLAB_ASSERT(trainable(), "adam_update on a model allocated for inference only");
  omp_set_num_threads(threads_);
  const ScopedFlushDenormals flush(threads_);
  ++adam_t_;
  const double t0 = omp_get_wtime(), c0 = cpu_now();
  cnnlab::adam_update(params_, grads_, buf_->m.get(), buf_->v.get(), num_params_, adam, adam_t_);
  timing_.adam = omp_get_wtime() - t0;
  timing_.adam_cpu = cpu_now() - c0;
}

AugmentLayer Model::augment_in_input_units(const AugmentLayer& a) const {
  AugmentLayer out = a;  // value_range from pixels into the input's units
  out.value_lo = (a.value_lo / 255.0f - input_mean_) / input_std_;
  out.value_hi = (a.value_hi / 255.0f - input_mean_) / input_std_;
  return out;
}

std::vector<AugmentLayer> Model::input_augmentation() const {
  std::vector<AugmentLayer> out;
  for (size_t i = 1; i < layers_.size() && is_augment_kind(layers_[i].kind); ++i)
    out.push_back(augment_in_input_units(layers_[i].augment));
  return out;
}

// The same calls and seeds as forward_layer's Random* case, one layer after the other.
void augment_training_input(float* x, int n, int h, int w, int c,
                            const std::vector<AugmentLayer>& layers, uint64_t step_seed,
                            int64_t adam_step) {
  for (size_t k = 0; k < layers.size(); ++k)
    augment_batch(x, n, h, w, c, {layers[k]}, augment_seed(step_seed, adam_step, int64_t(k + 1)));
}

float Model::train_step(const float* x, const int* y, int n, float* probs_out, bool x_augmented,
                        const float* targets) {
  CNNLAB_ASSERT(trainable(), "train_step on a model allocated for inference only");
  CNNLAB_ASSERT(y != nullptr, "train_step needs labels");
  CNNLAB_ASSERT(n <= max_batch_, "batch larger than allocate()'s max_batch");
  const ScopedFlushDenormals flush(threads_);  // the whole step, Adam included
  skip_augment_ = x_augmented;
  float loss = forward_impl(x, n, probs_out, y, true, targets);
  skip_augment_ = false;
  ++adam_t_;
  run_backward(y, n, true, targets);
  // Adam on everything the backward pass did not already update, in arena order.
  const double t0 = omp_get_wtime(), c0 = cpu_now();
  float *m = buf_->m.get(), *v = buf_->v.get();
  size_t start = 0;
  for (const LayerInfo& l : layers_) {
    if (!fused(l)) continue;
    cnnlab::adam_update(params_ + start, grads_ + start, m + start, v + start,
                        l.weight_offset - start, adam, adam_t_);
    start = l.weight_offset + l.weight_count;
  }
  cnnlab::adam_update(params_ + start, grads_ + start, m + start, v + start, num_params_ - start,
                      adam, adam_t_);
  timing_.adam = omp_get_wtime() - t0;
  timing_.adam_cpu = cpu_now() - c0;
  return loss;
}

// =================================================================================================
// [SECTION] views
// =================================================================================================
static std::vector<int> kernel_shape(const std::vector<LayerInfo>& L, int i) {
  const LayerInfo& l = L[size_t(i)];
  if (l.kind == LayerKind::Conv2D)
    return {l.kernel_h, l.kernel_w, L[size_t(i) - 1].out_c, l.filters};
  if (l.kind == LayerKind::BatchNorm) return {l.out_c};  // gamma
  return {int(L[size_t(i) - 1].out_size()), l.filters};
}

static ParamView view(float* arena, const std::vector<LayerInfo>& L, int i, bool bias) {
  CNNLAB_ASSERT(i >= 1 && size_t(i) < L.size() && L[size_t(i)].weight_count > 0,
                "layer has no parameters");
  CNNLAB_ASSERT(arena != nullptr, "allocate() before taking parameter views");
  const LayerInfo& l = L[size_t(i)];
  ParamView v;
  v.data = arena + (bias ? l.bias_offset : l.weight_offset);
  v.shape = bias ? std::vector<int>{l.filters} : kernel_shape(L, i);
  v.size = bias ? l.bias_count : l.weight_count;
  return v;
}

ParamView Model::layer_weights(int layer) {
  return view(params_, layers_, layer, false);
}
ParamView Model::layer_bias(int layer) {
  return view(params_, layers_, layer, true);
}
ParamView Model::layer_weight_grads(int layer) {
  return view(grads_, layers_, layer, false);
}
ParamView Model::layer_bias_grads(int layer) {
  return view(grads_, layers_, layer, true);
}

const float* Model::activation(int layer) const {
  CNNLAB_ASSERT(allocated() && layer >= 0 && size_t(layer) < layers_.size(), "bad layer index");
  return buf_->act[size_t(layer)];
}

// =================================================================================================
// [SECTION] presets and the checks of user-given models
// =================================================================================================
void check_model_input(int h, int w, int c) {
  const std::string got = std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(c);
  if (c != 3)
    throw UserError(
        "", "input " + got + " has " + std::to_string(c) + " channels; images are fed as RGB (3)");
  if (h != w) throw UserError("", "input " + got + " is not square; images are resized to N x N");
  if (h < kMinImageSize || h > kMaxImageSize)
    throw UserError("", "image size " + std::to_string(h) + " is out of range",
                    "use " + std::to_string(kMinImageSize) + " to " +
                        std::to_string(kMaxImageSize) + " pixels (the course uses 299)");
}

void check_model(const Model& m) {
  CNNLAB_ASSERT(!m.layers().empty(), "check_model on an empty model");
  check_model_input(m.input_h(), m.input_w(), m.input_c());
  const LayerInfo& last = m.layers().back();
  if (last.kind != LayerKind::Dense || last.activation != Activation::Softmax)
    throw UserError("", "the model must end in a softmax Dense layer (its loss is cross-entropy)");
  if (m.num_classes() < kMinClasses || m.num_classes() > kMaxClasses)
    throw UserError("", "the model has " + std::to_string(m.num_classes()) + " classes; between " +
                            std::to_string(kMinClasses) + " and " + std::to_string(kMaxClasses) +
                            " are supported");
}

Model course_model(int image_size, int num_classes, int dense_units, int dense1_units) {
  Model m(image_size, image_size, 3);
  m.conv2d(32, 5, Activation::Relu, Padding::Same);
  m.maxpool2d(2);
  m.conv2d(64, 3, Activation::Relu, Padding::Same);
  m.maxpool2d(2);
  m.flatten();
  m.dense(dense_units, Activation::Relu);
  m.dense(dense1_units, Activation::Relu);
  m.dense(num_classes, Activation::Softmax);
  m.preset_name = "course";
  return m;
}

std::vector<std::string> preset_names() {
  return model_file_names();
}

// A preset is the file models/NAME.toml; a path (with '/' or ending in .toml) is read as is.
static std::string preset_path(const std::string& name) {
  const std::string path = model_file_path(name);
  std::error_code ec;
  if (path != name && !std::filesystem::is_regular_file(path, ec)) {
    std::string known;
    for (auto& p : preset_names()) known += (known.empty() ? "" : ", ") + p;
    throw UserError("", "unknown model preset '" + name + "' (no " + path + ")",
                    "known presets: " + known + "; or give a model file's path");
  }
  return path;
}

Model build_preset(const std::string& name, int image_size, int num_classes) {
  check_model_input(image_size, image_size, 3);
  if (num_classes < kMinClasses || num_classes > kMaxClasses)
    throw UserError("",
                    "model '" + name + "' needs between " + std::to_string(kMinClasses) + " and " +
                        std::to_string(kMaxClasses) + " classes",
                    "got " + std::to_string(num_classes) + " classes");
  return load_model_file(preset_path(name), image_size, num_classes);
}

void check_preset(const std::string& name, int image_size) {
  check_model_input(image_size, image_size, 3);
  (void)load_model_file(preset_path(name), image_size, -1);
}

}  // namespace cnnlab
