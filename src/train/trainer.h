// train/trainer.h — the training loop over a Model and a Dataset split: batch-by-batch (for the
// GUI's worker thread) or a whole fit (for the CLI). Never prints; reports through return
// values/callbacks.
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/rng.h"
#include "data/dataset.h"
#include "data/split.h"
#include "nn/model.h"
#include "train/batch_prefetch.h"
#include "train/callbacks.h"
#include "train/history.h"

namespace cnnlab {

struct TrainConfig {
  int epochs = 25;
  int batch_size = 32;
  float learning_rate = 0.001f;
  uint64_t seed = 42;  // init and per-epoch shuffles
};

// Where an epoch stands after a batch (Keras progress-bar numbers).
struct BatchProgress {
  int epoch = 0;  // 0-based
  int batch = 0;  // 1-based index of the batch just trained
  int num_batches = 0;
  int samples_done = 0, samples_total = 0;
  double loss = 0, accuracy = 0;  // running means over the epoch so far (sample-weighted)
  double batch_loss = 0;          // this batch's mean loss
  double elapsed_s = 0;           // since the epoch began (training time only)
};

struct EvalResult {
  double loss = 0, accuracy = 0;
  int count = 0;
  std::vector<int> predicted;  // per evaluated index, argmax class
  std::vector<int> confusion;  // classes × classes, row = true label, column = predicted
  std::vector<float> probs;    // (count, classes) softmax outputs
};

enum class StopReason { Completed, Stopped, NonFinite };

struct TrainOutcome {
  StopReason reason = StopReason::Completed;
  std::string message;  // for Stopped / NonFinite: what happened and where (no hint)
  int epochs_completed = 0;
  bool early_stopped = false;  // Completed, ended by EarlyStopping before the last epoch
};

struct TrainCallbacks {
  std::function<void(int epoch)> on_epoch_begin;  // 0-based, before its first batch
  std::function<void(const BatchProgress&)> on_batch;
  std::function<void(const EpochRecord&)> on_epoch;
};

class Trainer {
 public:
  // The model must be allocated for at least cfg.batch_size and initialised (or loaded).
  Trainer(Model& model, const Dataset& data, Split split, Scaling scaling, TrainConfig cfg);

  // ---- step API (the GUI worker drives this) ----
  void begin_epoch();  // shuffles the training indices (seeded), resets running sums
  bool epoch_started() const { return epoch_open_; }
  bool epoch_batches_done() const { return cursor_ >= int(split_.train.size()); }
  // Trains the next batch. If the loss is not finite, returns with `non_finite` set.
  BatchProgress train_batch(bool* non_finite = nullptr);
  EpochRecord end_epoch();  // validation pass, appends to history, advances epoch()

  // Settings changed between batches (the window's Apply): epochs and the learning rate (into
  // Adam) take effect at once; the batch size, and a seed (a fresh shuffle stream from it), at the
  // next begin_epoch(). The model must be allocated for the new batch size.
  void apply_config(const TrainConfig& cfg);
  const TrainConfig& next_config() const { return next_; }  // what the next epoch will use
  // Continues a saved run: its history and per-batch losses; epoch() becomes the number of epochs
  // in `h`, and no epoch is open. The shuffle stream is where an uninterrupted run would be.
  void restore(History h, std::vector<float> batch_losses, std::vector<float> batch_epoch);

  // ---- whole run (the CLI): stops after the current batch when `stop` becomes true ----
  TrainOutcome fit(const TrainCallbacks& cb, const std::atomic<bool>& stop);

  // ---- Keras callbacks (train/callbacks.h), run by end_epoch() in this order ----
  // Those enabled in `fit` replace the current ones, fresh (Keras's on_train_begin); a config equal
  // to the current one keeps its state. The epoch's record then carries its lr (CSVLogger's lr
  // column) when ReduceLROnPlateau runs, and ReduceLROnPlateau sets Adam's lr for the next epoch.
  // The same call takes the [fit] table's CosineDecay schedule (Adam's lr set before every step
  // from the run's learning rate, its epochs and the Adam step count; the record carries the
  // epoch's last lr) and MixUp (each batch blended after augmentation, trained on the blended
  // labels; the running accuracy counts the larger share's class).
  void set_callbacks(const FitConfig& fit);
  void reset_callbacks();  // fresh state, same configs (a new fit() after an early stop)
  // The latest end_epoch()'s EarlyStopping ended the run (and restored the best weights if asked).
  bool early_stopped() const { return early_stopped_; }
  // What the latest end_epoch()'s callbacks said, one line each, as Keras prints them ("" if
  // nothing): "Epoch 00007: ReduceLROnPlateau reducing learning rate to 0.0001."
  const std::string& callback_log() const { return callback_log_; }
  const EarlyStopping* early_stopping() const {
    return early_stopping_ ? &*early_stopping_ : nullptr;
  }

  // ---- the next batch made ahead on a background thread (train/batch_prefetch.h) ----
  // On by default for models with augmentation layers; the trained weights are the same either way.
  void set_prefetch(bool on, int threads = 1);
  const BatchPrefetcher* prefetcher() const { return prefetch_.get(); }  // null when off

  // Loss, accuracy and confusion matrix over `indices` (inference, in batches).
  EvalResult evaluate(const std::vector<int>& indices, const std::atomic<bool>* stop = nullptr);

  const History& history() const { return history_; }
  // Every trained batch's mean loss, and the fractional epoch at its end (x axis), in order.
  const std::vector<float>& batch_losses() const { return batch_losses_; }
  const std::vector<float>& batch_epoch() const { return batch_epoch_; }
  const EvalResult& last_val_eval() const { return last_val_; }  // from the latest end_epoch()
  int epoch() const { return epoch_; }                           // epochs completed
  const Split& split() const { return split_; }
  const Scaling& scaling() const { return scaling_; }
  const TrainConfig& config() const { return cfg_; }  // what the current epoch uses
  Model& model() { return model_; }
  const Dataset& data() const { return data_; }

 private:
  Model& model_;
  const Dataset& data_;
  Split split_;
  Scaling scaling_;
  TrainConfig cfg_, next_;  // next_: applied at the next begin_epoch()
  History history_;
  std::vector<float> batch_losses_, batch_epoch_;
  EvalResult last_val_;
  Rng shuffle_rng_;
  std::vector<int> order_;        // this epoch's training order
  std::vector<float> x_, probs_;  // (batch, H, W, C), (batch, classes)
  CosineDecayConfig cosine_;
  MixUpConfig mixup_;
  std::vector<float> targets_, mix_scratch_;  // MixUp's (batch, classes) labels, batch copy
  std::vector<int> y_;
  int epoch_ = 0, cursor_ = 0, batch_index_ = 0;
  bool epoch_open_ = false;
  double loss_sum_ = 0, correct_ = 0, train_seconds_ = 0;
  std::chrono::steady_clock::time_point epoch_start_;

  std::optional<EarlyStopping> early_stopping_;
  std::optional<ReduceLROnPlateau> reduce_lr_;
  std::vector<float> best_weights_;  // EarlyStopping's kept weights (the whole parameter arena)
  bool early_stopped_ = false;
  std::string callback_log_;
  std::vector<AugmentLayer> augment_;  // the model's Random* layers, in the input's units
  bool prefetch_on_ = true;
  std::unique_ptr<BatchPrefetcher> prefetch_;  // last: destroyed (joined) first

  void resize_batch_buffers();  // x_, y_, probs_ for cfg_.batch_size
  void run_callbacks(EpochRecord& r);
  void start_next_prefetch(int n);            // the batch after this one (n images from cursor_)
  std::vector<int> next_epoch_order() const;  // what begin_epoch() will shuffle
};

int argmax_row(const float* p, int n);

// "loss became NaN at epoch 3, batch 7/12" (`epoch` 0-based, shown 1-based): the words the CLI and
// the window both use for a non-finite loss; each adds its own hint.
std::string non_finite_loss_message(double batch_loss, int epoch, int batch, int num_batches);

}  // namespace cnnlab
