// nn/layers.h — CNN layers as free functions over caller-owned buffers (llm.c style): no
// allocation. Layout: float32, NHWC, batch first. Convolution is cross-correlation (Keras). Kernels
// as Keras: conv (KH, KW, Cin, Cout), dense (In, Out). Backward functions OVERWRITE their gradients
// (d_w, d_b, d_in), so no zero-grad pass is needed between steps.
#pragma once
#include <cstddef>
#include <cstdint>

namespace cnnlab {

enum class Padding { Same, Valid };
enum class Activation { None, Relu, Softmax };

const char* padding_name(Padding p);        // "same" / "valid"
const char* activation_name(Activation a);  // "linear" / "relu" / "softmax" (Keras spellings)

// Keras arithmetic. valid: out = floor((I-K)/S)+1; same: out = ceil(I/S),
// pad_total = max((out-1)*S + K - I, 0), pad_before = pad_total/2 (the extra pixel goes after).
int conv_out_size(int in, int k, int stride, Padding p);
int conv_pad_before(int in, int k, int stride, Padding p);

// Scratch memory passed into a layer. Multi-threaded layers split it evenly per OpenMP thread.
struct Scratch {
  float* data = nullptr;
  size_t floats = 0;
};

// ---- Conv2D -------------------------------------------------------------------------------------
struct ConvShape {
  int n = 0, in_h = 0, in_w = 0, in_c = 0;  // input (N, H, W, Cin)
  int out_c = 0, kh = 0, kw = 0;            // kernel (KH, KW, Cin, Cout)
  int stride_h = 1, stride_w = 1;
  Padding padding = Padding::Valid;
  int out_h = 0, out_w = 0;           // derived
  int pad_top = 0, pad_left = 0;      // derived
  Activation act = Activation::None;  // fused into the forward GEMM output pass (None or Relu)
  int k() const { return kh * kw * in_c; }                           // im2col row length
  size_t col_floats() const { return size_t(out_h) * out_w * k(); }  // one sample's im2col
};
ConvShape make_conv_shape(int n, int in_h, int in_w, int in_c, int out_c, int kh, int kw,
                          int stride, Padding padding, Activation act = Activation::None);

// Scratch sizes (floats) for `threads` OpenMP threads.
size_t conv2d_forward_scratch(const ConvShape& s, int threads);
size_t conv2d_backward_scratch(const ConvShape& s, int threads);

// out (N, OH, OW, Cout) = act(conv(in (N, H, W, Cin), w (KH, KW, Cin, Cout)) + b (Cout)).
// Parallel over samples (im2col + GEMM per sample, Eigen single-threaded inside).
void conv2d_forward(float* out, const float* in, const float* w, const float* b, const ConvShape& s,
                    Scratch scratch);
// d_out (N, OH, OW, Cout) is the gradient w.r.t. the PRE-activation output (apply relu_backward
// first). Writes d_w (KH, KW, Cin, Cout), d_b (Cout), and d_in (N, H, W, Cin) unless d_in is null
// (first layer: skip the input gradient).
void conv2d_backward(float* d_in, float* d_w, float* d_b, const float* d_out, const float* in,
                     const float* w, const ConvShape& s, Scratch scratch);

// ---- MaxPool2D (valid, floor) -------------------------------------------------------------------
struct PoolShape {
  int n = 0, in_h = 0, in_w = 0, c = 0;
  int pool_h = 2, pool_w = 2, stride_h = 2, stride_w = 2;
  int out_h = 0, out_w = 0;  // derived: floor((I - P)/S) + 1
};
PoolShape make_pool_shape(int n, int in_h, int in_w, int c, int pool, int stride = 0 /*=pool*/);

// out (N, OH, OW, C); argmax (N, OH, OW, C) int32 = index of the max within the sample's input
// (h*W + w)*C + c, kept for backward.
void maxpool2d_forward(float* out, int32_t* argmax, const float* in, const PoolShape& s);
// Writes d_in (N, H, W, C): zero everywhere, plus d_out routed to each window's max. If relu_out
// (N, H, W, C) is given (the pool's input, a ReLU output), the ReLU backward is fused in: gradient
// passes only where relu_out > 0, saving a pass over d_in.
void maxpool2d_backward(float* d_in, const float* d_out, const int32_t* argmax, const PoolShape& s,
                        const float* relu_out = nullptr);
// maxpool2d_forward and maxpool2d_backward write outputs of at least this many bytes (64 MB by
// default: far past any private cache) with streaming stores, which skip reading the lines first.
// Tests set it low to check that path gives the same bits.
void set_streaming_store_threshold(size_t bytes);

// ---- Conv2D → (ReLU) → MaxPool2D, fused -------------------------------------------------------
// Training the course model this way keeps only the pooled output and the argmax as window offsets
// (a * pool_w + b, one byte each), never the conv output: 0.5 GB less at batch 32 (issue 11).
// Windows up to 16x16 cells (the offset is one byte); larger pools use the unfused pair.
constexpr int kMaxPoolOffsetCells = 256;
bool pool_offsets_fit(const PoolShape& p);  // pool_h * pool_w <= kMaxPoolOffsetCells

// Scratch sizes (floats) for `threads` OpenMP threads.
size_t conv2d_pool_forward_scratch(const ConvShape& s, const PoolShape& p, int threads);
size_t conv2d_pool_backward_scratch(const ConvShape& s, int threads);

// pool_out (N, PH, PW, C) and offsets (N, PH, PW, C) of maxpool(act(conv(in, w) + b)), one row of
// pool windows at a time (the conv rows under it in per-thread scratch; rows no window covers are
// skipped). conv_out0, if not null, receives sample 0's whole conv output (1, OH, OW, C): the maps
// the probe shows. Same values and the same first-max-wins argmax as conv2d_forward then
// maxpool2d_forward. p is the pool over s's output (p.n = s.n).
void conv2d_pool_forward(float* pool_out, uint8_t* offsets, float* conv_out0, const float* in,
                         const float* w, const float* b, const ConvShape& s, const PoolShape& p,
                         Scratch scratch);
// conv2d_backward with d_out formed block by block from the pool's gradient d_pool (N, PH, PW, C):
// d_pool routed to each window's max, masked by the ReLU (pool_out > 0 is the ReLU's mask at the
// max) when s.act is Relu. Same results as maxpool2d_backward(relu) then conv2d_backward, without
// the (N, OH, OW, C) gradient buffer.
void conv2d_pool_backward(float* d_in, float* d_w, float* d_b, const float* d_pool,
                          const float* pool_out, const uint8_t* offsets, const float* in,
                          const float* w, const ConvShape& s, const PoolShape& p, Scratch scratch);
// The pool's own backward from window offsets: d_in (N, H, W, C) = d_out routed to each window's
// max (accumulated where windows overlap, 0 elsewhere); masked by pool_out > 0 if pool_out is
// given (a ReLU under the pool). For a gradient w.r.t. the conv output of a fused pair.
void maxpool2d_backward_offsets(float* d_in, const float* d_out, const uint8_t* offsets,
                                const PoolShape& s, const float* pool_out = nullptr);

// ---- Floating-point environment -----------------------------------------------------------------
// Denormal floats flushed to zero (FTZ + DAZ), as TensorFlow computes on its threads
// (ScopedFlushDenormal), so Keras's numbers are ours. Unflushed, Adam's second moments and tiny
// gradients of the course model go denormal and every operation on them takes a microcode assist:
// training steps of 1.7-1.8 s with one of 10-12 s, against 1.3-1.7 s flushed (2 threads, Xeon).
// While a scope lives the calling thread flushes; its previous mode comes back at the end. The
// `threads` OpenMP threads that thread runs are set for good (they run only parallel regions; set
// once per calling thread and team size).
class ScopedFlushDenormals {
 public:
  explicit ScopedFlushDenormals(int threads);
  ~ScopedFlushDenormals();
  ScopedFlushDenormals(const ScopedFlushDenormals&) = delete;
  ScopedFlushDenormals& operator=(const ScopedFlushDenormals&) = delete;

 private:
  unsigned saved_ = 0;
};

// ---- Dense --------------------------------------------------------------------------------------
struct DenseShape {
  int n = 0, in = 0, out = 0;
  Activation act = Activation::None;  // None or Relu fused into forward (Softmax: see below)
};
// Large dense layers split the In dimension over OpenMP threads (each thread streams its own
// contiguous rows of w; Eigen single-threaded inside, no sync but the final sum). The forward needs
// scratch for the per-thread partial outputs: dense_forward_scratch floats (0 = run serially).
size_t dense_forward_scratch(const DenseShape& s, int threads);
// out (N, Out) = act(in (N, In) · w (In, Out) + b (Out)).
void dense_forward(float* out, const float* in, const float* w, const float* b, const DenseShape& s,
                   Scratch scratch = {});
// d_out w.r.t. the pre-activation output. Writes d_w = inᵀ·d_out, d_b = Σ d_out, and
// d_in = d_out·wᵀ unless d_in is null. d_w may be null (skip it: see dense_backward_adam).
void dense_backward(float* d_in, float* d_w, float* d_b, const float* d_out, const float* in,
                    const float* w, const DenseShape& s);

// ---- ReLU ---------------------------------------------------------------------------------------
void relu_forward(float* out, const float* in, size_t count);  // out may equal in
// d_x = d_y * (y > 0), using the stored post-activation output y; d_x may equal d_y.
void relu_backward(float* d_x, const float* d_y, const float* y, size_t count);

// ---- Softmax + cross-entropy --------------------------------------------------------------------
// probs (N, K) = softmax(logits (N, K)) (stable: max subtracted). Returns the mean over N of
// -log p[label] (log-sum-exp form) if labels is non-null, else 0.
float softmax_xent_forward(float* probs, const float* logits, const int* labels, int n,
                           int classes);
// d_logits (N, K) = (probs - onehot(labels)) / N.
void softmax_xent_backward(float* d_logits, const float* probs, const int* labels, int n,
                           int classes);
// The same against label distributions targets (N, K), each row summing to 1 (MixUp's blended
// labels): loss = mean over N of -Σ_k t_k log p_k; d_logits = (probs - targets) / N. One-hot rows
// give exactly the functions above.
float softmax_xent_forward(float* probs, const float* logits, const float* targets, int n,
                           int classes);
void softmax_xent_backward(float* d_logits, const float* probs, const float* targets, int n,
                           int classes);

// ---- Adam (fused, one loop over an arena) -------------------------------------------------------
struct AdamConfig {
  float lr = 0.001f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-7f;  // Keras defaults
};
// t is the step number AFTER increment (1 for the first step). TF/Keras form:
// m = b1 m + (1-b1) g; v = b2 v + (1-b2) g²; w -= lr_t m / (sqrt(v) + eps),
// lr_t = lr sqrt(1 - b2^t) / (1 - b1^t). OpenMP parallel.
void adam_update(float* w, const float* g, float* m, float* v, size_t count, const AdamConfig& c,
                 int64_t t);

// Backward of a large dense layer fused with Adam on its kernel (train_step uses it for the
// 350464x1000 layer): d_in = d_out·wᵀ with the weights from before the update, d_b = Σ d_out, and
// per block of kernel rows, g = inᵀ·d_out in cache followed at once by Adam on w, m, v. The kernel
// gradient never goes to memory (~20 B/param less traffic than backward + adam_update).
// d_in may be null. Scratch: dense_backward_adam_scratch floats.
size_t dense_backward_adam_scratch(const DenseShape& s, int threads);
void dense_backward_adam(float* d_in, float* d_b, const float* d_out, const float* in, float* w,
                         float* m, float* v, const DenseShape& s, const AdamConfig& c, int64_t t,
                         Scratch scratch);

}  // namespace cnnlab
