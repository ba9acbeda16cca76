// tests/app/pixel_shot.h — what the pixel tests share: run `cnnlab screenshot` into a folder and
// read back its PNG and layout record, find a panel's rectangle, count pixels near a colour.
#pragma once
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/fileio.h"
#include "data/image.h"
#include "ui/layout_record.h"

namespace cnnlab::test {

struct Shot {
  Image png;
  LayoutRecord layout;
};

// `cnnlab screenshot ARGS --out DIR/NAME.png --layout DIR/NAME.txt`; the test fails if it does.
inline Shot take_shot(const std::string& dir, const std::string& name, const std::string& args) {
  std::filesystem::create_directories(dir);
  const std::string png = dir + "/" + name + ".png", txt = dir + "/" + name + ".txt";
  const std::string cmd = std::string(CNNLAB_EXE) + " screenshot --out " + png + " --layout " +
                          txt + " " + args + " > /dev/null";
  INFO(cmd);
  REQUIRE(std::system(cmd.c_str()) == 0);
  return {decode_image_file(png), parse_layout(read_file_text(txt))};
}

inline const LayoutRect* find_rect(const Shot& s, const std::string& name) {
  for (const LayoutRect& r : s.layout.rects)
    if (r.name == name) return &r;
  return nullptr;
}

// Pixels within `tol` (sum of |Δ| over R, G, B) of (r, g, b) inside `box`, less `inset` pixels on
// each side (the panel's border).
inline size_t count_near(const Shot& s, const LayoutRect& box, int r, int g, int b, int tol,
                         int inset = 0) {
  size_t n = 0;
  for (int y = int(box.y0) + inset; y < int(box.y1) - inset; ++y)
    for (int x = int(box.x0) + inset; x < int(box.x1) - inset; ++x) {
      const uint8_t* p = &s.png.pixels[(size_t(y) * s.png.width + x) * s.png.channels];
      n += std::abs(p[0] - r) + std::abs(p[1] - g) + std::abs(p[2] - b) < tol;
    }
  return n;
}

}  // namespace cnnlab::test
