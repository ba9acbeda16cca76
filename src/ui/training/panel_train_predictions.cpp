// ui/training/panel_train_predictions.cpp — the probe image with its softmax bars per class, and a
// gallery of evaluated images with predicted and true labels; mistakes get a thick frame and a ✗
// tag, not colour alone.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "train/trainer.h"
#include "ui/training/replay.h"
#include "ui/training/training_panels.h"

namespace cnnlab {

namespace {

// "predicted rose · true daisy" (with ✓ or ✗): which is which, in words.
std::string verdict(const Snapshot& s, int predicted, int truth) {
  if (predicted < 0) return "predicted – · true " + class_name(s, truth);
  return (predicted == truth ? "✓ predicted " : "✗ predicted ") + class_name(s, predicted) +
         " · true " + class_name(s, truth);
}

void probe_bars(TrainingUi& ui, const Snapshot& s) {
  float em = ImGui::GetFontSize(), avail = ImGui::GetContentRegionAvail().x;
  float side = std::floor(std::clamp(avail * 0.25f, 3 * em, 9 * em));
  const TrainingGl& gl = ui.gl;
  const bool own = !s.probe_file.empty();  // your photo: no dataset index, no true class
  if (own)
    texture_image(gl.probe_view_for == s.probe_version ? gl.probe_view.id() : 0,
                  ImVec2(side, side));
  else
    texture_image(gl.probe.valid() && gl.probe_for == s.probe_index ? gl.probe.id() : 0,
                  ImVec2(side, side));
  ImGui::SameLine();
  ImGui::BeginGroup();
  int truth = s.data && s.probe_index >= 0 ? s.data->labels[size_t(s.probe_index)] : -1;
  int best =
      s.probe_probs.empty() ? -1 : argmax_row(s.probe_probs.data(), int(s.probe_probs.size()));
  ImGui::PushTextWrapPos(0);
  if (own)
    ImGui::TextUnformatted(("Probe: your photo: " + s.probe_file +
                            (best >= 0 ? " · predicted " + class_name(s, best) : ""))
                               .c_str());
  else
    ImGui::TextUnformatted(("Probe: " + verdict(s, best, truth)).c_str());
  ImGui::PopTextWrapPos();
  // Each row: class name, bar, percentage and a (true) tag, all inside the panel.
  float label_w = 0;
  for (size_t c = 0; c < s.probe_probs.size(); ++c)
    label_w = std::max(label_w, ImGui::CalcTextSize(class_name(s, int(c)).c_str()).x);
  float x0 = ImGui::GetCursorScreenPos().x,
        right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  float tail_w = ImGui::CalcTextSize("100.0% (true)").x, pad = em * 0.5f;
  float bar_w = std::max(em * 2, right - x0 - label_w - tail_w - 2 * pad);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  float h = ImGui::GetTextLineHeight();
  for (size_t c = 0; c < s.probe_probs.size(); ++c) {
    ImVec2 p = ImGui::GetCursorScreenPos();
    dl->AddText(p, ImGui::GetColorU32(ImGuiCol_Text), class_name(s, int(c)).c_str());
    ImVec2 b(p.x + label_w + pad, p.y);
    float v = std::clamp(s.probe_probs[c], 0.0f, 1.0f);
    Rgb col = int(c) == truth ? okabe_ito::bluish_green : okabe_ito::blue;
    dl->AddRectFilled(b, ImVec2(b.x + bar_w * v, b.y + h), to_u32(col));
    dl->AddRect(b, ImVec2(b.x + bar_w, b.y + h), ImGui::GetColorU32(ImGuiCol_Border));
    char pct[48];
    std::snprintf(pct, sizeof pct, "%.1f%%%s", 100.0 * v, int(c) == truth ? " (true)" : "");
    dl->AddText(ImVec2(b.x + bar_w + pad, p.y), ImGui::GetColorU32(ImGuiCol_Text), pct);
    ImGui::Dummy(ImVec2(label_w + bar_w + tail_w + 2 * pad, h));
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
  ImGui::PushTextWrapPos(0);
  ImGui::Text(
      "%s split after epoch %d: %zu images, %d wrong (accuracy %.3f). Under each photo: the "
      "prediction "
      "(✓ right, ✗ wrong), and the true class when wrong.",
      e.split.c_str(), e.epoch, e.indices.size(), wrong, e.accuracy);
  ImGui::PopTextWrapPos();
  ImGui::BeginChild("gallery", ImVec2(0, 0), false);
  // A fixed grid: each cell is a thumbnail and two caption lines, as wide as the longest label.
  float em = ImGui::GetFontSize();  // bigger thumbnails when the panel has the room (F5)
  float side = std::floor(std::clamp(ImGui::GetContentRegionAvail().x / 12, 3.6f * em, 7 * em));
  float label_w = 0;
  for (const std::string& n : s.class_names)
    label_w = std::max(label_w, ImGui::CalcTextSize(("true: " + n).c_str()).x);
  float cell_w = std::max(side, label_w) + ImGui::GetFontSize(),
        th = ImGui::GetTextLineHeightWithSpacing();
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
    if (!ImGui::IsRectVisible(p, ImVec2(p.x + cell_w, p.y + cell_h)))
      continue;  // scrolled out: skip
    ImGui::SetCursorScreenPos(p);
    ImGui::PushID(idx);
    thumbnail(ui, idx, side);
    if (ImGui::IsItemClicked()) send_command(ui, Command::SetProbe, idx);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("%s\n%s\nclick to probe", s.data->paths[size_t(idx)].c_str(),
                        verdict(s, pred, truth).c_str());
    if (!ok) {  // shape + text: a thick frame and a ✗ tag
      dl->AddRect(ImVec2(p.x - 2, p.y - 2), ImVec2(p.x + side + 2, p.y + side + 2),
                  to_u32(okabe_ito::vermillion), 0, 0, 4);
      dl->AddRectFilled(ImVec2(p.x, p.y), ImVec2(p.x + 18, p.y + 18),
                        to_u32(okabe_ito::vermillion));
      dl->AddText(ImVec2(p.x + 3, p.y), IM_COL32_WHITE, "✗");
    }
    ImGui::SetCursorScreenPos(ImVec2(p.x, p.y + side + 2));
    ImGui::TextUnformatted(((ok ? "✓ " : "✗ ") + class_name(s, pred)).c_str());
    ImGui::SetCursorScreenPos(ImVec2(p.x, p.y + side + 2 + th));
    if (!ok) ImGui::TextDisabled("true: %s", class_name(s, truth).c_str());
    ImGui::PopID();
  }
  int rows = (n + per_row - 1) / per_row;
  ImGui::SetCursorScreenPos(ImVec2(origin.x, origin.y + rows * cell_h));
  ImGui::Dummy(ImVec2(1, 1));
  ImGui::EndChild();
}

}  // namespace

void draw_train_predictions_panel(TrainingUi& ui) {
  const Snapshot& s = shown_snapshot(ui);  // live or replayed
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
