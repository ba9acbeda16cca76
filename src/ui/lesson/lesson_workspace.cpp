// ui/lesson/lesson_workspace.cpp — the Lessons tab's layout: lesson list and text | the stage
// (grids, tape, controls) | photo and edits, with a log strip; a compact arrangement with side tabs
// for large text.
#include <imgui.h>

#include <algorithm>

#include "ui/app.h"
#include "ui/lesson/lesson_panels.h"
#include "ui/lesson/stage_layout.h"
#include "ui/panels.h"

namespace cnnlab {

namespace {

// The parts' sizes at this zoom in a stage of `avail` (see StageNeeds). `part`: Grids leaves out
// the tape and the formula (they are on the Arithmetic tab).
StageNeeds measure_stage(const App& app, ImVec2 avail, bool tight, StagePart part) {
  const ImGuiStyle& style = ImGui::GetStyle();
  StageNeeds n;
  n.width = avail.x;
  n.height = avail.y;
  n.spacing = style.ItemSpacing.y;
  n.strip_width = controls_strip_width(app, avail.y);
  n.controls_long = controls_rows_height(app, avail.x, false);
  n.controls_short = controls_rows_height(app, avail.x, true);
  n.presentation = app.presentation || tight;
  if (part == StagePart::Grids) return n;
  // The step line wraps on a narrow stage: sized for the longest one.
  n.header =
      ImGui::CalcTextSize(
          "Under the mouse: max pooling, output cell (row 00, col 00), channel 0 — step 000 of 000",
          nullptr, false, avail.x)
          .y;
  // The tape's budget comes from the longest step's tape, not this step's, so the grids keep their
  // size while stepping; the tape font shrinks (to the text's size) rather than push the rest off.
  // With the strip, the tape and the formula share the grids' width.
  float predict = predict_row_height(app);
  float predict_h = predict > 0 ? predict + style.ItemSpacing.y : 0.0f;
  n.tape = tape_height_needed(app, avail.x, kTapeMinScale);  // the grids first, see draw_stage
  n.below = tape_below_height(app, avail.x) + predict_h;
  float narrow = avail.x - n.strip_width - style.ItemSpacing.x;
  n.strip_tape = tape_height_needed(app, narrow, kTapeMinScale);
  n.strip_below = tape_below_height(app, narrow) + predict_h;
  return n;
}

StagePlan plan_for(const App& app, const StageNeeds& n) {
  return plan_stage(n, [&](float w, float h) { return grids_cell_size(app, w, h); });
}

// The Arithmetic tab of a split stage: the step line, the tape as large as the room allows, the
// formula, the controls in rows.
void draw_arithmetic(App& app, ImVec2 avail) {
  const ImGuiStyle& style = ImGui::GetStyle();
  bool short_labels =
      controls_rows_height(app, avail.x, false) > 2.0f * ImGui::GetFrameHeightWithSpacing();
  float controls = controls_rows_height(app, avail.x, short_labels);
  float header =
      ImGui::CalcTextSize(
          "Under the mouse: max pooling, output cell (row 00, col 00), channel 0 — step 000 of 000",
          nullptr, false, avail.x)
          .y;
  float predict = predict_row_height(app);
  float below =
      tape_below_height(app, avail.x) + (predict > 0 ? predict + style.ItemSpacing.y : 0.0f);
  float tape = avail.y - header - below - controls - 4.0f * style.ItemSpacing.y;
  draw_tape_panel(app, std::max(tape, 0.0f), true);
  draw_predict_row(app);
  draw_controls_panel(app, short_labels);
}

}  // namespace

bool stage_fits(const App& app, ImVec2 avail) {
  StagePlan plan = plan_for(app, measure_stage(app, avail, true, StagePart::All));
  return plan.cell >= 1.5f * ImGui::GetFontSize();  // a digit's ink ≥ ~0.8 × the text's size
}

// Grids, the tape and the controls: everything presentation mode keeps. The parts are measured at
// this zoom and plan_stage picks the arrangement that gives the grids the largest cells (controls
// as rows of labels, rows of icons, or a column beside the grids); the grids get the rest of the
// height, and the parts below follow them directly.
void draw_stage(App& app, bool tight, StagePart part) {
  const ImGuiStyle& style = ImGui::GetStyle();
  ImVec2 avail = ImGui::GetContentRegionAvail();
  ImVec2 screen = ImGui::GetCursorScreenPos();
  if (app.record_layout) {
    const char* name =
        part == StagePart::All ? "stage" : "stage.split";  // split: the tape is on its own tab
    app.layout.rects.push_back(
        {"stage", screen.x, screen.y, screen.x + avail.x, screen.y + avail.y});
    if (part != StagePart::All)
      app.layout.rects.push_back(
          {name, screen.x, screen.y, screen.x + avail.x, screen.y + avail.y});
  }
  if (part == StagePart::Arithmetic) {
    draw_arithmetic(app, avail);
    return;
  }
  StageNeeds n = measure_stage(app, avail, tight, part);
  float strip_w = n.strip_width;
  StagePlan plan = plan_for(app, n);
  if (plan.strip) {
    n.tape = n.strip_tape;
    n.below = n.strip_below;
  }
  // The grids, the tape and the formula (and the rows of controls) in one column; the strip, when
  // chosen, at the right over the whole height.
  float main_w = plan.strip ? avail.x - strip_w - style.ItemSpacing.x : avail.x;
  ImGuiWindowFlags flags = ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse;
  ImGui::BeginChild("stage_main", ImVec2(main_w, avail.y), false, flags);
  if (app.record_layout) {
    ImVec2 at = ImGui::GetCursorScreenPos();
    app.layout.rects.push_back({"grids", at.x, at.y, at.x + plan.grid_w, at.y + plan.grid_h});
  }
  draw_grids_panel(app, plan.grid_w, plan.grid_h);
  // The tape was planned at its smallest; the height the grids left over lets it grow back.
  float used = ImGui::GetCursorPosY() + n.below + 2.0f * n.spacing +
               (plan.header ? n.header + n.spacing : 0.0f);
  if (!plan.strip) used += (plan.short_labels ? n.controls_short : n.controls_long) + n.spacing;
  float tape_full = tape_height_needed(app, main_w, 1.0f);
  float tape = std::min(std::max(avail.y - used, 0.0f), std::max(n.tape, tape_full));
  if (part == StagePart::All) draw_tape_panel(app, tape, plan.header);
  draw_predict_row(app);
  if (!plan.strip) draw_controls_panel(app, plan.short_labels);
  ImGui::EndChild();
  if (!plan.strip) return;
  ImGui::SameLine();
  ImGui::BeginChild("stage_strip", ImVec2(strip_w, avail.y), false, flags);
  draw_controls_strip(app, avail.y);
  ImGui::EndChild();
}

namespace {

// Photo, edits: the right column in the wide layout, tabs in the compact one; in the narrow one
// (large text on a small screen) the stage is the first tab and each tab takes the whole width.
const char* const kSideTabs[] = {"Lesson", "Photo", "Change", "Log"};

void draw_side_tabs(App& app, bool with_stage) {
  if (!ImGui::BeginTabBar("side")) return;
  // A stage that cannot fit at this text size becomes two tabs: the grids, and the arithmetic.
  ImVec2 avail = ImGui::GetContentRegionAvail();
  bool split =
      with_stage && !stage_fits(app, ImVec2(avail.x, avail.y - ImGui::GetFrameHeightWithSpacing()));
  if (with_stage && ImGui::BeginTabItem("Grids")) {
    draw_stage(app, true, split ? StagePart::Grids : StagePart::All);
    ImGui::EndTabItem();
  }
  if (split && ImGui::BeginTabItem("Arithmetic")) {
    draw_stage(app, true, StagePart::Arithmetic);
    ImGui::EndTabItem();
  }
  if (ImGui::BeginTabItem(kSideTabs[0])) {
    draw_lesson_list_panel(app);
    ImGui::Separator();
    draw_explanation_panel(app);
    ImGui::EndTabItem();
  }
  if (ImGui::BeginTabItem(kSideTabs[1])) {
    draw_photo_panel(app);
    ImGui::EndTabItem();
  }
  if (ImGui::BeginTabItem(kSideTabs[2])) {
    draw_edit_panel(app);
    ImGui::EndTabItem();
  }
  if (app.show_log && ImGui::BeginTabItem(kSideTabs[3])) {
    draw_log_panel(app);
    ImGui::EndTabItem();
  }
  ImGui::EndTabBar();
}

// The side tabs' labels in full, with the child's padding and a scrollbar's width.
float side_tabs_width() {
  const ImGuiStyle& style = ImGui::GetStyle();
  float w = 2.0f * style.WindowPadding.x + style.ScrollbarSize;
  for (const char* label : kSideTabs)
    w += ImGui::CalcTextSize(label).x + 2.0f * style.FramePadding.x + style.ItemInnerSpacing.x;
  return w;
}

}  // namespace

void draw_lessons_workspace(App& app) {
  draw_photo_large(app);  // its own window over the workspace, when enlarged
  const ImGuiStyle& style = ImGui::GetStyle();
  float width = ImGui::GetContentRegionAvail().x;
  float height = ImGui::GetContentRegionAvail().y;
  float line = ImGui::GetTextLineHeightWithSpacing();
  // Wide: lessons | stage | photo + edits. Compact (large text): stage | tabs. Narrow (larger
  // text on a small screen): the stage is a tab of its own and takes the whole width.
  float em = ImGui::GetFontSize();
  if (width < 50.0f * em) {
    ImGui::BeginChild("stage", ImVec2(width, height), true);
    draw_side_tabs(app, true);
    ImGui::EndChild();
    return;
  }
  bool compact = width < 75.0f * em;
  bool log_strip = app.show_log && !compact;  // compact: the log is a side tab
  float log_h = log_strip ? std::min(line * 5.5f, height * 0.15f) : 0.0f;
  float side_h = height - log_h - (log_strip ? style.ItemSpacing.y : 0.0f);
  float left_w = compact ? 0.0f : std::max(width * 0.16f, 200.0f);
  float right_w =
      compact ? std::max(width * 0.3f, side_tabs_width()) : std::max(width * 0.2f, 260.0f);
  if (!compact) {
    ImGui::BeginChild("left", ImVec2(left_w, side_h), true);
    draw_lesson_list_panel(app);
    ImGui::Separator();
    draw_explanation_panel(app);
    ImGui::EndChild();
    ImGui::SameLine();
  }
  float centre_w = width - left_w - right_w - (compact ? 1.0f : 2.0f) * style.ItemSpacing.x;
  ImGui::BeginChild("stage", ImVec2(centre_w, side_h), true);
  draw_stage(app);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("right", ImVec2(right_w, side_h), true);
  if (compact) {
    draw_side_tabs(app, false);
  } else {
    draw_photo_panel(app);
    ImGui::Separator();
    draw_edit_panel(app);
  }
  ImGui::EndChild();
  if (log_strip) {
    ImGui::BeginChild("log", ImVec2(0, log_h), false);
    draw_log_panel(app);
    ImGui::EndChild();
  }
}

}  // namespace cnnlab
