// lesson/grid.cpp — Grid storage and number/grid formatting shared by the stepper, the CLI and the
// UI.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/check.h"
#include "lesson/lesson.h"

namespace cnnlab {

const char* const kDefaultTieRule =
    "When several cells share the maximum, the first one in reading order wins: "
    "left to right along the top row, then the next row down.";

Grid::Grid(int h_, int w_, int c_, double fill) : h(h_), w(w_), c(c_) {
  CNNLAB_ASSERT(h_ >= 0 && w_ >= 0 && c_ >= 1, "grid shape must be non-negative, c >= 1");
  v.assign(size_t(h) * size_t(w) * size_t(c), fill);
}

double& Grid::at(int y, int x, int ch) {
  CNNLAB_ASSERT(in_bounds(y, x) && ch >= 0 && ch < c, "grid index out of range");
  return v[(size_t(y) * size_t(w) + size_t(x)) * size_t(c) + size_t(ch)];
}

double Grid::at(int y, int x, int ch) const {
  CNNLAB_ASSERT(in_bounds(y, x) && ch >= 0 && ch < c, "grid index out of range");
  return v[(size_t(y) * size_t(w) + size_t(x)) * size_t(c) + size_t(ch)];
}

Grid Grid::channel(int ch) const {
  CNNLAB_ASSERT(ch >= 0 && ch < c, "channel out of range");
  Grid out(h, w, 1);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) out.at(y, x) = at(y, x, ch);
  return out;
}

std::string format_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  double r = std::round(value);
  char buf[64];
  if (std::fabs(value - r) < 1e-9 && std::fabs(r) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", r == 0 ? 0.0 : r);  // never "-0"
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.4f", value);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

std::string format_grid(const Grid& g, int ch) {
  size_t width = 1;
  for (int y = 0; y < g.h; ++y)
    for (int x = 0; x < g.w; ++x) width = std::max(width, format_number(g.at(y, x, ch)).size());
  std::string out;
  for (int y = 0; y < g.h; ++y) {
    for (int x = 0; x < g.w; ++x) {
      std::string s = format_number(g.at(y, x, ch));
      if (x > 0) out += ' ';
      out += std::string(width - s.size(), ' ') + s;
    }
    out += '\n';
  }
  return out;
}

}  // namespace cnnlab
