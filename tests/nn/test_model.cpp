// tests/nn/test_model.cpp — the Sequential model: Keras summary text, parameter arithmetic, memory
// plan, whole-model gradient check, learning, a loss trajectory and safetensors round trips.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "nn/model.h"
#include "nn/serialize.h"

using namespace cnnlab;

namespace {

const char* kCourseSummary =
    "Model: \"sequential\"\n"
    "_________________________________________________________________\n"
    " Layer (type)                Output Shape              Param #   \n"
    "=================================================================\n"
    " conv2d (Conv2D)             (None, 299, 299, 32)      2432      \n"
    "                                                                 \n"
    " max_pooling2d (MaxPooling2D  (None, 149, 149, 32)     0         \n"
    " )                                                               \n"
    "                                                                 \n"
    " conv2d_1 (Conv2D)           (None, 149, 149, 64)      18496     \n"
    "                                                                 \n"
    " max_pooling2d_1 (MaxPooling  (None, 74, 74, 64)       0         \n"
    " 2D)                                                             \n"
    "                                                                 \n"
    " flatten (Flatten)           (None, 350464)            0         \n"
    "                                                                 \n"
    " dense (Dense)               (None, 1000)              350465000 \n"
    "                                                                 \n"
    " dense_1 (Dense)             (None, 100)               100100    \n"
    "                                                                 \n"
    " dense_2 (Dense)             (None, 5)                 505       \n"
    "                                                                 \n"
    "=================================================================\n"
    "Total params: 350,586,533\n"
    "Trainable params: 350,586,533\n"
    "Non-trainable params: 0\n"
    "_________________________________________________________________\n";

std::vector<float> random_images(int n, int h, int w, int c, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> x(size_t(n) * h * w * c);
  for (float& v : x) v = rng.uniform();
  return x;
}

// A model small enough for central differences over every parameter: odd input, same + valid,
// stride 2, a pool that does not tile its input, two dense layers.
Model gradcheck_model() {
  Model m(9, 7, 2);
  m.conv2d(3, 3, Activation::Relu, Padding::Same, 1);   // 9x7x3
  m.maxpool2d(2);                                       // 4x3x3 (floor)
  m.conv2d(4, 2, Activation::Relu, Padding::Valid, 2);  // 2x1x4
  m.flatten();                                          // 8
  m.dense(6, Activation::Relu);
  m.dense(3, Activation::Softmax);
  return m;
}

// Per process, so concurrent runs of the suite (ctest -j, two checkouts) do not share files.
std::string temp_path(const char* name) {
  return (std::filesystem::temp_directory_path() /
          ("cnnlab_test_nn_" + std::to_string(getpid()) + "_" + name))
      .string();
}

}  // namespace

// -------------------------------------------------------------------------------------------------
TEST_CASE("summary_table is Keras's model.summary() for the course model, byte for byte") {
  Model m = course_model();
  CHECK(m.num_params() == 350586533u);
  CHECK(m.summary_table() == std::string(kCourseSummary));
  const auto& L = m.layers();
  REQUIRE(L.size() == 9);
  const char* names[] = {"input_1", "conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1",
                         "flatten", "dense",  "dense_1",       "dense_2"};
  const size_t params[] = {0, 2432, 0, 18496, 0, 0, 350465000, 100100, 505};
  for (size_t i = 0; i < L.size(); ++i) {
    CHECK(L[i].name == names[i]);
    CHECK(L[i].num_params() == params[i]);
  }
  CHECK(L[5].out_c == 350464);
  CHECK(m.num_classes() == 5);
}

TEST_CASE("course model at 64x64: flatten 16*16*64 = 16384, dense 16,385,000") {
  Model m = course_model(64, 5);
  CHECK(m.layers()[5].out_c == 16384);
  CHECK(m.layers()[6].num_params() == 16385000u);  // 16384*1000 + 1000
  // 2432 + 18496 + 16385000 + 100100 + 505
  CHECK(m.num_params() == 16506533u);
  CHECK(m.summary_table().find("Total params: 16,506,533\n") != std::string::npos);
}

TEST_CASE("memory estimate of the course model at batch 32") {
  Model m = course_model();
  MemoryEstimate e = m.estimate_memory(32);
  CHECK(e.params == 350586533u * 4);
  CHECK(e.grads == e.params);
  CHECK(e.adam == 2 * e.params);
  // Both convs are computed with the pool above them (conv2d_pool_forward): each keeps one sample's
  // output; each pool keeps its output and a byte per output (the max's window offset).
  // Per sample, floats: input 268,203 + pool 710,432 + pool 350,464 + dense 1000 + 100 + 5 (probs)
  // + 5 (logits) = 1,330,209, and the gradient ping-pong, replayed from the top: logits' 5 in A,
  // dense_2's input 100 in B, dense_1's 1000 in A, dense's 350,464 in B, max_pooling2d_1 handed
  // to conv2d_1, whose input 710,432 goes in A, max_pooling2d to conv2d, the first layer: no input
  // gradient. A = 710,432, B = 350,464: 1,060,896. Per sample bytes: offsets 710,432 + 350,464.
  // Once, floats: conv2d 2,860,832 + conv2d_1 1,420,864 = 4,281,696.
  const size_t per_sample = (1330209u + 1060896u) * 4u + 1060896u;  // 10,624,316 bytes
  CHECK(e.activations == per_sample * 32u + 4281696u * 4u);
  CHECK(e.activations == 357136896u);  // was 1,586,491,520 with the conv outputs stored
  // Inference: no gradient ping-pong.
  CHECK(m.estimate_memory(32, false).activations == e.activations - 1060896u * 32u * 4u);
  CHECK(e.total() > e.params * 4);
}

TEST_CASE("memory estimate: a pool with windows over 256 cells stays apart from its conv") {
  // 40x40x3 -> conv 8@3x3 same (40x40x8) -> max pool 20 (2x2x8, int32 argmax) -> flatten 32
  // -> dense 4 (softmax). Per sample floats: input 4800 + conv 12800 + pool 32 + argmax 32 + probs
  // 4 + logits 4 = 17,672; ping-pong: logits 4 in A, dense's input 32 in B, the pool's input 12,800
  // in A (the conv is the first layer: none below it).
  Model m(40, 40, 3);
  m.conv2d(8, 3).maxpool2d(20).flatten().dense(4, Activation::Softmax);
  CHECK(m.estimate_memory(2).activations == (17672u + 12800u + 32u) * 2u * 4u);
}

TEST_CASE("presets: names, small at 64x64, unknown name is a user error") {
  CHECK(preset_names().size() >= 2);
  Model s = build_preset("small", 64, 3);
  CHECK(s.preset_name == "small");
  CHECK(s.num_classes() == 3);
  CHECK(s.layers()[5].out_c == 16 * 16 * 16);
  CHECK_THROWS_AS(build_preset("nope", 64, 3), UserError);
}

// -------------------------------------------------------------------------------------------------
TEST_CASE("whole model forward_backward matches central differences for every parameter") {
  Model m = gradcheck_model();
  m.allocate(3);
  m.init(7);
  // Biases are zero after init; give them values so their gradients are exercised too.
  Rng rng(5);
  for (size_t i = 1; i < m.layers().size(); ++i)
    if (m.layers()[i].bias_count) {
      ParamView b = m.layer_bias(int(i));
      for (size_t k = 0; k < b.size; ++k) b.data[k] = rng.uniform(-0.1f, 0.1f);
    }
  auto x = random_images(3, 9, 7, 2, 11);
  std::vector<int> y = {0, 2, 1};
  m.forward_backward(x.data(), y.data(), 3);
  std::vector<float> analytic(m.grads(), m.grads() + m.num_params());
  float* p = m.params();
  const float eps = 1e-3f;  // small: a larger step flips max-pool choices and ReLUs
  int bad = 0;
  for (size_t i = 0; i < m.num_params(); ++i) {
    const float keep = p[i];
    p[i] = keep + eps;
    const double lp = m.forward(x.data(), 3, nullptr, y.data());
    p[i] = keep - eps;
    const double lm = m.forward(x.data(), 3, nullptr, y.data());
    p[i] = keep;
    const double num = (lp - lm) / (2 * eps);
    if (std::abs(num - analytic[i]) > 1e-3 + 2e-2 * std::abs(analytic[i])) {
      if (bad++ < 5) MESSAGE("param " << i << ": numeric " << num << " analytic " << analytic[i]);
    }
  }
  CHECK(bad == 0);
  // forward_backward does not touch the weights; train_step does.
  std::vector<float> before(p, p + m.num_params());
  float loss = m.train_step(x.data(), y.data(), 3);
  CHECK(std::isfinite(loss));
  CHECK(m.adam_step() == 1);
  CHECK(std::vector<float>(p, p + m.num_params()) != before);
}

// conv→relu→pool twice, then dense: both convs are computed with their pools (conv2d_pool_*),
// the second one's input gradient formed from the pool's gradient. Odd sizes: the floor crops.
Model pooled_model(float dropout_between) {
  Model m(11, 9, 2);
  m.conv2d(8, 3, Activation::Relu, Padding::Same, 1);  // 11x9x8
  if (dropout_between >= 0) m.dropout(dropout_between);
  m.maxpool2d(2);                                       // 5x4x8
  m.conv2d(16, 2, Activation::Relu, Padding::Same, 1);  // 5x4x16
  if (dropout_between >= 0) m.dropout(dropout_between);
  m.maxpool2d(2);  // 2x2x16
  m.flatten();     // 64
  m.dense(5, Activation::Relu);
  m.dense(3, Activation::Softmax);
  return m;
}

TEST_CASE("conv-relu-pool-conv-relu-pool-dense: forward_backward matches central differences") {
  Model m = pooled_model(-1);
  m.allocate(3);
  m.init(9);
  Rng rng(4);
  for (size_t i = 1; i < m.layers().size(); ++i)
    if (m.layers()[i].bias_count) {
      ParamView b = m.layer_bias(int(i));
      for (size_t k = 0; k < b.size; ++k) b.data[k] = rng.uniform(-0.1f, 0.1f);
    }
  auto x = random_images(3, 11, 9, 2, 12);
  std::vector<int> y = {2, 0, 1};
  m.forward_backward(x.data(), y.data(), 3);
  std::vector<float> analytic(m.grads(), m.grads() + m.num_params());
  float* p = m.params();
  const float eps = 3e-4f;  // 1e-3 moves two pool maxima of this model (kinks, not errors)
  int bad = 0, nonzero = 0;
  for (size_t i = 0; i < m.num_params(); ++i) {
    const float keep = p[i];
    p[i] = keep + eps;
    const double lp = m.forward(x.data(), 3, nullptr, y.data());
    p[i] = keep - eps;
    const double lm = m.forward(x.data(), 3, nullptr, y.data());
    p[i] = keep;
    const double num = (lp - lm) / (2 * eps);
    nonzero += analytic[i] != 0.0f;
    if (std::abs(num - analytic[i]) > 1e-3 + 2e-2 * std::abs(analytic[i]))
      if (bad++ < 5) MESSAGE("param " << i << ": numeric " << num << " analytic " << analytic[i]);
  }
  CHECK(bad == 0);
  CHECK(nonzero > int(m.num_params()) / 2);  // the check is not passing on zeros
}

TEST_CASE(
    "conv+pool pairs train bit for bit as the separate layers (a Dropout(0) keeps them apart)") {
  // Dropout(0) is the identity with a gradient of 1, so the second model runs conv2d_forward,
  // maxpool2d_forward, their backward and a stored conv output; Cout 8 and 16 take the register
  // GEMM kernels, which round a pixel alike wherever it sits in a block.
  Model fused = pooled_model(-1), apart = pooled_model(0);
  for (Model* m : {&fused, &apart}) {
    m->allocate(4);
    m->init(21);
  }
  auto x = random_images(4, 11, 9, 2, 22);
  std::vector<int> y = {0, 1, 2, 1};
  std::vector<float> pf(4 * 3), pa(4 * 3);
  for (int step = 0; step < 3; ++step) {
    CHECK(fused.train_step(x.data(), y.data(), 4, pf.data()) ==
          apart.train_step(x.data(), y.data(), 4, pa.data()));
    CHECK(pf == pa);
  }
  CHECK(std::vector<float>(fused.params(), fused.params() + fused.num_params()) ==
        std::vector<float>(apart.params(), apart.params() + apart.num_params()));
  // The fused conv kept sample 0's output: the same maps as the stored one.
  const size_t maps = fused.layers()[1].out_size();
  CHECK(std::vector<float>(fused.activation(1), fused.activation(1) + maps) ==
        std::vector<float>(apart.activation(1), apart.activation(1) + maps));
  CHECK(std::memcmp(fused.activation(2), apart.activation(3),
                    sizeof(float) * 4 * fused.layers()[2].out_size()) == 0);  // the pool
  // The plan: the fused model holds neither conv output for the batch nor its gradient.
  CHECK(fused.estimate_memory(4).activations < apart.estimate_memory(4).activations);
}

TEST_CASE(
    "a conv under a pool keeps sample 0's maps: the probe's forward of one image shows them") {
  Model m = pooled_model(-1);
  m.allocate(3);
  m.init(5);
  auto x = random_images(3, 11, 9, 2, 6);
  m.forward(x.data(), 3);
  const size_t maps = m.layers()[3].out_size();  // conv2d_1 (5x4x16)
  std::vector<float> batch(m.activation(3), m.activation(3) + maps);
  m.forward(x.data(), 1);
  CHECK(std::vector<float>(m.activation(3), m.activation(3) + maps) == batch);
  float most = 0;
  for (float v : batch) most = std::max(most, v);
  CHECK(most > 0);  // ReLU maps, not a zeroed buffer
}

TEST_CASE("init: Glorot-uniform limits, zero biases, same seed same weights") {
  Model a = gradcheck_model(), b = gradcheck_model();
  a.allocate(1), b.allocate(1);
  a.init(3), b.init(3);
  CHECK(std::vector<float>(a.params(), a.params() + a.num_params()) ==
        std::vector<float>(b.params(), b.params() + b.num_params()));
  ParamView w = a.layer_weights(1);  // conv 3x3x2x3: limit sqrt(6/(18+27)) = 0.3651
  CHECK(w.shape == std::vector<int>{3, 3, 2, 3});
  float mx = 0;
  for (size_t k = 0; k < w.size; ++k) mx = std::max(mx, std::abs(w.data[k]));
  CHECK(mx <= std::sqrt(6.0f / 45.0f));
  CHECK(mx > 0.25f);
  ParamView bias = a.layer_bias(1);
  for (size_t k = 0; k < bias.size; ++k) CHECK(bias.data[k] == 0.0f);
  CHECK(a.layer_weights(5).shape == std::vector<int>{8, 6});
}

TEST_CASE("activations: layer outputs of the last forward, flatten aliases, probs sum to 1") {
  Model m = gradcheck_model();
  m.allocate(2);
  m.init(1);
  auto x = random_images(2, 9, 7, 2, 3);
  std::vector<float> probs(2 * 3);
  m.forward(x.data(), 2, probs.data());
  CHECK(m.last_batch() == 2);
  CHECK(std::vector<float>(m.activation(0), m.activation(0) + x.size()) == x);
  CHECK(m.activation(4) == m.activation(3));
  const float* p = m.activation(6);
  for (int i = 0; i < 2; ++i)
    CHECK(p[3 * i] + p[3 * i + 1] + p[3 * i + 2] == doctest::Approx(1.0f));
  CHECK(std::vector<float>(p, p + 6) == probs);
  // Batches larger than max_batch run in chunks with the same results.
  auto x5 = random_images(5, 9, 7, 2, 4);
  std::vector<float> p5(15), p1(3);
  std::vector<int> y5 = {0, 1, 2, 0, 1};
  const float loss5 = m.forward(x5.data(), 5, p5.data(), y5.data());
  double sum = 0;
  for (int i = 0; i < 5; ++i) {
    sum += m.forward(x5.data() + size_t(i) * 9 * 7 * 2, 1, p1.data(), &y5[size_t(i)]);
    CHECK(p1[0] == doctest::Approx(p5[size_t(3 * i)]).epsilon(1e-5));
  }
  CHECK(loss5 == doctest::Approx(sum / 5).epsilon(1e-5));
}

// -------------------------------------------------------------------------------------------------
// Synthetic set: 12x12 grey images, class 0 bright on the left half, class 1 on the right.
TEST_CASE("learning: a small CNN separates bright-left from bright-right within a few steps") {
  const int n = 64, hw = 12;
  Rng rng(9);
  std::vector<float> x(size_t(n) * hw * hw * 3);
  std::vector<int> y(n);
  for (int i = 0; i < n; ++i) {
    y[size_t(i)] = i % 2;
    for (int r = 0; r < hw; ++r)
      for (int c = 0; c < hw; ++c) {
        const bool bright = (c < hw / 2) == (y[size_t(i)] == 0);
        for (int ch = 0; ch < 3; ++ch)
          x[((size_t(i) * hw + r) * hw + c) * 3 + ch] =
              (bright ? 0.6f : 0.2f) + 0.3f * rng.uniform();
      }
  }
  Model m(hw, hw, 3);
  m.conv2d(4, 3).maxpool2d(2).flatten().dense(16).dense(2, Activation::Softmax);
  m.allocate(16);
  m.init(42);
  m.adam.lr = 0.01f;
  std::vector<float> probs(size_t(n) * 2);
  for (int epoch = 0; epoch < 10; ++epoch)
    for (int b = 0; b < n; b += 16)
      m.train_step(x.data() + size_t(b) * hw * hw * 3, &y[size_t(b)], 16);
  const float loss = m.forward(x.data(), n, probs.data(), y.data());
  int correct = 0;
  for (int i = 0; i < n; ++i)
    correct += (probs[size_t(2 * i + 1)] > probs[size_t(2 * i)]) == (y[size_t(i)] == 1);
  CHECK(correct > n * 9 / 10);
  CHECK(loss < 0.3f);
}

// Reference numbers generated once by this code (after the gradient checks passed), 1 thread,
// seed 1234, tiny preset at 16x16, 3 classes, batch 6, Keras-default Adam. A change in any kernel,
// the init or Adam moves them.
TEST_CASE("loss trajectory of the tiny preset matches the checked-in reference") {
  const float reference[10] = {1.25525212f, 1.22205031f, 1.19213426f, 1.16553175f, 1.14108872f,
                               1.11849940f, 1.09740615f, 1.07842386f, 1.06107807f, 1.04509532f};
  Model m = build_preset("tiny", 16, 3);
  m.set_threads(1);
  m.allocate(6);
  m.init(1234);
  auto x = random_images(6, 16, 16, 3, 77);
  std::vector<int> y = {0, 1, 2, 2, 1, 0};
  std::vector<float> losses;
  for (int s = 0; s < 10; ++s) losses.push_back(m.train_step(x.data(), y.data(), 6));
  std::string got;
  for (float l : losses) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.8ff, ", double(l));
    got += buf;
  }
  INFO("trajectory: " << got);  // printed on failure, ready to paste
  for (int s = 0; s < 10; ++s)
    CHECK(losses[size_t(s)] == doctest::Approx(reference[s]).epsilon(1e-4));
}

TEST_CASE("results are deterministic for a given seed and thread count") {
  auto run = [](int threads) {
    Model m = build_preset("small", 24, 4);
    m.set_threads(threads);
    m.allocate(5);
    m.init(3);
    auto x = random_images(5, 24, 24, 3, 8);
    std::vector<int> y = {0, 1, 2, 3, 0};
    for (int s = 0; s < 3; ++s) m.train_step(x.data(), y.data(), 5);
    return std::vector<float>(m.params(), m.params() + m.num_params());
  };
  CHECK(run(2) == run(2));
  auto a = run(1), b = run(2);  // different thread counts agree to rounding
  {
    // More threads than allocate() planned scratch for: layers clamp to what the scratch holds.
    Model m = build_preset("small", 24, 4);
    m.set_threads(1);
    m.allocate(5);
    m.init(3);
    m.set_threads(4);
    auto x = random_images(5, 24, 24, 3, 8);
    std::vector<int> y = {0, 1, 2, 3, 0};
    for (int s = 0; s < 3; ++s) m.train_step(x.data(), y.data(), 5);
    double d = 0;
    for (size_t i = 0; i < a.size(); ++i) d = std::max(d, double(std::abs(a[i] - m.params()[i])));
    CHECK(d < 1e-4);
  }
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, double(std::abs(a[i] - b[i])));
  CHECK(worst < 1e-4);
}

TEST_CASE("train_step with the fused dense+Adam path equals forward_backward + adam_update") {
  auto make = [] {
    Model m(32, 32, 3);  // flatten 16*16*8 = 2048 -> dense 600: 1.2M weights, fused
    m.conv2d(8, 3).maxpool2d(2).flatten().dense(600).dense(3, Activation::Softmax);
    m.allocate(4);
    m.init(21);
    m.adam.lr = 0.01f;
    return m;
  };
  Model a = make(), b = make();
  auto x = random_images(4, 32, 32, 3, 31);
  std::vector<int> y = {0, 1, 2, 1};
  for (int s = 0; s < 3; ++s) {
    const float la = a.train_step(x.data(), y.data(), 4);
    const float lb = b.forward_backward(x.data(), y.data(), 4);
    b.adam_update();
    CHECK(la == doctest::Approx(lb).epsilon(1e-5));
  }
  CHECK(a.adam_step() == 3);
  double worst = 0;
  for (size_t i = 0; i < a.num_params(); ++i)
    worst = std::max(worst, double(std::abs(a.params()[i] - b.params()[i])));
  CHECK(worst < 1e-5);
}

// -------------------------------------------------------------------------------------------------
TEST_CASE("safetensors round trip keeps weights, config and metadata") {
  Model m = build_preset("small", 20, 4);
  m.allocate(2);
  m.init(5);
  const std::string path = temp_path("roundtrip.safetensors");
  save_safetensors(path, m, {{"classes", "a,b,c,d"}});
  LoadedModel l = load_safetensors(path, 3);
  CHECK(l.metadata.at("classes") == "a,b,c,d");
  CHECK(l.metadata.at("cnnlab.preset") == "small");
  CHECK(l.model.preset_name == "small");
  CHECK(l.model.max_batch() == 3);
  CHECK(l.model.summary_table() == m.summary_table());
  CHECK(std::vector<float>(l.model.params(), l.model.params() + l.model.num_params()) ==
        std::vector<float>(m.params(), m.params() + m.num_params()));
  // The header is what safetensors readers expect: 8-byte length, JSON, 8-byte aligned.
  std::ifstream f(path, std::ios::binary);
  uint64_t n = 0;
  f.read(reinterpret_cast<char*>(&n), 8);
  std::string header(n, ' ');
  f.read(header.data(), std::streamsize(n));
  CHECK(n % 8 == 0);
  CHECK(
      header.find(
          "\"conv2d/kernel\":{\"dtype\":\"F32\",\"shape\":[5,5,3,8],\"data_offsets\":[0,2400]}") !=
      std::string::npos);
  CHECK(std::filesystem::file_size(path) == 8 + n + m.num_params() * 4);
  std::filesystem::remove(path);
}

TEST_CASE("corrupt safetensors files are user errors naming the file") {
  Model m = build_preset("tiny", 12, 2);
  m.allocate(1);
  m.init(1);
  const std::string good = temp_path("good.safetensors"), bad = temp_path("bad.safetensors");
  save_safetensors(good, m);
  std::ifstream in(good, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto expect_error = [&](const std::string& content, const char* reason_part) {
    { std::ofstream(bad, std::ios::binary) << content; }
    try {
      load_safetensors(bad, 1);
      FAIL("no error for: " << reason_part);
    } catch (const UserError& e) {
      CHECK(e.path() == bad);
      CHECK_MESSAGE(e.reason().find(reason_part) != std::string::npos, e.what());
    }
  };
  expect_error(bytes.substr(0, bytes.size() - 10), "past the end");  // truncated data
  expect_error(bytes.substr(0, 5), "too short");
  std::string len = bytes;
  len[0] = char(0xff), len[1] = char(0xff), len[2] = char(0xff);  // header length too big
  expect_error(len, "bad header length");
  std::string shape = bytes;
  size_t at = shape.find("[3,3,3,4]");
  REQUIRE(at != std::string::npos);
  shape.replace(at, 9, "[3,3,3,5]");
  expect_error(shape, "bytes of data for its shape [3,3,3,5]");
  std::string json = bytes;
  json[8] = '[';
  expect_error(json, "does not start with '{'");
  json[8] = '{', json[9] = '[';
  expect_error(json, "not valid JSON");
  expect_error(std::string(8, '\0') + "{}", "bad header length");
  // A config the builder would refuse is a user error, not an abort: the tiny preset's conv made
  // softmax (so softmax comes before the last layer). Edit the header and fix its length prefix.
  auto edit_header = [&](const std::string& from, const std::string& to) {
    uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);
    std::string header = bytes.substr(8, n);
    size_t pos = header.find(from);
    REQUIRE(pos != std::string::npos);
    header.replace(pos, from.size(), to);
    uint64_t m = header.size();
    std::string out(reinterpret_cast<const char*>(&m), 8);
    return out + header + bytes.substr(8 + n);
  };
  const std::string relu = "\\\"activation\\\": \\\"relu\\\"";
  const std::string softmax = "\\\"activation\\\": \\\"softmax\\\"";
  expect_error(edit_header(relu, softmax), "Conv2D cannot use softmax");
  expect_error(edit_header("\\\"class\\\": \\\"Conv2D\\\"", "\\\"class\\\": \\\"Conv3D\\\""),
               "unknown layer class 'Conv3D'");
  CHECK_THROWS_AS(load_safetensors(temp_path("missing.safetensors"), 1), UserError);
  std::filesystem::remove(good);
  std::filesystem::remove(bad);
}

TEST_CASE("inference-only models and loading weights into an existing model") {
  Model m = build_preset("small", 20, 4);
  m.allocate(2);
  m.init(5);
  const std::string path = temp_path("weights.safetensors");
  save_safetensors(path, m, {{"epoch", "3"}});
  // Inference only: no grads or Adam moments, same predictions.
  LoadedModel inf = load_safetensors(path, 2, false);
  CHECK(!inf.model.trainable());
  CHECK(m.trainable());
  CHECK(inf.model.estimate_memory(2, false).total() < m.estimate_memory(2).total());
  auto x = random_images(2, 20, 20, 3, 1);
  std::vector<float> p1(8), p2(8);
  m.forward(x.data(), 2, p1.data());
  inf.model.forward(x.data(), 2, p2.data());
  CHECK(p1 == p2);
  // Into an existing model: weights replaced, metadata returned.
  Model other = build_preset("small", 20, 4);
  other.allocate(1);
  other.init(99);
  auto meta = load_safetensors_weights(path, other);
  CHECK(meta.at("epoch") == "3");
  CHECK(std::vector<float>(other.params(), other.params() + other.num_params()) ==
        std::vector<float>(m.params(), m.params() + m.num_params()));
  // A different model is refused with both descriptions.
  Model wrong = build_preset("small", 24, 4);
  wrong.allocate(1);
  try {
    load_safetensors_weights(path, wrong);
    FAIL("no error for a different model");
  } catch (const UserError& e) {
    CHECK(e.path() == path);
    CHECK(e.reason().find("20x20x3") != std::string::npos);
    CHECK(e.reason().find("24x24x3") != std::string::npos);
  }
  std::filesystem::remove(path);
}
