// train/worker.h — the training worker thread: takes commands through a queue, trains batch by
// batch, publishes immutable snapshots. The UI never waits on it: it reads latest() and sends
// commands.
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "train/snapshot.h"

namespace cnnlab {

struct Command {
  enum Kind {
    Load,   // settings → load dataset, build + allocate + init the model (state Ready)
    Start,  // train until `epochs` are done (or Pause/Stop)
    Pause,  // stop after the current batch; Start/Resume continues
    Resume,
    OneBatch,  // train exactly one batch, then pause
    OneEpoch,  // train to the end of the current epoch, then pause
    Stop,      // stop after the current batch; keeps weights and history (like Pause, but final)
    Reset,     // re-initialise the weights with the seed, clear history (data stays loaded)
    SetProbe,  // probe image = `index` (a dataset index); recomputes its activations
    Evaluate,  // evaluate the test split now
    SaveCheckpoint,  // `path`: safetensors, atomically, with the run's record (run_record.h)
    LoadCheckpoint,  // `path`: weights (model must match the loaded settings' architecture), and
                     // the run's history, epoch count and evaluations when the file has them
    ApplySettings,   // `settings`: epochs, batch size, learning rate, seed and threads, between
                     // batches (batch size and seed from the next epoch); the others need a Load
    SetRefresh,      // publish a snapshot every `index` batches (>= 1)
    SetRunsDir,      // `path`: record each run that ends (Done, Stop, quit) there; "" = none
    StartSeeds,      // `index` = N: from the current seed S, train S, S+1, ..., S+N-1 one after
                     // the other, each with its own split, initialisation and shuffles, each
                     // recorded as one run of a group (runs.h); Stop ends the series
    Inspect,  // the probe's output (y, x, index) of layer `layer`: its arithmetic (nn/inspect.h)
              // in Snapshot::inspect, on the weights the probe's maps were computed with
    SetProbeImage,  // `path`: an image file of the user's own becomes the probe (decoded and
                    // resized as the dataset loader does); a bad file sets `error` with the
                    // loader's message and leaves the probe (and training) as they were
    SetExplain,     // `explain`: the probe's Grad-CAM/saliency on or off, method and class
    Quit
  } kind;
  RunSettings settings;  // Load, ApplySettings
  std::string path;      // Save/LoadCheckpoint
  int index = 0;         // SetProbe / SetRefresh / Inspect (the output channel or unit)
  std::string layer;     // Inspect: the layer's name ("conv2d_1")
  int y = 0, x = 0;      // Inspect: the output row and column
  // SetExplain
  ExplainRequest explain;
};

class TrainingWorker {
 public:
  TrainingWorker();  // starts the thread (idle, state Empty)
  // As above; `nice` > 0 lowers the training thread's scheduling priority (Linux nice, inherited by
  // the OpenMP threads it starts), so a window's short frames are not delayed behind training.
  explicit TrainingWorker(int nice);
  ~TrainingWorker();  // stops training after the current batch and joins

  void send(Command c);        // never blocks on training
  SnapshotPtr latest() const;  // the newest snapshot (never null)
  // Blocks until pred(latest()) holds or `timeout_s` passes; returns the last snapshot seen.
  // For tests and the headless screenshot path (no sleeps as synchronisation).
  SnapshotPtr wait_until(const std::function<bool(const Snapshot&)>& pred, double timeout_s) const;

  // For tests: hooks that make races deterministic. Set them before the first send() (the queue's
  // mutex then orders the write before the worker reads them); never while training runs.
  struct TestHooks {
    // Runs on the worker thread after each trained batch, before its epoch is finished (epoch
    // 0-based, batch 1-based). It may send(): the command then arrives exactly at that boundary.
    std::function<void(int epoch, int batch, int num_batches)> after_batch;
    // Runs on the worker thread as an Evaluate command begins its pass over the test split.
    std::function<void()> before_evaluate;
    // While training, snapshots go out at most this often (SetRefresh's every-N-batches on top);
    // 0 makes SetRefresh exact.
    double min_publish_interval_s = 0.2;
  };
  void set_test_hooks(TestHooks hooks);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cnnlab
