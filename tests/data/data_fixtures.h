// tests/data/data_fixtures.h — temp folders and tiny images written by the data tests themselves.
#pragma once
#include <stb_image_write.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/fileio.h"
#include "data/image.h"
#include "test_tmp.h"

namespace cnnlab::testing {

// The message of the UserError that `f` throws ("" if none).
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

// A unique folder (mkdtemp, tests/test_tmp.h), removed when the object goes away; plus the two
// helpers the data tests use.
class TempDir : public cnnlab::test::TempDir {
 public:
  explicit TempDir(const std::string& tag) : cnnlab::test::TempDir("data_" + tag) {}
  std::string str() const { return path().string(); }
  std::string mkdir(const std::string& rel) const {
    std::filesystem::create_directories(path() / rel);
    return (path() / rel).string();
  }
};

// A w×h image with c channels, every pixel = `value` (c entries).
inline Image solid_image(int w, int h, std::vector<uint8_t> value) {
  Image img;
  img.width = w;
  img.height = h;
  img.channels = int(value.size());
  img.pixels.resize(size_t(w) * h * value.size());
  for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = value[i % value.size()];
  return img;
}

inline void append_bytes(void* ctx, void* data, int size) {
  auto* v = static_cast<std::vector<uint8_t>*>(ctx);
  v->insert(v->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
}

inline std::vector<uint8_t> encode(const Image& img, const std::string& format) {
  std::vector<uint8_t> out;
  if (format == "png")
    stbi_write_png_to_func(append_bytes, &out, img.width, img.height, img.channels,
                           img.pixels.data(), img.width * img.channels);
  else if (format == "bmp")
    stbi_write_bmp_to_func(append_bytes, &out, img.width, img.height, img.channels,
                           img.pixels.data());
  else if (format == "jpg")
    stbi_write_jpg_to_func(append_bytes, &out, img.width, img.height, img.channels,
                           img.pixels.data(), 100);
  return out;
}

// Plain fwrite (no fsync: the tests write hundreds of files). Aborts the test on failure.
inline void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size())) {
    std::fprintf(stderr, "test fixture: cannot write %s\n", path.c_str());
    std::abort();
  }
  std::fclose(f);
}

// A PNG header (signature + IHDR) claiming w×h RGB: enough for stbi_info, no pixel data.
inline std::vector<uint8_t> fake_png_header(uint32_t w, uint32_t h) {
  std::vector<uint8_t> b = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n',
                            0,    0,   0,   13,  'I',  'H',  'D',  'R'};
  for (uint32_t v : {w, h})
    for (int s = 24; s >= 0; s -= 8) b.push_back(uint8_t(v >> s));
  for (uint8_t v : {8, 2, 0, 0, 0, 0, 0, 0, 0}) b.push_back(v);  // depth, RGB, 3 zero fields, CRC
  return b;
}

}  // namespace cnnlab::testing
