// core/rng.h — one seeded, portable RNG (PCG32): same seed, same numbers on every platform.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

namespace cnnlab {

// PCG32 (O'Neill). std::uniform_*_distribution differ between standard libraries, so every
// draw cnnlab makes (init, split, shuffles) goes through these few functions instead.
class Rng {
 public:
  explicit Rng(uint64_t seed = 42, uint64_t stream = 54) { reseed(seed, stream); }
  void reseed(uint64_t seed, uint64_t stream = 54) {
    state_ = 0;
    inc_ = (stream << 1u) | 1u;
    next_u32();
    state_ += seed;
    next_u32();
  }
  uint32_t next_u32() {
    uint64_t old = state_;
    state_ = old * 6364136223846793005ULL + inc_;
    uint32_t xorshifted = uint32_t(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = uint32_t(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
  }
  // Uniform in [0, 1) with 24 bits (exactly representable as float).
  float uniform() { return float(next_u32() >> 8) * (1.0f / 16777216.0f); }
  float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n), unbiased (Lemire's rejection).
  uint32_t below(uint32_t n) {
    uint32_t threshold = (-n) % n;
    for (;;) {
      uint32_t r = next_u32();
      if (r >= threshold) return r % n;
    }
  }
  // Fisher–Yates shuffle.
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(uint32_t(i))]);
  }

 private:
  uint64_t state_ = 0, inc_ = 0;
};

}  // namespace cnnlab
