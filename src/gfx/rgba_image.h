// gfx/rgba_image.h — an 8-bit RGBA image for GL upload/read-back, the generated test pattern, box
// downsampling.
// (Decoding and PNG files are data/image.h's job: ui converts between the two.)
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace cnnlab {

// (H, W, 4) row-major, top row first, RGBA8.
struct RgbaImage {
  int width = 0, height = 0;
  std::vector<uint8_t> rgba;

  RgbaImage() = default;
  RgbaImage(int w, int h) : width(w), height(h), rgba(size_t(w) * size_t(h) * 4, 0) {}
  bool empty() const { return width <= 0 || height <= 0; }
  uint8_t* pixel(int x, int y) { return &rgba[(size_t(y) * size_t(width) + size_t(x)) * 4]; }
  const uint8_t* pixel(int x, int y) const {
    return &rgba[(size_t(y) * size_t(width) + size_t(x)) * 4];
  }
};

// A photo stand-in when no flower is at hand: soft disc, stripes at several angles, a checker
// and a gradient, so every preset kernel has edges and flat areas to act on. Deterministic.
RgbaImage make_test_pattern(int width, int height);

// Shrinks `image` to width × height (each at most the image's): every output pixel is the rounded
// mean of the source pixels it covers (rows y·H/h up to (y+1)·H/h, at least one; columns alike).
RgbaImage box_resize(const RgbaImage& image, int width, int height);
// Halves `image` (box_resize) until both sides are at most `max_side`.
RgbaImage shrink_to(const RgbaImage& image, int max_side);

}  // namespace cnnlab
