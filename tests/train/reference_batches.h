// tests/train/reference_batches.h — the inputs of the PyTorch reference run, generated
// bit-identically here and in bench/torch_reference.py (integer hash → float32), so no batch file
// is checked in.
#pragma once
#include <cstdint>
#include <vector>

namespace cnnlab::test {

// The tiny preset at 16×16×3 with 3 classes; 18 samples, 10 Adam steps over batches of 6 (the last
// 4).
constexpr int kRefSize = 16, kRefChannels = 3, kRefClasses = 3, kRefSamples = 18, kRefSteps = 10,
              kRefBatch = 6;

// lowbias32 (Chris Wellons): a 32-bit integer hash, the same in Python with & 0xffffffff.
inline uint32_t ref_hash(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

// Labels i % 3; pixels (N, H, W, C) uniform in [-1, 1] in steps of 0.001, plus 0.5 in channel
// `label` (so the model has something to learn). Computed in double, rounded once to float32.
inline void reference_batches(std::vector<float>& x, std::vector<int>& y) {
  const int per = kRefSize * kRefSize * kRefChannels;
  x.assign(size_t(kRefSamples) * per, 0.f);
  y.assign(kRefSamples, 0);
  for (int i = 0; i < kRefSamples; ++i) {
    y[size_t(i)] = i % kRefClasses;
    for (int k = 0; k < per; ++k) {
      int c = k % kRefChannels;
      double v = (double(ref_hash(uint32_t(i * per + k)) % 2001u) - 1000.0) / 1000.0;
      x[size_t(i) * per + size_t(k)] = float(v + (c == y[size_t(i)] ? 0.5 : 0.0));
    }
  }
}

// Step s (0-based) trains on samples [first, first + n): the three batches of 6 in turn, the last
// step 4.
inline int reference_first(int s) {
  return (s % 3) * kRefBatch;
}
inline int reference_n(int s) {
  return s == kRefSteps - 1 ? 4 : kRefBatch;
}

}  // namespace cnnlab::test
