// ui/training/panel_train_maps.cpp — the probe image's feature maps: every channel of every conv/pool layer as a
// grid of GPU colour-mapped tiles (viridis), per-map or per-layer normalisation, click to enlarge, hover
// for the value; dense layers as bars.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "ui/training/training_panels.h"

namespace cnnlab {

namespace {

// Tooltip with the value under the mouse for channel `c` of `t`, drawn at rect [p0, p0 + size).
void hover_value(TrainingUi& ui, const TensorCopy& t, int c, ImVec2 p0, ImVec2 size) {
  if (!ImGui::IsItemHovered()) return;
  ImVec2 m = ImGui::GetIO().MousePos;
  int x = std::clamp(int((m.x - p0.x) / size.x * t.shape[1]), 0, t.shape[1] - 1);
  int y = std::clamp(int((m.y - p0.y) / size.y * t.shape[0]), 0, t.shape[0] - 1);
  char buf[128];
  std::snprintf(buf, sizeof buf, "%s, channel %d, (y %d, x %d) = %.4g", t.name.c_str(), c, y, x, activation_at(t, y, x, c));
  ui.hover_text = buf;
  ImGui::SetTooltip("%s\nclick to enlarge", buf);
}

void probe_row(TrainingUi& ui, const Snapshot& s) {
  float side = ImGui::GetFrameHeight() * 2.2f;
  if (s.probe_index >= 0) {
    thumbnail(ui, s.probe_index, side);
    ImGui::SameLine();
  }
  ImGui::BeginGroup();
  if (s.data && s.probe_index >= 0) {
    std::filesystem::path p(s.data->paths[size_t(s.probe_index)]);
    ImGui::Text("Probe: %s/%s (true: %s)", p.parent_path().filename().string().c_str(), p.filename().string().c_str(),
                class_name(s, s.data->labels[size_t(s.probe_index)]).c_str());
  } else {
    ImGui::TextDisabled("Probe: load a dataset first");
  }
  ImGui::BeginDisabled(!s.data);
  if (ImGui::SmallButton("Choose probe…")) ImGui::OpenPopup("probe picker");
  ImGui::EndDisabled();
  ImGui::SameLine();
  int norm = ui.maps_per_layer ? 1 : 0;
  ImGui::TextUnformatted("Normalise:");
  ImGui::SameLine();
  ImGui::RadioButton("per map", &norm, 0);
  ImGui::SameLine();
  ImGui::RadioButton("per layer", &norm, 1);
  ui.maps_per_layer = norm == 1;
  ImGui::SameLine();
  ImGui::TextUnformatted("Show:");
  ImGui::SameLine();
  std::vector<std::string> names{"all layers"};
  for (const TensorCopy& t : s.activations)
    if (t.shape.size() == 3) names.push_back(t.name);
  ui.map_layer = std::clamp(ui.map_layer, -1, int(names.size()) - 2);
  ImGui::SetNextItemWidth(ImGui::CalcTextSize("max_pooling2d_1__").x + ImGui::GetFrameHeight());
  if (ImGui::BeginCombo("##layer", names[size_t(ui.map_layer + 1)].c_str())) {
    for (int i = 0; i < int(names.size()); ++i)
      if (ImGui::Selectable(names[size_t(i)].c_str(), i == ui.map_layer + 1)) ui.map_layer = i - 1, ui.enlarged = -1;
    ImGui::EndCombo();
  }
  ImGui::EndGroup();
  if (ImGui::BeginPopup("probe picker")) {
    ImGui::TextUnformatted("Test images: click one to probe it");
    int n = 0;
    for (int idx : s.split.test) {
      ImGui::PushID(idx);
      ImVec2 p = ImGui::GetCursorScreenPos();
      thumbnail(ui, idx, 48);
      if (ImGui::IsItemClicked()) {
        send_command(ui, Command::SetProbe, idx);
        ImGui::CloseCurrentPopup();
      }
      if (idx == s.probe_index)
        ImGui::GetWindowDrawList()->AddRect(p, ImVec2(p.x + 48, p.y + 48), ImGui::GetColorU32(ImGuiCol_Text), 0, 0, 3);
      ImGui::PopID();
      if (++n % 12) ImGui::SameLine();
    }
    ImGui::NewLine();
    ImGui::EndPopup();
  }
}

void draw_enlarged(TrainingUi& ui, const TensorCopy& t, const LayerMapsGl* gl) {
  int c = std::clamp(ui.enlarged, 0, t.shape[2] - 1);
  if (ImGui::SmallButton("← all maps")) ui.enlarged = -1;
  ImGui::SameLine();
  ImGui::Text("%s, channel %d of %d (%d×%d)", t.name.c_str(), c, t.shape[2], t.shape[0], t.shape[1]);
  ImVec2 avail = ImGui::GetContentRegionAvail();
  float side = std::max(32.0f, std::min(avail.x, avail.y - ImGui::GetTextLineHeightWithSpacing() * 2));
  ImVec2 p0 = ImGui::GetCursorScreenPos();
  if (gl && gl->c == t.shape[2]) {
    float tu = 1.0f / gl->cols, tv = 1.0f / gl->rows;
    int col = c % gl->cols, row = c / gl->cols;
    texture_image(gl->rgba.texture(), ImVec2(side, side), ImVec2(col * tu, row * tv), ImVec2((col + 1) * tu, (row + 1) * tv));
  } else {
    texture_image(0, ImVec2(side, side));
  }
  hover_value(ui, t, c, p0, ImVec2(side, side));
  if (ImGui::IsItemClicked()) ui.enlarged = -1;
  auto r = feature_ranges(t, ui.maps_per_layer);
  auto range = ui.maps_per_layer ? r[0] : r[size_t(c)];
  colorbar(ColormapKind::Viridis, range.first, range.second, std::min(240.0f, side * 0.6f));
}

// One layer's channels as a grid inside a column of width `w` and height `h`.
void draw_layer_grid(TrainingUi& ui, int layer, const TensorCopy& t, const LayerMapsGl* gl, float w, float h) {
  const int c = t.shape[2], cols = feature_grid_cols(c), rows = (c + cols - 1) / cols;
  ImGui::Text("%s %d@%d²", t.name.c_str(), c, t.shape[0]);
  float gap = 2, avail_h = h - ImGui::GetTextLineHeightWithSpacing();
  float tile = std::floor(std::min((w - gap * (cols - 1)) / cols, (avail_h - gap * (rows - 1)) / rows));
  tile = std::max(tile, 8.0f);
  ImVec2 start = ImGui::GetCursorScreenPos();
  for (int ch = 0; ch < c; ++ch) {
    int col = ch % cols, row = ch / cols;
    ImVec2 p(start.x + col * (tile + gap), start.y + row * (tile + gap));
    ImGui::SetCursorScreenPos(p);
    ImGui::PushID(layer * 1000 + ch);
    if (gl && gl->c == c) {
      float tu = 1.0f / gl->cols, tv = 1.0f / gl->rows;
      texture_image(gl->rgba.texture(), ImVec2(tile, tile), ImVec2(col * tu, row * tv), ImVec2((col + 1) * tu, (row + 1) * tv));
    } else {
      texture_image(0, ImVec2(tile, tile));
    }
    hover_value(ui, t, ch, p, ImVec2(tile, tile));
    if (ImGui::IsItemClicked()) ui.enlarged = ch, ui.enlarged_layer = layer;
    ImGui::PopID();
  }
  ImGui::SetCursorScreenPos(ImVec2(start.x, start.y + rows * (tile + gap)));
}

// Dense outputs as bars; wide layers folded to one bar per pixel column (the max of its units).
void draw_dense_bars(const TensorCopy& t, float w, float h) {
  ImGui::Text("%s (%zu units)", t.name.c_str(), t.values.size());
  ImVec2 p = ImGui::GetCursorScreenPos();
  ImGui::Dummy(ImVec2(w, h));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRect(p, ImVec2(p.x + w, p.y + h), ImGui::GetColorU32(ImGuiCol_Border));
  size_t n = t.values.size();
  if (n == 0) return;
  int bars = std::max(1, int(std::min<size_t>(n, size_t(w))));
  float vmax = 1e-12f;
  for (float v : t.values) vmax = std::max(vmax, std::fabs(v));
  for (int b = 0; b < bars; ++b) {
    size_t i0 = size_t(b) * n / size_t(bars), i1 = std::max(i0 + 1, size_t(b + 1) * n / size_t(bars));
    float v = 0;
    for (size_t i = i0; i < i1; ++i) v = std::max(v, t.values[i]);
    float x0 = p.x + w * b / bars, x1 = p.x + w * (b + 1) / bars - (bars < 64 ? 2 : 0);
    dl->AddRectFilled(ImVec2(x0, p.y + h * (1 - v / vmax)), ImVec2(std::max(x1, x0 + 1), p.y + h), to_u32(viridis(0.3f)));
  }
}

}  // namespace

void draw_train_maps_panel(TrainingUi& ui) {
  const Snapshot& s = *ui.snap;
  panel_header(ui, "Feature maps of the probe image", "maps");
  probe_row(ui, s);
  std::vector<int> maps, dense;
  for (int i = 0; i < int(s.activations.size()); ++i)
    (s.activations[size_t(i)].shape.size() == 3 ? maps : dense).push_back(i);
  if (maps.empty()) {
    ImGui::TextDisabled("Feature maps appear once a model is built.");
    return;
  }
  auto gl_for = [&](int k) -> const LayerMapsGl* {
    return size_t(k) < ui.gl.maps.size() ? ui.gl.maps[size_t(k)].get() : nullptr;
  };
  ImVec2 avail = ImGui::GetContentRegionAvail();
  float dense_h = dense.empty() ? 0 : (ImGui::GetTextLineHeightWithSpacing() + 36) * float(std::min<size_t>(dense.size(), 3));
  if (ui.enlarged >= 0 && ui.enlarged_layer < int(maps.size())) {
    draw_enlarged(ui, s.activations[size_t(maps[size_t(ui.enlarged_layer)])], gl_for(ui.enlarged_layer));
    return;
  }
  std::vector<int> shown;  // indices into `maps`: every layer side by side, or the chosen one
  for (int k = 0; k < int(maps.size()); ++k)
    if (ui.map_layer < 0 || ui.map_layer == k) shown.push_back(k);
  float spacing = ImGui::GetStyle().ItemSpacing.x * 2;
  float col_w = (avail.x - spacing * (shown.size() - 1)) / shown.size();
  float grid_h = avail.y - dense_h - ImGui::GetTextLineHeightWithSpacing();
  ImVec2 top = ImGui::GetCursorScreenPos();
  float bottom = top.y;
  for (size_t n = 0; n < shown.size(); ++n) {
    int k = shown[n];
    ImGui::SetCursorScreenPos(ImVec2(top.x + n * (col_w + spacing), top.y));
    ImGui::BeginGroup();
    draw_layer_grid(ui, k, s.activations[size_t(maps[size_t(k)])], gl_for(k), col_w, grid_h);
    ImGui::EndGroup();
    bottom = std::max(bottom, ImGui::GetItemRectMax().y);
  }
  ImGui::SetCursorScreenPos(ImVec2(top.x, bottom + 4));
  std::string hint = ui.maps_per_layer ? "viridis, one range per layer" : "viridis, each map its own range";
  ImGui::TextDisabled("Dark = small, yellow = large (%s). Hover for values, click a map to enlarge.", hint.c_str());
  for (size_t k = 0; k < dense.size() && k < 3; ++k) draw_dense_bars(s.activations[size_t(dense[k])], avail.x, 30);
}

}  // namespace cnnlab
