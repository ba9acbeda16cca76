// ui/training/panel_train_lesson.cpp — short lessons for the training view (lessons/training/*.md):
// what a feature map is, why validation accuracy stalls, what to try.
#include <algorithm>

#include "ui/training/training_panels.h"

namespace cnnlab {

void draw_train_lesson_panel(TrainingUi& ui) {
  panel_header(ui, "Lessons for this view", "lesson");
  if (ui.lessons.empty()) {
    ImGui::TextDisabled("No lesson texts found (lessons/training/*.md).");
    return;
  }
  ui.lesson = std::clamp(ui.lesson, 0, int(ui.lessons.size()) - 1);
  ImGui::SetNextItemWidth(-1);
  if (ImGui::BeginCombo("##lesson", ui.lessons[size_t(ui.lesson)].title.c_str())) {
    for (int i = 0; i < int(ui.lessons.size()); ++i)
      if (ImGui::Selectable(ui.lessons[size_t(i)].title.c_str(), i == ui.lesson)) ui.lesson = i;
    ImGui::EndCombo();
  }
  ImGui::BeginChild("lesson text", ImVec2(0, 0), false);
  ImGui::PushTextWrapPos(0);
  // The numbers in the text are the loaded model's (lessons say {conv2d.filters}, not "32").
  if (ui.snap->summary.empty())
    ImGui::TextDisabled("Numbers marked ? fill in once a model is built.");
  ImGui::TextUnformatted(
      fill_lesson_numbers(ui.lessons[size_t(ui.lesson)].text, ui.snap->summary).c_str());
  ImGui::PopTextWrapPos();
  ImGui::EndChild();
}

}  // namespace cnnlab
