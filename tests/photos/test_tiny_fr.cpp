// tests/photos/test_tiny_fr.cpp — the course's real tiny_FR photos: count, class order, duplicates,
// split (the executable exits 77, ctest's "skipped", when the photos are absent).
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <set>
#include <string>

#include "data/dataset.h"
#include "data/split.h"
#include "photo_dir.h"

using namespace cnnlab;

TEST_CASE("tiny_FR at 32x32: 500 photos, 5 classes in order, 2 duplicate pairs kept together") {
  std::string dir = test::photo_dir();
  LoadOptions o;
  o.image_size = 32;
  LoadReport report;
  Dataset ds = load_image_folder(dir, o, &report);
  CHECK(ds.size() == 500);
  CHECK(report.loaded == 500);
  CHECK(report.skipped.empty());
  CHECK(ds.class_names ==
        std::vector<std::string>{"daisy", "dandelion", "rose", "sunflower", "tulip"});
  for (size_t i = 0; i < ds.size(); ++i) CHECK(ds.labels[i] == int(i / 100));
  CHECK(std::filesystem::path(ds.paths[0]).filename() == "100080576_f52e8ee070_n.jpg");
  CHECK(std::filesystem::path(ds.paths[99]).filename() == "14564545365_1f1d267bf1_n.jpg");
  CHECK(report.duplicate_groups == 2);

  // The README's pairs, both in sunflower/.
  auto index_of = [&](const std::string& name) {
    for (size_t i = 0; i < ds.size(); ++i)
      if (ds.paths[i] == (std::filesystem::path(dir) / "sunflower" / name).string()) return int(i);
    return -1;
  };
  int a1 = index_of("14889392928_9742aed45b_m.jpg"), a2 = index_of("15066430311_fb57fa92b0_m.jpg");
  int b1 = index_of("15069459615_7e0fd61914_n.jpg"), b2 = index_of("15072973261_73e2912ef2_n.jpg");
  REQUIRE(a1 >= 0);
  REQUIRE(b2 >= 0);
  CHECK(ds.duplicate_group[size_t(a1)] == 0);
  CHECK(ds.duplicate_group[size_t(a2)] == 0);
  CHECK(ds.duplicate_group[size_t(b1)] == 1);
  CHECK(ds.duplicate_group[size_t(b2)] == 1);
  size_t in_groups = 0;
  for (int g : ds.duplicate_group) in_groups += g >= 0;
  CHECK(in_groups == 4);
  CHECK(std::memcmp(ds.image(size_t(a1)), ds.image(size_t(a2)), ds.image_bytes()) == 0);

  Split s = make_split(ds);
  CHECK(s.test.size() == 100);
  CHECK(s.train.size() == 360);
  CHECK(s.val.size() == 40);
  std::set<int> test(s.test.begin(), s.test.end());
  CHECK(test.count(a1) == test.count(a2));
  CHECK(test.count(b1) == test.count(b2));
  MESSAGE("tiny_FR split: duplicates moved from test to train: " << s.duplicates_moved);
}
