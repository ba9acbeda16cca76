// ui/lesson/lesson_workspace.cpp — the Lessons tab's layout: lesson list and text | the stage (grids, tape,
// controls) | photo and edits, with a log strip; a compact arrangement with side tabs for large text.
#include <imgui.h>

#include <algorithm>

#include "ui/app.h"
#include "ui/lesson/lesson_panels.h"
#include "ui/panels.h"

namespace cnnlab {

// Grids, the tape and the controls: everything presentation mode keeps. The tape is measured
// and the controls take what they took last frame; the grids get the rest of the height.
void draw_stage(App& app) {
  const ImGuiStyle& style = ImGui::GetStyle();
  ImVec2 avail = ImGui::GetContentRegionAvail();
  // The footer is sized from the tape's budget (it shrinks to fit), not from this step's tape,
  // so the grids keep their size and arrangement while stepping.
  float tape_budget = std::min(avail.y * 0.22f, tape_height_needed(app, avail.x));
  float footer = tape_budget + 3.0f * ImGui::GetTextLineHeightWithSpacing() + app.controls_height +
                 6.0f * style.ItemSpacing.y;
  float min_grids = avail.y * 0.45f;
  draw_grids_panel(app, std::max(avail.y - footer, min_grids));
  ImGui::Separator();
  draw_tape_panel(app, tape_budget);
  ImGui::Separator();
  float top = ImGui::GetCursorPosY();
  draw_controls_panel(app);
  app.controls_height = ImGui::GetCursorPosY() - top;
}

namespace {

// Photo, edits: the right column in the wide layout, tabs in the compact one.
void draw_side_tabs(App& app) {
  if (!ImGui::BeginTabBar("side")) return;
  if (ImGui::BeginTabItem("Lesson")) {
    draw_lesson_list_panel(app);
    ImGui::Separator();
    draw_explanation_panel(app);
    ImGui::EndTabItem();
  }
  if (ImGui::BeginTabItem("Photo")) {
    draw_photo_panel(app);
    ImGui::EndTabItem();
  }
  if (ImGui::BeginTabItem("Change")) {
    draw_edit_panel(app);
    ImGui::EndTabItem();
  }
  if (app.show_log && ImGui::BeginTabItem("Log")) {
    draw_log_panel(app);
    ImGui::EndTabItem();
  }
  ImGui::EndTabBar();
}

}  // namespace

void draw_lessons_workspace(App& app) {
  const ImGuiStyle& style = ImGui::GetStyle();
  float width = ImGui::GetContentRegionAvail().x;
  float height = ImGui::GetContentRegionAvail().y;
  float line = ImGui::GetTextLineHeightWithSpacing();
  // Wide: lessons | stage | photo + edits. Compact (large text on a small screen): stage | tabs.
  bool compact = width < 75.0f * ImGui::GetFontSize();
  bool log_strip = app.show_log && !compact;  // compact: the log is a side tab
  float log_h = log_strip ? std::min(line * 5.5f, height * 0.15f) : 0.0f;
  float side_h = height - log_h - (log_strip ? style.ItemSpacing.y : 0.0f);
  float left_w = compact ? 0.0f : std::max(width * 0.16f, 200.0f);
  float right_w = compact ? width * 0.3f : std::max(width * 0.2f, 260.0f);
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
    draw_side_tabs(app);
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
