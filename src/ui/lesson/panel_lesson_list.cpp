// ui/lesson/panel_lesson_list.cpp — the lessons loaded from lessons/, in their order; click to open one.
#include "ui/app.h"
#include "ui/lesson/lesson_panels.h"

namespace cnnlab {

void draw_lesson_list_panel(App& app) {
  ImGui::PushFont(app.fonts.heading);
  ImGui::TextUnformatted("Lessons");
  ImGui::PopFont();
  if (app.lessons.empty()) ImGui::TextWrapped("No lessons loaded: see the log.");
  int clicked = -1;
  for (int i = 0; i < int(app.lessons.size()); ++i) {
    const Lesson& l = app.lessons[size_t(i)];
    std::string label = std::to_string(i + 1) + ". " + l.title + "##" + l.id;
    if (ImGui::Selectable(label.c_str(), i == app.lesson_index)) clicked = i;
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s\n%s", l.id.c_str(), l.source_path.c_str());
  }
  if (clicked >= 0 && clicked != app.lesson_index) select_lesson(app, clicked);
}

}  // namespace cnnlab
