// nn/fit_config.h — a model file's [fit] table as a plain struct: epochs, batch_size, the Keras
// callbacks EarlyStopping and ReduceLROnPlateau, the CosineDecay learning-rate schedule and MixUp,
// with Keras's argument names and defaults (train/ runs them; nn only carries them, so checkpoints
// that embed the model file keep them).
#pragma once
#include <string>

namespace cnnlab {

// Which way the monitored number improves: "auto" = max for accuracy, else min (Keras).
enum class MonitorMode { Auto, Min, Max };

struct EarlyStoppingConfig {
  bool enabled = false;
  std::string monitor = "val_loss";  // val_loss, val_accuracy, loss or accuracy
  double min_delta = 0;              // a change below |min_delta| is no improvement
  int patience = 0;                  // epochs without improvement before stopping
  MonitorMode mode = MonitorMode::Auto;
  bool restore_best_weights = false;  // on stopping, the weights of the best epoch come back
  int start_from_epoch = 0;           // epochs of warm-up before any improvement is looked for
  bool operator==(const EarlyStoppingConfig&) const = default;
};

struct ReduceLROnPlateauConfig {
  bool enabled = false;
  std::string monitor = "val_loss";
  double factor = 0.1;  // new lr = lr · factor, in (0, 1)
  int patience = 10;
  MonitorMode mode = MonitorMode::Auto;
  double min_delta = 1e-4;
  int cooldown = 0;  // epochs after a reduction before counting again
  double min_lr = 0;
  bool operator==(const ReduceLROnPlateauConfig&) const = default;
};

// keras.optimizers.schedules.CosineDecay with a linear warm-up, per training step: from 0 up to the
// run's learning rate over warmup_epochs, then half a cosine down to alpha · that rate at the last
// step of the run's epochs. It sets the rate every step, so ReduceLROnPlateau cannot run with it.
struct CosineDecayConfig {
  bool enabled = false;
  int warmup_epochs = 0;
  double alpha = 0;  // the floor, as a fraction of the learning rate
  bool operator==(const CosineDecayConfig&) const = default;
};

// keras.layers.MixUp(alpha): each training image is blended with another of its batch (a seeded
// permutation), weight λ ~ Beta(alpha, alpha) per image, and so are their labels:
// x = λ x_i + (1 - λ) x_j, target = λ onehot(y_i) + (1 - λ) onehot(y_j). Training only. Keras
// applies it in the input pipeline, not in a Sequential model (it needs the labels), so it is a
// [fit] setting here, applied after the model's Random* layers.
struct MixUpConfig {
  bool enabled = false;
  double alpha = 0.2;  // Keras's default
  bool operator==(const MixUpConfig&) const = default;
};

struct FitConfig {
  int epochs = 0;      // 0: the file does not say (the run's --epochs / the form decide)
  int batch_size = 0;  // 0: the file does not say (the run's --batch-size / the form decide)
  EarlyStoppingConfig early_stopping;
  ReduceLROnPlateauConfig reduce_lr;
  CosineDecayConfig cosine_decay;
  MixUpConfig mixup;
  bool any() const {
    return epochs > 0 || batch_size > 0 || early_stopping.enabled || reduce_lr.enabled ||
           cosine_decay.enabled || mixup.enabled;
  }
  bool operator==(const FitConfig&) const = default;
};

const char* monitor_mode_name(MonitorMode m);  // "auto", "min", "max"

}  // namespace cnnlab
