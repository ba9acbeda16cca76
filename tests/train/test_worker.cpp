// tests/train/test_worker.cpp — the training worker: load, one batch, start/pause, stop mid-epoch,
// reset, run to the end; every wait is on a snapshot predicate (condition variable), never a sleep.
#include <doctest/doctest.h>

#include <filesystem>

#include "core/rng.h"
#include "data/image.h"
#include "train/worker.h"

using namespace cnnlab;
namespace fs = std::filesystem;

namespace {

// Two classes of 12×12 PNGs written to a temp folder: dark vs bright squares, with noise.
std::string make_folder() {
  fs::path dir = fs::temp_directory_path() / "cnnlab_test_worker";
  fs::remove_all(dir);
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

}  // namespace

TEST_CASE("worker: load, one batch, start, pause, stop, reset, finish") {
  std::string dir = make_folder();
  TrainingWorker w;
  CHECK(w.latest()->state == RunState::Empty);

  w.send({Command::Load, settings(dir, 3)});
  SnapshotPtr s = w.wait_until([](const Snapshot& s) { return s.state == RunState::Ready || s.state == RunState::Error; }, kTimeout);
  REQUIRE_MESSAGE(s->state == RunState::Ready, s->status);
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
  s = w.wait_until([](const Snapshot& s) { return s.batch_losses.size() == 1 && s.state == RunState::Paused; }, kTimeout);
  REQUIRE(s->batch_losses.size() == 1);
  CHECK(s->batch == 1);
  CHECK(s->conv_kernels[0].values != init);
  CHECK(s->history.epochs.empty());

  // One epoch: finishes the epoch, validation evaluated, confusion matrix filled.
  w.send({Command::OneEpoch});
  s = w.wait_until([](const Snapshot& s) { return s.history.epochs.size() == 1 && s.state == RunState::Paused; }, kTimeout);
  REQUIRE(s->history.epochs.size() == 1);
  CHECK(s->val_eval.epoch == 1);
  int total = 0;
  for (int v : s->val_eval.confusion) total += v;
  CHECK(total == int(s->split.val.size()));

  // Stop mid-epoch (after one more batch): weights and history kept.
  size_t per_epoch = size_t(s->num_batches);
  CHECK(s->batch_losses.size() == per_epoch);
  w.send({Command::OneBatch});
  s = w.wait_until([&](const Snapshot& s) { return s.batch_losses.size() == per_epoch + 1 && s.state == RunState::Paused; }, kTimeout);
  w.send({Command::Stop});
  s = w.wait_until([](const Snapshot& s) { return s.state == RunState::Done; }, kTimeout);
  CHECK(s->history.epochs.size() == 1);
  CHECK(s->batch == 1);
  CHECK(s->conv_kernels[0].values != init);

  // Reset: same seed → the same initial weights; history cleared.
  w.send({Command::Reset});
  s = w.wait_until([](const Snapshot& s) { return s.history.epochs.empty() && s.batch_losses.empty() && s.state == RunState::Ready; }, kTimeout);
  CHECK(s->conv_kernels[0].values == init);

  // Start runs to the end: 3 epochs, the test split evaluated.
  w.send({Command::Start});
  s = w.wait_until([](const Snapshot& s) { return s.state == RunState::Done && s.test_eval.epoch == 3; }, kTimeout);
  CHECK(s->history.epochs.size() == 3);
  CHECK(s->test_eval.indices.size() == s->split.test.size());
  CHECK(s->status.find("Test-accuracy") != std::string::npos);

  // Probe: choose another image; activations recomputed for it.
  int other = s->split.train.front();
  uint64_t v = s->activations_version;
  w.send({Command::SetProbe, {}, {}, other});
  s = w.wait_until([&](const Snapshot& s) { return s.activations_version > v; }, kTimeout);
  CHECK(s->probe_index == other);
  fs::remove_all(dir);
}

TEST_CASE("worker: a bad folder is an error in the snapshot, and the worker keeps going") {
  TrainingWorker w;
  w.send({Command::Load, settings("/nonexistent/cnnlab/data", 1)});
  SnapshotPtr s = w.wait_until([](const Snapshot& s) { return s.state == RunState::Error; }, kTimeout);
  REQUIRE(s->state == RunState::Error);
  CHECK(s->error.find("/nonexistent/cnnlab/data") != std::string::npos);
  // Commands that need a model are answered, not crashed on.
  w.send({Command::Start});
  s = w.wait_until([](const Snapshot& s) { return s.status == "Load a dataset first"; }, kTimeout);
  CHECK(s->status == "Load a dataset first");
}
