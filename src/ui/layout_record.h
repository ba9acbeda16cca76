// ui/layout_record.h — where the last frame drew each grid cell, the window and the tape, for pixel
// tests.
#pragma once
#include <string>
#include <vector>

namespace cnnlab {

// All coordinates are framebuffer pixels, origin top-left. A grid's displayed cell (r, c) —
// padding rows/cols included — covers [x0 + c·cell, x0 + (c+1)·cell) × [y0 + r·cell, …).
struct LayoutGrid {
  std::string name;  // "input.c0", "kernel0.k0.c0", "out0.c0", …
  float x0 = 0, y0 = 0, cell = 0;
  int rows = 0, cols = 0;
  int pad_top = 0,
      pad_left =
          0;  // displayed padding: real cell (y, x) is displayed at (y + pad_top, x + pad_left)
};

struct LayoutCell {
  std::string grid;
  int row = 0, col = 0;  // displayed coordinates
  std::string state;     // "window", "filled", "blank", "current"
};

struct LayoutRect {
  std::string name;  // "tape", "formula"
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

struct LayoutRecord {
  int width = 0, height = 0;
  std::string lesson;
  int step = 0;  // 1-based, as shown
  std::vector<LayoutGrid> grids;
  std::vector<LayoutCell> cells;
  std::vector<LayoutRect> rects;

  void clear() {
    grids.clear();
    cells.clear();
    rects.clear();
  }
};

// One record per line, space-separated: "size W H", "lesson ID", "step K",
// "grid NAME X0 Y0 CELL ROWS COLS PAD_TOP PAD_LEFT", "cell GRID ROW COL STATE",
// "rect NAME X0 Y0 X1 Y1".
std::string format_layout(const LayoutRecord& layout);
LayoutRecord parse_layout(const std::string& text);

}  // namespace cnnlab
