// ui/training/panel_train_model.cpp — the model: Keras summary table, and a parameter budget bar
// that makes plain where the weights are (the course model's first dense layer holds 99.97% of
// them), plus the memory plan.
#include <algorithm>
#include <cstdio>

#include "core/sysinfo.h"
#include "nn/model.h"
#include "ui/training/training_panels.h"

namespace cnnlab {

void draw_param_budget(const TrainingUi& ui,
                       const std::vector<std::pair<std::string, size_t>>& layer_params,
                       size_t num_params) {
  if (num_params == 0 || layer_params.empty()) return;
  const Rgb palette[] = {okabe_ito::blue,           okabe_ito::orange,   okabe_ito::bluish_green,
                         okabe_ito::reddish_purple, okabe_ito::sky_blue, okabe_ito::vermillion,
                         okabe_ito::yellow};
  size_t biggest = 0;
  for (size_t i = 0; i < layer_params.size(); ++i)
    if (layer_params[i].second > layer_params[biggest].second) biggest = i;
  const auto& [big_name, big_n] = layer_params[biggest];
  // Two short lines, not one wrapped one: ImGui may wrap after the comma inside "147,520".
  ImGui::Text("Parameters: %s", with_commas(num_params).c_str());
  ImGui::Text("%s holds %.2f%% of them (%s)", big_name.c_str(),
              100.0 * double(big_n) / double(num_params), with_commas(big_n).c_str());
  float w = ImGui::GetContentRegionAvail().x, h = ImGui::GetTextLineHeight() * 1.6f;
  ImVec2 p = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  float x = p.x;
  for (size_t i = 0; i < layer_params.size(); ++i) {
    float seg = w * float(double(layer_params[i].second) / double(num_params));
    dl->AddRectFilled(ImVec2(x, p.y), ImVec2(x + std::max(seg, 1.0f), p.y + h),
                      to_u32(palette[i % 7]));
    x += seg;
  }
  dl->AddRect(p, ImVec2(p.x + w, p.y + h), ImGui::GetColorU32(ImGuiCol_Text));
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s %.2f%%", big_name.c_str(),
                100.0 * double(big_n) / double(num_params));
  dl->AddText(ImVec2(p.x + 6, p.y + (h - ImGui::GetTextLineHeight()) / 2), IM_COL32_WHITE, buf);
  ImGui::Dummy(ImVec2(w, h));
  // Legend: every layer with parameters, a swatch, its count and share (text carries the meaning).
  for (size_t i = 0; i < layer_params.size(); ++i) {
    ImVec2 q = ImGui::GetCursorScreenPos();
    float t = ImGui::GetTextLineHeight();
    dl->AddRectFilled(ImVec2(q.x, q.y + 2), ImVec2(q.x + t - 4, q.y + t - 2),
                      to_u32(palette[i % 7]));
    ImGui::Dummy(ImVec2(t, t));
    ImGui::SameLine();
    if (ui.mono) ImGui::PushFont(ui.mono);  // the columns line up only in a monospaced font
    ImGui::Text("%-15s %12s  %7.3f%%", layer_params[i].first.c_str(),
                with_commas(layer_params[i].second).c_str(),
                100.0 * double(layer_params[i].second) / double(num_params));
    if (ui.mono) ImGui::PopFont();
  }
}

void draw_train_model_panel(TrainingUi& ui) {
  const Snapshot& s = *ui.snap;
  panel_header(ui, "Model and budget", "model");
  if (ImGui::Button("Edit in the model editor…")) open_model_editor(ui);
  if (s.summary.empty()) {
    const PresetChoice& p =
        ui.presets[size_t(std::clamp(ui.form.choice, 0, int(ui.presets.size()) - 1))];
    ImGui::TextWrapped("Selected: %s. The summary appears once the model is built.",
                       p.label.c_str());
    return;
  }
  draw_param_budget(ui, s.layer_params, s.num_params);
  if (s.memory.total() > 0) ImGui::TextWrapped("Memory plan: %s", s.memory.describe().c_str());
  ImGui::BeginChild("summary", ImVec2(0, 0), true, ImGuiWindowFlags_HorizontalScrollbar);
  if (ui.mono) ImGui::PushFont(ui.mono);  // Keras's table is laid out in columns of characters
  ImGui::TextUnformatted(s.summary.c_str());
  if (ui.mono) ImGui::PopFont();
  ImGui::EndChild();
}

}  // namespace cnnlab
