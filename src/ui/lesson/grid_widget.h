// ui/lesson/grid_widget.h — draws one channel of a grid as large numbered cells and reports
// hover/click.
#pragma once
#include <imgui.h>

#include <functional>
#include <string>

#include "ui/fonts.h"
#include "ui/layout_record.h"
#include "ui/theme.h"

namespace cnnlab {

// A value's font size as a fraction of the cell's side: a digit's ink is then ~half the cell.
// A kernel weight's ("×1") font size: its ink ~43% of the value's.
constexpr float kValueFill = 0.84f;
constexpr float kOverlayFill = 0.36f;

struct CellLook {
  bool blank = false;      // not computed yet: grey, no number
  bool padding = false;    // zero border: hatched, "0" in grey
  bool in_window = false;  // inside the current window: blue background
  bool current = false;    // the output cell being computed: thick frame
  bool is_max = false;     // the pool window's max: orange double frame, "max" tag
  bool hidden = false;     // predict mode: "?" until answered
  bool dropped = false;    // no window of the next op ever covers it (stride does not fit): crossed
  std::string text;        // the value
  std::string overlay;     // small text bottom-right, e.g. the kernel weight "×1"
};

struct GridHit {
  bool hovered = false, clicked = false, right_clicked = false;
  int row = -1, col = -1;  // displayed coordinates of the cell under the mouse
};

// A window to frame on this grid, in displayed coordinates; h = 0 for none.
struct GridWindow {
  int row = 0, col = 0, h = 0, w = 0;
};

// Draws rows × cols cells of side `cell` at the cursor as one ImGui item. `look(r, c)` describes
// each displayed cell. When `layout` is non-null, records the grid as `name` and its cells.
GridHit draw_grid(const char* id, int rows, int cols, float cell, const GridWindow& window,
                  const GridColors& colors, const Fonts& fonts,
                  const std::function<CellLook(int, int)>& look, LayoutRecord* layout,
                  const std::string& name, int pad_top, int pad_left);

}  // namespace cnnlab
