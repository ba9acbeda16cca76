// data/split.h — train/val/test split (numpy/sklearn/Keras-compatible), scaling statistics,
// batches.
#pragma once
#include <cstdint>
#include <vector>

#include "data/dataset.h"

namespace cnnlab {

// == np.random.RandomState(seed).permutation(n) (MT19937 + legacy bounded ints).
// e.g. seed 42, n 10 → [8 1 5 0 7 2 9 4 3 6].
std::vector<int> numpy_legacy_permutation(int n, uint32_t seed);

struct Split {
  std::vector<int> train, val, test;  // indices into the dataset
  int duplicates_moved = 0;           // test members swapped to keep byte-identical files together
};

// Like sklearn train_test_split(shuffle=True, random_state=seed): perm = numpy_legacy_permutation;
// n_test = ceil(test_size * n); test = perm[:n_test], train = perm[n_test:]. Then byte-identical
// duplicates are kept on one side (a straddling test member is swapped with the nearest
// non-duplicate train item; sizes unchanged). Then Keras validation_split:
// split_at = int(len(train) * (1 - validation_split)); val = train[split_at:], train =
// train[:split_at]. 500 files → test 100, train 400 → train 360, val 40.
Split make_split(const Dataset& ds, double test_size = 0.2, double validation_split = 0.1,
                 uint32_t seed = 42);

// Scalar mean/std of x/255 over all pixels of the given images (like the course's StandardScaler
// applied to the whole array as one feature). Parallel, double accumulation.
struct Scaling {
  float mean = 0, std = 1;
};
Scaling compute_scaling(const Dataset& ds, const std::vector<int>& indices);

// x_out (n, H, W, 3) = ((p / 255) - mean) / std; y_out (n) = labels. Parallel over images.
void make_batch(const Dataset& ds, const int* indices, int n, const Scaling& scaling, float* x_out,
                int* y_out);

}  // namespace cnnlab
