// tests/train/test_callbacks.cpp — EarlyStopping and ReduceLROnPlateau fed by hand-made val_loss
// series (Keras's counters, worked out in the comments), the trainer restoring the best epoch's
// weights, the [fit] table (parsing, file:line errors, checkpoint round trip), the CSV lr column,
// and the prefetched batches training exactly as the inline ones.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/rng.h"
#include "data/dataset.h"
#include "data/image.h"
#include "data/split.h"
#include "nn/model.h"
#include "nn/model_file.h"
#include "nn/serialize.h"
#include "test_tmp.h"
#include "train/callbacks.h"
#include "train/history.h"
#include "train/trainer.h"
#include "train/worker.h"

using namespace cnnlab;

namespace {

EpochRecord val_loss_record(int epoch, double val_loss) {
  EpochRecord r;
  r.epoch = epoch;
  r.loss = 1, r.accuracy = 0.5;
  r.val_loss = val_loss, r.val_accuracy = 0.5;
  return r;
}

// Feeds the series; returns the 0-based epoch it stopped at (-1: ran to the end).
int run_early_stopping(EarlyStopping& es, const std::vector<double>& val_loss) {
  for (size_t e = 0; e < val_loss.size(); ++e)
    if (es.on_epoch_end(val_loss_record(int(e), val_loss[e])).stop) return int(e);
  return -1;
}

// 3 classes of 16×16 images: a bright bar at the left, middle or right (as tests/train/test_train).
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
          for (int ch = 0; ch < 3; ++ch)
            ds.pixels.push_back(
                uint8_t(x >= x0 && x < x0 + 3 ? 200 + rng.below(56) : rng.below(90)));
    }
  return ds;
}

// All six augmentation layers in front of a small CNN with BatchNorm and Dropout.
const char* kAugmentedModel = R"(name = "aug16"
image_size = 16
[[layer]]
type = "RandomFlip"
mode = "horizontal"
[[layer]]
type = "RandomRotation"
factor = 0.1
[[layer]]
type = "RandomZoom"
height_factor = 0.2
[[layer]]
type = "RandomTranslation"
height_factor = 0.1
width_factor = 0.1
[[layer]]
type = "RandomContrast"
factor = 0.2
[[layer]]
type = "RandomBrightness"
factor = 0.1
[[layer]]
type = "Conv2D"
filters = 4
kernel_size = 3
padding = "same"
activation = "relu"
[[layer]]
type = "BatchNormalization"
[[layer]]
type = "MaxPooling2D"
pool_size = 2
[[layer]]
type = "GlobalAveragePooling2D"
[[layer]]
type = "Dropout"
rate = 0.2
[[layer]]
type = "Dense"
units = "classes"
activation = "softmax"
)";

struct Run {
  Dataset ds = bars_dataset(20, 5);
  Split split = make_split(ds, 0.25, 0.2, 42);
  Scaling sc = compute_scaling(ds, split.train);
  Model model;
  explicit Run(const std::string& toml, int batch = 8) {
    model = model_from_toml(toml, "test.toml", 16, 3);
    model.set_threads(2);
    model.allocate(batch);
    model.init(42);
  }
};

// kAugmentedModel with a [fit] table: the loader's message ("no error" if it loads).
std::string error_of(const std::string& fit) {
  try {
    model_from_toml(std::string(kAugmentedModel) + "\n[fit]\n" + fit, "bad.toml", 16, 3);
  } catch (const UserError& e) {
    return std::string(e.what());
  }
  return std::string("no error");
}

}  // namespace

// =================================================================================================
// EarlyStopping
// =================================================================================================
TEST_CASE("EarlyStopping: patience 2 stops two epochs after the best val_loss") {
  EarlyStoppingConfig c;
  c.enabled = true;
  c.patience = 2;
  c.restore_best_weights = true;
  EarlyStopping es(c);
  // e0 1.0 best (wait 0); e1 0.8 best (wait 0); e2 0.85 wait 1; e3 0.9 wait 2 >= 2 → stop at e3.
  std::vector<double> series = {1.0, 0.8, 0.85, 0.9, 0.7, 0.6};
  EarlyStopping::Decision d;
  for (int e = 0; e < 4; ++e) {
    d = es.on_epoch_end(val_loss_record(e, series[size_t(e)]));
    CHECK(d.keep_weights == (e == 0 || e == 1));  // the first counted epoch, and each new best
    CHECK(d.stop == (e == 3));
  }
  CHECK(d.restore_weights);
  CHECK(es.best_epoch() == 1);
  CHECK(es.best() == 0.8);
  CHECK(es.stopped_epoch() == 3);
  CHECK(d.message ==
        "Restoring model weights from the end of the best epoch: 2.\nEpoch 00004: early stopping");
}

TEST_CASE("EarlyStopping: min_delta, patience 0, start_from_epoch and val_accuracy (mode auto)") {
  EarlyStoppingConfig c;
  c.enabled = true;
  SUBCASE("min_delta 0.1: 0.95 is not enough of a drop from 1.0") {
    c.min_delta = 0.1, c.patience = 1;
    EarlyStopping es(c);
    CHECK(run_early_stopping(es, {1.0, 0.95, 0.5}) == 1);
    CHECK(es.best_epoch() == 0);
  }
  SUBCASE("patience 0 stops at the first epoch that does not improve (never at epoch 0)") {
    EarlyStopping es(c);
    CHECK(run_early_stopping(es, {1.0, 0.9, 0.8, 0.8, 0.1}) == 3);
  }
  SUBCASE("start_from_epoch 3: the first three epochs are not looked at") {
    c.patience = 1, c.start_from_epoch = 3;
    EarlyStopping es(c);
    // e0..e2 ignored (the rising loss would have stopped it); e3 best; e4 wait 1 → stop at e4.
    CHECK(run_early_stopping(es, {0.1, 0.5, 0.9, 1.0, 1.1}) == 4);
    CHECK(es.best_epoch() == 3);
  }
  SUBCASE("val_accuracy is maximised in mode auto; mode min turns that round") {
    c.monitor = "val_accuracy", c.patience = 1;
    EarlyStopping es(c);
    int stopped = -1;
    const double acc[] = {0.5, 0.6, 0.55, 0.9};
    for (int e = 0; e < 4 && stopped < 0; ++e) {
      EpochRecord r = val_loss_record(e, 1.0);
      r.val_accuracy = acc[e];
      if (es.on_epoch_end(r).stop) stopped = e;
    }
    CHECK(stopped == 2);
    CHECK(es.best() == 0.6);
    c.mode = MonitorMode::Min;
    CHECK_FALSE(monitor_maximises(c.monitor, c.mode));
  }
}

TEST_CASE("EarlyStopping: without a validation split it warns once and never stops") {
  EarlyStoppingConfig c;
  c.enabled = true;
  EarlyStopping es(c);
  EpochRecord r = val_loss_record(0, NAN);
  r.val_accuracy = NAN;
  CHECK(es.on_epoch_end(r).message ==
        "Early stopping conditioned on metric `val_loss` which is not available. Available "
        "metrics are: loss,accuracy");
  for (int e = 1; e < 5; ++e) {
    r.epoch = e;
    EarlyStopping::Decision d = es.on_epoch_end(r);
    CHECK_FALSE(d.stop);
    CHECK(d.message.empty());
  }
}

// =================================================================================================
// ReduceLROnPlateau
// =================================================================================================
TEST_CASE("ReduceLROnPlateau: the lr sequence with factor, patience, cooldown and min_lr") {
  ReduceLROnPlateauConfig c;
  c.enabled = true;
  c.factor = 0.5, c.patience = 2, c.cooldown = 1, c.min_lr = 0.0002;
  ReduceLROnPlateau rl(c);
  // A flat val_loss: e0 best; e1 wait 1; e2 wait 2 → 0.0005, cooldown 1; e3 cooldown 1 → 0,
  // wait 1; e4 wait 2 → 0.00025; e5 wait 1; e6 → 0.000125, clipped to min_lr 0.0002; e7 wait 1;
  // e8, e9: lr is no longer above min_lr, nothing more happens.
  float lr = 0.001f;
  std::vector<float> trained_with;
  std::vector<std::string> lines;
  for (int e = 0; e < 10; ++e) {
    trained_with.push_back(lr);
    ReduceLROnPlateau::Decision d = rl.on_epoch_end(val_loss_record(e, 1.0), lr);
    if (d.reduced) lr = d.new_lr;
    if (!d.message.empty()) lines.push_back(d.message);
  }
  const std::vector<float> want = {0.001f,   0.001f,   0.001f,  0.0005f, 0.0005f,
                                   0.00025f, 0.00025f, 0.0002f, 0.0002f, 0.0002f};
  CHECK(trained_with == want);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "Epoch 00003: ReduceLROnPlateau reducing learning rate to 0.0005.");
  CHECK(lines[1] == "Epoch 00005: ReduceLROnPlateau reducing learning rate to 0.00025.");
  CHECK(lines[2] == "Epoch 00007: ReduceLROnPlateau reducing learning rate to 0.0002.");
}

TEST_CASE("ReduceLROnPlateau: Keras defaults (factor 0.1, patience 10, min_delta 1e-4)") {
  ReduceLROnPlateauConfig c;
  c.enabled = true;
  ReduceLROnPlateau rl(c);
  float lr = 0.001f;
  int reduced_at = -1;
  // 1.0, then drops of 5e-6 an epoch (5.5e-5 in all: below min_delta, no improvement): wait
  // reaches 10 at e10.
  for (int e = 0; e < 12 && reduced_at < 0; ++e) {
    ReduceLROnPlateau::Decision d = rl.on_epoch_end(val_loss_record(e, 1.0 - 5e-6 * e), lr);
    if (d.reduced) reduced_at = e, lr = d.new_lr;
  }
  CHECK(reduced_at == 10);
  CHECK(lr == 0.0001f);
  CHECK(reduce_lr_message(6, lr) ==
        "Epoch 00007: ReduceLROnPlateau reducing learning rate to 0.0001.");
  CHECK(lr_text(0.001f) == "0.001");
  CHECK(lr_text(5e-5f) == "5e-05");
}

// =================================================================================================
// the trainer
// =================================================================================================
TEST_CASE("trainer: EarlyStopping restores the best epoch's weights (its val_loss, re-evaluated)") {
  Run run(kAugmentedModel);
  Trainer t(run.model, run.ds, run.split, run.sc, TrainConfig{10, 8, 0.01f, 42});
  FitConfig fit;
  fit.early_stopping.enabled = true;
  fit.early_stopping.patience = 3;
  fit.early_stopping.min_delta = 100;  // no epoch after the first can improve by that much
  fit.early_stopping.restore_best_weights = true;
  t.set_callbacks(fit);
  std::atomic<bool> stop{false};
  std::string log;
  TrainCallbacks cb;
  cb.on_epoch = [&](const EpochRecord&) { log += t.callback_log(); };
  TrainOutcome out = t.fit(cb, stop);
  CHECK(out.reason == StopReason::Completed);
  CHECK(out.early_stopped);
  CHECK(out.epochs_completed == 4);  // e0 best; e1, e2, e3 wait 1, 2, 3 → stop at e3
  CHECK(out.message == "Epoch 00004: early stopping");
  CHECK(log ==
        "Restoring model weights from the end of the best epoch: 1.\nEpoch 00004: early stopping");
  const History& h = t.history();
  REQUIRE(h.epochs.size() == 4);
  // The same evaluation as end_epoch made after epoch 0: the same number, to the bit.
  const double now = t.evaluate(run.split.val).loss;
  CHECK(now == h.epochs[0].val_loss);
  CHECK(now != h.epochs[3].val_loss);
  CHECK(std::isnan(h.epochs[0].lr));  // no ReduceLROnPlateau: no lr column
}

TEST_CASE("trainer: ReduceLROnPlateau sets Adam's lr and the CSV gains Keras's lr column") {
  Run run(kAugmentedModel);
  Trainer t(run.model, run.ds, run.split, run.sc, TrainConfig{3, 8, 0.01f, 42});
  FitConfig fit;
  fit.reduce_lr.enabled = true;
  fit.reduce_lr.patience = 0;  // every epoch that does not improve by 100 reduces
  fit.reduce_lr.min_delta = 100;
  fit.reduce_lr.factor = 0.5;
  t.set_callbacks(fit);
  std::atomic<bool> stop{false};
  t.fit({}, stop);
  const History& h = t.history();
  REQUIRE(h.epochs.size() == 3);
  // e0 improves on +inf: no change; e1 and e2 halve it.
  CHECK(h.epochs[0].lr == double(0.01f));
  CHECK(h.epochs[1].lr == double(0.01f));
  CHECK(h.epochs[2].lr == double(0.005f));
  CHECK(run.model.adam.lr == 0.0025f);
  const std::string csv = h.to_csv();
  CHECK(csv.rfind("epoch,accuracy,loss,lr,val_accuracy,val_loss\n", 0) == 0);
  CHECK(csv.find(",0.005,") != std::string::npos);
  History back = History::from_csv(csv, "h.csv");
  REQUIRE(back.epochs.size() == 3);
  CHECK(float(back.epochs[2].lr) == 0.005f);  // written as numpy prints the float32
  CHECK(back.epochs[2].val_loss == double(float(h.epochs[2].val_loss)));
}

TEST_CASE("history CSV: the old five columns still read; a short lr row names its line") {
  History h = History::from_csv("epoch,accuracy,loss,val_accuracy,val_loss\n0,0.5,1.25,0.25,1.5\n",
                                "old.csv");
  REQUIRE(h.epochs.size() == 1);
  CHECK(h.epochs[0].val_loss == 1.5);
  CHECK(std::isnan(h.epochs[0].lr));
  CHECK(h.to_csv() == "epoch,accuracy,loss,val_accuracy,val_loss\n0,0.5,1.25,0.25,1.5\n");
  try {
    History::from_csv("epoch,accuracy,loss,lr,val_accuracy,val_loss\n0,0.5,1.25,0.25,1.5\n",
                      "new.csv");
    FAIL("a row with 5 numbers under 6 columns must be refused");
  } catch (const UserError& e) {
    CHECK(std::string(e.what()).find("new.csv:2") != std::string::npos);
  }
}

TEST_CASE("trainer: batches made ahead on a thread train exactly as the inline ones") {
  auto train = [](bool prefetch, int threads, int* hits) {
    Run run(kAugmentedModel);
    Trainer t(run.model, run.ds, run.split, run.sc, TrainConfig{3, 8, 0.01f, 42});
    t.set_prefetch(prefetch, threads);
    std::atomic<bool> stop{false};
    t.fit({}, stop);
    if (hits) *hits = t.prefetcher() ? t.prefetcher()->hits() : 0;
    return std::vector<float>(run.model.params(), run.model.params() + run.model.num_params());
  };
  int hits = 0;
  const std::vector<float> inline_w = train(false, 1, nullptr);
  const std::vector<float> ahead_w = train(true, 1, &hits);
  const std::vector<float> ahead2_w = train(true, 2, nullptr);
  REQUIRE(inline_w.size() == ahead_w.size());
  CHECK(std::memcmp(inline_w.data(), ahead_w.data(), sizeof(float) * inline_w.size()) == 0);
  CHECK(std::memcmp(inline_w.data(), ahead2_w.data(), sizeof(float) * inline_w.size()) == 0);
  // 36 training images in batches of 8: 5 a epoch, 15 in all; all but the very first made ahead.
  CHECK(hits == 14);
}

TEST_CASE("augment_training_input gives the input the Random* layers of train_step make") {
  Run run(kAugmentedModel, 4);
  run.model.set_input_scaling(run.sc.mean, run.sc.std);
  const int per = 16 * 16 * 3;
  std::vector<float> x(size_t(4) * per);
  std::vector<int> y(4);
  make_batch(run.ds, run.split.train.data(), 4, run.sc, x.data(), y.data());
  std::vector<float> ahead = x;
  run.model.step_seed = 1234;
  augment_training_input(ahead.data(), 4, 16, 16, 3, run.model.input_augmentation(), 1234,
                         run.model.adam_step());
  run.model.train_step(x.data(), y.data(), 4);
  const float* after_augment = run.model.activation(6);  // the sixth Random* layer's output
  CHECK(std::memcmp(ahead.data(), after_augment, sizeof(float) * ahead.size()) == 0);
  CHECK(std::memcmp(ahead.data(), x.data(), sizeof(float) * ahead.size()) != 0);
}

// =================================================================================================
// the [fit] table
// =================================================================================================
TEST_CASE("[fit]: parsed with Keras's defaults, written back, and kept through a checkpoint") {
  const std::string text = std::string(kAugmentedModel) +
                           "\n[fit]\nepochs = 60\nbatch_size = 16\n"
                           "early_stopping = { monitor = \"val_loss\", patience = 10, "
                           "restore_best_weights = true }\n"
                           "reduce_lr_on_plateau = { factor = 0.5, patience = 5 }\n";
  Model m = model_from_toml(text, "fit.toml", 16, 3);
  CHECK(m.fit.epochs == 60);
  CHECK(m.fit.batch_size == 16);
  CHECK(m.fit.early_stopping.enabled);
  CHECK(m.fit.early_stopping.patience == 10);
  CHECK(m.fit.early_stopping.restore_best_weights);
  CHECK(m.fit.early_stopping.min_delta == 0);
  CHECK(m.fit.early_stopping.start_from_epoch == 0);
  CHECK(m.fit.reduce_lr.enabled);
  CHECK(m.fit.reduce_lr.factor == 0.5);
  CHECK(m.fit.reduce_lr.patience == 5);
  CHECK(m.fit.reduce_lr.min_delta == 1e-4);
  CHECK(m.fit.reduce_lr.cooldown == 0);
  CHECK(m.fit.reduce_lr.min_lr == 0);
  CHECK(describe_callbacks(m.fit) ==
        "EarlyStopping(val_loss, patience 10, restore best), ReduceLROnPlateau(val_loss, factor "
        "0.5, patience 5)");
  Model again = model_from_toml(model_to_toml(m), "again.toml", 0, 0);
  CHECK(again.fit.epochs == 60);
  CHECK(again.fit.batch_size == 16);
  CHECK(again.fit.early_stopping == m.fit.early_stopping);
  CHECK(again.fit.reduce_lr == m.fit.reduce_lr);

  test::TempDir dir("fit");
  m.allocate(1);
  m.init(1);
  save_safetensors(dir / "m.safetensors", m, {});
  LoadedModel lm = load_safetensors(dir / "m.safetensors", 1, false);
  CHECK(lm.model.fit.epochs == 60);
  CHECK(lm.model.fit.batch_size == 16);
  CHECK(lm.model.fit.early_stopping == m.fit.early_stopping);
  CHECK(lm.model.fit.reduce_lr == m.fit.reduce_lr);
  CHECK_FALSE(model_from_toml(kAugmentedModel, "none.toml", 16, 3).fit.any());
}

TEST_CASE("[fit]: a bad value is an error naming the file and its line") {
  const int fit_line = 43;  // kAugmentedModel has 41 lines, then "" and "[fit]"
  const std::string at = "bad.toml:" + std::to_string(fit_line + 1) + ":";
  std::string e = error_of("reduce_lr_on_plateau = { factor = 1.5 }\n");
  CHECK(e.find(at) != std::string::npos);
  CHECK(e.find("factor") != std::string::npos);
  e = error_of("early_stopping = { patience = -1 }\n");
  CHECK(e.find(at) != std::string::npos);
  e = error_of("early_stopping = { monitor = \"val_acc\" }\n");
  CHECK(e.find(at) != std::string::npos);
  CHECK(e.find("val_accuracy") != std::string::npos);  // the hint lists what is allowed
  e = error_of("epochs = 10\nearly_stopping = { patients = 3 }\n");
  CHECK(e.find("bad.toml:" + std::to_string(fit_line + 2) + ":") != std::string::npos);
  CHECK(e.find("unknown argument 'patients'") != std::string::npos);
  e = error_of("early_stopping = 3\n");
  CHECK(e.find(at) != std::string::npos);
  e = error_of("epochs = 0\n");
  CHECK(e.find(at) != std::string::npos);
  e = error_of("epochs = 10\nbatch_size = 0\n");
  CHECK(e.find("bad.toml:" + std::to_string(fit_line + 2) + ":") != std::string::npos);
  CHECK(e.find("'batch_size' = 0 is out of range 1..4096") != std::string::npos);
  e = error_of("batch_size = 5000\n");
  CHECK(e.find(at) != std::string::npos);
  CHECK(e.find("batch_size") != std::string::npos);
  CHECK(model_from_toml(std::string(kAugmentedModel) + "\n[fit]\nbatch_size = 8\n", "b.toml", 16, 3)
            .fit.any());  // a [fit] table with only a batch size is kept
}

// =================================================================================================
// the window's worker
// =================================================================================================
TEST_CASE("worker: a model file's EarlyStopping ends the run with Keras's words in the status") {
  test::TempDir tmp("fit_worker");
  const std::filesystem::path dir = tmp.path() / "data";
  Rng rng(5);
  for (int c = 0; c < 2; ++c) {  // bright vs dark 12×12 squares, 24 each
    const std::filesystem::path cls = dir / (c == 0 ? "bright" : "dark");
    std::filesystem::create_directories(cls);
    for (int i = 0; i < 24; ++i) {
      Image img{12, 12, 3, std::vector<uint8_t>(12 * 12 * 3)};
      for (auto& p : img.pixels) p = uint8_t(c == 0 ? 150 + rng.below(100) : rng.below(100));
      write_png((cls / (std::to_string(i) + ".png")).string(), img);
    }
  }
  std::ofstream(tmp / "stop.toml")
      << "image_size = 12\n[[layer]]\ntype = \"RandomFlip\"\n[[layer]]\ntype = \"Conv2D\"\n"
         "filters = 4\nkernel_size = 3\nactivation = \"relu\"\n[[layer]]\n"
         "type = \"GlobalAveragePooling2D\"\n[[layer]]\ntype = \"Dense\"\nunits = \"classes\"\n"
         "activation = \"softmax\"\n[fit]\nearly_stopping = { patience = 2, min_delta = 100, "
         "restore_best_weights = true }\n";
  RunSettings rs;
  rs.data_dir = dir.string();
  rs.preset = tmp / "stop.toml";
  rs.image_size = 12;
  rs.epochs = 10;
  rs.batch_size = 8;
  rs.learning_rate = 0.01f;
  TrainingWorker w;
  w.send({Command::Load, rs});
  SnapshotPtr s = w.wait_until(
      [](const Snapshot& x) { return x.state == RunState::Ready || x.state == RunState::Error; },
      60);
  REQUIRE_MESSAGE(s->state == RunState::Ready, s->status);
  CHECK(s->callbacks == "EarlyStopping(val_loss, patience 2, min_delta 100, restore best)");
  CHECK(s->augmentation.size() == 1);
  w.send({Command::Start});
  s = w.wait_until([](const Snapshot& x) { return x.state == RunState::Done; }, 60);
  REQUIRE(s->state == RunState::Done);
  // e0 best; e1, e2 wait 1, 2 → stop after epoch 3 (of 10), epoch 1's weights back.
  CHECK(s->history.epochs.size() == 3);
  CHECK(s->status.rfind("Epoch 00003: early stopping, weights of epoch 1 restored. Test-loss: ",
                        0) == 0);
}

// =================================================================================================
// CosineDecay and MixUp ([fit] cosine_decay, mixup)
// =================================================================================================
TEST_CASE("cosine_decay_lr: Keras's CosineDecay with warm-up, hand values") {
  const double lr = 0.001;
  // Warm-up over 10 steps from 0, then 100 steps of half a cosine down to alpha · lr.
  CHECK(cosine_decay_lr(lr, 0, 10, 100, 0) == 0);
  CHECK(cosine_decay_lr(lr, 5, 10, 100, 0) == doctest::Approx(0.0005).epsilon(1e-12));
  CHECK(cosine_decay_lr(lr, 10, 10, 100, 0) == doctest::Approx(0.001).epsilon(1e-12));
  CHECK(cosine_decay_lr(lr, 60, 10, 100, 0) == doctest::Approx(0.0005).epsilon(1e-12));
  // A quarter of the way: ½(1 + cos(π/4)) = 0.853553...
  CHECK(cosine_decay_lr(lr, 35, 10, 100, 0) == doctest::Approx(0.000853553390593).epsilon(1e-9));
  CHECK(cosine_decay_lr(lr, 110, 10, 100, 0) == doctest::Approx(0).scale(1e-3).epsilon(1e-15));
  CHECK(cosine_decay_lr(lr, 500, 10, 100, 0.1) == doctest::Approx(0.0001).epsilon(1e-12));
  // alpha 0.1 halfway: (0.9 · 0.5 + 0.1) · lr
  CHECK(cosine_decay_lr(lr, 60, 10, 100, 0.1) == doctest::Approx(0.00055).epsilon(1e-12));
  // No warm-up: starts at lr (CosineDecay without warmup_target).
  CHECK(cosine_decay_lr(lr, 0, 0, 100, 0) == lr);
}

TEST_CASE("trainer: cosine_decay sets Adam's lr every step; the CSV's lr is each epoch's last") {
  Run run(kAugmentedModel);
  Trainer t(run.model, run.ds, run.split, run.sc, TrainConfig{4, 8, 0.01f, 42});
  FitConfig fit;
  fit.cosine_decay.enabled = true;
  fit.cosine_decay.warmup_epochs = 1;
  t.set_callbacks(fit);
  std::atomic<bool> stop{false};
  t.fit({}, stop);
  const History& h = t.history();
  REQUIRE(h.epochs.size() == 4);
  const int64_t per_epoch = (int64_t(run.split.train.size()) + 7) / 8;
  REQUIRE(per_epoch >= 2);
  for (int e = 0; e < 4; ++e) {
    CAPTURE(e);
    const int64_t last_step = (e + 1) * per_epoch - 1;  // Adam's iterations before that step
    CHECK(h.epochs[size_t(e)].lr ==
          double(float(cosine_decay_lr(0.01f, last_step, per_epoch, 3 * per_epoch, 0))));
  }
  CHECK(h.epochs[0].lr < 0.01);  // still warming up
  CHECK(h.epochs[1].lr > h.epochs[2].lr);
  CHECK(h.epochs[3].lr < 0.0005);  // the last step is one step short of 0
  CHECK(h.to_csv().rfind("epoch,accuracy,loss,lr,", 0) == 0);
}

TEST_CASE("trainer: MixUp trains reproducibly per seed, and not as without it") {
  auto train = [](bool mixup, uint64_t seed) {
    Run run(kAugmentedModel);
    Trainer t(run.model, run.ds, run.split, run.sc, TrainConfig{2, 8, 0.01f, seed});
    FitConfig fit;
    fit.mixup.enabled = mixup;
    fit.mixup.alpha = 0.4;
    t.set_callbacks(fit);
    std::atomic<bool> stop{false};
    t.fit({}, stop);
    return std::vector<float>(run.model.params(), run.model.params() + run.model.num_params());
  };
  const std::vector<float> a = train(true, 42), b = train(true, 42), plain = train(false, 42);
  CHECK(a == b);
  CHECK(a != plain);
}

TEST_CASE("[fit]: cosine_decay and mixup parse, describe, and survive the file and a checkpoint") {
  const std::string text = std::string(kAugmentedModel) +
                           "\n[fit]\nepochs = 100\n"
                           "cosine_decay = { warmup_epochs = 5, alpha = 0.05 }\n"
                           "mixup = { alpha = 0.2 }\n";
  Model m = model_from_toml(text, "fit.toml", 16, 3);
  CHECK(m.fit.cosine_decay.enabled);
  CHECK(m.fit.cosine_decay.warmup_epochs == 5);
  CHECK(m.fit.cosine_decay.alpha == 0.05);
  CHECK(m.fit.mixup.enabled);
  CHECK(m.fit.mixup.alpha == 0.2);
  CHECK(describe_callbacks(m.fit) == "CosineDecay(warm-up 5 epochs, alpha 0.05), MixUp(alpha 0.2)");
  Model again = model_from_toml(model_to_toml(m), "again.toml", 0, 0);
  CHECK(again.fit == m.fit);
  test::TempDir dir("fit-cosine");
  m.allocate(1);
  m.init(1);
  save_safetensors(dir / "m.safetensors", m, {});
  CHECK(load_safetensors(dir / "m.safetensors", 1, false).model.fit == m.fit);
  // Defaults: no warm-up, alpha 0; MixUp's alpha 0.2 (Keras's).
  Model d = model_from_toml(
      std::string(kAugmentedModel) + "\n[fit]\ncosine_decay = {}\nmixup = {}\n", "d.toml", 16, 3);
  CHECK(d.fit.cosine_decay == CosineDecayConfig{true, 0, 0});
  CHECK(d.fit.mixup == MixUpConfig{true, 0.2});
  // A run that asks for ReduceLROnPlateau turns the file's schedule off (both set the lr).
  CHECK_FALSE(effective_fit(m.fit, -1, 5).cosine_decay.enabled);
  CHECK(effective_fit(m.fit, -1, 5).reduce_lr.enabled);
  CHECK(effective_fit(m.fit, -1, -1).cosine_decay.enabled);
}

TEST_CASE("[fit]: cosine_decay and mixup errors name the file and the line") {
  const int fit_line = 43;  // kAugmentedModel has 41 lines, then "" and "[fit]"
  struct Case {
    const char* fit;
    int line;  // within the [fit] table
    const char* words;
  };
  const Case cases[] = {
      {"reduce_lr_on_plateau = { factor = 0.5 }\ncosine_decay = {}\n", 2,
       "reduce_lr_on_plateau cannot run"},
      {"epochs = 5\ncosine_decay = { warmup_epochs = 5 }\n", 2, "leaves no epoch to decay in"},
      {"cosine_decay = { alpha = 2 }\n", 1, "'alpha' = 2 is out of range"},
      {"mixup = { alpha = 0 }\n", 1, "mixup alpha must be above 0"},
      {"epochs = 3\nmixup = { alpa = 0.2 }\n", 2, "unknown argument 'alpa'"},
      {"mixup = 0.2\n", 1, "must be a table"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.fit);
    const std::string e = error_of(c.fit);
    CHECK(e.find("bad.toml:" + std::to_string(fit_line + c.line) + ":") != std::string::npos);
    CHECK(e.find(c.words) != std::string::npos);
  }
}
