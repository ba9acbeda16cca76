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
#include "core/log.h"
#include "ui/image_io.h"
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

// Grids, the tape and the controls: everything presentation mode keeps.
void draw_stage(App& app) {
  float avail = ImGui::GetContentRegionAvail().y;
  float controls = ImGui::GetFrameHeightWithSpacing() * (app.view.predict ? 4.5f : 2.5f);
  float tape = (app.fonts.mono ? app.fonts.mono->FontSize : 30.0f) * 3.2f + ImGui::GetTextLineHeightWithSpacing() * 3.0f;
  draw_grids_panel(app, std::max(avail - controls - tape, avail * 0.3f));
  ImGui::Separator();
  draw_tape_panel(app);
  ImGui::Separator();
  draw_controls_panel(app);
}

void draw_lessons_workspace(App& app) {
  float width = ImGui::GetContentRegionAvail().x;
  float height = ImGui::GetContentRegionAvail().y;
  float log_h = app.show_log ? ImGui::GetTextLineHeightWithSpacing() * 5.5f : 0.0f;
  float side_h = height - log_h - (app.show_log ? ImGui::GetStyle().ItemSpacing.y : 0.0f);
  float left_w = std::max(width * 0.17f, 200.0f), right_w = std::max(width * 0.22f, 260.0f);

  ImGui::BeginChild("left", ImVec2(left_w, side_h), true);
  draw_lesson_list_panel(app);
  ImGui::Separator();
  draw_explanation_panel(app);
  ImGui::EndChild();
  ImGui::SameLine();
  float centre_w = width - left_w - right_w - 2.0f * ImGui::GetStyle().ItemSpacing.x;
  ImGui::BeginChild("stage", ImVec2(centre_w, side_h), true);
  draw_stage(app);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("right", ImVec2(right_w, side_h), true);
  draw_photo_panel(app);
  ImGui::Separator();
  draw_edit_panel(app);
  ImGui::EndChild();
  if (app.show_log) {
    ImGui::BeginChild("log", ImVec2(0, log_h), false);
    draw_log_panel(app);
    ImGui::EndChild();
  }
}

}  // namespace

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
      // A "Training" tab joins here with the live training issue.
      if (ImGui::BeginTabItem("Lessons")) {
        app.workspace = Workspace::Lessons;
        draw_lessons_workspace(app);
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
