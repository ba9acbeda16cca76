// train/trainer.cpp — Keras fit() semantics: per-epoch shuffle, sample-weighted running metrics,
// validation at the end of each epoch, stop after the current batch, NaN/inf detection.
#include "train/trainer.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"

namespace cnnlab {

int argmax_row(const float* p, int n) {
  int best = 0;
  for (int i = 1; i < n; ++i)
    if (p[i] > p[best]) best = i;
  return best;
}

std::string non_finite_loss_message(double batch_loss, int epoch, int batch, int num_batches) {
  return "loss became " + std::string(std::isnan(batch_loss) ? "NaN" : "infinite") + " at epoch " +
         std::to_string(epoch + 1) + ", batch " + std::to_string(batch) + "/" +
         std::to_string(num_batches);
}

Trainer::Trainer(Model& model, const Dataset& data, Split split, Scaling scaling, TrainConfig cfg)
    : model_(model),
      data_(data),
      split_(std::move(split)),
      scaling_(scaling),
      cfg_(cfg),
      next_(cfg),
      shuffle_rng_(cfg.seed, 0x5eed) {
  CNNLAB_ASSERT(model_.allocated() && model_.max_batch() >= cfg_.batch_size,
                "model must be allocated for the batch size");
  CNNLAB_ASSERT(model_.input_h() == data_.height && model_.input_w() == data_.width &&
                    model_.input_c() == data_.channels,
                "model input shape must match the dataset's image size");
  model_.adam.lr = cfg_.learning_rate;
  model_.set_input_scaling(scaling_.mean, scaling_.std);  // augmentation's value_range, in pixels
  augment_ = model_.input_augmentation();
  resize_batch_buffers();
  set_prefetch(true);
}

void Trainer::set_prefetch(bool on, int threads) {
  prefetch_on_ = on && !augment_.empty();  // without augmentation a batch is a quick copy
  if (!prefetch_on_) {
    prefetch_.reset();
    return;
  }
  if (!prefetch_) prefetch_ = std::make_unique<BatchPrefetcher>();
  prefetch_->set_threads(threads);
}

void Trainer::set_callbacks(const FitConfig& fit) {
  cosine_ = fit.cosine_decay;
  mixup_ = fit.mixup;
  if (!fit.early_stopping.enabled) {
    early_stopping_.reset();
  } else if (!early_stopping_ || !(early_stopping_->config() == fit.early_stopping)) {
    early_stopping_.emplace(fit.early_stopping);
    best_weights_.clear();
  }
  if (!fit.reduce_lr.enabled)
    reduce_lr_.reset();
  else if (!reduce_lr_ || !(reduce_lr_->config() == fit.reduce_lr))
    reduce_lr_.emplace(fit.reduce_lr);
  if (!early_stopping_) best_weights_.clear();
  early_stopped_ = false;
}

void Trainer::reset_callbacks() {
  if (early_stopping_) early_stopping_->reset();
  if (reduce_lr_) reduce_lr_->reset();
  best_weights_.clear();
  early_stopped_ = false;
}

// ReduceLROnPlateau, then EarlyStopping (the order a Keras user lists them in most examples).
void Trainer::run_callbacks(EpochRecord& r) {
  callback_log_.clear();
  early_stopped_ = false;
  auto say = [&](const std::string& line) {
    if (line.empty()) return;
    callback_log_ += (callback_log_.empty() ? "" : "\n") + line;
  };
  if (reduce_lr_) {
    r.lr = model_.adam.lr;  // the rate this epoch trained with (Keras logs it before reducing)
    ReduceLROnPlateau::Decision d = reduce_lr_->on_epoch_end(r, model_.adam.lr);
    if (d.reduced) model_.adam.lr = cfg_.learning_rate = next_.learning_rate = d.new_lr;
    say(d.message);
  }
  if (early_stopping_) {
    EarlyStopping::Decision d = early_stopping_->on_epoch_end(r);
    if (d.keep_weights)
      best_weights_.assign(model_.params(), model_.params() + model_.num_params());
    if (d.restore_weights && best_weights_.size() == model_.num_params())
      std::copy(best_weights_.begin(), best_weights_.end(), model_.params());
    early_stopped_ = d.stop;
    say(d.message);
  }
}

std::vector<int> Trainer::next_epoch_order() const {
  Rng rng = next_.seed != cfg_.seed ? Rng(next_.seed, 0x5eed) : shuffle_rng_;
  std::vector<int> order = split_.train;
  rng.shuffle(order);
  return order;
}

// While this batch trains, the next one is made: the rest of this epoch's order, or the first
// batch of the next epoch (made during this epoch's validation pass).
void Trainer::start_next_prefetch(int n) {
  BatchKey key;
  key.adam_step = model_.adam_step() + 1;  // train_step takes one Adam step
  const size_t at = size_t(cursor_ + n);
  if (at < order_.size()) {
    const size_t m = std::min(order_.size() - at, size_t(cfg_.batch_size));
    key.indices.assign(order_.begin() + long(at), order_.begin() + long(at + m));
    key.step_seed = augment_seed(cfg_.seed, epoch_, batch_index_ + 1);
  } else {
    if (epoch_ + 1 >= std::max(cfg_.epochs, next_.epochs)) return;
    std::vector<int> order = next_epoch_order();
    order.resize(std::min(order.size(), size_t(next_.batch_size)));
    key.indices = std::move(order);
    key.step_seed = augment_seed(next_.seed, epoch_ + 1, 0);
  }
  prefetch_->start(data_, scaling_, std::move(key), augment_);
}

void Trainer::resize_batch_buffers() {
  size_t per = size_t(data_.height) * data_.width * data_.channels;
  x_.resize(per * cfg_.batch_size);
  y_.resize(cfg_.batch_size);
  probs_.resize(size_t(model_.num_classes()) * cfg_.batch_size);
}

void Trainer::apply_config(const TrainConfig& cfg) {
  CNNLAB_ASSERT(cfg.batch_size >= 1 && model_.max_batch() >= cfg.batch_size,
                "model must be allocated for the batch size");
  next_ = cfg;
  cfg_.epochs = cfg.epochs;
  cfg_.learning_rate = cfg.learning_rate;
  model_.adam.lr = cfg.learning_rate;
}

void Trainer::restore(History h, std::vector<float> batch_losses, std::vector<float> batch_epoch) {
  CNNLAB_ASSERT(batch_losses.size() == batch_epoch.size(), "one epoch position per batch loss");
  history_ = std::move(h);
  batch_losses_ = std::move(batch_losses);
  batch_epoch_ = std::move(batch_epoch);
  epoch_ = int(history_.epochs.size());
  epoch_open_ = false;
  cursor_ = batch_index_ = 0;
  // The shuffles an uninterrupted run with this seed would have made so far, replayed: the next
  // epoch sees the order it would have seen.
  shuffle_rng_ = Rng(cfg_.seed, 0x5eed);
  for (int e = 0; e < epoch_; ++e) {
    order_ = split_.train;
    shuffle_rng_.shuffle(order_);
  }
}

void Trainer::begin_epoch() {
  if (next_.seed != cfg_.seed) shuffle_rng_ = Rng(next_.seed, 0x5eed);
  const bool resize = next_.batch_size != cfg_.batch_size;
  cfg_ = next_;
  if (resize) resize_batch_buffers();
  order_ = split_.train;
  shuffle_rng_.shuffle(order_);
  cursor_ = 0;
  batch_index_ = 0;
  loss_sum_ = correct_ = train_seconds_ = 0;
  epoch_open_ = true;
  epoch_start_ = std::chrono::steady_clock::now();
}

BatchProgress Trainer::train_batch(bool* non_finite) {
  CNNLAB_ASSERT(epoch_open_ && !epoch_batches_done(), "begin_epoch() first");
  auto t0 = std::chrono::steady_clock::now();
  int n = std::min(cfg_.batch_size, int(order_.size()) - cursor_);
  model_.step_seed = augment_seed(cfg_.seed, epoch_, batch_index_);  // dropout, augmentation
  bool augmented = false;  // x_ made ahead, augmentation included
  if (prefetch_) {
    BatchKey key{std::vector<int>(order_.begin() + cursor_, order_.begin() + cursor_ + n),
                 model_.step_seed, model_.adam_step()};
    augmented = prefetch_->take(key, x_, y_);
    const size_t per = size_t(data_.height) * data_.width * data_.channels;
    if (x_.size() < per * cfg_.batch_size) x_.resize(per * cfg_.batch_size);  // keeps the batch
    if (y_.size() < size_t(cfg_.batch_size)) y_.resize(size_t(cfg_.batch_size));
  }
  if (!augmented) make_batch(data_, order_.data() + cursor_, n, scaling_, x_.data(), y_.data());
  if (prefetch_) start_next_prefetch(n);
  const int classes = model_.num_classes();
  const float* targets = nullptr;
  if (mixup_.enabled) {  // after the Random* layers, as Keras's MixUp follows them in a pipeline
    if (!augmented && !augment_.empty())
      augment_training_input(x_.data(), n, data_.height, data_.width, data_.channels, augment_,
                             model_.step_seed, model_.adam_step());
    augmented = true;
    targets_.resize(size_t(n) * classes);
    mixup_batch(x_.data(), targets_.data(), y_.data(), n,
                size_t(data_.height) * data_.width * data_.channels, classes, float(mixup_.alpha),
                augment_seed(model_.step_seed, model_.adam_step(), -1), mix_scratch_);
    targets = targets_.data();
  }
  if (cosine_.enabled) {
    const int64_t per_epoch = (int64_t(order_.size()) + cfg_.batch_size - 1) / cfg_.batch_size;
    const int64_t warm = int64_t(cosine_.warmup_epochs) * per_epoch;
    const int64_t decay = std::max<int64_t>(1, int64_t(cfg_.epochs) * per_epoch - warm);
    model_.adam.lr =
        float(cosine_decay_lr(cfg_.learning_rate, model_.adam_step(), warm, decay, cosine_.alpha));
  }
  float loss = model_.train_step(x_.data(), y_.data(), n, probs_.data(), augmented, targets);
  int correct = 0;
  for (int i = 0; i < n; ++i)
    correct += argmax_row(&probs_[size_t(i) * classes], classes) ==
               (targets ? argmax_row(targets + size_t(i) * classes, classes) : y_[i]);
  cursor_ += n;
  ++batch_index_;
  loss_sum_ += double(loss) * n;
  correct_ += correct;
  train_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (non_finite) *non_finite = !std::isfinite(loss);
  batch_losses_.push_back(loss);
  batch_epoch_.push_back(float(epoch_ + double(cursor_) / double(order_.size())));

  BatchProgress p;
  p.epoch = epoch_;
  p.batch = batch_index_;
  int total = int(order_.size());
  p.num_batches = (total + cfg_.batch_size - 1) / cfg_.batch_size;
  p.samples_done = cursor_;
  p.samples_total = total;
  p.loss = loss_sum_ / cursor_;
  p.accuracy = correct_ / cursor_;
  p.batch_loss = loss;
  p.elapsed_s = train_seconds_;
  return p;
}

EpochRecord Trainer::end_epoch() {
  CNNLAB_ASSERT(epoch_open_, "begin_epoch() first");
  EpochRecord r;
  r.epoch = epoch_;
  r.samples = cursor_;
  r.loss = cursor_ ? loss_sum_ / cursor_ : NAN;
  r.accuracy = cursor_ ? correct_ / cursor_ : NAN;
  if (!split_.val.empty()) {
    last_val_ = evaluate(split_.val);
    r.val_loss = last_val_.loss;
    r.val_accuracy = last_val_.accuracy;
  } else {
    r.val_loss = r.val_accuracy = NAN;
  }
  r.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start_).count();
  if (cosine_.enabled) r.lr = model_.adam.lr;  // the rate of the epoch's last step
  run_callbacks(r);
  history_.epochs.push_back(r);
  ++epoch_;
  epoch_open_ = false;
  return r;
}

TrainOutcome Trainer::fit(const TrainCallbacks& cb, const std::atomic<bool>& stop) {
  TrainOutcome out;
  while (epoch_ < cfg_.epochs) {
    if (!epoch_open_) {
      begin_epoch();
      if (cb.on_epoch_begin) cb.on_epoch_begin(epoch_);
    }
    while (!epoch_batches_done()) {
      bool bad = false;
      BatchProgress p = train_batch(&bad);
      if (cb.on_batch) cb.on_batch(p);
      if (bad) {
        out.reason = StopReason::NonFinite;
        out.message = non_finite_loss_message(p.batch_loss, epoch_, p.batch, p.num_batches);
        out.epochs_completed = epoch_;
        return out;
      }
      if (stop.load()) {
        out.reason = StopReason::Stopped;
        out.message = "Stopped by the user during epoch " + std::to_string(epoch_ + 1) +
                      " after batch " + std::to_string(p.batch) + "/" +
                      std::to_string(p.num_batches);
        out.epochs_completed = epoch_;
        return out;
      }
    }
    EpochRecord r = end_epoch();
    if (cb.on_epoch) cb.on_epoch(r);
    if (early_stopped_) {
      out.early_stopped = true;
      out.message = early_stopping_message(r.epoch);
      out.epochs_completed = epoch_;
      return out;
    }
    if (stop.load() && epoch_ < cfg_.epochs) {
      out.reason = StopReason::Stopped;
      out.message = "Stopped by the user after epoch " + std::to_string(epoch_);
      out.epochs_completed = epoch_;
      return out;
    }
  }
  out.epochs_completed = epoch_;
  return out;
}

EvalResult Trainer::evaluate(const std::vector<int>& indices, const std::atomic<bool>* stop) {
  EvalResult r;
  int classes = model_.num_classes();
  r.confusion.assign(size_t(classes) * classes, 0);
  r.predicted.reserve(indices.size());
  r.probs.reserve(indices.size() * size_t(classes));
  double loss_sum = 0;
  int correct = 0;
  for (size_t at = 0; at < indices.size(); at += size_t(cfg_.batch_size)) {
    if (stop && stop->load()) break;
    int n = int(std::min(indices.size() - at, size_t(cfg_.batch_size)));
    make_batch(data_, indices.data() + at, n, scaling_, x_.data(), y_.data());
    float loss = model_.forward(x_.data(), n, probs_.data(), y_.data());
    loss_sum += double(loss) * n;
    r.probs.insert(r.probs.end(), probs_.begin(), probs_.begin() + size_t(n) * classes);
    for (int i = 0; i < n; ++i) {
      int p = argmax_row(&probs_[size_t(i) * classes], classes);
      r.predicted.push_back(p);
      r.confusion[size_t(y_[i]) * classes + p]++;
      correct += p == y_[i];
    }
    r.count += n;
  }
  r.loss = r.count ? loss_sum / r.count : NAN;
  r.accuracy = r.count ? double(correct) / r.count : NAN;
  return r;
}

}  // namespace cnnlab
