// ui/app.cpp — the App's lifecycle pieces: lessons, font scale, theme, shortcuts, the workspace tabs.
//
// [SECTION] lessons
// [SECTION] scale and theme
// [SECTION] shortcuts
// [SECTION] layout of one frame (the views draw themselves: ui/lesson/, ui/training/)
#include "ui/app.h"

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>  // key codes only: the backend fills io.KeysDown with GLFW key codes

#include <algorithm>

#include "core/fileio.h"
#include "core/log.h"
#include "ui/lesson/lesson_panels.h"
#include "ui/panels.h"

namespace cnnlab {

// [SECTION] lessons --------------------------------------------------------------------------------

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

// [SECTION] scale and theme ------------------------------------------------------------------------

void set_font_scale(App& app, float scale) {
  app.settings.font_scale = std::clamp(scale, kMinFontScale, kMaxFontScale);
  app.requests.rebuild_fonts = true;
}

void set_high_contrast(App& app, bool on) {
  app.settings.high_contrast = on;
  app.theme = apply_theme(on, app.settings.font_scale);
}

// [SECTION] shortcuts ------------------------------------------------------------------------------

void handle_shortcuts(App& app) {
  ImGuiIO& io = ImGui::GetIO();
  if (app.cell_edit.popup_open) return;  // keys belong to the number being typed
  auto pressed = [](int key) { return ImGui::IsKeyPressed(key, true); };
  LessonView& v = app.view;
  if (io.KeyCtrl) {
    if (pressed(GLFW_KEY_EQUAL) || pressed(GLFW_KEY_KP_ADD)) set_font_scale(app, app.settings.font_scale * 1.25f);
    if (pressed(GLFW_KEY_MINUS) || pressed(GLFW_KEY_KP_SUBTRACT)) set_font_scale(app, app.settings.font_scale / 1.25f);
    if (pressed(GLFW_KEY_0) || pressed(GLFW_KEY_KP_0)) set_font_scale(app, 1.0f);
    if (pressed(GLFW_KEY_S) && v.loaded()) request_export_png(app);
    if (pressed(GLFW_KEY_Q)) app.requests.quit = true;
    return;
  }
  if (pressed(GLFW_KEY_F11)) app.requests.toggle_fullscreen = true;
  if (app.workspace == Workspace::Training && app.training) {  // F5: one panel full screen
    TrainingUi& t = *app.training;
    if (ImGui::IsKeyPressed(GLFW_KEY_F5, false)) training_toggle_focus(t);
    if (ImGui::IsKeyPressed(GLFW_KEY_ESCAPE, false)) training_leave_focus(t);
    if (pressed(GLFW_KEY_PAGE_DOWN) || (!io.WantTextInput && pressed(GLFW_KEY_RIGHT))) training_focus_next(t);
    if (pressed(GLFW_KEY_PAGE_UP) || (!io.WantTextInput && pressed(GLFW_KEY_LEFT))) training_focus_prev(t);
    return;  // the lesson's keys do not step a lesson that is not on screen
  }
  if (pressed(GLFW_KEY_F5)) app.presentation = !app.presentation;
  if (io.KeyShift && pressed(GLFW_KEY_RIGHT)) step_next_row(v);
  else if (pressed(GLFW_KEY_RIGHT)) step_next(v);
  if (io.KeyShift && pressed(GLFW_KEY_LEFT)) step_prev_row(v);
  else if (pressed(GLFW_KEY_LEFT)) step_prev(v);
  if (pressed(GLFW_KEY_HOME)) step_first(v);
  if (pressed(GLFW_KEY_END)) step_last(v);
  if (io.WantTextInput) return;  // Space and letters go to the text field
  if (ImGui::IsKeyPressed(GLFW_KEY_SPACE, false) && v.loaded()) {
    v.playing = !v.playing;
    if (v.playing && v.step + 1 >= v.num_steps()) step_to(v, 0);
  }
  if (ImGui::IsKeyPressed(GLFW_KEY_P, false)) set_predict(v, !v.predict);
}

// [SECTION] layout of one frame (the views draw themselves: ui/lesson/, ui/training/) ----------

namespace {

void draw_training_workspace(App& app) {
  TrainingUi& ui = ensure_training(app);
  draw_training(ui, app.photo.gl, export_dir(app));  // ui/training/training_workspace.cpp
  if (!app.record_layout) return;
  for (const PanelRect& r : ui.rects) app.layout.rects.push_back({"train." + r.name, r.x0, r.y0, r.x1, r.y1});
}

}  // namespace

TrainingUi& ensure_training(App& app) {
  if (!app.training) {
    std::string recent = app.imgui_ini.empty() ? "" : config_dir() + "/recent_data.txt";
    app.training = create_training_ui(default_lesson_dir(), recent);
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
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(viewport->WorkPos);
  ImGui::SetNextWindowSize(viewport->WorkSize);
  ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                           ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus;
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
