// gfx/colormap.cpp — the colour ramps used for grid cells (colour-blind safe, never red vs green).
#include "gfx/colormap.h"

#include <algorithm>
#include <cmath>

namespace cnnlab {

namespace {
Rgb mix(Rgb a, Rgb b, float t) {
  return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
}
constexpr Rgb kWhite{1.0f, 1.0f, 1.0f};
constexpr Rgb kDeepBlue{0.05f, 0.23f, 0.50f};
constexpr Rgb kDeepOrange{0.80f, 0.42f, 0.00f};
}  // namespace

Rgb diverging(float t) {
  t = std::clamp(t, -1.0f, 1.0f);
  return t < 0 ? mix(kWhite, kDeepBlue, -t) : mix(kWhite, kDeepOrange, t);
}

Rgb sequential(float t) {
  return mix(kWhite, kDeepBlue, std::clamp(t, 0.0f, 1.0f));
}

float luminance(Rgb c) {
  return 0.2126f * c.r + 0.7152f * c.g + 0.0722f * c.b;
}

uint32_t pack_rgba(Rgb c, float alpha) {
  auto byte = [](float v) { return uint32_t(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f)); };
  return byte(alpha) << 24 | byte(c.b) << 16 | byte(c.g) << 8 | byte(c.r);
}

}  // namespace cnnlab
