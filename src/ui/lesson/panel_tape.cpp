// ui/lesson/panel_tape.cpp — the arithmetic tape in large type and the output-size formula with
// numbers.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "ui/app.h"
#include "ui/lesson/lesson_panels.h"

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
// Backward steps: the lines up to the one that ends with the result, its result replaced by "?"
// (a pool's routing line gives its answer away: only "dX[…] = ?" is left).
std::vector<std::string> hide_backward(const std::vector<std::string>& lines, const Step& s) {
  std::string tail = " = " + format_number(s.result);
  std::vector<std::string> out;
  for (const std::string& line : lines) {
    bool result = line.size() >= tail.size() &&
                  line.compare(line.size() - tail.size(), tail.size(), tail) == 0;
    if (s.kind == Op::Kind::PoolBackward && line.rfind("dX", 0) != 0) continue;
    if (!result) {
      out.push_back(line);
      continue;
    }
    std::string head = line.substr(0, line.size() - tail.size());
    if (s.kind == Op::Kind::PoolBackward) head = head.substr(0, head.find(" = "));
    out.push_back(head + " = ?");
    break;
  }
  return out;
}

std::vector<std::string> hide_results(const std::vector<std::string>& lines) {
  if (lines.empty()) return lines;
  std::string first = lines[0];
  size_t eq = first.rfind(" = ");
  if (eq != std::string::npos) first = first.substr(0, eq) + " = ?";
  return {first};
}

const char* op_name(Op::Kind kind) {
  switch (kind) {
    case Op::Kind::Conv:
      return "convolution";
    case Op::Kind::Pool:
      return "max pooling";
    case Op::Kind::Relu:
      return "ReLU";
    case Op::Kind::ReluBackward:
      return "ReLU backward";
    case Op::Kind::PoolBackward:
      return "max pooling backward";
    case Op::Kind::ConvBackwardWeights:
      return "kernel gradient dW";
    case Op::Kind::ConvBackwardInput:
      return "input gradient dX";
    case Op::Kind::SgdStep:
      return "SGD step";
    case Op::Kind::SoftmaxXent:
      return "softmax + cross-entropy";
  }
  return "";
}

bool has_tie(const Step& s) {
  bool pool = s.kind == Op::Kind::Pool || s.kind == Op::Kind::PoolBackward;
  if (!pool || s.argmax_cell < 0) return false;
  int n = 0;
  double best = s.cells[size_t(s.argmax_cell)].in_value;  // (a backward step's sum is its dX)
  for (const WindowCell& c : s.cells) n += c.in_value == best;
  return n > 1;
}

std::string tie_note(const App& app);

// What the tape panel shows this frame: the step (current or hovered), its lines, the formula.
struct TapeContent {
  std::string header, tie, formula;
  std::vector<std::string> lines;
  float scale =
      1;  // the tape font shrinks (to kTapeMinScale) so that the tape fits its height budget
};

float wrapped_height(ImFont* font, float size, float width, const std::string& text) {
  if (!font) return 0;
  return font->CalcTextSizeA(size, FLT_MAX, width, text.c_str()).y;
}

TapeContent tape_content(const App& app, float width, float budget) {
  TapeContent t;
  const LessonView& view = app.view;
  const Stepper& st = *view.stepper;
  // The stage (drawn just before) set hover_step if the mouse is over a computed output cell.
  bool hovering = view.hover_step >= 0 && view.hover_step < st.num_steps();
  int index = hovering ? view.hover_step : view.step;
  Step s = st.step(index);
  bool reveal = hovering || current_revealed(view);
  std::string where = std::string(op_name(s.kind)) + ", output cell (row " +
                      std::to_string(s.out_y + 1) + ", col " + std::to_string(s.out_x + 1) + ")";
  if (st.outputs()[size_t(s.op_index)].c > 1) where += ", channel " + std::to_string(s.out_c + 1);
  if (is_backward(s.kind))  // the tape names cells as [row,col] from 0, like the formulas
    where = std::string(op_name(s.kind)) + ", cell [" + std::to_string(s.out_y) + "," +
            std::to_string(s.out_x) +
            (st.outputs()[size_t(s.op_index)].c > 1 ? "," + std::to_string(s.out_c) : "") +
            "] (rows and columns count from 0)";
  if (const BackwardInfo* info = st.backward(s.op_index); info && info->has_loss)
    where += " · loss L = " + format_number(info->loss);
  std::string n = std::to_string(index + 1) + " of " + std::to_string(st.num_steps());
  t.header = hovering ? "Under the mouse: " + where + " — step " + n : "Step " + n + ": " + where;
  t.lines = split_lines(s.tape);
  if (!reveal) t.lines = is_backward(s.kind) ? hide_backward(t.lines, s) : hide_results(t.lines);
  if (reveal && has_tie(s)) t.tie = tie_note(app);
  t.formula = st.output_size(s.op_index).text;
  ImFont* font = app.fonts.tape;
  // Down to kTapeMinScale; below it only when even that cannot fit (a long tape on a tight stage).
  float gap = ImGui::GetStyle().ItemSpacing.y;
  for (int k = 0; font && (t.scale = 1.0f - 0.05f * float(k)) > 0.25f; ++k) {
    float h = -gap;
    for (const std::string& line : t.lines)
      h += wrapped_height(font, font->FontSize * t.scale, width, line) + gap;
    if (h <= budget) break;
  }
  return t;
}

}  // namespace

float tape_height_needed(const App& app, float width, float scale) {
  ImFont* font = app.fonts.tape;
  if (!font || width <= 0) return 0;
  // Measured as TextWrapped will wrap it, for every step: the grids keep their size while stepping.
  float size = font->FontSize * scale, most = size, gap = ImGui::GetStyle().ItemSpacing.y;
  for (const std::vector<std::string>& lines : app.view.tape_lines) {
    float h = 0;
    for (const std::string& line : lines) h += wrapped_height(font, size, width, line) + gap;
    most = std::max(most, h - gap);  // one TextWrapped per line, a gap between them
  }
  return most;
}

namespace {

// The tie note, short to fit beside a pool's tape: the stepper's rule is always the first maximum
// in reading order; the lesson's wording of it (tie_rule) is its tooltip and in the explanation.
std::string tie_note(const App&) {
  return "Tie: first max wins";
}

}  // namespace

float tape_below_height(const App& app, float width) {
  const LessonView& view = app.view;
  if (!view.loaded() || !app.fonts.heading) return 0;
  const Stepper& st = *view.stepper;
  float spacing = ImGui::GetStyle().ItemSpacing.y, formula = 0, tie = 0;
  for (int i = 0; i < st.num_ops(); ++i) {
    const std::string text = st.output_size(i).text;
    formula = std::max(formula,
                       wrapped_height(app.fonts.heading, app.fonts.heading->FontSize, width, text));
  }
  // The tie note sits beside a pool's tape (one short line) when the longest one leaves room.
  float tape_w = -1;
  if (app.fonts.tape) {
    float size = app.fonts.tape->FontSize * kTapeMinScale;
    for (int i = 0; i < st.num_steps(); ++i) {
      if (!has_tie(st.step(i))) continue;
      for (const std::string& line : view.tape_lines[size_t(i)]) {
        tape_w = std::max(tape_w, app.fonts.tape->CalcTextSizeA(size, FLT_MAX, 0, line.c_str()).x);
      }
    }
  }
  float note_w =
      ImGui::CalcTextSize(tie_note(app).c_str()).x + 2.0f * ImGui::GetStyle().ItemSpacing.x;
  if (tape_w >= 0 && tape_w + note_w > width) tie = ImGui::GetTextLineHeight() + spacing;
  return tie + spacing + formula;
}

void draw_tape_panel(App& app, float budget, bool header) {
  if (!app.view.loaded()) return;
  float width = ImGui::GetContentRegionAvail().x;
  TapeContent t = tape_content(app, width, budget);
  if (header) ImGui::TextWrapped("%s", t.header.c_str());
  ImVec2 tape_min = ImGui::GetCursorScreenPos();
  ImGui::PushFont(app.fonts.tape);
  ImGui::SetWindowFontScale(t.scale);
  // The products and their sum in the window frame's colour: the framed window and its tape term
  // read as one pair (the stepper has no sub-steps: the whole window is the current term).
  for (size_t i = 0; i < t.lines.size(); ++i) {
    if (i == 0)
      ImGui::PushStyleColor(ImGuiCol_Text,
                            ImGui::ColorConvertU32ToFloat4(app.theme.grid.window_frame));
    ImGui::TextWrapped("%s", t.lines[i].c_str());
    if (i == 0) ImGui::PopStyleColor();
  }
  ImGui::SetWindowFontScale(1.0f);
  ImGui::PopFont();
  if (!t.tie.empty()) {  // beside a pool's (short) tape when it fits; tape_below_height kept a line
                         // if not
    float gap = ImGui::GetStyle().ItemSpacing.x * 2.0f;
    if (ImGui::GetItemRectMax().x + gap + ImGui::CalcTextSize(t.tie.c_str()).x <=
        tape_min.x + width) {
      ImGui::SameLine(0, gap);
    }
    ImGui::TextWrapped("%s", t.tie.c_str());
    const std::string& rule = app.view.lesson.tie_rule;
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("%s", rule.empty() ? kDefaultTieRule : rule.c_str());
  }
  ImVec2 tape_max(tape_min.x + width, ImGui::GetCursorScreenPos().y);
  if (app.record_layout)
    app.layout.rects.push_back({"tape", tape_min.x, tape_min.y, tape_max.x, tape_max.y});
  ImGui::Spacing();
  ImVec2 formula_min = ImGui::GetCursorScreenPos();
  ImGui::PushFont(app.fonts.heading);
  ImGui::TextWrapped("%s", t.formula.c_str());
  ImGui::PopFont();
  if (app.record_layout) {
    app.layout.rects.push_back({"formula", formula_min.x, formula_min.y, formula_min.x + width,
                                ImGui::GetCursorScreenPos().y});
  }
}

}  // namespace cnnlab
