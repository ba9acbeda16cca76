// tests/data/test_mixup.cpp — MixUp on a batch: the Beta draws' moments, each image blended with
// one partner by the same weight as its label, reproducible per seed, labels left alone.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/rng.h"
#include "data/augment.h"

using namespace cnnlab;

TEST_CASE("sample_beta: the mean and variance of Beta(a, b), shapes below and above 1") {
  struct Case {
    float a, b;
  };
  for (Case c : {Case{0.2f, 0.2f}, Case{2.0f, 5.0f}, Case{0.5f, 3.0f}}) {
    CAPTURE(c.a);
    CAPTURE(c.b);
    Rng rng(11);
    const int n = 40000;
    double s = 0, s2 = 0;
    for (int i = 0; i < n; ++i) {
      const double v = sample_beta(rng, c.a, c.b);
      REQUIRE((v >= 0 && v <= 1));
      s += v, s2 += v * v;
    }
    const double mean = s / n, var = s2 / n - mean * mean;
    const double want_mean = c.a / (c.a + c.b);
    const double want_var = c.a * c.b / ((c.a + c.b) * (c.a + c.b) * (c.a + c.b + 1));
    // Standard errors at n = 40000 are below 0.003 for the mean and 0.002 for the variance.
    CHECK(std::fabs(mean - want_mean) < 0.01);
    CHECK(std::fabs(var - want_var) < 0.008);
  }
}

TEST_CASE("mixup_batch: image i = λ·image i + (1 - λ)·its partner, and its target the same blend") {
  // Image k is constant k + 1 and has class k: a blended image's value must be Σ_c t_c (c + 1).
  const int n = 6, per = 12, classes = 6;
  std::vector<float> x(size_t(n) * per);
  std::vector<int> y(n);
  for (int k = 0; k < n; ++k) {
    y[size_t(k)] = k;
    for (int q = 0; q < per; ++q) x[size_t(k) * per + q] = float(k + 1);
  }
  const std::vector<int> y0 = y;
  std::vector<float> t(size_t(n) * classes), scratch, x1 = x;
  mixup_batch(x1.data(), t.data(), y.data(), n, per, classes, 0.4f, 99, scratch);
  CHECK(y == y0);  // the labels an image started with are not touched
  int blended = 0;
  for (int i = 0; i < n; ++i) {
    const float* ti = &t[size_t(i) * classes];
    double sum = 0, value = 0;
    int nonzero = 0;
    for (int c = 0; c < classes; ++c) {
      CHECK(ti[c] >= 0);
      sum += ti[c], value += ti[c] * (c + 1);
      nonzero += ti[c] > 0;
    }
    CHECK(sum == doctest::Approx(1).epsilon(1e-6));
    CHECK(nonzero <= 2);   // itself and one partner
    CHECK(ti[i] >= 0.0f);  // its own class keeps the weight λ_i (0 only if λ = 0)
    blended += nonzero == 2;
    for (int q = 0; q < per; ++q)
      CHECK(x1[size_t(i) * per + q] == doctest::Approx(value).epsilon(1e-5));
  }
  CHECK(blended >= 3);  // a permutation of 6 with Beta(0.4) weights blends most images

  std::vector<float> x2 = x, t2(t.size()), x3 = x, t3(t.size());
  mixup_batch(x2.data(), t2.data(), y.data(), n, per, classes, 0.4f, 99, scratch);
  CHECK(x2 == x1);  // same seed, same batch
  CHECK(t2 == t);
  mixup_batch(x3.data(), t3.data(), y.data(), n, per, classes, 0.4f, 100, scratch);
  CHECK(t3 != t);  // another seed, other partners or weights
}

TEST_CASE("mixup_copies: each copy keeps the larger share, blended pixel by pixel and rounded") {
  const int count = 64;
  const size_t per = 3;
  std::vector<uint8_t> copies(count * per, 200), partners(count * per, 40);
  const std::vector<float> lam = mixup_copies(copies.data(), partners.data(), count, per, 0.2f, 5);
  REQUIRE(lam.size() == size_t(count));
  int light = 0;
  for (int i = 0; i < count; ++i) {
    CHECK(lam[size_t(i)] >= 0.5f);
    CHECK(lam[size_t(i)] <= 1.0f);
    light += lam[size_t(i)] > 0.9f;  // Beta(0.2, 0.2) piles up near 0 and 1
    const int want = int(std::floor(lam[size_t(i)] * 200.0f + (1 - lam[size_t(i)]) * 40.0f + 0.5f));
    for (size_t q = 0; q < per; ++q) CHECK(int(copies[size_t(i) * per + q]) == want);
  }
  CHECK(light > count / 3);
}
