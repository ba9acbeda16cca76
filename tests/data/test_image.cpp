// tests/data/test_image.cpp — decode round trips (PNG/BMP/JPEG), gray/alpha → RGB, resize, decode
// errors.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "core/error.h"
#include "data/image.h"
#include "data_fixtures.h"

using namespace cnnlab;
using namespace cnnlab::testing;

namespace {

// 4 wide × 3 high RGB with a distinct value per (x, y, c): v = 10*(y*4 + x) + c.
Image pattern_rgb() {
  Image img;
  img.width = 4;
  img.height = 3;
  img.channels = 3;
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 4; ++x)
      for (int c = 0; c < 3; ++c) img.pixels.push_back(uint8_t(10 * (y * 4 + x) + c));
  return img;
}

}  // namespace

TEST_CASE("PNG written by write_png decodes back exactly, HWC order") {
  TempDir dir("png");
  Image img = pattern_rgb();
  write_png(dir / "a.png", img);
  Image back = decode_image_file(dir / "a.png");
  CHECK(back.width == 4);
  CHECK(back.height == 3);
  CHECK(back.channels == 3);
  CHECK(back.pixels == img.pixels);
  // (y=2, x=1, c=2) → 10*(2*4+1)+2 = 92 at offset (2*4+1)*3+2 = 29
  CHECK(back.pixels[29] == 92);
}

TEST_CASE("BMP round-trips exactly; JPEG round-trips to the right size and near values") {
  TempDir dir("bmp_jpg");
  Image img = pattern_rgb();
  write_bytes(dir / "a.bmp", encode(img, "bmp"));
  Image bmp = decode_image_file(dir / "a.bmp");
  CHECK(bmp.width == 4);
  CHECK(bmp.height == 3);
  CHECK(bmp.pixels == img.pixels);

  Image solid = solid_image(17, 9, {200, 100, 50});
  write_bytes(dir / "a.jpg", encode(solid, "jpg"));
  Image jpg = decode_image_file(dir / "a.jpg");
  CHECK(jpg.width == 17);
  CHECK(jpg.height == 9);
  CHECK(jpg.channels == 3);
  for (size_t i = 0; i < jpg.pixels.size();
       ++i)  // quality 100 on a flat colour: within a few levels
    CHECK(std::abs(int(jpg.pixels[i]) - int(solid.pixels[i])) <= 3);
}

TEST_CASE("grayscale and gray+alpha become RGB; RGBA drops alpha") {
  TempDir dir("channels");
  write_png(dir / "g.png", solid_image(3, 2, {77}));
  Image g = decode_image_file(dir / "g.png");
  CHECK(g.channels == 3);
  CHECK(g.pixels == solid_image(3, 2, {77, 77, 77}).pixels);

  write_png(dir / "ga.png", solid_image(3, 2, {90, 10}));
  CHECK(decode_image_file(dir / "ga.png").pixels == solid_image(3, 2, {90, 90, 90}).pixels);

  write_png(dir / "rgba.png",
            solid_image(2, 5, {1, 2, 3, 0}));  // fully transparent: no premultiply
  Image rgba = decode_image_file(dir / "rgba.png");
  CHECK(rgba.channels == 3);
  CHECK(rgba.width == 2);
  CHECK(rgba.height == 5);
  CHECK(rgba.pixels == solid_image(2, 5, {1, 2, 3}).pixels);
}

TEST_CASE("resize gives the requested size; constants stay constant; edges stay sharp-ish") {
  Image down = resize_rgb(solid_image(37, 23, {12, 140, 251}), 8, 8);
  CHECK(down.width == 8);
  CHECK(down.height == 8);
  CHECK(down.channels == 3);
  CHECK(down.pixels == solid_image(8, 8, {12, 140, 251}).pixels);
  Image up = resize_rgb(solid_image(4, 4, {0, 128, 255}), 10, 6);
  CHECK(up.pixels == solid_image(10, 6, {0, 128, 255}).pixels);

  // Left half black, right half white (16×4) → 8×2: first column dark, last column bright,
  // and the row non-decreasing left to right.
  Image half = solid_image(16, 4, {0, 0, 0});
  for (int y = 0; y < 4; ++y)
    for (int x = 8; x < 16; ++x)
      for (int c = 0; c < 3; ++c) half.pixels[(y * 16 + x) * 3 + c] = 255;
  Image r = resize_rgb(half, 8, 2);
  CHECK(r.pixels[0] <= 5);
  CHECK(r.pixels[7 * 3] >= 250);
  for (int x = 1; x < 8; ++x) CHECK(r.pixels[x * 3] >= r.pixels[(x - 1) * 3]);
  CHECK(resize_rgb(half, 16, 4).pixels == half.pixels);  // same size: a copy
}

TEST_CASE("decode errors name the path and the reason") {
  TempDir dir("errors");
  const std::string empty = dir / "empty.jpg", text = dir / "notes.txt", missing = dir / "nope.png";
  write_bytes(empty, {});
  write_file_atomic(text, std::string("these are my notes\n"));

  std::string msg = error_of([&] { decode_image_file(empty); });
  CHECK(msg.find(empty) != std::string::npos);
  CHECK(msg.find("empty file (0 bytes)") != std::string::npos);

  msg = error_of([&] { decode_image_file(text); });
  CHECK(msg.find(text) != std::string::npos);
  CHECK(msg.find("not an image file") != std::string::npos);

  msg = error_of([&] { decode_image_file(missing); });
  CHECK(msg.find(missing) != std::string::npos);
  CHECK(msg.find("cannot open") != std::string::npos);

  msg = error_of([&] { decode_image_file(dir.str()); });
  CHECK(msg.find("is a folder") != std::string::npos);

  // Truncated PNG: the IDAT data is cut.
  std::vector<uint8_t> png = encode(pattern_rgb(), "png");
  png.resize(png.size() / 2);
  write_bytes(dir / "cut.png", png);
  msg = error_of([&] { decode_image_file(dir / "cut.png"); });
  CHECK(msg.find(dir / "cut.png") != std::string::npos);
  CHECK(msg.find("cannot decode image") != std::string::npos);

  // Truncated JPEG: stb_image would pad it with zeros and succeed; we must not.
  std::vector<uint8_t> jpg = encode(solid_image(64, 64, {10, 200, 30}), "jpg");
  jpg.resize(jpg.size() - 40);
  write_bytes(dir / "cut.jpg", jpg);
  msg = error_of([&] { decode_image_file(dir / "cut.jpg"); });
  CHECK(msg.find(dir / "cut.jpg") != std::string::npos);
  CHECK(msg.find("JPEG data ends early") != std::string::npos);

  // Truncated BMP: stb_image would zero-fill the missing rows.
  std::vector<uint8_t> bmp = encode(solid_image(16, 16, {9, 9, 9}), "bmp");
  bmp.resize(bmp.size() - 100);
  write_bytes(dir / "cut.bmp", bmp);
  msg = error_of([&] { decode_image_file(dir / "cut.bmp"); });
  CHECK(msg.find(dir / "cut.bmp") != std::string::npos);
  CHECK(msg.find("BMP file is shorter than its header says") != std::string::npos);

  // A corrupt header of a known format says which format.
  std::vector<uint8_t> png_head = encode(pattern_rgb(), "png");
  png_head.resize(20);  // signature + part of IHDR
  write_bytes(dir / "head.png", png_head);
  msg = error_of([&] { decode_image_file(dir / "head.png"); });
  CHECK(msg.find("PNG header is corrupt or truncated") != std::string::npos);

  // Too large: checked from the header before any pixel is decoded.
  write_bytes(dir / "wide.png", fake_png_header(20000, 10));
  msg = error_of([&] { decode_image_file(dir / "wide.png"); });
  CHECK(msg.find(dir / "wide.png") != std::string::npos);
  CHECK(msg.find("image too large to decode: 20000x10") != std::string::npos);
  write_bytes(dir / "big.png", fake_png_header(12000, 9000));  // 108 MP, sides under the limit
  msg = error_of([&] { decode_image_file(dir / "big.png"); });
  CHECK(msg.find("image too large to decode: 12000x9000") != std::string::npos);
}

TEST_CASE("a huge file is refused before it is read") {
  TempDir dir("hugefile");
  const std::string path = dir / "movie.jpg";
  write_bytes(path, {0xFF, 0xD8, 0xFF});
  std::filesystem::resize_file(path, kMaxImageFileBytes + 1);  // sparse: no disk used
  std::string msg = error_of([&] { decode_image_file(path); });
  CHECK(msg.find(path) != std::string::npos);
  CHECK(msg.find("file too large to be an image (512 MiB") != std::string::npos);
}

TEST_CASE("write_png reports an unwritable path") {
  std::string msg =
      error_of([] { write_png("/nonexistent_dir_cnnlab/x.png", solid_image(1, 1, {0})); });
  CHECK(msg.find("/nonexistent_dir_cnnlab/x.png") != std::string::npos);
  CHECK(msg.find("the folder /nonexistent_dir_cnnlab does not exist") != std::string::npos);
}
