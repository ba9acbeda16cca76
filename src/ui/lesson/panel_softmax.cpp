// ui/lesson/panel_softmax.cpp — the softmax + cross-entropy lesson's stage: one row per class with
// its logit z, e^z, the probability p as a number and a bar, the one-hot y and dL/dz = p − y.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>

#include "ui/app.h"
#include "ui/lesson/lesson_panels.h"

namespace cnnlab {

namespace {

// Column widths in cells: class name, z, e^z, p, the bar, y, dL/dz. A cell is one row's height;
// the text is half a cell tall, so a 7-character number needs ~2.3 cells.
constexpr float kNumberCols = 2.5f, kBarCols = 3.0f, kOneHotCols = 1.2f;

float name_cols(const Op& op, float cell, const ImFont* font) {
  float most = 0;
  for (const std::string& n : op.back.classes)
    most = std::max(most, font->CalcTextSizeA(cell * 0.5f, FLT_MAX, 0, n.c_str()).x);
  return most / std::max(cell, 1.0f) + 0.6f;
}

const Op* softmax_op(const App& app) {
  if (!app.view.loaded() || app.view.stepper->num_ops() != 1) return nullptr;
  const Op& op = app.view.stepper->op(0);
  return op.kind == Op::Kind::SoftmaxXent ? &op : nullptr;
}

}  // namespace

bool is_softmax_stage(const App& app) {
  return softmax_op(app) != nullptr;
}

float softmax_cell_size(const App& app, float width, float height) {
  const Op* op = softmax_op(app);
  ImFont* font = app.fonts.mono ? app.fonts.mono : ImGui::GetFont();
  if (!op) return 0;
  float mono = app.fonts.mono ? app.fonts.mono->FontSize : 30.0f;
  float cap = mono * (app.presentation ? 4.0f : 2.0f);
  float rows = float(op->back.classes.size()) + 1.0f;  // the header row
  float cell = std::min(cap, height / rows);
  for (int pass = 0; pass < 3; ++pass) {  // the names' column scales with the cell
    float cols = name_cols(*op, cell, font) + 4 * kNumberCols + kBarCols + kOneHotCols;
    cell = std::min(cell, width / cols);
  }
  return std::floor(std::max(cell, 0.0f));
}

namespace {

// The table's geometry and its text drawing: columns name, z, e^z, p, bar, y, dL/dz.
struct Table {
  ImFont* font = nullptr;
  ImDrawList* dl = nullptr;
  float cell = 0, size = 0;
  float col_x[8] = {};  // left edges of the 7 columns, then the right end
  ImU32 ink = 0;
  void text(int col, float y, const std::string& s, bool left = false) const {
    ImVec2 ext = font->CalcTextSizeA(size, FLT_MAX, 0, s.c_str());
    float x = left ? col_x[col] + cell * 0.2f : col_x[col + 1] - ext.x - cell * 0.2f;
    dl->AddText(font, size, ImVec2(x, y + (cell - ext.y) * 0.5f), ink, s.c_str());
  }
};

// One class's row at y: p, its bar and dL/dz once its step is done; the logit is a button that
// opens the number popup (click or right-click).
void draw_row(App& app, const Op& op, const Table& t, int k, float y, bool current) {
  const Stepper& st = *app.view.stepper;
  const BackwardInfo& info = *st.backward(0);
  const Grid& z = app.view.lesson.input;
  const GridColors& colors = app.theme.grid;
  ImVec2 a(t.col_x[0], y), b(t.col_x[7], y + t.cell);
  if (current) t.dl->AddRectFilled(a, b, colors.window_bg);
  t.dl->AddLine(ImVec2(a.x, y), ImVec2(b.x, y), colors.cell_border);
  bool truth = k == op.back.true_class;
  t.text(0, y, op.back.classes[size_t(k)], true);
  t.text(1, y, format_number(z.at(0, k)));
  t.text(2, y, format_number(info.exps.v[size_t(k)]));
  t.text(5, y, truth ? "1" : "0");
  if (cell_revealed(app.view, 0, 0, k, 0)) {
    double p = info.forward.v[size_t(k)];
    t.text(3, y, format_number(p));
    float x0 = t.col_x[4] + t.cell * 0.15f, span = t.col_x[5] - t.col_x[4] - t.cell * 0.3f;
    t.dl->AddRectFilled(ImVec2(x0, y + t.cell * 0.2f),
                        ImVec2(x0 + float(p) * span, y + t.cell * 0.8f),
                        truth ? colors.max_frame : colors.window_frame);
    t.text(6, y, format_number(st.outputs()[0].at(0, k)));
  } else if (current && app.view.predict) {
    t.text(6, y, "?");
  }
  if (current) t.dl->AddRect(a, b, colors.window_frame, 0, 0, 3.0f);
  ImGui::SetCursorScreenPos(ImVec2(t.col_x[1], y));
  ImGui::PushID(k);
  ImGui::InvisibleButton("z", ImVec2(t.col_x[2] - t.col_x[1], t.cell),
                         ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight);
  if (ImGui::IsItemClicked(ImGuiMouseButton_Left) || ImGui::IsItemClicked(ImGuiMouseButton_Right))
    app.cell_edit = {true, false, false, false, 0, 0, 0, k, 0, z.at(0, k)};
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Click to change this logit");
  ImGui::PopID();
  if (app.record_layout)
    app.layout.rects.push_back({"softmax.row" + std::to_string(k), a.x, a.y, b.x, b.y});
}

}  // namespace

void draw_softmax_table(App& app, float width, float height) {
  const Op* op = softmax_op(app);
  if (!op) return;
  Table t;
  t.cell = std::max(softmax_cell_size(app, width, height), 12.0f);
  t.font = app.fonts.mono ? app.fonts.mono : ImGui::GetFont();
  t.size = t.cell * 0.5f;
  t.dl = ImGui::GetWindowDrawList();
  t.ink = app.theme.grid.text;
  ImVec2 at = ImGui::GetCursorScreenPos();
  float widths[7] = {name_cols(*op, t.cell, t.font) * t.cell,
                     kNumberCols * t.cell,
                     kNumberCols * t.cell,
                     kNumberCols * t.cell,
                     kBarCols * t.cell,
                     kOneHotCols * t.cell,
                     kNumberCols * t.cell};
  t.col_x[0] = at.x;
  for (int i = 0; i < 7; ++i) t.col_x[i + 1] = t.col_x[i] + widths[i];
  const char* heads[7] = {"class", "z", "e^z", "p", "", "y", "dL/dz"};
  for (int c = 0; c < 7; ++c) t.text(c, at.y, heads[c], c == 0);
  if (app.record_layout)
    app.layout.rects.push_back({"softmax", at.x, at.y, t.col_x[7], at.y + t.cell});
  int current = app.view.stepper->step(app.view.step).out_x;
  int classes = app.view.lesson.input.w;
  for (int k = 0; k < classes; ++k)
    draw_row(app, *op, t, k, at.y + t.cell * float(k + 1), k == current);
  float bottom = at.y + t.cell * float(classes + 1);
  t.dl->AddLine(ImVec2(t.col_x[0], bottom), ImVec2(t.col_x[7], bottom), app.theme.grid.cell_border);
  ImGui::SetCursorScreenPos(ImVec2(at.x, bottom));  // the step line below names the loss
  ImGui::Dummy(ImVec2(t.col_x[7] - at.x, 1.0f));
}

}  // namespace cnnlab
