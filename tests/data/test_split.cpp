// tests/data/test_split.cpp — numpy permutation goldens, sklearn/Keras split sizes, duplicates,
// scaling, batches.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>

#include "core/error.h"
#include "data/dataset.h"
#include "data/split.h"
#include "data_fixtures.h"

using namespace cnnlab;
using namespace cnnlab::testing;

TEST_CASE("numpy_legacy_permutation matches np.random.RandomState(seed).permutation(n)") {
  // Golden values from /usr/bin/python3 (numpy): RandomState(42).permutation(10)
  CHECK(numpy_legacy_permutation(10, 42) == std::vector<int>{8, 1, 5, 0, 7, 2, 9, 4, 3, 6});
  // RandomState(42).permutation(500)[:10]
  std::vector<int> p500 = numpy_legacy_permutation(500, 42);
  CHECK(std::vector<int>(p500.begin(), p500.begin() + 10) ==
        std::vector<int>{361, 73, 374, 155, 104, 394, 377, 124, 68, 450});
  CHECK(p500[100] == 249);
  CHECK(p500[200] == 467);
  CHECK(p500[499] == 102);
  CHECK(numpy_legacy_permutation(7, 0) == std::vector<int>{6, 2, 1, 3, 0, 5, 4});
  CHECK(numpy_legacy_permutation(3, 7) == std::vector<int>{2, 1, 0});
  CHECK(numpy_legacy_permutation(20, 4294967295u) ==
        std::vector<int>{11, 17, 19, 15, 1, 5, 8, 16, 13, 18, 14, 9, 10, 6, 0, 4, 7, 12, 2, 3});
  std::vector<int> p3670 = numpy_legacy_permutation(3670, 123);  // [:5] = 553 1394 3208 3240 1805
  CHECK(std::vector<int>(p3670.begin(), p3670.begin() + 5) ==
        std::vector<int>{553, 1394, 3208, 3240, 1805});
  CHECK(numpy_legacy_permutation(0, 42).empty());
  CHECK(numpy_legacy_permutation(1, 42) == std::vector<int>{0});
}

TEST_CASE("500-file folder: test 100 / train 400 → train 360 / val 40; duplicates kept together") {
  TempDir dir("split500");
  // Image i (class i/100, file img_i.png) is a solid 8×8 colour unique to i, except three
  // byte-identical pairs: 467 copies 361 (361 is test, 467 train: straddles), 374 copies 73 (both
  // test), 322 copies 249 (both train; 249 is train[0], so the swap must skip it).
  auto source = [](int i) { return i == 467 ? 361 : i == 374 ? 73 : i == 322 ? 249 : i; };
  for (int c = 0; c < 5; ++c) dir.mkdir("class" + std::to_string(c));
  for (int i = 0; i < 500; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "class%d/img_%03d.png", i / 100, i);
    int s = source(i);
    write_bytes(dir / name,
                encode(solid_image(8, 8, {uint8_t(s % 256), uint8_t(s / 256), 7}), "png"));
  }
  LoadOptions o;
  o.image_size = 8;
  LoadReport report;
  Dataset ds = load_image_folder(dir.str(), o, &report);
  REQUIRE(ds.size() == 500);
  CHECK(report.duplicate_groups == 3);
  CHECK(ds.duplicate_group[73] == 0);  // groups numbered by first member: 73, 249, 361
  CHECK(ds.duplicate_group[374] == 0);
  CHECK(ds.duplicate_group[249] == 1);
  CHECK(ds.duplicate_group[322] == 1);
  CHECK(ds.duplicate_group[361] == 2);
  CHECK(ds.duplicate_group[467] == 2);
  CHECK(ds.labels[0] == 0);
  CHECK(ds.labels[499] == 4);

  Split s = make_split(ds, 0.2, 0.1, 42);
  CHECK(s.test.size() == 100);   // ceil(0.2 * 500)
  CHECK(s.train.size() == 360);  // int(400 * 0.9)
  CHECK(s.val.size() == 40);
  CHECK(s.duplicates_moved == 1);
  // 361 left test; the first non-duplicate train item (perm[101] = 433) took its place.
  CHECK(s.test[0] == 433);
  CHECK(s.test[1] == 73);
  CHECK(s.train[0] == 249);
  CHECK(s.train[1] == 361);
  CHECK(s.val[0] == 169);   // perm[460]: the Keras tail, untouched by the swap
  CHECK(s.val[39] == 102);  // perm[499]

  std::set<int> test(s.test.begin(), s.test.end()), rest(s.train.begin(), s.train.end());
  rest.insert(s.val.begin(), s.val.end());
  CHECK(test.size() == 100);
  CHECK(rest.size() == 400);
  for (int i : test) CHECK(rest.count(i) == 0);
  // Every duplicate group lies wholly in test or wholly outside it.
  for (auto [a, b] : std::vector<std::pair<int, int>>{{361, 467}, {73, 374}, {249, 322}})
    CHECK(test.count(a) == test.count(b));

  // Without duplicates the split is exactly sklearn's: test = perm[:100].
  Dataset plain = ds;
  plain.duplicate_group.assign(500, -1);
  Split p = make_split(plain, 0.2, 0.1, 42);
  CHECK(p.duplicates_moved == 0);
  CHECK(p.test[0] == 361);
  CHECK(p.train[0] == 249);
}

TEST_CASE("split rounding follows sklearn (ceil) and Keras (truncate); bad fractions are errors") {
  Dataset ds;
  ds.paths.assign(7, "x");
  Split s = make_split(ds, 0.25, 0.2, 0);  // n_test = ceil(1.75) = 2; train 5 → int(5*0.8) = 4
  CHECK(s.test.size() == 2);
  CHECK(s.train.size() == 4);
  CHECK(s.val.size() == 1);
  CHECK(s.test == std::vector<int>{6, 2});  // RandomState(0).permutation(7) = 6 2 1 3 0 5 4
  CHECK(s.val == std::vector<int>{4});
  CHECK_THROWS_AS(make_split(ds, 1.0, 0.1, 0), UserError);
  CHECK_THROWS_AS(make_split(ds, 0.2, -0.1, 0), UserError);
  CHECK_THROWS_AS(make_split(ds, 0.99, 0.1, 0), UserError);  // ceil(6.93) = 7: no training data
}

namespace {
// Two 1×3 images: image 0 pixels (0, 51, 102), image 1 pixels (153, 204, 255) — each one RGB pixel
// per column, so 9 bytes each.
Dataset hand_dataset() {
  Dataset ds;
  ds.height = 1;
  ds.width = 1;
  ds.channels = 3;
  ds.paths = {"a", "b"};
  ds.labels = {3, 1};
  ds.pixels = {0, 51, 102, 153, 204, 255};  // (N=2, H=1, W=1, 3)
  ds.duplicate_group = {-1, -1};
  return ds;
}
}  // namespace

TEST_CASE("compute_scaling: scalar mean/std of x/255 worked by hand") {
  Dataset ds = hand_dataset();
  // x/255 = 0, .2, .4, .6, .8, 1 → mean .5; squared deviations .25 .09 .01 .01 .09 .25 → var 0.7/6
  Scaling all = compute_scaling(ds, {0, 1});
  CHECK(all.mean == doctest::Approx(0.5).epsilon(1e-7));
  CHECK(all.std == doctest::Approx(std::sqrt(0.7 / 6)).epsilon(1e-6));  // 0.341565
  // Image 0 alone: 0, .2, .4 → mean .2, var (.04 + 0 + .04)/3 → std 0.163299
  Scaling first = compute_scaling(ds, {0});
  CHECK(first.mean == doctest::Approx(0.2).epsilon(1e-7));
  CHECK(first.std == doctest::Approx(std::sqrt(0.08 / 3)).epsilon(1e-6));
  // Repeated indices count twice: (0,.2,.4) twice + (.6,.8,1) once → mean (1.2 + 2.4)/9 = 0.4
  CHECK(compute_scaling(ds, {0, 1, 0}).mean == doctest::Approx(0.4).epsilon(1e-7));
  // A constant image has zero variance: std falls back to 1 (like StandardScaler).
  ds.pixels = {51, 51, 51, 0, 0, 0};
  Scaling flat = compute_scaling(ds, {0});
  CHECK(flat.mean == doctest::Approx(0.2).epsilon(1e-7));
  CHECK(flat.std == 1.0f);
}

TEST_CASE("make_batch: ((p/255) - mean)/std per value, labels, index order") {
  Dataset ds = hand_dataset();
  Scaling sc{0.5f, 0.25f};
  int idx[3] = {1, 0, 1};
  float x[9];
  int y[3];
  make_batch(ds, idx, 3, sc, x, y);
  // Image 1 first: 153 → (.6 - .5)/.25 = .4; 204 → 1.2; 255 → 2.
  CHECK(x[0] == doctest::Approx(0.4f));
  CHECK(x[1] == doctest::Approx(1.2f));
  CHECK(x[2] == doctest::Approx(2.0f));
  // Then image 0: 0 → -2; 51 → (.2 - .5)/.25 = -1.2; 102 → -.4.
  CHECK(x[3] == doctest::Approx(-2.0f));
  CHECK(x[4] == doctest::Approx(-1.2f));
  CHECK(x[5] == doctest::Approx(-0.4f));
  CHECK(x[8] == doctest::Approx(2.0f));
  CHECK(y[0] == 1);
  CHECK(y[1] == 3);
  CHECK(y[2] == 1);
}
