// tests/data/test_augment_copies.cpp — augmented copies of one image (the window's augmented-probe
// strip): seeded, the source untouched, exact for flips, and the layers' labels.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "data/augment.h"

using namespace cnnlab;

namespace {

std::vector<uint8_t> random_image(int h, int w, uint64_t seed) {
  Rng rng(seed);
  std::vector<uint8_t> v(size_t(h) * w * 3);
  for (uint8_t& x : v) x = uint8_t(rng.below(256));
  return v;
}

std::vector<AugmentLayer> compact_layers() {  // models/compact.toml's four
  return {random_flip(true, false), random_rotation(-0.05f, 0.05f), random_zoom(-0.1f, 0.1f),
          random_contrast(0.1f, 0.1f)};
}

}  // namespace

TEST_CASE("augmented_copies: same seed, same pixels; another seed or copy, other pixels") {
  const int h = 12, w = 10;
  const std::vector<uint8_t> img = random_image(h, w, 7);
  const std::vector<uint8_t> before = img;
  const auto a = augmented_copies(img.data(), h, w, 3, compact_layers(), 6, 99);
  const auto b = augmented_copies(img.data(), h, w, 3, compact_layers(), 6, 99);
  const auto c = augmented_copies(img.data(), h, w, 3, compact_layers(), 6, 100);
  REQUIRE(a.size() == size_t(6) * h * w * 3);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(img == before);  // the probe photo itself is never changed
  const size_t per = size_t(h) * w * 3;
  for (int i = 1; i < 6; ++i)  // each copy its own draw
    CHECK(std::vector<uint8_t>(a.begin(), a.begin() + long(per)) !=
          std::vector<uint8_t>(a.begin() + long(i * per), a.begin() + long((i + 1) * per)));
  // The first copies do not depend on how many are asked for.
  const auto fewer = augmented_copies(img.data(), h, w, 3, compact_layers(), 2, 99);
  CHECK(std::vector<uint8_t>(a.begin(), a.begin() + long(2 * per)) == fewer);
}

TEST_CASE("augmented_copies: no layers copies exactly; a horizontal flip mirrors exactly") {
  const int h = 5, w = 4;
  const std::vector<uint8_t> img = random_image(h, w, 3);
  const auto same = augmented_copies(img.data(), h, w, 3, {}, 3, 1);
  for (int i = 0; i < 3; ++i)
    CHECK(std::vector<uint8_t>(same.begin() + i * h * w * 3, same.begin() + (i + 1) * h * w * 3) ==
          img);
  std::vector<uint8_t> mirror(img.size());
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int ch = 0; ch < 3; ++ch)
        mirror[size_t((y * w + x) * 3 + ch)] = img[size_t((y * w + (w - 1 - x)) * 3 + ch)];
  const auto flips = augmented_copies(img.data(), h, w, 3, {random_flip(true, false)}, 16, 5);
  int mirrored = 0;
  for (int i = 0; i < 16; ++i) {
    std::vector<uint8_t> copy(flips.begin() + i * h * w * 3, flips.begin() + (i + 1) * h * w * 3);
    CHECK((copy == img || copy == mirror));
    mirrored += copy == mirror;
  }
  CHECK(mirrored > 0);  // p = 1/2 each: 16 copies, both kinds (fixed seed)
  CHECK(mirrored < 16);
}

TEST_CASE("describe_augment_layer: Keras's names and the ranges in words") {
  CHECK(describe_augment_layer(random_flip(true, false)) == "RandomFlip(horizontal)");
  CHECK(describe_augment_layer(random_flip(true, true)) == "RandomFlip(horizontal_and_vertical)");
  CHECK(describe_augment_layer(random_rotation(-0.05f, 0.05f)) ==
        "RandomRotation(±0.05 turn = ±18°)");
  CHECK(describe_augment_layer(random_zoom(-0.1f, 0.1f)) == "RandomZoom(±0.1)");
  CHECK(describe_augment_layer(random_translation(-0.1f, 0.1f, 0.0f, 0.2f)) ==
        "RandomTranslation(height ±0.1, width 0..0.2)");
  CHECK(describe_augment_layer(random_contrast(0.1f, 0.1f)) == "RandomContrast(0.1)");
  CHECK(describe_augment_layer(random_brightness(-0.2f, 0.2f)) == "RandomBrightness(±0.2)");
}
