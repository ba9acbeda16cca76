// ui/image_io.cpp — RGB ↔ RGBA conversions (the one place they happen) around data/image.h's
// decoder and PNG writer.
#include "ui/image_io.h"

#include "data/image.h"

namespace cnnlab {

RgbaImage rgba_from_rgb(const uint8_t* rgb, int width, int height) {
  RgbaImage out(width, height);
  for (size_t i = 0, n = size_t(width) * size_t(height); i < n; ++i) {
    for (int c = 0; c < 3; ++c) out.rgba[i * 4 + size_t(c)] = rgb[i * 3 + size_t(c)];
    out.rgba[i * 4 + 3] = 255;
  }
  return out;
}

RgbaImage load_rgba(const std::string& path) {
  Image rgb = decode_image_file(path);  // (H, W, 3)
  return rgba_from_rgb(rgb.pixels.data(), rgb.width, rgb.height);
}

void write_png_rgba(const std::string& path, const RgbaImage& image) {
  Image rgb;
  rgb.width = image.width;
  rgb.height = image.height;
  rgb.channels = 3;
  rgb.pixels.resize(size_t(image.width) * size_t(image.height) * 3);
  for (size_t i = 0, n = size_t(image.width) * size_t(image.height); i < n; ++i) {
    for (int c = 0; c < 3; ++c) rgb.pixels[i * 3 + size_t(c)] = image.rgba[i * 4 + size_t(c)];
  }
  write_png(path, rgb);
}

}  // namespace cnnlab
