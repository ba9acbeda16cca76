// ui/lesson/panel_explanation.cpp — the lesson's own text (from its file) beside the grids.
#include <sstream>
#include <string>

#include "ui/app.h"
#include "ui/lesson/lesson_panels.h"

namespace cnnlab {

void draw_explanation_panel(App& app) {
  if (!app.view.loaded()) return;
  const Lesson& lesson = app.view.lesson;
  ImGui::PushFont(app.fonts.heading);
  ImGui::TextWrapped("%s", lesson.title.c_str());
  ImGui::PopFont();
  // Paragraphs are split by blank lines; a single newline inside a paragraph is the teacher's
  // editor wrapping the line, so it becomes a space and ImGui re-wraps to the column.
  std::istringstream in(lesson.text);
  std::string line, paragraph;
  auto flush = [&] {
    if (paragraph.empty()) return;
    ImGui::TextWrapped("%s", paragraph.c_str());
    ImGui::Spacing();
    paragraph.clear();
  };
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos)
      flush();
    else
      paragraph += (paragraph.empty() ? "" : " ") + line;
  }
  flush();
  bool has_pool = false;
  for (const Op& op : lesson.ops)
    has_pool |= op.kind == Op::Kind::Pool || op.kind == Op::Kind::PoolBackward;
  if (has_pool) {
    ImGui::Separator();
    ImGui::TextWrapped("Ties in max pooling: %s",
                       lesson.tie_rule.empty() ? kDefaultTieRule : lesson.tie_rule.c_str());
  }
}

}  // namespace cnnlab
