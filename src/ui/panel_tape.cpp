// ui/panel_tape.cpp — the arithmetic tape in large type and the output-size formula with numbers.
#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "ui/app.h"
#include "ui/panels.h"

namespace cnnlab {

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Predict mode hides the answer: the first stage keeps its left side, "= ?" replaces the result,
// and the later stages (bias, ReLU) are not shown yet.
std::vector<std::string> hide_results(const std::vector<std::string>& lines) {
  if (lines.empty()) return lines;
  std::string first = lines[0];
  size_t eq = first.rfind(" = ");
  if (eq != std::string::npos) first = first.substr(0, eq) + " = ?";
  return {first};
}

const char* op_name(Op::Kind kind) {
  return kind == Op::Kind::Conv ? "convolution" : kind == Op::Kind::Pool ? "max pooling" : "ReLU";
}

bool has_tie(const Step& s) {
  if (s.kind != Op::Kind::Pool || s.argmax_cell < 0) return false;
  int n = 0;
  for (const WindowCell& c : s.cells) n += c.in_value == s.sum;
  return n > 1;
}

}  // namespace

void draw_tape_panel(App& app) {
  LessonView& view = app.view;
  if (!view.loaded()) return;
  const Stepper& st = *view.stepper;
  // The stage (drawn just before) set hover_step if the mouse is over a computed output cell.
  bool hovering = view.hover_step >= 0 && view.hover_step < st.num_steps();
  int index = hovering ? view.hover_step : view.step;
  Step s = st.step(index);
  bool reveal = hovering || current_revealed(view);

  std::string where = std::string(op_name(s.kind)) + ", output cell (row " + std::to_string(s.out_y + 1) +
                      ", col " + std::to_string(s.out_x + 1) + ")";
  if (st.outputs()[size_t(s.op_index)].c > 1) where += ", channel " + std::to_string(s.out_c + 1);
  if (hovering) ImGui::Text("Under the mouse: %s — step %d of %d", where.c_str(), index + 1, st.num_steps());
  else ImGui::Text("Step %d of %d: %s", index + 1, st.num_steps(), where.c_str());

  std::vector<std::string> lines = split_lines(s.tape);
  if (!reveal) lines = hide_results(lines);
  ImVec2 tape_min = ImGui::GetCursorScreenPos();
  ImGui::PushFont(app.fonts.mono);
  for (const std::string& line : lines) ImGui::TextWrapped("%s", line.c_str());
  ImGui::PopFont();
  ImVec2 tape_max(tape_min.x + ImGui::GetContentRegionAvail().x, ImGui::GetCursorScreenPos().y);
  if (app.record_layout) app.layout.rects.push_back({"tape", tape_min.x, tape_min.y, tape_max.x, tape_max.y});
  if (reveal && has_tie(s)) {
    ImGui::TextWrapped("Tie: %s", view.lesson.tie_rule.empty() ? kDefaultTieRule : view.lesson.tie_rule.c_str());
  }

  ImGui::Spacing();
  ImVec2 formula_min = ImGui::GetCursorScreenPos();
  OutputSize size = st.output_size(s.op_index);
  ImGui::PushFont(app.fonts.heading);
  ImGui::TextWrapped("%s", size.text.c_str());
  ImGui::PopFont();
  if (app.record_layout) {
    app.layout.rects.push_back({"formula", formula_min.x, formula_min.y,
                                formula_min.x + ImGui::GetContentRegionAvail().x, ImGui::GetCursorScreenPos().y});
  }
}

}  // namespace cnnlab
