// ui/app.cpp — the App's lifecycle pieces: lessons, font scale, theme, the workspace tabs (the
// keyboard is ui/shortcuts.cpp).
//
// [SECTION] lessons
// [SECTION] scale and theme
// [SECTION] frame needs
// [SECTION] layout of one frame (the views draw themselves: ui/lesson/, ui/training/)
#include "ui/app.h"

#include <algorithm>
#include <cmath>

#include "core/fileio.h"
#include "core/log.h"
#include "ui/lesson/lesson_panels.h"
#include "ui/panels.h"

namespace cnnlab {

// [SECTION] lessons
// --------------------------------------------------------------------------------

void select_lesson(App& app, int index) {
  if (index < 0 || index >= int(app.lessons.size())) return;
  app.lesson_index = index;
  bool predict = app.view.predict;
  open_lesson(app.view, app.lessons[size_t(index)]);
  app.view.predict = predict;
  app.settings.last_lesson = app.lessons[size_t(index)].id;
}

void app_set_lessons(App& app, std::vector<Lesson> lessons) {
  app.lessons = std::move(lessons);
  app.lesson_index = -1;
  app.view = LessonView{};
  if (!app.lessons.empty()) select_lesson(app, 0);
}

void app_load_lessons(App& app, const std::string& lesson_dir, const std::string& start_id) {
  LessonLoadResult result = load_lessons(lesson_dir);
  for (const std::string& e : result.errors) log_error(e);
  log_info("loaded " + std::to_string(result.lessons.size()) + " lessons from " + lesson_dir);
  app_set_lessons(app, std::move(result.lessons));
  for (const std::string& id : {start_id, app.settings.last_lesson}) {
    if (id.empty()) continue;
    for (size_t i = 0; i < app.lessons.size(); ++i) {
      if (app.lessons[i].id == id) {
        select_lesson(app, int(i));
        return;
      }
    }
    if (id == start_id) log_warn("no lesson with id '" + id + "'; opening the first");
  }
}

// [SECTION] scale and theme
// ------------------------------------------------------------------------

void set_font_scale(App& app, float scale) {
  app.settings.font_scale = std::clamp(scale, kMinFontScale, kMaxFontScale);
  app.requests.rebuild_fonts = true;
}

void zoom_by_wheel(App& app, float notches) {
  if (notches == 0.0f || app.cell_edit.popup_open) return;
  set_font_scale(app, app.settings.font_scale * std::pow(1.1f, notches));
}

void set_high_contrast(App& app, bool on) {
  app.settings.high_contrast = on;
  app.theme = apply_theme(on, app.settings.font_scale);
}

// [SECTION] frame needs ---------------------------------------------------------------------------

bool app_animating(const App& app) {
  return app.view.playing && app.view.loaded();
}

double app_animation_wait(const App& app) {
  double period = 1.0 / std::max(double(app.settings.play_speed), 0.01);
  return std::clamp(period - app.view.play_accumulator, 1.0 / 60.0, 0.25);
}

// [SECTION] layout of one frame (the views draw themselves: ui/lesson/, ui/training/) ----------

namespace {

void draw_training_workspace(App& app) {
  TrainingUi& ui = ensure_training(app);
  draw_training(ui, app.photo.gl, export_dir(app));  // ui/training/training_workspace.cpp
  if (!app.record_layout) return;
  for (const PanelRect& r : ui.rects)
    app.layout.rects.push_back({"train." + r.name, r.x0, r.y0, r.x1, r.y1});
}

}  // namespace

TrainingUi& ensure_training(App& app) {
  if (!app.training) {
    std::string recent = app.imgui_ini.empty() ? "" : config_dir() + "/recent_data.txt";
    app.training = create_training_ui(default_lesson_dir(), recent);
    // The window records its runs where `cnnlab runs` lists them (not screenshots: no settings).
    if (!app.imgui_ini.empty()) set_runs_dir(*app.training, default_runs_dir());
  }
  prepare_training(*app.training, app.photo.gl, export_dir(app));
  app.training->mono = app.fonts.small;  // rebuilt with the text size: set every frame
  return *app.training;
}

void draw_app(App& app) {
  if (app.record_layout) {
    app.layout.clear();
    app.layout.lesson = app.view.loaded() ? app.view.lesson.id : "";
    app.layout.step = app.view.step + 1;
  }
  app.keyboard.answer_active =
      false;  // the answer box sets it again if it is drawn and has the keyboard
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(viewport->WorkPos);
  ImGui::SetNextWindowSize(viewport->WorkSize);
  ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                           ImGuiWindowFlags_NoSavedSettings |
                           ImGuiWindowFlags_NoBringToFrontOnFocus;
  // F5 on the Training tab: the focused panel takes the whole window (no menu, no tabs).
  bool training_focus = !app.presentation && app.workspace == Workspace::Training && app.training &&
                        training_focus_active(*app.training);
  if (!app.presentation && !training_focus) flags |= ImGuiWindowFlags_MenuBar;
  ImGui::PushFont(app.fonts.body);
  ImGui::Begin("cnnlab", nullptr, flags);
  if (app.presentation) {
    draw_stage(app);
  } else if (training_focus) {
    draw_training_workspace(app);
  } else {
    draw_menu_bar(app);
    if (ImGui::BeginTabBar("workspaces")) {
      if (ImGui::BeginTabItem("Lessons")) {
        app.workspace = Workspace::Lessons;
        draw_lessons_workspace(app);
        ImGui::EndTabItem();
      }
      bool select = app.training && take_tab_request(*app.training);
      if (ImGui::BeginTabItem("Training", nullptr, select ? ImGuiTabItemFlags_SetSelected : 0)) {
        app.workspace = Workspace::Training;
        draw_training_workspace(app);
        ImGui::EndTabItem();
      }
      ImGui::EndTabBar();
    }
  }
  draw_cell_edit_popup(app);
  ImGui::End();
  ImGui::PopFont();
}

}  // namespace cnnlab
