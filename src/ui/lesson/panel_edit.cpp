// ui/lesson/panel_edit.cpp — changing the lesson: input/kernel size, stride, padding, reset, the
// cell popup.
#include <algorithm>
#include <functional>
#include <string>

#include "core/log.h"
#include "ui/app.h"
#include "ui/lesson/lesson_panels.h"

namespace cnnlab {

namespace {

// Edits that cannot run (kernel larger than the padded input, …) leave the lesson as it was. The
// problem goes to the log and is kept to be shown beside the control `at` (see show_problem).
void report(LessonView& view, const std::string& problem, const std::string& at = "") {
  view.edit_problem = problem;
  view.edit_problem_at = problem.empty() ? "" : at;
  if (!problem.empty()) log_warn("edit not applied: " + problem);
}

// Beside the control that was refused: the reason, in the "wrong" colour, wrapped.
void show_problem(const LessonView& view, const std::string& at, uint32_t color) {
  if (view.edit_problem.empty() || view.edit_problem_at != at) return;
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(color));
  ImGui::TextWrapped("✗ Not applied: %s", view.edit_problem.c_str());
  ImGui::PopStyleColor();
}

// An integer stepper "label  [-] n [+]" that returns true when the value changed.
bool int_field(const char* label, int& value, int lo, int hi) {
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7.0f);
  int v = value;
  if (ImGui::InputInt(label, &v, 1, 1) && v != value && v >= lo && v <= hi) {
    value = v;
    return true;
  }
  return false;
}

// Draws one conv op's fields. An edit replaces the lesson (and its ops), so it is returned as an
// action for the caller to run after drawing, never applied mid-loop.
using EditAction = std::function<std::string()>;

EditAction draw_conv_fields(LessonView& view, int op_index, uint32_t wrong, std::string& key) {
  const ConvOp conv = view.lesson.ops[size_t(op_index)].conv;  // a copy: safe while drawing
  EditAction action;
  int kh = conv.kh(), kw = conv.kw();
  ImGui::PushID(op_index);
  ImGui::Text("Conv (op %d)", op_index + 1);
  std::string op = std::to_string(op_index);
  if (int_field("kernel rows", kh, 1, 7) | int_field("kernel cols", kw, 1, 7)) {
    action = [&view, op_index, kh, kw] { return resize_kernel(view, op_index, kh, kw); };
    key = "kernel" + op;
  }
  show_problem(view, "kernel" + op, wrong);
  int stride = conv.stride;
  if (int_field("stride", stride, 1, 8)) {
    action = [&view, op_index, stride] { return set_stride(view, op_index, stride); };
    key = "stride" + op;
  }
  show_problem(view, "stride" + op, wrong);
  const char* names[] = {"valid (no border)", "same", "explicit"};
  int mode = int(conv.padding);
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10.0f);
  if (ImGui::Combo("padding", &mode, names, 3)) {
    int pad = std::max(conv.pad_top, 1);
    action = [&view, op_index, mode, pad] {
      return set_padding(view, op_index, GridPadding(mode), pad);
    };
    key = "padding" + op;
  }
  if (conv.padding == GridPadding::Explicit) {
    int pad = conv.pad_top;
    if (int_field("P", pad, 0, 4)) {
      action = [&view, op_index, pad] {
        return set_padding(view, op_index, GridPadding::Explicit, pad);
      };
      key = "padding" + op;
    }
  }
  show_problem(view, "padding" + op, wrong);
  ImGui::PopID();
  return action;
}

}  // namespace

void draw_edit_panel(App& app) {
  LessonView& view = app.view;
  if (!view.loaded()) return;
  ImGui::PushFont(app.fonts.heading);
  ImGui::TextUnformatted("Change the lesson");
  ImGui::PopFont();
  ImGui::TextWrapped(
      "Click a cell to change it (0/1 grids toggle; right-click to type any number).");
  show_problem(view, "cell", app.theme.grid.wrong);
  EditAction action;
  std::string key;  // which control the action came from: a refusal is shown beside it
  uint32_t wrong = app.theme.grid.wrong;
  int h = view.lesson.input.h, w = view.lesson.input.w;
  if (int_field("input rows", h, 1, 16) | int_field("input cols", w, 1, 16)) {
    action = [&view, h, w] { return resize_input(view, h, w); };
    key = "input";
  }
  show_problem(view, "input", wrong);
  for (int i = 0; i < int(view.lesson.ops.size()); ++i) {
    const Op op = view.lesson.ops[size_t(i)];  // a copy: safe while drawing
    EditAction a;
    std::string k;
    if (op.kind == Op::Kind::Conv) {
      a = draw_conv_fields(view, i, wrong, k);
    } else if (op.kind == Op::Kind::Pool) {
      ImGui::PushID(i);
      ImGui::Text("Max pool %d×%d (op %d)", op.pool.size, op.pool.size, i + 1);
      int stride = op.pool.stride;
      if (int_field("pool stride", stride, 1, 8)) {
        a = [&view, i, stride] { return set_stride(view, i, stride); };
        k = "pool" + std::to_string(i);
      }
      show_problem(view, "pool" + std::to_string(i), wrong);
      ImGui::PopID();
    }
    if (a) {
      action = a;
      key = k;
    }
  }
  if (ImGui::Button("Reset lesson"))
    action = [&view] {
      reset_lesson(view);
      return std::string();
    };
  ImGui::SameLine();
  ImGui::TextDisabled("restores the file's values");
  if (action) report(view, action(), key);
}

void draw_cell_edit_popup(App& app) {
  CellEdit& e = app.cell_edit;
  LessonView& view = app.view;
  if (e.pending && e.toggle) {
    e.pending = false;
    if (e.kernel)
      report(view, edit_kernel_cell(view, e.op, e.k, e.y, e.x, e.c, e.value != 0 ? 0.0 : 1.0),
             "cell");
    else
      report(view, toggle_input_cell(view, e.y, e.x, e.c), "cell");
  } else if (e.pending) {
    e.pending = false;
    e.popup_open = true;
    ImGui::OpenPopup("Edit cell");
  }
  if (!ImGui::BeginPopup("Edit cell")) {
    e.popup_open = false;
    return;
  }
  ImGui::Text("%s cell (row %d, col %d)", e.kernel ? "Kernel" : "Input", e.y + 1, e.x + 1);
  if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8.0f);
  bool enter =
      ImGui::InputDouble("##value", &e.value, 0, 0, "%.4g", ImGuiInputTextFlags_EnterReturnsTrue);
  if (enter || ImGui::Button("Set (Enter)")) {
    if (e.kernel)
      report(view, edit_kernel_cell(view, e.op, e.k, e.y, e.x, e.c, e.value), "cell");
    else
      report(view, edit_input_cell(view, e.y, e.x, e.c, e.value), "cell");
    ImGui::CloseCurrentPopup();
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel (Esc)")) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

}  // namespace cnnlab
