// train/callbacks.cpp — EarlyStopping and ReduceLROnPlateau, line for line after tf.keras 2.x.
#include "train/callbacks.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace cnnlab {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();

std::string missing_metric(const char* what, const std::string& monitor, const EpochRecord& r) {
  std::string avail = "loss,accuracy";
  if (!std::isnan(r.val_loss)) avail += ",val_loss,val_accuracy";
  return std::string(what) + " conditioned on metric `" + monitor +
         "` which is not available. Available metrics are: " + avail;
}
}  // namespace

double monitor_value(const EpochRecord& r, const std::string& monitor) {
  if (monitor == "val_loss") return r.val_loss;
  if (monitor == "val_accuracy") return r.val_accuracy;
  if (monitor == "loss") return r.loss;
  if (monitor == "accuracy") return r.accuracy;
  return NAN;
}

bool monitor_maximises(const std::string& monitor, MonitorMode mode) {
  if (mode != MonitorMode::Auto) return mode == MonitorMode::Max;
  return monitor.find("acc") != std::string::npos;  // Keras: 'acc' in monitor → max
}

std::string early_stopping_message(int epoch) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "Epoch %05d: early stopping", epoch + 1);
  return buf;
}

std::string lr_text(float lr) {
  char buf[40];
  for (int digits = 1; digits <= 9; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, double(lr));
    if (std::strtof(buf, nullptr) == lr) break;
  }
  return buf;
}

std::string reduce_lr_message(int epoch, float new_lr) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "Epoch %05d: ReduceLROnPlateau reducing learning rate to %s.",
                epoch + 1, lr_text(new_lr).c_str());
  return buf;
}

// =================================================================================================
// CosineDecay
// =================================================================================================
double cosine_decay_lr(double lr, int64_t step, int64_t warmup_steps, int64_t decay_steps,
                       double alpha) {
  if (step < warmup_steps) return lr * double(step) / double(warmup_steps);
  const double done = decay_steps > 0
                          ? double(std::min(step - warmup_steps, decay_steps)) / double(decay_steps)
                          : 1;
  return lr * ((1 - alpha) * 0.5 * (1 + std::cos(3.14159265358979323846 * done)) + alpha);
}

// =================================================================================================
// EarlyStopping
// =================================================================================================
EarlyStopping::EarlyStopping(EarlyStoppingConfig cfg) : cfg_(std::move(cfg)) {
  reset();
}

void EarlyStopping::reset() {
  maximise_ = monitor_maximises(cfg_.monitor, cfg_.mode);
  wait_ = 0;
  stopped_epoch_ = -1;
  best_ = maximise_ ? -kInf : kInf;
  best_epoch_ = 0;
  have_weights_ = false;
  warned_ = false;
}

EarlyStopping::Decision EarlyStopping::on_epoch_end(const EpochRecord& r) {
  Decision d;
  const double current = monitor_value(r, cfg_.monitor);
  if (std::isnan(current)) {
    if (!warned_) d.message = missing_metric("Early stopping", cfg_.monitor, r);
    warned_ = true;
    return d;
  }
  if (r.epoch < cfg_.start_from_epoch) return d;  // still warming up
  // Keras keeps the first counted epoch's weights, in case no epoch ever improves.
  if (cfg_.restore_best_weights && !have_weights_) d.keep_weights = have_weights_ = true;
  ++wait_;
  // Keras's _is_improvement: monitor_op(current - min_delta, best), min_delta signed by the mode.
  const double delta = maximise_ ? std::fabs(cfg_.min_delta) : -std::fabs(cfg_.min_delta);
  const bool improved = maximise_ ? current - delta > best_ : current - delta < best_;
  if (improved) {
    best_ = current;
    best_epoch_ = r.epoch;
    if (cfg_.restore_best_weights) d.keep_weights = true;
    wait_ = 0;
    return d;
  }
  if (wait_ >= cfg_.patience && r.epoch > 0) {  // Keras: only checked after the first epoch
    stopped_epoch_ = r.epoch;
    d.stop = true;
    d.restore_weights = cfg_.restore_best_weights && have_weights_;
    if (d.restore_weights)
      d.message = "Restoring model weights from the end of the best epoch: " +
                  std::to_string(best_epoch_ + 1) + ".\n";
    d.message += early_stopping_message(r.epoch);
  }
  return d;
}

// =================================================================================================
// ReduceLROnPlateau
// =================================================================================================
ReduceLROnPlateau::ReduceLROnPlateau(ReduceLROnPlateauConfig cfg) : cfg_(std::move(cfg)) {
  reset();
}

void ReduceLROnPlateau::reset() {
  maximise_ = monitor_maximises(cfg_.monitor, cfg_.mode);
  best_ = maximise_ ? -kInf : kInf;
  cooldown_counter_ = 0;
  wait_ = 0;
  warned_ = false;
}

ReduceLROnPlateau::Decision ReduceLROnPlateau::on_epoch_end(const EpochRecord& r, float lr) {
  Decision d;
  const double current = monitor_value(r, cfg_.monitor);
  if (std::isnan(current)) {
    if (!warned_) d.message = missing_metric("Learning rate reduction is", cfg_.monitor, r);
    warned_ = true;
    return d;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    wait_ = 0;
  }
  const bool improved =
      maximise_ ? current > best_ + cfg_.min_delta : current < best_ - cfg_.min_delta;
  if (improved) {
    best_ = current;
    wait_ = 0;
  } else if (cooldown_counter_ <= 0) {
    ++wait_;
    if (wait_ >= cfg_.patience) {
      if (lr > float(cfg_.min_lr)) {  // Keras: old_lr > np.float32(min_lr)
        d.reduced = true;
        // From the decimal the user sees (0.001 × 0.1 = 0.0001): the round steps Keras's message
        // shows; Keras's float32 product may land one float32 step away from them.
        const double shown = std::strtod(lr_text(lr).c_str(), nullptr);
        d.new_lr = float(std::max(shown * cfg_.factor, cfg_.min_lr));
        d.message = reduce_lr_message(r.epoch, d.new_lr);
        cooldown_counter_ = cfg_.cooldown;
        wait_ = 0;
      }
    }
  }
  return d;
}

FitConfig effective_fit(FitConfig f, int early_stopping, int reduce_lr) {
  if (early_stopping == 0) f.early_stopping.enabled = false;
  if (early_stopping > 0) {
    if (!f.early_stopping.enabled) {
      f.early_stopping = EarlyStoppingConfig{};
      f.early_stopping.restore_best_weights = true;
    }
    f.early_stopping.enabled = true;
    f.early_stopping.patience = early_stopping;
  }
  if (reduce_lr == 0) f.reduce_lr.enabled = false;
  if (reduce_lr > 0) {
    if (!f.reduce_lr.enabled) f.reduce_lr = ReduceLROnPlateauConfig{};
    f.reduce_lr.enabled = true;
    f.reduce_lr.patience = reduce_lr;
    f.cosine_decay.enabled = false;  // the run asked for ReduceLROnPlateau: the schedule gives way
  }
  return f;
}

std::string describe_callbacks(const FitConfig& fit) {
  std::string s;
  auto num = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return std::string(buf);
  };
  if (const EarlyStoppingConfig& e = fit.early_stopping; e.enabled) {
    s += "EarlyStopping(" + e.monitor + ", patience " + std::to_string(e.patience);
    if (e.min_delta != 0) s += ", min_delta " + num(e.min_delta);
    if (e.start_from_epoch > 0) s += ", from epoch " + std::to_string(e.start_from_epoch + 1);
    s += std::string(e.restore_best_weights ? ", restore best" : "") + ")";
  }
  if (const ReduceLROnPlateauConfig& r = fit.reduce_lr; r.enabled) {
    s += std::string(s.empty() ? "" : ", ") + "ReduceLROnPlateau(" + r.monitor + ", factor " +
         num(r.factor) + ", patience " + std::to_string(r.patience);
    if (r.cooldown > 0) s += ", cooldown " + std::to_string(r.cooldown);
    if (r.min_lr > 0) s += ", min_lr " + num(r.min_lr);
    s += ")";
  }
  if (const CosineDecayConfig& c = fit.cosine_decay; c.enabled) {
    s += std::string(s.empty() ? "" : ", ") + "CosineDecay(";
    if (c.warmup_epochs > 0) s += "warm-up " + std::to_string(c.warmup_epochs) + " epochs, ";
    s += "alpha " + num(c.alpha) + ")";
  }
  if (fit.mixup.enabled)
    s += std::string(s.empty() ? "" : ", ") + "MixUp(alpha " + num(fit.mixup.alpha) + ")";
  return s.empty() ? "no callbacks" : s;
}

}  // namespace cnnlab
