// nn/inspect.cpp — one output value's arithmetic per layer kind (see inspect.h), in double over
// copies of the input and the weights, straight from the definitions (no GEMM, no im2col).
#include "nn/inspect.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/check.h"
#include "nn/layers_reg.h"

namespace cnnlab {

namespace {

// Keeps the top_k terms by |value| (largest first) and sums the others into rest.
void keep_top_terms(OutputArithmetic& a, std::vector<InspectTerm> terms, int top_k) {
  size_t k = std::min(terms.size(), size_t(std::max(top_k, 0)));
  auto by_size = [](const InspectTerm& p, const InspectTerm& q) {
    if (std::fabs(p.value) != std::fabs(q.value)) return std::fabs(p.value) > std::fabs(q.value);
    return p.index < q.index;
  };
  std::partial_sort(terms.begin(), terms.begin() + long(k), terms.end(), by_size);
  a.rest = 0;
  for (size_t i = k; i < terms.size(); ++i) a.rest += terms[i].value;
  a.rest_count = int(terms.size() - k);
  terms.resize(k);
  a.terms = std::move(terms);
}

double activate(Activation act, double v) {
  return act == Activation::Relu ? std::max(v, 0.0) : v;
}

// Copies the KH×KW window at (y0, x0) of channels [c0, c0 + wc) of in (H, W, C); zeros outside.
void fill_window(OutputArithmetic& a, const float* in, int c0) {
  a.window.assign(size_t(a.kh) * a.kw * a.win_c, 0.f);
  a.padded.assign(size_t(a.kh) * a.kw, 0);
  for (int i = 0; i < a.kh; ++i)
    for (int j = 0; j < a.kw; ++j) {
      int yy = a.in_y0 + i, xx = a.in_x0 + j;
      bool inside = yy >= 0 && yy < a.in_h && xx >= 0 && xx < a.in_w;
      a.padded[size_t(i) * a.kw + j] = inside ? 0 : 1;
      if (!inside) continue;
      const float* p = in + (size_t(yy) * a.in_w + xx) * a.in_c + c0;
      std::copy(p, p + a.win_c, a.window.begin() + long((size_t(i) * a.kw + j) * a.win_c));
    }
}

void conv_arithmetic(OutputArithmetic& a, const LayerInfo& l, const float* in, const float* w,
                     const float* b, int top_k) {
  const int cout = l.out_c;
  a.kh = l.kernel_h, a.kw = l.kernel_w, a.win_c = a.in_c;
  a.in_y0 = a.y * l.stride_h - conv_pad_before(a.in_h, l.kernel_h, l.stride_h, l.padding);
  a.in_x0 = a.x * l.stride_w - conv_pad_before(a.in_w, l.kernel_w, l.stride_w, l.padding);
  fill_window(a, in, 0);
  a.kernel.resize(a.window.size());
  for (size_t t = 0; t < a.kernel.size(); ++t) a.kernel[t] = w[t * cout + size_t(a.c)];
  std::vector<InspectTerm> terms(size_t(a.in_c));
  for (int ci = 0; ci < a.in_c; ++ci) {
    terms[size_t(ci)].index = ci;
    for (int t = 0; t < a.kh * a.kw; ++t) {
      size_t k = size_t(t) * a.in_c + ci;
      terms[size_t(ci)].value += double(a.window[k]) * double(a.kernel[k]);
    }
  }
  a.bias = b[a.c];
  a.sum = a.bias;
  for (const InspectTerm& t : terms) a.sum += t.value;
  keep_top_terms(a, std::move(terms), top_k);
  a.result = float(activate(a.act, a.sum));
}

void pool_arithmetic(OutputArithmetic& a, const LayerInfo& l, const float* in) {
  a.kh = l.kernel_h, a.kw = l.kernel_w, a.win_c = 1;
  Padding pad = l.kind == LayerKind::AvgPool2D ? l.padding : Padding::Valid;
  a.in_y0 = a.y * l.stride_h - conv_pad_before(a.in_h, l.kernel_h, l.stride_h, pad);
  a.in_x0 = a.x * l.stride_w - conv_pad_before(a.in_w, l.kernel_w, l.stride_w, pad);
  fill_window(a, in, a.c);
  double best = -INFINITY, total = 0;
  int real = 0;
  for (size_t t = 0; t < a.window.size(); ++t) {
    if (a.padded[t]) continue;
    ++real, total += a.window[t];
    if (a.window[t] > best) best = a.window[t], a.arg = int(t);
  }
  a.sum = l.kind == LayerKind::MaxPool2D ? best : total / std::max(real, 1);
  a.result = float(a.sum);
}

void dense_arithmetic(OutputArithmetic& a, const LayerInfo& l, const float* in, const float* w,
                      const float* b, int top_k) {
  const int n_in = a.in_h * a.in_w * a.in_c, units = l.filters;
  auto logit = [&](int u, std::vector<InspectTerm>* terms) {
    double s = b[u];
    for (int i = 0; i < n_in; ++i) {
      float wi = w[size_t(i) * units + size_t(u)];
      double v = double(in[i]) * double(wi);
      s += v;
      if (terms) terms->push_back({i, in[i], wi, v});
    }
    return s;
  };
  std::vector<InspectTerm> terms;
  terms.reserve(size_t(n_in));
  a.bias = b[a.c];
  a.sum = logit(a.c, &terms);
  keep_top_terms(a, std::move(terms), top_k);
  if (a.act != Activation::Softmax) {
    a.result = float(activate(a.act, a.sum));
    return;
  }
  a.logits.resize(size_t(units));
  for (int u = 0; u < units; ++u) a.logits[size_t(u)] = float(u == a.c ? a.sum : logit(u, nullptr));
  double top = *std::max_element(a.logits.begin(), a.logits.end()), z = 0;
  for (float v : a.logits) z += std::exp(double(v) - top);
  a.probs.resize(size_t(units));
  for (int u = 0; u < units; ++u)
    a.probs[size_t(u)] = float(std::exp(double(a.logits[size_t(u)]) - top) / z);
  a.result = float(std::exp(a.sum - top) / z);
}

void batchnorm_arithmetic(OutputArithmetic& a, const LayerInfo& l, const float* in,
                          const float* params) {
  a.kh = a.kw = a.win_c = 1, a.in_y0 = a.y, a.in_x0 = a.x;
  fill_window(a, in, a.c);
  a.gamma = params[l.weight_offset + size_t(a.c)];
  a.bias = params[l.bias_offset + size_t(a.c)];
  a.mean = params[l.state_offset + size_t(a.c)];
  a.var = params[l.state_offset + size_t(l.out_c) + size_t(a.c)];
  a.eps = BatchNormShape{}.epsilon;
  a.sum = (a.window[0] - a.mean) / std::sqrt(a.var + a.eps) * a.gamma + a.bias;
  a.result = float(a.sum);
}

void global_pool_arithmetic(OutputArithmetic& a, const float* in, int top_k) {
  std::vector<InspectTerm> terms;
  const int hw = a.in_h * a.in_w;
  for (int p = 0; p < hw; ++p) terms.push_back({p, in[size_t(p) * a.in_c + size_t(a.c)], 0.f, 0});
  for (InspectTerm& t : terms) t.value = double(t.input) / hw;
  for (const InspectTerm& t : terms) a.sum += t.value;
  keep_top_terms(a, std::move(terms), top_k);
  a.result = float(a.sum);
}

}  // namespace

int find_layer(const Model& m, const std::string& name) {
  for (size_t i = 0; i < m.layers().size(); ++i)
    if (m.layers()[i].name == name) return int(i);
  return -1;
}

OutputArithmetic inspect_layer_output(const Model& m, int layer, const float* in, const float* out,
                                      const float* params, int y, int x, int c, int top_k) {
  const auto& L = m.layers();
  CNNLAB_ASSERT(layer >= 1 && size_t(layer) < L.size(), "inspect: layer out of range");
  const LayerInfo& l = L[size_t(layer)];
  const LayerInfo& prev = L[size_t(layer) - 1];
  CNNLAB_ASSERT(y >= 0 && y < l.out_h && x >= 0 && x < l.out_w && c >= 0 && c < l.out_c,
                "inspect: output position out of range");
  OutputArithmetic a;
  a.layer = l.name, a.kind = l.kind, a.act = l.activation;
  a.y = y, a.x = x, a.c = c;
  a.in_h = prev.flat ? 1 : prev.out_h, a.in_w = prev.flat ? 1 : prev.out_w;
  a.in_c = prev.flat ? int(prev.out_size()) : prev.out_c;
  a.rgb_input = a.in_c == 3;
  for (int i = layer - 1; i > 0; --i)
    a.rgb_input = a.rgb_input && is_augment_kind(L[size_t(i)].kind);
  a.engine = out[(size_t(y) * l.out_w + x) * l.out_c + c];
  const float* w = params + l.weight_offset;
  const float* b = params + l.bias_offset;
  switch (l.kind) {
    case LayerKind::Conv2D:
      conv_arithmetic(a, l, in, w, b, top_k);
      break;
    case LayerKind::MaxPool2D:
    case LayerKind::AvgPool2D:
      pool_arithmetic(a, l, in);
      break;
    case LayerKind::Dense:
      dense_arithmetic(a, l, in, w, b, top_k);
      break;
    case LayerKind::BatchNorm:
      batchnorm_arithmetic(a, l, in, params);
      break;
    case LayerKind::GlobalAvgPool2D:
      global_pool_arithmetic(a, in, top_k);
      break;
    default:  // Flatten, Dropout and augmentation: the input passes through at inference
      a.kh = a.kw = a.win_c = 1, a.in_y0 = y, a.in_x0 = x;
      a.window = {in[(size_t(y) * l.out_w + x) * l.out_c + c]};
      a.padded = {0};
      a.sum = a.window[0];
      a.result = a.window[0];
      a.note = std::string(layer_kind_name(l.kind)) + " passes its input through at inference";
      break;
  }
  return a;
}

OutputArithmetic inspect_output(const Model& m, int layer, int y, int x, int c, int top_k) {
  CNNLAB_ASSERT(m.last_batch() >= 1, "inspect: no forward pass yet");
  return inspect_layer_output(m, layer, m.activation(layer - 1), m.activation(layer), m.params(), y,
                              x, c, top_k);
}

ClampedWindow clamped_window_sum(const float* img, int h, int w, int stride, int ch,
                                 const float* kernel, int k, int y, int x) {
  ClampedWindow cw;
  cw.k = k, cw.y0 = y - k / 2, cw.x0 = x - k / 2;
  cw.values.resize(size_t(k) * k);
  cw.clamped.resize(size_t(k) * k);
  for (int i = 0; i < k; ++i)
    for (int j = 0; j < k; ++j) {
      int yy = std::clamp(cw.y0 + i, 0, h - 1), xx = std::clamp(cw.x0 + j, 0, w - 1);
      size_t t = size_t(i) * k + j;
      cw.clamped[t] = (yy != cw.y0 + i || xx != cw.x0 + j) ? 1 : 0;
      cw.values[t] = img[(size_t(yy) * w + xx) * stride + ch];
      cw.sum += double(kernel[t]) * double(cw.values[t]);
    }
  return cw;
}

std::string tape_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", std::fabs(v) < 5e-10 ? 0.0 : v);
  std::string t = buf;
  if (t[0] == '-') t = "\u2212" + t.substr(1);
  return t;
}

namespace {

std::string factor(double v) {
  return v < 0 ? "(" + tape_number(v) + ")" : tape_number(v);
}

std::string channel_label(const OutputArithmetic& a, int ci) {
  if (a.rgb_input) return std::string(1, "RGB"[ci]);
  return "ch " + std::to_string(ci);
}

void conv_tape(const OutputArithmetic& a, std::vector<std::string>& out) {
  out.push_back("per channel, \u03a3 of " + std::to_string(a.kh * a.kw) +
                " window\u00b7kernel products:");
  for (const InspectTerm& t : a.terms)
    out.push_back("  " + channel_label(a, t.index) + " = " + tape_number(t.value));
  if (a.rest_count > 0)
    out.push_back("  other " + std::to_string(a.rest_count) + " = " + tape_number(a.rest));
  out.push_back("\u03a3 + bias = " + tape_number(a.sum - a.bias) + " + " + factor(a.bias) + " = " +
                tape_number(a.sum));
}

void dense_tape(const OutputArithmetic& a, std::vector<std::string>& out) {
  for (const InspectTerm& t : a.terms)
    out.push_back("x[" + std::to_string(t.index) + "]\u00b7w = " + factor(t.input) + "\u00b7" +
                  factor(t.weight) + " = " + tape_number(t.value));
  if (a.rest_count > 0)
    out.push_back("other " + std::to_string(a.rest_count) + " inputs: " + tape_number(a.rest));
  out.push_back("\u03a3 + bias = " + tape_number(a.sum - a.bias) + " + " + factor(a.bias) + " = " +
                tape_number(a.sum));
}

}  // namespace

std::string window_products(const OutputArithmetic& a, int channel, int max_terms) {
  std::string s;
  int n = a.kh * a.kw, shown = 0;
  if (a.kernel.empty()) return s;
  for (int t = 0; t < n && shown < max_terms; ++t, ++shown) {
    size_t k = size_t(t) * a.win_c + size_t(channel);
    s += (t ? " + " : "") + factor(a.window[k]) + "\u00b7" + factor(a.kernel[k]);
  }
  if (shown < n) s += " + \u2026 (" + std::to_string(n) + " products)";
  return s;
}

std::vector<std::string> arithmetic_tape(const OutputArithmetic& a,
                                         const std::vector<std::string>& class_names) {
  std::vector<std::string> out;
  switch (a.kind) {
    case LayerKind::Conv2D:
      conv_tape(a, out);
      break;
    case LayerKind::Dense:
      dense_tape(a, out);
      break;
    case LayerKind::MaxPool2D:
    case LayerKind::AvgPool2D: {
      std::string list;
      for (size_t t = 0; t < a.window.size(); ++t)
        if (!a.padded[t]) list += (list.empty() ? "" : ", ") + tape_number(a.window[t]);
      out.push_back(std::string(a.kind == LayerKind::MaxPool2D ? "max(" : "mean(") + list +
                    ") = " + tape_number(a.sum));
      break;
    }
    case LayerKind::BatchNorm:
      out.push_back("(" + tape_number(a.window[0]) + " \u2212 " + factor(a.mean) + ") / \u221a(" +
                    tape_number(a.var) + " + " + tape_number(a.eps) + ") \u00b7 " +
                    factor(a.gamma) + " + " + factor(a.bias) + " = " + tape_number(a.sum));
      break;
    case LayerKind::GlobalAvgPool2D:
      out.push_back("mean of " + std::to_string(a.in_h * a.in_w) +
                    " values = " + tape_number(a.sum));
      break;
    default:
      out.push_back(a.note + ": " + tape_number(a.result));
      break;
  }
  if (a.act == Activation::Relu)
    out.push_back("ReLU(" + tape_number(a.sum) + ") = " + tape_number(a.result));
  if (a.act == Activation::Softmax) {
    for (size_t u = 0; u < a.probs.size(); ++u) {
      std::string name = u < class_names.size() ? class_names[u] : "unit " + std::to_string(u);
      out.push_back(std::string(int(u) == a.c ? "\u25b6 " : "  ") + name + ": z = " +
                    tape_number(a.logits[u]) + " \u2192 " + tape_number(100.0 * a.probs[u]) + "%");
    }
    out.push_back("softmax: e^z / \u03a3 e^z = " + tape_number(a.result));
  }
  return out;
}

}  // namespace cnnlab
