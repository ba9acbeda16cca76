// ui/lesson/panel_lesson_list.cpp — the lessons loaded from lessons/, in their order; click to open
// one.
#include <string>

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
    // Long titles wrap inside their row rather than run past the panel's edge.
    std::string title = std::to_string(i + 1) + ". " + l.title, id = "##" + l.id;
    float width = ImGui::GetContentRegionAvail().x;
    ImVec2 at = ImGui::GetCursorScreenPos();
    float h = ImGui::CalcTextSize(title.c_str(), nullptr, false, width).y;
    if (ImGui::Selectable(id.c_str(), i == app.lesson_index, 0, ImVec2(0, h))) clicked = i;
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s\n%s", l.id.c_str(), l.source_path.c_str());
    ImGui::GetWindowDrawList()->AddText(ImGui::GetFont(), ImGui::GetFontSize(), at,
                                        ImGui::GetColorU32(ImGuiCol_Text), title.c_str(), nullptr,
                                        width);
  }
  if (clicked >= 0 && clicked != app.lesson_index) select_lesson(app, clicked);
}

}  // namespace cnnlab
