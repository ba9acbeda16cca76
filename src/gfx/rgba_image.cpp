// gfx/rgba_image.cpp — the generated test pattern and box-filter shrinking.
#include "gfx/rgba_image.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"

namespace cnnlab {

RgbaImage make_test_pattern(int width, int height) {
  CNNLAB_ASSERT(width > 0 && height > 0, "make_test_pattern: size must be positive");
  RgbaImage image(width, height);
  const float cx = 0.5f * float(width), cy = 0.5f * float(height);
  const float radius = 0.3f * float(std::min(width, height));
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      float u = float(x) / float(width), v = float(y) / float(height);
      float value;
      if (v < 0.5f && u < 0.5f) {
        value = (int(x / 12) + int(y / 12)) % 2 ? 0.85f : 0.15f;      // checker: sharp edges
      } else if (v < 0.5f) {
        value = 0.5f + 0.45f * std::sin(float(x + y) * 0.35f);        // diagonal stripes
      } else if (u < 0.5f) {
        value = 0.5f + 0.45f * std::sin(float(x) * 0.5f);             // vertical stripes
      } else {
        value = u;                                                      // smooth gradient
      }
      float d = std::hypot(float(x) - cx, float(y) - cy);
      if (d < radius) value = 0.95f - 0.4f * d / radius;                // a bright disc
      auto level = uint8_t(std::clamp(value, 0.0f, 1.0f) * 255.0f + 0.5f);
      uint8_t* p = image.pixel(x, y);
      // Slightly warm tint so colour kernels show per-channel behaviour.
      p[0] = level;
      p[1] = uint8_t(level * 0.92f);
      p[2] = uint8_t(level * 0.8f);
      p[3] = 255;
    }
  }
  return image;
}

RgbaImage shrink_to(const RgbaImage& image, int max_side) {
  RgbaImage current = image;
  while (current.width > max_side || current.height > max_side) {
    RgbaImage half(std::max(1, current.width / 2), std::max(1, current.height / 2));
    for (int y = 0; y < half.height; ++y) {
      for (int x = 0; x < half.width; ++x) {
        for (int c = 0; c < 4; ++c) {
          int x1 = std::min(2 * x + 1, current.width - 1), y1 = std::min(2 * y + 1, current.height - 1);
          int sum = current.pixel(2 * x, 2 * y)[c] + current.pixel(x1, 2 * y)[c] +
                    current.pixel(2 * x, y1)[c] + current.pixel(x1, y1)[c];
          half.pixel(x, y)[c] = uint8_t((sum + 2) / 4);
        }
      }
    }
    current = std::move(half);
  }
  return current;
}

}  // namespace cnnlab
