// tests/train/test_train.cpp — the trainer: learning on a synthetic separable set, Keras progress
// text, history CSV, stop after a batch, NaN detection, settings checks (the run on real photos:
// tests/photos).
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>

#include "core/error.h"
#include "core/rng.h"
#include "data/dataset.h"
#include "data/split.h"
#include "nn/model.h"
#include "train/history.h"
#include "train/progress_format.h"
#include "train/setup.h"
#include "train/trainer.h"

using namespace cnnlab;

namespace {

// 3 classes of 16×16 RGB images: a bright vertical bar on the left, in the middle, or on the right,
// on noise. Separable by position, so a small CNN must learn it.
Dataset bars_dataset(int per_class, uint64_t seed) {
  Dataset ds;
  ds.class_names = {"left", "middle", "right"};
  ds.height = ds.width = 16;
  ds.channels = 3;
  Rng rng(seed);
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < per_class; ++i) {
      ds.paths.push_back(ds.class_names[c] + "/" + std::to_string(i) + ".png");
      ds.labels.push_back(c);
      ds.duplicate_group.push_back(-1);
      int x0 = 1 + c * 5 + int(rng.below(2));
      for (int y = 0; y < 16; ++y)
        for (int x = 0; x < 16; ++x)
          for (int ch = 0; ch < 3; ++ch) {
            bool bar = x >= x0 && x < x0 + 3;
            ds.pixels.push_back(uint8_t(bar ? 200 + rng.below(56) : rng.below(90)));
          }
    }
  return ds;
}

struct Fixture {
  Dataset ds = bars_dataset(40, 3);
  Split split = make_split(ds, 0.25, 0.1, 42);
  Scaling sc = compute_scaling(ds, split.train);
  Model model = build_preset("tiny", 16, 3);
  Fixture(int batch = 8) {
    model.set_threads(2);
    model.allocate(batch);
    model.init(42);
  }
};

}  // namespace

TEST_CASE("a small CNN learns the synthetic bars set (> 90% training accuracy)") {
  Fixture f;
  TrainConfig cfg{8, 8, 0.01f, 42};
  Trainer t(f.model, f.ds, f.split, f.sc, cfg);
  std::atomic<bool> stop{false};
  int batches = 0, epochs = 0;
  TrainCallbacks cb;
  cb.on_batch = [&](const BatchProgress& p) {
    ++batches;
    CHECK(p.samples_done <= p.samples_total);
  };
  cb.on_epoch = [&](const EpochRecord& r) { CHECK(r.epoch == epochs++); };
  TrainOutcome out = t.fit(cb, stop);
  CHECK(out.reason == StopReason::Completed);
  CHECK(out.epochs_completed == 8);
  CHECK(epochs == 8);
  int per_epoch = (int(f.split.train.size()) + 7) / 8;
  CHECK(batches == 8 * per_epoch);
  REQUIRE(t.history().epochs.size() == 8);
  CHECK(t.history().epochs.back().accuracy > 0.9);
  CHECK(t.history().epochs.back().loss < t.history().epochs.front().loss);
  EvalResult test = t.evaluate(f.split.test);
  CHECK(test.count == int(f.split.test.size()));
  int sum = 0;
  for (int v : test.confusion) sum += v;
  CHECK(sum == test.count);
  CHECK(test.accuracy > 0.8);
}

TEST_CASE("same seed and threads give the same run") {
  double loss[2];
  for (int r = 0; r < 2; ++r) {
    Fixture f;
    Trainer t(f.model, f.ds, f.split, f.sc, TrainConfig{2, 8, 0.01f, 42});
    std::atomic<bool> stop{false};
    t.fit({}, stop);
    loss[r] = t.history().epochs.back().loss;
  }
  CHECK(loss[0] == loss[1]);
}

TEST_CASE("stop flag ends the run after the current batch and keeps the history") {
  Fixture f;
  Trainer t(f.model, f.ds, f.split, f.sc, TrainConfig{5, 8, 0.01f, 42});
  std::atomic<bool> stop{false};
  int batches = 0;
  TrainCallbacks cb;
  cb.on_batch = [&](const BatchProgress& p) {
    if (++batches == 3) stop.store(true);  // as if Ctrl-C arrived during batch 3
  };
  TrainOutcome out = t.fit(cb, stop);
  CHECK(out.reason == StopReason::Stopped);
  CHECK(batches == 3);
  CHECK(out.message.find("after batch 3/") != std::string::npos);
  CHECK(t.history().epochs.empty());
  // Resuming continues the same epoch.
  stop.store(false);
  t.fit({}, stop);
  CHECK(t.history().epochs.size() == 5);
}

TEST_CASE("a non-finite loss stops the run naming the epoch and batch") {
  Fixture f;
  // A learning rate this large blows the weights up within a few steps.
  Trainer t(f.model, f.ds, f.split, f.sc, TrainConfig{50, 8, 10.0f, 42});
  // Poison the weights directly so the very first batch is NaN (no dependence on dynamics).
  f.model.params()[0] = NAN;
  std::atomic<bool> stop{false};
  TrainOutcome out = t.fit({}, stop);
  CHECK(out.reason == StopReason::NonFinite);
  CHECK(out.message.find("epoch 1, batch 1/") != std::string::npos);
}

TEST_CASE("Keras progress line") {
  ProgressLine done{360, 360, 21.0, 1.33084, 0.519444, true, true, 1.41754, 0.425};
  CHECK(format_progress(done) ==
        "360/360 [==============================] - 21s 58ms/sample - loss: 1.3308 - accuracy: "
        "0.5194 - val_loss: 1.4175 - val_accuracy: 0.4250");
  ProgressLine mid{128, 360, 7.0, 1.5, 0.3125};
  // 128/360 of 30 = 10 cells: 9 '=' then '>' then 20 '.'; ETA = 7/128*232 = 12.7 → 13s.
  CHECK(format_progress(mid) ==
        "128/360 [=========>....................] - ETA: 13s - loss: 1.5000 - accuracy: 0.3125");
}

TEST_CASE("history CSV has CSVLogger's columns and round-trips") {
  History h;
  h.epochs.push_back({0, 1.5, 0.25, 1.25, 0.5});
  h.epochs.push_back({1, 0.75, 0.5, 1.0, 0.625});
  std::string csv = h.to_csv();
  CHECK(csv ==
        "epoch,accuracy,loss,val_accuracy,val_loss\n0,0.25,1.5,0.5,1.25\n1,0.5,0.75,0.625,1\n");
  History back = History::from_csv(csv, "h.csv");
  REQUIRE(back.epochs.size() == 2);
  CHECK(back.epochs[1].val_accuracy == 0.625);
  CHECK_THROWS_AS(History::from_csv("a,b\n", "bad.csv"), UserError);
}

TEST_CASE("impossible settings are rejected with the option's name") {
  RunSettings s;
  s.batch_size = 0;
  try {
    validate_settings(s);
    FAIL("no error");
  } catch (const UserError& e) {
    CHECK(std::string(e.what()).find("--batch-size") != std::string::npos);
  }
  s = RunSettings{};
  s.test_size = 1.5;
  CHECK_THROWS_AS(validate_settings(s), UserError);
  s = RunSettings{};
  s.learning_rate = -1;
  CHECK_THROWS_AS(validate_settings(s), UserError);
  CHECK_NOTHROW(validate_settings(RunSettings{}));
}

TEST_CASE("memory plan for the course model: about 5.6 GB of parameter state") {
  Model m = course_model(299, 5);
  MemoryPlan p = plan_memory(m, 32, 500);
  // 350,586,533 params × 4 B × (w, g, m, v) = 5.61 GB
  CHECK(p.model.params + p.model.grads + p.model.adam == size_t(350586533) * 16);
  CHECK(p.data_bytes == size_t(500) * 299 * 299 * 3);
  CHECK(p.total() > p.model.params * 4);
  p.available = 1000000000;  // 1 GB: must not fit, and the advice names what to change
  CHECK_FALSE(p.fits());
  CHECK(p.advice().find("--image-size") != std::string::npos);
}

TEST_CASE("checkpoint metadata round-trips class names and scaling") {
  RunSettings s;
  auto meta = checkpoint_metadata({"daisy", "rose"}, Scaling{0.25f, 0.5f}, s, 3);
  CheckpointInfo info = read_checkpoint_info(meta, "x.safetensors", 2);
  CHECK(info.class_names == std::vector<std::string>{"daisy", "rose"});
  CHECK(info.scaling.mean == 0.25f);
  CHECK(info.scaling.std == 0.5f);
  CHECK(info.epochs_completed == 3);
  CHECK_THROWS_AS(read_checkpoint_info(meta, "x.safetensors", 3), UserError);
  meta.erase("cnnlab.scaling_std");
  CHECK_THROWS_AS(read_checkpoint_info(meta, "x.safetensors", 2), UserError);
}
