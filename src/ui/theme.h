// ui/theme.h — the high-contrast theme and the grid colours (colour-blind safe: blue vs orange,
// plus shapes).
#pragma once
#include <cstdint>

namespace cnnlab {

// Packed IM_COL32 colours for the grid widget. Every distinction also has a shape: the window
// has a thick frame, the current output cell a thick frame, the pool's max a double frame and a
// "max" tag, padding a diagonal hatch — so nothing depends on telling colours apart.
struct GridColors {
  uint32_t cell_bg, cell_border, text, blank_bg, padding_bg, padding_hatch;
  uint32_t window_bg, window_frame, overlay_text, current_frame, max_frame, max_bg;
  uint32_t wrong, right;  // predict feedback (with ✓ / ✗ shapes)
  uint32_t page_bg;
};

struct Theme {
  bool high_contrast = true;
  GridColors grid{};
};

// The grid colours of either theme (no ImGui needed: pixel tests use them too).
GridColors grid_colors(bool high_contrast);

// Sets ImGui's style for `high_contrast` (light, black on white, strong frames) or dark, with all
// sizes scaled by `scale`. Returns the matching grid colours.
Theme apply_theme(bool high_contrast, float scale);

}  // namespace cnnlab
