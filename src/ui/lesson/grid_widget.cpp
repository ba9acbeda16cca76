// ui/lesson/grid_widget.cpp — the numbered-cell grid: backgrounds, hatching, frames, values, hit
// testing.
#include "ui/lesson/grid_widget.h"

#include <algorithm>

namespace cnnlab {

namespace {

// Value text at `fill` × the cell's side (kValueFill: a digit's ink is then half the cell), shrunk
// for long numbers, centred on (cx, cy) in cell units. Big cells use the digits-only font so the
// numbers stay crisp instead of being stretched.
void draw_cell_text(ImDrawList* dl, const Fonts& fonts, ImVec2 p0, float cell,
                    const std::string& text, uint32_t color, float fill, float cx = 0.5f,
                    float cy = 0.5f) {
  ImFont* font = fonts.mono;
  if (text.empty() || !font) return;
  bool digits_only = text.find_first_not_of("0123456789.-+?") == std::string::npos;
  if (fonts.digits && digits_only && cell * fill > font->FontSize) font = fonts.digits;
  float size = cell * fill;
  ImVec2 extent = font->CalcTextSizeA(size, FLT_MAX, 0, text.c_str());
  if (extent.x > cell * 0.86f) {
    size *= cell * 0.86f / extent.x;
    extent = font->CalcTextSizeA(size, FLT_MAX, 0, text.c_str());
  }
  float x = std::clamp(p0.x + cell * cx - extent.x * 0.5f, p0.x + cell * 0.07f,
                       p0.x + cell * 0.93f - extent.x);
  dl->AddText(font, size, ImVec2(x, p0.y + cell * cy - extent.y * 0.5f), color, text.c_str());
}

// The kernel weight "×1" in the bottom-right corner, kOverlayFill × the cell: its ink is at least
// 40% of the value's (the value moves up-left to make room, see draw_cell).
void draw_overlay(ImDrawList* dl, const Fonts& fonts, ImVec2 b, float cell, const std::string& text,
                  uint32_t color) {
  ImFont* font = fonts.digits && fonts.from_ttf ? fonts.digits : fonts.small;  // digits has "×"
  if (!font) return;
  float size = cell * kOverlayFill;
  ImVec2 extent = font->CalcTextSizeA(size, FLT_MAX, 0, text.c_str());
  if (extent.x > cell * 0.6f) {
    size *= cell * 0.6f / extent.x;
    extent = font->CalcTextSizeA(size, FLT_MAX, 0, text.c_str());
  }
  dl->AddText(font, size, ImVec2(b.x - extent.x - cell * 0.06f, b.y - extent.y - cell * 0.02f),
              color, text.c_str());
}

// Diagonal lines: "/" for the zero border, "\\" (backwards) for cells a stride never reaches, so
// the two differ in shape as well as colour.
void draw_hatch(ImDrawList* dl, ImVec2 a, ImVec2 b, uint32_t color, bool backwards = false) {
  float step = (b.x - a.x) / 4.0f, h = b.y - a.y;
  dl->PushClipRect(a, b, true);
  for (float d = -h; d < b.x - a.x; d += step) {
    if (backwards)
      dl->AddLine(ImVec2(a.x + d, a.y), ImVec2(a.x + d + h, b.y), color, 1.5f);
    else
      dl->AddLine(ImVec2(a.x + d, b.y), ImVec2(a.x + d + h, a.y), color, 1.0f);
  }
  dl->PopClipRect();
}

void draw_cell(ImDrawList* dl, const CellLook& look, ImVec2 a, float cell, const GridColors& colors,
               const Fonts& fonts) {
  ImVec2 b(a.x + cell, a.y + cell);
  uint32_t bg = colors.cell_bg;
  if (look.blank || look.hidden)
    bg = colors.blank_bg;
  else if (look.in_window)
    bg = colors.window_bg;
  else if (look.padding)
    bg = colors.padding_bg;
  if (look.is_max && !look.hidden) bg = colors.max_bg;
  dl->AddRectFilled(a, b, bg);
  if (look.padding && !look.in_window) draw_hatch(dl, a, b, colors.padding_hatch);
  if (look.dropped) draw_hatch(dl, a, b, (colors.max_frame & 0x00FFFFFFu) | 0x70000000u, true);
  dl->AddRect(a, b, colors.cell_border, 0, 0, std::max(1.0f, cell / 60.0f));
  // A kernel weight (bottom-right) or the "max" tag (top-left) moves the value out of its way.
  bool overlay = !look.overlay.empty();
  bool max_tag = look.is_max && !look.hidden;
  float fill = max_tag ? kValueFill * 0.7f : kValueFill;
  float cx = overlay ? 0.42f : 0.5f, cy = overlay ? 0.4f : max_tag ? 0.62f : 0.5f;
  if (look.hidden) {
    draw_cell_text(dl, fonts, a, cell, "?", colors.text, kValueFill);
  } else if (!look.blank) {
    draw_cell_text(dl, fonts, a, cell, look.text, colors.text, fill, cx, cy);
  }
  if (overlay) draw_overlay(dl, fonts, b, cell, look.overlay, colors.overlay_text);
  if (max_tag) {
    float t = std::max(2.0f, cell / 22.0f);
    dl->AddRect(ImVec2(a.x + t, a.y + t), ImVec2(b.x - t, b.y - t), colors.max_frame, 0, 0, t);
    dl->AddRect(ImVec2(a.x + 3 * t, a.y + 3 * t), ImVec2(b.x - 3 * t, b.y - 3 * t),
                colors.max_frame, 0, 0, 1.0f);
    if (fonts.mono) {  // above the value (which sits low in a max cell), inside the frames
      float size = cell * 0.24f;
      dl->AddText(fonts.mono, size, ImVec2(a.x + 4 * t, a.y + 3.5f * t), colors.max_frame, "max");
    }
  }
  if (look.current) {
    float t = std::max(3.0f, cell / 14.0f);
    dl->AddRect(ImVec2(a.x + t * 0.5f, a.y + t * 0.5f), ImVec2(b.x - t * 0.5f, b.y - t * 0.5f),
                colors.current_frame, 0, 0, t);
  }
}

}  // namespace

GridHit draw_grid(const char* id, int rows, int cols, float cell, const GridWindow& window,
                  const GridColors& colors, const Fonts& fonts,
                  const std::function<CellLook(int, int)>& look, LayoutRecord* layout,
                  const std::string& name, int pad_top, int pad_left) {
  GridHit hit;
  ImVec2 origin = ImGui::GetCursorScreenPos();
  ImVec2 size(float(cols) * cell, float(rows) * cell);
  ImGui::InvisibleButton(id, ImVec2(std::max(size.x, 1.0f), std::max(size.y, 1.0f)),
                         ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight);
  if (ImGui::IsItemHovered()) {
    ImVec2 m = ImGui::GetIO().MousePos;
    hit.col = std::clamp(int((m.x - origin.x) / cell), 0, cols - 1);
    hit.row = std::clamp(int((m.y - origin.y) / cell), 0, rows - 1);
    hit.hovered = true;
    hit.clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
    hit.right_clicked = ImGui::IsItemClicked(ImGuiMouseButton_Right);
  }
  ImDrawList* dl = ImGui::GetWindowDrawList();
  if (layout)
    layout->grids.push_back({name, origin.x, origin.y, cell, rows, cols, pad_top, pad_left});
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      CellLook l = look(r, c);
      ImVec2 a(origin.x + float(c) * cell, origin.y + float(r) * cell);
      draw_cell(dl, l, a, cell, colors, fonts);
      if (layout) {
        const char* state = l.current               ? "current"
                            : l.in_window           ? "window"
                            : (l.blank || l.hidden) ? "blank"
                            : l.dropped             ? "dropped"
                                                    : "filled";
        layout->cells.push_back({name, r, c, state});
      }
    }
  }
  if (window.h > 0) {
    float t = std::max(4.0f, cell / 12.0f);
    ImVec2 a(origin.x + float(window.col) * cell - t * 0.5f,
             origin.y + float(window.row) * cell - t * 0.5f);
    ImVec2 b(a.x + float(window.w) * cell + t, a.y + float(window.h) * cell + t);
    dl->AddRect(a, b, colors.window_frame, 0, 0, t);
  }
  if (hit.hovered) {
    ImVec2 a(origin.x + float(hit.col) * cell, origin.y + float(hit.row) * cell);
    dl->AddRect(a, ImVec2(a.x + cell, a.y + cell), colors.window_frame, 0, 0, 2.0f);
  }
  return hit;
}

}  // namespace cnnlab
