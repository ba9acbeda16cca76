// nn/explain.cpp — Grad-CAM and gradient saliency over Model::backward_to, and the heat overlay.
#include "nn/explain.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "core/error.h"

namespace cnnlab {

const char* explain_method_name(ExplainMethod m) {
  return m == ExplainMethod::GradCam ? "gradcam" : "saliency";
}

bool parse_explain_method(const std::string& text, ExplainMethod* out) {
  if (text == "gradcam") return *out = ExplainMethod::GradCam, true;
  if (text == "saliency") return *out = ExplainMethod::Saliency, true;
  return false;
}

int last_conv_layer(const Model& m) {
  for (size_t i = m.layers().size(); i-- > 1;)
    if (m.layers()[i].kind == LayerKind::Conv2D) return int(i);
  return -1;
}

int find_explain_layer(const Model& m, const std::string& name) {
  std::string usable;
  for (size_t i = 1; i < m.layers().size(); ++i) {
    const LayerInfo& l = m.layers()[i];
    if (l.flat || is_augment_kind(l.kind)) continue;
    if (l.name == name) return int(i);
    usable += (usable.empty() ? "" : ", ") + l.name;
  }
  throw UserError("--layer", "no layer '" + name + "' with feature maps in this model",
                  usable.empty() ? "this model has none" : "use one of: " + usable);
}

std::vector<float> resize_bilinear(const float* in, int in_h, int in_w, int out_h, int out_w) {
  CNNLAB_ASSERT(in_h > 0 && in_w > 0 && out_h > 0 && out_w > 0, "resize_bilinear: empty map");
  std::vector<float> out(size_t(out_h) * out_w);
  auto source = [](int o, int in_n, int out_n, int* lo, int* hi, float* t) {
    // Half-pixel centres: output pixel o covers input coordinate (o + 0.5) · in/out − 0.5.
    const float c =
        std::clamp((float(o) + 0.5f) * float(in_n) / float(out_n) - 0.5f, 0.0f, float(in_n - 1));
    *lo = int(c);
    *hi = std::min(*lo + 1, in_n - 1);
    *t = c - float(*lo);
  };
  for (int y = 0; y < out_h; ++y) {
    int y0, y1;
    float ty;
    source(y, in_h, out_h, &y0, &y1, &ty);
    for (int x = 0; x < out_w; ++x) {
      int x0, x1;
      float tx;
      source(x, in_w, out_w, &x0, &x1, &tx);
      const float top = in[y0 * in_w + x0] * (1 - tx) + in[y0 * in_w + x1] * tx;
      const float bottom = in[y1 * in_w + x0] * (1 - tx) + in[y1 * in_w + x1] * tx;
      out[size_t(y) * out_w + x] = top * (1 - ty) + bottom * ty;
    }
  }
  return out;
}

// Divides by the maximum (a map that is 0 everywhere stays 0: "nothing for this class here").
static void normalise_max(std::vector<float>& v) {
  float most = 0;
  for (float a : v) most = std::max(most, a);
  if (most > 0)
    for (float& a : v) a /= most;
}

// α_k = spatial mean of ∂y_c/∂A_k; map = ReLU(Σ_k α_k A_k). A, dA: (H, W, C).
static std::vector<float> grad_cam_map(const float* A, const float* dA, int H, int W, int C) {
  std::vector<double> alpha(size_t(C), 0.0);
  for (int p = 0; p < H * W; ++p)
    for (int c = 0; c < C; ++c) alpha[size_t(c)] += dA[size_t(p) * C + c];
  for (double& a : alpha) a /= double(H) * W;
  std::vector<float> map(size_t(H) * W);
  for (int p = 0; p < H * W; ++p) {
    double s = 0;
    for (int c = 0; c < C; ++c) s += alpha[size_t(c)] * A[size_t(p) * C + c];
    map[size_t(p)] = float(std::max(s, 0.0));
  }
  return map;
}

Explanation explain_image(Model& m, const float* x, int cls, ExplainMethod method, int layer) {
  const int K = m.num_classes();
  CNNLAB_ASSERT(cls < K, "explain_image: class out of range");
  Explanation e;
  e.method = method;
  e.h = m.input_h(), e.w = m.input_w();
  e.probs.resize(size_t(K));
  m.forward(x, 1, e.probs.data());
  e.predicted = int(std::max_element(e.probs.begin(), e.probs.end()) - e.probs.begin());
  e.cls = cls < 0 ? e.predicted : cls;
  std::vector<float> d_logits(size_t(K), 0.0f);
  d_logits[size_t(e.cls)] = 1.0f;  // ∂y_c/∂logits: the score is the logit, not the probability
  if (method == ExplainMethod::Saliency) {
    const int C = m.input_c();
    std::vector<float> dx(size_t(e.h) * e.w * C);
    m.backward_to(0, d_logits.data(), dx.data());
    e.layer = 0, e.map_h = e.h, e.map_w = e.w;
    e.coarse.assign(size_t(e.h) * e.w, 0.0f);
    for (size_t p = 0; p < e.coarse.size(); ++p)
      for (int c = 0; c < C; ++c) e.coarse[p] = std::max(e.coarse[p], std::abs(dx[p * C + c]));
    e.heat = e.coarse;
  } else {
    e.layer = layer < 0 ? last_conv_layer(m) : layer;
    CNNLAB_ASSERT(e.layer >= 1 && !m.layers()[size_t(e.layer)].flat,
                  "explain_image: Grad-CAM needs a layer with feature maps");
    const LayerInfo& l = m.layers()[size_t(e.layer)];
    std::vector<float> dA(l.out_size());
    m.backward_to(e.layer, d_logits.data(), dA.data());
    e.map_h = l.out_h, e.map_w = l.out_w;
    e.coarse = grad_cam_map(m.activation(e.layer), dA.data(), l.out_h, l.out_w, l.out_c);
    e.heat = resize_bilinear(e.coarse.data(), l.out_h, l.out_w, e.h, e.w);
  }
  normalise_max(e.heat);
  return e;
}

void heat_colour(float t, uint8_t rgb[3]) {
  static constexpr float kStops[5][3] = {
      {68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
  t = std::clamp(std::isfinite(t) ? t : 0.0f, 0.0f, 1.0f) * 4.0f;
  const int i = std::min(int(t), 3);
  const float f = t - float(i);
  for (int c = 0; c < 3; ++c)
    rgb[c] = uint8_t(std::lround(kStops[i][c] * (1 - f) + kStops[i + 1][c] * f));
}

void blend_heat(uint8_t* out, const uint8_t* rgb, const float* heat, int h, int w, float opacity) {
  opacity = std::clamp(opacity, 0.0f, 1.0f);
  for (size_t p = 0; p < size_t(h) * w; ++p) {
    const float t = std::clamp(std::isfinite(heat[p]) ? heat[p] : 0.0f, 0.0f, 1.0f);
    uint8_t c[3];
    heat_colour(t, c);
    const float a = opacity * (0.4f + 0.6f * t);
    for (int k = 0; k < 3; ++k)
      out[p * 3 + k] = uint8_t(std::lround(rgb[p * 3 + k] * (1 - a) + c[k] * a));
  }
}

}  // namespace cnnlab
