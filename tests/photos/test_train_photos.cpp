// tests/photos/test_train_photos.cpp — a reduced training run on the real tiny_FR photos must rise
// clearly above chance (the executable exits 77, ctest's "skipped", when the photos are absent).
#include <doctest/doctest.h>

#include <atomic>

#include "data/dataset.h"
#include "data/split.h"
#include "nn/model.h"
#include "photo_dir.h"
#include "train/trainer.h"

using namespace cnnlab;

TEST_CASE("reduced run on the real photos rises clearly above chance") {
  LoadOptions opt;
  opt.image_size = 48;
  Dataset ds = load_image_folder(test::photo_dir(), opt, nullptr);
  REQUIRE(ds.class_names.size() == 5);
  Split split = make_split(ds, 0.2, 0.1, 42);
  Scaling sc = compute_scaling(ds, split.train);
  Model m = build_preset("small", 48, 5);
  m.set_threads(2);
  m.allocate(32);
  m.init(42);
  Trainer t(m, ds, split, sc, TrainConfig{4, 32, 0.001f, 42});
  std::atomic<bool> stop{false};
  t.fit({}, stop);
  double acc = t.history().epochs.back().accuracy;
  MESSAGE("tiny_FR at 48px, small preset, 4 epochs: training accuracy " << acc);
  CHECK(acc > 0.4);  // chance is 0.2
}
