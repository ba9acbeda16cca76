// ui/theme.cpp — ImGui style and grid colours for the light high-contrast theme and the dark one.
#include "ui/theme.h"

#include <imgui.h>

#include "gfx/colormap.h"

namespace cnnlab {

namespace {

void light_style(ImGuiStyle& style) {
  ImGui::StyleColorsLight(&style);
  ImVec4* c = style.Colors;
  c[ImGuiCol_Text] = ImVec4(0, 0, 0, 1);
  c[ImGuiCol_TextDisabled] = ImVec4(0.30f, 0.30f, 0.30f, 1);
  c[ImGuiCol_WindowBg] = ImVec4(1, 1, 1, 1);
  c[ImGuiCol_ChildBg] = ImVec4(1, 1, 1, 0);
  c[ImGuiCol_PopupBg] = ImVec4(1, 1, 1, 1);
  c[ImGuiCol_Border] = ImVec4(0.15f, 0.15f, 0.15f, 0.9f);
  c[ImGuiCol_FrameBg] = ImVec4(0.93f, 0.93f, 0.93f, 1);
  c[ImGuiCol_MenuBarBg] = ImVec4(0.90f, 0.90f, 0.90f, 1);
  c[ImGuiCol_Button] = ImVec4(0.84f, 0.90f, 0.96f, 1);
  c[ImGuiCol_ButtonHovered] = ImVec4(0.66f, 0.80f, 0.94f, 1);
  c[ImGuiCol_ButtonActive] = ImVec4(0.34f, 0.62f, 0.88f, 1);
  c[ImGuiCol_Header] = ImVec4(0.80f, 0.88f, 0.96f, 1);
  c[ImGuiCol_HeaderHovered] = ImVec4(0.66f, 0.80f, 0.94f, 1);
  c[ImGuiCol_HeaderActive] = ImVec4(0.34f, 0.62f, 0.88f, 1);
  c[ImGuiCol_Tab] = ImVec4(0.84f, 0.90f, 0.96f, 1);
  c[ImGuiCol_TabActive] = ImVec4(0.34f, 0.62f, 0.88f, 1);
  c[ImGuiCol_TabHovered] = ImVec4(0.66f, 0.80f, 0.94f, 1);
  c[ImGuiCol_CheckMark] = ImVec4(0.0f, 0.30f, 0.60f, 1);
  c[ImGuiCol_SliderGrab] = ImVec4(0.0f, 0.45f, 0.70f, 1);
  c[ImGuiCol_SliderGrabActive] = ImVec4(0.0f, 0.30f, 0.60f, 1);
  style.FrameBorderSize = 1.0f;
  style.WindowBorderSize = 1.0f;
  style.ChildBorderSize = 1.0f;
}

void dark_style(ImGuiStyle& style) {
  ImGui::StyleColorsDark(&style);
  ImVec4* c = style.Colors;
  c[ImGuiCol_Text] = ImVec4(1, 1, 1, 1);
  c[ImGuiCol_WindowBg] = ImVec4(0.08f, 0.08f, 0.09f, 1);
  c[ImGuiCol_Border] = ImVec4(0.6f, 0.6f, 0.6f, 0.8f);
  style.FrameBorderSize = 1.0f;
}

GridColors light_grid() {
  GridColors g{};
  g.page_bg = pack_rgba({1, 1, 1});
  g.cell_bg = pack_rgba({1, 1, 1});
  g.cell_border = pack_rgba({0.35f, 0.35f, 0.35f});
  g.text = pack_rgba({0, 0, 0});
  g.blank_bg = pack_rgba({0.86f, 0.86f, 0.86f});
  g.padding_bg = pack_rgba({0.93f, 0.93f, 0.93f});
  g.padding_hatch = pack_rgba({0.70f, 0.70f, 0.70f});
  g.window_bg = pack_rgba({0.72f, 0.86f, 0.97f});  // light sky blue
  g.window_frame = pack_rgba(okabe_ito::blue);
  g.overlay_text = pack_rgba({0.0f, 0.25f, 0.55f});
  g.current_frame = pack_rgba(okabe_ito::blue);
  g.max_frame = pack_rgba(okabe_ito::vermillion);
  g.max_bg = pack_rgba({1.0f, 0.86f, 0.62f});  // light orange
  g.right = pack_rgba(okabe_ito::blue);
  g.wrong = pack_rgba(okabe_ito::vermillion);
  return g;
}

GridColors dark_grid() {
  GridColors g = light_grid();
  g.page_bg = pack_rgba({0.08f, 0.08f, 0.09f});
  g.cell_bg = pack_rgba({0.12f, 0.12f, 0.13f});
  g.cell_border = pack_rgba({0.65f, 0.65f, 0.65f});
  g.text = pack_rgba({1, 1, 1});
  g.blank_bg = pack_rgba({0.28f, 0.28f, 0.28f});
  g.padding_bg = pack_rgba({0.18f, 0.18f, 0.18f});
  g.padding_hatch = pack_rgba({0.40f, 0.40f, 0.40f});
  g.window_bg = pack_rgba({0.05f, 0.30f, 0.50f});
  g.window_frame = pack_rgba(okabe_ito::sky_blue);
  g.overlay_text = pack_rgba({0.75f, 0.90f, 1.0f});
  g.current_frame = pack_rgba(okabe_ito::sky_blue);
  g.max_frame = pack_rgba(okabe_ito::orange);
  g.max_bg = pack_rgba({0.45f, 0.28f, 0.0f});
  g.right = pack_rgba(okabe_ito::sky_blue);
  g.wrong = pack_rgba(okabe_ito::orange);
  return g;
}

}  // namespace

GridColors grid_colors(bool high_contrast) {
  return high_contrast ? light_grid() : dark_grid();
}

Theme apply_theme(bool high_contrast, float scale) {
  ImGuiStyle style;
  if (high_contrast)
    light_style(style);
  else
    dark_style(style);
  style.WindowRounding = 0;
  style.FrameRounding = 3;
  style.FramePadding = ImVec2(8, 5);
  style.ItemSpacing = ImVec2(10, 8);
  style.ScaleAllSizes(scale);
  ImGui::GetStyle() = style;
  Theme theme;
  theme.high_contrast = high_contrast;
  theme.grid = grid_colors(high_contrast);
  return theme;
}

}  // namespace cnnlab
