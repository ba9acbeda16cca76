// data/image.cpp — stb_image decode with path + reason errors, stbir resize, atomic PNG writing.
#include "data/image.h"

#include <stb_image.h>
#include <stb_image_resize.h>
#include <stb_image_write.h>

#include <filesystem>
#include <string>

#include "core/check.h"
#include "core/error.h"
#include "core/fileio.h"

namespace cnnlab {
namespace {

// stb_image's failure strings are terse ("unknown image type"); say what they mean for a user.
std::string explain_stb_failure(const char* reason) {
  std::string r = reason ? reason : "unknown error";
  if (r == "unknown image type") return "not an image file (unknown or unsupported format)";
  if (r == "outofmem") return "out of memory while decoding";
  if (r == "too large") return "image too large to decode (over stb_image's 1 GB limit)";
  return "cannot decode image: " + r + " (corrupt or truncated file?)";
}

// A baseline or progressive JPEG must end its scans with an EOI marker (FF D9). stb_image pads a
// truncated JPEG with zeros and "succeeds", so walk the marker segments up to the first scan and
// require an EOI after it. Inside scan data 0xFF is always stuffed (FF 00), so FF D9 cannot appear
// there by accident; segments before the scan (e.g. an EXIF thumbnail in APP1) are skipped by
// length.
bool jpeg_is_truncated(const uint8_t* d, size_t n) {
  if (n < 4 || d[0] != 0xFF || d[1] != 0xD8) return false;  // not a JPEG: nothing to say
  size_t pos = 2;
  while (pos + 1 < n) {
    if (d[pos] != 0xFF) return true;          // lost sync: corrupt
    while (pos < n && d[pos] == 0xFF) ++pos;  // fill bytes
    if (pos >= n) return true;
    uint8_t marker = d[pos++];
    if (marker == 0xD9) return true;                                     // EOI before any scan
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no length
    if (pos + 2 > n) return true;
    size_t len = (size_t(d[pos]) << 8) | d[pos + 1];
    if (len < 2) return true;
    pos += len;
    if (marker == 0xDA) {  // start of scan: look for EOI
      for (size_t i = pos; i + 1 < n; ++i)
        if (d[i] == 0xFF && d[i + 1] == 0xD9) return false;
      return true;
    }
  }
  return true;
}

// stb_image also zero-pads a short BMP; its header's bfSize (bytes 2..5) says how long it must be.
bool bmp_is_truncated(const uint8_t* d, size_t n) {
  if (n < 14 || d[0] != 'B' || d[1] != 'M') return false;
  size_t declared =
      size_t(d[2]) | (size_t(d[3]) << 8) | (size_t(d[4]) << 16) | (size_t(d[5]) << 24);
  return declared > n;  // 0 (allowed by some writers) never counts as truncated
}

// The container format by signature ("" if unknown): names a file stb_image rejects by what it is.
std::string sniff_format(const uint8_t* d, size_t n) {
  if (n >= 8 && d[0] == 0x89 && d[1] == 'P' && d[2] == 'N' && d[3] == 'G') return "PNG";
  if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return "JPEG";
  if (n >= 2 && d[0] == 'B' && d[1] == 'M') return "BMP";
  if (n >= 4 && d[0] == 'G' && d[1] == 'I' && d[2] == 'F' && d[3] == '8') return "GIF";
  return "";
}

// Why stbi_info rejected the file. Its own reason is often overwritten by later format probes
// ("unknown image type"), so a PNG header is read here to tell "too large" from "corrupt".
std::string header_failure(const uint8_t* d, size_t n) {
  std::string format = sniff_format(d, n);
  if (format.empty()) return explain_stb_failure("unknown image type");
  if (format == "PNG" && n >= 24) {
    auto be32 = [&](size_t at) {
      return (uint32_t(d[at]) << 24) | (uint32_t(d[at + 1]) << 16) | (uint32_t(d[at + 2]) << 8) |
             d[at + 3];
    };
    long long w = be32(16), h = be32(20);
    if (w > kMaxImageSide || h > kMaxImageSide || w * h > kMaxImagePixels)
      return "image too large to decode: " + std::to_string(w) + "x" + std::to_string(h);
  }
  return "cannot decode image: " + format + " header is corrupt or truncated";
}

void write_to_vector(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<uint8_t>*>(context);
  const auto* bytes = static_cast<const uint8_t*>(data);
  out->insert(out->end(), bytes, bytes + size);
}

}  // namespace

ImageInfo check_image_memory(const uint8_t* data, size_t size, const std::string& name) {
  if (size == 0)
    throw UserError(name, "empty file (0 bytes)", "remove it or replace it with an image");
  if (size > size_t(INT32_MAX)) throw UserError(name, "file too large to be an image (over 2 GB)");
  int w = 0, h = 0, n = 0;
  if (!stbi_info_from_memory(data, int(size), &w, &h, &n))
    throw UserError(name, header_failure(data, size));
  if (w <= 0 || h <= 0) throw UserError(name, "image has no pixels");
  if (w > kMaxImageSide || h > kMaxImageSide || (long long)w * h > kMaxImagePixels)
    throw UserError(name,
                    "image too large to decode: " + std::to_string(w) + "x" + std::to_string(h) +
                        " (limit " + std::to_string(kMaxImageSide) + " px a side, " +
                        std::to_string(kMaxImagePixels / 1000000) + " MP)",
                    "shrink the image or remove it");
  if (jpeg_is_truncated(data, size))
    throw UserError(name, "cannot decode image: JPEG data ends early (truncated or corrupt file)");
  if (bmp_is_truncated(data, size))
    throw UserError(name,
                    "cannot decode image: BMP file is shorter than its header says (truncated)");
  return {w, h};
}

Image decode_image_memory(const uint8_t* data, size_t size, const std::string& name) {
  check_image_memory(data, size, name);
  int w2 = 0, h2 = 0, n2 = 0;
  uint8_t* px = stbi_load_from_memory(data, int(size), &w2, &h2, &n2, 3);  // force RGB
  if (!px) throw UserError(name, explain_stb_failure(stbi_failure_reason()));
  Image img;
  img.width = w2;
  img.height = h2;
  img.channels = 3;
  img.pixels.assign(px, px + size_t(w2) * size_t(h2) * 3);  // (H, W, 3)
  stbi_image_free(px);
  return img;
}

std::vector<uint8_t> read_image_bytes(const std::string& path) {
  // Refuse before reading: a stray video or disk image in a class folder must not fill memory.
  std::error_code ec;
  uintmax_t file_size =
      std::filesystem::file_size(path, ec);  // fails (no size) for non-regular files
  if (!ec && file_size > kMaxImageFileBytes)
    throw UserError(path,
                    "file too large to be an image (" + std::to_string(file_size >> 20) +
                        " MiB; limit " + std::to_string(kMaxImageFileBytes >> 20) + " MiB)",
                    "remove it from the dataset folder");
  return read_file_bytes(path, kMaxImageFileBytes);  // refuses FIFOs, devices, folders: UserError
}

Image decode_image_file(const std::string& path) {
  std::vector<uint8_t> bytes = read_image_bytes(path);
  return decode_image_memory(bytes.data(), bytes.size(), path);
}

Image resize_rgb(const Image& img, int width, int height) {
  CNNLAB_ASSERT(img.width > 0 && img.height > 0 && img.channels > 0, "resize of an empty image");
  CNNLAB_ASSERT(img.pixels.size() == size_t(img.width) * img.height * img.channels,
                "pixels must be (H, W, C)");
  CNNLAB_ASSERT(width > 0 && height > 0, "resize target must be positive");
  Image out;
  out.width = width;
  out.height = height;
  out.channels = img.channels;
  out.pixels.resize(size_t(width) * height * img.channels);
  if (width == img.width && height == img.height) {
    out.pixels = img.pixels;
    return out;
  }
  int ok = stbir_resize_uint8(img.pixels.data(), img.width, img.height, 0, out.pixels.data(), width,
                              height, 0, img.channels);
  CNNLAB_ASSERT(ok, "stbir_resize_uint8 failed");
  return out;
}

void write_png(const std::string& path, const Image& img) {
  CNNLAB_ASSERT(img.channels >= 1 && img.channels <= 4, "PNG needs 1..4 channels");
  CNNLAB_ASSERT(img.pixels.size() == size_t(img.width) * img.height * img.channels,
                "pixels must be (H, W, C)");
  std::vector<uint8_t> png;
  int ok = stbi_write_png_to_func(write_to_vector, &png, img.width, img.height, img.channels,
                                  img.pixels.data(), img.width * img.channels);
  if (!ok || png.empty()) throw UserError(path, "cannot encode PNG");
  write_file_atomic(path, png.data(), png.size());
}

}  // namespace cnnlab
