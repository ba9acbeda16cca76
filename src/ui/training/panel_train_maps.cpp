// ui/training/panel_train_maps.cpp — the probe image's feature maps: every channel of every
// conv/pool layer as a grid of GPU colour-mapped tiles (viridis) arranged for the biggest tiles
// that fit, per-map or per-layer normalisation, click to enlarge (crisp pixels), hover for the
// value; dense layers as bars, the output's named by class.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "ui/training/replay.h"
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
  std::snprintf(buf, sizeof buf, "%s, channel %d, (y %d, x %d) = %.4g", t.name.c_str(), c, y, x,
                activation_at(t, y, x, c));
  ui.hover_text = buf;
  ImGui::SetTooltip("%s\nclick to enlarge", buf);
}

// Continues the line when an item `w` wide still fits, else starts a new one: controls wrap instead
// of running off the panel's edge.
void flow(float w) {
  float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  if (ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x + w <= right) ImGui::SameLine();
}

float radio_w(const char* label) {
  return ImGui::GetFrameHeight() + ImGui::GetStyle().ItemInnerSpacing.x +
         ImGui::CalcTextSize(label).x;
}

void probe_row(TrainingUi& ui, const Snapshot& s) {
  float side = ImGui::GetFrameHeight() * 2.2f;
  if (s.probe_index >= 0) {
    thumbnail(ui, s.probe_index, side);
    ImGui::SameLine();
  } else if (!s.probe_file.empty()) {  // your own photo (Explain panel, a dropped file)
    texture_image(ui.gl.probe_view_for == s.probe_version ? ui.gl.probe_view.id() : 0,
                  ImVec2(side, side));
    ImGui::SameLine();
  }
  ImGui::BeginGroup();
  if (s.data && s.probe_index >= 0) {
    std::filesystem::path p(s.data->paths[size_t(s.probe_index)]);
    ImGui::TextWrapped("Probe: %s/%s (true: %s)", p.parent_path().filename().string().c_str(),
                       p.filename().string().c_str(),
                       class_name(s, s.data->labels[size_t(s.probe_index)]).c_str());
  } else if (s.data && !s.probe_file.empty()) {
    ImGui::TextWrapped("Probe: your photo: %s", s.probe_file.c_str());
  } else {
    ImGui::TextDisabled("Probe: load a dataset first");
  }
  ImGui::BeginDisabled(!s.data);
  if (ImGui::SmallButton("Choose probe…")) ImGui::OpenPopup("probe picker");
  ImGui::EndDisabled();
  int norm = ui.maps_per_layer ? 1 : 0;
  flow(ImGui::CalcTextSize("Normalise:").x + radio_w("per map"));
  ImGui::TextUnformatted("Normalise:");
  ImGui::SameLine();
  ImGui::RadioButton("per map", &norm, 0);
  flow(radio_w("per layer"));
  ImGui::RadioButton("per layer", &norm, 1);
  ui.maps_per_layer = norm == 1;
  std::vector<std::string> names{"all layers"};
  for (const TensorCopy& t : s.activations)
    if (t.shape.size() == 3) names.push_back(t.name);
  ui.map_layer = std::clamp(ui.map_layer, -1, int(names.size()) - 2);
  float combo_w = ImGui::CalcTextSize("max_pooling2d_1").x + ImGui::GetFrameHeight() * 1.5f;
  flow(ImGui::CalcTextSize("Show:").x + ImGui::GetStyle().ItemSpacing.x + combo_w);
  ImGui::TextUnformatted("Show:");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(combo_w);
  if (ImGui::BeginCombo("##layer", names[size_t(ui.map_layer + 1)].c_str())) {
    for (int i = 0; i < int(names.size()); ++i)
      if (ImGui::Selectable(names[size_t(i)].c_str(), i == ui.map_layer + 1))
        ui.map_layer = i - 1, ui.enlarged = -1;
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
        ImGui::GetWindowDrawList()->AddRect(p, ImVec2(p.x + 48, p.y + 48),
                                            ImGui::GetColorU32(ImGuiCol_Text), 0, 0, 3);
      ImGui::PopID();
      if (++n % 12) ImGui::SameLine();
    }
    ImGui::NewLine();
    ImGui::EndPopup();
  }
}

void draw_enlarged(TrainingUi& ui, const TensorCopy& t, LayerMapsGl* gl) {
  int c = std::clamp(ui.enlarged, 0, t.shape[2] - 1);
  if (ImGui::SmallButton("← all maps")) ui.enlarged = -1;
  ImGui::SameLine();
  ImGui::TextWrapped("%s, map %d of %d (%d×%d)", t.name.c_str(), c + 1, t.shape[2], t.shape[0],
                     t.shape[1]);
  ImVec2 avail = ImGui::GetContentRegionAvail();
  float side = std::max(32.0f, std::min(avail.x, avail.y - ImGui::GetFrameHeightWithSpacing() - 4));
  ImVec2 p0 = ImGui::GetCursorScreenPos();
  if (gl && gl->c == t.shape[2]) {
    set_map_filter(*gl, true);  // one texel = one square of colour: the pixels the layer computed
    float tu = 1.0f / gl->cols, tv = 1.0f / gl->rows;
    int col = c % gl->cols, row = c / gl->cols;
    texture_image(gl->rgba.texture(), ImVec2(side, side), ImVec2(col * tu, row * tv),
                  ImVec2((col + 1) * tu, (row + 1) * tv));
  } else {
    texture_image(0, ImVec2(side, side));
  }
  hover_value(ui, t, c, p0, ImVec2(side, side));
  if (ImGui::IsItemClicked()) ui.enlarged = -1;
  auto r = feature_ranges(t, ui.maps_per_layer);
  auto range = ui.maps_per_layer ? r[0] : r[size_t(c)];
  colorbar(ColormapKind::Viridis, range.first, range.second,
           std::min(ImGui::GetFontSize() * 14, side * 0.6f));
}

// The biggest square tile for `c` maps in a w × h cell (any number of columns), and its columns.
struct TileFit {
  float tile = 0;
  int cols = 1;
};
TileFit fit_tiles(int c, float w, float h, float gap) {
  TileFit best;
  for (int cols = 1; cols <= c; ++cols) {
    int rows = (c + cols - 1) / cols;
    float t = std::floor(std::min((w - gap * (cols - 1)) / cols, (h - gap * (rows - 1)) / rows));
    if (t > best.tile) best = {t, cols};
  }
  return best;
}

// "conv2d 8@64×64" (8 maps of 64×64).
std::string layer_label(const TensorCopy& t, float w) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s %d@%d×%d", t.name.c_str(), t.shape[2], t.shape[0], t.shape[1]);
  return fit_text(buf, w);
}

// One layer's channels as a grid inside a cell of width `w` and height `h` (label included).
void draw_layer_grid(TrainingUi& ui, int layer, const TensorCopy& t, LayerMapsGl* gl, float w,
                     float h) {
  const int c = t.shape[2];
  ImGui::TextUnformatted(layer_label(t, w).c_str());
  float gap = 2;
  TileFit fit = fit_tiles(c, w, h - ImGui::GetTextLineHeightWithSpacing(), gap);
  float tile = std::max(fit.tile, 8.0f);
  if (gl) set_map_filter(*gl, tile >= float(t.shape[0]));  // enlarged: crisp pixels, not smoothed
  ImVec2 start = ImGui::GetCursorScreenPos();
  for (int ch = 0; ch < c; ++ch) {
    int col = ch % fit.cols, row = ch / fit.cols;
    ImVec2 p(start.x + col * (tile + gap), start.y + row * (tile + gap));
    ImGui::SetCursorScreenPos(p);
    ImGui::PushID(layer * 1000 + ch);
    if (gl && gl->c == c) {  // the atlas has its own columns (gl->cols)
      float tu = 1.0f / gl->cols, tv = 1.0f / gl->rows;
      int ac = ch % gl->cols, ar = ch / gl->cols;
      texture_image(gl->rgba.texture(), ImVec2(tile, tile), ImVec2(ac * tu, ar * tv),
                    ImVec2((ac + 1) * tu, (ar + 1) * tv));
    } else {
      texture_image(0, ImVec2(tile, tile));
    }
    hover_value(ui, t, ch, p, ImVec2(tile, tile));
    if (ImGui::IsItemClicked()) ui.enlarged = ch, ui.enlarged_layer = layer;
    ImGui::PopID();
  }
  int rows = (c + fit.cols - 1) / fit.cols;
  ImGui::SetCursorScreenPos(ImVec2(start.x, start.y + rows * (tile + gap) - gap));
}

// Dense outputs as bars; wide layers folded to one bar per pixel column (the max of its units). The
// output layer (one unit per class) names its bars.
void draw_dense_bars(const Snapshot& s, const TensorCopy& t, bool output, float w, float h) {
  size_t n = t.values.size();
  ImGui::Text("%s (%zu %s)", t.name.c_str(), n, output ? "outputs, one per class" : "units");
  ImVec2 p = ImGui::GetCursorScreenPos();
  ImGui::Dummy(ImVec2(w, h));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRect(p, ImVec2(p.x + w, p.y + h), ImGui::GetColorU32(ImGuiCol_Border));
  if (n == 0) return;
  int bars = std::max(1, int(std::min<size_t>(n, size_t(w))));
  float vmax = 1e-12f;
  for (float v : t.values) vmax = std::max(vmax, std::fabs(v));
  for (int b = 0; b < bars; ++b) {
    size_t i0 = size_t(b) * n / size_t(bars),
           i1 = std::max(i0 + 1, size_t(b + 1) * n / size_t(bars));
    float v = 0;
    for (size_t i = i0; i < i1; ++i) v = std::max(v, t.values[i]);
    float x0 = p.x + w * b / bars, x1 = p.x + w * (b + 1) / bars - (bars < 64 ? 2 : 0);
    dl->AddRectFilled(ImVec2(x0, p.y + h * (1 - v / vmax)), ImVec2(std::max(x1, x0 + 1), p.y + h),
                      to_u32(viridis(0.3f)));
  }
  if (!output) return;
  ImVec2 q = ImGui::GetCursorScreenPos();  // names under the bars, each within its bar's width
  for (size_t i = 0; i < n; ++i) {
    std::string name = fit_text(class_name(s, int(i)), w / float(n) - 4);
    float x = q.x + w * (float(i) + 0.5f) / float(n) - ImGui::CalcTextSize(name.c_str()).x / 2;
    dl->AddText(ImVec2(x, q.y), ImGui::GetColorU32(ImGuiCol_Text), name.c_str());
  }
  ImGui::Dummy(ImVec2(w, ImGui::GetTextLineHeight()));
}

// Layers in `lc` columns: the smallest tile any layer gets (what the arrangement is judged by).
float arrangement_tile(const Snapshot& s, const std::vector<int>& maps,
                       const std::vector<int>& shown, int lc, float w, float h, float spacing,
                       float label_h) {
  int lr = (int(shown.size()) + lc - 1) / lc;
  float cw = (w - spacing * (lc - 1)) / lc, ch = (h - spacing * (lr - 1)) / lr - label_h;
  float worst = 1e9f;
  bool labels_fit = true;
  for (int k : shown) {
    const TensorCopy& t = s.activations[size_t(maps[size_t(k)])];
    worst = std::min(worst, fit_tiles(t.shape[2], cw, ch, 2).tile);
    labels_fit = labels_fit && layer_label(t, 1e9f).size() == layer_label(t, cw).size();
  }
  return labels_fit ? worst : worst * 0.8f;  // whole names are worth slightly smaller tiles
}

}  // namespace

void draw_train_maps_panel(TrainingUi& ui) {
  const Snapshot& s = shown_snapshot(ui);  // live or replayed
  panel_header(ui, "Feature maps of the probe image", "maps");
  probe_row(ui, s);
  if (replaying(ui))  // what the time-lapse keeps (train/timelapse.h), said where it shows
    ImGui::TextWrapped("Epoch %d as recorded: the conv layers' maps, at most 64×64, 8 bits each.",
                       s.epoch);
  std::vector<int> maps, dense;
  for (int i = 0; i < int(s.activations.size()); ++i)
    (s.activations[size_t(i)].shape.size() == 3 ? maps : dense).push_back(i);
  if (maps.empty()) {
    ImGui::TextDisabled("Feature maps appear once a model is built.");
    return;
  }
  auto gl_for = [&](int k) -> LayerMapsGl* {
    return size_t(k) < ui.gl.maps.size() ? ui.gl.maps[size_t(k)].get() : nullptr;
  };
  if (ui.enlarged >= 0 && ui.enlarged_layer < int(maps.size())) {
    draw_enlarged(ui, s.activations[size_t(maps[size_t(ui.enlarged_layer)])],
                  gl_for(ui.enlarged_layer));
    return;
  }
  ImVec2 avail = ImGui::GetContentRegionAvail();
  float line = ImGui::GetTextLineHeightWithSpacing(), bar_h = ImGui::GetFontSize() * 1.8f;
  // Dense layers under the maps: the output layer (named bars) always, hidden ones when there is
  // room. A short panel keeps its height for the maps (the Predictions panel shows the output
  // anyway).
  std::vector<int> bars;
  if (!dense.empty() && avail.y > line * 16) bars.push_back(dense.back());
  if (dense.size() > 1 && avail.y > line * 26) bars.insert(bars.begin(), dense[dense.size() - 2]);
  float dense_h = float(bars.size()) * (line * 2 + bar_h + 4);
  std::vector<int> shown;  // indices into `maps`: every layer, or the chosen one
  for (int k = 0; k < int(maps.size()); ++k)
    if (ui.map_layer < 0 || ui.map_layer == k) shown.push_back(k);
  float spacing = ImGui::GetFontSize();
  bool hint = avail.y - dense_h > line * 12;  // the colour key, when it does not squeeze the maps
  float grid_h = std::max(avail.y - dense_h - (hint ? line * 2 + 4 : 0) - 2, line * 3);
  int lc = 1;  // layer columns: the arrangement that gives the smallest layer the biggest tiles
  float best = -1;
  for (int c = 1; c <= int(shown.size()); ++c) {
    float t = arrangement_tile(s, maps, shown, c, avail.x, grid_h, spacing, line);
    if (t >= best) best = t, lc = c;
  }
  int lr = (int(shown.size()) + lc - 1) / lc;
  float cell_w = (avail.x - spacing * (lc - 1)) / lc, cell_h = (grid_h - spacing * (lr - 1)) / lr;
  ImVec2 top = ImGui::GetCursorScreenPos();
  float bottom = top.y;
  for (size_t n = 0; n < shown.size(); ++n) {
    int k = shown[n];
    ImGui::SetCursorScreenPos(ImVec2(top.x + float(n % size_t(lc)) * (cell_w + spacing),
                                     top.y + float(n / size_t(lc)) * (cell_h + spacing)));
    ImGui::BeginGroup();
    draw_layer_grid(ui, k, s.activations[size_t(maps[size_t(k)])], gl_for(k), cell_w, cell_h);
    ImGui::EndGroup();
    bottom = std::max(bottom, ImGui::GetItemRectMax().y);
  }
  if (!hint) return;  // the cursor stays on the last row: no scrollbar for a few pixels
  ImGui::SetCursorScreenPos(ImVec2(top.x, bottom + 4));
  ImGui::PushTextWrapPos(0);
  ImGui::TextDisabled(
      "Dark = small, yellow = large (%s). Hover for values, click a map to enlarge.",
      ui.maps_per_layer ? "one range per layer" : "each map its own range");
  ImGui::PopTextWrapPos();
  for (int d : bars)
    draw_dense_bars(s, s.activations[size_t(d)], d == dense.back(), avail.x, bar_h);
}

}  // namespace cnnlab
