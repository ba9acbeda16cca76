// tests/data/test_augment.cpp — Keras-style augmentation: seeding, thread independence, exact
// flips/shifts, hand values, ranges.
#include <doctest/doctest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/rng.h"
#include "data/augment.h"
#include "gradcheck.h"

using namespace cnnlab;

namespace {

std::vector<float> random_images(size_t n, uint64_t seed, float lo = 0.0f, float hi = 1.0f) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = rng.uniform(lo, hi);
  return v;
}

std::vector<uint8_t> random_bytes(size_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<uint8_t> v(n);
  for (uint8_t& x : v) x = uint8_t(rng.below(256));
  return v;
}

// Every Keras layer at once, moderate factors.
std::vector<AugmentLayer> all_layers(float value_lo, float value_hi) {
  AugmentLayer contrast = random_contrast(0.3f, 0.3f), bright = random_brightness(-0.2f, 0.2f);
  contrast.value_lo = bright.value_lo = value_lo;
  contrast.value_hi = bright.value_hi = value_hi;
  return {random_flip(true, false),
          random_rotation(-0.1f, 0.1f),
          random_zoom(-0.2f, 0.2f),
          random_translation(-0.1f, 0.1f, -0.1f, 0.1f),
          contrast,
          bright};
}

using test::with_threads;

// One row image (1, W, 1) through a single layer, seed 1.
std::vector<float> row_through(std::vector<float> row, const AugmentLayer& l) {
  augment_batch(row.data(), 1, 1, int(row.size()), 1, {l}, 1);
  return row;
}

}  // namespace

TEST_CASE("augment: same seed, same batch; another seed, another batch (float and uint8)") {
  const int n = 6, h = 12, w = 10, c = 3;
  const size_t count = size_t(n) * h * w * c;
  const auto src = random_images(count, 1);
  const auto layers = all_layers(0.0f, 1.0f);
  auto a = src, b = src, d = src;
  augment_batch(a.data(), n, h, w, c, layers, 42);
  augment_batch(b.data(), n, h, w, c, layers, 42);
  augment_batch(d.data(), n, h, w, c, layers, 43);
  CHECK(a == b);
  CHECK(a != src);
  CHECK(a != d);
  for (int k = 0; k < n; ++k) {  // every image gets its own draw: none is left as it was
    const size_t off = size_t(k) * h * w * c;
    CHECK(!std::equal(a.begin() + long(off), a.begin() + long(off + size_t(h) * w * c),
                      src.begin() + long(off)));
  }
  const auto bytes = random_bytes(count, 2);
  auto p = bytes, q = bytes, r = bytes;
  augment_batch(p.data(), n, h, w, c, all_layers(0, 255), 7);
  augment_batch(q.data(), n, h, w, c, all_layers(0, 255), 7);
  augment_batch(r.data(), n, h, w, c, all_layers(0, 255), 8);
  CHECK(p == q);
  CHECK(p != bytes);
  CHECK(p != r);
}

TEST_CASE("augment: results depend on (seed, image index) only, not on threads or batch size") {
  const int n = 8, h = 64, w = 64, c = 3;  // 98304 values: over the parallel threshold (65536)
  const size_t per = size_t(h) * w * c;
  const auto src = random_images(n * per, 3);
  const auto layers = all_layers(0.0f, 1.0f);
  auto one = src, four = src;
  with_threads(1, [&] { augment_batch(one.data(), n, h, w, c, layers, 99); });
  with_threads(4, [&] { augment_batch(four.data(), n, h, w, c, layers, 99); });
  CHECK(one == four);
  std::vector<float> half(src.begin(), src.begin() + long(3 * per));
  augment_batch(half.data(), 3, h, w, c, layers, 99);
  CHECK(std::equal(half.begin(), half.end(), one.begin()));
}

TEST_CASE("augment_seed: fresh per epoch and batch, fixed per inputs") {
  CHECK(augment_seed(42, 0, 0) == augment_seed(42, 0, 0));
  CHECK(augment_seed(42, 0, 0) != augment_seed(42, 0, 1));
  CHECK(augment_seed(42, 0, 1) != augment_seed(42, 1, 0));
  CHECK(augment_seed(42, 1, 0) != augment_seed(43, 1, 0));
}

TEST_CASE("RandomFlip: each image is either untouched or exactly mirrored") {
  // (2, 3, 2) image: pixel (y, x) channel ch = 100y + 10x + ch.
  const int n = 32, h = 2, w = 3, c = 2;
  std::vector<float> img(size_t(h) * w * c), hflip(img.size()), both(img.size());
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int ch = 0; ch < c; ++ch) {
        const size_t i = (size_t(y) * w + x) * c + ch;
        img[i] = float(100 * y + 10 * x + ch);
        hflip[i] = float(100 * y + 10 * (w - 1 - x) + ch);
        both[i] = float(100 * (h - 1 - y) + 10 * (w - 1 - x) + ch);
      }
  for (bool vertical : {false, true}) {
    CAPTURE(vertical);
    const std::vector<float>& flipped = vertical ? both : hflip;
    std::vector<float> batch;
    for (int k = 0; k < n; ++k) batch.insert(batch.end(), img.begin(), img.end());
    augment_batch(batch.data(), n, h, w, c, {random_flip(true, vertical)}, 5);
    int same = 0, mirrored = 0;
    for (int k = 0; k < n; ++k) {
      std::vector<float> out(batch.begin() + long(k * img.size()),
                             batch.begin() + long((k + 1) * img.size()));
      same += out == img;
      mirrored += out == flipped;
    }
    CHECK(same + mirrored == n);
    CHECK(same > 0);  // P(all 32 coins alike) = 2^-31; the seed is fixed anyway
    CHECK(mirrored > 0);
  }
  // Vertical only, on a (3, 1, 1) column.
  std::vector<float> col = {1, 2, 3}, flipped_col = {3, 2, 1};
  bool saw_flip = false;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    auto v = col;
    augment_batch(v.data(), 1, 3, 1, 1, {random_flip(false, true)}, seed);
    CHECK((v == col || v == flipped_col));
    saw_flip |= v == flipped_col;
  }
  CHECK(saw_flip);
}

TEST_CASE("RandomRotation: 0 is the identity, a quarter turn is counter-clockwise") {
  const auto src = random_images(2 * 5 * 7 * 3, 10);
  auto out = src;
  augment_batch(out.data(), 2, 5, 7, 3, {random_rotation(0.0f, 0.0f)}, 1);
  CHECK(out == src);
  // 3x3 ramp 1..9 turned by +0.25 (90° counter-clockwise, like np.rot90): the right column
  // (3, 6, 9) becomes the top row.
  std::vector<float> ramp = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const std::vector<float> ccw = {3, 6, 9, 2, 5, 8, 1, 4, 7};
  augment_batch(ramp.data(), 1, 3, 3, 1, {random_rotation(0.25f, 0.25f)}, 1);
  for (int i = 0; i < 9; ++i)
    CHECK(ramp[size_t(i)] == doctest::Approx(ccw[size_t(i)]).epsilon(1e-5));
  // Half a turn equals flipping both axes (up to float rounding of cos/sin).
  auto half = src;
  augment_batch(half.data(), 1, 5, 7, 3, {random_rotation(0.5f, 0.5f)}, 1);
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 7; ++x)
      for (int ch = 0; ch < 3; ++ch)
        CHECK(half[(size_t(y) * 7 + x) * 3 + ch] ==
              doctest::Approx(src[(size_t(4 - y) * 7 + (6 - x)) * 3 + ch]).epsilon(1e-4));
}

// What compact.toml relies on (augmentation at 192×192, then AveragePooling2D down to 96×96):
// each resampling layer blends neighbouring pixels, and the blur adds up from one to the next.
// Stripes 2 pixels wide at 96×96, rotated by 3.6° and then zoomed out by 5 %, at f times the size
// and averaged f×f down to 96: f = 8 stands for the sharp result, f = 1 (augmenting at 96) loses
// several times more contrast than f = 2 does.
TEST_CASE("augment: rotation then zoom at twice the size, then a 2x2 average, blur less") {
  constexpr int n = 96;
  const std::vector<AugmentLayer> layers = {random_rotation(0.01f, 0.01f),
                                            random_zoom(0.05f, 0.05f)};
  // The standard deviation over the middle half (away from the reflected borders) after
  // augmenting at f·96 and averaging f×f blocks; the stripes before augmentation: 127.5.
  auto contrast = [&](int f) {
    const int big = f * n;
    std::vector<float> im(size_t(big) * big);
    for (int y = 0; y < big; ++y)
      for (int x = 0; x < big; ++x) im[size_t(y) * big + x] = (x / (2 * f)) % 2 ? 255.0f : 0.0f;
    augment_batch(im.data(), 1, big, big, 1, layers, 3);
    double sum = 0, sum2 = 0, count = 0;
    for (int y = n / 4; y < 3 * n / 4; ++y)
      for (int x = n / 4; x < 3 * n / 4; ++x) {
        double v = 0;
        for (int dy = 0; dy < f; ++dy)
          for (int dx = 0; dx < f; ++dx) v += im[size_t(f * y + dy) * big + f * x + dx];
        v /= f * f;
        sum += v, sum2 += v * v, count += 1;
      }
    const double mean = sum / count;
    return std::sqrt(sum2 / count - mean * mean);
  };
  const double sharp = contrast(8), at96 = contrast(1), at192 = contrast(2);
  INFO("contrast: sharp " << sharp << ", augmented at 96 " << at96 << ", at 192 " << at192);
  CHECK(sharp > 100);                         // measured 102.3
  CHECK(sharp - at96 > 10);                   // 16.3 lost
  CHECK(sharp - at192 < (sharp - at96) / 2);  // 4.5 lost
  CHECK(at192 < sharp);
}

TEST_CASE("RandomZoom: 0 is the identity; zooming in by 2 on a row, hand values") {
  const auto src = random_images(5 * 6 * 2, 11);
  auto out = src;
  augment_batch(out.data(), 1, 5, 6, 2, {random_zoom(0.0f, 0.0f)}, 1);
  CHECK(out == src);
  // W = 5, zoom 1 + (-0.5) = 0.5: x reads 0.5x + (W-1)/2·(1-0.5) = 0.5x + 1 -> 1, 1.5, 2, 2.5, 3.
  CHECK(row_through({0, 10, 20, 30, 40}, random_zoom(-0.5f, -0.5f)) ==
        std::vector<float>{10, 15, 20, 25, 30});
  // Zoom out by 2 (factor +1): x reads 2x + 2·(1-2) = 2x - 2 -> -2, 0, 2, 4, 6; reflect
  // (d c b a | a b c d e | e d c): -2 -> 1, 6 -> 3.
  CHECK(row_through({0, 10, 20, 30, 40}, random_zoom(1.0f, 1.0f)) ==
        std::vector<float>{10, 0, 20, 40, 30});
  // Separate width factor: height zoom 0 (unchanged rows), width as above.
  std::vector<float> two_rows = {0, 10, 20, 30, 40, 1, 11, 21, 31, 41};
  augment_batch(two_rows.data(), 1, 2, 5, 1, {random_zoom(0.0f, 0.0f, -0.5f, -0.5f)}, 1);
  CHECK(two_rows == std::vector<float>{10, 15, 20, 25, 30, 11, 16, 21, 26, 31});
}

TEST_CASE("RandomTranslation: whole-pixel shifts with reflect, constant and nearest fill") {
  const std::vector<float> row = {1, 2, 3, 4};  // a b c d
  // Width factor 0.25 of W = 4: one pixel right; the cell that enters reflects (a | a b c d).
  CHECK(row_through(row, random_translation(0, 0, 0.25f, 0.25f)) == std::vector<float>{1, 1, 2, 3});
  CHECK(row_through(row, random_translation(0, 0, -0.25f, -0.25f)) ==
        std::vector<float>{2, 3, 4, 4});
  CHECK(row_through(row, random_translation(0, 0, 0.5f, 0.5f)) == std::vector<float>{2, 1, 1, 2});
  AugmentLayer constant = random_translation(0, 0, 0.25f, 0.25f);
  constant.fill_mode = FillMode::Constant;
  constant.fill_value = 7;
  CHECK(row_through(row, constant) == std::vector<float>{7, 1, 2, 3});
  AugmentLayer nearest = random_translation(0, 0, 0.5f, 0.5f);
  nearest.fill_mode = FillMode::Nearest;
  CHECK(row_through(row, nearest) == std::vector<float>{1, 1, 1, 2});
  // Half a pixel (factor 0.125): bilinear halfway, x reads x - 0.5; x = 0 reads -0.5 -> edge a.
  CHECK(row_through(row, random_translation(0, 0, 0.125f, 0.125f)) ==
        std::vector<float>{1, 1.5f, 2.5f, 3.5f});
  AugmentLayer nearest_interp = random_translation(0, 0, 0.125f, 0.125f);
  nearest_interp.interpolation = Interpolation::Nearest;  // -0.5 -> edge 0; then 0.5 -> 1, 1.5 -> 2
  CHECK(row_through(row, nearest_interp) == std::vector<float>{1, 2, 3, 4});
  // Height: a (3, 1, 1) column moved down one pixel (factor 1/3 of H = 3).
  std::vector<float> col = {5, 6, 7};
  augment_batch(col.data(), 1, 3, 1, 1, {random_translation(1.0f / 3, 1.0f / 3, 0, 0)}, 1);
  CHECK(col == std::vector<float>{5, 5, 6});
}

TEST_CASE("RandomContrast: (x - mean)·f + mean per image and channel, clipped, hand values") {
  // Two (1, 2, 2) images. lower = -1, upper = 1 gives the range [1 - (-1), 1 + 1] = [2, 2].
  // Image 0: ch0 (0, 100) mean 50 -> (-50, 150) -> clip (0, 150); ch1 (10, 20) mean 15 -> (5, 25).
  // Image 1: ch0 (200, 240) mean 220 -> (180, 260) -> (180, 255); ch1 (7, 7) stays 7.
  std::vector<float> x = {0, 10, 100, 20, 200, 7, 240, 7};
  augment_batch(x.data(), 2, 1, 2, 2, {random_contrast(-1.0f, 1.0f)}, 3);
  CHECK(x == std::vector<float>{0, 5, 150, 25, 180, 7, 255, 7});
  // Factor 0 (lower = 1, upper = -1): every pixel becomes its channel mean.
  std::vector<float> y = {0, 10, 100, 20};
  augment_batch(y.data(), 1, 1, 2, 2, {random_contrast(1.0f, -1.0f)}, 3);
  CHECK(y == std::vector<float>{50, 15, 50, 15});
  // A drawn factor stays within [1 - 0.5, 1 + 0.5]: the spread of (0, 100) ends within [50, 150].
  for (uint64_t seed = 0; seed < 20; ++seed) {
    std::vector<float> z = {0, 100};
    augment_batch(z.data(), 1, 1, 2, 1, {random_contrast(0.5f, 0.5f)}, seed);
    CHECK(z[1] - z[0] >= 50.0f - 1e-4f);
    CHECK(z[1] - z[0] <= 150.0f + 1e-4f);
  }
}

TEST_CASE("RandomBrightness: adds factor·(value range), clipped; uint8 rounds to nearest") {
  std::vector<float> x = {0, 100, 250};
  augment_batch(x.data(), 1, 1, 1, 3, {random_brightness(0.1f, 0.1f)}, 1);  // + 25.5, all channels
  CHECK(x == std::vector<float>{25.5f, 125.5f, 255});
  std::vector<uint8_t> b = {0, 100, 250};
  augment_batch(b.data(), 1, 1, 1, 3, {random_brightness(0.1f, 0.1f)}, 1);
  CHECK(b == std::vector<uint8_t>{26, 126, 255});  // 25.5 -> 26, halves up
  // value_range [0, 1]: -0.5 of the range darkens (0.2, 0.8) to (0, 0.3).
  AugmentLayer l = random_brightness(-0.5f, -0.5f);
  l.value_lo = 0, l.value_hi = 1;
  std::vector<float> u = {0.25f, 0.75f};
  augment_batch(u.data(), 1, 1, 2, 1, {l}, 1);
  CHECK(u == std::vector<float>{0.0f, 0.25f});
}

TEST_CASE("augment: outputs stay within the value range and the input's span") {
  const int n = 5, h = 9, w = 11, c = 3;
  // Float images in [0, 1] with value_range [0, 1]: geometric layers blend existing values and the
  // photometric ones clip, so nothing leaves [0, 1].
  auto f = random_images(size_t(n) * h * w * c, 20);
  augment_batch(f.data(), n, h, w, c, all_layers(0.0f, 1.0f), 4);
  for (float v : f) REQUIRE((v >= 0.0f && v <= 1.0f));
  // Geometry alone with reflect fill never leaves [min, max] of the input.
  auto g = random_images(size_t(n) * h * w * c, 21, 0.25f, 0.5f);
  augment_batch(g.data(), n, h, w, c,
                {random_rotation(-0.5f, 0.5f), random_zoom(-0.5f, 0.5f, -0.3f, 0.8f),
                 random_translation(-1, 1, -1, 1)},
                5);
  for (float v : g) REQUIRE((v >= 0.25f - 1e-6f && v <= 0.5f + 1e-6f));
}

TEST_CASE("augment_layer_problem: Keras's argument checks as readable reasons") {
  CHECK(augment_layer_problem(random_flip(true, true)) == "");
  CHECK(augment_layer_problem(random_rotation(-0.2f, 0.3f)) == "");
  CHECK(augment_layer_problem(random_zoom(-0.2f, 0.2f, -1, 1)) == "");
  CHECK(augment_layer_problem(random_contrast(0.2f, 1.0f)) == "");
  CHECK(augment_layer_problem(random_brightness(-1, 1)) == "");
  CHECK(augment_layer_problem(random_flip(false, false)) ==
        "RandomFlip: mode must flip horizontally, vertically or both");
  CHECK(augment_layer_problem(random_zoom(-0.2f, 1.5f)) ==
        "RandomZoom: height_factor must be within [-1, 1] (got -0.2, 1.5)");
  CHECK(augment_layer_problem(random_zoom(0, 0, 0.5f, 0.25f)) ==
        "RandomZoom: width_factor lower bound 0.5 is above its upper bound 0.25");
  CHECK(augment_layer_problem(random_translation(0, 0, -2, 0)) ==
        "RandomTranslation: width_factor must be within [-1, 1] (got -2, 0)");
  CHECK(augment_layer_problem(random_contrast(-0.1f, 0.5f)) ==
        "RandomContrast: factor must be within [0, 1] (got -0.1, 0.5)");
  AugmentLayer bad_range = random_brightness(-0.2f, 0.2f);
  bad_range.value_lo = 1, bad_range.value_hi = 0;
  CHECK(augment_layer_problem(bad_range) ==
        "RandomBrightness: value_range must be two finite numbers, low < high (got 1, 0)");
  CHECK(augment_layer_problem(random_rotation(0.0f, std::numeric_limits<float>::infinity())) ==
        "RandomRotation: factor must be a finite number");
}
