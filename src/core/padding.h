// core/padding.h — "same" padding arithmetic (TensorFlow's rule), shared by nn layers and lessons.
#pragma once
#include <algorithm>

namespace cnnlab {

// "same": out = ceil(in / stride). Computed in 64 bits so that no int input can overflow.
inline int same_out_size(int in, int stride) {
  return int((static_cast<long long>(in) + stride - 1) / stride);
}

// The zeros "same" adds along one axis: total = max((out - 1)·S + K − in, 0), the smaller half
// before (top/left) and the extra one after (bottom/right), as TensorFlow does.
struct SamePadding {
  int before = 0, after = 0;
};
inline SamePadding same_padding(int in, int k, int stride) {
  long long out = same_out_size(in, stride);
  long long total = std::max<long long>((out - 1) * stride + k - in, 0);
  return {int(total / 2), int(total - total / 2)};
}

}  // namespace cnnlab
