// data/augment.cpp — RandomFlip/Rotation/Zoom/Translation/Contrast/Brightness on float or uint8
// NHWC batches.
//
// [SECTION] constructors and checks
// [SECTION] affine resampling (TF ImageProjectiveTransformV3)
// [SECTION] per-layer transforms
// [SECTION] batches
// [SECTION] copies of one image, and words for the strip
#include "data/augment.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>

#include "core/check.h"

namespace cnnlab {

// =================================================================================================
// [SECTION] constructors and checks
// =================================================================================================
AugmentLayer random_flip(bool horizontal, bool vertical) {
  AugmentLayer l;
  l.kind = AugmentKind::Flip;
  l.horizontal = horizontal, l.vertical = vertical;
  return l;
}

namespace {
AugmentLayer ranged(AugmentKind kind, float lower, float upper) {
  AugmentLayer l;
  l.kind = kind;
  l.lower = lower, l.upper = upper;
  return l;
}
}  // namespace

AugmentLayer random_rotation(float lower, float upper) {
  return ranged(AugmentKind::Rotation, lower, upper);
}

AugmentLayer random_zoom(float height_lower, float height_upper) {
  return ranged(AugmentKind::Zoom, height_lower, height_upper);
}

AugmentLayer random_zoom(float height_lower, float height_upper, float width_lower,
                         float width_upper) {
  AugmentLayer l = ranged(AugmentKind::Zoom, height_lower, height_upper);
  l.has_width = true;
  l.lower2 = width_lower, l.upper2 = width_upper;
  return l;
}

AugmentLayer random_translation(float height_lower, float height_upper, float width_lower,
                                float width_upper) {
  AugmentLayer l = ranged(AugmentKind::Translation, height_lower, height_upper);
  l.has_width = true;
  l.lower2 = width_lower, l.upper2 = width_upper;
  return l;
}

AugmentLayer random_contrast(float lower, float upper) {
  return ranged(AugmentKind::Contrast, lower, upper);
}

AugmentLayer random_brightness(float lower, float upper) {
  return ranged(AugmentKind::Brightness, lower, upper);
}

namespace {

const char* keras_name(AugmentKind k) {
  switch (k) {
    case AugmentKind::Flip:
      return "RandomFlip";
    case AugmentKind::Rotation:
      return "RandomRotation";
    case AugmentKind::Zoom:
      return "RandomZoom";
    case AugmentKind::Translation:
      return "RandomTranslation";
    case AugmentKind::Contrast:
      return "RandomContrast";
    case AugmentKind::Brightness:
      return "RandomBrightness";
  }
  return "?";
}

std::string num(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", double(v));
  return buf;
}

// "" or why [lo, hi] is not a valid factor range within [min, max].
std::string range_problem(const char* what, float lo, float hi, float min, float max) {
  if (!std::isfinite(lo) || !std::isfinite(hi))
    return std::string(what) + " must be a finite number";
  if (lo > hi)
    return std::string(what) + " lower bound " + num(lo) + " is above its upper bound " + num(hi);
  if (lo < min || hi > max)
    return std::string(what) + " must be within [" + num(min) + ", " + num(max) + "] (got " +
           num(lo) + ", " + num(hi) + ")";
  return "";
}

}  // namespace

std::string augment_layer_problem(const AugmentLayer& l) {
  const std::string name = keras_name(l.kind);
  std::string p;
  switch (l.kind) {
    case AugmentKind::Flip:
      if (!l.horizontal && !l.vertical) p = "mode must flip horizontally, vertically or both";
      break;
    case AugmentKind::Rotation:
      p = range_problem("factor", l.lower, l.upper, -1e6f, 1e6f);
      break;
    case AugmentKind::Zoom:
      p = range_problem("height_factor", l.lower, l.upper, -1, 1);
      if (p.empty() && l.has_width) p = range_problem("width_factor", l.lower2, l.upper2, -1, 1);
      break;
    case AugmentKind::Translation:
      p = range_problem("height_factor", l.lower, l.upper, -1, 1);
      if (p.empty()) p = range_problem("width_factor", l.lower2, l.upper2, -1, 1);
      break;
    case AugmentKind::Contrast:
      // Keras: lower and upper each in [0, 1]; the factor range [1 - lower, 1 + upper].
      if (!(l.lower >= 0 && l.lower <= 1 && l.upper >= 0 && l.upper <= 1))
        p = "factor must be within [0, 1] (got " + num(l.lower) + ", " + num(l.upper) + ")";
      break;
    case AugmentKind::Brightness:
      p = range_problem("factor", l.lower, l.upper, -1, 1);
      break;
  }
  if (p.empty() && (l.kind == AugmentKind::Contrast || l.kind == AugmentKind::Brightness) &&
      !(std::isfinite(l.value_lo) && std::isfinite(l.value_hi) && l.value_lo < l.value_hi))
    p = "value_range must be two finite numbers, low < high (got " + num(l.value_lo) + ", " +
        num(l.value_hi) + ")";
  if (p.empty() && !std::isfinite(l.fill_value)) p = "fill_value must be a finite number";
  return p.empty() ? p : name + ": " + p;
}

// =================================================================================================
// [SECTION] affine resampling (TF ImageProjectiveTransformV3)
// =================================================================================================
namespace {

// Output (x, y) reads input (a0 x + a1 y + a2, b0 x + b1 y + b2).
struct Affine {
  float a0 = 1, a1 = 0, a2 = 0, b0 = 0, b1 = 1, b2 = 0;
};

// Maps a coordinate outside [0, len-1] back inside, as TF's MapCoordinate does.
float map_coord(float v, int len, FillMode mode) {
  const float last = float(len - 1);
  // Constant: outside reads give fill_value. Anything beyond one pixel outside reads only fill, so
  // clamping there changes nothing and keeps the int conversions below in range.
  if (mode == FillMode::Constant) return std::clamp(v, -2.0f, float(len) + 1.0f);
  if (mode == FillMode::Reflect && len > 1) {
    const float sz2 = 2.0f * float(len);
    if (v < 0) {
      if (v < -sz2) v = sz2 * float(int(-v / sz2)) + v;
      v = v < -float(len) ? v + sz2 : -v - 1.0f;
    } else if (v > last) {
      v -= sz2 * float(int(v / sz2));
      if (v >= float(len)) v = sz2 - v - 1.0f;
    }
  }
  return std::clamp(v, 0.0f, last);  // nearest, and the reflect edge cases
}

// Pixel (y, x) of in (H, W, C), or null outside the image (the read gives fill_value).
const float* pixel_or_null(const float* in, int h, int w, int c, int y, int x) {
  if (y < 0 || y >= h || x < 0 || x >= w) return nullptr;
  return in + (size_t(y) * w + x) * c;
}

// out (H, W, C) = in resampled through t. The corners are located once per pixel, then every
// channel blends them in TF's order: top/bottom rows along x first, then along y.
void affine_resample(float* out, const float* in, int h, int w, int c, const Affine& t,
                     FillMode mode, Interpolation interp, float fill) {
  auto read = [fill](const float* p, int ch) { return p ? p[ch] : fill; };
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const float fx = float(x), fy = float(y);
      const float ix = map_coord(t.a0 * fx + t.a1 * fy + t.a2, w, mode);
      const float iy = map_coord(t.b0 * fx + t.b1 * fy + t.b2, h, mode);
      float* o = out + (size_t(y) * w + x) * c;
      if (interp == Interpolation::Nearest) {
        const float* p = pixel_or_null(in, h, w, c, int(std::round(iy)), int(std::round(ix)));
        for (int ch = 0; ch < c; ++ch) o[ch] = read(p, ch);
        continue;
      }
      const float y0 = std::floor(iy), x0 = std::floor(ix), y1 = y0 + 1.0f, x1 = x0 + 1.0f;
      const int yi = int(y0), xi = int(x0);
      const float* p00 = pixel_or_null(in, h, w, c, yi, xi);
      const float* p01 = pixel_or_null(in, h, w, c, yi, xi + 1);
      const float* p10 = pixel_or_null(in, h, w, c, yi + 1, xi);
      const float* p11 = pixel_or_null(in, h, w, c, yi + 1, xi + 1);
      const float wl = x1 - ix, wr = ix - x0, wt = y1 - iy, wb = iy - y0;
      for (int ch = 0; ch < c; ++ch) {
        const float top = wl * read(p00, ch) + wr * read(p01, ch);
        const float bottom = wl * read(p10, ch) + wr * read(p11, ch);
        o[ch] = wt * top + wb * bottom;
      }
    }
}

// =================================================================================================
// [SECTION] per-layer transforms
// =================================================================================================
constexpr double kTwoPi = 6.283185307179586;

// Keras's rotation matrix about the image centre ((W-1)/2, (H-1)/2).
Affine rotation_affine(double angle, int h, int w) {
  const double cs = std::cos(angle), sn = std::sin(angle), wm = w - 1, hm = h - 1;
  Affine t;
  t.a0 = float(cs), t.a1 = float(-sn), t.a2 = float((wm - (cs * wm - sn * hm)) / 2.0);
  t.b0 = float(sn), t.b1 = float(cs), t.b2 = float((hm - (sn * wm + cs * hm)) / 2.0);
  return t;
}

Affine zoom_affine(float zy, float zx, int h, int w) {
  Affine t;
  t.a0 = zx, t.a2 = (float(w) - 1.0f) / 2.0f * (1.0f - zx);
  t.b1 = zy, t.b2 = (float(h) - 1.0f) / 2.0f * (1.0f - zy);
  return t;
}

void flip_image(float* img, float* tmp, int h, int w, int c, bool horizontal, bool vertical) {
  const size_t row = size_t(w) * c;
  std::memcpy(tmp, img, sizeof(float) * row * h);
  for (int y = 0; y < h; ++y) {
    const int sy = vertical ? h - 1 - y : y;
    for (int x = 0; x < w; ++x) {
      const int sx = horizontal ? w - 1 - x : x;
      std::memcpy(img + y * row + size_t(x) * c, tmp + sy * row + size_t(sx) * c,
                  sizeof(float) * c);
    }
  }
}

// x = clip((x - mean_c) · f + mean_c), mean per channel over H·W.
void contrast_image(float* img, int h, int w, int c, float f, float lo, float hi) {
  const size_t hw = size_t(h) * w;
  for (int ch = 0; ch < c; ++ch) {
    double sum = 0;
    for (size_t p = 0; p < hw; ++p) sum += img[p * c + ch];
    const float mean = float(sum / double(hw));
    for (size_t p = 0; p < hw; ++p) {
      float& v = img[p * c + ch];
      v = std::clamp((v - mean) * f + mean, lo, hi);
    }
  }
}

void brightness_image(float* img, size_t count, float delta, float lo, float hi) {
  for (size_t i = 0; i < count; ++i) img[i] = std::clamp(img[i] + delta, lo, hi);
}

// Draws the layer's parameters from rng and applies it to img (H, W, C); tmp is H·W·C floats.
void apply_layer(float* img, float* tmp, int h, int w, int c, const AugmentLayer& l, Rng& rng) {
  const size_t count = size_t(h) * w * c;
  auto resample = [&](const Affine& t) {
    std::memcpy(tmp, img, sizeof(float) * count);
    affine_resample(img, tmp, h, w, c, t, l.fill_mode, l.interpolation, l.fill_value);
  };
  switch (l.kind) {
    case AugmentKind::Flip:
      if (rng.uniform() < 0.5f) flip_image(img, tmp, h, w, c, l.horizontal, l.vertical);
      break;
    case AugmentKind::Rotation: {
      const double turns = rng.uniform(l.lower, l.upper);
      resample(rotation_affine(turns * kTwoPi, h, w));
      break;
    }
    case AugmentKind::Zoom: {
      const float zy = 1.0f + rng.uniform(l.lower, l.upper);
      const float zx = l.has_width ? 1.0f + rng.uniform(l.lower2, l.upper2) : zy;
      resample(zoom_affine(zy, zx, h, w));
      break;
    }
    case AugmentKind::Translation: {
      const float dy = rng.uniform(l.lower, l.upper) * float(h);
      const float dx = rng.uniform(l.lower2, l.upper2) * float(w);
      Affine t;
      t.a2 = -dx, t.b2 = -dy;
      resample(t);
      break;
    }
    case AugmentKind::Contrast:
      contrast_image(img, h, w, c, rng.uniform(1.0f - l.lower, 1.0f + l.upper), l.value_lo,
                     l.value_hi);
      break;
    case AugmentKind::Brightness:
      brightness_image(img, count, rng.uniform(l.lower, l.upper) * (l.value_hi - l.value_lo),
                       l.value_lo, l.value_hi);
      break;
  }
}

uint64_t splitmix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Work below this many pixel values stays on one thread.
constexpr double kParallelValues = double(1 << 16);

}  // namespace

void augment_image(float* image, float* tmp, int h, int w, int c,
                   const std::vector<AugmentLayer>& layers, Rng& rng) {
  CNNLAB_ASSERT(h > 0 && w > 0 && c > 0, "augment_image: bad image shape");
  for (const AugmentLayer& l : layers) apply_layer(image, tmp, h, w, c, l, rng);
}

// =================================================================================================
// [SECTION] batches
// =================================================================================================
uint64_t augment_seed(uint64_t run_seed, int64_t epoch, int64_t batch) {
  return splitmix64(splitmix64(splitmix64(run_seed) ^ uint64_t(epoch)) ^ uint64_t(batch));
}

// Standard normal by Box-Muller (one of the pair; draws stay few: two per image).
static double sample_normal(Rng& rng) {
  double u1 = 0;
  while (u1 <= 0) u1 = rng.uniform();
  const double u2 = rng.uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

// Gamma(shape, 1), Marsaglia & Tsang (2000); shape < 1 via Gamma(shape + 1) · U^(1/shape).
static double sample_gamma(Rng& rng, double shape) {
  if (shape < 1) {
    double u = 0;
    while (u <= 0) u = rng.uniform();
    return sample_gamma(rng, shape + 1) * std::pow(u, 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x = 0, v = 0;
    do {
      x = sample_normal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = rng.uniform();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (u > 0 && std::log(u) < 0.5 * x * x + d * (1 - v + std::log(v))) return d * v;
  }
}

float sample_beta(Rng& rng, float a, float b) {
  CNNLAB_ASSERT(a > 0 && b > 0, "sample_beta: shapes must be positive");
  const double x = sample_gamma(rng, a), y = sample_gamma(rng, b);
  return x + y > 0 ? float(x / (x + y)) : 0.5f;  // both underflow only for tiny shapes
}

void mixup_batch(float* images, float* targets, const int* y, int n, size_t per, int classes,
                 float alpha, uint64_t seed, std::vector<float>& scratch) {
  CNNLAB_ASSERT(n >= 0 && classes >= 1 && alpha > 0, "mixup_batch: bad arguments");
  Rng rng(splitmix64(seed), 0x313c);
  std::vector<int> order(size_t(n), 0);
  std::iota(order.begin(), order.end(), 0);
  rng.shuffle(order);
  std::vector<float> lam(static_cast<size_t>(n));
  for (float& l : lam) l = sample_beta(rng, alpha, alpha);
  scratch.assign(images, images + size_t(n) * per);
#pragma omp parallel for if (double(n) * double(per) > kParallelValues)
  for (int i = 0; i < n; ++i) {
    const float l = lam[size_t(i)];
    const float* a = scratch.data() + size_t(i) * per;
    const float* b = scratch.data() + size_t(order[size_t(i)]) * per;
    float* out = images + size_t(i) * per;
    for (size_t q = 0; q < per; ++q) out[q] = l * a[q] + (1 - l) * b[q];
  }
  for (int i = 0; i < n; ++i) {
    float* t = targets + size_t(i) * classes;
    std::fill(t, t + classes, 0.0f);
    const int a = y[i], b = y[order[size_t(i)]];
    CNNLAB_ASSERT(a >= 0 && a < classes && b >= 0 && b < classes,
                  "mixup_batch: label out of range");
    t[a] += lam[size_t(i)];
    t[b] += 1 - lam[size_t(i)];
  }
}

void augment_batch(float* images, int n, int h, int w, int c,
                   const std::vector<AugmentLayer>& layers, uint64_t seed) {
  CNNLAB_ASSERT(n >= 0 && h > 0 && w > 0 && c > 0, "augment_batch: bad batch shape");
  if (n == 0 || layers.empty()) return;
  const size_t count = size_t(h) * w * c;
  const uint64_t mixed = splitmix64(seed);
#pragma omp parallel if (double(n) * double(count) > kParallelValues)
  {
    std::vector<float> tmp(count);  // one per thread
#pragma omp for schedule(dynamic)
    for (int k = 0; k < n; ++k) {
      Rng rng(mixed, uint64_t(k));
      augment_image(images + size_t(k) * count, tmp.data(), h, w, c, layers, rng);
    }
  }
}

void augment_batch(uint8_t* images, int n, int h, int w, int c,
                   const std::vector<AugmentLayer>& layers, uint64_t seed) {
  CNNLAB_ASSERT(n >= 0 && h > 0 && w > 0 && c > 0, "augment_batch: bad batch shape");
  if (n == 0 || layers.empty()) return;
  const size_t count = size_t(h) * w * c;
  const uint64_t mixed = splitmix64(seed);
#pragma omp parallel if (double(n) * double(count) > kParallelValues)
  {
    std::vector<float> img(count), tmp(count);  // one pair per thread
#pragma omp for schedule(dynamic)
    for (int k = 0; k < n; ++k) {
      uint8_t* p = images + size_t(k) * count;
      for (size_t i = 0; i < count; ++i) img[i] = float(p[i]);
      Rng rng(mixed, uint64_t(k));
      augment_image(img.data(), tmp.data(), h, w, c, layers, rng);
      for (size_t i = 0; i < count; ++i)
        p[i] = uint8_t(std::floor(std::clamp(img[i], 0.0f, 255.0f) + 0.5f));  // nearest, halves up
    }
  }
}

// =================================================================================================
// [SECTION] copies of one image, and words for the strip
// =================================================================================================
std::vector<uint8_t> augmented_copies(const uint8_t* image, int h, int w, int c,
                                      const std::vector<AugmentLayer>& layers, int count,
                                      uint64_t seed) {
  CNNLAB_ASSERT(h > 0 && w > 0 && c > 0 && count >= 0, "augmented_copies: bad shape");
  const size_t per = size_t(h) * w * c;
  std::vector<float> x(per * size_t(count));
  for (int i = 0; i < count; ++i)
    for (size_t j = 0; j < per; ++j) x[size_t(i) * per + j] = float(image[j]);
  for (size_t k = 0; k < layers.size(); ++k)
    augment_batch(x.data(), count, h, w, c, {layers[k]}, augment_seed(seed, 0, int64_t(k + 1)));
  std::vector<uint8_t> out(x.size());
  for (size_t j = 0; j < x.size(); ++j)
    out[j] = uint8_t(std::floor(std::clamp(x[j], 0.0f, 255.0f) + 0.5f));
  return out;
}

std::vector<float> mixup_copies(uint8_t* copies, const uint8_t* partners, int count, size_t per,
                                float alpha, uint64_t seed) {
  CNNLAB_ASSERT(count >= 0 && alpha > 0, "mixup_copies: bad arguments");
  Rng rng(splitmix64(seed), 0x313c);
  std::vector<float> lam(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    const float b0 = sample_beta(rng, alpha, alpha), l = lam[size_t(i)] = std::max(b0, 1 - b0);
    uint8_t* a = copies + size_t(i) * per;
    const uint8_t* b = partners + size_t(i) * per;
    for (size_t q = 0; q < per; ++q)
      a[q] = uint8_t(
          std::floor(std::clamp(l * float(a[q]) + (1 - l) * float(b[q]), 0.0f, 255.0f) + 0.5f));
  }
  return lam;
}

std::string describe_augment_layer(const AugmentLayer& l) {
  const std::string name = keras_name(l.kind);
  auto range = [](float lo, float hi) {
    return lo == -hi ? "±" + num(hi) : num(lo) + ".." + num(hi);
  };
  switch (l.kind) {
    case AugmentKind::Flip:
      return name + "(" +
             (l.horizontal && l.vertical ? "horizontal_and_vertical"
              : l.horizontal             ? "horizontal"
                                         : "vertical") +
             ")";
    case AugmentKind::Rotation: {
      const std::string deg = l.lower == -l.upper
                                  ? "±" + num(std::round(l.upper * 3600.0f) / 10.0f)
                                  : num(l.lower * 360.0f) + ".." + num(l.upper * 360.0f);
      return name + "(" + range(l.lower, l.upper) + " turn = " + deg + "°)";
    }
    case AugmentKind::Zoom:
      return name + "(" + range(l.lower, l.upper) +
             (l.has_width ? ", width " + range(l.lower2, l.upper2) : "") + ")";
    case AugmentKind::Translation:
      return name + "(height " + range(l.lower, l.upper) + ", width " + range(l.lower2, l.upper2) +
             ")";
    case AugmentKind::Contrast:
      return name + "(" + (l.lower == l.upper ? num(l.upper) : range(l.lower, l.upper)) + ")";
    case AugmentKind::Brightness:
      return name + "(" + range(l.lower, l.upper) + ")";
  }
  return name;
}

}  // namespace cnnlab
