// tests/nn/test_layers.cpp — layer golden values (the course's 6x6 examples), padding arithmetic,
// central-difference gradient checks for every layer and the loss, and exact Adam steps.
#include <doctest/doctest.h>
#include <omp.h>
#include <xmmintrin.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "core/rng.h"
#include "gradcheck.h"
#include "nn/layers.h"

using namespace cnnlab;

namespace {

using test::check_grad;
using test::dot;
using test::random_vec;

}  // namespace

// -------------------------------------------------------------------------------------------------
TEST_CASE("padding arithmetic follows Keras (same: ceil(I/S), extra pixel bottom/right)") {
  // valid: floor((I-K)/S)+1
  CHECK(conv_out_size(6, 3, 1, Padding::Valid) == 4);
  CHECK(conv_out_size(7, 3, 2, Padding::Valid) == 3);  // floor(4/2)+1
  CHECK(conv_out_size(8, 3, 2, Padding::Valid) == 3);  // floor(5/2)+1
  CHECK(conv_pad_before(8, 3, 2, Padding::Valid) == 0);
  // same, stride 1: out = I, pad_total = K-1
  CHECK(conv_out_size(299, 5, 1, Padding::Same) == 299);
  CHECK(conv_pad_before(299, 5, 1, Padding::Same) == 2);
  // same, stride 2, even I=8, K=3: out = 4, pad_total = max(3*2+3-8, 0) = 1 -> top 0, bottom 1
  CHECK(conv_out_size(8, 3, 2, Padding::Same) == 4);
  CHECK(conv_pad_before(8, 3, 2, Padding::Same) == 0);
  // same, stride 2, odd I=7, K=3: out = 4, pad_total = 3*2+3-7 = 2 -> top 1, bottom 1
  CHECK(conv_out_size(7, 3, 2, Padding::Same) == 4);
  CHECK(conv_pad_before(7, 3, 2, Padding::Same) == 1);
  // same, stride 2, even I=8, K=4: out = 4, pad_total = 6+4-8 = 2 -> top 1
  CHECK(conv_pad_before(8, 4, 2, Padding::Same) == 1);
  // same, stride 2, I=9, K=5: out = 5, pad_total = 8+5-9 = 4 -> top 2
  CHECK(conv_out_size(9, 5, 2, Padding::Same) == 5);
  CHECK(conv_pad_before(9, 5, 2, Padding::Same) == 2);
  // same, stride 3 > K: I=10, K=2: out = 4, pad_total = max(9+2-10, 0) = 1 -> top 0
  CHECK(conv_pad_before(10, 2, 3, Padding::Same) == 0);
  // pool: valid floor, 299 -> 149 -> 74
  CHECK(make_pool_shape(1, 299, 299, 1, 2).out_h == 149);
  CHECK(make_pool_shape(1, 149, 149, 1, 2).out_h == 74);
  CHECK(make_pool_shape(1, 7, 7, 1, 3, 2).out_h == 3);
}

// The course's two worked examples. Arithmetic of two cells (kernel = anti-diagonal, so a cell is
// x[r][c+2] + x[r+1][c+1] + x[r+2][c]):
//   A conv[1][1] = A[1][3] + A[2][2] + A[3][1] = 1 + 1 + 1 = 3
//   B conv[2][2] = B[2][4] + B[3][3] + B[4][2] = 1 + 1 + 1 = 3
// and pool A[0][0] = max(1, 1, 1, 3) = 3.
TEST_CASE("course 6x6 worked examples: anti-diagonal conv (valid) then 2x2 max pool") {
  const std::vector<float> A = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1,
                                0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0};
  const std::vector<float> B = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 0,
                                0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  const std::vector<float> kernel = {0, 0, 1, 0, 1, 0, 1, 0, 0};  // (3, 3, 1, 1)
  const float bias = 0.0f;
  const std::vector<float> convA = {1, 1, 2, 0, 1, 3, 0, 0, 2, 0, 0, 3, 0, 0, 3, 0};
  const std::vector<float> convB = {1, 1, 1, 1, 0, 1, 1, 2, 1, 1, 3, 0, 0, 2, 0, 0};
  const std::vector<float> poolA = {3, 2, 2, 3}, poolB = {1, 2, 2, 3};

  // Both images as one batch of 2.
  std::vector<float> x(A);
  x.insert(x.end(), B.begin(), B.end());
  ConvShape cs = make_conv_shape(2, 6, 6, 1, 1, 3, 3, 1, Padding::Valid);
  REQUIRE(cs.out_h == 4);
  std::vector<float> scratch(conv2d_forward_scratch(cs, 8)), conv(2 * 16);
  conv2d_forward(conv.data(), x.data(), kernel.data(), &bias, cs, {scratch.data(), scratch.size()});
  CHECK(std::vector<float>(conv.begin(), conv.begin() + 16) == convA);
  CHECK(std::vector<float>(conv.begin() + 16, conv.end()) == convB);

  PoolShape ps = make_pool_shape(2, 4, 4, 1, 2);
  std::vector<float> pool(8);
  std::vector<int32_t> argmax(8);
  maxpool2d_forward(pool.data(), argmax.data(), conv.data(), ps);
  CHECK(std::vector<float>(pool.begin(), pool.begin() + 4) == poolA);
  CHECK(std::vector<float>(pool.begin() + 4, pool.end()) == poolB);
  CHECK(argmax[0] == 1 * 4 + 1);  // A's 3 sits at conv (1, 1)
}

TEST_CASE("conv2d same padding with stride 2: hand values on a 4x4 ramp") {
  // x[r][c] = 4r + c (0..15), kernel 3x3 of ones, stride 2, same: out 2x2, pad_total =
  // max(1*2+3-4, 0) = 1 -> top/left 0, bottom/right 1. out[0][0] = sum of x[0..2][0..2] =
  // (0+1+2)+(4+5+6)+(8+9+10) = 45; out[1][1] = x[2..3][2..3] (rest padding) = 10+11+14+15 = 50.
  std::vector<float> x(16), w(9, 1.0f), out(4);
  for (int i = 0; i < 16; ++i) x[size_t(i)] = float(i);
  const float b = 0.5f;
  ConvShape cs = make_conv_shape(1, 4, 4, 1, 1, 3, 3, 2, Padding::Same);
  std::vector<float> scratch(conv2d_forward_scratch(cs, 8));
  conv2d_forward(out.data(), x.data(), w.data(), &b, cs, {scratch.data(), scratch.size()});
  // out[0][1] = x[0..2][2..3] = 2+3+6+7+10+11 = 39; out[1][0] = x[2..3][0..2] = 8+9+10+12+13+14 =
  // 66
  CHECK(out == std::vector<float>{45.5f, 39.5f, 66.5f, 50.5f});
}

// -------------------------------------------------------------------------------------------------
struct ConvCase {
  int n, h, w, cin, cout, k, stride;
  Padding pad;
};

TEST_CASE("conv2d gradients match central differences (stride 1/2, same/valid, odd sizes)") {
  const ConvCase cases[] = {
      {2, 5, 5, 2, 3, 3, 1, Padding::Same},  {1, 7, 6, 3, 2, 3, 2, Padding::Same},
      {2, 6, 7, 2, 2, 3, 2, Padding::Valid}, {1, 5, 5, 1, 2, 5, 1, Padding::Same},
      {3, 4, 4, 2, 1, 2, 2, Padding::Same},  {1, 9, 8, 1, 2, 4, 3, Padding::Valid}};
  uint64_t seed = 1;
  for (const ConvCase& c : cases) {
    ConvShape s = make_conv_shape(c.n, c.h, c.w, c.cin, c.cout, c.k, c.k, c.stride, c.pad);
    const int h = c.h, w_ = c.w, k = c.k, stride = c.stride, same = c.pad == Padding::Same;
    CAPTURE(h);
    CAPTURE(w_);
    CAPTURE(k);
    CAPTURE(stride);
    CAPTURE(same);
    auto x = random_vec(size_t(c.n) * c.h * c.w * c.cin, seed++);
    auto w = random_vec(size_t(c.k) * c.k * c.cin * c.cout, seed++);
    auto b = random_vec(size_t(c.cout), seed++);
    const size_t out_n = size_t(c.n) * s.out_h * s.out_w * c.cout;
    auto r = random_vec(out_n, seed++);  // loss = sum(out * r), so d_out = r
    std::vector<float> out(out_n),
        scratch(std::max(conv2d_forward_scratch(s, 8), conv2d_backward_scratch(s, 8)));
    auto loss = [&] {
      conv2d_forward(out.data(), x.data(), w.data(), b.data(), s, {scratch.data(), scratch.size()});
      return dot(out, r);
    };
    std::vector<float> dx(x.size()), dw(w.size()), db(b.size());
    conv2d_backward(dx.data(), dw.data(), db.data(), r.data(), x.data(), w.data(), s,
                    {scratch.data(), scratch.size()});
    check_grad("conv d_x", x, dx, loss, 0.05f);  // linear in each input: differences are exact
    check_grad("conv d_w", w, dw, loss, 0.05f);
    check_grad("conv d_b", b, db, loss, 0.05f);
    // d_in == nullptr skips the input gradient but still gives the same d_w.
    std::vector<float> dw2(w.size()), db2(b.size());
    conv2d_backward(nullptr, dw2.data(), db2.data(), r.data(), x.data(), w.data(), s,
                    {scratch.data(), scratch.size()});
    CHECK(dw2 == dw);
    CHECK(db2 == db);
  }
}

TEST_CASE("conv2d fused ReLU equals conv then relu_forward") {
  ConvShape s = make_conv_shape(2, 6, 5, 2, 3, 3, 3, 1, Padding::Same, Activation::Relu);
  ConvShape lin = s;
  lin.act = Activation::None;
  auto x = random_vec(2 * 6 * 5 * 2, 11), w = random_vec(3 * 3 * 2 * 3, 12), b = random_vec(3, 13);
  std::vector<float> a(2 * 6 * 5 * 3), c(a.size()), scratch(conv2d_forward_scratch(s, 8));
  conv2d_forward(a.data(), x.data(), w.data(), b.data(), s, {scratch.data(), scratch.size()});
  conv2d_forward(c.data(), x.data(), w.data(), b.data(), lin, {scratch.data(), scratch.size()});
  relu_forward(c.data(), c.data(), c.size());
  CHECK(a == c);
}

TEST_CASE("maxpool2d gradients: tiling and non-tiling pools, overlapping windows") {
  struct P {
    int n, h, w, c, pool, stride;
  } cases[] = {{2, 4, 4, 3, 2, 2}, {1, 5, 7, 2, 2, 2}, {2, 7, 7, 1, 3, 2}, {1, 6, 5, 2, 3, 3}};
  uint64_t seed = 100;
  for (const P& c : cases) {
    PoolShape s = make_pool_shape(c.n, c.h, c.w, c.c, c.pool, c.stride);
    auto x = random_vec(size_t(c.n) * c.h * c.w * c.c, seed++);  // distinct values: no ties
    const size_t out_n = size_t(c.n) * s.out_h * s.out_w * c.c;
    auto r = random_vec(out_n, seed++);
    std::vector<float> out(out_n), dx(x.size());
    std::vector<int32_t> am(out_n);
    auto loss = [&] {
      maxpool2d_forward(out.data(), am.data(), x.data(), s);
      return dot(out, r);
    };
    loss();
    maxpool2d_backward(dx.data(), r.data(), am.data(), s);
    check_grad("maxpool d_x", x, dx, loss, 1e-3f);
  }
}

TEST_CASE("maxpool2d_forward with many channels and ties equals a naive loop (first max wins)") {
  // 16, 32, 64 channels take the vector path on every build, 40 on AVX2 builds only, 3 never.
  struct P {
    int n, h, w, c, pool, stride;
  } cases[] = {{2, 6, 6, 16, 2, 2},
               {1, 7, 5, 32, 2, 2},
               {2, 5, 5, 40, 2, 2},
               {1, 7, 7, 64, 3, 2},
               {1, 4, 4, 3, 2, 2}};
  uint64_t seed = 900;
  for (const P& c : cases) {
    PoolShape s = make_pool_shape(c.n, c.h, c.w, c.c, c.pool, c.stride);
    Rng rng(seed++);
    std::vector<float> x(size_t(c.n) * c.h * c.w * c.c);
    for (float& v : x) v = float(int(rng.below(4)));  // 0..3: many ties
    const size_t out_n = size_t(c.n) * s.out_h * s.out_w * c.c;
    std::vector<float> out(out_n);
    std::vector<int32_t> am(out_n);
    maxpool2d_forward(out.data(), am.data(), x.data(), s);
    size_t o = 0;
    for (int i = 0; i < c.n; ++i)
      for (int oh = 0; oh < s.out_h; ++oh)
        for (int ow = 0; ow < s.out_w; ++ow)
          for (int ch = 0; ch < c.c; ++ch, ++o) {
            const size_t plane = size_t(c.h) * c.w * c.c;
            float best = -1.0f;
            int32_t arg = -1;
            for (int a = 0; a < c.pool; ++a)
              for (int b = 0; b < c.pool; ++b) {
                const int32_t k = ((oh * c.stride + a) * c.w + ow * c.stride + b) * c.c + ch;
                if (x[i * plane + size_t(k)] > best) best = x[i * plane + size_t(k)], arg = k;
              }
            REQUIRE(out[o] == best);
            REQUIRE(am[o] == arg);
          }
  }
}

TEST_CASE("maxpool2d with streaming stores writes the same bits as with plain stores") {
  // Odd sizes (a cropped row and column of zeros), 16/32/64 channels (whole vectors on every
  // build), with and without the ReLU mask; buffers aligned as the model's arena is.
  struct P {
    int n, h, w, c;
  } cases[] = {{2, 7, 9, 16}, {3, 8, 6, 32}, {1, 5, 5, 64}};
  auto aligned = [](size_t floats) {
    float* p = static_cast<float*>(std::aligned_alloc(64, (floats * sizeof(float) + 63) / 64 * 64));
    return std::unique_ptr<float, decltype(&std::free)>(p, &std::free);
  };
  uint64_t seed = 950;
  for (const P& c : cases) {
    CAPTURE(c.c);
    PoolShape s = make_pool_shape(c.n, c.h, c.w, c.c, 2, 2);
    const size_t in_n = size_t(c.n) * c.h * c.w * c.c,
                 out_n = size_t(c.n) * s.out_h * s.out_w * c.c;
    auto x = random_vec(in_n, seed++), r = random_vec(out_n, seed++);  // x: the ReLU mask too
    std::vector<float> out[2], dx[2], dx_relu[2];
    std::vector<int32_t> am[2];
    for (int streamed = 0; streamed < 2; ++streamed) {
      set_streaming_store_threshold(streamed ? 0 : SIZE_MAX);
      auto o = aligned(out_n), d = aligned(in_n), dr = aligned(in_n);
      auto a = aligned(out_n);  // int32_t, same size as float
      int32_t* ap = reinterpret_cast<int32_t*>(a.get());
      std::fill(d.get(), d.get() + in_n, 7.0f);  // every element must be written
      std::fill(dr.get(), dr.get() + in_n, 7.0f);
      maxpool2d_forward(o.get(), ap, x.data(), s);
      maxpool2d_backward(d.get(), r.data(), ap, s);
      maxpool2d_backward(dr.get(), r.data(), ap, s, x.data());
      out[streamed].assign(o.get(), o.get() + out_n);
      am[streamed].assign(ap, ap + out_n);
      dx[streamed].assign(d.get(), d.get() + in_n);
      dx_relu[streamed].assign(dr.get(), dr.get() + in_n);
    }
    set_streaming_store_threshold(size_t(64) << 20);
    CHECK(std::memcmp(out[0].data(), out[1].data(), out_n * sizeof(float)) == 0);
    CHECK(am[0] == am[1]);
    CHECK(std::memcmp(dx[0].data(), dx[1].data(), in_n * sizeof(float)) == 0);
    CHECK(std::memcmp(dx_relu[0].data(), dx_relu[1].data(), in_n * sizeof(float)) == 0);
    CHECK(dx[0] != dx_relu[0]);  // the mask took some gradients away
    CHECK(std::count(dx[1].begin(), dx[1].end(), 7.0f) == 0);
  }
}

TEST_CASE("dense gradients and fused ReLU") {
  const int n = 3, in = 7, out = 4;
  auto x = random_vec(n * in, 200), w = random_vec(in * out, 201), b = random_vec(out, 202);
  auto r = random_vec(n * out, 203);
  std::vector<float> y(n * out);
  DenseShape s{n, in, out, Activation::None};
  auto loss = [&] {
    dense_forward(y.data(), x.data(), w.data(), b.data(), s);
    return dot(y, r);
  };
  std::vector<float> dx(x.size()), dw(w.size()), db(b.size());
  dense_backward(dx.data(), dw.data(), db.data(), r.data(), x.data(), w.data(), s);
  check_grad("dense d_x", x, dx, loss, 0.05f);
  check_grad("dense d_w", w, dw, loss, 0.05f);
  check_grad("dense d_b", b, db, loss, 0.05f);
  // y[0][0] by hand: b0 + sum_k x[0][k] w[k][0]
  loss();
  double y00 = b[0];
  for (int k = 0; k < in; ++k) y00 += double(x[size_t(k)]) * w[size_t(k) * out];
  CHECK(y[0] == doctest::Approx(y00).epsilon(1e-5));
  std::vector<float> yr(y.size());
  DenseShape sr = s;
  sr.act = Activation::Relu;
  dense_forward(yr.data(), x.data(), w.data(), b.data(), sr);
  for (size_t i = 0; i < y.size(); ++i) CHECK(yr[i] == std::max(y[i], 0.0f));
}

TEST_CASE("relu backward uses the stored output") {
  std::vector<float> y = {0.0f, 2.0f, 0.0f, 0.5f}, dy = {1, 2, 3, 4}, dx(4);
  relu_backward(dx.data(), dy.data(), y.data(), 4);
  CHECK(dx == std::vector<float>{0, 2, 0, 4});
  std::vector<float> in = {-1.0f, 3.0f, 0.0f, -0.0f}, out(4);
  relu_forward(out.data(), in.data(), 4);
  CHECK(out == std::vector<float>{0, 3, 0, 0});
}

TEST_CASE("softmax cross-entropy: hand values, stability, gradient") {
  // logits (0, ln 3): probs (1/4, 3/4); label 1 -> loss -ln(3/4) = 0.28768207
  std::vector<float> z = {0.0f, std::log(3.0f)}, p(2);
  int label = 1;
  float loss = softmax_xent_forward(p.data(), z.data(), &label, 1, 2);
  CHECK(p[0] == doctest::Approx(0.25).epsilon(1e-6));
  CHECK(loss == doctest::Approx(0.28768207).epsilon(1e-6));
  // Huge logits stay finite (max subtracted): (1000, 0) -> loss for label 1 = 1000.
  std::vector<float> big = {1000.0f, 0.0f};
  loss = softmax_xent_forward(p.data(), big.data(), &label, 1, 2);
  CHECK(std::isfinite(loss));
  CHECK(loss == doctest::Approx(1000.0).epsilon(1e-6));
  CHECK(p[0] == 1.0f);

  const int n = 3, k = 4;
  auto logits = random_vec(n * k, 300, -2.0f, 2.0f);
  std::vector<int> labels = {2, 0, 3};
  std::vector<float> probs(n * k), d(n * k);
  softmax_xent_forward(probs.data(), logits.data(), labels.data(), n, k);
  softmax_xent_backward(d.data(), probs.data(), labels.data(), n, k);
  auto f = [&] {
    return double(softmax_xent_forward(probs.data(), logits.data(), labels.data(), n, k));
  };
  check_grad("xent d_logits", logits, d, f, 1e-2f, 2e-4, 1e-2);
}

// -------------------------------------------------------------------------------------------------
TEST_CASE("adam: degenerate hyperparameters give an exact sign step") {
  // beta1 = beta2 = 0: m = g, v = g^2, lr_t = lr * sqrt(1-0)/(1-0) = lr, so w -= lr * g/|g| (eps
  // 0).
  AdamConfig c;
  c.lr = 0.25f, c.beta1 = 0.0f, c.beta2 = 0.0f, c.eps = 0.0f;
  std::vector<float> w = {1.0f, 1.0f, -3.0f}, g = {0.5f, -2.0f, 0.125f}, m(3), v(3);
  adam_update(w.data(), g.data(), m.data(), v.data(), 3, c, 1);
  CHECK(w == std::vector<float>{0.75f, 1.25f, -3.25f});
  adam_update(w.data(), g.data(), m.data(), v.data(), 3, c, 2);  // t plays no part when betas are 0
  CHECK(w == std::vector<float>{0.5f, 1.5f, -3.5f});
}

TEST_CASE("adam: Keras defaults, two steps against hand-computed values") {
  AdamConfig c;  // lr 1e-3, b1 .9, b2 .999, eps 1e-7
  std::vector<float> w = {1.0f}, g = {0.1f}, m(1), v(1);
  adam_update(w.data(), g.data(), m.data(), v.data(), 1, c, 1);
  // t=1: m = 0.01, v = 0.001 * 0.01 = 1e-5, lr_t = 1e-3 * sqrt(0.001) / 0.1 = 3.16227766e-4
  // step = 3.16227766e-4 * 0.01 / (sqrt(1e-5) + 1e-7) = 3.16227766e-6 / 3.16237766e-3
  //      = 9.9996838e-4  ->  w = 0.99900003
  CHECK(m[0] == doctest::Approx(0.01).epsilon(1e-6));
  CHECK(v[0] == doctest::Approx(1e-5).epsilon(1e-6));
  CHECK(w[0] == doctest::Approx(1.0 - 9.9996838e-4).epsilon(1e-7));
  g[0] = -0.2f;
  adam_update(w.data(), g.data(), m.data(), v.data(), 1, c, 2);
  // t=2: m = 0.009 - 0.02 = -0.011, v = 0.999e-5 + 0.001*0.04 = 4.999e-5,
  // lr_t = 1e-3 sqrt(1-0.998001)/(1-0.81) = 1e-3 * 0.04471018/0.19 = 2.3531674e-4
  // step = 2.3531674e-4 * -0.011 / (7.0703607e-3 + 1e-7) = -3.6609e-4
  CHECK(m[0] == doctest::Approx(-0.011).epsilon(1e-5));
  CHECK(v[0] == doctest::Approx(4.999e-5).epsilon(1e-5));
  const double lr2 = 1e-3 * std::sqrt(1 - 0.999 * 0.999) / (1 - 0.81);
  const double step2 = lr2 * -0.011 / (std::sqrt(4.999e-5) + 1e-7);
  CHECK(step2 == doctest::Approx(-3.6609e-4).epsilon(1e-3));
  CHECK(w[0] == doctest::Approx(1.0 - 9.9996838e-4 - step2).epsilon(1e-6));
}

// A float's bits: the comparisons below must not depend on this thread's own DAZ setting.
static bool is_denormal(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return (u & 0x7f800000u) == 0 && (u & 0x007fffffu) != 0;
}
static bool is_zero(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return (u & 0x7fffffffu) == 0;
}

TEST_CASE(
    "ScopedFlushDenormals: denormals are zero on the OpenMP threads, the caller's mode returns") {
  // In a thread of its own, which starts unflushed (a new thread inherits its creator's MXCSR).
  std::vector<float> got;
  unsigned inside = 0, after = 0;
  std::thread([&] {
    _mm_setcsr(_mm_getcsr() & ~0x8040u);
    volatile float tiny = 1e-30f;         // normal; tiny * 1e-10 = 1e-40 would be denormal
    volatile float denormal_in = 1e-40f;  // a denormal input: 0 under DAZ
    got.push_back(tiny * 1e-10f);         // unflushed: a denormal
    std::vector<float> per_thread(4, -1.0f);
    {
      const ScopedFlushDenormals flush(2);
      inside = _mm_getcsr();
#pragma omp parallel num_threads(2)
      {
        const int t = omp_get_thread_num();
        per_thread[size_t(2 * t)] = tiny * 1e-10f;            // FTZ: the denormal result is 0
        per_thread[size_t(2 * t + 1)] = denormal_in * 1e30f;  // DAZ: 1e-10 unflushed, 0 here
      }
    }
    after = _mm_getcsr();
    got.push_back(tiny * 1e-10f);  // the caller's mode is back: a denormal again
    got.insert(got.end(), per_thread.begin(), per_thread.end());
  }).join();
  REQUIRE(got.size() == 6);
  CHECK(is_denormal(got[0]));
  CHECK(is_denormal(got[1]));
  CHECK((inside & 0x8040u) == 0x8040u);
  CHECK((after & 0x8040u) == 0u);
  for (size_t i = 2; i < got.size(); ++i) CHECK(is_zero(got[i]));
}

TEST_CASE("dense forward by hand: sample groups, ragged columns and blocks against double loops") {
  // 1.1M weights: the hand-written product. With AVX-512, 11 samples are one padded vector, 37 a
  // full group of 32 and a padded vector; with AVX2, groups of 4 samples and single ones. 137
  // outputs: full tiles and a shorter last one (scalar columns with AVX2); 8003 rows: a ragged
  // block. Small integers: every partial sum is exact in float, so any order of summation gives
  // the double loop's value exactly and a dropped or doubled term shows.
  for (const int n : {11, 37}) {
    CAPTURE(n);
    const int in = 8003, out = 137;
    Rng rng(410);
    auto ints = [&](size_t count) {
      std::vector<float> v(count);
      for (float& f : v) f = float(int(rng.below(5)) - 2);
      return v;
    };
    auto x = ints(size_t(n) * in), w = ints(size_t(in) * out), b = ints(out);
    for (Activation act : {Activation::None, Activation::Relu}) {
      DenseShape s{n, in, out, act};
      std::vector<float> y(size_t(n) * out), y_split(y.size());
      // y: room for one thread (by hand, serial); y_split: for 8 (by hand, In split if it can).
      std::vector<float> scratch1(dense_forward_scratch(s, 1)),
          scratch(dense_forward_scratch(s, 8));
      dense_forward(y.data(), x.data(), w.data(), b.data(), s, {scratch1.data(), scratch1.size()});
      dense_forward(y_split.data(), x.data(), w.data(), b.data(), s,
                    {scratch.data(), scratch.size()});
      // Every sample of 11; of 37 those at the edges of vectors and of the group (the double
      // loops are most of this test's time in the sanitizer build).
      std::vector<int> samples = {0, 1, 7, 8, 15, 16, 30, 31, 32, 36};
      if (n == 11) samples = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
      for (int i : samples)
        for (int o = 0; o < out; ++o) {
          double r = b[size_t(o)];
          for (int k = 0; k < in; ++k)
            r += double(x[size_t(i) * in + size_t(k)]) * w[size_t(k) * out + size_t(o)];
          if (act == Activation::Relu) r = std::max(r, 0.0);
          REQUIRE(double(y[size_t(i) * out + size_t(o)]) == r);
          REQUIRE(double(y_split[size_t(i) * out + size_t(o)]) == r);
        }
    }
  }
}

TEST_CASE("dense split over threads (large In) equals the serial product") {
  // Big enough that dense_threads() splits In when more than one thread is available.
  const int n = 3, in = 8195, out = 300;  // odd In: the last range is ragged
  auto x = random_vec(size_t(n) * in, 400), w = random_vec(size_t(in) * out, 401);
  auto b = random_vec(out, 402), dy = random_vec(size_t(n) * out, 403);
  DenseShape s{n, in, out, Activation::None};
  std::vector<float> y_split(size_t(n) * out), y_serial(y_split.size());
  std::vector<float> scratch(dense_forward_scratch(s, 8));
  dense_forward(y_split.data(), x.data(), w.data(), b.data(), s, {scratch.data(), scratch.size()});
  dense_forward(y_serial.data(), x.data(), w.data(), b.data(), s);  // no scratch: serial
  for (size_t i = 0; i < y_split.size(); ++i)
    CHECK(y_split[i] == doctest::Approx(y_serial[i]).epsilon(1e-4));
  // Forward against plain loops in double (the product by hand: full and ragged tiles, blocks).
  for (int i = 0; i < n; ++i)
    for (int o : {0, 5, 47, 48, 287, 288, 299}) {
      double y = b[size_t(o)];
      for (int k = 0; k < in; ++k)
        y += double(x[size_t(i) * in + size_t(k)]) * w[size_t(k) * out + size_t(o)];
      CHECK(y_serial[size_t(i) * out + size_t(o)] == doctest::Approx(y).epsilon(1e-4));
      CHECK(y_split[size_t(i) * out + size_t(o)] == doctest::Approx(y).epsilon(1e-4));
    }
  // Backward against plain loops in double.
  std::vector<float> dx(x.size()), dw(w.size()), db(out);
  dense_backward(dx.data(), dw.data(), db.data(), dy.data(), x.data(), w.data(), s);
  for (int k : {0, 17, 4096, in - 1}) {
    double dxk = 0;
    for (int o = 0; o < out; ++o) dxk += double(dy[size_t(o)]) * w[size_t(k) * out + size_t(o)];
    CHECK(dx[size_t(k)] == doctest::Approx(dxk).epsilon(1e-4));
    double dwk = 0;
    for (int i = 0; i < n; ++i)
      dwk += double(x[size_t(i) * in + size_t(k)]) * dy[size_t(i) * out + 5];
    CHECK(dw[size_t(k) * out + 5] == doctest::Approx(dwk).epsilon(1e-4));
  }
}

TEST_CASE("dense_backward_adam equals dense_backward followed by adam_update") {
  // 300 rows: four full blocks of 64 and a ragged one. Samples 3, 11, 32, 33 and outputs 7, 37, 50,
  // 20: whole and partial vectors of samples, register tiles of kernel rows (2 to 8 of them,
  // 1 to 4 sample vectors, by ISA) and their tails (135 rows end in a block of 7).
  struct Shape {
    int n, in, out;
  };
  for (Shape sh : {Shape{3, 300, 7}, Shape{11, 300, 37}, Shape{33, 130, 50}, Shape{32, 135, 20}}) {
    CAPTURE(sh.n);
    const int n = sh.n, in = sh.in, out = sh.out;
    auto x = random_vec(size_t(n) * in, 500), w = random_vec(size_t(in) * out, 501);
    auto dy = random_vec(size_t(n) * out, 502);
    auto m0 = random_vec(w.size(), 503, -0.1f, 0.1f), v0 = random_vec(w.size(), 504, 0.0f, 0.1f);
    DenseShape s{n, in, out, Activation::None};
    AdamConfig c;
    c.lr = 0.01f;
    // Reference: separate passes.
    std::vector<float> dx_ref(x.size()), dw(w.size()), db_ref(out), w_ref(w), m_ref(m0), v_ref(v0);
    dense_backward(dx_ref.data(), dw.data(), db_ref.data(), dy.data(), x.data(), w.data(), s);
    adam_update(w_ref.data(), dw.data(), m_ref.data(), v_ref.data(), w.size(), c, 3);
    // Fused.
    std::vector<float> dx(x.size()), db(out), wf(w), mf(m0), vf(v0);
    std::vector<float> scratch(dense_backward_adam_scratch(s, 8));
    dense_backward_adam(dx.data(), db.data(), dy.data(), x.data(), wf.data(), mf.data(), vf.data(),
                        s, c, 3, {scratch.data(), scratch.size()});
    for (size_t i = 0; i < dx.size(); ++i)
      REQUIRE(dx[i] == doctest::Approx(dx_ref[i]).epsilon(1e-5).scale(1.0));
    for (int i = 0; i < out; ++i)
      CHECK(db[size_t(i)] == doctest::Approx(db_ref[size_t(i)]).epsilon(1e-6));
    for (size_t i = 0; i < w.size(); ++i) {
      REQUIRE(wf[i] == doctest::Approx(w_ref[i]).epsilon(1e-6));
      REQUIRE(mf[i] == doctest::Approx(m_ref[i]).epsilon(1e-5));
      REQUIRE(vf[i] == doctest::Approx(v_ref[i]).epsilon(1e-5));
    }
    CHECK(wf != w);  // it did update
  }
}

// Direct convolution in double: out[n][oh][ow][o] = b[o] + sum x[n][ih][iw][c] w[i][j][c][o].
static std::vector<double> direct_conv(const std::vector<float>& x, const std::vector<float>& w,
                                       const std::vector<float>& b, const ConvShape& s) {
  std::vector<double> out(size_t(s.n) * s.out_h * s.out_w * s.out_c);
  for (int n = 0; n < s.n; ++n)
    for (int oh = 0; oh < s.out_h; ++oh)
      for (int ow = 0; ow < s.out_w; ++ow)
        for (int o = 0; o < s.out_c; ++o) {
          double acc = b[size_t(o)];
          for (int i = 0; i < s.kh; ++i)
            for (int j = 0; j < s.kw; ++j) {
              const int ih = oh * s.stride_h - s.pad_top + i, iw = ow * s.stride_w - s.pad_left + j;
              if (ih < 0 || ih >= s.in_h || iw < 0 || iw >= s.in_w) continue;
              for (int c = 0; c < s.in_c; ++c)
                acc += double(x[((size_t(n) * s.in_h + ih) * s.in_w + iw) * s.in_c + c]) *
                       w[((size_t(i) * s.kw + j) * s.in_c + c) * s.out_c + o];
            }
          out[((size_t(n) * s.out_h + oh) * s.out_w + ow) * s.out_c + o] = acc;
        }
  return out;
}

TEST_CASE("conv2d equals a direct loop for every GEMM kernel (register, panels, Eigen)") {
  uint64_t seed = 600;
  // K = 75 at 23x21 = 483 output pixels: one full 256-row block plus a ragged one, ragged tails of
  // rows. K = 288 (conv2's) at 13x11 = 143: d_col in panels, whatever Cout.
  struct {
    int cin, k, cout, h, w;
  } const cases[] = {{3, 5, 8, 23, 21},   {3, 5, 16, 23, 21}, {3, 5, 32, 23, 21},
                     {3, 5, 5, 23, 21},   {3, 5, 64, 23, 21}, {32, 3, 64, 13, 11},
                     {32, 3, 32, 13, 11}, {32, 3, 24, 13, 11}};
  for (const auto& c : cases) {
    const int cin = c.cin, k = c.k, cout = c.cout, K = k * k * cin, h = c.h, wd = c.w;
    CAPTURE(cin);
    CAPTURE(cout);
    ConvShape s = make_conv_shape(2, h, wd, cin, cout, k, k, 1, Padding::Same);
    auto x = random_vec(size_t(2) * h * wd * cin, seed++), w = random_vec(size_t(K) * cout, seed++);
    auto b = random_vec(size_t(cout), seed++), dy = random_vec(size_t(2) * h * wd * cout, seed++);
    std::vector<float> out(dy.size()),
        scratch(std::max(conv2d_forward_scratch(s, 8), conv2d_backward_scratch(s, 8)));
    conv2d_forward(out.data(), x.data(), w.data(), b.data(), s, {scratch.data(), scratch.size()});
    auto ref = direct_conv(x, w, b, s);
    for (size_t i = 0; i < out.size(); ++i)
      REQUIRE(out[i] == doctest::Approx(ref[i]).epsilon(1e-4));
    // d_w[k][o] = sum over pixels of col[p][k] dy[p][o]: check via the directional derivative
    // <d_w, w'> = <dy, conv(x, w') - b> for a random w' (conv is linear in w).
    std::vector<float> dw(w.size()), db(b.size()), dx(x.size());
    conv2d_backward(dx.data(), dw.data(), db.data(), dy.data(), x.data(), w.data(), s,
                    {scratch.data(), scratch.size()});
    auto w2 = random_vec(w.size(), seed++);
    std::vector<float> zero(b.size(), 0.0f);
    auto conv_w2 = direct_conv(x, w2, zero, s);
    double lhs = 0, rhs = 0;
    for (size_t i = 0; i < w.size(); ++i) lhs += double(dw[i]) * w2[i];
    for (size_t i = 0; i < dy.size(); ++i) rhs += double(dy[i]) * conv_w2[i];
    CHECK(lhs == doctest::Approx(rhs).epsilon(1e-4));
    // Same for d_x: <d_x, x'> = <dy, conv(x', w) - b>.
    auto x2 = random_vec(x.size(), seed++);
    auto conv_x2 = direct_conv(x2, w, zero, s);
    lhs = rhs = 0;
    for (size_t i = 0; i < x.size(); ++i) lhs += double(dx[i]) * x2[i];
    for (size_t i = 0; i < dy.size(); ++i) rhs += double(dy[i]) * conv_x2[i];
    CHECK(lhs == doctest::Approx(rhs).epsilon(1e-4));
  }
}

// The sums the conv kernels form, in float and in their order: k = (kh, kw, cin), each step one
// fused multiply-add (`fused`: as the vector kernels compile at -O2 with FMA) or a multiply then an
// add (GCC contracts a * b + c only with -fexpensive-optimizations: not in the -O0 sanitizer
// build), padding taps as zeros (adding 0·w leaves a sum as it is), then + b and the ReLU. Exact
// references for the conv forward: a kernel's result must equal one of the two bit for bit.
static float fma_step(float a, float b, float acc, bool fused) {
  if (fused) return std::fma(a, b, acc);
  const volatile float product = a * b;  // rounded here: volatile keeps GCC from contracting it
  return acc + product;
}
// Input element (kh i, kw j, cin c) of output pixel (oh, ow) of sample n, 0 in the padding.
static float patch_at(const std::vector<float>& x, const ConvShape& s, int n, int oh, int ow, int i,
                      int j, int c) {
  const int ih = oh * s.stride_h - s.pad_top + i, iw = ow * s.stride_w - s.pad_left + j;
  if (ih < 0 || ih >= s.in_h || iw < 0 || iw >= s.in_w) return 0.0f;
  return x[((size_t(n) * s.in_h + ih) * s.in_w + iw) * s.in_c + c];
}
static std::vector<float> ordered_conv(const std::vector<float>& x, const std::vector<float>& w,
                                       const std::vector<float>& b, const ConvShape& s,
                                       bool fused) {
  std::vector<float> out(size_t(s.n) * s.out_h * s.out_w * s.out_c);
  for (int n = 0; n < s.n; ++n)
    for (int oh = 0; oh < s.out_h; ++oh)
      for (int ow = 0; ow < s.out_w; ++ow)
        for (int o = 0; o < s.out_c; ++o) {
          float acc = 0.0f;
          for (int i = 0; i < s.kh; ++i)
            for (int j = 0; j < s.kw; ++j)
              for (int c = 0; c < s.in_c; ++c)
                acc = fma_step(patch_at(x, s, n, oh, ow, i, j, c),
                               w[((size_t(i) * s.kw + j) * s.in_c + c) * s.out_c + o], acc, fused);
          acc += b[size_t(o)];
          if (s.act == Activation::Relu) acc = std::max(acc, 0.0f);
          out[((size_t(n) * s.out_h + oh) * s.out_w + ow) * s.out_c + o] = acc;
        }
  return out;
}

// Implicit GEMM (convs with few input channels and a Cout of whole panels read their zero-padded
// input in place): the forward, the fused conv + pool and d_w must be the im2col path's sums bit
// for bit. Shapes: the course's conv1 (Cin 3, 5x5) and conv2 (Cin 32, 3x3); rows of 11, 13, 21 and
// 29 pixels (tiles of 12 or 6 with every kind of row tail); 23x21 = 483 pixels, so the backward's
// 256-pixel blocks start and end inside rows; stride 2 and valid padding; batch 2-3; Cout 32 and
// 64 (one or two panels, d_y packed or read as it is).
TEST_CASE(
    "conv2d implicit GEMM (small Cin): forward, fused pool and d_w exact against ordered sums") {
  struct {
    int n, h, w, cin, k, cout, stride;
    Padding pad;
  } const cases[] = {
      {2, 13, 11, 3, 5, 32, 1, Padding::Same}, {3, 23, 21, 3, 5, 32, 1, Padding::Same},
      {2, 9, 29, 3, 5, 64, 1, Padding::Same},  {2, 13, 11, 32, 3, 64, 1, Padding::Same},
      {2, 13, 11, 3, 5, 32, 2, Padding::Same}, {2, 14, 13, 4, 3, 32, 2, Padding::Valid},
      {2, 12, 13, 3, 5, 32, 1, Padding::Valid}};
  uint64_t seed = 1200;
  for (const auto& c : cases) {
    CAPTURE(c.cin);
    CAPTURE(c.cout);
    CAPTURE(c.h);
    CAPTURE(c.w);
    CAPTURE(c.stride);
    const ConvShape s =
        make_conv_shape(c.n, c.h, c.w, c.cin, c.cout, c.k, c.k, c.stride, c.pad, Activation::Relu);
    const size_t out_size = size_t(s.n) * s.out_h * s.out_w * s.out_c;
    auto x = random_vec(size_t(s.n) * c.h * c.w * c.cin, seed++);
    auto w = random_vec(size_t(s.k()) * c.cout, seed++, -0.3f, 0.3f);
    auto b = random_vec(size_t(c.cout), seed++, -0.2f, 0.2f);
    auto dy = random_vec(out_size, seed++);
    const std::vector<float> refs[2] = {ordered_conv(x, w, b, s, true),
                                        ordered_conv(x, w, b, s, false)};
    const int fused = refs[0] == refs[1] ? -1 : 0;  // which one the kernels match, once known
    int rounding = -1;                              // 0: fused, 1: not
    for (int threads : {1, 2}) {  // (sample, row block) items split over threads: the same sums
      std::vector<float> out(out_size, 7.0f), scratch(conv2d_forward_scratch(s, threads));
      conv2d_forward(out.data(), x.data(), w.data(), b.data(), s, {scratch.data(), scratch.size()});
      CHECK((out == refs[0] || out == refs[1]));
      if (rounding < 0) rounding = out == refs[0] ? 0 : 1;
    }
    CHECK(fused == 0);  // the two references differ, so the checks above tell them apart
    const std::vector<float>& ref = refs[rounding];
    // The fused conv + pool: the same conv rows, so the pool of the reference exactly.
    const PoolShape p = make_pool_shape(s.n, s.out_h, s.out_w, s.out_c, 2);
    const size_t pooled = size_t(s.n) * p.out_h * p.out_w * p.c;
    std::vector<float> ref_pool(pooled), pool(pooled);
    std::vector<int32_t> ref_arg(pooled);
    std::vector<uint8_t> off(pooled);
    maxpool2d_forward(ref_pool.data(), ref_arg.data(), ref.data(), p);
    std::vector<float> scratch(conv2d_pool_forward_scratch(s, p, 2));
    conv2d_pool_forward(pool.data(), off.data(), nullptr, x.data(), w.data(), b.data(), s, p,
                        {scratch.data(), scratch.size()});
    CHECK(pool == ref_pool);
    // d_w on one thread: for each (k, o), one fused multiply-add per pixel, samples and pixels in
    // order; d_b the plain sum in the same order. No d_in (the first layer's case).
    std::vector<float> ref_dw(w.size(), 0.0f), ref_db(b.size(), 0.0f);
    for (int n = 0; n < s.n; ++n)
      for (int oh = 0; oh < s.out_h; ++oh)
        for (int ow = 0; ow < s.out_w; ++ow) {
          const float* d = dy.data() + ((size_t(n) * s.out_h + oh) * s.out_w + ow) * s.out_c;
          for (int i = 0, k = 0; i < s.kh; ++i)
            for (int j = 0; j < s.kw; ++j)
              for (int ci = 0; ci < s.in_c; ++ci, ++k) {
                const float a = patch_at(x, s, n, oh, ow, i, j, ci);
                for (int o = 0; o < s.out_c; ++o)
                  ref_dw[size_t(k) * s.out_c + o] =
                      fma_step(a, d[o], ref_dw[size_t(k) * s.out_c + o], rounding == 0);
              }
          for (int o = 0; o < s.out_c; ++o) ref_db[size_t(o)] += d[o];
        }
    std::vector<float> dw(w.size(), 7.0f), db(b.size(), 7.0f);
    scratch.assign(conv2d_backward_scratch(s, 1), 0.0f);
    conv2d_backward(nullptr, dw.data(), db.data(), dy.data(), x.data(), w.data(), s,
                    {scratch.data(), scratch.size()});
    CHECK(dw == ref_dw);
    CHECK(db == ref_db);
  }
}

TEST_CASE("maxpool2d backward with a fused ReLU mask equals pool backward then relu_backward") {
  for (int stride : {2, 1}) {  // tiling and overlapping windows take different paths
    PoolShape s = make_pool_shape(2, 7, 6, 3, 2, stride);
    auto pre = random_vec(size_t(2) * 7 * 6 * 3, 700 + uint64_t(stride));
    std::vector<float> y(pre.size());  // a ReLU output: about half zeros, some windows all zero
    relu_forward(y.data(), pre.data(), y.size());
    const size_t out_n = size_t(2) * s.out_h * s.out_w * 3;
    auto dy = random_vec(out_n, 710);
    std::vector<float> out(out_n), fused(y.size()), ref(y.size());
    std::vector<int32_t> am(out_n);
    maxpool2d_forward(out.data(), am.data(), y.data(), s);
    maxpool2d_backward(fused.data(), dy.data(), am.data(), s, y.data());
    maxpool2d_backward(ref.data(), dy.data(), am.data(), s);
    relu_backward(ref.data(), ref.data(), y.data(), ref.size());
    CHECK(fused == ref);
  }
}

// -------------------------------------------------------------------------------------------------
// Conv2D → (ReLU) → MaxPool2D fused (issue 11): the separate layers' numbers (bit for bit, but for
// Eigen's rounding of a forward GEMM row by its place in the block).
namespace {

struct ConvPoolCase {
  int n, h, w, cin, cout, k, stride;
  Padding pad;
  Activation act;
  int pool, pool_stride;
};
// Sizes odd enough that the floor crops a row and a column, more than one 256-pixel conv block per
// sample, and every GEMM path: Cout 8, 16, 32 (register kernels or panels), 64 (panels; d_col in
// panels with Cin 32), 8 (strided, valid).
const ConvPoolCase kConvPoolCases[] = {
    {3, 23, 21, 3, 32, 5, 1, Padding::Same, Activation::Relu, 2, 2},    // the course's conv1
    {2, 19, 17, 8, 64, 3, 1, Padding::Same, Activation::Relu, 2, 2},    // the course's conv2
    {2, 13, 11, 32, 64, 3, 1, Padding::Same, Activation::Relu, 2, 2},   // its K = 288
    {2, 15, 13, 2, 8, 3, 2, Padding::Valid, Activation::None, 3, 2},    // overlapping windows
    {2, 17, 16, 3, 16, 3, 1, Padding::Same, Activation::Relu, 2, 3},    // gaps between windows
    {2, 14, 12, 4, 16, 3, 1, Padding::Valid, Activation::None, 2, 2}};  // tiles, no ReLU

struct ConvPoolRun {
  ConvShape s;
  PoolShape p;
  std::vector<float> x, w, b, conv, pool;  // conv: the unfused (N, OH, OW, C) output
  std::vector<int32_t> argmax;
};

ConvPoolRun unfused_forward(const ConvPoolCase& c, uint64_t seed) {
  ConvPoolRun r;
  r.s = make_conv_shape(c.n, c.h, c.w, c.cin, c.cout, c.k, c.k, c.stride, c.pad, c.act);
  r.p = make_pool_shape(c.n, r.s.out_h, r.s.out_w, c.cout, c.pool, c.pool_stride);
  r.x = random_vec(size_t(c.n) * c.h * c.w * c.cin, seed);
  r.w = random_vec(size_t(c.k) * c.k * c.cin * c.cout, seed + 1, -0.3f, 0.3f);
  r.b = random_vec(size_t(c.cout), seed + 2, -0.2f, 0.2f);
  r.conv.resize(size_t(c.n) * r.s.out_h * r.s.out_w * c.cout);
  const size_t pooled = size_t(c.n) * r.p.out_h * r.p.out_w * c.cout;
  r.pool.resize(pooled), r.argmax.resize(pooled);
  std::vector<float> scratch(conv2d_forward_scratch(r.s, omp_get_max_threads()));
  conv2d_forward(r.conv.data(), r.x.data(), r.w.data(), r.b.data(), r.s,
                 {scratch.data(), scratch.size()});
  maxpool2d_forward(r.pool.data(), r.argmax.data(), r.conv.data(), r.p);
  return r;
}

}  // namespace

// The unfused pool's argmax (a cell of the sample) as the fused pool's byte offset a * pool + b.
static std::vector<uint8_t> offsets_of(const ConvPoolRun& r, int pool, int stride) {
  const PoolShape& p = r.p;
  std::vector<uint8_t> off(r.argmax.size());
  const size_t plane = size_t(p.out_h) * p.out_w * p.c;
  for (size_t o = 0; o < off.size(); ++o) {
    const int cell = r.argmax[o] / p.c, oh = int(o % plane / (size_t(p.out_w) * p.c));
    const int ow = int(o % (size_t(p.out_w) * p.c) / size_t(p.c));
    const int a = cell / p.in_w - oh * stride, bq = cell % p.in_w - ow * stride;
    REQUIRE((a >= 0 && a < pool && bq >= 0 && bq < pool));
    off[o] = uint8_t(a * pool + bq);
  }
  return off;
}

TEST_CASE("conv2d_pool_forward equals conv2d_forward then maxpool2d_forward") {
  uint64_t seed = 900;
  for (const ConvPoolCase& c : kConvPoolCases) {
    CAPTURE(c.cout);
    ConvPoolRun r = unfused_forward(c, seed += 10);
    const std::vector<uint8_t> ref_off = offsets_of(r, c.pool, c.pool_stride);
    std::vector<float> scratch(conv2d_pool_forward_scratch(r.s, r.p, omp_get_max_threads()));
    std::vector<float> pool(r.pool.size()), conv0(size_t(r.s.out_h) * r.s.out_w * c.cout);
    std::vector<uint8_t> off(r.pool.size());
    for (bool keep : {true, false}) {
      conv2d_pool_forward(pool.data(), off.data(), keep ? conv0.data() : nullptr, r.x.data(),
                          r.w.data(), r.b.data(), r.s, r.p, {scratch.data(), scratch.size()});
      CHECK(off == ref_off);  // the same max, the first one on ties (ReLU zeros)
      CHECK(pool == r.pool);  // panels and register kernels: bit for bit
    }
    // Sample 0's whole conv output goes through conv2d_forward itself.
    CHECK(conv0 == std::vector<float>(r.conv.begin(), r.conv.begin() + long(conv0.size())));
  }
}

TEST_CASE("conv2d_pool_backward equals maxpool2d_backward then conv2d_backward, bit for bit") {
  uint64_t seed = 950;
  for (const ConvPoolCase& c : kConvPoolCases) {
    CAPTURE(c.cout);
    ConvPoolRun r = unfused_forward(c, seed += 10);
    const bool relu = c.act == Activation::Relu;
    auto d_pool = random_vec(r.pool.size(), seed + 5);
    // Unfused: the gradient w.r.t. the conv output, then the conv's backward.
    std::vector<float> d_conv(r.conv.size()), dx(r.x.size()), dw(r.w.size()), db(r.b.size());
    maxpool2d_backward(d_conv.data(), d_pool.data(), r.argmax.data(), r.p,
                       relu ? r.conv.data() : nullptr);
    std::vector<float> scratch(conv2d_pool_backward_scratch(r.s, omp_get_max_threads()));
    conv2d_backward(dx.data(), dw.data(), db.data(), d_conv.data(), r.x.data(), r.w.data(), r.s,
                    {scratch.data(), scratch.size()});
    // Fused, from the pool's output and byte offsets only.
    const std::vector<uint8_t> off = offsets_of(r, c.pool, c.pool_stride);
    std::vector<float> fdx(dx.size(), 7.0f), fdw(dw.size(), 7.0f), fdb(db.size(), 7.0f);
    conv2d_pool_backward(fdx.data(), fdw.data(), fdb.data(), d_pool.data(), r.pool.data(),
                         off.data(), r.x.data(), r.w.data(), r.s, r.p,
                         {scratch.data(), scratch.size()});
    CHECK(fdx == dx);
    CHECK(fdw == dw);
    CHECK(fdb == db);
    // The pool's backward from offsets, the ReLU's mask from the pool's output.
    std::vector<float> d_conv2(d_conv.size(), 7.0f);
    maxpool2d_backward_offsets(d_conv2.data(), d_pool.data(), off.data(), r.p,
                               relu ? r.pool.data() : nullptr);
    CHECK(d_conv2 == d_conv);
  }
}

TEST_CASE("fused conv2d + maxpool2d: central differences through the ReLU and the pool") {
  const ConvPoolCase c{2, 9, 7, 2, 3, 3, 1, Padding::Same, Activation::Relu, 2, 2};
  ConvPoolRun r = unfused_forward(c, 990);
  std::vector<float> scratch(
      std::max(conv2d_pool_forward_scratch(r.s, r.p, 4), conv2d_pool_backward_scratch(r.s, 4)));
  std::vector<float> pool(r.pool.size());
  std::vector<uint8_t> off(r.pool.size());
  auto weights = random_vec(pool.size(), 991);
  auto loss = [&] {
    conv2d_pool_forward(pool.data(), off.data(), nullptr, r.x.data(), r.w.data(), r.b.data(), r.s,
                        r.p, {scratch.data(), scratch.size()});
    return dot(pool, weights);
  };
  loss();
  std::vector<float> dx(r.x.size()), dw(r.w.size()), db(r.b.size());
  conv2d_pool_backward(dx.data(), dw.data(), db.data(), weights.data(), pool.data(), off.data(),
                       r.x.data(), r.w.data(), r.s, r.p, {scratch.data(), scratch.size()});
  check_grad("conv+pool d_x", r.x, dx, loss, 1e-3f);
  check_grad("conv+pool d_w", r.w, dw, loss, 1e-3f);
  check_grad("conv+pool d_b", r.b, db, loss, 1e-3f);
}
