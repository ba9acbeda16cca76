// tests/nn/test_layers_reg.cpp — Dropout, BatchNormalization, average pools and L2: hand values,
// training vs inference, gradient checks.
#include <doctest/doctest.h>
#include <omp.h>

#include <cmath>
#include <functional>
#include <vector>

#include "core/rng.h"
#include "gradcheck.h"
#include "nn/layers_reg.h"

using namespace cnnlab;

namespace {

using test::check_grad;
using test::dot;
using test::random_vec;

using test::with_threads;

}  // namespace

// ---- Dropout ------------------------------------------------------------------------------------
TEST_CASE("dropout: training drops about rate of the units and scales the rest by 1/(1-rate)") {
  const size_t n = 100000;
  const float rate = 0.3f;
  auto x = random_vec(n, 1);
  std::vector<float> y(n);
  std::vector<uint8_t> mask(n, 7);
  Rng rng(5);
  dropout_forward(y.data(), x.data(), mask.data(), n, rate, true, rng);
  size_t kept = 0;
  const float scale = 1.0f / (1.0f - rate);
  for (size_t i = 0; i < n; ++i) {
    REQUIRE((mask[i] == 0 || mask[i] == 1));
    if (mask[i]) {
      ++kept;
      REQUIRE(y[i] == x[i] * scale);
    } else {
      REQUIRE(y[i] == 0.0f);
    }
  }
  // Binomial(1e5, 0.7): sd 0.0014 of the fraction; a fixed seed, so this is exact either way.
  CHECK(double(kept) / n == doctest::Approx(0.7).epsilon(0.01));
  // A second call draws a different mask from the same generator.
  std::vector<uint8_t> mask2(n);
  dropout_forward(y.data(), x.data(), mask2.data(), n, rate, true, rng);
  CHECK(mask2 != mask);
}

TEST_CASE("dropout: inference is the identity, training is not (Keras training flag)") {
  const size_t n = 64;
  auto x = random_vec(n, 2);
  std::vector<float> train(n), infer(n);
  std::vector<uint8_t> mask(n);
  Rng rng(9);
  dropout_forward(infer.data(), x.data(), nullptr, n, 0.5f, false, rng);
  CHECK(infer == x);
  dropout_forward(train.data(), x.data(), mask.data(), n, 0.5f, true, rng);
  CHECK(train != x);
  int dropped = 0;
  for (size_t i = 0; i < n; ++i) dropped += train[i] == 0.0f;
  CHECK(dropped > 0);
  // Inference backward passes the gradient through unchanged.
  std::vector<float> dx(n);
  dropout_backward(dx.data(), x.data(), nullptr, n, 0.5f);
  CHECK(dx == x);
  // rate 0 in training: identity with an all-ones mask.
  std::vector<float> y0(n);
  dropout_forward(y0.data(), x.data(), mask.data(), n, 0.0f, true, rng);
  CHECK(y0 == x);
  CHECK(std::vector<uint8_t>(n, 1) == mask);
}

TEST_CASE("dropout: same seed gives the same mask for any thread count") {
  const size_t n = 300001;  // several mask blocks, ragged tail, over the parallel threshold
  auto x = random_vec(n, 3);
  std::vector<float> y1(n), y4(n);
  std::vector<uint8_t> m1(n), m4(n);
  with_threads(1, [&] {
    Rng rng(77);
    dropout_forward(y1.data(), x.data(), m1.data(), n, 0.25f, true, rng);
  });
  with_threads(4, [&] {
    Rng rng(77);
    dropout_forward(y4.data(), x.data(), m4.data(), n, 0.25f, true, rng);
  });
  CHECK(m1 == m4);
  CHECK(y1 == y4);
}

TEST_CASE("dropout gradients match central differences (fixed mask)") {
  const size_t n = 40;
  const float rate = 0.4f;
  auto x = random_vec(n, 4), r = random_vec(n, 5);
  std::vector<float> y(n), dx(n);
  std::vector<uint8_t> mask(n);
  auto loss = [&] {
    Rng rng(11);  // the same mask every call
    dropout_forward(y.data(), x.data(), mask.data(), n, rate, true, rng);
    return dot(y, r);
  };
  loss();
  dropout_backward(dx.data(), r.data(), mask.data(), n, rate);
  for (size_t i = 0; i < n; ++i)
    CHECK(dx[i] == (mask[i] ? r[i] * (1.0f / (1.0f - rate)) : 0.0f));  // scale, as forward
  check_grad("dropout d_x", x, dx, loss, 0.05f);
}

// ---- BatchNormalization -------------------------------------------------------------------------
// Two channels, four rows. Channel 0: x = (1, 2, 3, 6), mean 3, biased var (4+1+0+9)/4 = 3.5.
// Channel 1: x = (10, 11, 12, 15), mean 12, var 3.5. With epsilon 0.5, var + eps = 4, inv_std 0.5.
// gamma (2, 1), beta (1, 0): ch0 out = (x-3)·0.5·2 + 1 = x - 2 = (-1, 0, 1, 4);
// ch1 out = (x-12)·0.5 = (-1, -0.5, 0, 1.5).
// momentum 0.75 (exact in binary): moving_mean (0, 0) -> (0.75·0 + 0.25·3, 0.25·12) = (0.75, 3);
// moving_var (1, 1) -> 0.75 + 0.25·3.5 = 1.625 for both.
TEST_CASE("batchnorm training: batch statistics and moving-stat update, hand-worked") {
  const std::vector<float> x = {1, 10, 2, 11, 3, 12, 6, 15};  // (4, 2)
  const std::vector<float> gamma = {2, 1}, beta = {1, 0};
  std::vector<float> mm = {0, 0}, mv = {1, 1}, mean(2), inv_std(2), y(8);
  BatchNormShape s{4, 2, 0.75f, 0.5f};
  std::vector<double> scratch(batchnorm_scratch(s));
  batchnorm_forward_train(y.data(), mean.data(), inv_std.data(), mm.data(), mv.data(), x.data(),
                          gamma.data(), beta.data(), s, scratch.data());
  CHECK(mean == std::vector<float>{3, 12});
  CHECK(inv_std == std::vector<float>{0.5f, 0.5f});
  CHECK(y == std::vector<float>{-1, -1, 0, -0.5f, 1, 0, 4, 1.5f});
  CHECK(mm == std::vector<float>{0.75f, 3.0f});
  CHECK(mv == std::vector<float>{1.625f, 1.625f});
  // Second step on the same batch: mm = 0.75·0.75 + 0.25·3 = 1.3125; mv = 0.75·1.625 + 0.875
  // = 2.09375.
  batchnorm_forward_train(y.data(), mean.data(), inv_std.data(), mm.data(), mv.data(), x.data(),
                          gamma.data(), beta.data(), s, scratch.data());
  CHECK(mm[0] == 1.3125f);
  CHECK(mv[0] == 2.09375f);
  // Keras defaults (momentum 0.99, epsilon 1e-3): moving_mean 0 -> 0.01·3 = 0.03.
  BatchNormShape k = make_batchnorm_shape(4, 2);
  CHECK(k.momentum == 0.99f);
  CHECK(k.epsilon == 1e-3f);
  std::vector<float> mm2 = {0, 0}, mv2 = {1, 1};
  batchnorm_forward_train(y.data(), mean.data(), inv_std.data(), mm2.data(), mv2.data(), x.data(),
                          gamma.data(), beta.data(), k, scratch.data());
  CHECK(mm2[0] == doctest::Approx(0.03).epsilon(1e-6));
  CHECK(mv2[0] == doctest::Approx(0.99 + 0.01 * 3.5).epsilon(1e-6));
  CHECK(inv_std[0] == doctest::Approx(1.0 / std::sqrt(3.501)).epsilon(1e-6));
}

TEST_CASE("batchnorm: training normalises by the batch, inference by the moving statistics") {
  // Conv activations (N=2, H=3, W=4, C=3): statistics over all 24 rows per channel.
  const int C = 3;
  const long rows = 2 * 3 * 4;
  auto x = random_vec(size_t(rows) * C, 20, 1.0f, 4.0f);  // mean ~2.5: far from the initial 0/1
  std::vector<float> gamma = {1, 1, 1}, beta = {0, 0, 0}, mm = {0, 0, 0}, mv = {1, 1, 1};
  std::vector<float> mean(C), inv_std(C), train(x.size()), infer(x.size());
  BatchNormShape s = make_batchnorm_shape(rows, C);
  std::vector<double> scratch(batchnorm_scratch(s));
  batchnorm_forward_train(train.data(), mean.data(), inv_std.data(), mm.data(), mv.data(), x.data(),
                          gamma.data(), beta.data(), s, scratch.data());
  for (int c = 0; c < C; ++c) {  // per channel: mean 0, variance var/(var+eps) (just under 1)
    double m = 0, v = 0, xm = 0, xv = 0;
    for (long r = 0; r < rows; ++r) m += train[size_t(r) * C + c], xm += x[size_t(r) * C + c];
    m /= rows, xm /= rows;
    for (long r = 0; r < rows; ++r) {
      v += std::pow(train[size_t(r) * C + c] - m, 2);
      xv += std::pow(x[size_t(r) * C + c] - xm, 2);
    }
    v /= rows, xv /= rows;
    CHECK(mean[size_t(c)] == doctest::Approx(xm).epsilon(1e-6));
    CHECK(m == doctest::Approx(0.0).scale(1.0).epsilon(1e-6));
    CHECK(v == doctest::Approx(xv / (xv + 1e-3)).epsilon(1e-5));
  }
  // Inference right after one step: moving stats are still near 0/1, so the output is near x.
  const std::vector<float> mm_before = mm, mv_before = mv;
  batchnorm_forward_infer(infer.data(), mean.data(), inv_std.data(), x.data(), gamma.data(),
                          beta.data(), mm.data(), mv.data(), s);
  CHECK(mm == mm_before);  // inference updates nothing
  CHECK(mv == mv_before);
  for (size_t i = 0; i < x.size(); ++i) {
    const size_t c = i % C;
    CHECK(infer[i] == doctest::Approx((x[i] - mm[c]) / std::sqrt(mv[c] + 1e-3)).epsilon(1e-6));
  }
  CHECK(std::abs(infer[0] - train[0]) > 0.5f);  // the two modes really differ
  // After many steps on the same batch the moving stats reach the batch's: the modes agree.
  for (int step = 0; step < 2000; ++step)
    batchnorm_forward_train(train.data(), mean.data(), inv_std.data(), mm.data(), mv.data(),
                            x.data(), gamma.data(), beta.data(), s, scratch.data());
  batchnorm_forward_infer(infer.data(), mean.data(), inv_std.data(), x.data(), gamma.data(),
                          beta.data(), mm.data(), mv.data(), s);
  for (size_t i = 0; i < x.size(); ++i) CHECK(infer[i] == doctest::Approx(train[i]).epsilon(1e-3));
}

TEST_CASE(
    "batchnorm gradients match central differences (training and inference, conv and dense)") {
  struct Case {
    long rows;
    int c;
    bool training;
  } cases[] = {{2 * 3 * 3, 3, true}, {5, 4, true}, {2 * 3 * 3, 3, false}, {2, 2, true}};
  uint64_t seed = 30;
  for (const Case& k : cases) {
    CAPTURE(k.rows);
    CAPTURE(k.training);
    BatchNormShape s = make_batchnorm_shape(k.rows, k.c);
    const size_t n = size_t(k.rows) * k.c;
    auto x = random_vec(n, seed++, -2.0f, 2.0f), r = random_vec(n, seed++);
    auto gamma = random_vec(size_t(k.c), seed++, 0.5f, 1.5f),
         beta = random_vec(size_t(k.c), seed++);
    auto mm0 = random_vec(size_t(k.c), seed++), mv0 = random_vec(size_t(k.c), seed++, 0.5f, 2.0f);
    std::vector<float> y(n), mean(size_t(k.c)), inv_std(size_t(k.c)), mm, mv;
    std::vector<double> scratch(batchnorm_scratch(s));
    auto loss = [&] {
      mm = mm0, mv = mv0;
      if (k.training)
        batchnorm_forward_train(y.data(), mean.data(), inv_std.data(), mm.data(), mv.data(),
                                x.data(), gamma.data(), beta.data(), s, scratch.data());
      else
        batchnorm_forward_infer(y.data(), mean.data(), inv_std.data(), x.data(), gamma.data(),
                                beta.data(), mm0.data(), mv0.data(), s);
      return dot(y, r);
    };
    loss();
    std::vector<float> dx(n), dg(size_t(k.c)), db(size_t(k.c));
    batchnorm_backward(dx.data(), dg.data(), db.data(), r.data(), x.data(), gamma.data(),
                       mean.data(), inv_std.data(), k.training, s, scratch.data());
    check_grad("batchnorm d_x", x, dx, loss, 1e-2f, 1e-3, 1e-2);
    check_grad("batchnorm d_gamma", gamma, dg, loss, 1e-2f, 1e-3, 1e-2);
    check_grad("batchnorm d_beta", beta, db, loss, 1e-2f, 1e-3, 1e-2);
  }
}

TEST_CASE("batchnorm: the training-mode gradient is not the inference one") {
  // With batch statistics the gradient of sum(y·r) w.r.t. x loses its per-channel mean part; the
  // inference formula would keep it. Guards against backward ignoring `training`.
  BatchNormShape s = make_batchnorm_shape(6, 1);
  auto x = random_vec(6, 40);
  std::vector<float> r(6, 1.0f), g = {1}, b = {0}, mm = {0}, mv = {1}, mean(1), inv(1), y(6);
  std::vector<double> scratch(batchnorm_scratch(s));
  batchnorm_forward_train(y.data(), mean.data(), inv.data(), mm.data(), mv.data(), x.data(),
                          g.data(), b.data(), s, scratch.data());
  std::vector<float> dx_train(6), dx_as_infer(6), dg(1), db(1);
  batchnorm_backward(dx_train.data(), dg.data(), db.data(), r.data(), x.data(), g.data(),
                     mean.data(), inv.data(), true, s, scratch.data());
  batchnorm_backward(dx_as_infer.data(), dg.data(), db.data(), r.data(), x.data(), g.data(),
                     mean.data(), inv.data(), false, s, scratch.data());
  // sum(y) is always 0 in training mode (y has zero mean), so its gradient is 0 everywhere.
  for (float v : dx_train) CHECK(v == doctest::Approx(0.0).scale(1.0).epsilon(1e-6));
  for (float v : dx_as_infer) CHECK(v == doctest::Approx(inv[0]).epsilon(1e-6));
}

TEST_CASE("batchnorm: identical results for any thread count") {
  BatchNormShape s = make_batchnorm_shape(70001, 4);  // over the parallel threshold, ragged block
  const size_t n = size_t(s.rows) * s.c;
  auto x = random_vec(n, 50, 0.0f, 3.0f), r = random_vec(n, 51);
  std::vector<float> gamma = {1, 2, 3, 4}, beta = {0, 1, 0, 1};
  struct Out {
    std::vector<float> y, mm, mv, dx, dg, db;
  } o[2];
  int k = 0;
  for (int threads : {1, 4}) {
    with_threads(threads, [&] {
      Out& out = o[k++];
      out.y.resize(n), out.dx.resize(n), out.mm = {0, 0, 0, 0}, out.mv = {1, 1, 1, 1};
      out.dg.resize(4), out.db.resize(4);
      std::vector<float> mean(4), inv(4);
      std::vector<double> scratch(batchnorm_scratch(s));
      batchnorm_forward_train(out.y.data(), mean.data(), inv.data(), out.mm.data(), out.mv.data(),
                              x.data(), gamma.data(), beta.data(), s, scratch.data());
      batchnorm_backward(out.dx.data(), out.dg.data(), out.db.data(), r.data(), x.data(),
                         gamma.data(), mean.data(), inv.data(), true, s, scratch.data());
    });
  }
  CHECK(o[0].y == o[1].y);
  CHECK(o[0].mm == o[1].mm);
  CHECK(o[0].mv == o[1].mv);
  CHECK(o[0].dx == o[1].dx);
  CHECK(o[0].dg == o[1].dg);
  CHECK(o[0].db == o[1].db);
}

// ---- Global average pooling ---------------------------------------------------------------------
TEST_CASE("global average pooling: hand values and gradients") {
  // (1, 2, 2, 2): channel 0 = 1, 2, 3, 6 -> 3; channel 1 = 0, -1, 0.5, 0.5 -> 0.
  const std::vector<float> x = {1, 0, 2, -1, 3, 0.5f, 6, 0.5f};
  std::vector<float> y(2);
  global_avg_pool2d_forward(y.data(), x.data(), 1, 2, 2, 2);
  CHECK(y == std::vector<float>{3, 0});
  std::vector<float> d_out = {4, -8}, dx(8);
  global_avg_pool2d_backward(dx.data(), d_out.data(), 1, 2, 2, 2);
  CHECK(dx == std::vector<float>{1, -2, 1, -2, 1, -2, 1, -2});

  const int n = 2, h = 3, w = 5, c = 70;  // more channels than one double chunk of 64
  auto xs = random_vec(size_t(n) * h * w * c, 60), r = random_vec(size_t(n) * c, 61);
  std::vector<float> ys(size_t(n) * c), dxs(xs.size());
  auto loss = [&] {
    global_avg_pool2d_forward(ys.data(), xs.data(), n, h, w, c);
    return dot(ys, r);
  };
  global_avg_pool2d_backward(dxs.data(), r.data(), n, h, w, c);
  check_grad("global avg pool d_x", xs, dxs, loss, 0.05f, 1e-4, 1e-3);
}

// ---- Average pooling ----------------------------------------------------------------------------
// x (1, 3, 3, 1) = 1..9 row by row. Pool 2, stride 2, same: out 2x2, pad_total = max(1·2+2-3, 0)
// = 1 -> no padding before, one padded row/column after. Windows and their real cells:
//   (0,0): 1 2 4 5 -> 12/4 = 3    (0,1): 3 6 -> 9/2 = 4.5
//   (1,0): 7 8 -> 15/2 = 7.5      (1,1): 9 -> 9
// Valid: only (0,0) fits -> 3.
TEST_CASE("average pooling: hand values, same padding leaves padded cells out of the mean") {
  std::vector<float> x(9);
  for (int i = 0; i < 9; ++i) x[size_t(i)] = float(i + 1);
  AvgPoolShape same = make_avgpool_shape(1, 3, 3, 1, 2, 2, 0, 0, Padding::Same);
  REQUIRE(same.out_h == 2);
  std::vector<float> y(4);
  avg_pool2d_forward(y.data(), x.data(), same);
  CHECK(y == std::vector<float>{3, 4.5f, 7.5f, 9});
  AvgPoolShape valid = make_avgpool_shape(1, 3, 3, 1, 2, 2);
  REQUIRE(valid.out_h == 1);
  avg_pool2d_forward(y.data(), x.data(), valid);
  CHECK(y[0] == 3);
  // Pool 3, stride 1, same: pad 1 before. Corner (0,0) sees 1 2 4 5 (mean 3); the centre sees all 9
  // (mean 5); edge (0,1) sees 1..6 (mean 3.5).
  AvgPoolShape s3 = make_avgpool_shape(1, 3, 3, 1, 3, 3, 1, 1, Padding::Same);
  std::vector<float> y9(9);
  avg_pool2d_forward(y9.data(), x.data(), s3);
  CHECK(y9[0] == 3);
  CHECK(y9[1] == 3.5f);
  CHECK(y9[4] == 5);
  // Backward of the 2x2 same pool: each cell gets d_out / (its window's real cells).
  std::vector<float> d_out = {4, 2, 2, 1}, dx(9);
  avg_pool2d_backward(dx.data(), d_out.data(), same);
  CHECK(dx == std::vector<float>{1, 1, 1, 1, 1, 1, 1, 1, 1});
  // Rectangular pool (1, 2), strides (1, 1), valid on two channels.
  const std::vector<float> x2 = {0, 10, 2, 20, 4, 40};  // (1, 1, 3, 2)
  AvgPoolShape r = make_avgpool_shape(1, 1, 3, 2, 1, 2, 1, 1, Padding::Valid);
  REQUIRE(r.out_w == 2);
  std::vector<float> y2(4);
  avg_pool2d_forward(y2.data(), x2.data(), r);
  CHECK(y2 == std::vector<float>{1, 15, 3, 30});
}

TEST_CASE("average pooling gradients: same/valid, tiling, overlapping and gapped windows") {
  struct P {
    int n, h, w, c, ph, pw, sh, sw;
    Padding pad;
  } cases[] = {{2, 4, 4, 3, 2, 2, 2, 2, Padding::Valid}, {1, 5, 7, 2, 2, 2, 2, 2, Padding::Same},
               {2, 7, 6, 1, 3, 3, 2, 2, Padding::Same},  {1, 6, 5, 2, 3, 2, 1, 2, Padding::Same},
               {1, 7, 7, 2, 2, 2, 3, 3, Padding::Valid}, {1, 5, 5, 1, 3, 3, 1, 1, Padding::Valid}};
  uint64_t seed = 70;
  for (const P& c : cases) {
    AvgPoolShape s = make_avgpool_shape(c.n, c.h, c.w, c.c, c.ph, c.pw, c.sh, c.sw, c.pad);
    CAPTURE(c.h);
    CAPTURE(c.ph);
    CAPTURE(c.sh);
    auto x = random_vec(size_t(c.n) * c.h * c.w * c.c, seed++);
    const size_t out_n = size_t(c.n) * s.out_h * s.out_w * c.c;
    auto r = random_vec(out_n, seed++);
    std::vector<float> y(out_n), dx(x.size(), 123.0f);  // backward must overwrite
    auto loss = [&] {
      avg_pool2d_forward(y.data(), x.data(), s);
      return dot(y, r);
    };
    avg_pool2d_backward(dx.data(), r.data(), s);
    check_grad("avg pool d_x", x, dx, loss, 0.05f, 1e-4, 1e-3);
  }
}

// ---- L2 -----------------------------------------------------------------------------------------
TEST_CASE("l2: penalty and gradient as Keras regularizers.l2") {
  // w = (1, -2, 0.5), l2 = 0.25: penalty 0.25·(1 + 4 + 0.25) = 1.3125; grad += 0.5·w.
  const std::vector<float> w = {1, -2, 0.5f};
  CHECK(l2_penalty(w.data(), 3, 0.25f) == 1.3125f);
  std::vector<float> g = {10, 10, 10};
  l2_add_grad(g.data(), w.data(), 3, 0.25f);
  CHECK(g == std::vector<float>{10.5f, 9.0f, 10.25f});
  CHECK(l2_penalty(w.data(), 3, 0.0f) == 0.0f);

  auto p = random_vec(50, 80);
  std::vector<float> grad(50, 0.0f);
  l2_add_grad(grad.data(), p.data(), p.size(), 0.01f);
  auto loss = [&] { return double(l2_penalty(p.data(), p.size(), 0.01f)); };
  check_grad("l2", p, grad, loss, 0.05f, 1e-4, 1e-3);
}
