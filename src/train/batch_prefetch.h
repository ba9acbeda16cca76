// train/batch_prefetch.h — the next training batch made on a background thread while the current
// one trains: make_batch (copy + scale) and the model's Random* layers (augment_training_input),
// so augmentation costs no wall time on the critical path.
//
// A prepared batch is keyed by what decides its pixels: its dataset indices, the step seed and the
// Adam step. take() hands it over only when the key matches the batch the trainer is about to
// train; anything else (a changed seed or batch size, a reloaded checkpoint, a grown model) makes
// the trainer build the batch inline, with the same result. Bit-identical either way: every image
// is augmented from its own seeded generator (data/augment.h), whichever thread runs it.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "data/augment.h"
#include "data/dataset.h"
#include "data/split.h"

namespace cnnlab {

struct BatchKey {
  std::vector<int> indices;  // dataset indices, in batch order
  uint64_t step_seed = 0;
  int64_t adam_step = 0;
  bool operator==(const BatchKey& o) const {
    return step_seed == o.step_seed && adam_step == o.adam_step && indices == o.indices;
  }
};

class BatchPrefetcher {
 public:
  BatchPrefetcher();
  ~BatchPrefetcher();  // waits for the batch in progress
  BatchPrefetcher(const BatchPrefetcher&) = delete;
  BatchPrefetcher& operator=(const BatchPrefetcher&) = delete;

  // OpenMP threads the background thread augments with (default 1: the trainer's threads keep the
  // cores busy with the step itself).
  void set_threads(int n);
  // Starts preparing `key`'s batch (replacing any prepared one). `data` must outlive the job (the
  // trainer's destructor, which owns this, waits for it). `layers` in the input's units.
  void start(const Dataset& data, const Scaling& scaling, BatchKey key,
             std::vector<AugmentLayer> layers);
  // If the batch started last is `key`, waits until it is ready and swaps its x (n, H, W, C) and
  // y (n) into the arguments (their old contents are dropped); else false, nothing changes.
  bool take(const BatchKey& key, std::vector<float>& x, std::vector<int>& y);
  void cancel();  // drops the prepared batch (waits if one is being made)

  int hits() const { return hits_; }      // batches handed over
  int misses() const { return misses_; }  // take() calls that found another batch

 private:
  struct Job {
    const Dataset* data = nullptr;
    Scaling scaling;
    BatchKey key;
    std::vector<AugmentLayer> layers;
  };
  std::mutex mutex_;
  std::condition_variable cv_;
  std::thread thread_;
  Job job_;
  bool pending_ = false, busy_ = false, ready_ = false, quit_ = false;
  int threads_ = 1, hits_ = 0, misses_ = 0;
  std::vector<float> x_;
  std::vector<int> y_;

  void run();
  void wait_idle(std::unique_lock<std::mutex>& lock);
};

}  // namespace cnnlab
