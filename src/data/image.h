// data/image.h — decode (stb_image), resize (stb_image_resize) and PNG writing for RGB uint8
// images.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cnnlab {

// An 8-bit image, pixels in HWC order: pixels[(y * width + x) * channels + c].
struct Image {
  int width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;  // (H, W, C)
};

// Largest image the loader agrees to decode (checked with stbi_info before decoding).
inline constexpr int kMaxImageSide = 16384;
inline constexpr long long kMaxImagePixels = 100'000'000;        // 100 MP
inline constexpr size_t kMaxImageFileBytes = size_t(512) << 20;  // files are not read past this

// Decoding an image takes about 6 bytes a pixel inside stb_image (0.57 GB for 100 MP). The
// dataset loader shares this many pixels between its threads, so decode memory does not grow with
// --threads; an image over the whole budget still decodes, alone.
inline constexpr long long kDecodeBudgetPixels = kMaxImagePixels;

// A file's bytes for decoding: refuses a folder, FIFO, device or socket without opening it, and a
// file over kMaxImageFileBytes before reading it. Throws UserError(path, reason).
std::vector<uint8_t> read_image_bytes(const std::string& path);

// The header's size, checked against the limits above (and for truncation) without decoding any
// pixel. Throws UserError(name, reason) on the same problems decode_image_memory reports first.
struct ImageInfo {
  int width = 0, height = 0;
  long long pixels() const { return (long long)width * height; }
};
ImageInfo check_image_memory(const uint8_t* data, size_t size, const std::string& name_for_errors);

// Decodes PNG/JPEG/BMP/GIF/TGA/PNM/... and always returns RGB (gray→RGB, alpha dropped).
// Throws UserError(path, reason) on any problem: missing, empty, not an image, truncated, too
// large.
Image decode_image_file(const std::string& path);
Image decode_image_memory(const uint8_t* data, size_t size, const std::string& name_for_errors);

// Resizes an image (any channel count) to width×height with stbir_resize_uint8.
Image resize_rgb(const Image& img, int width, int height);

// Writes a PNG via temp file + rename (write_file_atomic). Throws UserError on failure.
void write_png(const std::string& path, const Image& img);

}  // namespace cnnlab
