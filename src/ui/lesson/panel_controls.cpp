// ui/lesson/panel_controls.cpp — step buttons with their keys, play/pause and speed, predict-then-reveal.
#include <string>
#include <utility>

#include "ui/app.h"
#include "ui/lesson/lesson_panels.h"

namespace cnnlab {

namespace {

// Keeps a row of buttons on one line while they fit, wrapping to the next line otherwise.
bool flow_button(const char* label, bool first) {
  const ImGuiStyle& style = ImGui::GetStyle();
  float w = ImGui::CalcTextSize(label, nullptr, true).x + 2.0f * style.FramePadding.x;
  float right_edge = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  if (!first && ImGui::GetItemRectMax().x + style.ItemSpacing.x + w <= right_edge) ImGui::SameLine();
  return ImGui::Button(label);
}

// The answer box takes digits, '-' and '.'; its caret stays at the end, so ←/→ (steps) never move it.
int answer_box_callback(ImGuiInputTextCallbackData* data) {
  if (data->EventFlag == ImGuiInputTextFlags_CallbackCharFilter) {
    ImWchar c = data->EventChar;
    return (c >= '0' && c <= '9') || c == '-' || c == '.' ? 0 : 1;  // non-zero discards the character
  }
  data->CursorPos = data->SelectionStart = data->SelectionEnd = data->BufTextLen;
  return 0;
}

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
    ImGui::PushID(view.step);  // one box per cell: a step that moves (and clears the answer) starts empty
    if (!ImGui::IsAnyItemActive()) ImGui::SetKeyboardFocusHere();  // ready to type
    bool enter = ImGui::InputText("##answer", buffer, sizeof buffer,
                                  ImGuiInputTextFlags_EnterReturnsTrue | ImGuiInputTextFlags_CallbackCharFilter |
                                      ImGuiInputTextFlags_CallbackAlways,
                                  answer_box_callback);
    app.keyboard.answer_active = ImGui::IsItemActive();  // the shell's keys: ←/→, P, Space, Esc stay shortcuts
    ImGui::PopID();
    view.answer = buffer;
    ImGui::PopFont();
    ImGui::SameLine();
    bool check = ImGui::Button("Check (Enter)");
    // Enter queued by the shell (a tap shorter than a frame) counts as well as the box's own Enter.
    bool queued = std::exchange(app.keyboard.submit_answer, false);
    if (enter || check || queued) submit_prediction(view, view.answer);
  } else {
    app.keyboard.submit_answer = false;
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
  if (flow_button("⇤ First (Home)", true)) step_first(view);
  if (flow_button("▲ Row up (Shift+←)", false)) step_prev_row(view);
  if (flow_button("◀ Back (←)", false)) step_prev(view);
  if (flow_button("Next ▶ (→)", false)) step_next(view);
  if (flow_button("Row down ▼ (Shift+→)", false)) step_next_row(view);
  if (flow_button("Last ⇥ (End)", false)) step_last(view);

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
  if (app.presentation) {
    ImGui::SameLine();
    if (ImGui::Button("Leave presentation (F5)")) app.presentation = false;
  }
  if (view.predict) draw_predict_row(app);
}

}  // namespace cnnlab
