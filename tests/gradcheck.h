// tests/gradcheck.h — numeric test helpers: a tiny-dnn-style central-difference gradient check, the
// random vectors it is fed, and running code at a given OpenMP thread count.
#pragma once
#include <doctest/doctest.h>
#include <omp.h>

#include <cmath>
#include <functional>
#include <vector>

#include "core/rng.h"

namespace cnnlab::test {

inline std::vector<float> random_vec(size_t n, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = rng.uniform(lo, hi);
  return v;
}

inline double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i];
  return s;
}

// Central differences of loss() w.r.t. every element of p, against `analytic`:
// |num - ana| <= atol + rtol |ana| for every element.
inline void check_grad(const char* what, std::vector<float>& p, const std::vector<float>& analytic,
                       const std::function<double()>& loss, float eps, double atol = 2e-3,
                       double rtol = 1e-2) {
  REQUIRE(p.size() == analytic.size());
  int bad = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const float keep = p[i];
    p[i] = keep + eps;
    const double lp = loss();
    p[i] = keep - eps;
    const double lm = loss();
    p[i] = keep;
    const double num = (lp - lm) / (2.0 * double(eps));
    if (std::abs(num - analytic[i]) > atol + rtol * std::abs(analytic[i])) {
      if (bad++ < 5)
        MESSAGE(what << "[" << i << "]: numeric " << num << " analytic " << analytic[i]);
    }
  }
  CHECK_MESSAGE(bad == 0, what << ": " << bad << " of " << p.size() << " gradients off");
}

// Runs f with OpenMP limited to `threads`, restoring the previous limit (thread-count
// independence).
template <class F>
void with_threads(int threads, F f) {
  const int keep = omp_get_max_threads();
  omp_set_num_threads(threads);
  f();
  omp_set_num_threads(keep);
}

}  // namespace cnnlab::test
