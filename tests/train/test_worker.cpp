// tests/train/test_worker.cpp — the training worker: load, one batch, start/pause/resume, stop
// (also exactly at an epoch's end), reset, evaluate, checkpoints, refresh, run to the end. Every
// wait is on a snapshot predicate (condition variable) and races are made exact with the worker's
// test hooks: a command sent from the after-batch hook arrives exactly at that batch boundary.
// Never a sleep.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>

#include "core/rng.h"
#include "data/image.h"
#include "nn/serialize.h"
#include "test_tmp.h"
#include "train/progress_format.h"
#include "train/run_record.h"
#include "train/trainer.h"
#include "train/worker.h"

using namespace cnnlab;
namespace fs = std::filesystem;

namespace {

// Two classes of 12×12 PNGs written to `dir`: dark vs bright squares, with noise. 48 images: with
// the default 0.2 test / 0.1 validation split, 34 train (5 batches of 8, the last one 2).
std::string make_folder(const test::TempDir& tmp) {
  fs::path dir = tmp.path() / "data";
  Rng rng(5);
  const char* names[] = {"bright", "dark"};
  for (int c = 0; c < 2; ++c) {
    fs::create_directories(dir / names[c]);
    for (int i = 0; i < 24; ++i) {
      Image img{12, 12, 3, std::vector<uint8_t>(12 * 12 * 3)};
      for (auto& p : img.pixels) p = uint8_t(c == 0 ? 150 + rng.below(100) : rng.below(100));
      write_png((dir / names[c] / (std::to_string(i) + ".png")).string(), img);
    }
  }
  return dir.string();
}

RunSettings settings(const std::string& dir, int epochs) {
  RunSettings s;
  s.data_dir = dir;
  s.preset = "tiny";
  s.image_size = 12;
  s.epochs = epochs;
  s.batch_size = 8;
  s.learning_rate = 0.01f;
  s.threads = 2;
  return s;
}

const double kTimeout = 60;  // generous: a failure shows as a timeout, not a hang

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

SnapshotPtr load(TrainingWorker& w, const RunSettings& rs) {
  w.send({Command::Load, rs});
  SnapshotPtr s = w.wait_until(
      [](const Snapshot& s) { return s.state == RunState::Ready || s.state == RunState::Error; },
      kTimeout);
  REQUIRE_MESSAGE(s->state == RunState::Ready, s->status);
  return s;
}

SnapshotPtr load(TrainingWorker& w, const std::string& dir, int epochs) {
  return load(w, settings(dir, epochs));
}

// Sends `c`, then waits until the status line starts with `status` (the command's answer).
SnapshotPtr send_and_wait(TrainingWorker& w, Command c, const std::string& status) {
  w.send(std::move(c));
  SnapshotPtr s =
      w.wait_until([&](const Snapshot& s) { return s.status.rfind(status, 0) == 0; }, kTimeout);
  REQUIRE_MESSAGE(s->status.rfind(status, 0) == 0,
                  "waited for '" << status << "', last status: " << s->status);
  return s;
}

// The first conv kernel stored in a checkpoint file (the weights as they really are).
std::vector<float> checkpoint_conv_kernel(const std::string& path) {
  LoadedModel lm = load_safetensors(path, 1, false);
  ParamView k = lm.model.layer_weights(1);
  return std::vector<float>(k.data, k.data + k.size);
}

// An uninterrupted run to the end: what every interrupted run must reproduce exactly.
SnapshotPtr reference_run(const std::string& dir, int epochs) {
  TrainingWorker w;
  load(w, dir, epochs);
  w.send({Command::Start});
  SnapshotPtr s =
      w.wait_until([](const Snapshot& s) { return s.state == RunState::Done; }, kTimeout);
  REQUIRE(s->state == RunState::Done);
  return s;
}

}  // namespace

TEST_CASE(
    "stop message: which epoch, which batch, exactly (not 'after 7 epoch(s) and 12 batch(es)')") {
  // 7 epochs done, the 8th ran all 12 of its batches but has not closed (validation pending).
  CHECK(format_stopped(7, 25, 12, 12) ==
        "Stopped in epoch 8 of 25, after batch 12 of 12: weights and history kept");
  CHECK(format_stopped(0, 3, 1, 5) ==
        "Stopped in epoch 1 of 3, after batch 1 of 5: weights and history kept");
  CHECK(format_stopped(7, 25, 0, 12) == "Stopped after epoch 7 of 25: weights and history kept");
  CHECK(format_stopped(0, 25, 0, 12) == "Stopped before the first batch: weights and history kept");
}

TEST_CASE("worker: load, one batch, start, pause, stop, reset, finish") {
  test::TempDir tmp("worker");
  std::string dir = make_folder(tmp);
  TrainingWorker w;
  CHECK(w.latest()->state == RunState::Empty);

  SnapshotPtr s = load(w, dir, 3);
  CHECK(s->class_names == std::vector<std::string>{"bright", "dark"});
  CHECK(s->split.train.size() + s->split.val.size() + s->split.test.size() == 48);
  CHECK(s->data->size() == 48);
  REQUIRE(!s->conv_kernels.empty());
  CHECK(s->conv_kernels[0].values == s->conv_kernels_init[0].values);
  CHECK(s->probe_index == s->split.test.front());
  REQUIRE(!s->activations.empty());
  CHECK(s->activations[0].name == "conv2d");
  CHECK(s->activations[0].shape == std::vector<int>{12, 12, 4});
  CHECK(s->activations[0].values.size() == 12u * 12u * 4u);
  CHECK(s->probe_probs.size() == 2);
  CHECK(s->estimated_epoch_s > 0);
  std::vector<float> init = s->conv_kernels[0].values;

  // One batch: exactly one loss recorded, then paused; the weights moved.
  w.send({Command::OneBatch});
  s = w.wait_until(
      [](const Snapshot& s) { return s.batch_losses.size() == 1 && s.state == RunState::Paused; },
      kTimeout);
  REQUIRE(s->batch_losses.size() == 1);
  CHECK(s->batch == 1);
  CHECK(s->conv_kernels[0].values != init);
  CHECK(s->history.epochs.empty());

  // One epoch: finishes the epoch, validation evaluated, confusion matrix filled.
  w.send({Command::OneEpoch});
  s = w.wait_until(
      [](const Snapshot& s) { return s.history.epochs.size() == 1 && s.state == RunState::Paused; },
      kTimeout);
  REQUIRE(s->history.epochs.size() == 1);
  CHECK(s->val_eval.epoch == 1);
  int total = 0;
  for (int v : s->val_eval.confusion) total += v;
  CHECK(total == int(s->split.val.size()));

  // Stop mid-epoch (after one more batch): weights and history kept.
  size_t per_epoch = size_t(s->num_batches);
  CHECK(s->batch_losses.size() == per_epoch);
  w.send({Command::OneBatch});
  s = w.wait_until(
      [&](const Snapshot& s) {
        return s.batch_losses.size() == per_epoch + 1 && s.state == RunState::Paused;
      },
      kTimeout);
  w.send({Command::Stop});
  s = w.wait_until([](const Snapshot& s) { return s.state == RunState::Done; }, kTimeout);
  CHECK(s->history.epochs.size() == 1);
  CHECK(s->batch == 1);
  CHECK(s->status == "Stopped in epoch 2 of " + std::to_string(s->epochs) + ", after batch 1 of " +
                         std::to_string(s->num_batches) + ": weights and history kept");
  CHECK(s->conv_kernels[0].values != init);

  // Reset: same seed → the same initial weights; history cleared.
  w.send({Command::Reset});
  s = w.wait_until(
      [](const Snapshot& s) {
        return s.history.epochs.empty() && s.batch_losses.empty() && s.state == RunState::Ready;
      },
      kTimeout);
  CHECK(s->conv_kernels[0].values == init);

  // Start runs to the end: 3 epochs, the test split evaluated.
  w.send({Command::Start});
  s = w.wait_until(
      [](const Snapshot& s) { return s.state == RunState::Done && s.test_eval.epoch == 3; },
      kTimeout);
  CHECK(s->history.epochs.size() == 3);
  CHECK(s->test_eval.indices.size() == s->split.test.size());
  CHECK(has(s->status, "Test-accuracy"));

  // Probe: choose another image; activations recomputed for it.
  int other = s->split.train.front();
  uint64_t v = s->activations_version;
  w.send({Command::SetProbe, {}, {}, other});
  s = w.wait_until([&](const Snapshot& s) { return s.activations_version > v; }, kTimeout);
  CHECK(s->probe_index == other);
}

TEST_CASE(
    "worker: Pause arrives after exactly that batch; the snapshot has the current weights; Resume "
    "ends as an uninterrupted run") {
  test::TempDir tmp("worker_pause");
  std::string dir = make_folder(tmp);
  SnapshotPtr ref = reference_run(dir, 2);

  TrainingWorker w;
  TrainingWorker::TestHooks hooks;
  hooks.after_batch = [&](int epoch, int batch, int) {
    if (epoch == 1 && batch == 2)
      w.send({Command::Pause});  // as if clicked during batch 2 of epoch 2
  };
  w.set_test_hooks(hooks);
  SnapshotPtr s = load(w, dir, 2);
  const size_t per_epoch = size_t(s->num_batches);
  REQUIRE(per_epoch == 5);
  w.send({Command::Start});
  s = w.wait_until([](const Snapshot& s) { return s.state == RunState::Paused; }, kTimeout);
  REQUIRE(s->state == RunState::Paused);
  CHECK(s->status == "Paused in epoch 2");
  CHECK(s->batch_losses.size() == per_epoch + 2);
  CHECK(s->batch == 2);
  CHECK(s->history.epochs.size() == 1);

  // Regression: Pause published the kernels of the last throttled publish, not the weights it
  // paused on.
  std::string path = tmp / "paused.safetensors";
  SnapshotPtr saved = send_and_wait(w, {Command::SaveCheckpoint, {}, path}, "Saved ");
  CHECK(saved->status == "Saved " + path);
  CHECK(s->conv_kernels[0].values == checkpoint_conv_kernel(path));

  w.send({Command::Resume});
  s = w.wait_until([](const Snapshot& s) { return s.state == RunState::Done; }, kTimeout);
  REQUIRE(s->state == RunState::Done);
  CHECK(s->batch_losses == ref->batch_losses);  // same seed, same threads: bit for bit
  REQUIRE(s->history.epochs.size() == 2);
  CHECK(s->history.epochs[1].loss == ref->history.epochs[1].loss);
  CHECK(s->history.epochs[1].val_loss == ref->history.epochs[1].val_loss);
  CHECK(s->conv_kernels[0].values == ref->conv_kernels[0].values);
  CHECK(s->test_eval.loss == ref->test_eval.loss);
}

TEST_CASE(
    "worker: Stop arriving with an epoch's last batch stops after that epoch, with its weights") {
  test::TempDir tmp("worker_stop_edge");
  std::string dir = make_folder(tmp);
  SnapshotPtr ref = reference_run(dir, 3);

  TrainingWorker w;
  TrainingWorker::TestHooks hooks;
  hooks.after_batch = [&](int epoch, int batch, int num_batches) {
    if (epoch == 0 && batch == num_batches)
      w.send({Command::Stop});  // queued before the epoch finishes
  };
  w.set_test_hooks(hooks);
  SnapshotPtr s = load(w, dir, 3);
  const size_t per_epoch = size_t(s->num_batches);
  w.send({Command::Start});
  s = w.wait_until([](const Snapshot& s) { return s.state == RunState::Done; }, kTimeout);
  REQUIRE(s->state == RunState::Done);
  // The epoch that was finishing is finished (validation included), and nothing after it ran.
  CHECK(s->history.epochs.size() == 1);
  CHECK(s->val_eval.epoch == 1);
  CHECK(s->batch_losses.size() == per_epoch);
  CHECK(s->epoch == 1);
  // Regression: said "1 epoch(s) and 5 batch(es)", counting the finished epoch's batches twice.
  CHECK(s->status ==
        "Stopped after epoch 1 of " + std::to_string(s->epochs) + ": weights and history kept");
  // Regression: the epoch-end publish was skipped for the queued Stop, and Stop kept stale kernels.
  std::string path = tmp / "stopped.safetensors";
  send_and_wait(w, {Command::SaveCheckpoint, {}, path}, "Saved ");
  CHECK(s->conv_kernels[0].values == checkpoint_conv_kernel(path));
  CHECK(s->history.epochs[0].loss == ref->history.epochs[0].loss);

  // Start after Stop continues where it stopped and ends as the uninterrupted run did.
  w.send({Command::Start});
  s = w.wait_until(
      [](const Snapshot& s) { return s.state == RunState::Done && s.history.epochs.size() == 3; },
      kTimeout);
  REQUIRE(s->history.epochs.size() == 3);
  CHECK(s->batch_losses == ref->batch_losses);
  CHECK(s->test_eval.loss == ref->test_eval.loss);
}

TEST_CASE(
    "worker: Stop arriving with the final epoch's last batch keeps the completed run's result") {
  test::TempDir tmp("worker_stop_final");
  std::string dir = make_folder(tmp);
  TrainingWorker w;
  int probe = -1;
  TrainingWorker::TestHooks hooks;
  hooks.after_batch = [&](int epoch, int batch, int num_batches) {
    if (epoch == 0 && batch == num_batches) {
      w.send({Command::Stop});
      w.send({Command::SetProbe,
              {},
              {},
              probe});  // answered after Stop: tells the test Stop was handled
    }
  };
  w.set_test_hooks(hooks);
  SnapshotPtr s = load(w, dir, 1);
  probe = s->split.train.front();
  w.send({Command::Start});
  s = w.wait_until([&](const Snapshot& s) { return s.probe_index == probe; }, kTimeout);
  REQUIRE(s->probe_index == probe);
  CHECK(s->state == RunState::Done);
  CHECK(s->history.epochs.size() == 1);
  CHECK(s->test_eval.epoch == 1);
  // Regression: the Stop that lost the race overwrote "Done: 1 epochs. Test-loss: …" with "Stopped
  // …".
  CHECK(s->status.rfind("Done: 1 epochs. Test-loss: ", 0) == 0);
}

TEST_CASE("worker: Evaluate scores the test split with the current weights") {
  test::TempDir tmp("worker_eval");
  std::string dir = make_folder(tmp);
  TrainingWorker w;
  w.send({Command::Evaluate});
  SnapshotPtr s =
      w.wait_until([](const Snapshot& s) { return s.status == "Load a dataset first"; }, kTimeout);
  CHECK(s->status == "Load a dataset first");

  s = load(w, dir, 1);
  CHECK(s->test_eval.epoch == -1);
  s = send_and_wait(w, {Command::Evaluate}, "Test-loss: ");
  CHECK(s->test_eval.split == "test");
  CHECK(s->test_eval.epoch == 0);
  CHECK(s->test_eval.indices == s->split.test);
  CHECK(s->test_eval.predicted.size() == s->split.test.size());
  CHECK(s->test_eval.probs.size() == s->split.test.size() * 2);
  int total = 0;
  for (int v : s->test_eval.confusion) total += v;
  CHECK(total == int(s->split.test.size()));
  char line[128];
  std::snprintf(line, sizeof line, "Test-loss: %.4f, Test-accuracy: %.4f", s->test_eval.loss,
                s->test_eval.accuracy);
  CHECK(s->status == line);
  const double untrained = s->test_eval.loss;

  // After the run, Evaluate gives exactly the evaluation the run ended with (same weights).
  w.send({Command::Start});
  s = w.wait_until([](const Snapshot& s) { return s.state == RunState::Done; }, kTimeout);
  REQUIRE(s->test_eval.epoch == 1);
  SplitEval at_end = s->test_eval;
  CHECK(at_end.loss != untrained);
  s = send_and_wait(w, {Command::Evaluate}, "Test-loss: ");
  CHECK(s->test_eval.loss == at_end.loss);
  CHECK(s->test_eval.predicted == at_end.predicted);
  CHECK(s->test_eval.probs == at_end.probs);
}

TEST_CASE("worker: a Pause during Evaluate keeps the last complete evaluation") {
  test::TempDir tmp("worker_eval_pause");
  std::string dir = make_folder(tmp);
  TrainingWorker w;
  std::atomic<bool> pause_in_eval{false};
  TrainingWorker::TestHooks hooks;
  hooks.before_evaluate = [&] {
    if (pause_in_eval.load()) w.send({Command::Pause});  // as if clicked while the pass runs
  };
  w.set_test_hooks(hooks);
  SnapshotPtr s = load(w, dir, 1);
  s = send_and_wait(w, {Command::Evaluate}, "Test-loss: ");
  const SplitEval complete = s->test_eval;
  REQUIRE(complete.indices.size() == s->split.test.size());

  pause_in_eval.store(true);
  s = send_and_wait(w, {Command::Evaluate},
                    "Paused in epoch 1");  // the hook's Pause follows Evaluate
  CHECK(s->state == RunState::Paused);
  // Regression: the interrupted pass (0 images) replaced the test evaluation with an empty, NaN
  // one.
  CHECK(s->test_eval.indices == complete.indices);
  CHECK(s->test_eval.loss == complete.loss);
  CHECK(s->test_eval.confusion == complete.confusion);
}

TEST_CASE(
    "worker: SaveCheckpoint / LoadCheckpoint round-trip the weights; bad files are errors that "
    "keep the run") {
  test::TempDir tmp("worker_ckpt");
  std::string dir = make_folder(tmp);
  TrainingWorker w;
  SnapshotPtr s = load(w, dir, 2);
  const std::vector<float> init = s->conv_kernels[0].values;
  std::string path = tmp / "init.safetensors";
  send_and_wait(w, {Command::SaveCheckpoint, {}, path}, "Saved ");
  CHECK(fs::is_regular_file(path));
  CHECK(checkpoint_conv_kernel(path) == init);

  w.send({Command::OneBatch});
  s = w.wait_until(
      [](const Snapshot& s) { return s.batch_losses.size() == 1 && s.state == RunState::Paused; },
      kTimeout);
  REQUIRE(s->conv_kernels[0].values != init);
  uint64_t wv = s->weights_version;
  s = send_and_wait(w, {Command::LoadCheckpoint, {}, path}, "Loaded ");
  CHECK(s->status == "Loaded " + path + ": 0 epoch(s) trained");
  CHECK(s->conv_kernels[0].values == init);
  CHECK(s->weights_version > wv);
  CHECK(s->batch_losses.empty());  // the checkpoint's history: saved before any batch
  CHECK(s->state == RunState::Ready);

  // A missing file: an error naming it; the run and its weights stay.
  std::string missing = tmp / "missing.safetensors";
  w.send({Command::LoadCheckpoint, {}, missing});
  s = w.wait_until([&](const Snapshot& s) { return has(s.error, missing); }, kTimeout);
  CHECK(has(s->error, missing));
  CHECK(s->state == RunState::Ready);  // as the loaded checkpoint left it
  CHECK(s->conv_kernels[0].values == init);

  // Another architecture: refused before any weight changes, naming the file.
  Model other = build_preset("small", 12, 2);
  other.allocate(1, false);
  other.init(7);
  std::string small = tmp / "small.safetensors";
  save_safetensors(small, other);
  w.send({Command::LoadCheckpoint, {}, small});
  s = w.wait_until([&](const Snapshot& s) { return has(s.error, small); }, kTimeout);
  CHECK(has(s->error, small));
  CHECK(s->conv_kernels[0].values == init);

  // Saving into a folder that does not exist: an error naming the path.
  std::string nowhere = tmp / "no_such_folder/x.safetensors";
  w.send({Command::SaveCheckpoint, {}, nowhere});
  s = w.wait_until([&](const Snapshot& s) { return has(s.error, nowhere); }, kTimeout);
  CHECK(has(s->error, nowhere));
  CHECK(!fs::exists(nowhere));

  // The worker still trains after all that.
  w.send({Command::OneBatch});
  s = w.wait_until(
      [](const Snapshot& s) { return s.batch_losses.size() == 1 && s.state == RunState::Paused; },
      kTimeout);
  CHECK(s->batch_losses.size() == 1);
  CHECK(s->error.empty());
}

TEST_CASE(
    "worker: SetRefresh N publishes a training snapshot every N batches (and at the epoch's end)") {
  test::TempDir tmp("worker_refresh");
  std::string dir = make_folder(tmp);
  TrainingWorker w;
  std::vector<uint64_t> seen_version;  // the newest snapshot's version as each batch finishes
  std::vector<size_t> seen_losses;     // and how many batch losses it showed
  TrainingWorker::TestHooks hooks;
  hooks.min_publish_interval_s = 0;  // no time throttle: the count alone decides
  hooks.after_batch = [&](int, int, int) {
    SnapshotPtr s = w.latest();
    seen_version.push_back(s->version);
    seen_losses.push_back(s->batch_losses.size());
  };
  w.set_test_hooks(hooks);
  w.send({Command::SetRefresh, {}, {}, 2});  // allowed before Load
  SnapshotPtr s = load(w, dir, 1);
  REQUIRE(s->num_batches == 5);
  w.send({Command::Start});
  s = w.wait_until([](const Snapshot& s) { return s.state == RunState::Done; }, kTimeout);
  REQUIRE(seen_version.size() == 5);
  // Start publishes "Training" (0 losses); then batches 2 and 4 publish; batch 5 ends the epoch.
  CHECK(seen_losses == std::vector<size_t>{0, 0, 2, 2, 4});
  CHECK(seen_version[1] == seen_version[0]);
  CHECK(seen_version[2] == seen_version[1] + 1);
  CHECK(seen_version[3] == seen_version[2]);
  CHECK(seen_version[4] == seen_version[3] + 1);
  CHECK(s->batch_losses.size() == 5);

  // SetRefresh 0 means every batch (clamped to 1).
  seen_version.clear();
  seen_losses.clear();
  w.send({Command::SetRefresh, {}, {}, 0});
  w.send({Command::Reset});
  s = w.wait_until(
      [](const Snapshot& s) { return s.state == RunState::Ready && s.batch_losses.empty(); },
      kTimeout);
  w.send({Command::Start});
  s = w.wait_until([](const Snapshot& s) { return s.state == RunState::Done; }, kTimeout);
  CHECK(seen_losses == std::vector<size_t>{0, 1, 2, 3, 4});
}

TEST_CASE("worker: a bad folder is an error in the snapshot, and the worker keeps going") {
  TrainingWorker w;
  w.send({Command::Load, settings("/nonexistent/cnnlab/data", 1)});
  SnapshotPtr s =
      w.wait_until([](const Snapshot& s) { return s.state == RunState::Error; }, kTimeout);
  REQUIRE(s->state == RunState::Error);
  CHECK(has(s->error, "/nonexistent/cnnlab/data"));
  // Commands that need a model are answered, not crashed on.
  w.send({Command::Start});
  s = w.wait_until([](const Snapshot& s) { return s.status == "Load a dataset first"; }, kTimeout);
  CHECK(s->status == "Load a dataset first");
}

TEST_CASE(
    "worker: a checkpoint saved by the CLI path (Trainer + --save) loads with its history, epochs "
    "and matrices") {
  test::TempDir tmp("worker_cli_ckpt");
  std::string dir = make_folder(tmp);
  // What `cnnlab train --save` does (cli_engine.cpp run_train/finish_train), on the same folder.
  const RunSettings rs = settings(dir, 2);
  LoadOptions opt;
  opt.image_size = rs.image_size;
  opt.threads = rs.threads;
  LoadReport report;
  Dataset ds = load_image_folder(dir, opt, &report);
  Split split = make_split(ds, rs.test_size, rs.validation_split, uint32_t(rs.seed));
  Scaling sc = compute_scaling(ds, split.train);
  Model model = build_preset(rs.preset, rs.image_size, 2);
  model.set_threads(rs.threads);
  model.allocate(rs.batch_size);
  model.init(rs.seed);
  Trainer trainer(model, ds, split, sc,
                  TrainConfig{rs.epochs, rs.batch_size, rs.learning_rate, rs.seed});
  std::atomic<bool> stop{false};
  REQUIRE(trainer.fit({}, stop).reason == StopReason::Completed);
  EvalResult t = trainer.evaluate(split.test);
  auto meta = checkpoint_metadata(ds.class_names, sc, rs, trainer.epoch());
  add_run_record(
      meta, run_record_of(trainer, rs, make_split_eval("test", trainer.epoch(), split.test, t)));
  std::string path = tmp / "cli.safetensors";
  save_safetensors(path, model, meta);

  // The window: load the same folder with 4 epochs planned, then the checkpoint.
  TrainingWorker w;
  SnapshotPtr s = load(w, dir, 4);
  REQUIRE(s->split.val == split.val);
  s = send_and_wait(w, {Command::LoadCheckpoint, {}, path}, "Loaded ");
  CHECK(s->status == "Loaded " + path + ": 2 epoch(s) trained");
  CHECK(s->state == RunState::Paused);
  CHECK(s->epoch == 2);
  REQUIRE(s->history.epochs.size() == 2);
  for (size_t e = 0; e < 2; ++e) {
    CHECK(s->history.epochs[e].epoch == int(e));
    CHECK(s->history.epochs[e].loss == trainer.history().epochs[e].loss);
    CHECK(s->history.epochs[e].accuracy == trainer.history().epochs[e].accuracy);
    CHECK(s->history.epochs[e].val_loss == trainer.history().epochs[e].val_loss);
    CHECK(s->history.epochs[e].val_accuracy == trainer.history().epochs[e].val_accuracy);
  }
  CHECK(s->batch_losses == trainer.batch_losses());
  CHECK(s->batch_epoch == trainer.batch_epoch());
  CHECK(s->batch_losses.size() == 10);  // 2 epochs of 5 batches
  CHECK(s->val_eval.epoch == 2);
  CHECK(s->val_eval.indices == split.val);
  CHECK(s->val_eval.confusion == trainer.last_val_eval().confusion);
  CHECK(s->val_eval.predicted == trainer.last_val_eval().predicted);
  CHECK(s->test_eval.epoch == 2);
  CHECK(s->test_eval.confusion == t.confusion);
  CHECK(s->test_eval.predicted == t.predicted);
  CHECK(s->test_eval.probs == t.probs);
  CHECK(s->test_eval.loss == t.loss);
  CHECK(s->conv_kernels[0].values == checkpoint_conv_kernel(path));

  // Training goes on from epoch 3: the count continues, the curves grow from where they were.
  w.send({Command::OneEpoch});
  s = w.wait_until(
      [](const Snapshot& s) { return s.history.epochs.size() == 3 && s.state == RunState::Paused; },
      kTimeout);
  REQUIRE(s->history.epochs.size() == 3);
  CHECK(s->history.epochs[2].epoch == 2);
  CHECK(s->epoch == 3);
  CHECK(s->batch_losses.size() == 15);
  CHECK(s->batch_epoch.back() == 3.f);
  CHECK(s->val_eval.epoch == 3);

  // Saved again from the window and loaded into a fresh one: the same three epochs.
  std::string again = tmp / "again.safetensors";
  send_and_wait(w, {Command::SaveCheckpoint, {}, again}, "Saved ");
  TrainingWorker w2;
  load(w2, dir, 3);
  SnapshotPtr s2 = send_and_wait(w2, {Command::LoadCheckpoint, {}, again}, "Loaded ");
  CHECK(s2->status == "Loaded " + again + ": 3 epoch(s) trained (raise Epochs to train on)");
  CHECK(s2->state == RunState::Done);
  CHECK(s2->batch_losses == s->batch_losses);
  CHECK(s2->val_eval.confusion == s->val_eval.confusion);
  CHECK(s2->test_eval.confusion == t.confusion);  // the CLI's test pass, carried through
}

TEST_CASE("worker: an old checkpoint without history still loads (weights only)") {
  test::TempDir tmp("worker_old_ckpt");
  std::string dir = make_folder(tmp);
  const std::string old =
      std::string(CNNLAB_SOURCE_DIR) + "/tests/train/data/old_format.safetensors";
  const auto meta = read_safetensors_metadata(old);
  REQUIRE(meta.count("cnnlab.epochs_completed"));
  REQUIRE_FALSE(read_run_record(meta, old, 2).present);
  TrainingWorker w;
  SnapshotPtr s = load(w, dir, 2);
  w.send({Command::OneBatch});
  s = w.wait_until(
      [](const Snapshot& s) { return s.batch_losses.size() == 1 && s.state == RunState::Paused; },
      kTimeout);
  s = send_and_wait(w, {Command::LoadCheckpoint, {}, old}, "Loaded ");
  CHECK(s->status == "Loaded weights from " + old + " (an older checkpoint: it holds no history)");
  CHECK(s->error.empty());
  CHECK(s->conv_kernels[0].values == checkpoint_conv_kernel(old));
  CHECK(s->batch_losses.size() == 1);  // nothing to restore: the run's own history stays
  CHECK(s->state == RunState::Paused);
}

TEST_CASE(
    "worker: ApplySettings changes epochs, learning rate and batch size without a reload, as if "
    "loaded with them") {
  test::TempDir tmp("worker_apply");
  std::string dir = make_folder(tmp);
  RunSettings want = settings(dir, 2);
  want.batch_size = 16;  // above the 8 the model was allocated for: it is re-allocated
  want.learning_rate = 0.05f;
  SnapshotPtr ref = [&] {
    TrainingWorker b;
    load(b, want);
    b.send({Command::Start});
    return b.wait_until([](const Snapshot& s) { return s.state == RunState::Done; }, kTimeout);
  }();
  REQUIRE(ref->state == RunState::Done);

  TrainingWorker w;
  SnapshotPtr s = load(w, dir, 1);
  const Dataset* data = s->data.get();
  s = send_and_wait(w, {Command::ApplySettings, want}, "Applied ");
  CHECK(s->status ==
        "Applied epochs, batch size, learning rate (the model was re-allocated for the "
        "larger batch: Adam's moments restart)");
  CHECK(s->data.get() == data);  // not decoded again
  CHECK(s->settings.learning_rate == 0.05f);
  CHECK(s->settings.batch_size == 16);
  CHECK(s->epochs == 2);
  CHECK(s->num_batches == 3);  // 34 training images in batches of 16
  w.send({Command::Start});
  s = w.wait_until([](const Snapshot& s) { return s.state == RunState::Done; }, kTimeout);
  CHECK(s->data.get() == data);
  CHECK(s->batch_losses == ref->batch_losses);
  REQUIRE(s->history.epochs.size() == 2);
  CHECK(s->history.epochs[1].val_loss == ref->history.epochs[1].val_loss);
  CHECK(s->conv_kernels[0].values == ref->conv_kernels[0].values);

  // Raising Epochs after the run is done: Train goes on, no reload.
  want.epochs = 3;
  s = send_and_wait(w, {Command::ApplySettings, want}, "Applied ");
  CHECK(s->state == RunState::Paused);
  w.send({Command::Start});
  s = w.wait_until(
      [](const Snapshot& s) { return s.state == RunState::Done && s.history.epochs.size() == 3; },
      kTimeout);
  CHECK(s->history.epochs.size() == 3);
  CHECK(s->data.get() == data);
}

TEST_CASE(
    "worker: a batch size applied mid-epoch takes effect at the next epoch; reload settings are "
    "reported, not applied") {
  test::TempDir tmp("worker_apply_mid");
  std::string dir = make_folder(tmp);
  TrainingWorker w;
  RunSettings want = settings(dir, 2);
  want.batch_size = 4;
  want.seed = 7;
  want.threads = 1;
  want.image_size = 16;
  want.test_size = 0.3;
  TrainingWorker::TestHooks hooks;
  hooks.after_batch = [&](int epoch, int batch, int) {
    if (epoch == 0 && batch == 2) w.send({Command::ApplySettings, want});
  };
  w.set_test_hooks(hooks);
  SnapshotPtr s = load(w, dir, 2);
  const Dataset* data = s->data.get();
  w.send({Command::Start});
  s = w.wait_until([](const Snapshot& s) { return s.state == RunState::Done; }, kTimeout);
  REQUIRE(s->state == RunState::Done);
  CHECK(s->batch_losses.size() == 5 + 9);  // epoch 1 in batches of 8, epoch 2 in batches of 4
  CHECK(s->num_batches == 9);
  CHECK(s->settings.batch_size == 4);
  CHECK(s->settings.seed == 7);
  CHECK(s->split_seed == 42);  // the split stays as loaded
  CHECK(s->settings.threads == 1);
  CHECK(s->settings.image_size == 12);  // needs a reload: not applied
  CHECK(s->settings.test_size == 0.2);
  CHECK(s->data.get() == data);

  s = send_and_wait(w, {Command::ApplySettings, want}, "No setting to apply");
  CHECK(s->status ==
        "No setting to apply; Reload data (image size, test size changed) to use the rest");

  // An impossible value is reported and changes nothing.
  want.learning_rate = -1;
  s = send_and_wait(w, {Command::ApplySettings, want}, "Not applied: ");
  CHECK(has(s->error, "--learning-rate"));
  CHECK(s->settings.learning_rate == 0.01f);
  CHECK(s->state == RunState::Done);
}

TEST_CASE("worker: Inspect gives a probe output's arithmetic on the weights its maps came from") {
  test::TempDir tmp("worker_inspect");
  std::string dir = make_folder(tmp);
  TrainingWorker w;
  // No snapshot between batches (refresh 1000, a huge interval): after batch 2 the published maps
  // are the initial weights' while the model has moved; Inspect must recompute them first.
  SnapshotPtr seen;
  TrainingWorker::TestHooks hooks;
  hooks.min_publish_interval_s = 1e9;
  hooks.after_batch = [&](int epoch, int batch, int) {
    if (epoch == 0 && batch == 2) {
      Command c{Command::Inspect};
      c.layer = "conv2d", c.y = 0, c.x = 11, c.index = 3;  // a border pixel: padding in the window
      w.send(c);
    }
    if (epoch == 0 && batch == 3) seen = w.latest();  // what Inspect published, before batch 3's
  };
  w.set_test_hooks(hooks);
  SnapshotPtr s = load(w, dir, 1);
  uint64_t loaded_version = s->activations_version;
  w.send({Command::SetRefresh, {}, {}, 1000});
  w.send({Command::Start});
  s = w.wait_until([](const Snapshot& s) { return s.state == RunState::Done; }, kTimeout);
  REQUIRE(seen);
  REQUIRE(seen->inspect);
  const OutputArithmetic& a = *seen->inspect;
  CHECK(seen->activations_version > loaded_version);  // recomputed for the moved weights
  CHECK(a.layer == "conv2d");
  CHECK(a.kh == 3);
  CHECK(a.padded == std::vector<uint8_t>{1, 1, 1, 0, 0, 1, 0, 0, 1});
  // The map's value at (0, 11, 3) in the same snapshot is the engine's, and the arithmetic's.
  float map = seen->activations[0].values[(0 * 12 + 11) * 4 + 3];
  CHECK(a.engine == map);
  CHECK(std::fabs(a.result - map) <= 1e-5f * std::max(std::fabs(map), 1e-2f));

  // Dense softmax unit and an unknown layer (no arithmetic, no error).
  Command d{Command::Inspect};
  d.layer = "dense", d.index = 1;
  w.send(d);
  s = w.wait_until([](const Snapshot& s) { return s.inspect && s.inspect->layer == "dense"; },
                   kTimeout);
  REQUIRE(s->inspect);
  CHECK(s->inspect->probs.size() == 2);
  CHECK(s->inspect->engine == s->probe_probs[1]);
  CHECK(std::fabs(s->inspect->result - s->probe_probs[1]) <= 1e-5f);
  Command bad{Command::Inspect};
  bad.layer = "nope";
  uint64_t v = s->version;
  w.send(bad);
  s = w.wait_until([&](const Snapshot& s) { return s.version > v; }, kTimeout);
  CHECK(!s->inspect);
  CHECK(s->error.empty());
}
