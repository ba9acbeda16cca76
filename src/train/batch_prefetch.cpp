// train/batch_prefetch.cpp — one background thread, one job slot, a condition variable (no
// polling).
#include "train/batch_prefetch.h"

#include <omp.h>

#include "nn/model.h"

namespace cnnlab {

// Started in the body: every member the thread reads is constructed by then.
BatchPrefetcher::BatchPrefetcher() {
  thread_ = std::thread([this] { run(); });
}

BatchPrefetcher::~BatchPrefetcher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void BatchPrefetcher::set_threads(int n) {
  std::lock_guard<std::mutex> lock(mutex_);
  threads_ = n < 1 ? 1 : n;
}

void BatchPrefetcher::wait_idle(std::unique_lock<std::mutex>& lock) {
  cv_.wait(lock, [&] { return !pending_ && !busy_; });
}

void BatchPrefetcher::start(const Dataset& data, const Scaling& scaling, BatchKey key,
                            std::vector<AugmentLayer> layers) {
  std::unique_lock<std::mutex> lock(mutex_);
  wait_idle(lock);  // one job at a time: the previous one is done or was never taken
  job_ = Job{&data, scaling, std::move(key), std::move(layers)};
  ready_ = false;
  pending_ = true;
  lock.unlock();
  cv_.notify_all();
}

bool BatchPrefetcher::take(const BatchKey& key, std::vector<float>& x, std::vector<int>& y) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!(pending_ || busy_ || ready_) || !(job_.key == key)) {
    ++misses_;
    return false;
  }
  wait_idle(lock);
  x.swap(x_);
  y.swap(y_);
  ready_ = false;
  job_.key.indices.clear();  // handed over: the same key again is a miss
  ++hits_;
  return true;
}

void BatchPrefetcher::cancel() {
  std::unique_lock<std::mutex> lock(mutex_);
  wait_idle(lock);
  ready_ = false;
  job_.key.indices.clear();
}

void BatchPrefetcher::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    cv_.wait(lock, [&] { return quit_ || pending_; });
    if (quit_) return;
    pending_ = false;
    busy_ = true;
    const Job job = job_;
    const int threads = threads_;
    lock.unlock();
    // The buffers are this thread's until busy_ is cleared: take() waits for that.
    omp_set_num_threads(threads);  // this thread's own OpenMP team
    const Dataset& d = *job.data;
    const int n = int(job.key.indices.size());
    x_.resize(size_t(n) * d.image_bytes());
    y_.resize(size_t(n));
    make_batch(d, job.key.indices.data(), n, job.scaling, x_.data(), y_.data());
    augment_training_input(x_.data(), n, d.height, d.width, d.channels, job.layers,
                           job.key.step_seed, job.key.adam_step);
    lock.lock();
    busy_ = false;
    ready_ = true;
    cv_.notify_all();
  }
}

}  // namespace cnnlab
