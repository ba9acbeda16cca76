// ui/training/training_widgets.cpp — small widgets the training panels share: headers with PNG
// export, textures with a headless placeholder, colour bars, axis ticks, thumbnails.
#include <cmath>
#include <cstdio>

#include "ui/training/training_panels.h"

namespace cnnlab {

ImU32 to_u32(Rgb c, float alpha) {
  return ImGui::ColorConvertFloat4ToU32(ImVec4(c.r, c.g, c.b, alpha));
}

void panel_header(TrainingUi& ui, const char* title, const char* name) {
  record_panel_rect(ui, name);
  ImGui::TextUnformatted(title);
  if (training_focus_active(ui)) {  // F5: say where we are and how to move on, if it fits
    char hint[96];
    std::snprintf(hint, sizeof hint, "%d/%zu · PageDown: next · Esc: back", ui.focus + 1,
                  training_focus_panels().size());
    float room = ImGui::GetContentRegionAvail().x - ImGui::GetItemRectSize().x -
                 ImGui::CalcTextSize("PNG").x * 2;
    if (ImGui::CalcTextSize(hint).x < room) {
      ImGui::SameLine(0, ImGui::GetFontSize());
      ImGui::TextDisabled("%s", hint);
    }
  }
  float button_w = ImGui::CalcTextSize("PNG").x + ImGui::GetStyle().FramePadding.x * 2;
  ImGui::SameLine(std::max(ImGui::GetContentRegionAvail().x + ImGui::GetCursorPosX() - button_w - 4,
                           ImGui::GetCursorPosX()));
  ImGui::PushID(name);
  if (ImGui::SmallButton("PNG")) request_panel_png(ui, name);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Save this panel as a PNG in %s/training", ui.export_dir.c_str());
  ImGui::PopID();
}

void texture_image(GLuint id, ImVec2 size, ImVec2 uv0, ImVec2 uv1) {
  if (id) {
    ImGui::Image(ImTextureID(intptr_t(id)), size, uv0, uv1);
    return;
  }
  ImVec2 p = ImGui::GetCursorScreenPos();
  ImGui::Dummy(size);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRect(p, ImVec2(p.x + size.x, p.y + size.y), ImGui::GetColorU32(ImGuiCol_Border));
  dl->AddLine(p, ImVec2(p.x + size.x, p.y + size.y), ImGui::GetColorU32(ImGuiCol_Border));
}

void colorbar(ColormapKind kind, float lo, float hi, float width) {
  char a[32], b[32];
  if (kind == ColormapKind::Diverging) {
    float m = std::max(std::fabs(lo), std::fabs(hi));
    lo = -m, hi = m;
  }
  std::snprintf(a, sizeof a, "%.3g", lo);
  std::snprintf(b, sizeof b, "%.3g", hi);
  ImGui::TextUnformatted(a);
  ImGui::SameLine();
  ImVec2 p = ImGui::GetCursorScreenPos();
  float h = ImGui::GetTextLineHeight();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const int steps = 32;  // a legend, not data: 32 swatches are plenty
  for (int i = 0; i < steps; ++i) {
    float t = (i + 0.5f) / steps;
    Rgb c = kind == ColormapKind::Viridis ? viridis(t) : diverging_cb(2 * t - 1);
    dl->AddRectFilled(ImVec2(p.x + width * i / steps, p.y),
                      ImVec2(p.x + width * (i + 1) / steps + 1, p.y + h), to_u32(c));
  }
  ImGui::Dummy(ImVec2(width, h));
  ImGui::SameLine();
  ImGui::TextUnformatted(b);
}

std::vector<double> nice_ticks(double lo, double hi, int count) {
  std::vector<double> out;
  if (!(hi > lo) || count < 1) return {lo};
  double raw = (hi - lo) / count, mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
    out.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
  return out;
}

// `text` shortened with "…" to `w` pixels: a label never runs into its neighbour.
std::string fit_text(std::string text, float w) {
  if (ImGui::CalcTextSize(text.c_str()).x <= w) return text;
  while (!text.empty()) {
    size_t cut = text.size() - 1;
    while (cut > 0 && (text[cut] & 0xC0) == 0x80) --cut;  // whole UTF-8 characters
    text.resize(cut);
    if (ImGui::CalcTextSize((text + "…").c_str()).x <= w) break;
  }
  return text + "…";
}

std::string class_name(const Snapshot& s, int label) {
  if (label >= 0 && size_t(label) < s.class_names.size()) return s.class_names[size_t(label)];
  return "class " + std::to_string(label);
}

void thumbnail(const TrainingUi& ui, int index, float side) {
  const TrainingGl& gl = ui.gl;
  if (!gl.thumbs.valid() || gl.thumb_cols <= 0 || index < 0) {
    texture_image(0, ImVec2(side, side));
    return;
  }
  float tw = float(gl.thumb_side) / gl.thumbs.width(),
        th = float(gl.thumb_side) / gl.thumbs.height();
  int col = index % gl.thumb_cols, row = index / gl.thumb_cols;
  texture_image(gl.thumbs.id(), ImVec2(side, side), ImVec2(col * tw, row * th),
                ImVec2((col + 1) * tw, (row + 1) * th));
}

}  // namespace cnnlab
