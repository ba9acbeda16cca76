// tests/ui/test_images.cpp — the one RGB→RGBA conversion and the one box downsampler (photo and
// thumbnails), with hand-worked values.
#include <doctest/doctest.h>

#include "data/dataset.h"
#include "gfx/rgba_image.h"
#include "ui/image_io.h"
#include "ui/training/training_state.h"

namespace cnnlab {

TEST_CASE("images: rgba_from_rgb adds an opaque alpha") {
  const uint8_t rgb[] = {1, 2, 3, 4, 5, 6};  // (H, W, 3) = (1, 2, 3)
  RgbaImage img = rgba_from_rgb(rgb, 2, 1);
  CHECK(img.rgba == std::vector<uint8_t>{1, 2, 3, 255, 4, 5, 6, 255});
}

TEST_CASE(
    "images: box_resize averages the covered pixels, rounded; shrink_to halves until it fits") {
  // 4×1 grey ramp 0, 10, 20, 31 → 2×1: (0+10)/2 = 5, (20+31)/2 = 25.5 → 26.
  RgbaImage ramp(4, 1);
  const uint8_t v[] = {0, 10, 20, 31};
  for (int x = 0; x < 4; ++x) ramp.pixel(x, 0)[0] = v[x], ramp.pixel(x, 0)[3] = 255;
  RgbaImage half = box_resize(ramp, 2, 1);
  CHECK(int(half.pixel(0, 0)[0]) == 5);
  CHECK(int(half.pixel(1, 0)[0]) == 26);
  CHECK(int(half.pixel(1, 0)[3]) == 255);
  // 5 → 2: columns [0, 2) and [2, 5): (0+10)/2 = 5, (20+31+40)/3 = 30.33 → 30.
  RgbaImage five(5, 1);
  const uint8_t w[] = {0, 10, 20, 31, 40};
  for (int x = 0; x < 5; ++x) five.pixel(x, 0)[0] = w[x];
  RgbaImage two = box_resize(five, 2, 1);
  CHECK(int(two.pixel(0, 0)[0]) == 5);
  CHECK(int(two.pixel(1, 0)[0]) == 30);
  // shrink_to: 4×1 → 2×1 → 1×1 for max side 1: mean of (5, 26) = 15.5 → 16.
  RgbaImage one = shrink_to(ramp, 1);
  CHECK(one.width == 1);
  CHECK(one.height == 1);
  CHECK(int(one.pixel(0, 0)[0]) == 16);
  CHECK(shrink_to(ramp, 4).rgba == ramp.rgba);  // already fits: unchanged
}

TEST_CASE("images: thumbnail atlas tiles box-averaged thumbnails, `cols` per row") {
  // Three 2×2 images, each one flat colour except image 1's top-left pixel; thumbnails of side 1.
  Dataset d;
  d.height = d.width = 2;
  d.paths = {"a", "b", "c"};
  d.pixels.assign(3 * 2 * 2 * 3, 0);
  for (size_t n = 0; n < 3; ++n)
    for (size_t i = 0; i < 4; ++i) d.pixels[(n * 4 + i) * 3] = uint8_t(100 * n);
  d.pixels[(1 * 4 + 0) * 3] = 104;  // image 1: red 104, 100, 100, 100 → mean 101
  RgbaImage atlas = thumbnail_atlas(d, {0, 1, 2}, 1, 2);
  REQUIRE(atlas.width == 2);
  REQUIRE(atlas.height == 2);
  CHECK(int(atlas.pixel(0, 0)[0]) == 0);
  CHECK(int(atlas.pixel(1, 0)[0]) == 101);
  CHECK(int(atlas.pixel(0, 1)[0]) == 200);
  CHECK(int(atlas.pixel(0, 1)[3]) == 255);
  CHECK(int(atlas.pixel(1, 1)[3]) == 0);  // unused tile
}

}  // namespace cnnlab
