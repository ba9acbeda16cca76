// ui/panel_controls.cpp — step buttons with their keys, play/pause and speed, predict-then-reveal.
#include <string>

#include "ui/app.h"
#include "ui/panels.h"

namespace cnnlab {

namespace {

void draw_predict_row(App& app) {
  LessonView& view = app.view;
  const GridColors& colors = app.theme.grid;
  if (!current_revealed(view)) {
    ImGui::PushFont(app.fonts.mono);
    ImGui::TextUnformatted("Your prediction:");
    ImGui::SameLine();
    char buffer[32] = {};
    view.answer.copy(buffer, sizeof buffer - 1);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 4.0f);
    if (!ImGui::IsAnyItemActive()) ImGui::SetKeyboardFocusHere();  // ready to type
    bool enter = ImGui::InputText("##answer", buffer, sizeof buffer,
                                  ImGuiInputTextFlags_EnterReturnsTrue | ImGuiInputTextFlags_CharsScientific);
    view.answer = buffer;
    ImGui::PopFont();
    ImGui::SameLine();
    if (enter || ImGui::Button("Check (Enter)")) submit_prediction(view, view.answer);
  }
  if (!view.feedback.empty()) {
    ImGui::PushFont(app.fonts.mono);
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(
                                             view.feedback_right ? colors.right : colors.wrong));
    ImGui::TextUnformatted(view.feedback.c_str());
    ImGui::PopStyleColor();
    ImGui::PopFont();
    if (current_revealed(view)) {
      ImGui::SameLine();
      ImGui::TextUnformatted("  → next cell: Next (→)");
    }
  }
  ImGui::Text("Score: %d / %d right", view.score_right, view.score_total);
}

}  // namespace

void draw_controls_panel(App& app) {
  LessonView& view = app.view;
  if (!view.loaded()) return;
  if (ImGui::Button("⇤ First (Home)")) step_first(view);
  ImGui::SameLine();
  if (ImGui::Button("▲ Row up (Shift+←)")) step_prev_row(view);
  ImGui::SameLine();
  if (ImGui::Button("◀ Back (←)")) step_prev(view);
  ImGui::SameLine();
  if (ImGui::Button("Next ▶ (→)")) step_next(view);
  ImGui::SameLine();
  if (ImGui::Button("Row down ▼ (Shift+→)")) step_next_row(view);
  ImGui::SameLine();
  if (ImGui::Button("Last ⇥ (End)")) step_last(view);

  if (ImGui::Button(view.playing ? "❚❚ Pause (Space)" : "▶ Play (Space)")) {
    view.playing = !view.playing;
    if (view.playing && view.step + 1 >= view.num_steps()) step_to(view, 0);
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9.0f);
  ImGui::SliderFloat("steps per second", &app.settings.play_speed, 0.25f, 10.0f, "%.2g");
  ImGui::SameLine();
  bool predict = view.predict;
  if (ImGui::Checkbox("Predict, then reveal (P)", &predict)) set_predict(view, predict);
  if (view.predict) draw_predict_row(app);
}

}  // namespace cnnlab
