// tests/train/test_run_record.cpp — what a checkpoint remembers of its run (run_record.h) and the
// settings that apply between batches: the record round-trips exactly, malformed records are errors
// naming the file and key, settings_changes sorts live from reload settings, Trainer::apply_config
// and Trainer::restore behave as a run that had those settings or that history from the start.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>

#include "core/error.h"
#include "core/rng.h"
#include "data/dataset.h"
#include "data/split.h"
#include "nn/model.h"
#include "train/run_record.h"
#include "train/setup.h"
#include "train/trainer.h"

using namespace cnnlab;

namespace {

// 2 classes of 8×8 images: bright or dark, with noise.
Dataset two_class_dataset(int per_class) {
  Dataset ds;
  ds.class_names = {"bright", "dark"};
  ds.height = ds.width = 8;
  ds.channels = 3;
  Rng rng(9);
  for (int c = 0; c < 2; ++c)
    for (int i = 0; i < per_class; ++i) {
      ds.paths.push_back(ds.class_names[c] + "/" + std::to_string(i) + ".png");
      ds.labels.push_back(c);
      ds.duplicate_group.push_back(-1);
      for (int p = 0; p < 8 * 8 * 3; ++p)
        ds.pixels.push_back(uint8_t(c == 0 ? 150 + rng.below(100) : rng.below(100)));
    }
  return ds;
}

struct Run {
  Dataset ds = two_class_dataset(20);
  Split split = make_split(ds, 0.2, 0.25, 42);  // 40 images: 8 test, 24 train, 8 validation
  Scaling sc = compute_scaling(ds, split.train);
  Model model = build_preset("tiny", 8, 2);
  explicit Run(int max_batch = 8) {
    model.set_threads(1);
    model.allocate(max_batch);
    model.init(42);
  }
};

// Trains `epochs` epochs with fit() and returns the trainer's batch losses.
std::vector<float> fit_losses(Trainer& t) {
  std::atomic<bool> stop{false};
  t.fit({}, stop);
  return t.batch_losses();
}

RunRecord sample_record() {
  RunRecord r;
  r.present = true;
  r.settings.preset = "tiny";
  r.settings.image_size = 8;
  r.settings.epochs = 4;
  r.settings.batch_size = 6;
  r.settings.learning_rate = 0.003f;
  r.settings.seed = 4294967295u;
  r.settings.threads = 3;
  r.settings.test_size = 0.25;
  r.split_seed = 7;
  r.history.epochs = {{0, 0.69314718055994529, 0.5, NAN, NAN, 1.25, 24},
                      {1, 0.1 + 0.2, 1.0 / 3, 0.6, 0.125, 0.5, 24}};
  r.batch_losses = {0.7f, 0.1f, 1e-9f, 3.4e38f};
  r.batch_epoch = {0.25f, 0.5f, 1.f / 3, 2.f};
  r.val_eval = {"validation", 2, 0.5, 0.75, {3, 1}, {0, 1}, {0.25f, 0.75f, 0.1f, 0.9f},
                {1, 0, 0, 1}};
  return r;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("run record: every field round-trips exactly through checkpoint metadata") {
  const RunRecord r = sample_record();
  std::map<std::string, std::string> meta;
  add_run_record(meta, r);
  CHECK(meta.count("cnnlab.test_eval") == 0);  // not evaluated: not written
  CHECK(
      meta.at("cnnlab.history") ==
      "{\"epoch\":[0,1],\"loss\":[0.69314718055994529,0.30000000000000004],\"accuracy\":[0.5,"
      "0.33333333333333331],\"val_loss\":[null,0.59999999999999998],\"val_accuracy\":[null,0.125],"
      "\"seconds\":[1.25,0.5],\"samples\":[24,24]}");
  const RunRecord back = read_run_record(meta, "r.safetensors", 2);
  REQUIRE(back.present);
  CHECK(back.settings.epochs == 4);
  CHECK(back.settings.batch_size == 6);
  CHECK(back.settings.learning_rate == 0.003f);
  CHECK(back.settings.seed == 4294967295u);
  CHECK(back.settings.threads == 3);
  CHECK(back.settings.test_size == 0.25);
  CHECK(back.settings.preset == "tiny");
  CHECK(back.split_seed == 7);
  REQUIRE(back.history.epochs.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    const EpochRecord &a = r.history.epochs[i], &b = back.history.epochs[i];
    CHECK(b.epoch == a.epoch);
    CHECK(b.loss == a.loss);
    CHECK(b.accuracy == a.accuracy);
    CHECK(b.samples == a.samples);
    CHECK(b.seconds == a.seconds);
  }
  CHECK(std::isnan(back.history.epochs[0].val_loss));
  CHECK(back.history.epochs[1].val_loss == 0.6);
  CHECK(back.batch_losses == r.batch_losses);
  CHECK(back.batch_epoch == r.batch_epoch);
  CHECK(back.val_eval.epoch == 2);
  CHECK(back.val_eval.indices == r.val_eval.indices);
  CHECK(back.val_eval.predicted == r.val_eval.predicted);
  CHECK(back.val_eval.probs == r.val_eval.probs);
  CHECK(back.val_eval.confusion == r.val_eval.confusion);
  CHECK(back.test_eval.epoch == -1);
}

TEST_CASE(
    "run record: an older checkpoint has none; a malformed one is an error naming file and key") {
  std::map<std::string, std::string> meta =
      checkpoint_metadata({"a", "b"}, Scaling{0.5f, 0.25f}, RunSettings{}, 3);
  CHECK_FALSE(read_run_record(meta, "old.safetensors", 2).present);

  add_run_record(meta, sample_record());
  auto expect_error = [&](const std::string& key, const std::string& value,
                          const std::string& words) {
    auto bad = meta;
    bad[key] = value;
    try {
      read_run_record(bad, "bad.safetensors", 2);
      FAIL("no error for " << key << " = " << value);
    } catch (const UserError& e) {
      CHECK_MESSAGE(has(e.what(), "bad.safetensors"), e.what());
      CHECK_MESSAGE(has(e.what(), key), e.what());
      CHECK_MESSAGE(has(e.what(), words), e.what());
    }
  };
  expect_error("cnnlab.history", "{\"epoch\":[0]", "not JSON");
  expect_error("cnnlab.history", "{\"epoch\":[0,1],\"loss\":[1]}", "'loss' has 1 entries, not 2");
  expect_error("cnnlab.history",
               "{\"epoch\":[1],\"loss\":[1],\"accuracy\":[1],\"val_loss\":[1],"
               "\"val_accuracy\":[1],\"seconds\":[1],\"samples\":[1]}",
               "epoch 0 is numbered 1");
  expect_error("cnnlab.batch_epoch", "[0.5]", "'v' has 1 entries, not 4");
  expect_error("cnnlab.batch_losses", "[\"x\"]", "not a number");
  expect_error("cnnlab.run", "{}", "no 'preset'");
  std::string eval =
      "{\"split\":\"test\",\"epoch\":1,\"loss\":1,\"accuracy\":1,\"indices\":[0],"
      "\"predicted\":[2],\"confusion\":[1,0,0,0],\"probs\":[0.5,0.5]}";
  expect_error("cnnlab.test_eval", eval, "predicted is out of range");  // class 2 of 2
  eval =
      "{\"split\":\"test\",\"epoch\":1,\"loss\":1,\"accuracy\":1,\"indices\":[0],"
      "\"predicted\":[1],\"confusion\":[1,0,0,1],\"probs\":[0.5,0.5]}";
  expect_error("cnnlab.test_eval", eval, "counts 2 images, not 1");
  auto partial = meta;
  partial.erase("cnnlab.batch_losses");
  CHECK_THROWS_AS(read_run_record(partial, "p.safetensors", 2), UserError);
}

TEST_CASE(
    "settings: live settings apply between batches, the data ones need a reload (the button says "
    "which)") {
  RunSettings a;
  RunSettings b = a;
  CHECK_FALSE(settings_changes(a, b).any());
  CHECK(reload_button_label(settings_changes(a, b)) == "Reload data");
  b.epochs = 30, b.learning_rate = 0.0005f, b.threads = 4;
  SettingsChanges c = settings_changes(a, b);
  CHECK(c.live == std::vector<std::string>{"epochs", "learning rate", "threads"});
  CHECK(c.reload.empty());
  CHECK(c.has("threads"));
  CHECK_FALSE(c.has("seed"));
  b.image_size = 64;
  CHECK(reload_button_label(settings_changes(a, b)) == "Reload data (image size changed)");
  b.data_dir = "/elsewhere", b.validation_split = 0.2, b.batch_size = 8, b.seed = 1;
  c = settings_changes(a, b);
  CHECK(c.live ==
        std::vector<std::string>{"epochs", "batch size", "learning rate", "seed", "threads"});
  CHECK(reload_button_label(c) ==
        "Reload data (data folder, image size, validation split changed)");
}

TEST_CASE("trainer: applied settings train exactly as the same settings given at the start") {
  // Batch size 4 and seed 7 applied before the first epoch (the model allocated for 8), learning
  // rate and epochs too: the run equals one built with them.
  Run a, b;
  Trainer ta(a.model, a.ds, a.split, a.sc, TrainConfig{1, 8, 0.01f, 42});
  ta.apply_config(TrainConfig{2, 4, 0.05f, 7});
  CHECK(a.model.adam.lr == 0.05f);
  CHECK(ta.config().epochs == 2);
  CHECK(ta.config().batch_size == 8);  // until the next epoch begins
  Trainer tb(b.model, b.ds, b.split, b.sc, TrainConfig{2, 4, 0.05f, 7});
  const std::vector<float> la = fit_losses(ta), lb = fit_losses(tb);
  CHECK(la.size() == 12);  // 24 training images in batches of 4, two epochs
  CHECK(la == lb);
  CHECK(ta.history().epochs[1].val_loss == tb.history().epochs[1].val_loss);

  // Mid-epoch: the batch size changes at the next epoch, not within this one.
  Run c;
  Trainer tc(c.model, c.ds, c.split, c.sc, TrainConfig{2, 8, 0.01f, 42});
  tc.begin_epoch();
  BatchProgress p = tc.train_batch();
  tc.apply_config(TrainConfig{2, 6, 0.01f, 42});
  CHECK(p.num_batches == 3);
  CHECK(tc.train_batch().num_batches == 3);
  CHECK(tc.train_batch().samples_done == 24);
  tc.end_epoch();
  tc.begin_epoch();
  CHECK(tc.train_batch().num_batches == 4);
  CHECK(tc.batch_epoch() == std::vector<float>{1.f / 3, 2.f / 3, 1.f, 1.25f});
}

TEST_CASE("trainer: restore continues the epoch count, history and shuffle of the saved run") {
  // Run A trains 2 epochs, then a third with Adam restarted (a loaded checkpoint has no moments).
  // Run B starts from A's weights after 2 epochs and A's record: its third epoch must be A's, batch
  // for batch, which needs the shuffle order an uninterrupted run has at epoch 3.
  Run a, b;
  Trainer ta(a.model, a.ds, a.split, a.sc, TrainConfig{2, 8, 0.01f, 42});
  fit_losses(ta);
  std::copy(a.model.params(), a.model.params() + a.model.num_params(), b.model.params());
  Trainer tb(b.model, b.ds, b.split, b.sc, TrainConfig{3, 8, 0.01f, 42});
  tb.restore(ta.history(), ta.batch_losses(), ta.batch_epoch());
  CHECK(tb.epoch() == 2);
  CHECK(tb.history().epochs.size() == 2);
  CHECK_FALSE(tb.epoch_started());
  a.model.reset_adam();
  ta.apply_config(TrainConfig{3, 8, 0.01f, 42});
  const std::vector<float> la = fit_losses(ta), lb = fit_losses(tb);
  REQUIRE(la.size() == 9);
  CHECK(lb == la);
  CHECK(tb.history().epochs[2].epoch == 2);
  CHECK(tb.history().epochs[2].loss == ta.history().epochs[2].loss);
  CHECK(tb.batch_epoch() == ta.batch_epoch());
}

TEST_CASE("run record: mutated records load or fail with a UserError, never otherwise (seeded)") {
  std::map<std::string, std::string> meta;
  RunRecord r = sample_record();
  r.test_eval = r.val_eval;
  r.test_eval.split = "test";
  add_run_record(meta, r);
  const char* keys[] = {"cnnlab.run",         "cnnlab.history",  "cnnlab.batch_losses",
                        "cnnlab.batch_epoch", "cnnlab.val_eval", "cnnlab.test_eval"};
  const char bytes[] = "{}[],:\"0-9.e+nul";
  Rng rng(2024);
  int refused = 0, loaded = 0;
  for (int i = 0; i < 3000; ++i) {
    auto bad = meta;
    std::string& v = bad[keys[rng.below(6)]];
    for (int m = 0, n = 1 + int(rng.below(3)); m < n && !v.empty(); ++m) {
      size_t at = rng.below(uint32_t(v.size()));
      char c = bytes[rng.below(sizeof bytes - 1)];
      switch (rng.below(3)) {
        case 0:
          v[at] = c;
          break;
        case 1:
          v.insert(v.begin() + long(at), c);
          break;
        default:
          v.erase(at, 1);
      }
    }
    try {
      RunRecord back = read_run_record(bad, "m.safetensors", 2);
      CHECK(back.batch_epoch.size() == back.batch_losses.size());
      ++loaded;
    } catch (const UserError&) {
      ++refused;
    }
  }
  CHECK(refused > 1000);  // most mutations break something
  CHECK(loaded > 0);      // and some leave a valid record (a changed digit)
}
