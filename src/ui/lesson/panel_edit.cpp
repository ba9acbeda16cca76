// ui/lesson/panel_edit.cpp — changing the lesson: input/kernel size, stride, padding, reset, the cell popup.
#include <algorithm>
#include <functional>
#include <string>

#include "core/log.h"
#include "ui/app.h"
#include "ui/lesson/lesson_panels.h"

namespace cnnlab {

namespace {

// Edits that cannot run (kernel larger than the padded input, …) leave the lesson as it was.
void report(const std::string& problem) {
  if (!problem.empty()) log_warn("edit not applied: " + problem);
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

EditAction draw_conv_fields(LessonView& view, int op_index) {
  const ConvOp conv = view.lesson.ops[size_t(op_index)].conv;  // a copy: safe while drawing
  EditAction action;
  int kh = conv.kh(), kw = conv.kw();
  ImGui::PushID(op_index);
  ImGui::Text("Conv (op %d)", op_index + 1);
  if (int_field("kernel rows", kh, 1, 7) | int_field("kernel cols", kw, 1, 7)) {
    action = [&view, op_index, kh, kw] { return resize_kernel(view, op_index, kh, kw); };
  }
  int stride = conv.stride;
  if (int_field("stride", stride, 1, 8)) {
    action = [&view, op_index, stride] { return set_stride(view, op_index, stride); };
  }
  const char* names[] = {"valid (no border)", "same", "explicit"};
  int mode = int(conv.padding);
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10.0f);
  if (ImGui::Combo("padding", &mode, names, 3)) {
    int pad = std::max(conv.pad_top, 1);
    action = [&view, op_index, mode, pad] { return set_padding(view, op_index, GridPadding(mode), pad); };
  }
  if (conv.padding == GridPadding::Explicit) {
    int pad = conv.pad_top;
    if (int_field("P", pad, 0, 4)) {
      action = [&view, op_index, pad] { return set_padding(view, op_index, GridPadding::Explicit, pad); };
    }
  }
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
  ImGui::TextWrapped("Click a cell to change it (0/1 grids toggle; right-click to type any number).");
  EditAction action;
  int h = view.lesson.input.h, w = view.lesson.input.w;
  if (int_field("input rows", h, 1, 16) | int_field("input cols", w, 1, 16)) {
    action = [&view, h, w] { return resize_input(view, h, w); };
  }
  for (int i = 0; i < int(view.lesson.ops.size()); ++i) {
    const Op op = view.lesson.ops[size_t(i)];  // a copy: safe while drawing
    EditAction a;
    if (op.kind == Op::Kind::Conv) {
      a = draw_conv_fields(view, i);
    } else if (op.kind == Op::Kind::Pool) {
      ImGui::PushID(i);
      ImGui::Text("Max pool %d×%d (op %d)", op.pool.size, op.pool.size, i + 1);
      int stride = op.pool.stride;
      if (int_field("pool stride", stride, 1, 8)) a = [&view, i, stride] { return set_stride(view, i, stride); };
      ImGui::PopID();
    }
    if (a) action = a;
  }
  if (ImGui::Button("Reset lesson")) action = [&view] { reset_lesson(view); return std::string(); };
  ImGui::SameLine();
  ImGui::TextDisabled("restores the file's values");
  if (action) report(action());
}

void draw_cell_edit_popup(App& app) {
  CellEdit& e = app.cell_edit;
  LessonView& view = app.view;
  if (e.pending && e.toggle) {
    e.pending = false;
    if (e.kernel) report(edit_kernel_cell(view, e.op, e.k, e.y, e.x, e.c, e.value != 0 ? 0.0 : 1.0));
    else report(toggle_input_cell(view, e.y, e.x, e.c));
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
  bool enter = ImGui::InputDouble("##value", &e.value, 0, 0, "%.4g", ImGuiInputTextFlags_EnterReturnsTrue);
  if (enter || ImGui::Button("Set (Enter)")) {
    if (e.kernel) report(edit_kernel_cell(view, e.op, e.k, e.y, e.x, e.c, e.value));
    else report(edit_input_cell(view, e.y, e.x, e.c, e.value));
    ImGui::CloseCurrentPopup();
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel (Esc)")) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

}  // namespace cnnlab
