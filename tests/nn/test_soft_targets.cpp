// tests/nn/test_soft_targets.cpp — cross-entropy against label distributions (MixUp's blended
// labels): hand values, a finite-difference gradient check, one-hot rows equal to the hard-label
// path bit for bit, and a model's train_step with one-hot targets equal to one with labels.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/rng.h"
#include "gradcheck.h"
#include "nn/layers.h"
#include "nn/model.h"
#include "nn/model_file.h"

using namespace cnnlab;
using test::check_grad;
using test::random_vec;

TEST_CASE("soft-target cross-entropy: hand values and a finite-difference gradient") {
  // logits (0, ln 3): probs (1/4, 3/4); target (0.5, 0.5): loss = -(ln 1/4 + ln 3/4)/2
  std::vector<float> z = {0.0f, std::log(3.0f)}, p(2), t = {0.5f, 0.5f}, d(2);
  const float loss = softmax_xent_forward(p.data(), z.data(), t.data(), 1, 2);
  CHECK(loss == doctest::Approx(-(std::log(0.25) + std::log(0.75)) / 2).epsilon(1e-6));
  CHECK(p[1] == doctest::Approx(0.75).epsilon(1e-6));
  softmax_xent_backward(d.data(), p.data(), t.data(), 1, 2);
  CHECK(d[0] == doctest::Approx(-0.25).epsilon(1e-6));  // p - t
  CHECK(d[1] == doctest::Approx(0.25).epsilon(1e-6));

  const int n = 3, k = 4;
  auto logits = random_vec(n * k, 301, -2.0f, 2.0f);
  // Rows as MixUp makes them: two classes, weights λ and 1 - λ (one row a single class).
  std::vector<float> targets = {0, 0.7f, 0, 0.3f, 1, 0, 0, 0, 0.15f, 0, 0.85f, 0};
  std::vector<float> probs(n * k), g(n * k);
  softmax_xent_forward(probs.data(), logits.data(), targets.data(), n, k);
  softmax_xent_backward(g.data(), probs.data(), targets.data(), n, k);
  auto f = [&] {
    return double(softmax_xent_forward(probs.data(), logits.data(), targets.data(), n, k));
  };
  check_grad("soft xent d_logits", logits, g, f, 1e-2f, 2e-4, 1e-2);
}

TEST_CASE("soft-target cross-entropy: one-hot rows give the hard-label loss and gradient exactly") {
  const int n = 5, k = 3;
  auto logits = random_vec(n * k, 302, -3.0f, 3.0f);
  const std::vector<int> y = {2, 0, 1, 1, 2};
  std::vector<float> onehot(n * k, 0.0f);
  for (int i = 0; i < n; ++i) onehot[size_t(i) * k + y[size_t(i)]] = 1;
  std::vector<float> p1(n * k), p2(n * k), d1(n * k), d2(n * k);
  const float l1 = softmax_xent_forward(p1.data(), logits.data(), y.data(), n, k);
  const float l2 = softmax_xent_forward(p2.data(), logits.data(), onehot.data(), n, k);
  CHECK(l1 == l2);
  CHECK(p1 == p2);
  softmax_xent_backward(d1.data(), p1.data(), y.data(), n, k);
  softmax_xent_backward(d2.data(), p2.data(), onehot.data(), n, k);
  CHECK(d1 == d2);
}

TEST_CASE("train_step: one-hot targets train exactly as the labels; blended ones differently") {
  const char* toml = R"(name = "soft"
image_size = 8
[[layer]]
type = "Conv2D"
filters = 4
kernel_size = 3
padding = "same"
activation = "relu"
[[layer]]
type = "BatchNormalization"
[[layer]]
type = "GlobalAveragePooling2D"
[[layer]]
type = "Dense"
units = "classes"
activation = "softmax"
)";
  Model a = model_from_toml(toml, "soft.toml", 8, 3), b = model_from_toml(toml, "soft.toml", 8, 3),
        c = model_from_toml(toml, "soft.toml", 8, 3);
  for (Model* m : {&a, &b, &c}) {
    m->allocate(4);
    m->init(7);
  }
  const auto x = random_vec(4 * 8 * 8 * 3, 303);
  const std::vector<int> y = {0, 2, 1, 2};
  std::vector<float> onehot(4 * 3, 0.0f), blended;
  for (int i = 0; i < 4; ++i) onehot[size_t(i) * 3 + y[size_t(i)]] = 1;
  blended = onehot;
  blended[0] = 0.6f, blended[1] = 0.4f;  // sample 0: 60 % class 0, 40 % class 1
  for (int step = 0; step < 3; ++step) {
    const float la = a.train_step(x.data(), y.data(), 4);
    const float lb = b.train_step(x.data(), y.data(), 4, nullptr, false, onehot.data());
    CHECK(la == lb);
    c.train_step(x.data(), y.data(), 4, nullptr, false, blended.data());
  }
  const std::vector<float> pa(a.params(), a.params() + a.num_params()),
      pb(b.params(), b.params() + b.num_params()), pc(c.params(), c.params() + c.num_params());
  CHECK(pa == pb);
  CHECK(pa != pc);
}
