// data/split.cpp — numpy-compatible permutation, sklearn/Keras-style splits, scalar scaling,
// batches.
#include "data/split.h"

#include <cmath>
#include <random>
#include <string>

#include "core/check.h"
#include "core/error.h"
#include "core/log.h"

namespace cnnlab {

// numpy's legacy RandomState(seed): MT19937 seeded by init_genrand(seed) (== std::mt19937(seed)).
// permutation(n) = shuffle(arange(n)); legacy shuffle walks i = n-1 .. 1 and swaps x[i] with
// x[j], j = random_interval(i): draw 32-bit words masked to the smallest 2^k - 1 >= i until <= i.
std::vector<int> numpy_legacy_permutation(int n, uint32_t seed) {
  CNNLAB_ASSERT(n >= 0, "permutation size must be non-negative");
  std::vector<int> x(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) x[size_t(i)] = i;
  std::mt19937 mt(seed);
  for (int i = n - 1; i >= 1; --i) {
    uint32_t max = uint32_t(i), mask = max;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    uint32_t j;
    do j = uint32_t(mt()) & mask;
    while (j > max);
    std::swap(x[size_t(i)], x[j]);
  }
  return x;
}

namespace {

// Moves test members of duplicate groups that straddle test/train into train, each swapped with the
// first not-yet-swapped non-duplicate train item, so sizes stay the same. Returns the number moved.
int keep_duplicates_together(const std::vector<int>& group, std::vector<int>& test,
                             std::vector<int>& train) {
  if (group.empty()) return 0;
  std::vector<char> group_in_train(group.size(), 0);  // indexed by group id (< n)
  for (int i : train)
    if (group[size_t(i)] >= 0) group_in_train[size_t(group[size_t(i)])] = 1;
  int moved = 0;
  size_t next_free = 0;  // scan position in train for swap partners
  for (int& t : test) {
    int g = group[size_t(t)];
    if (g < 0 || !group_in_train[size_t(g)]) continue;
    while (next_free < train.size() && group[size_t(train[next_free])] >= 0) ++next_free;
    if (next_free == train.size()) break;  // nothing left to swap with (all duplicates): give up
    std::swap(t, train[next_free]);
    ++next_free;
    ++moved;
  }
  return moved;
}

}  // namespace

Split make_split(const Dataset& ds, double test_size, double validation_split, uint32_t seed) {
  if (!(test_size >= 0 && test_size < 1))
    throw UserError("split", "test_size " + std::to_string(test_size) + " must be in [0, 1)");
  if (!(validation_split >= 0 && validation_split < 1))
    throw UserError("split",
                    "validation_split " + std::to_string(validation_split) + " must be in [0, 1)");
  const int n = int(ds.size());
  CNNLAB_ASSERT(ds.duplicate_group.empty() || ds.duplicate_group.size() == ds.size(),
                "duplicate_group must have one entry per image");
  std::vector<int> perm = numpy_legacy_permutation(n, seed);
  int n_test = int(std::ceil(test_size * double(n)));  // sklearn: ceil(test_size * n_samples)
  if (n_test >= n && n > 0)
    throw UserError(ds.root,
                    "test_size " + std::to_string(test_size) + " leaves no training images",
                    "use a smaller test_size or more images");
  Split s;
  s.test.assign(perm.begin(), perm.begin() + n_test);
  std::vector<int> train(perm.begin() + n_test, perm.end());
  s.duplicates_moved = keep_duplicates_together(ds.duplicate_group, s.test, train);
  if (s.duplicates_moved > 0)
    log_info("split: moved " + std::to_string(s.duplicates_moved) +
             " duplicate image(s) from test to train so byte-identical files stay together");
  // Keras fit(validation_split): split_at = int(len * (1 - validation_split)), val is the tail.
  size_t split_at = size_t(double(train.size()) * (1.0 - validation_split));
  s.train.assign(train.begin(), train.begin() + long(split_at));
  s.val.assign(train.begin() + long(split_at), train.end());
  return s;
}

Scaling compute_scaling(const Dataset& ds, const std::vector<int>& indices) {
  CNNLAB_ASSERT(!indices.empty(), "compute_scaling needs at least one image");
  const size_t per_image = ds.image_bytes();
  // A histogram of byte values makes the statistics exact and order-independent.
  uint64_t hist[256] = {};
#pragma omp parallel
  {
    uint64_t local[256] = {};
#pragma omp for schedule(static)
    for (long k = 0; k < long(indices.size()); ++k) {
      int i = indices[size_t(k)];
      CNNLAB_ASSERT(i >= 0 && size_t(i) < ds.size(), "index out of range");
      const uint8_t* p = ds.image(size_t(i));
      for (size_t j = 0; j < per_image; ++j) local[p[j]]++;
    }
#pragma omp critical
    for (int v = 0; v < 256; ++v) hist[v] += local[v];
  }
  double count = double(indices.size()) * double(per_image), sum = 0;
  for (int v = 0; v < 256; ++v) sum += double(hist[v]) * (v / 255.0);
  double mean = sum / count, var = 0;
  for (int v = 0; v < 256; ++v) {
    double d = v / 255.0 - mean;
    var += double(hist[v]) * d * d;
  }
  var /= count;  // population variance (numpy/StandardScaler ddof=0)
  int distinct = 0;
  for (int v = 0; v < 256; ++v) distinct += hist[v] > 0;
  Scaling s;
  s.mean = float(mean);
  // StandardScaler: a constant feature gets scale 1 (var would be rounding noise, not zero).
  s.std = distinct > 1 ? float(std::sqrt(var)) : 1.0f;
  return s;
}

void make_batch(const Dataset& ds, const int* indices, int n, const Scaling& scaling, float* x_out,
                int* y_out) {
  CNNLAB_ASSERT(n >= 0 && (n == 0 || (indices && x_out)), "make_batch: bad arguments");
  CNNLAB_ASSERT(scaling.std != 0, "scaling.std must be non-zero");
  CNNLAB_ASSERT(ds.channels == 3, "dataset must be RGB");
  float lut[256];
  for (int v = 0; v < 256; ++v)
    lut[v] = float((v / 255.0 - double(scaling.mean)) / double(scaling.std));
  const size_t per_image = ds.image_bytes();  // H*W*3
#pragma omp parallel for schedule(static)
  for (int k = 0; k < n; ++k) {
    int i = indices[k];
    CNNLAB_ASSERT(i >= 0 && size_t(i) < ds.size(), "batch index out of range");
    const uint8_t* p = ds.image(size_t(i));
    float* x = x_out + size_t(k) * per_image;  // (H, W, 3)
    for (size_t j = 0; j < per_image; ++j) x[j] = lut[p[j]];
    if (y_out) y_out[k] = ds.labels[size_t(i)];
  }
}

}  // namespace cnnlab
