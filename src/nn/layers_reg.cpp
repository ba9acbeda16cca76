// nn/layers_reg.cpp — Dropout, BatchNormalization, global/average pooling and L2, over caller-owned
// buffers.
//
// [SECTION] dropout
// [SECTION] batch normalization
// [SECTION] global average pooling
// [SECTION] average pooling
// [SECTION] l2
#include "nn/layers_reg.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/check.h"

namespace cnnlab {
namespace {

// Below this many elements a loop stays on one thread (a parallel region costs a barrier; see
// kParallelMacs in layers.cpp).
constexpr double kParallelElems = double(1 << 18);

// Dropout masks are drawn per block of units, each block from its own PCG32 stream.
constexpr long kDropoutBlock = 4096;

// BatchNorm sums run over fixed blocks of rows; the blocks' partial sums are added in block order.
constexpr long kBnBlockRows = 1024;

long bn_blocks(const BatchNormShape& s) {
  return (s.rows + kBnBlockRows - 1) / kBnBlockRows;
}

}  // namespace

// =================================================================================================
// [SECTION] dropout
// =================================================================================================
void dropout_forward(float* out, const float* in, uint8_t* mask, size_t count, float rate,
                     bool training, Rng& rng) {
  CNNLAB_ASSERT(rate >= 0.0f && rate < 1.0f, "dropout rate must be in [0, 1)");
  if (!training) {  // Keras: identity at inference
    if (out != in) std::memcpy(out, in, sizeof(float) * count);
    return;
  }
  CNNLAB_ASSERT(mask != nullptr, "dropout_forward in training needs a mask buffer");
  const uint64_t seed = (uint64_t(rng.next_u32()) << 32) | rng.next_u32();
  const float scale = 1.0f / (1.0f - rate);
  const long blocks = long((count + size_t(kDropoutBlock) - 1) / size_t(kDropoutBlock));
#pragma omp parallel for schedule(static) if (double(count) > kParallelElems)
  for (long b = 0; b < blocks; ++b) {
    Rng block_rng(seed, uint64_t(b));
    const size_t i0 = size_t(b) * kDropoutBlock, i1 = std::min(count, i0 + size_t(kDropoutBlock));
    for (size_t i = i0; i < i1; ++i) {
      const bool keep = block_rng.uniform() >= rate;  // P(keep) = 1 - rate
      mask[i] = keep ? 1 : 0;
      out[i] = keep ? in[i] * scale : 0.0f;
    }
  }
}

void dropout_backward(float* d_in, const float* d_out, const uint8_t* mask, size_t count,
                      float rate) {
  CNNLAB_ASSERT(rate >= 0.0f && rate < 1.0f, "dropout rate must be in [0, 1)");
  if (!mask) {
    if (d_in != d_out) std::memcpy(d_in, d_out, sizeof(float) * count);
    return;
  }
  const float scale = 1.0f / (1.0f - rate);
#pragma omp parallel for schedule(static) if (double(count) > kParallelElems)
  for (long i = 0; i < long(count); ++i) d_in[i] = mask[i] ? d_out[i] * scale : 0.0f;
}

// =================================================================================================
// [SECTION] batch normalization
// =================================================================================================
size_t batchnorm_scratch(const BatchNormShape& s) {
  return size_t(bn_blocks(s) + 1) * 2 * size_t(s.c);  // totals, then one partial row per block
}

namespace {

// total[0..width) = Σ over rows of add_row(r, acc), summed per block and then in block order, so
// the result does not depend on the thread count. Uses scratch[width..) for the partials.
template <class AddRow>
void bn_reduce(double* total, int width, const BatchNormShape& s, double* scratch, AddRow add_row) {
  const long blocks = bn_blocks(s);
  double* partial = scratch + 2 * size_t(s.c);
#pragma omp parallel for schedule(static) if (double(s.rows) * s.c > kParallelElems)
  for (long b = 0; b < blocks; ++b) {
    double* acc = partial + size_t(b) * width;
    std::fill(acc, acc + width, 0.0);
    const long r1 = std::min(s.rows, (b + 1) * kBnBlockRows);
    for (long r = b * kBnBlockRows; r < r1; ++r) add_row(r, acc);
  }
  std::fill(total, total + width, 0.0);
  for (long b = 0; b < blocks; ++b)
    for (int q = 0; q < width; ++q) total[q] += partial[size_t(b) * width + q];
}

// out = (in - mean) · inv_std · gamma + beta, per channel.
void bn_apply(float* out, const float* in, const float* gamma, const float* beta, const float* mean,
              const float* inv_std, const BatchNormShape& s) {
  const int C = s.c;
#pragma omp parallel for schedule(static) if (double(s.rows) * C > kParallelElems)
  for (long r = 0; r < s.rows; ++r) {
    const float* x = in + size_t(r) * C;
    float* y = out + size_t(r) * C;
    for (int c = 0; c < C; ++c) y[c] = (x[c] - mean[c]) * (inv_std[c] * gamma[c]) + beta[c];
  }
}

}  // namespace

void batchnorm_forward_train(float* out, float* mean, float* inv_std, float* moving_mean,
                             float* moving_var, const float* in, const float* gamma,
                             const float* beta, const BatchNormShape& s, double* scratch) {
  CNNLAB_ASSERT(s.rows > 0 && s.c > 0, "batchnorm needs at least one row and one channel");
  const int C = s.c;
  const double M = double(s.rows);
  double* total = scratch;  // (C) sums, then squared deviations
  bn_reduce(total, C, s, scratch, [&](long r, double* acc) {
    const float* x = in + size_t(r) * C;
    for (int c = 0; c < C; ++c) acc[c] += x[c];
  });
  double* mean_d = scratch + C;  // (C) the exact mean, kept for the variance correction
  for (int c = 0; c < C; ++c) mean_d[c] = total[c] / M, mean[c] = float(mean_d[c]);
  // Second pass around the float mean m_f: var = E[(x - m_f)²] - (m - m_f)² (two-pass, no
  // cancellation of E[x²] - m²).
  bn_reduce(total, C, s, scratch, [&](long r, double* acc) {
    const float* x = in + size_t(r) * C;
    for (int c = 0; c < C; ++c) {
      const double d = double(x[c]) - double(mean[c]);
      acc[c] += d * d;
    }
  });
  const float keep = s.momentum, take = 1.0f - s.momentum;
  for (int c = 0; c < C; ++c) {
    const double shift = mean_d[c] - double(mean[c]);
    const double var = std::max(total[c] / M - shift * shift, 0.0);  // biased (divide by M)
    inv_std[c] = float(1.0 / std::sqrt(var + double(s.epsilon)));
    moving_mean[c] = moving_mean[c] * keep + mean[c] * take;  // Keras: m·momentum + x·(1-momentum)
    moving_var[c] = moving_var[c] * keep + float(var) * take;
  }
  bn_apply(out, in, gamma, beta, mean, inv_std, s);
}

void batchnorm_forward_infer(float* out, float* mean, float* inv_std, const float* in,
                             const float* gamma, const float* beta, const float* moving_mean,
                             const float* moving_var, const BatchNormShape& s) {
  CNNLAB_ASSERT(s.rows >= 0 && s.c > 0, "bad batchnorm shape");
  for (int c = 0; c < s.c; ++c) {
    mean[c] = moving_mean[c];
    inv_std[c] = float(1.0 / std::sqrt(double(moving_var[c]) + double(s.epsilon)));
  }
  bn_apply(out, in, gamma, beta, mean, inv_std, s);
}

void batchnorm_backward(float* d_in, float* d_gamma, float* d_beta, const float* d_out,
                        const float* in, const float* gamma, const float* mean,
                        const float* inv_std, bool training, const BatchNormShape& s,
                        double* scratch) {
  CNNLAB_ASSERT(s.rows > 0 && s.c > 0, "batchnorm needs at least one row and one channel");
  const int C = s.c;
  double* total = scratch;  // (2C): Σ d_out, then Σ d_out·x̂
  bn_reduce(total, 2 * C, s, scratch, [&](long r, double* acc) {
    const float* x = in + size_t(r) * C;
    const float* dy = d_out + size_t(r) * C;
    for (int c = 0; c < C; ++c) {
      acc[c] += dy[c];
      acc[C + c] += double(dy[c]) * double((x[c] - mean[c]) * inv_std[c]);
    }
  });
  for (int c = 0; c < C; ++c) d_beta[c] = float(total[c]), d_gamma[c] = float(total[C + c]);
  if (!d_in) return;
  const float inv_m =
      training ? float(1.0 / double(s.rows)) : 0.0f;  // inference: stats are constants
#pragma omp parallel for schedule(static) if (double(s.rows) * C > kParallelElems)
  for (long r = 0; r < s.rows; ++r) {
    const float* x = in + size_t(r) * C;
    const float* dy = d_out + size_t(r) * C;
    float* dx = d_in + size_t(r) * C;
    for (int c = 0; c < C; ++c) {
      const float xhat = (x[c] - mean[c]) * inv_std[c];
      dx[c] = gamma[c] * inv_std[c] * (dy[c] - inv_m * (d_beta[c] + xhat * d_gamma[c]));
    }
  }
}

// =================================================================================================
// [SECTION] global average pooling
// =================================================================================================
void global_avg_pool2d_forward(float* out, const float* in, int n, int h, int w, int c) {
  CNNLAB_ASSERT(n >= 0 && h > 0 && w > 0 && c > 0, "bad global average pool shape");
  const size_t hw = size_t(h) * w;
  constexpr int kChunk = 64;  // channels summed together in double, on the stack
#pragma omp parallel for schedule(static) if (double(n) * hw * c > kParallelElems)
  for (int i = 0; i < n; ++i) {
    const float* x = in + size_t(i) * hw * c;
    for (int c0 = 0; c0 < c; c0 += kChunk) {
      const int cn = std::min(kChunk, c - c0);
      double acc[kChunk] = {};
      for (size_t p = 0; p < hw; ++p)
        for (int k = 0; k < cn; ++k) acc[k] += x[p * c + size_t(c0 + k)];
      for (int k = 0; k < cn; ++k) out[size_t(i) * c + size_t(c0 + k)] = float(acc[k] / double(hw));
    }
  }
}

void global_avg_pool2d_backward(float* d_in, const float* d_out, int n, int h, int w, int c) {
  CNNLAB_ASSERT(n >= 0 && h > 0 && w > 0 && c > 0, "bad global average pool shape");
  const size_t hw = size_t(h) * w;
  const float inv = float(1.0 / double(hw));
#pragma omp parallel for schedule(static) if (double(n) * hw * c > kParallelElems)
  for (int i = 0; i < n; ++i) {
    const float* dy = d_out + size_t(i) * c;
    float* dx = d_in + size_t(i) * hw * c;
    for (size_t p = 0; p < hw; ++p)
      for (int k = 0; k < c; ++k) dx[p * c + size_t(k)] = dy[k] * inv;
  }
}

// =================================================================================================
// [SECTION] average pooling
// =================================================================================================
AvgPoolShape make_avgpool_shape(int n, int in_h, int in_w, int c, int pool_h, int pool_w,
                                int stride_h, int stride_w, Padding padding) {
  CNNLAB_ASSERT(n >= 0 && in_h > 0 && in_w > 0 && c > 0 && pool_h > 0 && pool_w > 0,
                "bad average pool shape");
  AvgPoolShape s;
  s.n = n, s.in_h = in_h, s.in_w = in_w, s.c = c, s.pool_h = pool_h, s.pool_w = pool_w;
  s.stride_h = stride_h > 0 ? stride_h : pool_h;
  s.stride_w = stride_w > 0 ? stride_w : pool_w;
  s.padding = padding;
  s.out_h = conv_out_size(in_h, pool_h, s.stride_h, padding);
  s.out_w = conv_out_size(in_w, pool_w, s.stride_w, padding);
  s.pad_top = conv_pad_before(in_h, pool_h, s.stride_h, padding);
  s.pad_left = conv_pad_before(in_w, pool_w, s.stride_w, padding);
  CNNLAB_ASSERT(s.out_h > 0 && s.out_w > 0, "average pool input smaller than its pool");
  return s;
}

namespace {
// The real (unpadded) input cells of output (oh, ow): rows [h0, h1), columns [w0, w1).
struct Window {
  int h0, h1, w0, w1;
  int cells() const { return (h1 - h0) * (w1 - w0); }
};
Window avg_window(const AvgPoolShape& s, int oh, int ow) {
  const int h0 = oh * s.stride_h - s.pad_top, w0 = ow * s.stride_w - s.pad_left;
  return {std::max(h0, 0), std::min(h0 + s.pool_h, s.in_h), std::max(w0, 0),
          std::min(w0 + s.pool_w, s.in_w)};
}
}  // namespace

void avg_pool2d_forward(float* out, const float* in, const AvgPoolShape& s) {
  const int C = s.c;
  const size_t in_size = size_t(s.in_h) * s.in_w * C, out_size = size_t(s.out_h) * s.out_w * C;
#pragma omp parallel for schedule(static) if (double(s.n) * in_size > kParallelElems)
  for (int i = 0; i < s.n; ++i) {
    const float* x = in + i * in_size;
    for (int oh = 0; oh < s.out_h; ++oh)
      for (int ow = 0; ow < s.out_w; ++ow) {
        float* y = out + i * out_size + (size_t(oh) * s.out_w + ow) * C;
        const Window win = avg_window(s, oh, ow);
        std::fill(y, y + C, 0.0f);
        for (int ih = win.h0; ih < win.h1; ++ih)
          for (int iw = win.w0; iw < win.w1; ++iw) {
            const float* xp = x + (size_t(ih) * s.in_w + iw) * C;
            for (int c = 0; c < C; ++c) y[c] += xp[c];
          }
        const float count = float(win.cells());
        for (int c = 0; c < C; ++c) y[c] /= count;
      }
  }
}

void avg_pool2d_backward(float* d_in, const float* d_out, const AvgPoolShape& s) {
  const int C = s.c;
  const size_t in_size = size_t(s.in_h) * s.in_w * C, out_size = size_t(s.out_h) * s.out_w * C;
#pragma omp parallel for schedule(static) if (double(s.n) * in_size > kParallelElems)
  for (int i = 0; i < s.n; ++i) {
    float* dx = d_in + i * in_size;
    std::memset(dx, 0, sizeof(float) * in_size);
    for (int oh = 0; oh < s.out_h; ++oh)
      for (int ow = 0; ow < s.out_w; ++ow) {
        const float* dy = d_out + i * out_size + (size_t(oh) * s.out_w + ow) * C;
        const Window win = avg_window(s, oh, ow);
        const float count = float(win.cells());
        for (int ih = win.h0; ih < win.h1; ++ih)
          for (int iw = win.w0; iw < win.w1; ++iw) {
            float* dp = dx + (size_t(ih) * s.in_w + iw) * C;
            for (int c = 0; c < C; ++c) dp[c] += dy[c] / count;
          }
      }
  }
}

// =================================================================================================
// [SECTION] l2
// =================================================================================================
float l2_penalty(const float* w, size_t count, float l2) {
  double sum = 0;
#pragma omp parallel for schedule(static) reduction(+ : sum) if (double(count) > kParallelElems)
  for (long i = 0; i < long(count); ++i) sum += double(w[i]) * double(w[i]);
  return float(double(l2) * sum);
}

void l2_add_grad(float* grad, const float* w, size_t count, float l2) {
  const float k = 2.0f * l2;
#pragma omp parallel for schedule(static) if (double(count) > kParallelElems)
  for (long i = 0; i < long(count); ++i) grad[i] += k * w[i];
}

}  // namespace cnnlab
