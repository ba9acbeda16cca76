// ui/app.cpp — the App's lifecycle pieces: lessons, font scale, theme, shortcuts, the window layout.
//
// [SECTION] lessons
// [SECTION] scale and theme
// [SECTION] shortcuts
// [SECTION] layout of one frame
// [SECTION] the photo (GL)
#include "ui/app.h"

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>  // key codes only: the backend fills io.KeysDown with GLFW key codes

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "core/error.h"
#include "core/fileio.h"
#include "core/log.h"
#include "ui/image_io.h"
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

// [SECTION] layout of one frame --------------------------------------------------------------------

namespace {

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
  if (!app.presentation) flags |= ImGuiWindowFlags_MenuBar;
  ImGui::PushFont(app.fonts.body);
  ImGui::Begin("cnnlab", nullptr, flags);
  if (app.presentation) {
    draw_stage(app);
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

// [SECTION] the photo (GL) -------------------------------------------------------------------------

namespace {

// A flower from $CNNLAB_DATA or ../shared/flowers/tiny_FR (first sunflower, else first image).
std::string find_photo() {
  const char* env = std::getenv("CNNLAB_DATA");
  std::string root = env && *env ? env : CNNLAB_DEFAULT_PHOTO_DIR;
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) return {};
  std::vector<std::string> files;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::string ext = it->path().extension().string();
    if (ext == ".jpg" || ext == ".jpeg" || ext == ".png") files.push_back(it->path().string());
  }
  std::sort(files.begin(), files.end());
  for (const std::string& f : files) {
    if (f.find("sunflower") != std::string::npos) return f;
  }
  return files.empty() ? std::string() : files.front();
}

}  // namespace

void init_photo(App& app) {
  PhotoState& photo = app.photo;
  photo.gl = true;
  RgbaImage image;
  std::string path = find_photo();
  try {
    if (!path.empty()) {
      image = shrink_to(load_rgba(path), 320);
      photo.photo_name = std::filesystem::path(path).parent_path().filename().string() + "/" +
                         std::filesystem::path(path).filename().string();
    }
  } catch (const UserError& e) {
    log_warn(e.what());
  }
  if (image.empty()) {
    image = make_test_pattern(256, 192);
    photo.photo_name = "generated test pattern (no flower photos found)";
  }
  photo.photo.upload(image);
  try {
    photo.filter.init();
  } catch (const UserError& e) {
    log_error(e.what());
  }
  photo.dirty = true;
}

void update_photo(App& app) {
  PhotoState& photo = app.photo;
  if (!photo.gl || !photo.filter.ready() || !app.view.loaded()) return;
  PhotoKernel pk = photo_kernel(app.view.lesson, first_conv_op(app.view.lesson));
  if (!photo.dirty && pk.values == photo.applied && pk.k == photo.applied_k) return;
  if (pk.k > ConvFilter::kMaxKernel) return;
  photo.filter.apply(photo.photo, pk.values, pk.k, pk.gain,
                     pk.absolute ? FilterDisplay::Absolute : FilterDisplay::Clamp);
  photo.applied = pk.values;
  photo.applied_k = pk.k;
  photo.dirty = false;
}

}  // namespace cnnlab
