// ui/training/panel_train_confusion.cpp — the confusion matrix (rows = true class, columns =
// predicted) for the validation split after each epoch or the test split after evaluation; click a
// cell to list its images.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ui/training/replay.h"
#include "ui/training/training_panels.h"

namespace cnnlab {

void draw_train_confusion_panel(TrainingUi& ui) {
  const Snapshot& s = shown_snapshot(ui);  // live or replayed
  panel_header(ui, "Confusion matrix", "confusion");
  ImGui::RadioButton("validation", &ui.confusion_split, 0);
  ImGui::SameLine();
  ImGui::RadioButton("test", &ui.confusion_split, 1);
  const SplitEval& e = ui.confusion_split == 0 ? s.val_eval : s.test_eval;
  int k = int(s.class_names.size());
  if (e.epoch < 0 || k == 0 || e.confusion.size() != size_t(k) * k) {
    ImGui::TextDisabled("%s", replaying(ui) && ui.confusion_split == 1
                                  ? "The time-lapse records the validation split only."
                              : replaying(ui) ? "Epoch 0: not evaluated yet."
                              : ui.confusion_split == 0
                                  ? "Filled after each epoch."
                                  : "Filled by Evaluate test (or at the end).");
    return;
  }
  ImGui::SameLine();
  ImGui::Text("after epoch %d · accuracy %.3f", e.epoch, e.accuracy);
  float label_w = 0;
  for (const std::string& n : s.class_names)
    label_w = std::max(label_w, ImGui::CalcTextSize(n.c_str()).x);
  ImVec2 avail = ImGui::GetContentRegionAvail();
  float th = ImGui::GetTextLineHeight();
  bool listing =
      ui.confusion_row >= 0 && ui.confusion_col >= 0;  // the cell's images need room below
  float share = listing ? 0.62f : 0.9f;
  float cell = std::floor(
      std::clamp(std::min((avail.x - label_w - th * 2) / k, (avail.y * share - th * 4) / k), 22.0f,
                 std::max(80.0f, ImGui::GetFontSize() * 5)));
  ImVec2 o = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImU32 text = ImGui::GetColorU32(ImGuiCol_Text);
  ImVec2 g0(o.x + label_w + th + 8, o.y + th * 1.2f);
  dl->AddText(ImVec2(g0.x, o.y), text, "predicted →");
  int vmax = 1;
  for (int v : e.confusion) vmax = std::max(vmax, v);
  for (int r = 0; r < k; ++r) {
    dl->AddText(ImVec2(o.x + th, g0.y + r * cell + (cell - th) / 2), text,
                s.class_names[size_t(r)].c_str());
    for (int c = 0; c < k; ++c) {
      int v = e.confusion[size_t(r) * k + c];
      ImVec2 a(g0.x + c * cell, g0.y + r * cell), b(a.x + cell - 2, a.y + cell - 2);
      Rgb col = sequential(float(v) / vmax);
      dl->AddRectFilled(a, b, to_u32(col));
      if (r == c) dl->AddRect(a, b, text, 0, 0, 2.5f);  // the diagonal (correct) framed
      if (r == ui.confusion_row && c == ui.confusion_col)
        dl->AddRect(ImVec2(a.x - 2, a.y - 2), ImVec2(b.x + 2, b.y + 2), to_u32(okabe_ito::orange),
                    0, 0, 3);
      char buf[16];
      std::snprintf(buf, sizeof buf, "%d", v);
      ImVec2 ts = ImGui::CalcTextSize(buf);
      dl->AddText(ImVec2((a.x + b.x - ts.x) / 2, (a.y + b.y - ts.y) / 2),
                  luminance(col) > 0.5f ? IM_COL32_BLACK : IM_COL32_WHITE, buf);
      ImGui::SetCursorScreenPos(a);
      ImGui::PushID(r * 64 + c);
      if (ImGui::InvisibleButton("cell", ImVec2(cell - 2, cell - 2)))
        ui.confusion_row = r, ui.confusion_col = c;
      if (ImGui::IsItemHovered())
        ImGui::SetTooltip("true %s, predicted %s: %d image(s)\nclick to list them",
                          s.class_names[size_t(r)].c_str(), s.class_names[size_t(c)].c_str(), v);
      ImGui::PopID();
    }
  }
  // "true ↓" written beside the rows.
  dl->AddText(ImVec2(o.x, g0.y - th * 1.2f), text, "true ↓");
  // Column names centred under their columns; when they are wider than a cell, every other one a
  // line lower (two cells of room each), shortened only if even that is too little.
  float name_w = 0;
  for (const std::string& n : s.class_names)
    name_w = std::max(name_w, ImGui::CalcTextSize(n.c_str()).x);
  bool stagger = name_w > cell - 6;
  for (int c = 0; c < k; ++c) {
    std::string n = fit_text(s.class_names[size_t(c)], stagger ? 2 * cell - 6 : cell - 6);
    float x = g0.x + c * cell + (cell - 2 - ImGui::CalcTextSize(n.c_str()).x) / 2;
    dl->AddText(ImVec2(x, g0.y + k * cell + 2 + (stagger && c % 2 ? th : 0)), text, n.c_str());
  }
  ImGui::SetCursorScreenPos(ImVec2(o.x, g0.y + k * cell + th * (stagger ? 2.6f : 1.6f)));
  if (ui.confusion_row >= 0 && ui.confusion_row < k && ui.confusion_col >= 0 &&
      ui.confusion_col < k) {
    ImGui::Text("True %s, predicted %s:", s.class_names[size_t(ui.confusion_row)].c_str(),
                s.class_names[size_t(ui.confusion_col)].c_str());
    int n = 0;
    ImGui::BeginChild("cell images", ImVec2(0, 0), false);
    for (size_t i = 0; i < e.indices.size() && i < e.predicted.size(); ++i) {
      int idx = e.indices[i];
      if (s.data->labels[size_t(idx)] != ui.confusion_row || e.predicted[i] != ui.confusion_col)
        continue;
      if (n++ % 8) ImGui::SameLine();
      ImGui::PushID(idx);
      thumbnail(ui, idx, 48);
      if (ImGui::IsItemHovered())
        ImGui::SetTooltip("%s\nclick to probe", s.data->paths[size_t(idx)].c_str());
      if (ImGui::IsItemClicked()) send_command(ui, Command::SetProbe, idx);
      ImGui::PopID();
    }
    if (n == 0) ImGui::TextDisabled("none");
    ImGui::EndChild();
  } else {
    ImGui::TextDisabled(
        "Click a cell to list its images. Framed cells (the diagonal) are correct.");
  }
}

}  // namespace cnnlab
