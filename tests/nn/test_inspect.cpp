// tests/nn/test_inspect.cpp — one output value's arithmetic (nn/inspect.h): a hand-worked conv
// pixel with padding, and for every layer kind the arithmetic's result equals the engine's
// activation.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/rng.h"
#include "nn/inspect.h"
#include "nn/model.h"

using namespace cnnlab;

namespace {

std::vector<float> random_input(const Model& m, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> x(size_t(m.input_h()) * m.input_w() * m.input_c());
  for (float& v : x) v = rng.uniform(-1.0f, 1.0f);
  return x;
}

// |a − b| within 1e-5 of b, or of `scale` when the sum cancels (the engine sums in float: its
// rounding grows with the terms' size, not with their sum's).
bool close(float a, float b, double scale = 1e-3) {
  return std::fabs(a - b) <= 1e-5 * std::max(double(std::fabs(b)), scale);
}

// Σ |term| + |rest| + |bias|: the size of what was summed.
double term_scale(const OutputArithmetic& a) {
  double s = std::fabs(a.rest) + std::fabs(a.bias);
  for (const InspectTerm& t : a.terms) s += std::fabs(t.value);
  return std::max(s, 1e-3);
}

// Checks the arithmetic of output (y, x, c) of `layer` against the engine; returns false on a miss.
bool agrees(const Model& m, int layer, int y, int x, int c) {
  OutputArithmetic a = inspect_output(m, layer, y, x, c, 4);
  // Terms and the rest add up to the sum (bias included) for the summing kinds.
  if (a.kind == LayerKind::Conv2D || a.kind == LayerKind::Dense) {
    double s = a.bias + a.rest;
    for (const InspectTerm& t : a.terms) s += t.value;
    CHECK(s == doctest::Approx(a.sum).epsilon(1e-9));
  }
  if (!close(a.result, a.engine, term_scale(a))) {
    MESSAGE(a.layer << " (" << y << ", " << x << ", " << c << "): " << a.result << " vs engine "
                    << a.engine);
    return false;
  }
  return true;
}

// Every output of every layer (after layer 0) agrees with the engine.
int misses_everywhere(const Model& m) {
  int misses = 0;
  for (size_t i = 1; i < m.layers().size(); ++i) {
    const LayerInfo& l = m.layers()[i];
    for (int y = 0; y < l.out_h; ++y)
      for (int x = 0; x < l.out_w; ++x)
        for (int c = 0; c < l.out_c; ++c) misses += agrees(m, int(i), y, x, c) ? 0 : 1;
  }
  return misses;
}

}  // namespace

TEST_CASE("inspect: a hand-worked 3x3 conv pixel at a corner, with same padding and ReLU") {
  Model m(3, 3, 1);
  m.conv2d(1, 3, Activation::Relu, Padding::Same).flatten().dense(2, Activation::Softmax);
  m.allocate(1, false);
  m.init(1);
  // kernel rows (1 2 3 / 4 5 6 / 7 8 9), bias −10; input rows (1 2 3 / 4 5 6 / 7 8 9).
  ParamView w = m.layer_weights(1), b = m.layer_bias(1);
  for (int i = 0; i < 9; ++i) w.data[i] = float(i + 1);
  b.data[0] = -10;
  std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  m.forward(x.data(), 1);
  // Output (0, 0): the window starts at input (−1, −1); its first row and column are padding.
  // Σ = 5·1 + 6·2 + 8·4 + 9·5 = 94; + bias −10 = 84; ReLU 84.
  OutputArithmetic a = inspect_output(m, 1, 0, 0, 0);
  CHECK(a.in_y0 == -1);
  CHECK(a.in_x0 == -1);
  CHECK(a.padded == std::vector<uint8_t>{1, 1, 1, 1, 0, 0, 1, 0, 0});
  CHECK(a.window == std::vector<float>{0, 0, 0, 0, 1, 2, 0, 4, 5});
  CHECK(a.kernel == std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9});
  REQUIRE(a.terms.size() == 1);
  CHECK(a.terms[0].value == 94.0);
  CHECK(a.bias == -10.0);
  CHECK(a.sum == 84.0);
  CHECK(a.result == 84.0f);
  CHECK(a.engine == 84.0f);
  // Bias −100: the sum is negative and the ReLU gives 0.
  b.data[0] = -100;
  m.forward(x.data(), 1);
  a = inspect_output(m, 1, 0, 0, 0);
  CHECK(a.sum == -6.0);
  CHECK(a.result == 0.0f);
  CHECK(a.engine == 0.0f);
}

TEST_CASE("inspect: max pool window and argmax, dense top terms and the rest, softmax") {
  Model m(4, 4, 1);
  m.maxpool2d(2).flatten().dense(3, Activation::Softmax);
  m.allocate(1, false);
  m.init(2);
  std::vector<float> x = {1, 7, 2, 0, 3, 4, 9, 1, 0, 0, 0, 0, 5, 0, 0, -1};
  m.forward(x.data(), 1);
  OutputArithmetic p = inspect_output(m, 1, 0, 1, 0);
  CHECK(p.window == std::vector<float>{2, 0, 9, 1});
  CHECK(p.arg == 2);
  CHECK(p.result == 9.0f);
  CHECK(p.engine == 9.0f);
  OutputArithmetic d = inspect_output(m, 3, 0, 0, 2, 2);
  CHECK(d.terms.size() == 2);
  CHECK(d.rest_count == 2);
  CHECK(std::fabs(d.terms[0].value) >= std::fabs(d.terms[1].value));
  REQUIRE(d.probs.size() == 3);
  double total = d.probs[0] + d.probs[1] + d.probs[2];
  CHECK(total == doctest::Approx(1.0));
  for (int u = 0; u < 3; ++u) CHECK(close(d.probs[size_t(u)], m.activation(3)[u]));
  CHECK(close(d.result, d.engine));
}

TEST_CASE("inspect: every output of every layer kind equals the engine's activation") {
  Model m(7, 7, 3);
  m.conv2d(4, 3, Activation::Relu, Padding::Same)
      .batch_norm()
      .conv2d(5, 3, Activation::Relu, Padding::Valid, 2)
      .avg_pool2d(2, 1, Padding::Same)
      .maxpool2d(2, 1)
      .dropout(0.5f)
      .flatten()
      .dense(6, Activation::Relu)
      .dense(3, Activation::Softmax);
  m.allocate(1, false);
  m.init(11);
  // BatchNorm's moving statistics away from (0, 1), so its arithmetic matters.
  float* state = m.params() + m.layers()[2].state_offset;
  for (int c = 0; c < 4; ++c) state[c] = 0.1f * float(c), state[4 + c] = 0.5f + 0.25f * float(c);
  std::vector<float> x = random_input(m, 5);
  m.forward(x.data(), 1);
  CHECK(misses_everywhere(m) == 0);

  Model g(6, 6, 2);
  g.conv2d(3, 5).global_avg_pool2d().dense(2, Activation::Softmax);
  g.allocate(1, false);
  g.init(4);
  x = random_input(g, 6);
  g.forward(x.data(), 1);
  CHECK(misses_everywhere(g) == 0);
}

TEST_CASE("inspect: the tiny and small presets, spot pixels at the borders and inside") {
  for (const char* preset : {"tiny", "small"}) {
    Model m = build_preset(preset, preset[0] == 't' ? 16 : 32, 3);
    m.allocate(1, false);
    m.init(9);
    std::vector<float> x = random_input(m, 3);
    m.forward(x.data(), 1);
    int misses = 0;
    for (size_t i = 1; i < m.layers().size(); ++i) {
      const LayerInfo& l = m.layers()[i];
      const int ys[] = {0, l.out_h / 2, l.out_h - 1}, xs[] = {0, l.out_w / 3, l.out_w - 1};
      for (int y : ys)
        for (int xx : xs)
          for (int c : {0, l.out_c - 1}) misses += agrees(m, int(i), y, xx, c) ? 0 : 1;
    }
    CHECK_MESSAGE(misses == 0, preset);
  }
}

TEST_CASE("inspect: a conv pixel with 32 input channels lists the top channels and sums the rest") {
  Model m(5, 5, 32);
  m.conv2d(2, 3).flatten().dense(2, Activation::Softmax);
  m.allocate(1, false);
  m.init(3);
  std::vector<float> x = random_input(m, 8);
  m.forward(x.data(), 1);
  OutputArithmetic a = inspect_output(m, 1, 4, 4, 1, 6);
  CHECK(a.window.size() == size_t(3 * 3 * 32));
  CHECK(a.terms.size() == 6);
  CHECK(a.rest_count == 26);
  CHECK(a.padded == std::vector<uint8_t>{0, 0, 1, 0, 0, 1, 1, 1, 1});
  CHECK(close(a.result, a.engine));
}

TEST_CASE("inspect: clamped window (the photo filter) repeats the edge") {
  // 2×3 image, 2 channels interleaved; channel 1 holds 10·(row) + col.
  std::vector<float> img = {0, 0, 0, 1, 0, 2, 0, 10, 0, 11, 0, 12};
  std::vector<float> k = {0, 0, 0, 0, 1, 1, 0, 0, 1};  // centre + right + bottom-right
  ClampedWindow cw = clamped_window_sum(img.data(), 2, 3, 2, 1, k.data(), 3, 1, 2);
  // Window rows y 0..2 (2 clamps to 1), cols x 1..3 (3 clamps to 2):
  // (1 2 2 / 11 12 12 / 11 12 12); sum = 12 + 12 + 12 = 36.
  CHECK(cw.values == std::vector<float>{1, 2, 2, 11, 12, 12, 11, 12, 12});
  CHECK(cw.clamped == std::vector<uint8_t>{0, 0, 1, 0, 0, 1, 1, 1, 1});
  CHECK(cw.sum == 36.0);
}

TEST_CASE("inspect: the tape of a conv pixel, a pool window and a softmax unit") {
  Model m(3, 3, 1);
  m.conv2d(1, 3, Activation::Relu, Padding::Same).flatten().dense(2, Activation::Softmax);
  m.allocate(1, false);
  m.init(1);
  ParamView w = m.layer_weights(1), b = m.layer_bias(1);
  for (int i = 0; i < 9; ++i) w.data[i] = float(i + 1);
  b.data[0] = -100;
  std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  m.forward(x.data(), 1);
  std::vector<std::string> tape = arithmetic_tape(inspect_output(m, 1, 0, 0, 0));
  CHECK(tape ==
        std::vector<std::string>{"per channel, Σ of 9 window·kernel products:", "  ch 0 = 94",
                                 "Σ + bias = 94 + (−100) = −6", "ReLU(−6) = 0"});
  CHECK(window_products(inspect_output(m, 1, 0, 0, 0), 0, 5) ==
        "0·1 + 0·2 + 0·3 + 0·4 + 1·5 + … (9 products)");
  OutputArithmetic s = inspect_output(m, 3, 0, 0, 1);
  tape = arithmetic_tape(s, {"cats", "dogs"});
  REQUIRE(tape.size() >= 3);
  CHECK(tape[tape.size() - 2].rfind("▶ dogs: z = ", 0) == 0);
  CHECK(tape.back() == "softmax: e^z / Σ e^z = " + tape_number(s.result));

  Model p(2, 2, 1);
  p.maxpool2d(2).flatten().dense(2, Activation::Softmax);
  p.allocate(1, false);
  p.init(1);
  std::vector<float> px = {0.5f, -2, 3.25f, 1};
  p.forward(px.data(), 1);
  CHECK(arithmetic_tape(inspect_output(p, 1, 0, 0, 0)) ==
        std::vector<std::string>{"max(0.5, −2, 3.25, 1) = 3.25"});
}
