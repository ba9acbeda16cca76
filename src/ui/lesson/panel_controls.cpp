// ui/lesson/panel_controls.cpp — step buttons with their keys, play/pause and speed,
// predict-then-reveal: as wrapped rows (long labels or icons) or as a column of icons right of the
// grids.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "ui/app.h"
#include "ui/lesson/lesson_panels.h"
#include "ui/lesson/stage_layout.h"

namespace cnnlab {

namespace {

enum class Action { First, RowUp, Back, Next, RowDown, Last, Play };

struct Control {
  Action action;
  const char* icon;   // rows of icons and the column; the long label is its tooltip
  const char* label;  // with its key
};

std::vector<Control> step_controls(const LessonView& view) {
  return {{Action::First, "⇤", "⇤ First (Home)"},
          {Action::RowUp, "↑", "↑ Row up (Shift+←)"},
          {Action::Back, "←", "← Back (←)"},
          {Action::Next, "→", "Next → (→)"},
          {Action::RowDown, "↓", "Row down ↓ (Shift+→)"},
          {Action::Last, "⇥", "Last ⇥ (End)"},
          {Action::Play, view.playing ? "❚❚" : "▶",
           view.playing ? "❚❚ Pause (Space)" : "▶ Play (Space)"}};
}

void run(App& app, Action action) {
  LessonView& view = app.view;
  switch (action) {
    case Action::First:
      step_first(view);
      break;
    case Action::RowUp:
      step_prev_row(view);
      break;
    case Action::Back:
      step_prev(view);
      break;
    case Action::Next:
      step_next(view);
      break;
    case Action::RowDown:
      step_next_row(view);
      break;
    case Action::Last:
      step_last(view);
      break;
    case Action::Play:
      view.playing = !view.playing;
      if (view.playing && view.step + 1 >= view.num_steps()) step_to(view, 0);
      break;
  }
}

float button_width(const char* label) {
  return ImGui::CalcTextSize(label, nullptr, true).x + 2.0f * ImGui::GetStyle().FramePadding.x;
}

float labelled_width(float frame_w, const char* label) {
  return frame_w + ImGui::GetStyle().ItemInnerSpacing.x +
         ImGui::CalcTextSize(label, nullptr, true).x;
}

const char* speed_label(bool short_labels) {
  return short_labels ? "speed" : "steps per second";
}
const char* predict_label(bool short_labels) {
  return short_labels ? "Predict (P)" : "Predict, then reveal (P)";
}
const char* leave_label(bool short_labels) {
  return short_labels ? "Leave (F5)" : "Leave presentation (F5)";
}

// The row items' widths, in drawing order: step buttons, speed slider, predict, leave.
std::vector<float> row_widths(const App& app, bool short_labels) {
  std::vector<float> widths;
  for (const Control& c : step_controls(app.view))
    widths.push_back(button_width(short_labels ? c.icon : c.label));
  float slider = ImGui::GetFontSize() * (short_labels ? 5.0f : 9.0f);
  widths.push_back(labelled_width(slider, speed_label(short_labels)));
  widths.push_back(labelled_width(ImGui::GetFrameHeight(), predict_label(short_labels)));
  if (app.presentation) widths.push_back(button_width(leave_label(short_labels)));
  return widths;
}

// Starts the next item on this row when `w` still fits, else on a new row.
void flow(float w, bool first) {
  float right_edge = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  if (!first && ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x + w <= right_edge)
    ImGui::SameLine();
}

void tooltip(const char* text) {
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", text);
}

void record(App& app, const std::string& name) {
  if (!app.record_layout) return;
  ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
  app.layout.rects.push_back({"control." + name, a.x, a.y, b.x, b.y});
}

std::string control_name(Action a) {
  const char* names[] = {"first", "row_up", "back", "next", "row_down", "last", "play"};
  return names[int(a)];
}

}  // namespace

float controls_rows_height(const App& app, float width, bool short_labels) {
  const ImGuiStyle& style = ImGui::GetStyle();
  int rows = flow_rows(row_widths(app, short_labels), style.ItemSpacing.x, width);
  return float(rows) * ImGui::GetFrameHeightWithSpacing() - style.ItemSpacing.y;
}

void draw_controls_panel(App& app, bool short_labels) {
  LessonView& view = app.view;
  if (!view.loaded()) return;
  std::vector<float> widths = row_widths(app, short_labels);
  size_t i = 0;
  for (const Control& c : step_controls(view)) {
    flow(widths[i], i == 0);
    ++i;
    if (ImGui::Button(short_labels ? c.icon : c.label)) run(app, c.action);
    if (short_labels) tooltip(c.label);
    record(app, control_name(c.action));
  }
  flow(widths[i++], false);
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * (short_labels ? 5.0f : 9.0f));
  ImGui::SliderFloat(speed_label(short_labels), &app.settings.play_speed, 0.25f, 10.0f, "%.2g");
  record(app, "speed");
  flow(widths[i++], false);
  bool predict = view.predict;
  if (ImGui::Checkbox(predict_label(short_labels), &predict)) set_predict(view, predict);
  record(app, "predict");
  if (app.presentation) {
    flow(widths[i++], false);
    if (ImGui::Button(leave_label(short_labels))) app.presentation = false;
    record(app, "leave");
  }
}

// The column: "k / n", the step icons, predict ("?"), leave ("F5"); a second column when the
// height runs out.
namespace {

struct StripItem {
  std::string label, tip, name;
};

std::vector<StripItem> strip_items(const App& app) {
  std::vector<StripItem> items;
  for (const Control& c : step_controls(app.view))
    items.push_back({c.icon, c.label, control_name(c.action)});
  items.push_back(
      {"?", app.view.predict ? "Stop predicting (P)" : "Predict, then reveal (P)", "predict"});
  if (app.presentation) items.push_back({"F5", "Leave presentation (F5)", "leave"});
  return items;
}

std::string step_counter(const LessonView& view) {
  return std::to_string(view.step + 1) + "/" + std::to_string(view.num_steps());
}

float strip_button_width(const App& app) {
  std::string widest =
      std::to_string(app.view.num_steps()) + "/" + std::to_string(app.view.num_steps());
  float w = ImGui::CalcTextSize(widest.c_str()).x;  // the same width at every step
  for (const StripItem& it : strip_items(app)) w = std::max(w, button_width(it.label.c_str()));
  return w;
}

// The column's buttons sit closer than other items: the column must fit the stage's height.
float strip_gap() {
  return ImGui::GetStyle().ItemSpacing.y * 0.5f;
}

int strip_columns(const App& app, float height) {
  float line = ImGui::GetTextLineHeight() + strip_gap();
  int per_column =
      std::max(1, int((height - line + strip_gap()) / (ImGui::GetFrameHeight() + strip_gap())));
  int n = int(strip_items(app).size());
  return (n + per_column - 1) / per_column;
}

}  // namespace

float controls_strip_width(const App& app, float height) {
  float w = strip_button_width(app);
  int columns = strip_columns(app, height);
  return float(columns) * w + float(columns - 1) * ImGui::GetStyle().ItemSpacing.x;
}

void draw_controls_strip(App& app, float height) {
  LessonView& view = app.view;
  if (!view.loaded()) return;
  const ImGuiStyle& style = ImGui::GetStyle();
  float w = strip_button_width(app);
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(style.ItemSpacing.x, strip_gap()));
  ImVec2 origin = ImGui::GetCursorPos();
  ImGui::TextUnformatted(step_counter(view).c_str());
  float top = ImGui::GetCursorPosY(), column_x = origin.x;
  for (const StripItem& it : strip_items(app)) {
    if (ImGui::GetCursorPosY() + ImGui::GetFrameHeight() > origin.y + height &&
        ImGui::GetCursorPosY() > top) {
      column_x += w + style.ItemSpacing.x;  // the next column
      ImGui::SetCursorPos(ImVec2(column_x, top));
    }
    ImGui::SetCursorPosX(column_x);
    bool on = it.name == "predict" && view.predict;
    if (on) ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(ImGuiCol_ButtonActive));
    bool clicked = ImGui::Button(it.label.c_str(), ImVec2(w, 0));
    if (on) ImGui::PopStyleColor();
    tooltip(it.tip.c_str());
    record(app, it.name);
    if (!clicked) continue;
    if (it.name == "predict")
      set_predict(view, !view.predict);
    else if (it.name == "leave")
      app.presentation = false;
    for (const Control& c : step_controls(view)) {
      if (control_name(c.action) == it.name) run(app, c.action);
    }
  }
  ImGui::PopStyleVar();
}

namespace {

// The answer box takes digits, '-' and '.'; its caret stays at the end, so ←/→ (steps) never move
// it.
int answer_box_callback(ImGuiInputTextCallbackData* data) {
  if (data->EventFlag == ImGuiInputTextFlags_CallbackCharFilter) {
    ImWchar c = data->EventChar;
    return (c >= '0' && c <= '9') || c == '-' || c == '.' ? 0
                                                          : 1;  // non-zero discards the character
  }
  data->CursorPos = data->SelectionStart = data->SelectionEnd = data->BufTextLen;
  return 0;
}

}  // namespace

// Predict mode, below the tape: "Your prediction: [ ] Check" until answered, then the feedback;
// the score at the end of the last line.
void draw_predict_row(App& app) {
  LessonView& view = app.view;
  if (!view.loaded() || !view.predict) return;
  const GridColors& colors = app.theme.grid;
  if (!current_revealed(view)) {
    ImGui::PushFont(app.fonts.mono);
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Your prediction:");
    ImGui::SameLine();
    char buffer[32] = {};
    view.answer.copy(buffer, sizeof buffer - 1);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 4.0f);
    ImGui::PushID(
        view.step);  // one box per cell: a step that moves (and clears the answer) starts empty
    if (!ImGui::IsAnyItemActive()) ImGui::SetKeyboardFocusHere();  // ready to type
    bool enter = ImGui::InputText("##answer", buffer, sizeof buffer,
                                  ImGuiInputTextFlags_EnterReturnsTrue |
                                      ImGuiInputTextFlags_CallbackCharFilter |
                                      ImGuiInputTextFlags_CallbackAlways,
                                  answer_box_callback);
    app.keyboard.answer_active =
        ImGui::IsItemActive();  // the shell's keys: ←/→, P, Space, Esc stay shortcuts
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
  ImGui::SameLine();
  ImGui::Text("   Score: %d / %d right", view.score_right, view.score_total);
}

float predict_row_height(const App& app) {
  if (!app.view.predict || !app.fonts.mono) return 0;
  const ImGuiStyle& style = ImGui::GetStyle();
  float input_row = app.fonts.mono->FontSize + 2.0f * style.FramePadding.y;
  return input_row + app.fonts.mono->FontSize + style.ItemSpacing.y;
}

}  // namespace cnnlab
