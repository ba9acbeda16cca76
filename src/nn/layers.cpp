// nn/layers.cpp — conv2d (blocked im2col or implicit GEMM + panel/Eigen GEMM), maxpool2d, dense,
// relu, softmax+xent, Adam.
//
// [SECTION] helpers and shape arithmetic
// [SECTION] conv2d
// [SECTION] maxpool2d
// [SECTION] conv2d + maxpool2d, fused
// [SECTION] floating-point environment
// [SECTION] dense
// [SECTION] relu, softmax + cross-entropy
// [SECTION] adam
#include "nn/layers.h"

#include <omp.h>
#if defined(__SSE__)
#include <immintrin.h>
#endif

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/check.h"
#include "core/padding.h"

namespace cnnlab {

// =================================================================================================
// [SECTION] helpers and shape arithmetic
// =================================================================================================
using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapMat = Eigen::Map<RowMat>;
using CMapMat = Eigen::Map<const RowMat>;
using MapVec = Eigen::Map<Eigen::RowVectorXf>;
using CMapVec = Eigen::Map<const Eigen::RowVectorXf>;

// Conv im2col works on blocks of output pixels so that the column block, the GEMM result and the
// bias/ReLU pass stay in L2: 256 rows x K=288 floats = 288 KB for conv2. (Measured on the course
// model, 1 thread: 256 rows 3-5% faster per step than 1024, 8% faster than 4096.)
constexpr int kConvBlockRows = 256;

const char* padding_name(Padding p) {
  return p == Padding::Same ? "same" : "valid";
}

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::None:
      return "linear";
    case Activation::Relu:
      return "relu";
    case Activation::Softmax:
      return "softmax";
  }
  return "?";
}

int conv_out_size(int in, int k, int stride, Padding p) {
  CNNLAB_ASSERT(in > 0 && k > 0 && stride > 0, "conv sizes must be positive");
  if (p == Padding::Same) return same_out_size(in, stride);  // ceil(I/S)
  return in >= k ? (in - k) / stride + 1 : 0;                // floor((I-K)/S)+1
}

int conv_pad_before(int in, int k, int stride, Padding p) {
  if (p == Padding::Valid) return 0;
  return same_padding(in, k, stride).before;  // an odd total's extra pixel goes bottom/right (TF)
}

ConvShape make_conv_shape(int n, int in_h, int in_w, int in_c, int out_c, int kh, int kw,
                          int stride, Padding padding, Activation act) {
  CNNLAB_ASSERT(n >= 0 && in_c > 0 && out_c > 0, "bad conv shape");
  CNNLAB_ASSERT(act == Activation::None || act == Activation::Relu,
                "conv2d fuses only linear or relu activations");
  ConvShape s;
  s.n = n, s.in_h = in_h, s.in_w = in_w, s.in_c = in_c, s.out_c = out_c, s.kh = kh, s.kw = kw;
  s.stride_h = s.stride_w = stride;
  s.padding = padding;
  s.act = act;
  s.out_h = conv_out_size(in_h, kh, stride, padding);
  s.out_w = conv_out_size(in_w, kw, stride, padding);
  s.pad_top = conv_pad_before(in_h, kh, stride, padding);
  s.pad_left = conv_pad_before(in_w, kw, stride, padding);
  CNNLAB_ASSERT(s.out_h > 0 && s.out_w > 0, "conv input smaller than its kernel");
  return s;
}

// Work below this many multiply-adds runs on one thread: a parallel region costs a barrier, and
// when the host deschedules one thread libgomp's spin-wait burns the other's time (a test suite
// of small layers went from 0.4 s to 15 s of CPU that way).
constexpr double kParallelMacs = double(1 << 20);

// Vectors through GCC's vector extensions, so one source is 512-bit where the build has AVX-512 and
// 256-bit elsewhere (AVX2). For loops GCC will not vectorise on its own, e.g. a max with its
// argmax: as `if (x > y) y = x, arg = k` it stays scalar on AVX2, with a branch on the data that
// mispredicts (the course model's first pool: 310-370 ms a batch on one thread, 37 ms as vectors).
#if defined(__AVX512F__)
constexpr int kVecLanes = 16;
#else
constexpr int kVecLanes = 8;
#endif
typedef float VecF __attribute__((vector_size(kVecLanes * sizeof(float))));
typedef int32_t VecI __attribute__((vector_size(kVecLanes * sizeof(int32_t))));
static inline VecF load_vec(const float* p) {
  VecF v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
static inline void store_vec(float* p, VecF v) {
  std::memcpy(p, &v, sizeof v);
}
static inline void store_vec(int32_t* p, VecI v) {
  std::memcpy(p, &v, sizeof v);
}
static inline VecI load_vec(const int32_t* p) {
  VecI v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
// A store that bypasses the caches (p aligned to the vector): for outputs far larger than the
// last-level cache, which a plain store would first read from memory (write-allocate). The caller
// ends its run of them with stream_fence() before other threads read the data.
#if defined(__AVX512F__) || defined(__AVX__)
constexpr bool kCanStream = true;
static inline void stream_vec(float* p, VecF v) {
#if defined(__AVX512F__)
  _mm512_stream_ps(p, (__m512)v);
#else
  _mm256_stream_ps(p, (__m256)v);
#endif
}
static inline void stream_vec(int32_t* p, VecI v) {
#if defined(__AVX512F__)
  _mm512_stream_si512((__m512i*)p, (__m512i)v);
#else
  _mm256_stream_si256((__m256i*)p, (__m256i)v);
#endif
}
static inline void stream_fence() {
  _mm_sfence();
}
#else
constexpr bool kCanStream = false;
static inline void stream_vec(float* p, VecF v) {
  store_vec(p, v);
}
static inline void stream_vec(int32_t* p, VecI v) {
  store_vec(p, v);
}
static inline void stream_fence() {}
#endif
// A vector store, streamed or not.
template <class Vec, class T>
static inline void put_vec(T* p, Vec v, bool stream) {
  if (stream)
    stream_vec(p, v);
  else
    store_vec(p, v);
}
static size_t g_stream_store_bytes = size_t(64) << 20;
void set_streaming_store_threshold(size_t bytes) {
  g_stream_store_bytes = bytes;
}
// Whether a kernel writing `bytes` (all threads together) to `p`, in whole vectors, streams them.
static bool use_streaming_stores(const void* p, size_t bytes) {
  return kCanStream && bytes >= g_stream_store_bytes &&
         reinterpret_cast<uintptr_t>(p) % sizeof(VecF) == 0;
}

static inline VecI lane_index() {  // {0, 1, ..., kVecLanes - 1}
  VecI v;
  for (int k = 0; k < kVecLanes; ++k) v[k] = k;
  return v;
}

// The max over one pooling window for kVecLanes channels, without branches; the strict > keeps the
// first max, as the scalar loops do. p is the window's cell (0, 0); its rows are `row` floats apart
// and its cells `cell`. tag(a, bq) is what a lane records when cell (a, bq) holds its max.
template <class Tag>
static inline void window_max_vec(const float* p, size_t row, size_t cell, int pool_h, int pool_w,
                                  Tag tag, VecF& best, VecI& arg) {
  best = load_vec(p);
  arg = tag(0, 0);
  for (int a = 0; a < pool_h; ++a)
    for (int bq = 0; bq < pool_w; ++bq) {
      const VecF v = load_vec(p + a * row + bq * cell);
      const VecI gt = v > best;
      best = gt ? v : best;
      arg = gt ? tag(a, bq) : arg;
    }
}

static int block_rows(const ConvShape& s) {
  return std::min(kConvBlockRows, s.out_h * s.out_w);
}

// One float in every lane, loaded straight from memory (vbroadcastss m32). Written as `scalar *
// vector`, GCC loaded a whole vector and shuffled it, or added 0 first: two more µops for every
// broadcast, and a panel tile's GEMM fell from ~67 to ~40 GFLOP/s (AVX2, one thread).
static inline VecF broadcast(const float* p) {
#if defined(__AVX512F__)
  return VecF(_mm512_set1_ps(*p));
#elif defined(__AVX__)
  return VecF(_mm256_broadcast_ss(p));
#else
  VecF v;
  for (int k = 0; k < kVecLanes; ++k) v[k] = *p;
  return v;
#endif
}

// Panel GEMM for the convs: C (M, N) (+)= A (M, K) · B (K, N), where element (m, k) of A is at
// A[m * am + k * ak] (so A can be a column block or its transpose, unpacked) and B is packed in
// panels of kPanel columns, each (K, kPanel) contiguous (pack_panels), so that one panel sits in L1
// while kPanelRows rows of A stream past it. A tile keeps kPanelRows × kPanelVecs accumulators in
// registers: 6 × 2 of AVX2's 16, 12 × 2 of AVX-512's 32. Each element of C is one sum over k in
// order, so a pixel's value does not depend on where it sits in a block.
constexpr int kPanelVecs = 2, kPanel = kPanelVecs * kVecLanes;
constexpr int kPanelRows = kVecLanes == 16 ? 12 : 6;

template <int P, bool Acc>
static inline void panel_tile(float* __restrict c, int ldc, const float* __restrict a, long am,
                              long ak, int K, const float* __restrict b) {
  // With a trip count that may be 0, GCC 12 keeps acc on the stack and stores it on every step
  // (AVX2, conv2's GEMMs: 30-45 % slower than Eigen); a K known to be positive keeps it in
  // registers.
  if (K < 1) {
    if (!Acc)
      for (int i = 0; i < P; ++i) std::memset(c + size_t(i) * ldc, 0, sizeof(float) * kPanel);
    return;
  }
  VecF acc[P][kPanelVecs];
  for (int i = 0; i < P; ++i)
    for (int v = 0; v < kPanelVecs; ++v)
      acc[i][v] = Acc ? load_vec(c + size_t(i) * ldc + v * kVecLanes) : VecF{};
  for (int k = 0; k < K; ++k, b += kPanel, a += ak) {
    VecF bv[kPanelVecs];
    for (int v = 0; v < kPanelVecs; ++v) bv[v] = load_vec(b + v * kVecLanes);
#pragma GCC unroll 16
    for (int i = 0; i < P; ++i) {
      const VecF ai = broadcast(a + i * am);
      for (int v = 0; v < kPanelVecs; ++v) acc[i][v] += ai * bv[v];
    }
  }
  for (int i = 0; i < P; ++i)
    for (int v = 0; v < kPanelVecs; ++v) store_vec(c + size_t(i) * ldc + v * kVecLanes, acc[i][v]);
}

// The last rows (fewer than kPanelRows) as one tile of that many.
template <bool Acc, int P = kPanelRows - 1>
static void panel_tail(int rows, float* c, int ldc, const float* a, long am, long ak, int K,
                       const float* b) {
  if constexpr (P >= 1) {
    if (rows == P) return panel_tile<P, Acc>(c, ldc, a, am, ak, K, b);
    panel_tail<Acc, P - 1>(rows, c, ldc, a, am, ak, K, b);
  }
}

// An N that is not a whole number of panels needs tmp (M, kPanel): the last, zero-padded panel is
// computed there and its real columns copied to c.
template <bool Acc>
static void panel_gemm(float* c, int ldc, const float* a, long am, long ak, int M, int K,
                       const float* bp, int N, float* tmp = nullptr) {
  for (int n0 = 0; n0 < N; n0 += kPanel) {
    const float* b = bp + size_t(n0) * K;
    const int width = std::min(kPanel, N - n0);
    float* cc = width < kPanel ? tmp : c + n0;
    const int ld = width < kPanel ? kPanel : ldc;
    if (width < kPanel && Acc)
      for (int r = 0; r < M; ++r)
        std::memcpy(tmp + size_t(r) * kPanel, c + size_t(r) * ldc + n0, sizeof(float) * width);
    int m = 0;
    for (; m + kPanelRows <= M; m += kPanelRows)
      panel_tile<kPanelRows, Acc>(cc + size_t(m) * ld, ld, a + m * am, am, ak, K, b);
    if (m < M) panel_tail<Acc>(M - m, cc + size_t(m) * ld, ld, a + m * am, am, ak, K, b);
    if (width < kPanel)
      for (int r = 0; r < M; ++r)
        std::memcpy(c + size_t(r) * ldc + n0, tmp + size_t(r) * kPanel, sizeof(float) * width);
  }
}

static int whole_panels(int n) {
  return (n + kPanel - 1) / kPanel * kPanel;
}

// B (K, N), rows ldb floats apart, into panels (whole_panels(N) / kPanel, K, kPanel); the last
// panel padded with zeros.
static void pack_panels(float* bp, const float* b, int ldb, int K, int N) {
  for (int n0 = 0; n0 < N; n0 += kPanel) {
    const int width = std::min(kPanel, N - n0);
    for (int k = 0; k < K; ++k, bp += kPanel) {
      if (width == kPanel) {  // a constant size: vector moves (a variable one took rep movs,
        std::memcpy(bp, b + size_t(k) * ldb + n0, sizeof(float) * kPanel);  // ~40 cycles a row)
        continue;
      }
      std::memcpy(bp, b + size_t(k) * ldb + n0, sizeof(float) * width);
      std::fill(bp + width, bp + kPanel, 0.0f);
    }
  }
}

// Panels of Bᵀ, from B (N, K): for d_col = d_y · wᵀ, with w (K, Cout) as given.
static void pack_panels_transposed(float* bp, const float* b, int K, int N) {
  for (int n0 = 0; n0 < N; n0 += kPanel)
    for (int k = 0; k < K; ++k, bp += kPanel)
      for (int j = 0; j < kPanel; ++j) bp[j] = b[size_t(n0 + j) * K + k];
}

// Which conv GEMMs take panels: all whose N is a whole number of panels (conv1's 32 and conv2's 64
// output channels; conv2's d_col, N = K = 288). Cout 8 and 16 (AVX-512) keep gemm_small_cout.
static bool panels_fit(int n) {
  return n % kPanel == 0;
}
static size_t forward_panel_floats(const ConvShape& s) {
  return panels_fit(s.out_c) ? size_t(s.k()) * s.out_c : 0;
}
static size_t backward_panel_floats(const ConvShape& s) {
  return panels_fit(s.k()) ? size_t(s.k()) * s.out_c : 0;
}

// Implicit GEMM: convs with few input channels read their input in place, from a zero-padded copy
// of the sample, instead of copying each pixel's patch into an im2col block (conv1's im2col of a
// 3-channel input, 25 floats written per input float, was about a fifth of its forward). Only
// where Cout fills whole panels (the panel kernel is the only one with an implicit variant).
constexpr int kImplicitMaxCin = 32;
static bool implicit_fits(const ConvShape& s) {
  return panels_fit(s.out_c) && s.in_c <= kImplicitMaxCin;
}
// The padded sample (Hp, Wp, Cin): every input cell a window reads, the padding's zeros included.
static int padded_h(const ConvShape& s) {
  return (s.out_h - 1) * s.stride_h + s.kh;
}
static int padded_w(const ConvShape& s) {
  return (s.out_w - 1) * s.stride_w + s.kw;
}
// A thread's im2col block, or its padded sample on the implicit path.
static size_t col_slot_floats(const ConvShape& s) {
  if (implicit_fits(s)) return size_t(padded_h(s)) * padded_w(s) * s.in_c;
  return size_t(block_rows(s)) * s.k();
}

// =================================================================================================
// [SECTION] conv2d
// =================================================================================================
// Forward scratch: the packed weights (when panels fit), then a column block (or, implicit, a
// padded sample) per thread.
size_t conv2d_forward_scratch(const ConvShape& s, int threads) {
  return forward_panel_floats(s) + size_t(threads) * col_slot_floats(s);
}

// Per thread: column block (or padded sample), the block's gradient, a partial d_w (K, Cout) and
// d_b (Cout), and a block of d_y packed in panels when d_w takes them.
static size_t conv_backward_per_thread(const ConvShape& s) {
  return col_slot_floats(s) + size_t(block_rows(s)) * s.k() + size_t(s.k()) * s.out_c + s.out_c +
         (panels_fit(s.out_c) ? size_t(block_rows(s)) * s.out_c : 0);
}

// Backward scratch: wᵀ packed (when d_col takes panels), then each thread's.
size_t conv2d_backward_scratch(const ConvShape& s, int threads) {
  return backward_panel_floats(s) + size_t(threads) * conv_backward_per_thread(s);
}

// col (rows, K) for output pixels [p0, p0+rows) of one sample; K ordered (kh, kw, cin) like the
// kernel, so each (kh) row of a patch is one contiguous run of up to KW*Cin input floats.
static void im2col_block(float* col, const float* in, const ConvShape& s, int p0, int rows) {
  const int K = s.k(), C = s.in_c;
  for (int r = 0; r < rows; ++r) {
    const int p = p0 + r, oh = p / s.out_w, ow = p % s.out_w;
    const int ih0 = oh * s.stride_h - s.pad_top, iw0 = ow * s.stride_w - s.pad_left;
    const int kw_lo = std::max(0, -iw0), kw_hi = std::min(s.kw, s.in_w - iw0);
    float* dst = col + size_t(r) * K;
    for (int i = 0; i < s.kh; ++i, dst += s.kw * C) {
      const int ih = ih0 + i;
      if (ih < 0 || ih >= s.in_h || kw_lo >= kw_hi) {
        std::memset(dst, 0, sizeof(float) * s.kw * C);
        continue;
      }
      if (kw_lo > 0) std::memset(dst, 0, sizeof(float) * kw_lo * C);
      const float* src = in + (size_t(ih) * s.in_w + iw0 + kw_lo) * C;
      std::memcpy(dst + kw_lo * C, src, sizeof(float) * (kw_hi - kw_lo) * C);
      if (kw_hi < s.kw) std::memset(dst + kw_hi * C, 0, sizeof(float) * (s.kw - kw_hi) * C);
    }
  }
}

// d_in += scatter of dcol (rows, K) for output pixels [p0, p0+rows): the adjoint of im2col_block.
static void col2im_block_add(float* d_in, const float* dcol, const ConvShape& s, int p0, int rows) {
  const int K = s.k(), C = s.in_c;
  for (int r = 0; r < rows; ++r) {
    const int p = p0 + r, oh = p / s.out_w, ow = p % s.out_w;
    const int ih0 = oh * s.stride_h - s.pad_top, iw0 = ow * s.stride_w - s.pad_left;
    const int kw_lo = std::max(0, -iw0), kw_hi = std::min(s.kw, s.in_w - iw0);
    const float* src = dcol + size_t(r) * K;
    for (int i = 0; i < s.kh; ++i, src += s.kw * C) {
      const int ih = ih0 + i;
      if (ih < 0 || ih >= s.in_h || kw_lo >= kw_hi) continue;
      float* dst = d_in + (size_t(ih) * s.in_w + iw0 + kw_lo) * C;
      const float* sp = src + kw_lo * C;
      const int len = (kw_hi - kw_lo) * C;
#pragma omp simd
      for (int j = 0; j < len; ++j) dst[j] += sp[j];
    }
  }
}

// xp (Hp, Wp, Cin) = sample x (H, W, Cin) with pad_top rows and pad_left columns of zeros before
// it and zeros after it as far as the windows reach (input cells no window reads are left out).
static void pad_sample(float* xp, const float* x, const ConvShape& s) {
  const int C = s.in_c, hp = padded_h(s), wp = padded_w(s);
  const int cols = std::max(0, std::min(s.in_w, wp - s.pad_left));  // input columns kept
  for (int r = 0; r < hp; ++r, xp += size_t(wp) * C) {
    const int ih = r - s.pad_top;
    if (ih < 0 || ih >= s.in_h) {
      std::memset(xp, 0, sizeof(float) * wp * C);
      continue;
    }
    std::memset(xp, 0, sizeof(float) * s.pad_left * C);
    std::memcpy(xp + s.pad_left * C, x + size_t(ih) * s.in_w * C, sizeof(float) * cols * C);
    std::memset(xp + (s.pad_left + cols) * C, 0, sizeof(float) * (wp - s.pad_left - cols) * C);
  }
}

// panel_tile over the virtual im2col block of P output pixels side by side in one output row:
// pixel i's patch starts at a + i * am (am = stride_w * Cin); its kh rows are lda = Wp * Cin
// apart, each a run of KW * Cin contiguous floats. k runs in the (kh, kw, cin) order of
// im2col_block, so each output is the same sum, bit for bit, as panel_tile's over the copy.
template <int P>
static inline void implicit_tile(float* __restrict c, int ldc, const float* __restrict a, long am,
                                 long lda, int kh, int run, const float* __restrict b) {
  if (kh < 1 || run < 1) return;  // never: keeps acc in registers (see panel_tile)
  VecF acc[P][kPanelVecs] = {};
  for (int r = 0; r < kh; ++r, a += lda)
    for (int j = 0; j < run; ++j, b += kPanel) {
      VecF bv[kPanelVecs];
      for (int v = 0; v < kPanelVecs; ++v) bv[v] = load_vec(b + v * kVecLanes);
#pragma GCC unroll 16
      for (int i = 0; i < P; ++i) {
        const VecF ai = broadcast(a + i * am + j);
        for (int v = 0; v < kPanelVecs; ++v) acc[i][v] += ai * bv[v];
      }
    }
  for (int i = 0; i < P; ++i)
    for (int v = 0; v < kPanelVecs; ++v) store_vec(c + size_t(i) * ldc + v * kVecLanes, acc[i][v]);
}

// The last pixels of a row (fewer than kPanelRows) as one tile of that many.
template <int P = kPanelRows - 1>
static void implicit_tail(int rows, float* c, int ldc, const float* a, long am, long lda, int kh,
                          int run, const float* b) {
  if constexpr (P >= 1) {
    if (rows == P) return implicit_tile<P>(c, ldc, a, am, lda, kh, run, b);
    implicit_tail<P - 1>(rows, c, ldc, a, am, lda, kh, run, b);
  }
}

// out (rows, Cout) = the conv (no bias) of output pixels [p0, p0 + rows) of the sample padded in
// xp, with w packed in panels (wp). Tiles stay within an output row, where the pixels' patches are
// evenly spaced; a row's last few pixels take a smaller tile.
static void implicit_gemm(float* out, const float* xp, const ConvShape& s, int p0, int rows,
                          const float* wp) {
  const int C = s.in_c, K = s.k(), Cout = s.out_c, run = s.kw * C;
  const long am = long(s.stride_w) * C, lda = long(padded_w(s)) * C;
  for (int p = p0; p < p0 + rows;) {
    const int oh = p / s.out_w, ow = p % s.out_w, len = std::min(s.out_w - ow, p0 + rows - p);
    const float* a = xp + (size_t(oh) * s.stride_h * padded_w(s) + size_t(ow) * s.stride_w) * C;
    float* c = out + size_t(p - p0) * Cout;
    for (int n0 = 0; n0 < Cout; n0 += kPanel) {
      const float* b = wp + size_t(n0) * K;
      int m = 0;
      for (; m + kPanelRows <= len; m += kPanelRows)
        implicit_tile<kPanelRows>(c + size_t(m) * Cout + n0, Cout, a + m * am, am, lda, s.kh, run,
                                  b);
      if (m < len)
        implicit_tail(len - m, c + size_t(m) * Cout + n0, Cout, a + m * am, am, lda, s.kh, run, b);
    }
    p += len;
  }
}

// m (1..kPanelRows) kernel rows of d_w (ldc apart) += their rows of colᵀ, one float apart in the
// padded sample, · d_y's pixels (panel b), the pixels ak floats apart. A function of its own with
// panel_tile flattened into it: called from implicit_gemm_dw, GCC 12 split panel_tile<6, true> in
// two and the outlined part stored its accumulators on every step (AVX2: conv2's d_w 14.0 ms a
// sample against 11.8 with im2col; 11.6-15.3 against 12.2-15.7 now, same noisy runs).
__attribute__((noinline, flatten)) static void implicit_dw_tile(int m, float* c, int ldc,
                                                                const float* a, long ak, int len,
                                                                const float* b) {
  if (m == kPanelRows) return panel_tile<kPanelRows, true>(c, ldc, a, 1, ak, len, b);
  panel_tail<true>(m, c, ldc, a, 1, ak, len, b);
}

// d_w (K, Cout) += colᵀ · d_y for output pixels [p0, p0 + rows), col read in place from xp; d_y's
// block packed in panels (dyp, as conv_gemm_dw packs it). Kernel rows k = (kh, kw, cin): each kh
// is a run of KW * Cin rows one float apart, split into near-equal tiles (conv1's 15 as 8 + 7, not
// 12 + 3); the sum over pixels goes one output row at a time, where they are evenly spaced. Each
// element is the same sum in the same pixel order as panel_gemm's over the im2col block.
static void implicit_gemm_dw(float* d_w, const float* xp, const ConvShape& s, int p0, int rows,
                             const float* dyp) {
  const int C = s.in_c, Cout = s.out_c, run = s.kw * C;
  const long ak = long(s.stride_w) * C, lda = long(padded_w(s)) * C;
  const int tiles = (run + kPanelRows - 1) / kPanelRows, size = run / tiles, big = run % tiles;
  for (int p = p0; p < p0 + rows;) {
    const int oh = p / s.out_w, ow = p % s.out_w, len = std::min(s.out_w - ow, p0 + rows - p);
    const float* a = xp + (size_t(oh) * s.stride_h * padded_w(s) + size_t(ow) * s.stride_w) * C;
    for (int n0 = 0; n0 < Cout; n0 += kPanel) {
      const float* b = dyp + size_t(n0) * rows + size_t(p - p0) * kPanel;
      for (int r = 0; r < s.kh; ++r)
        for (int t = 0, j = 0; t < tiles; ++t) {
          const int m = size + (t < big ? 1 : 0);
          float* c = d_w + size_t(r * run + j) * Cout + n0;
          implicit_dw_tile(m, c, Cout, a + r * lda + j, ak, len, b);
          j += m;
        }
    }
    p += len;
  }
}

static void bias_act_rows(float* out, const float* b, int rows, int cols, bool relu) {
  for (int r = 0; r < rows; ++r) {
    float* o = out + size_t(r) * cols;
    if (relu) {
#pragma omp simd
      for (int c = 0; c < cols; ++c) o[c] = std::max(o[c] + b[c], 0.0f);
    } else {
#pragma omp simd
      for (int c = 0; c < cols; ++c) o[c] += b[c];
    }
  }
}

// Register-blocked GEMMs for convs with few output channels, where Eigen's kernels are poorly
// shaped (on conv1, K=75, Cout=32, such a kernel ran at ~100 GFLOP/s against Eigen's ~50, 1
// thread, 512-bit vectors). Couts that fill whole panels (32, 64, and 16 with AVX2) take
// panel_gemm instead; these serve Cout 8, and 16 with AVX-512.
// out (rows, CO) = col (rows, K) · w (K, CO)
template <int CO>
static void gemm_small_cout(float* __restrict out, const float* __restrict col, int rows, int K,
                            const float* __restrict w) {
  // Output pixels per register block: P*CO accumulators, within the vector registers (32 with
  // AVX-512; AVX2's 16 hold 12 accumulators: for 32 channels, before they took panels, 8 pixels
  // spilled, 46 vs 53 GFLOP/s for 3).
  constexpr int P = kVecLanes == 16 ? 8 : std::max(1, 12 * kVecLanes / CO);
  int r = 0;
  for (; r + P <= rows; r += P) {
    float acc[P][CO] = {};
    for (int k = 0; k < K; ++k) {
      const float* wk = w + size_t(k) * CO;
#pragma GCC unroll 8
      for (int i = 0; i < P; ++i) {
        const float c = col[size_t(r + i) * K + k];
#pragma omp simd
        for (int o = 0; o < CO; ++o) acc[i][o] += c * wk[o];
      }
    }
    std::memcpy(out + size_t(r) * CO, acc, sizeof acc);
  }
  for (; r < rows; ++r) {
    float acc[CO] = {};
    for (int k = 0; k < K; ++k) {
      const float c = col[size_t(r) * K + k];
#pragma omp simd
      for (int o = 0; o < CO; ++o) acc[o] += c * w[size_t(k) * CO + o];
    }
    std::memcpy(out + size_t(r) * CO, acc, sizeof acc);
  }
}

// d_w[k0 : k0+KT] (KT, CO) += colᵀ · d_y for one tile of kernel rows; KT and CO are compile-time
// so the KT*CO accumulators stay in registers (a runtime bound inside spills them to the stack).
template <int CO, int KT>
static inline void dw_tile(float* __restrict d_w, const float* __restrict col, int rows, int K,
                           const float* __restrict d_y, int k0) {
  float acc[KT][CO] = {};
  for (int r = 0; r < rows; ++r) {
    const float* d = d_y + size_t(r) * CO;
    const float* c = col + size_t(r) * K + k0;
#pragma GCC unroll 24
    for (int i = 0; i < KT; ++i) {
      const float ci = c[i];
#pragma omp simd
      for (int o = 0; o < CO; ++o) acc[i][o] += ci * d[o];
    }
  }
  for (int i = 0; i < KT; ++i)
    for (int o = 0; o < CO; ++o) d_w[size_t(k0 + i) * CO + o] += acc[i][o];
}

// d_w (K, CO) += colᵀ (K, rows) · d_y (rows, CO): full tiles of KT kernel rows, then the tail.
template <int CO, int KT>
static void gemm_small_cout_dw(float* __restrict d_w, const float* __restrict col, int rows, int K,
                               const float* __restrict d_y) {
  int k0 = 0;
  for (; k0 + KT <= K; k0 += KT) dw_tile<CO, KT>(d_w, col, rows, K, d_y, k0);
  for (; k0 + 4 <= K; k0 += 4) dw_tile<CO, 4>(d_w, col, rows, K, d_y, k0);
  for (; k0 < K; ++k0) dw_tile<CO, 1>(d_w, col, rows, K, d_y, k0);
}

// out (rows, Cout) = col · w, by the fastest kernel for the shape: panels when w was packed (wp).
static void conv_gemm(float* out, const float* col, int rows, int K, const float* w,
                      const float* wp, int cout) {
  if (wp) return panel_gemm<false>(out, cout, col, K, 1, rows, K, wp, cout);
  switch (cout) {
    case 8:
      return gemm_small_cout<8>(out, col, rows, K, w);
    case 16:  // with AVX2, 16 fills a panel and never gets here
      return gemm_small_cout<16>(out, col, rows, K, w);
    default:
      MapMat(out, rows, cout).noalias() = CMapMat(col, rows, K) * CMapMat(w, K, cout);
  }
}

// d_w (K, Cout) += colᵀ · d_y; dyp: room for d_y in panels when Cout takes them.
static void conv_gemm_dw(float* d_w, const float* col, int rows, int K, const float* d_y,
                         float* dyp, int cout) {
  if (panels_fit(cout)) {
    pack_panels(dyp, d_y, cout, rows, cout);
    return panel_gemm<true>(d_w, cout, col, 1, K, K, rows, dyp, cout);
  }
  switch (cout) {
    // Kernel rows per tile: KT*CO accumulators in registers (AVX2: 16 registers; for Cout 32,
    // before it took panels, KT 4 gave 38-45 GFLOP/s, 12 36-40, 3 and 6 only 18-21).
    case 8:
      return gemm_small_cout_dw<8, (kVecLanes == 16 ? 16 : 12)>(d_w, col, rows, K, d_y);
    case 16:
      return gemm_small_cout_dw<16, (kVecLanes == 16 ? 24 : 8)>(d_w, col, rows, K, d_y);
    default:
      MapMat(d_w, K, cout).noalias() +=
          CMapMat(col, rows, K).transpose() * CMapMat(d_y, rows, cout);
  }
}

void conv2d_forward(float* out, const float* in, const float* w, const float* b, const ConvShape& s,
                    Scratch scratch) {
  const int K = s.k(), HW = s.out_h * s.out_w, B = block_rows(s);
  const size_t per_thread = col_slot_floats(s), packed = forward_panel_floats(s);
  const bool implicit = implicit_fits(s);
  // Blocks of B pixels; on the implicit path whole output rows, so that no tile is cut short by a
  // block's end.
  const int bpx = implicit ? std::max(1, B / s.out_w) * s.out_w : B;
  const int nblocks = (HW + bpx - 1) / bpx;
  CNNLAB_ASSERT(scratch.floats >= packed + per_thread, "conv2d_forward: scratch too small");
  const int threads =
      int(std::min<size_t>(omp_get_max_threads(), (scratch.floats - packed) / per_thread));
  float* wp = packed ? scratch.data : nullptr;
  if (wp) pack_panels(wp, w, s.out_c, K, s.out_c);
  const bool relu = s.act == Activation::Relu;
  const long items = long(s.n) * nblocks;
  // Parallel over (sample, block) items: no reductions, so small batches use every thread too.
  // A thread's items are consecutive, so it pads each of its samples once.
  const bool big = double(s.n) * HW * K * s.out_c > kParallelMacs;
#pragma omp parallel num_threads(threads) if (big)
  {
    float* col = scratch.data + packed + per_thread * omp_get_thread_num();
    int padded = -1;  // the sample in col on the implicit path
#pragma omp for schedule(static)
    for (long item = 0; item < items; ++item) {
      const int i = int(item / nblocks), p0 = int(item % nblocks) * bpx;
      const int rows = std::min(bpx, HW - p0);
      const float* x = in + size_t(i) * s.in_h * s.in_w * s.in_c;  // (H, W, Cin)
      float* y = out + (size_t(i) * HW + p0) * s.out_c;            // (rows, Cout)
      if (implicit) {
        if (padded != i) pad_sample(col, x, s), padded = i;
        implicit_gemm(y, col, s, p0, rows, wp);
      } else {
        im2col_block(col, x, s, p0, rows);
        conv_gemm(y, col, rows, K, w, wp, s.out_c);
      }
      bias_act_rows(y, b, rows, s.out_c, relu);
    }
  }
}

// Where a fused conv→pool's backward finds the gradient w.r.t. the conv output: the pool's,
// routed to each window's max (pool_grad_block), instead of a stored (N, OH, OW, C) tensor.
struct PoolGrad {
  const float* d_pool;     // (N, PH, PW, C)
  const float* pool_out;   // (N, PH, PW, C): pool_out > 0 is the ReLU's mask at the window's max
  const uint8_t* offsets;  // (N, PH, PW, C): a * pool_w + b of the max
  PoolShape p;
  bool relu;
};

// dy (rows, C) = the gradient w.r.t. conv output pixels [p0, p0 + rows) of sample i. Windows that
// do not overlap (stride >= pool): each pixel reads the one window over it (d_pool where it is the
// window's max, else 0), vectorised over C like maxpool2d_backward's tiling path. Overlapping
// windows: scatter each window's gradient, summed in maxpool2d_backward's order (pool outputs
// ascending). Either way the values are maxpool2d_backward's bit for bit.
static void pool_grad_block(float* dy, const PoolGrad& g, int i, int p0, int rows) {
  const PoolShape& p = g.p;
  const int C = p.c;
  const size_t plane = size_t(p.out_h) * p.out_w * C;
  if (p.stride_h >= p.pool_h && p.stride_w >= p.pool_w) {
    for (int q = 0; q < rows; ++q) {
      const int r = (p0 + q) / p.in_w, col = (p0 + q) % p.in_w;
      const int ph = r / p.stride_h, a = r - ph * p.stride_h;
      const int pw = col / p.stride_w, bq = col - pw * p.stride_w;
      float* d = dy + size_t(q) * C;
      if (ph >= p.out_h || a >= p.pool_h || pw >= p.out_w || bq >= p.pool_w) {
        std::memset(d, 0, sizeof(float) * C);  // cropped by the floor, or between windows
        continue;
      }
      const size_t o = size_t(i) * plane + (size_t(ph) * p.out_w + pw) * C;
      const uint8_t here = uint8_t(a * p.pool_w + bq);
      const uint8_t* off = g.offsets + o;
      const float *dp = g.d_pool + o, *y = g.pool_out + o;
      if (g.relu) {
#pragma omp simd
        for (int c = 0; c < C; ++c) d[c] = off[c] == here && y[c] > 0.0f ? dp[c] : 0.0f;
      } else {
#pragma omp simd
        for (int c = 0; c < C; ++c) d[c] = off[c] == here ? dp[c] : 0.0f;
      }
    }
    return;
  }
  std::memset(dy, 0, sizeof(float) * size_t(rows) * C);
  const int r_lo = p0 / p.in_w, r_hi = (p0 + rows - 1) / p.in_w;  // conv rows in the block
  const int ph_lo = std::max(0, (r_lo - p.pool_h + p.stride_h) / p.stride_h);
  const int ph_hi = std::min(p.out_h - 1, r_hi / p.stride_h);
  for (int ph = ph_lo; ph <= ph_hi; ++ph)
    for (int pw = 0; pw < p.out_w; ++pw) {
      const size_t o = size_t(i) * plane + (size_t(ph) * p.out_w + pw) * C;
      for (int c = 0; c < C; ++c) {
        if (g.relu && !(g.pool_out[o + c] > 0.0f)) continue;
        const int off = g.offsets[o + c], a = off / p.pool_w, bq = off % p.pool_w;
        const int px = (ph * p.stride_h + a) * p.in_w + pw * p.stride_w + bq - p0;
        if (px >= 0 && px < rows) dy[size_t(px) * C + c] += g.d_pool[o + c];
      }
    }
}

// conv2d_backward, with d_out either given or (pg) formed per block from the pool's gradient.
static void conv_backward_impl(float* d_in, float* d_w, float* d_b, const float* d_out,
                               const PoolGrad* pg, const float* in, const float* w,
                               const ConvShape& s, Scratch scratch) {
  const int K = s.k(), HW = s.out_h * s.out_w, B = block_rows(s), Cout = s.out_c;
  const size_t per_thread = conv_backward_per_thread(s) + (pg ? size_t(B) * Cout : 0);
  const size_t packed = d_in ? backward_panel_floats(s) : 0;
  CNNLAB_ASSERT(scratch.floats >= packed + per_thread, "conv2d_backward: scratch too small");
  const int threads = std::max(
      1, int(std::min<size_t>({size_t(omp_get_max_threads()),
                               (scratch.floats - packed) / per_thread, size_t(std::max(s.n, 1))})));
  const size_t in_size = size_t(s.in_h) * s.in_w * s.in_c;
  const bool implicit = implicit_fits(s);
  CMapMat W(w, K, Cout);
  float* wtp = packed ? scratch.data : nullptr;  // wᵀ in panels, for d_col
  if (wtp) pack_panels_transposed(wtp, w, Cout, K);
  float* const base = scratch.data + packed;
  // Parallel over samples: a sample's d_in is written by one thread (col2im blocks overlap).
  // Each thread sums its samples' d_w in its own buffer; the fixed-order reduction below keeps
  // results deterministic for a given thread count.
  int team = 1;  // the runtime may give fewer threads than asked
  const bool big = double(s.n) * HW * K * Cout > kParallelMacs;
#pragma omp parallel num_threads(threads) if (big)
  {
    const int t = omp_get_thread_num();
    if (t == 0) team = omp_get_num_threads();
    float* col = base + per_thread * t;  // im2col block, or the padded sample (implicit)
    float* dcol = col + col_slot_floats(s);
    float* dw_t = dcol + size_t(B) * K;
    float* db_t = dw_t + size_t(K) * Cout;
    float* dyp = db_t + Cout;  // d_y's block in panels (B, Cout), when Cout takes them
    float* dy_t = dyp + (panels_fit(Cout) ? size_t(B) * Cout : 0);  // pg's block of d_out
    MapMat dW(dw_t, K, Cout);
    MapVec dB(db_t, Cout);
    dW.setZero();
    dB.setZero();
#pragma omp for schedule(static)
    for (int i = 0; i < s.n; ++i) {
      const float* x = in + i * in_size;
      float* dx = d_in ? d_in + i * in_size : nullptr;
      if (dx) std::memset(dx, 0, sizeof(float) * in_size);
      if (implicit) pad_sample(col, x, s);
      for (int p0 = 0; p0 < HW; p0 += B) {
        const int rows = std::min(B, HW - p0);
        const float* dy = pg ? dy_t : d_out + (size_t(i) * HW + p0) * Cout;
        if (pg) pool_grad_block(dy_t, *pg, i, p0, rows);
        CMapMat dY(dy, rows, Cout);
        if (implicit) {  // one panel is d_y itself, as it stands
          if (Cout > kPanel) pack_panels(dyp, dy, Cout, rows, Cout);
          implicit_gemm_dw(dw_t, col, s, p0, rows, Cout > kPanel ? dyp : dy);
        } else {
          im2col_block(col, x, s, p0, rows);
          conv_gemm_dw(dw_t, col, rows, K, dy, dyp, Cout);
        }
        // d_b row by row, a vector of channels at a time (Eigen's colwise sum over the row-major
        // block ran as strided scalar adds: ~10 % of conv1's backward).
        for (int r = 0; r < rows; ++r) {
          const float* d = dy + size_t(r) * Cout;
#pragma omp simd
          for (int c = 0; c < Cout; ++c) db_t[c] += d[c];
        }
        if (dx) {
          if (wtp)
            panel_gemm<false>(dcol, K, dy, Cout, 1, rows, Cout, wtp, K);
          else
            MapMat(dcol, rows, K).noalias() = dY * W.transpose();
          col2im_block_add(dx, dcol, s, p0, rows);
        }
      }
    }
  }
  // Reduce the per-thread partials in thread order.
  MapMat dW(d_w, K, Cout);
  MapVec dB(d_b, Cout);
  const size_t dw_at = col_slot_floats(s) + size_t(B) * K;  // a thread's d_w in its scratch
  dW = MapMat(base + dw_at, K, Cout);
  dB = MapVec(base + dw_at + size_t(K) * Cout, Cout);
  for (int t = 1; t < team; ++t) {
    const float* part = base + per_thread * t + dw_at;
    dW += CMapMat(part, K, Cout);
    dB += CMapVec(part + size_t(K) * Cout, Cout);
  }
}

void conv2d_backward(float* d_in, float* d_w, float* d_b, const float* d_out, const float* in,
                     const float* w, const ConvShape& s, Scratch scratch) {
  conv_backward_impl(d_in, d_w, d_b, d_out, nullptr, in, w, s, scratch);
}

// =================================================================================================
// [SECTION] maxpool2d
// =================================================================================================
PoolShape make_pool_shape(int n, int in_h, int in_w, int c, int pool, int stride) {
  if (stride <= 0) stride = pool;
  CNNLAB_ASSERT(pool > 0 && c > 0, "bad pool shape");
  PoolShape s;
  s.n = n, s.in_h = in_h, s.in_w = in_w, s.c = c;
  s.pool_h = s.pool_w = pool;
  s.stride_h = s.stride_w = stride;
  s.out_h = conv_out_size(in_h, pool, stride, Padding::Valid);
  s.out_w = conv_out_size(in_w, pool, stride, Padding::Valid);
  CNNLAB_ASSERT(s.out_h > 0 && s.out_w > 0, "pool input smaller than the pool");
  return s;
}

void maxpool2d_forward(float* out, int32_t* argmax, const float* in, const PoolShape& s) {
  const int C = s.c;
  const size_t in_size = size_t(s.in_h) * s.in_w * C, out_size = size_t(s.out_h) * s.out_w * C;
  const long rows = long(s.n) * s.out_h;
  // The course model's first pool writes 2 x 91 MB: streamed, those bytes are not read first.
  const bool stream = C % kVecLanes == 0 &&
                      use_streaming_stores(out, 2 * sizeof(float) * s.n * out_size) &&
                      reinterpret_cast<uintptr_t>(argmax) % sizeof(VecI) == 0;
#pragma omp parallel for schedule(static) if (double(s.n) * in_size > kParallelMacs)
  for (long row = 0; row < rows; ++row) {
    const int i = int(row / s.out_h), oh = int(row % s.out_h);
    const float* x = in + i * in_size;
    for (int ow = 0; ow < s.out_w; ++ow) {
      const size_t o = i * out_size + (size_t(oh) * s.out_w + ow) * C;
      float* y = out + o;
      int32_t* am = argmax + o;
      const int ih0 = oh * s.stride_h, iw0 = ow * s.stride_w;
      const int32_t first = (ih0 * s.in_w + iw0) * C;
      if (C % kVecLanes == 0) {  // the same, kVecLanes channels at a time, without branches
        const VecI lanes = lane_index();
        for (int c0 = 0; c0 < C; c0 += kVecLanes) {
          VecF best;
          VecI arg;
          window_max_vec(
              x + first + c0, size_t(s.in_w) * C, size_t(C), s.pool_h, s.pool_w,
              [&](int a, int bq) { return lanes + (first + (a * s.in_w + bq) * C + c0); }, best,
              arg);
          put_vec(y + c0, best, stream);
          put_vec(am + c0, arg, stream);
        }
        continue;
      }
      for (int c = 0; c < C; ++c) y[c] = x[first + c], am[c] = first + c;
      for (int a = 0; a < s.pool_h; ++a)
        for (int bq = 0; bq < s.pool_w; ++bq) {
          const int32_t base = ((ih0 + a) * s.in_w + iw0 + bq) * C;
          for (int c = 0; c < C; ++c)
            if (x[base + c] > y[c]) y[c] = x[base + c], am[c] = base + c;  // first max wins
        }
    }
    if (stream) stream_fence();
  }
}

void maxpool2d_backward(float* d_in, const float* d_out, const int32_t* argmax, const PoolShape& s,
                        const float* relu_out) {
  const int C = s.c;
  const size_t in_size = size_t(s.in_h) * s.in_w * C, out_size = size_t(s.out_h) * s.out_w * C;
  const bool tiles = s.stride_h == s.pool_h && s.stride_w == s.pool_w;
  // The course model's first pool's input gradient is 366 MB: streamed, it is not read first.
  const bool stream =
      tiles && C % kVecLanes == 0 && use_streaming_stores(d_in, sizeof(float) * s.n * in_size);
  const VecI lanes = lane_index();
#pragma omp parallel for schedule(static) if (double(s.n) * in_size > kParallelMacs)
  for (int i = 0; i < s.n; ++i) {
    float* dx = d_in + i * in_size;
    const float* dy = d_out + i * out_size;
    const int32_t* am = argmax + i * out_size;
    const float* y = relu_out ? relu_out + i * in_size : nullptr;
    if (!tiles) {  // windows may overlap or leave gaps: zero, then accumulate
      std::memset(dx, 0, sizeof(float) * in_size);
      for (size_t o = 0; o < out_size; ++o)
        if (!y || y[am[o]] > 0.0f) dx[am[o]] += dy[o];
      continue;
    }
    // Windows tile the input: write every element once (the window's max gets d_out, the rest 0);
    // rows and columns cropped by the floor get 0.
    for (int oh = 0; oh < s.out_h; ++oh)
      for (int a = 0; a < s.pool_h; ++a) {
        const int ih = oh * s.pool_h + a;
        float* row = dx + size_t(ih) * s.in_w * C;
        for (int ow = 0; ow < s.out_w; ++ow) {
          const size_t o = (size_t(oh) * s.out_w + ow) * C;
          for (int bq = 0; bq < s.pool_w; ++bq) {
            const int32_t base = (ih * s.in_w + ow * s.pool_w + bq) * C;
            if (stream) {  // the same selection, a vector of channels at a time
              for (int c0 = 0; c0 < C; c0 += kVecLanes) {
                VecI hit = load_vec(am + o + c0) == lanes + (base + c0);
                if (y) hit &= load_vec(y + base + c0) > VecF{};
                stream_vec(dx + base + c0, (VecF)((VecI)load_vec(dy + o + c0) & hit));
              }
              continue;
            }
            for (int c = 0; c < C; ++c) {
              const bool hit = am[o + c] == base + c && (!y || y[base + c] > 0.0f);
              dx[base + c] = hit ? dy[o + c] : 0.0f;
            }
          }
        }
        const int covered = s.out_w * s.pool_w;
        std::memset(row + size_t(covered) * C, 0, sizeof(float) * (s.in_w - covered) * C);
      }
    const size_t covered_rows = size_t(s.out_h) * s.pool_h;
    std::memset(dx + covered_rows * s.in_w * C, 0,
                sizeof(float) * (s.in_h - covered_rows) * s.in_w * C);
    if (stream) stream_fence();
  }
}

// =================================================================================================
// [SECTION] conv2d + maxpool2d, fused
// =================================================================================================
bool pool_offsets_fit(const PoolShape& p) {
  return p.pool_h * p.pool_w <= kMaxPoolOffsetCells;
}

// Per thread: a column block and the conv rows under one row of pool windows.
static size_t conv_pool_forward_per_thread(const ConvShape& s, const PoolShape& p) {
  return col_slot_floats(s) + size_t(p.pool_h) * s.out_w * s.out_c;
}

size_t conv2d_pool_forward_scratch(const ConvShape& s, const PoolShape& p, int threads) {
  // conv2d_forward's for sample 0 (conv_out0) too
  return std::max(conv2d_forward_scratch(s, threads),
                  forward_panel_floats(s) + size_t(threads) * conv_pool_forward_per_thread(s, p));
}

size_t conv2d_pool_backward_scratch(const ConvShape& s, int threads) {
  return backward_panel_floats(s) +
         size_t(threads) * (conv_backward_per_thread(s) + size_t(block_rows(s)) * s.out_c);
}

// One row of pool windows: y, am (PW, C) from band = the pool_h conv rows (pool_h, in_w, C) under
// it. Same order as maxpool2d_forward: the window's first cell, then every cell; first max wins.
static void pool_band(float* y, uint8_t* am, const float* band, const PoolShape& p) {
  const int C = p.c;
  const size_t row = size_t(p.in_w) * C;
  if (C % kVecLanes == 0) {  // the same, kVecLanes channels at a time, without branches
    for (int pw = 0; pw < p.out_w; ++pw) {
      const float* first = band + size_t(pw) * p.stride_w * C;
      for (int c0 = 0; c0 < C; c0 += kVecLanes) {
        VecF best;
        VecI off;
        window_max_vec(
            first + c0, row, size_t(C), p.pool_h, p.pool_w,
            [&](int a, int bq) { return VecI{} + (a * p.pool_w + bq); }, best, off);
        store_vec(y + size_t(pw) * C + c0, best);
        uint8_t* ao = am + size_t(pw) * C + c0;
        for (int k = 0; k < kVecLanes; ++k) ao[k] = uint8_t(off[k]);
      }
    }
    return;
  }
  for (int pw = 0; pw < p.out_w; ++pw) {
    float* yo = y + size_t(pw) * C;
    uint8_t* ao = am + size_t(pw) * C;
    const float* first = band + size_t(pw) * p.stride_w * C;
    for (int c = 0; c < C; ++c) yo[c] = first[c], ao[c] = 0;
    for (int a = 0; a < p.pool_h; ++a)
      for (int bq = 0; bq < p.pool_w; ++bq) {
        const float* x = band + a * row + size_t(pw * p.stride_w + bq) * C;
        const uint8_t off = uint8_t(a * p.pool_w + bq);
        for (int c = 0; c < C; ++c)
          if (x[c] > yo[c]) yo[c] = x[c], ao[c] = off;
      }
  }
}

static void check_conv_pool(const ConvShape& s, const PoolShape& p) {
  CNNLAB_ASSERT(p.n == s.n && p.in_h == s.out_h && p.in_w == s.out_w && p.c == s.out_c,
                "conv2d_pool: the pool's input must be the conv's output");
  CNNLAB_ASSERT(pool_offsets_fit(p), "conv2d_pool: pool window too large for byte offsets");
}

void conv2d_pool_forward(float* pool_out, uint8_t* offsets, float* conv_out0, const float* in,
                         const float* w, const float* b, const ConvShape& s, const PoolShape& p,
                         Scratch scratch) {
  check_conv_pool(s, p);
  const int C = s.out_c, K = s.k(), B = block_rows(s);
  const size_t plane = size_t(p.out_h) * p.out_w * C, pool_row = size_t(p.out_w) * C;
  const size_t in_size = size_t(s.in_h) * s.in_w * s.in_c, conv_row = size_t(s.out_w) * C;
  int first = 0;  // sample 0 goes through conv_out0 when it is kept
  if (conv_out0 && s.n > 0) {
    ConvShape one = s;
    one.n = 1;
    conv2d_forward(conv_out0, in, w, b, one, scratch);
    for (int ph = 0; ph < p.out_h; ++ph)
      pool_band(pool_out + ph * pool_row, offsets + ph * pool_row,
                conv_out0 + size_t(ph) * p.stride_h * conv_row, p);
    first = 1;
  }
  const size_t per_thread = conv_pool_forward_per_thread(s, p), packed = forward_panel_floats(s);
  CNNLAB_ASSERT(scratch.floats >= packed + per_thread, "conv2d_pool_forward: scratch too small");
  const int threads =
      int(std::min<size_t>(omp_get_max_threads(), (scratch.floats - packed) / per_thread));
  float* wp =
      packed ? scratch.data : nullptr;  // conv2d_forward above packed it too, and may not run
  if (wp) pack_panels(wp, w, C, K, C);
  const bool relu = s.act == Activation::Relu, implicit = implicit_fits(s);
  // The band in near-equal blocks (multiples of 8 rows) rather than B + a short tail: Eigen's GEMM
  // is slow on a few rows. Eigen rounds a row by its place in the block, so for a Cout that takes
  // Eigen (one that neither fills whole panels nor has a register kernel) the values differ from
  // conv2d_forward's in the last bit; panels and register kernels sum each pixel alike wherever
  // it sits.
  const int band_px = p.pool_h * s.out_w, nblocks = (band_px + B - 1) / B;
  const int chunk = std::min(B, ((band_px + nblocks - 1) / nblocks + 7) / 8 * 8);
  const long items = long(s.n - first) * p.out_h;
  const bool big = double(s.n) * s.out_h * s.out_w * K * C > kParallelMacs;
#pragma omp parallel num_threads(threads) if (big)
  {
    float* col = scratch.data + packed + per_thread * omp_get_thread_num();
    float* band = col + col_slot_floats(s);  // (pool_h, OW, C)
    int padded = -1;                         // the sample in col on the implicit path
#pragma omp for schedule(static)
    for (long item = 0; item < items; ++item) {
      const int i = first + int(item / p.out_h), ph = int(item % p.out_h);
      const float* x = in + size_t(i) * in_size;
      const int p_begin = ph * p.stride_h * s.out_w;
      if (implicit) {  // whole rows: no short blocks
        if (padded != i) pad_sample(col, x, s), padded = i;
        implicit_gemm(band, col, s, p_begin, band_px, wp);
        bias_act_rows(band, b, band_px, C, relu);
      } else {
        for (int q = 0; q < band_px; q += chunk) {
          const int rows = std::min(chunk, band_px - q);
          im2col_block(col, x, s, p_begin + q, rows);
          conv_gemm(band + size_t(q) * C, col, rows, K, w, wp, C);
          bias_act_rows(band + size_t(q) * C, b, rows, C, relu);
        }
      }
      const size_t o = size_t(i) * plane + ph * pool_row;
      pool_band(pool_out + o, offsets + o, band, p);
    }
  }
}

void conv2d_pool_backward(float* d_in, float* d_w, float* d_b, const float* d_pool,
                          const float* pool_out, const uint8_t* offsets, const float* in,
                          const float* w, const ConvShape& s, const PoolShape& p, Scratch scratch) {
  check_conv_pool(s, p);
  const PoolGrad g{d_pool, pool_out, offsets, p, s.act == Activation::Relu};
  conv_backward_impl(d_in, d_w, d_b, nullptr, &g, in, w, s, scratch);
}

void maxpool2d_backward_offsets(float* d_in, const float* d_out, const uint8_t* offsets,
                                const PoolShape& s, const float* pool_out) {
  CNNLAB_ASSERT(pool_offsets_fit(s), "maxpool2d_backward_offsets: pool window too large");
  const int C = s.c;
  const size_t in_size = size_t(s.in_h) * s.in_w * C, out_size = size_t(s.out_h) * s.out_w * C;
#pragma omp parallel for schedule(static) if (double(s.n) * in_size > kParallelMacs)
  for (int i = 0; i < s.n; ++i) {
    float* dx = d_in + i * in_size;
    std::memset(dx, 0, sizeof(float) * in_size);
    for (int oh = 0; oh < s.out_h; ++oh)
      for (int ow = 0; ow < s.out_w; ++ow)
        for (int c = 0; c < C; ++c) {
          const size_t o = i * out_size + (size_t(oh) * s.out_w + ow) * C + c;
          if (pool_out && !(pool_out[o] > 0.0f)) continue;
          const int a = offsets[o] / s.pool_w, bq = offsets[o] % s.pool_w;
          dx[(size_t(oh * s.stride_h + a) * s.in_w + ow * s.stride_w + bq) * C + c] += d_out[o];
        }
  }
}

// =================================================================================================
// [SECTION] floating-point environment
// =================================================================================================
static unsigned get_mxcsr() {
#if defined(__SSE__)
  return _mm_getcsr();
#else
  return 0;
#endif
}

static void set_mxcsr(unsigned v) {
#if defined(__SSE__)
  _mm_setcsr(v);
#else
  (void)v;
#endif
}

constexpr unsigned kFtzDaz = 0x8040;  // MXCSR: flush to zero (bit 15), denormals are zero (bit 6)

ScopedFlushDenormals::ScopedFlushDenormals(int threads) : saved_(get_mxcsr()) {
  set_mxcsr(saved_ | kFtzDaz);
  // libgomp keeps a team per calling thread, and a thread it adds later inherits its creator's
  // MXCSR (flushing, inside this scope): so once per calling thread and team size.
  static thread_local int team_done = 0;
  if (threads <= team_done) return;
#pragma omp parallel num_threads(threads)
  set_mxcsr(get_mxcsr() | kFtzDaz);
  team_done = threads;
}

ScopedFlushDenormals::~ScopedFlushDenormals() {
  set_mxcsr(saved_);
}

// =================================================================================================
// [SECTION] dense
// =================================================================================================
// Threads worth using for a dense layer: ~1M multiply-adds per thread at least.
static int dense_threads(const DenseShape& s) {
  const double work = double(s.n) * s.in * s.out;
  const int by_work = int(std::max(1.0, work / double(1 << 20)));
  return std::max(1, std::min({omp_get_max_threads(), by_work, s.in / 16}));
}

// Rows [k0, k1) of the In dimension for thread t of T, aligned to 16 floats.
static void dense_range(const DenseShape& s, int t, int T, int& k0, int& k1) {
  const int blocks = (s.in + 15) / 16;
  k0 = std::min(s.in, int(int64_t(blocks) * t / T) * 16);
  k1 = std::min(s.in, int(int64_t(blocks) * (t + 1) / T) * 16);
}

using CStridedMat = Eigen::Map<const RowMat, 0, Eigen::OuterStride<>>;
using StridedMat = Eigen::Map<RowMat, 0, Eigen::OuterStride<>>;

// The big dense layer's forward by hand: y (n, out) = x[:, k0:k1] · w[k0:k1, :] streams 1.4 GB of
// weights with 32 samples to use each on, so it is compute-bound only if each weight is loaded once
// and the stream overlaps the arithmetic. The product is formed transposed, yt (out, n_pad) =
// w_blockᵀ · xt, in register tiles of U output units × SV vectors of samples: one broadcast of a
// weight serves every sample (an earlier tiling of samples × units re-read each block of w from L2
// once per group of 4 or 8 samples). Blocks of kDenseKc rows of w are used in place while the next
// block is prefetched into L2, one cache line per inner step. Each output sums k in order, block
// after block, as before.
constexpr int kDenseKc = 64;

struct Prefetch {  // the next block of w, one cache line at a time
  const float* next = nullptr;
  size_t lines = 0, done = 0;
  void step() {
    if (done < lines) __builtin_prefetch(next + 16 * done++, 0, 2);
  }
  void finish() {
    while (done < lines) step();
  }
};

static int padded_samples(int n) {
  return (n + kVecLanes - 1) / kVecLanes * kVecLanes;
}

#if defined(__AVX512F__)
// AVX-512: 12 units × 2 sample vectors (32 samples), 24 accumulators of 32 registers.
constexpr int kDenseAcc = 24, kDenseSampleVecs = 2;

// yt[u0 : u0+U, s0 : s0 + SV vectors] += w[0:kc, u0 : u0+U]ᵀ · xt[0:kc, s0 : ...].
template <int U, int SV>
static inline void dense_tile(float* __restrict yt, int n_pad, const float* __restrict w, int out,
                              int kc, const float* __restrict xt, int u0, int s0, Prefetch& pf) {
  if (kc < 1) return;  // a trip count known positive keeps acc in registers (see panel_tile)
  VecF acc[U][SV];
  for (int u = 0; u < U; ++u)
    for (int v = 0; v < SV; ++v)
      acc[u][v] = load_vec(yt + size_t(u0 + u) * n_pad + s0 + v * kVecLanes);
  for (int k = 0; k < kc; ++k) {
    VecF xv[SV];
    for (int v = 0; v < SV; ++v) xv[v] = load_vec(xt + size_t(k) * n_pad + s0 + v * kVecLanes);
    const float* wk = w + size_t(k) * out + u0;
#pragma GCC unroll 24
    for (int u = 0; u < U; ++u) {
      const VecF wu = broadcast(wk + u);
      for (int v = 0; v < SV; ++v) acc[u][v] += wu * xv[v];
    }
    pf.step();
  }
  for (int u = 0; u < U; ++u)
    for (int v = 0; v < SV; ++v)
      store_vec(yt + size_t(u0 + u) * n_pad + s0 + v * kVecLanes, acc[u][v]);
}

// The last units (fewer than a tile's) as one tile of that many.
template <int SV, int U = kDenseAcc / SV - 1>
static void dense_unit_tail(int units, float* yt, int n_pad, const float* w, int out, int kc,
                            const float* xt, int u0, int s0, Prefetch& pf) {
  if constexpr (U >= 1) {
    if (units == U) return dense_tile<U, SV>(yt, n_pad, w, out, kc, xt, u0, s0, pf);
    dense_unit_tail<SV, U - 1>(units, yt, n_pad, w, out, kc, xt, u0, s0, pf);
  }
}

template <int SV>
static void dense_units(float* yt, int n_pad, const float* w, int out, int kc, const float* xt,
                        int s0, Prefetch& pf) {
  constexpr int U = kDenseAcc / SV;
  int u = 0;
  for (; u + U <= out; u += U) dense_tile<U, SV>(yt, n_pad, w, out, kc, xt, u, s0, pf);
  if (u < out) dense_unit_tail<SV>(out - u, yt, n_pad, w, out, kc, xt, u, s0, pf);
}

// Samples [s0, s0 + vecs vectors) with vecs < kDenseSampleVecs, as one tile width.
template <int SV = kDenseSampleVecs - 1>
static void dense_sample_tail(int vecs, float* yt, int n_pad, const float* w, int out, int kc,
                              const float* xt, int s0, Prefetch& pf) {
  if constexpr (SV >= 1) {
    if (vecs == SV) return dense_units<SV>(yt, n_pad, w, out, kc, xt, s0, pf);
    dense_sample_tail<SV - 1>(vecs, yt, n_pad, w, out, kc, xt, s0, pf);
  }
}

// Floats of work space dense_forward_range needs: yt (out, n_pad) and a block of xt (kc, n_pad).
static size_t dense_range_work(int n, int out) {
  return size_t(padded_samples(n)) * (size_t(out) + kDenseKc);
}

// y (n, out) = x[:, k0:k1] (row stride ldx) · w[k0:k1, :]; w's rows are `out` floats apart.
static void dense_forward_range(float* y, const float* x, int n, int ldx, const float* w, int out,
                                int k0, int k1, float* work) {
  const int n_pad = padded_samples(n), group = kDenseSampleVecs * kVecLanes;
  float* yt = work;                        // (out, n_pad)
  float* xt = work + size_t(out) * n_pad;  // (kc, n_pad): the block of x, transposed
  std::fill(yt, yt + size_t(out) * n_pad, 0.0f);
  for (int kb = k0; kb < k1; kb += kDenseKc) {
    const int kc = std::min(kDenseKc, k1 - kb);
    const int next = std::min(kDenseKc, k1 - kb - kc);
    Prefetch pf{w + size_t(kb + kc) * out, size_t(next) * out / 16, 0};
    for (int k = 0; k < kc; ++k)
      for (int i = 0; i < n_pad; ++i)
        xt[size_t(k) * n_pad + i] = i < n ? x[size_t(i) * ldx + kb + k] : 0.0f;
    const float* wb = w + size_t(kb) * out;
    int s0 = 0;
    for (; s0 + group <= n_pad; s0 += group)
      dense_units<kDenseSampleVecs>(yt, n_pad, wb, out, kc, xt, s0, pf);
    if (s0 < n_pad) dense_sample_tail((n_pad - s0) / kVecLanes, yt, n_pad, wb, out, kc, xt, s0, pf);
    pf.finish();
  }
  for (int i = 0; i < n; ++i)
    for (int u = 0; u < out; ++u) y[size_t(i) * out + u] = yt[size_t(u) * n_pad + i];
}

#else
// AVX2: samples × units instead. The transposed tiling above lost here at 2 threads (0.21-0.28 s
// against 0.20-0.22 with 6 units × 2 vectors; 0.42-0.46 with 2 × 4; 3 × 4 leaves no register for
// the broadcast): 16 registers hold too few sample vectors to pay for a broadcast per weight.
// Registers hold a tile of 4 samples × 3 vectors of outputs, and x's block is packed per group of
// 4 samples; each block of w is read from L2 once per group. Course model, 2 threads: 0.22 s
// (Eigen 0.27-0.31).
constexpr int kDenseRows = 4;  // 4 x 3 accumulators of 16
constexpr int kDenseVecs = 3;

// y (G, out) (row stride out) += xp (kc, G) · w (kc, out), columns [j, j + V vectors).
template <int G, int V>
static inline void dense_tile(float* __restrict y, const float* __restrict xp,
                              const float* __restrict w, int out, int kc, int j, Prefetch& pf) {
  VecF acc[G][V];
  for (int g = 0; g < G; ++g)
    for (int v = 0; v < V; ++v) acc[g][v] = load_vec(y + size_t(g) * out + j + v * kVecLanes);
  for (int k = 0; k < kc; ++k) {
    VecF wv[V];
    for (int v = 0; v < V; ++v) wv[v] = load_vec(w + size_t(k) * out + j + v * kVecLanes);
    for (int g = 0; g < G; ++g) {
      const float xs = xp[k * G + g];
      for (int v = 0; v < V; ++v) acc[g][v] += xs * wv[v];
    }
    pf.step();
  }
  for (int g = 0; g < G; ++g)
    for (int v = 0; v < V; ++v) store_vec(y + size_t(g) * out + j + v * kVecLanes, acc[g][v]);
}

template <int G>
static void dense_rows(float* y, const float* xp, const float* w, int out, int kc, Prefetch& pf) {
  constexpr int step = kDenseVecs * kVecLanes;
  int j = 0;
  for (; j + step <= out; j += step) dense_tile<G, kDenseVecs>(y, xp, w, out, kc, j, pf);
  for (; j + kVecLanes <= out; j += kVecLanes) dense_tile<G, 1>(y, xp, w, out, kc, j, pf);
  for (; j < out; ++j)
    for (int g = 0; g < G; ++g) {
      float a = y[size_t(g) * out + j];
      for (int k = 0; k < kc; ++k) a += xp[k * G + g] * w[size_t(k) * out + j];
      y[size_t(g) * out + j] = a;
    }
}

static size_t dense_range_work(int, int) {  // no work space: x's block is on the stack
  return 0;
}

// y (n, out) = x[:, k0:k1] (row stride ldx) · w[k0:k1, :]; w's rows are `out` floats apart.
static void dense_forward_range(float* y, const float* x, int n, int ldx, const float* w, int out,
                                int k0, int k1, float* /*work*/) {
  std::fill(y, y + size_t(n) * out, 0.0f);
  float xp[kDenseRows * kDenseKc];  // a group's block of x, k-major: xp[k * G + g]
  for (int kb = k0; kb < k1; kb += kDenseKc) {
    const int kc = std::min(kDenseKc, k1 - kb);
    const int next = std::min(kDenseKc, k1 - kb - kc);
    Prefetch pf{w + size_t(kb + kc) * out, size_t(next) * out / 16, 0};
    const float* wb = w + size_t(kb) * out;
    int g = 0;
    for (; g + kDenseRows <= n; g += kDenseRows) {
      for (int k = 0; k < kc; ++k)
        for (int q = 0; q < kDenseRows; ++q)
          xp[k * kDenseRows + q] = x[size_t(g + q) * ldx + kb + k];
      dense_rows<kDenseRows>(y + size_t(g) * out, xp, wb, out, kc, pf);
    }
    for (; g < n; ++g) {
      for (int k = 0; k < kc; ++k) xp[k] = x[size_t(g) * ldx + kb + k];
      dense_rows<1>(y + size_t(g) * out, xp, wb, out, kc, pf);
    }
    pf.finish();
  }
}

#endif

// Layers with at least this many weights take dense_forward_range; smaller ones Eigen.
constexpr double kDenseByHand = double(1 << 20);

// Partials (n, out) per thread when In is split, and dense_forward_range's work space per thread.
size_t dense_forward_scratch(const DenseShape& s, int threads) {
  return (threads > 1 ? size_t(threads) * s.n * s.out : 0) +
         size_t(std::max(threads, 1)) * dense_range_work(s.n, s.out);
}

void dense_forward(float* out, const float* in, const float* w, const float* b, const DenseShape& s,
                   Scratch scratch) {
  CNNLAB_ASSERT(s.act == Activation::None || s.act == Activation::Relu,
                "dense fuses only linear or relu (softmax is softmax_xent_forward)");
  MapMat Y(out, s.n, s.out);  // (N, Out)
  const size_t part = size_t(s.n) * s.out, work = dense_range_work(s.n, s.out);
  // Threads that scratch has room for: a partial and a work space each (one thread: work only).
  int T = int(std::min<size_t>(dense_threads(s), scratch.floats / (part + work)));
  const bool by_hand = double(s.in) * s.out >= kDenseByHand && scratch.floats >= work;
  if (T <= 1) {
    if (by_hand)
      dense_forward_range(out, in, s.n, s.in, w, s.out, 0, s.in, scratch.data);
    else
      Y.noalias() = CMapMat(in, s.n, s.in) * CMapMat(w, s.in, s.out);
  } else {
    // Split-K: thread t computes in[:, k0:k1] · w[k0:k1, :] into its partial; summed in order.
#pragma omp parallel for num_threads(T) schedule(static, 1)
    for (int t = 0; t < T; ++t) {
      int k0, k1;
      dense_range(s, t, T, k0, k1);
      MapMat P(scratch.data + part * t, s.n, s.out);
      if (by_hand)
        dense_forward_range(P.data(), in, s.n, s.in, w, s.out, k0, k1,
                            scratch.data + part * T + work * t);
      else if (k1 > k0)
        P.noalias() = CStridedMat(in + k0, s.n, k1 - k0, Eigen::OuterStride<>(s.in)) *
                      CMapMat(w + size_t(k0) * s.out, k1 - k0, s.out);
      else
        P.setZero();
    }
    Y = MapMat(scratch.data, s.n, s.out);
    for (int t = 1; t < T; ++t) Y += MapMat(scratch.data + part * t, s.n, s.out);
  }
  bias_act_rows(out, b, s.n, s.out, s.act == Activation::Relu);
}

void dense_backward(float* d_in, float* d_w, float* d_b, const float* d_out, const float* in,
                    const float* w, const DenseShape& s) {
  CMapMat dY(d_out, s.n, s.out);  // (N, Out)
  MapVec(d_b, s.out).noalias() = dY.colwise().sum();
  const int T = dense_threads(s);
  // Thread t owns rows [k0, k1) of d_w and columns [k0, k1) of d_in: no reduction needed.
#pragma omp parallel for num_threads(T) schedule(static, 1) if (T > 1)
  for (int t = 0; t < T; ++t) {
    int k0, k1;
    dense_range(s, t, T, k0, k1);
    if (k1 > k0) {
      CStridedMat X(in + k0, s.n, k1 - k0, Eigen::OuterStride<>(s.in));  // (N, k1-k0)
      CMapMat W(w + size_t(k0) * s.out, k1 - k0, s.out);                 // (k1-k0, Out)
      if (d_w) MapMat(d_w + size_t(k0) * s.out, k1 - k0, s.out).noalias() = X.transpose() * dY;
      if (d_in)
        StridedMat(d_in + k0, s.n, k1 - k0, Eigen::OuterStride<>(s.in)).noalias() =
            dY * W.transpose();
    }
  }
}

// =================================================================================================
// [SECTION] relu, softmax + cross-entropy
// =================================================================================================
void relu_forward(float* out, const float* in, size_t count) {
#pragma omp parallel for simd schedule(static) if (count > (1u << 16))
  for (size_t i = 0; i < count; ++i) out[i] = std::max(in[i], 0.0f);
}

void relu_backward(float* d_x, const float* d_y, const float* y, size_t count) {
#pragma omp parallel for simd schedule(static) if (count > (1u << 16))
  for (size_t i = 0; i < count; ++i) d_x[i] = y[i] > 0.0f ? d_y[i] : 0.0f;
}

// One row: p = softmax(z) (max subtracted); returns the max and log Σ exp(z - max), so that
// -log p_k = lse - (z_k - max) in log-sum-exp form.
struct SoftmaxRow {
  float mx;
  double lse;
};
static SoftmaxRow softmax_row(float* p, const float* z, int classes) {
  float mx = z[0];
  for (int k = 1; k < classes; ++k) mx = std::max(mx, z[k]);
  double sum = 0.0;
  for (int k = 0; k < classes; ++k) sum += std::exp(double(z[k] - mx));
  for (int k = 0; k < classes; ++k) p[k] = float(std::exp(double(z[k] - mx)) / sum);
  return {mx, std::log(sum)};
}

float softmax_xent_forward(float* probs, const float* logits, const int* labels, int n,
                           int classes) {
  double loss = 0.0;
  for (int i = 0; i < n; ++i) {
    const float* z = logits + size_t(i) * classes;
    const SoftmaxRow r = softmax_row(probs + size_t(i) * classes, z, classes);
    if (labels) {
      CNNLAB_ASSERT(labels[i] >= 0 && labels[i] < classes, "label out of range");
      loss += r.lse - double(z[labels[i]] - r.mx);  // -log softmax
    }
  }
  return n > 0 ? float(loss / n) : 0.0f;
}

float softmax_xent_forward(float* probs, const float* logits, const float* targets, int n,
                           int classes) {
  double loss = 0.0;
  for (int i = 0; i < n; ++i) {
    const float* z = logits + size_t(i) * classes;
    const float* t = targets + size_t(i) * classes;
    const SoftmaxRow r = softmax_row(probs + size_t(i) * classes, z, classes);
    for (int k = 0; k < classes; ++k)
      if (t[k] != 0) loss += double(t[k]) * (r.lse - double(z[k] - r.mx));
  }
  return n > 0 ? float(loss / n) : 0.0f;
}

void softmax_xent_backward(float* d_logits, const float* probs, const float* targets, int n,
                           int classes) {
  const float inv_n = 1.0f / float(n);
  for (size_t j = 0; j < size_t(n) * classes; ++j) d_logits[j] = (probs[j] - targets[j]) * inv_n;
}

void softmax_xent_backward(float* d_logits, const float* probs, const int* labels, int n,
                           int classes) {
  const float inv_n = 1.0f / float(n);
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < classes; ++k) {
      const size_t j = size_t(i) * classes + k;
      d_logits[j] = (probs[j] - (k == labels[i] ? 1.0f : 0.0f)) * inv_n;
    }
  }
}

// =================================================================================================
// [SECTION] adam
// =================================================================================================
struct AdamScalars {
  float lr_t, b1, b2, eps, a1, a2;
};

static AdamScalars adam_scalars(const AdamConfig& c, int64_t t) {
  CNNLAB_ASSERT(t >= 1, "adam step counts from 1");
  const double b1t = std::pow(double(c.beta1), double(t)),
               b2t = std::pow(double(c.beta2), double(t));
  const float lr_t = float(double(c.lr) * std::sqrt(1.0 - b2t) / (1.0 - b1t));
  return {lr_t, c.beta1, c.beta2, c.eps, 1.0f - c.beta1, 1.0f - c.beta2};
}

// The update for one contiguous range (called inside parallel regions or by adam_update).
static inline void adam_range(float* w, const float* g, float* m, float* v, size_t count,
                              const AdamScalars& a) {
#pragma omp simd
  for (size_t i = 0; i < count; ++i) {
    const float gi = g[i];
    const float mi = a.b1 * m[i] + a.a1 * gi;
    const float vi = a.b2 * v[i] + a.a2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    w[i] -= a.lr_t * mi / (std::sqrt(vi) + a.eps);
  }
}

void adam_update(float* w, const float* g, float* m, float* v, size_t count, const AdamConfig& c,
                 int64_t t) {
  const AdamScalars a = adam_scalars(c, t);
  constexpr size_t kChunk = size_t(1) << 14;  // 16K floats per task: streams, stays vectorised
  const long chunks = long((count + kChunk - 1) / kChunk);
#pragma omp parallel for schedule(static) if (count > (size_t(1) << 16))
  for (long k = 0; k < chunks; ++k) {
    const size_t b = size_t(k) * kChunk, e = std::min(count, b + kChunk);
    adam_range(w + b, g + b, m + b, v + b, e - b, a);
  }
}

// Kernel rows per block: 64 x 1000 floats = 256 KB each of w, m, v, g in L2 (64 measured a little
// faster than 256 or 1024). Per step on the course model (1 thread, CPU s): d_in 0.44, the
// kernel gradient 0.33, Adam 0.89 (memory-bound: 24 B/param).
constexpr int kFusedRows = 64;

// The input gradient of a block of kernel rows by hand, from d_out transposed and padded to whole
// vectors of samples (dyt: out x n_pad, zeros past n): d_in[:, k0:k0+rows] = (w_block · dyt)ᵀ. A
// register tile is R kernel rows x V vectors of samples; the next block of w is prefetched into L2
// (this is where each block of w first comes from memory).
#if defined(__AVX512F__)
constexpr int kDxRows = 8, kDxVecs = 2;  // 16 accumulators of 32 registers
#else
// AVX2 has no broadcast from memory into an FMA, so each kernel row costs a broadcast as well as
// each sample vector a load: 4 rows x 3 vectors (24 samples; a 32-sample batch adds a 4 x 1 tile)
// is 7 loads per 12 FMAs in 12 + 3 + 1 of 16 registers. It took ~11-15% less time than 2 x 4
// (6 loads per 8 FMAs) in dense_backward_adam (course model, AVX2 build, 1 and 2 threads).
constexpr int kDxRows = 4, kDxVecs = 3;
#endif

template <int R, int V>
static inline void dx_tile(float* __restrict d_in, size_t ld, int n, const float* __restrict w,
                           int out, const float* __restrict dyt, int n_pad, int n0, Prefetch& pf) {
  VecF acc[R][V] = {};
  for (int j = 0; j < out; ++j) {
    VecF d[V];
    for (int v = 0; v < V; ++v) d[v] = load_vec(dyt + size_t(j) * n_pad + n0 + v * kVecLanes);
    for (int r = 0; r < R; ++r) {
      const float ws = w[size_t(r) * out + j];
      for (int v = 0; v < V; ++v) acc[r][v] += ws * d[v];
    }
    pf.step();
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v)
      for (int l = 0; l < kVecLanes; ++l) {
        const int i = n0 + v * kVecLanes + l;
        if (i < n) d_in[size_t(i) * ld + r] = acc[r][v][l];
      }
}

template <int R>
static void dx_rows(float* d_in, size_t ld, int n, const float* w, int out, const float* dyt,
                    int n_pad, Prefetch& pf) {
  int n0 = 0;
  for (; n0 + kDxVecs * kVecLanes <= n_pad; n0 += kDxVecs * kVecLanes)
    dx_tile<R, kDxVecs>(d_in, ld, n, w, out, dyt, n_pad, n0, pf);
  for (; n0 < n_pad; n0 += kVecLanes) dx_tile<R, 1>(d_in, ld, n, w, out, dyt, n_pad, n0, pf);
}

static void dense_dx_block(float* d_in, size_t ld, int n, const float* w, int rows, int out,
                           const float* dyt, Prefetch& pf) {
  const int n_pad = padded_samples(n);
  int r = 0;
  for (; r + kDxRows <= rows; r += kDxRows)
    dx_rows<kDxRows>(d_in + r, ld, n, w + size_t(r) * out, out, dyt, n_pad, pf);
  for (; r < rows; ++r) dx_rows<1>(d_in + r, ld, n, w + size_t(r) * out, out, dyt, n_pad, pf);
}

// Per thread: the block's kernel gradient (kFusedRows, Out), its input columns transposed
// (kFusedRows, N) and panel_gemm's tmp. Shared: d_out transposed (dyt) and d_out in panels.
static size_t fused_per_thread(const DenseShape& s) {
  return size_t(kFusedRows) * (s.out + s.n + kPanel);
}
static size_t fused_shared(const DenseShape& s) {
  return size_t(padded_samples(s.n)) * s.out + size_t(s.n) * whole_panels(s.out);
}

size_t dense_backward_adam_scratch(const DenseShape& s, int threads) {
  return size_t(threads) * fused_per_thread(s) + fused_shared(s);
}

void dense_backward_adam(float* d_in, float* d_b, const float* d_out, const float* in, float* w,
                         float* m, float* v, const DenseShape& s, const AdamConfig& c, int64_t t,
                         Scratch scratch) {
  const AdamScalars a = adam_scalars(c, t);
  const size_t per_thread = fused_per_thread(s), shared = fused_shared(s);
  const int n_pad = padded_samples(s.n);
  CNNLAB_ASSERT(scratch.floats >= per_thread + shared, "dense_backward_adam: scratch too small");
  const int T = int(std::min<size_t>(dense_threads(s), (scratch.floats - shared) / per_thread));
  CMapMat dY(d_out, s.n, s.out);  // (N, Out)
  MapVec(d_b, s.out).noalias() = dY.colwise().sum();
  // d_out transposed, samples padded with zeros to whole vectors: dyt (Out, n_pad).
  float* dyt = scratch.data + size_t(T) * per_thread;
  // d_out in panels, for the kernel gradient: B of g = x_blockᵀ · d_out.
  float* dyp = dyt + size_t(n_pad) * s.out;
  pack_panels(dyp, d_out, s.out, s.n, s.out);
  for (int j = 0; j < s.out; ++j)
    for (int i = 0; i < n_pad; ++i)
      dyt[size_t(j) * n_pad + i] = i < s.n ? d_out[size_t(i) * s.out + j] : 0.0f;
  const int blocks = (s.in + kFusedRows - 1) / kFusedRows;
  // Static contiguous chunks: each thread streams its own half of w, m, v.
#pragma omp parallel for schedule(static) num_threads(T)
  for (int blk = 0; blk < blocks; ++blk) {
    float* g = scratch.data + per_thread * omp_get_thread_num();
    float* xt = g + size_t(kFusedRows) * s.out;  // (rows, N): the block's input columns
    float* tmp = xt + size_t(kFusedRows) * s.n;
    const int k0 = blk * kFusedRows, rows = std::min(kFusedRows, s.in - k0);
    const size_t off = size_t(k0) * s.out, count = size_t(rows) * s.out;
    if (d_in) {  // before the update: d_in[:, k0:k0+rows] = d_out · W_blockᵀ
      const int next = std::min(kFusedRows, s.in - k0 - rows);
      Prefetch pf{w + off + count, size_t(next) * s.out / 16, 0};
      dense_dx_block(d_in + k0, size_t(s.in), s.n, w + off, rows, s.out, dyt, pf);
    }
    // g = x[:, k0:k0+rows]ᵀ · d_out in panels: Eigen re-packed all of d_out for every block, and
    // its kernel is poorly shaped for an inner dimension of 32 samples.
    for (int i = 0; i < s.n; ++i)
      for (int r = 0; r < rows; ++r) xt[size_t(r) * s.n + i] = in[size_t(i) * s.in + k0 + r];
    panel_gemm<false>(g, s.out, xt, s.n, 1, rows, s.n, dyp, s.out, tmp);
    adam_range(w + off, g, m + off, v + off, count, a);
  }
}

}  // namespace cnnlab
