// tests/nn/test_explain.cpp — Model::backward_to against central differences, Grad-CAM against the
// hand-worked CAM case, the bilinear resize and colours, and Grad-CAM finding a trained-on patch.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/rng.h"
#include "gradcheck.h"
#include "nn/explain.h"
#include "nn/model.h"

using namespace cnnlab;
using cnnlab::test::check_grad;
using cnnlab::test::random_vec;

namespace {

// Σ_j d_j log p_j with Σ_j d_j = 0 equals Σ_j d_j logit_j (the log-sum-exp cancels): the logit
// score computed from the probabilities forward() returns.
double logit_score(Model& m, const std::vector<float>& x, const std::vector<float>& d) {
  std::vector<float> p(d.size());
  m.forward(x.data(), 1, p.data());
  double s = 0;
  for (size_t j = 0; j < d.size(); ++j) s += d[j] * std::log(double(p[j]));
  return s;
}

// The upper part of `a` (layers from..end) as a model of its own whose input is layer from-1's
// output: the finite-difference reference for a gradient w.r.t. that intermediate output.
void copy_params(Model& a, int from, Model& b) {
  for (size_t i = size_t(from), j = 1; i < a.layers().size(); ++i, ++j) {
    const LayerInfo& la = a.layers()[i];
    REQUIRE(la.num_params() == b.layers()[j].num_params());
    std::memcpy(b.params() + b.layers()[j].weight_offset, a.params() + la.weight_offset,
                sizeof(float) * la.num_params());
  }
}

void upper_layers(Model& m) {  // after a (4, 4, 4) map: conv, BatchNorm, Dropout, two Dense
  m.conv2d(5, 3, Activation::Relu, Padding::Same).batch_norm().dropout(0.5f).flatten();
  m.dense(6, Activation::Relu).dense(3, Activation::Softmax);
}

Model gradcheck_model() {  // (8, 8, 3) → conv (8, 8, 4) → pool (4, 4, 4) → upper_layers
  Model m(8, 8, 3);
  m.conv2d(4, 3, Activation::Relu, Padding::Same).maxpool2d(2);
  upper_layers(m);
  m.allocate(1, /*for_training=*/false);
  m.init(7);
  // BatchNorm's moving statistics away from the identity, so its backward is exercised.
  const LayerInfo& bn = m.layers()[4];
  Rng rng(3);
  for (size_t k = 0; k < bn.num_params(); ++k)
    m.params()[bn.weight_offset + k] = rng.uniform(0.5f, 1.5f);
  return m;
}

}  // namespace

TEST_CASE("backward_to: the input gradient of a logit matches central differences") {
  Model m = gradcheck_model();
  std::vector<float> x = random_vec(8 * 8 * 3, 11, 0.0f, 1.0f);
  std::vector<float> d = {-1.0f / 3, 2.0f / 3, -1.0f / 3};  // class 1's logit, Σ d = 0
  std::vector<float> params(m.params(), m.params() + m.num_params());
  std::vector<float> probs(3);
  m.forward(x.data(), 1, probs.data());
  std::vector<float> dx(x.size());
  m.backward_to(0, d.data(), dx.data());
  // Parameters untouched; an inference-only model has no grads() to touch.
  CHECK(std::equal(params.begin(), params.end(), m.params()));
  CHECK(!m.trainable());
  check_grad(
      "d logit / d x", x, dx, [&] { return logit_score(m, x, d); }, 1e-3f);
}

TEST_CASE("backward_to: gradients w.r.t. a pool's and a conv's output match central differences") {
  Model m = gradcheck_model();
  std::vector<float> x = random_vec(8 * 8 * 3, 12, 0.0f, 1.0f);
  std::vector<float> d = {2.0f / 3, -1.0f / 3, -1.0f / 3};
  std::vector<float> probs(3);
  SUBCASE("the pool's output (layer 2), post-pool") {
    m.forward(x.data(), 1, probs.data());
    std::vector<float> a(m.activation(2), m.activation(2) + 4 * 4 * 4), da(a.size());
    m.backward_to(2, d.data(), da.data());
    Model up(4, 4, 4);
    upper_layers(up);
    up.allocate(1, false);
    copy_params(m, 3, up);
    check_grad(
        "d logit / d pool", a, da, [&] { return logit_score(up, a, d); }, 1e-3f);
  }
  SUBCASE("the conv's output (layer 1), post-ReLU, under the pool") {
    m.forward(x.data(), 1, probs.data());
    std::vector<float> a(m.activation(1), m.activation(1) + 8 * 8 * 4), da(a.size());
    m.backward_to(1, d.data(), da.data());
    Model up(8, 8, 4);
    up.maxpool2d(2);
    upper_layers(up);
    up.allocate(1, false);
    copy_params(m, 2, up);
    // Checked where a > 0: a window of ReLU zeros is a tie the pool breaks by index, which a
    // central difference cannot see (it gives half). The gradient at a = 0 is not masked by the
    // conv's own ReLU, though: the pool's winner gets it.
    std::vector<size_t> live;
    std::vector<float> sub, dsub;
    for (size_t k = 0; k < a.size(); ++k)
      if (a[k] > 0) live.push_back(k), sub.push_back(a[k]), dsub.push_back(da[k]);
    REQUIRE(live.size() > 64);
    auto score = [&] {
      std::vector<float> full = a;
      for (size_t k = 0; k < live.size(); ++k) full[live[k]] = sub[k];
      return logit_score(up, full, d);
    };
    check_grad("d logit / d conv", sub, dsub, score, 1e-3f);
    // The whole gradient w.r.t. the conv's output is the pool's backward of the one above.
    std::vector<float> da_pool(4 * 4 * 4);
    m.forward(x.data(), 1, probs.data());
    m.backward_to(2, d.data(), da_pool.data());
    double sum_conv = 0, sum_pool = 0;
    for (float g : da) sum_conv += g;
    for (float g : da_pool) sum_pool += g;
    CHECK(sum_conv == doctest::Approx(sum_pool));
  }
}

TEST_CASE("backward_to leaves a training model's gradients and Adam state alone") {
  Model m(8, 8, 3);
  m.conv2d(2, 3).maxpool2d(2).flatten().dense(2, Activation::Softmax);
  m.allocate(1);
  m.init(5);
  std::vector<float> x = random_vec(8 * 8 * 3, 13);
  int y = 1;
  m.forward_backward(x.data(), &y, 1);
  std::vector<float> grads(m.grads(), m.grads() + m.num_params());
  m.forward(x.data(), 1);
  std::vector<float> d = {1, 0}, dx(x.size());
  m.backward_to(0, d.data(), dx.data());
  CHECK(std::equal(grads.begin(), grads.end(), m.grads()));
  CHECK(m.adam_step() == 0);
}

// One 1×1 linear conv, global average pooling and a dense layer: ∂y_c/∂A_k(i,j) = W[k,c] / HW,
// so α_k = W[k,c] / HW and Grad-CAM is the class activation map ReLU(Σ_k W[k,c] A_k) / HW (Zhou
// et al. 2016; Selvaraju et al.'s section 3.1).
TEST_CASE("Grad-CAM on conv → global average pool → dense is the class activation map") {
  Model m(4, 4, 3);
  m.conv2d(2, 1, Activation::None).global_avg_pool2d().dense(2, Activation::Softmax);
  m.allocate(1, false);
  m.init(9);
  std::vector<float> x = random_vec(4 * 4 * 3, 14);
  const float* W = m.params() + m.layers()[3].weight_offset;  // dense kernel (2, 2)
  for (int cls = 0; cls < 2; ++cls) {
    Explanation e = explain_image(m, x.data(), cls, ExplainMethod::GradCam);
    REQUIRE(e.layer == 1);
    REQUIRE(e.map_h == 4);
    REQUIRE(e.coarse.size() == 16);
    const float* A = m.activation(1);
    float most = 0;
    for (int p = 0; p < 16; ++p) {
      const float cam = std::max(0.0f, (W[0 * 2 + cls] * A[p * 2] + W[1 * 2 + cls] * A[p * 2 + 1]));
      CHECK(e.coarse[size_t(p)] == doctest::Approx(cam / 16).epsilon(1e-5));
      most = std::max(most, cam);
    }
    // Same size as the input: the heat is the CAM over its maximum.
    for (int p = 0; p < 16; ++p)
      if (most > 0) CHECK(e.heat[size_t(p)] * most == doctest::Approx(e.coarse[size_t(p)] * 16));
  }
}

TEST_CASE("explain_image: auto class is the prediction; saliency is max |d logit / dx| over RGB") {
  Model m = gradcheck_model();
  std::vector<float> x = random_vec(8 * 8 * 3, 15, 0.0f, 1.0f);
  Explanation e = explain_image(m, x.data(), -1, ExplainMethod::Saliency);
  CHECK(e.cls == e.predicted);
  CHECK(e.predicted == int(std::max_element(e.probs.begin(), e.probs.end()) - e.probs.begin()));
  std::vector<float> d(3, 0.0f), dx(x.size());
  d[size_t(e.cls)] = 1;
  m.backward_to(0, d.data(), dx.data());
  float most = 0;
  for (float g : dx) most = std::max(most, std::abs(g));
  REQUIRE(most > 0);
  for (int p = 0; p < 64; ++p) {
    const float s =
        std::max({std::abs(dx[p * 3]), std::abs(dx[p * 3 + 1]), std::abs(dx[p * 3 + 2])});
    CHECK(e.heat[size_t(p)] == doctest::Approx(s / most));
  }
}

// Half-pixel centres, 2×2 → 4×4: output x = 0..3 reads input x = −0.25 (clamped 0), 0.25, 0.75,
// 1.25 (clamped 1); rows likewise. Row 0: 0, 0.25, 0.75, 1; row 1 adds 0.25 · (2 − 0) = 0.5.
TEST_CASE("resize_bilinear: half-pixel centres, edges clamped") {
  const float in[4] = {0, 1, 2, 3};
  std::vector<float> out = resize_bilinear(in, 2, 2, 4, 4);
  const float want[16] = {0,    0.25f, 0.75f, 1,    0.5f, 0.75f, 1.25f, 1.5f,
                          1.5f, 1.75f, 2.25f, 2.5f, 2,    2.25f, 2.75f, 3};
  for (int i = 0; i < 16; ++i) CHECK(out[size_t(i)] == doctest::Approx(want[i]));
}

TEST_CASE("heat_colour ends and blend_heat's alpha") {
  uint8_t c[3];
  heat_colour(0, c);
  CHECK((c[0] == 68 && c[1] == 1 && c[2] == 84));
  heat_colour(1, c);
  CHECK((c[0] == 253 && c[1] == 231 && c[2] == 37));
  heat_colour(0.5f, c);  // the middle stop
  CHECK((c[0] == 33 && c[1] == 145 && c[2] == 140));
  // Gray 100 under heat 1 at opacity 0.8: alpha 0.8 → 100·0.2 + (253, 231, 37)·0.8.
  const uint8_t rgb[3] = {100, 100, 100};
  const float heat = 1;
  uint8_t out[3];
  blend_heat(out, rgb, &heat, 1, 1, 0.8f);
  CHECK((out[0] == 222 && out[1] == 205 && out[2] == 50));
  const float cold = 0;  // alpha 0.8 · 0.4 = 0.32: 100·0.68 + (68, 1, 84)·0.32
  blend_heat(out, rgb, &cold, 1, 1, 0.8f);
  CHECK((out[0] == 90 && out[1] == 68 && out[2] == 95));
  blend_heat(out, rgb, &heat, 1, 1, 0.0f);  // opacity 0: the photo
  CHECK((out[0] == 100 && out[1] == 100 && out[2] == 100));
}

// ---- Grad-CAM finds what the class is decided by ------------------------------------------------
namespace {

// 32×32 noise in [0, 0.4]; an 8×8 square of 1.0 somewhere inside the top-left quadrant (class 0)
// or the bottom-right one (class 1). Returns the square's top-left corner.
struct PatchImage {
  std::vector<float> x;
  int label = 0, top = 0, left = 0;
};

PatchImage patch_image(Rng& rng, int label) {
  PatchImage im;
  im.label = label;
  im.x.resize(32 * 32 * 3);
  for (float& v : im.x) v = rng.uniform(0.0f, 0.4f);
  const int base = label == 0 ? 0 : 16;
  im.top = base + int(rng.uniform(0.0f, 8.999f));
  im.left = base + int(rng.uniform(0.0f, 8.999f));
  for (int y = im.top; y < im.top + 8; ++y)
    for (int x = im.left; x < im.left + 8; ++x)
      for (int c = 0; c < 3; ++c) im.x[size_t((y * 32 + x) * 3 + c)] = 1.0f;
  return im;
}

}  // namespace

TEST_CASE("Grad-CAM of a trained model peaks on the patch that decides the class") {
  Model m(32, 32, 3);
  m.conv2d(8, 3, Activation::Relu, Padding::Same).maxpool2d(2);
  m.conv2d(8, 3, Activation::Relu, Padding::Same).maxpool2d(2).flatten();
  m.dense(2, Activation::Softmax);
  m.set_threads(2);  // the reduction order, and so the last bits, depend on the thread count
  m.allocate(16);
  m.init(42);
  Rng rng(2024);
  std::vector<PatchImage> train, test;
  for (int i = 0; i < 48; ++i) train.push_back(patch_image(rng, i % 2));
  for (int i = 0; i < 20; ++i) test.push_back(patch_image(rng, i % 2));
  std::vector<float> x(16 * 32 * 32 * 3);
  std::vector<int> y(16);
  for (int step = 0; step < 60; ++step) {  // 20 epochs of 3 batches of 16, in order
    for (int k = 0; k < 16; ++k) {
      const PatchImage& im = train[size_t((step % 3) * 16 + k)];
      std::copy(im.x.begin(), im.x.end(), x.begin() + k * 32 * 32 * 3);
      y[size_t(k)] = im.label;
    }
    m.train_step(x.data(), y.data(), 16);
  }
  // The 16×16 map upsampled puts the peak on the square or just beside it (its edges are what the
  // convs respond to): count it inside the square grown by 2 pixels.
  int correct = 0, in_patch = 0, near_patch = 0, in_quadrant = 0;
  for (const PatchImage& im : test) {
    Explanation e = explain_image(m, im.x.data(), im.label, ExplainMethod::GradCam);
    CHECK(e.layer == 3);  // conv2d_1, 16×16 maps
    correct += e.predicted == im.label;
    const int peak = int(std::max_element(e.heat.begin(), e.heat.end()) - e.heat.begin());
    const int py = peak / 32, px = peak % 32;
    in_patch += py >= im.top && py < im.top + 8 && px >= im.left && px < im.left + 8;
    near_patch += py >= im.top - 2 && py < im.top + 10 && px >= im.left - 2 && px < im.left + 10;
    in_quadrant += (py < 16) == (im.label == 0) && (px < 16) == (im.label == 0);
  }
  MESSAGE("test accuracy " << correct << "/20, Grad-CAM peak inside the patch " << in_patch
                           << "/20, within 2 px of it " << near_patch << "/20, inside its quadrant "
                           << in_quadrant << "/20");
  CHECK(correct >= 18);
  CHECK(near_patch >= 16);
  CHECK(in_quadrant >= 18);
}
