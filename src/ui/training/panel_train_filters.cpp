// ui/training/panel_train_filters.cpp — the conv kernels: the first layer's RGB kernels as
// magnified colour tiles, the second layer's Cin×Cout grid of small kernels with a diverging
// blue–white–orange map and a symmetric range; a toggle shows the change since initialisation
// instead.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ui/training/replay.h"
#include "ui/training/training_panels.h"

namespace cnnlab {

namespace {

void draw_rgb_kernels(TrainingUi& ui, const TensorCopy& k, const TensorCopy* init) {
  const int kh = k.shape[0], kw = k.shape[1], cout = k.shape[3];
  ImGui::TextWrapped("%s: %d kernels of %d×%d×3 (each scaled to its own max |w|: grey = 0)",
                     k.name.c_str(), cout, kh, kw);
  const int per_row = cout > 16 ? 16 : 8;
  float gap = 4, avail = ImGui::GetContentRegionAvail().x;
  int rows = (cout + per_row - 1) / per_row;
  // Up to a third of the panel's height: big on the projector, leaving room for the second layer.
  float cap = std::max(64.0f, ImGui::GetContentRegionAvail().y * 0.3f / rows);
  float tile = std::floor(std::min((avail - gap * (per_row - 1)) / per_row, cap));
  const Texture& tex = ui.gl.rgb_kernels;
  ImVec2 start = ImGui::GetCursorScreenPos();
  for (int co = 0; co < cout; ++co) {
    ImVec2 p(start.x + (co % per_row) * (tile + gap), start.y + (co / per_row) * (tile + gap));
    ImGui::SetCursorScreenPos(p);
    if (tex.valid()) {
      float W = float(tex.width());
      texture_image(tex.id(), ImVec2(tile, tile), ImVec2(co * (kw + 1) / W, 0),
                    ImVec2((co * (kw + 1) + kw) / W, 1));
    } else {
      texture_image(0, ImVec2(tile, tile));
    }
    if (ImGui::IsItemHovered()) {
      float m = filter_abs_max(k, init, co);
      ImGui::SetTooltip("%s filter %d: max |%s| = %.4f", k.name.c_str(), co, init ? "Δw" : "w", m);
    }
  }
  ImGui::SetCursorScreenPos(ImVec2(start.x, start.y + rows * (tile + gap)));
}

void draw_kernel_grid(TrainingUi& ui, const TensorCopy& k, const TensorCopy* init) {
  const int kh = k.shape[0], kw = k.shape[1], cin = k.shape[2], cout = k.shape[3];
  float m = kernel_abs_max(k, init);
  ImGui::TextWrapped("%s: %d×%d kernels, %d inputs (rows) × %d filters (columns)", k.name.c_str(),
                     kh, kw, cin, cout);
  colorbar(ColormapKind::Diverging, -m, m, ImGui::GetFontSize() * 10);
  ImVec2 avail = ImGui::GetContentRegionAvail();
  TexelSize texels = kernel_grid_size(k);
  float tw = float(texels.width), th = float(texels.height);
  float scale = std::max(0.5f, std::min(avail.x / tw, (avail.y - 4) / th));
  ImVec2 size(tw * scale, th * scale), p0 = ImGui::GetCursorScreenPos();
  texture_image(ui.gl.kernel_rgba.texture(), size);
  if (ImGui::IsItemHovered()) {
    ImVec2 mp = ImGui::GetIO().MousePos;
    int co = std::clamp(int((mp.x - p0.x) / size.x * cout), 0, cout - 1);
    int ci = std::clamp(int((mp.y - p0.y) / size.y * cin), 0, cin - 1);
    std::string text = k.name + " filter " + std::to_string(co) + ", input channel " +
                       std::to_string(ci) + (init ? " (change)" : "") + ":";
    char buf[32];
    for (int i = 0; i < kh; ++i) {
      text += "\n";
      for (int j = 0; j < kw; ++j) {
        std::snprintf(buf, sizeof buf, "%+8.4f ", kernel_at(k, init, i, j, ci, co));
        text += buf;
      }
    }
    ImGui::SetTooltip("%s", text.c_str());
  }
}

}  // namespace

void draw_train_filters_panel(TrainingUi& ui) {
  const Snapshot& s = shown_snapshot(ui);  // live or replayed
  panel_header(ui, "Filters (conv kernels)", "filters");
  if (s.conv_kernels.empty()) {
    ImGui::TextDisabled("Kernels appear once a model is built.");
    return;
  }
  ImGui::Checkbox("show the change since initialisation", &ui.kernels_delta);
  bool delta = ui.kernels_delta && s.conv_kernels_init.size() == s.conv_kernels.size();
  const TensorCopy& k0 = s.conv_kernels[0];
  if (k0.shape.size() == 4 && k0.shape[2] == 3)
    draw_rgb_kernels(ui, k0, delta ? &s.conv_kernels_init[0] : nullptr);
  if (s.conv_kernels.size() >= 2 && s.conv_kernels[1].shape.size() == 4) {
    ImGui::Spacing();
    draw_kernel_grid(ui, s.conv_kernels[1], delta ? &s.conv_kernels_init[1] : nullptr);
  }
}

}  // namespace cnnlab
