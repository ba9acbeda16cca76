// train/callbacks.h — Keras's EarlyStopping and ReduceLROnPlateau as plain state machines, fed one
// EpochRecord at a time: they decide, the trainer acts (copies weights, sets Adam's lr).
//
// Semantics are Keras 2.x's (tf.keras 2.11–2.15 callbacks.py): the same improvement tests
// (monitor - min_delta < best for "min"; EarlyStopping also waits out start_from_epoch), the same
// counters, and EarlyStopping restores the best weights only when it stops the run. A run that
// reaches its last epoch keeps its last weights, as in Keras 2.x (Keras 3 restores at the end of
// training as well). A monitored value that is missing (NaN: no validation split) is skipped with
// Keras's warning, once.
#pragma once
#include <cstdint>
#include <string>

#include "nn/fit_config.h"
#include "train/history.h"

namespace cnnlab {

// The monitored number of a record (NaN when the run has none, e.g. val_loss without a
// validation split), and whether larger is better for it (mode, or "auto": accuracy is maximised).
double monitor_value(const EpochRecord& r, const std::string& monitor);
bool monitor_maximises(const std::string& monitor, MonitorMode mode);

// Keras's verbose lines: "Epoch 00012: early stopping" (epoch 0-based, printed 1-based),
// "Epoch 00007: ReduceLROnPlateau reducing learning rate to 0.0001."
std::string early_stopping_message(int epoch);
std::string reduce_lr_message(int epoch, float new_lr);
// A float32 learning rate as numpy prints it: the shortest text that reads back the same
// ("0.0001", "5e-05").
std::string lr_text(float lr);

// keras.optimizers.schedules.CosineDecay(initial_learning_rate = 0, decay_steps, alpha,
// warmup_target = lr, warmup_steps) at `step` (the optimizer's iterations before the update: 0 for
// the first): lr · step / warmup_steps while warming up, then
// lr · ((1 - alpha) · ½ (1 + cos(π · min(step - warmup_steps, decay_steps) / decay_steps)) +
// alpha). Without warm-up (warmup_steps 0) it starts at lr, as CosineDecay(lr, decay_steps, alpha)
// does.
double cosine_decay_lr(double lr, int64_t step, int64_t warmup_steps, int64_t decay_steps,
                       double alpha);

class EarlyStopping {
 public:
  explicit EarlyStopping(EarlyStoppingConfig cfg);
  struct Decision {
    bool keep_weights = false;     // copy the current weights: they are the best so far
    bool stop = false;             // end training after this epoch
    bool restore_weights = false;  // put the kept weights back (with stop)
    std::string message;           // Keras's lines for the log ("" if none)
  };
  Decision on_epoch_end(const EpochRecord& r);
  void reset();  // on_train_begin: a fresh run

  const EarlyStoppingConfig& config() const { return cfg_; }
  int wait() const { return wait_; }
  double best() const { return best_; }
  int best_epoch() const { return best_epoch_; }        // 0-based
  int stopped_epoch() const { return stopped_epoch_; }  // 0-based, -1 while running
  bool has_best_weights() const { return have_weights_; }

 private:
  EarlyStoppingConfig cfg_;
  bool maximise_ = false, have_weights_ = false, warned_ = false;
  int wait_ = 0, best_epoch_ = 0, stopped_epoch_ = -1;
  double best_ = 0;
};

class ReduceLROnPlateau {
 public:
  explicit ReduceLROnPlateau(ReduceLROnPlateauConfig cfg);
  struct Decision {
    bool reduced = false;
    float new_lr = 0;     // set when reduced (float32, as Keras's variable holds it)
    std::string message;  // Keras's line, or the missing-metric warning
  };
  // `lr`: the learning rate the epoch trained with.
  Decision on_epoch_end(const EpochRecord& r, float lr);
  void reset();

  const ReduceLROnPlateauConfig& config() const { return cfg_; }
  int wait() const { return wait_; }
  int cooldown_counter() const { return cooldown_counter_; }
  double best() const { return best_; }

 private:
  ReduceLROnPlateauConfig cfg_;
  bool maximise_ = false, warned_ = false;
  int wait_ = 0, cooldown_counter_ = 0;
  double best_ = 0;
};

// The model file's [fit] callbacks with a run's overrides (RunSettings::early_stopping/reduce_lr):
// -1 keeps the file's, 0 turns the callback off, N > 0 turns it on with patience N, keeping the
// file's other arguments, else Keras's defaults (EarlyStopping then restores the best weights: a
// class wants the best model, not the last). Turning ReduceLROnPlateau on turns the file's
// cosine_decay off (both would set the learning rate).
FitConfig effective_fit(FitConfig file, int early_stopping, int reduce_lr);

// One line saying what a [fit] table's callbacks (and its schedule and MixUp) do, for logs and the
// form: "EarlyStopping(val_loss, patience 10, restore best), ReduceLROnPlateau(val_loss, factor
// 0.5, patience 5)", "CosineDecay(warm-up 5 epochs, alpha 0), MixUp(alpha 0.2)" or "no callbacks".
std::string describe_callbacks(const FitConfig& fit);

}  // namespace cnnlab
