// ui/training/panel_train_predictions.cpp — the probe image with its softmax bars per class, and a gallery of
// evaluated images with predicted and true labels; mistakes get a thick frame and a ✗ tag, not colour alone.
#include <algorithm>
#include <cstdio>

#include "train/trainer.h"
#include "ui/training/training_panels.h"

namespace cnnlab {

namespace {

void probe_bars(TrainingUi& ui, const Snapshot& s) {
  float side = std::min(ImGui::GetContentRegionAvail().x * 0.3f, 150.0f);
  const TrainingGl& gl = ui.gl;
  texture_image(gl.probe.valid() && gl.probe_for == s.probe_index ? gl.probe.id() : 0, ImVec2(side, side));
  ImGui::SameLine();
  ImGui::BeginGroup();
  int truth = s.data && s.probe_index >= 0 ? s.data->labels[size_t(s.probe_index)] : -1;
  int best = s.probe_probs.empty() ? -1 : argmax_row(s.probe_probs.data(), int(s.probe_probs.size()));
  ImGui::Text("True: %s · predicted: %s %s", class_name(s, truth).c_str(), best < 0 ? "–" : class_name(s, best).c_str(),
              best < 0 ? "" : best == truth ? "✓" : "✗ wrong");
  float label_w = 0;
  for (size_t c = 0; c < s.probe_probs.size(); ++c) label_w = std::max(label_w, ImGui::CalcTextSize(class_name(s, int(c)).c_str()).x);
  float bar_w = ImGui::GetContentRegionAvail().x - label_w - ImGui::CalcTextSize(" 0.000").x - 16;
  for (size_t c = 0; c < s.probe_probs.size(); ++c) {
    std::string name = class_name(s, int(c));
    ImGui::TextUnformatted(name.c_str());
    ImGui::SameLine(label_w + 8 + ImGui::GetCursorStartPos().x + side + ImGui::GetStyle().ItemSpacing.x);
    ImVec2 p = ImGui::GetCursorScreenPos();
    float h = ImGui::GetTextLineHeight();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRect(p, ImVec2(p.x + bar_w, p.y + h), ImGui::GetColorU32(ImGuiCol_Border));
    Rgb col = int(c) == truth ? okabe_ito::bluish_green : okabe_ito::blue;
    dl->AddRectFilled(p, ImVec2(p.x + bar_w * std::clamp(s.probe_probs[c], 0.0f, 1.0f), p.y + h), to_u32(col));
    ImGui::Dummy(ImVec2(bar_w, h));
    ImGui::SameLine();
    ImGui::Text("%.3f%s", s.probe_probs[c], int(c) == truth ? " (true)" : "");
  }
  ImGui::EndGroup();
}

void gallery(TrainingUi& ui, const Snapshot& s) {
  const SplitEval& e = s.test_eval.epoch >= 0 ? s.test_eval : s.val_eval;
  ImGui::Checkbox("mistakes only", &ui.gallery_mistakes_only);
  ImGui::SameLine();
  if (e.epoch < 0) {
    ImGui::TextDisabled("Predictions appear after the first epoch (validation) or Evaluate test.");
    return;
  }
  int wrong = 0;
  for (size_t i = 0; i < e.indices.size() && i < e.predicted.size(); ++i)
    wrong += e.predicted[i] != s.data->labels[size_t(e.indices[i])];
  ImGui::Text("%s split after epoch %d: %zu images, %d wrong (accuracy %.3f)", e.split.c_str(), e.epoch, e.indices.size(), wrong,
              e.accuracy);
  ImGui::BeginChild("gallery", ImVec2(0, 0), false);
  // A fixed grid: each cell is a thumbnail and two caption lines, as wide as the longest label.
  float side = 64, th = ImGui::GetTextLineHeightWithSpacing();
  float cell_w = std::max(side, ImGui::CalcTextSize("(sunflower)").x) + ImGui::GetStyle().ItemSpacing.x;
  float cell_h = side + th * 2 + 4;
  int per_row = std::max(1, int(ImGui::GetContentRegionAvail().x / cell_w)), n = 0;
  ImVec2 origin = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  for (size_t i = 0; i < e.indices.size() && i < e.predicted.size(); ++i) {
    int idx = e.indices[i], truth = s.data->labels[size_t(idx)], pred = e.predicted[i];
    bool ok = pred == truth;
    if (ui.gallery_mistakes_only && ok) continue;
    ImVec2 p(origin.x + (n % per_row) * cell_w + 2, origin.y + (n / per_row) * cell_h + 2);
    ++n;
    if (!ImGui::IsRectVisible(p, ImVec2(p.x + cell_w, p.y + cell_h))) continue;  // scrolled out: skip
    ImGui::SetCursorScreenPos(p);
    ImGui::PushID(idx);
    thumbnail(ui, idx, side);
    if (ImGui::IsItemClicked()) send_command(ui, Command::SetProbe, idx);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("%s\ntrue: %s\npredicted: %s\nclick to probe", s.data->paths[size_t(idx)].c_str(),
                        class_name(s, truth).c_str(), class_name(s, pred).c_str());
    if (!ok) {  // shape + text: a thick frame and a ✗ tag
      dl->AddRect(ImVec2(p.x - 2, p.y - 2), ImVec2(p.x + side + 2, p.y + side + 2), to_u32(okabe_ito::vermillion), 0, 0, 4);
      dl->AddRectFilled(ImVec2(p.x, p.y), ImVec2(p.x + 18, p.y + 18), to_u32(okabe_ito::vermillion));
      dl->AddText(ImVec2(p.x + 3, p.y), IM_COL32_WHITE, "✗");
    }
    ImGui::SetCursorScreenPos(ImVec2(p.x, p.y + side + 2));
    ImGui::TextUnformatted(((ok ? "✓" : "✗") + class_name(s, pred)).c_str());
    ImGui::SetCursorScreenPos(ImVec2(p.x, p.y + side + 2 + th));
    if (!ok) ImGui::TextDisabled("(%s)", class_name(s, truth).c_str());
    ImGui::PopID();
  }
  int rows = (n + per_row - 1) / per_row;
  ImGui::SetCursorScreenPos(ImVec2(origin.x, origin.y + rows * cell_h));
  ImGui::Dummy(ImVec2(1, 1));
  ImGui::EndChild();
}

}  // namespace

void draw_train_predictions_panel(TrainingUi& ui) {
  const Snapshot& s = *ui.snap;
  panel_header(ui, "Predictions", "predictions");
  if (!s.data) {
    ImGui::TextDisabled("Predictions appear once a dataset is loaded.");
    return;
  }
  probe_bars(ui, s);
  ImGui::Separator();
  gallery(ui, s);
}

}  // namespace cnnlab
