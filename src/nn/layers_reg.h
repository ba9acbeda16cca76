// nn/layers_reg.h — layers against overfitting (Dropout, BatchNormalization, average pools, L2) as
// free functions. Same conventions as nn/layers.h: float32, NHWC, caller-owned buffers, no
// allocation; backward functions OVERWRITE their gradients. Keras semantics, including what changes
// between training (model.fit) and inference (predict/evaluate).
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/rng.h"
#include "nn/layers.h"

namespace cnnlab {

// ---- Dropout ------------------------------------------------------------------------------------
// Keras inverted dropout. Training: each unit is kept with probability 1 - rate and scaled by
// 1/(1 - rate), so the expected output equals the input; mask (count) gets 1 for kept units, 0 for
// dropped ones. Inference (training == false): out = in and mask is not touched (may be null).
// rate in [0, 1) (the model loader rejects anything else). The mask draws one seed from `rng` and
// fills fixed blocks of units from their own PCG32 streams, so it is the same for any thread count.
// out may equal in.
void dropout_forward(float* out, const float* in, uint8_t* mask, size_t count, float rate,
                     bool training, Rng& rng);
// d_in = d_out · mask / (1 - rate); with a null mask (inference) d_in = d_out. d_in may equal
// d_out.
void dropout_backward(float* d_in, const float* d_out, const uint8_t* mask, size_t count,
                      float rate);

// ---- BatchNormalization -------------------------------------------------------------------------
// Normalises the last axis: for conv activations (N, H, W, C) the statistics run over N·H·W rows
// per channel; for dense activations (N, F) over N rows per feature. Keras defaults: momentum 0.99,
// epsilon 1e-3; gamma starts at 1, beta at 0, moving mean at 0, moving variance at 1.
struct BatchNormShape {
  long rows = 0;  // N·H·W (conv) or N (dense)
  int c = 0;      // channels / features
  float momentum = 0.99f, epsilon = 1e-3f;
};
inline BatchNormShape make_batchnorm_shape(long rows, int c, float momentum = 0.99f,
                                           float epsilon = 1e-3f) {
  return {rows, c, momentum, epsilon};
}
// Scratch (doubles) for the per-block partial sums: fixed blocks of rows, so the sums and the
// result are identical for any thread count.
size_t batchnorm_scratch(const BatchNormShape& s);

// Training (model.fit): batch mean and biased variance per channel,
// out = (in - mean) / sqrt(var + eps) · gamma + beta, and the moving statistics move towards the
// batch's: moving = moving · momentum + batch · (1 - momentum) (Keras 3 uses the biased batch
// variance there too). mean and inv_std (C) receive the statistics used, for backward.
void batchnorm_forward_train(float* out, float* mean, float* inv_std, float* moving_mean,
                             float* moving_var, const float* in, const float* gamma,
                             const float* beta, const BatchNormShape& s, double* scratch);
// Inference (predict/evaluate): the moving statistics normalise; nothing is updated. mean and
// inv_std (C) receive moving_mean and 1/sqrt(moving_var + eps) for backward (a frozen layer).
void batchnorm_forward_infer(float* out, float* mean, float* inv_std, const float* in,
                             const float* gamma, const float* beta, const float* moving_mean,
                             const float* moving_var, const BatchNormShape& s);
// Writes d_gamma = Σ d_out·x̂ and d_beta = Σ d_out (C), and d_in (rows, C) unless null. `training`
// says which forward produced mean/inv_std: batch statistics depend on the input, so
//   training:  d_in = gamma·inv_std/M · (M·d_out − d_beta − x̂·d_gamma), M = rows;
//   inference: d_in = gamma·inv_std · d_out.
void batchnorm_backward(float* d_in, float* d_gamma, float* d_beta, const float* d_out,
                        const float* in, const float* gamma, const float* mean,
                        const float* inv_std, bool training, const BatchNormShape& s,
                        double* scratch);

// ---- GlobalAveragePooling2D ---------------------------------------------------------------------
// out (N, C) = mean of in (N, H, W, C) over H and W.
void global_avg_pool2d_forward(float* out, const float* in, int n, int h, int w, int c);
// d_in (N, H, W, C) = d_out (N, C) / (H·W) at every position.
void global_avg_pool2d_backward(float* d_in, const float* d_out, int n, int h, int w, int c);

// ---- AveragePooling2D ---------------------------------------------------------------------------
// Keras AveragePooling2D(pool_size, strides=pool_size, padding). Output sizes as conv (layers.h):
// valid floor((I-P)/S)+1, same ceil(I/S) with the extra padded cell after. With "same", padded
// cells are left out of the average (TF avg_pool): a corner window of 2 real cells divides by 2.
struct AvgPoolShape {
  int n = 0, in_h = 0, in_w = 0, c = 0;
  int pool_h = 2, pool_w = 2, stride_h = 2, stride_w = 2;
  Padding padding = Padding::Valid;
  int out_h = 0, out_w = 0, pad_top = 0, pad_left = 0;  // derived
};
// stride_h/stride_w 0 = the pool size (Keras strides=None).
AvgPoolShape make_avgpool_shape(int n, int in_h, int in_w, int c, int pool_h, int pool_w,
                                int stride_h = 0, int stride_w = 0,
                                Padding padding = Padding::Valid);
// out (N, OH, OW, C) = mean of each window's real cells.
void avg_pool2d_forward(float* out, const float* in, const AvgPoolShape& s);
// Writes d_in (N, H, W, C): each window spreads d_out / (its real cell count) over its cells
// (overlapping windows add up; cells no window covers get 0).
void avg_pool2d_backward(float* d_in, const float* d_out, const AvgPoolShape& s);

// ---- L2 kernel regularisation -------------------------------------------------------------------
// Keras regularizers.l2(l2): the model's loss gains l2 · Σ w² (once per step, not divided by the
// batch size); its gradient is 2 · l2 · w. Sum in double.
float l2_penalty(const float* w, size_t count, float l2);
// grad += 2 · l2 · w (accumulates onto the data gradient the backward pass wrote).
void l2_add_grad(float* grad, const float* w, size_t count, float l2);

}  // namespace cnnlab
