// gfx/rgba_image.cpp — the generated test pattern and box-filter shrinking (the one downsampler:
// the photo and the training thumbnails).
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
        value = (int(x / 12) + int(y / 12)) % 2 ? 0.85f : 0.15f;  // checker: sharp edges
      } else if (v < 0.5f) {
        value = 0.5f + 0.45f * std::sin(float(x + y) * 0.35f);  // diagonal stripes
      } else if (u < 0.5f) {
        value = 0.5f + 0.45f * std::sin(float(x) * 0.5f);  // vertical stripes
      } else {
        value = u;  // smooth gradient
      }
      float d = std::hypot(float(x) - cx, float(y) - cy);
      if (d < radius) value = 0.95f - 0.4f * d / radius;  // a bright disc
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

RgbaImage box_resize(const RgbaImage& image, int width, int height) {
  CNNLAB_ASSERT(
      !image.empty() && width > 0 && height > 0 && width <= image.width && height <= image.height,
      "box_resize: shrinks a non-empty image");
  RgbaImage out(width, height);
  for (int y = 0; y < height; ++y) {
    int y0 = y * image.height / height, y1 = std::max(y0 + 1, (y + 1) * image.height / height);
    for (int x = 0; x < width; ++x) {
      int x0 = x * image.width / width, x1 = std::max(x0 + 1, (x + 1) * image.width / width);
      int sum[4] = {0, 0, 0, 0}, count = (y1 - y0) * (x1 - x0);
      for (int sy = y0; sy < y1; ++sy)
        for (int sx = x0; sx < x1; ++sx)
          for (int c = 0; c < 4; ++c) sum[c] += image.pixel(sx, sy)[c];
      for (int c = 0; c < 4; ++c) out.pixel(x, y)[c] = uint8_t((sum[c] + count / 2) / count);
    }
  }
  return out;
}

RgbaImage shrink_to(const RgbaImage& image, int max_side) {
  RgbaImage current = image;
  while (current.width > max_side || current.height > max_side)
    current = box_resize(current, std::max(1, current.width / 2), std::max(1, current.height / 2));
  return current;
}

}  // namespace cnnlab
