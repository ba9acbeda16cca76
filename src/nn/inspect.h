// nn/inspect.h — one output value's arithmetic on the real model's numbers (the lesson tape for a
// trained network): a Conv2D pixel's input window, kernel slice, per-input-channel sums, bias and
// ReLU; a pool window and its max; a Dense unit's largest contributions; softmax logits and
// probabilities. Computed in double from copies of the input and the weights; `result` is what
// the arithmetic gives and `engine` what the model's forward pass wrote (tests: they agree).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nn/model.h"

namespace cnnlab {

// One term of a sum: a Dense input x·w, or a Conv2D input channel's partial sum Σ window·kernel.
struct InspectTerm {
  int index = 0;                // Dense: input unit; Conv2D: input channel
  float input = 0, weight = 0;  // Dense only: x and w
  double value = 0;             // the term
};

struct OutputArithmetic {
  std::string layer;  // "conv2d_1", ...
  LayerKind kind = LayerKind::Input;
  Activation act = Activation::None;
  int y = 0, x = 0, c = 0;           // the output position (flat layers: y = x = 0, c = unit)
  int in_h = 0, in_w = 0, in_c = 0;  // the layer's input shape (flat: 1, 1, units)
  // Window layers (Conv2D, MaxPool2D, AvgPool2D): KH×KW cells from input row in_y0, column in_x0
  // (negative or past the edge: "same" padding, value 0, padded = 1); Conv2D carries every input
  // channel (win_c = Cin), pools the output's own channel (win_c = 1).
  int kh = 0, kw = 0, win_c = 0, in_y0 = 0, in_x0 = 0;
  std::vector<float> window;       // (KH, KW, win_c)
  std::vector<uint8_t> padded;     // (KH, KW)
  std::vector<float> kernel;       // Conv2D: output channel c's kernel (KH, KW, Cin)
  std::vector<InspectTerm> terms;  // largest |value| first (at most top_k)
  double rest = 0;                 // the other terms, summed
  int rest_count = 0;
  double bias = 0;  // Conv2D/Dense bias; BatchNorm beta
  double sum = 0;   // before the activation: Σ terms + rest + bias; pools: the max / the mean
  int arg = -1;     // MaxPool2D: window cell (ky·KW + kx) holding the max
  // BatchNorm (inference): (x − mean)/sqrt(var + eps)·gamma + beta, x = window[0].
  double mean = 0, var = 0, eps = 0, gamma = 0;
  std::vector<float> logits, probs;  // softmax Dense: every unit's
  float result = 0;                  // after the activation: the arithmetic's answer
  float engine = 0;                  // the engine's output at this position
  std::string note;                  // what the layer does when it has no arithmetic to show
  bool rgb_input = false;            // the input is the (scaled) photo: channels are R, G, B
};

// The arithmetic as the lesson tape writes it, one line per stage, e.g. for a Conv2D pixel:
//   "per channel, Σ of 25 window·kernel products:", "  R = 0.4123" (per listed channel),
//   "  other 26 = 0.1", "Σ + bias = 0.5123 + 0.0132 = 0.5255", "ReLU(0.5255) = 0.5255";
// Dense "x[12]·w = 0.5·0.2 = 0.1" per listed input; pools "max(…) = …"; softmax "e^z/Σe^z = …".
// `class_names` name a softmax layer's units (may be empty).
std::vector<std::string> arithmetic_tape(const OutputArithmetic& a,
                                         const std::vector<std::string>& class_names = {});
// One window channel's products as the tape writes them: "0.12·0.31 + 0.4·(−0.2) + …" (at most
// `max_terms`, then "… (N products)").
std::string window_products(const OutputArithmetic& a, int channel, int max_terms);
// The tape's number format: 4 significant digits, "−" for minus.
std::string tape_number(double v);

// Output (y, x, c) of `layer` (≥ 1) for one sample. `in`: the layer's input (the previous layer's
// output, (H, W, C) or flat), `out`: the engine's output of this layer (for `engine`), `params`:
// the model's parameter arena. top_k: how many terms are listed before "the rest".
OutputArithmetic inspect_layer_output(const Model& m, int layer, const float* in, const float* out,
                                      const float* params, int y, int x, int c, int top_k = 8);
// The same from the model's last forward (sample 0): its activations and its parameters now.
OutputArithmetic inspect_output(const Model& m, int layer, int y, int x, int c, int top_k = 8);

// Index of layer `name` in m.layers(), or -1.
int find_layer(const Model& m, const std::string& name);

// One channel of a K×K kernel on an image whose edges are clamped (the photo view's shader):
// sum = Σ kernel(i, j) · img(clamp(y + i − K/2), clamp(x + j − K/2)).
struct ClampedWindow {
  int k = 0, y0 = 0, x0 = 0;     // window's top-left, before clamping
  std::vector<float> values;     // (K, K) the clamped image values
  std::vector<uint8_t> clamped;  // (K, K) 1 where the cell lay outside and repeats the edge
  double sum = 0;
};
// img: (H, W, stride) floats, channel `ch`; kernel (K, K) row-major.
ClampedWindow clamped_window_sum(const float* img, int h, int w, int stride, int ch,
                                 const float* kernel, int k, int y, int x);

}  // namespace cnnlab
