// ui/training/training_atlas.cpp — pure functions from snapshot tensors to what the GPU shows:
// feature-map and kernel atlases, value ranges, RGB kernel tiles, dataset thumbnails. No GL: tested
// with exact values.
#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "ui/image_io.h"
#include "ui/training/training_state.h"

namespace cnnlab {

int feature_grid_cols(int channels) {
  return channels <= 4 ? 2 : channels <= 16 ? 4 : 8;
}

void feature_atlas_rows(const TensorCopy& t, int cols, int y0, int n, std::vector<float>& out) {
  CNNLAB_ASSERT(t.shape.size() == 3, "feature_atlas: (H, W, C)");
  const int h = t.shape[0], w = t.shape[1], c = t.shape[2];
  const size_t aw = size_t(cols) * size_t(w);
  out.resize(size_t(n) * aw);
  for (int r = 0; r < n; ++r) {
    const int tile_row = (y0 + r) / h, y = (y0 + r) % h;
    for (int tc = 0; tc < cols; ++tc) {
      float* o = &out[size_t(r) * aw + size_t(tc) * w];
      const int ch = tile_row * cols + tc;
      if (ch >= c) {
        std::fill(o, o + w, kGapValue);
        continue;
      }
      const float* px = &t.values[size_t(y) * w * c + size_t(ch)];  // (y, 0, ch), stride C
      for (int x = 0; x < w; ++x) o[x] = px[size_t(x) * c];
    }
  }
}

std::vector<float> feature_atlas(const TensorCopy& t, int cols) {
  CNNLAB_ASSERT(t.shape.size() == 3, "feature_atlas: (H, W, C)");
  const int rows = (t.shape[2] + cols - 1) / cols;
  std::vector<float> out;
  feature_atlas_rows(t, cols, 0, rows * t.shape[0], out);
  return out;
}

std::vector<std::pair<float, float>> feature_ranges(const TensorCopy& t, bool per_layer) {
  CNNLAB_ASSERT(t.shape.size() == 3, "feature_ranges: (H, W, C)");
  const size_t c = size_t(t.shape[2]);
  // Pixel by pixel into separate lo/hi rows (vectorises; an `i % c` per value cost ~10 ms at 299²).
  std::vector<float> los(c, INFINITY), his(c, -INFINITY);
  for (size_t i = 0; i + c <= t.values.size(); i += c)
    for (size_t ch = 0; ch < c; ++ch) {
      los[ch] = std::min(los[ch], t.values[i + ch]);
      his[ch] = std::max(his[ch], t.values[i + ch]);
    }
  std::vector<std::pair<float, float>> r(c);
  for (size_t ch = 0; ch < c; ++ch) r[ch] = {los[ch], his[ch]};
  if (per_layer) {
    std::pair<float, float> all{INFINITY, -INFINITY};
    for (auto& [lo, hi] : r) all = {std::min(all.first, lo), std::max(all.second, hi)};
    return {all};
  }
  return r;
}

float kernel_at(const TensorCopy& k, const TensorCopy* init, int i, int j, int ci, int co) {
  const int kw = k.shape[1], cin = k.shape[2], cout = k.shape[3];
  size_t src = ((size_t(i) * kw + j) * cin + ci) * cout + co;
  return k.values[src] - (init ? init->values[src] : 0.0f);
}

float filter_abs_max(const TensorCopy& k, const TensorCopy* init, int co) {
  CNNLAB_ASSERT(k.shape.size() == 4, "filter_abs_max: (KH, KW, Cin, Cout)");
  float m = 0;
  for (int i = 0; i < k.shape[0]; ++i)
    for (int j = 0; j < k.shape[1]; ++j)
      for (int ci = 0; ci < k.shape[2]; ++ci)
        m = std::max(m, std::fabs(kernel_at(k, init, i, j, ci, co)));
  return m;
}

TexelSize kernel_grid_size(const TensorCopy& k) {
  CNNLAB_ASSERT(k.shape.size() == 4, "kernel_grid_size: (KH, KW, Cin, Cout)");
  return {(k.shape[1] + 1) * k.shape[3], (k.shape[0] + 1) * k.shape[2]};
}

std::vector<float> kernel_grid_atlas(const TensorCopy& k, const TensorCopy* init) {
  CNNLAB_ASSERT(k.shape.size() == 4, "kernel_grid_atlas: (KH, KW, Cin, Cout)");
  const int kh = k.shape[0], kw = k.shape[1], cin = k.shape[2], cout = k.shape[3];
  const TexelSize size = kernel_grid_size(k);
  std::vector<float> out(size_t(size.width) * size_t(size.height), kGapValue);
  for (int i = 0; i < kh; ++i)
    for (int j = 0; j < kw; ++j)
      for (int ci = 0; ci < cin; ++ci)
        for (int co = 0; co < cout; ++co)
          out[(size_t(ci) * (kh + 1) + i) * size_t(size.width) + size_t(co) * (kw + 1) + j] =
              kernel_at(k, init, i, j, ci, co);
  return out;
}

float kernel_abs_max(const TensorCopy& k, const TensorCopy* init) {
  float m = 0;
  for (size_t i = 0; i < k.values.size(); ++i)
    m = std::max(m, std::fabs(k.values[i] - (init ? init->values[i] : 0.0f)));
  return m;
}

RgbaImage rgb_kernel_tiles(const TensorCopy& k, const TensorCopy* init) {
  CNNLAB_ASSERT(k.shape.size() == 4 && k.shape[2] == 3, "rgb_kernel_tiles: (KH, KW, 3, Cout)");
  const int kh = k.shape[0], kw = k.shape[1], cout = k.shape[3];
  RgbaImage img(cout * (kw + 1), kh);
  for (int co = 0; co < cout; ++co) {
    float m = filter_abs_max(k, init, co);
    for (int i = 0; i < kh; ++i)
      for (int j = 0; j < kw; ++j) {
        uint8_t* p = img.pixel(co * (kw + 1) + j, i);
        for (int ch = 0; ch < 3; ++ch) {
          float t = m > 0 ? 0.5f + 0.5f * kernel_at(k, init, i, j, ch, co) / m : 0.5f;
          p[ch] = uint8_t(std::lround(std::clamp(t, 0.0f, 1.0f) * 255.0f));
        }
        p[3] = 255;
      }
    for (int i = 0; i < kh; ++i) {  // the gap column: transparent
      uint8_t* p = img.pixel(co * (kw + 1) + kw, i);
      p[0] = p[1] = p[2] = p[3] = 0;
    }
  }
  return img;
}

float activation_at(const TensorCopy& t, int y, int x, int c) {
  CNNLAB_ASSERT(t.shape.size() == 3 && y >= 0 && y < t.shape[0] && x >= 0 && x < t.shape[1] &&
                    c >= 0 && c < t.shape[2],
                "activation_at: out of range");
  return t.values[(size_t(y) * t.shape[1] + x) * t.shape[2] + c];
}

RgbaImage thumbnail_atlas(const Dataset& data, const std::vector<int>& indices, int side,
                          int cols) {
  CNNLAB_ASSERT(side > 0 && cols > 0, "thumbnail_atlas: side, cols");
  int rows = std::max(1, int((indices.size() + size_t(cols) - 1) / size_t(cols)));
  RgbaImage img(cols * side, rows * side);
  for (size_t n = 0; n < indices.size(); ++n) {
    RgbaImage full = rgba_from_rgb(data.image(size_t(indices[n])), data.width, data.height);
    RgbaImage thumb = box_resize(full, side, side);
    int ox = int(n % size_t(cols)) * side, oy = int(n / size_t(cols)) * side;
    for (int y = 0; y < side; ++y)
      std::copy_n(thumb.pixel(0, y), size_t(side) * 4, img.pixel(ox, oy + y));
  }
  return img;
}

}  // namespace cnnlab
