// ui/image_io.h — between data's RGB files (decode, PNG write) and gfx's RGBA images (GL upload,
// read-back).
#pragma once
#include <cstdint>
#include <string>

#include "gfx/rgba_image.h"

namespace cnnlab {

// (H, W, 3) RGB pixels → an opaque RGBA image (alpha 255).
RgbaImage rgba_from_rgb(const uint8_t* rgb, int width, int height);
// Decodes a photo with data/image.h and adds an opaque alpha channel. Throws UserError.
RgbaImage load_rgba(const std::string& path);
// Drops alpha and writes a PNG atomically with data/image.h. Throws UserError.
void write_png_rgba(const std::string& path, const RgbaImage& image);

}  // namespace cnnlab
