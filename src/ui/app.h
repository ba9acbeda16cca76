// ui/app.h — App: the one owner of the window's state (lessons, lesson view, the Training tab's state,
// fonts, theme, GL resources, requests to the frame loop). Lesson panels read and change it;
// app/gui_main.cpp drives it; ui/training/ never sees it.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "gfx/conv_filter.h"
#include "gfx/texture.h"
#include "lesson/lesson.h"
#include "ui/fonts.h"
#include "ui/layout_record.h"
#include "ui/lesson/lesson_view.h"
#include "ui/settings.h"
#include "ui/theme.h"
#include "ui/training/training_state.h"

namespace cnnlab {

// Top-level workspaces, one tab each (Lessons: ui/lesson/, Training: ui/training/); each draws into the
// same area below the menu bar.
enum class Workspace { Lessons, Training };

// Things only the frame loop can do (GLFW, GL read-back), asked for by panels and shortcuts.
struct AppRequests {
  bool rebuild_fonts = false;     // font scale changed: rebuild the atlas, re-upload its texture
  bool toggle_fullscreen = false;
  bool quit = false;
  std::string export_png;         // write the next frame to this path
  bool export_all_steps = false;  // write one PNG per step of the current lesson
};

// The real-photo view's GL side. Without GL (the headless smoke test) `gl` stays false and the
// panel shows the kernel presets only.
struct PhotoState {
  bool gl = false;
  Texture photo;
  ConvFilter filter;
  std::string photo_name;  // "daisy/…jpg" or "generated test pattern"
  bool dirty = true;       // refilter even if the kernel looks unchanged (new photo)
  std::vector<float> applied;  // the kernel last applied: refilter only when it changes
  int applied_k = 0;
};

// A click on an input or kernel cell. Grids record it while drawing and apply it after the
// stage is drawn (an edit rebuilds the stepper the stage is reading). A toggle (0/1 grids)
// applies at once; otherwise the number popup opens.
struct CellEdit {
  bool pending = false;     // set by a click this frame
  bool toggle = false;      // flip 0 ↔ 1 instead of opening the popup
  bool popup_open = false;  // the number popup is showing
  bool kernel = false;      // false: the input grid
  int op = 0, k = 0, y = 0, x = 0, c = 0;
  double value = 0;
};

struct App {
  Settings settings;
  std::string settings_file;  // "" in tests and screenshots: nothing is saved
  std::string imgui_ini;      // keeps ImGui's IniFilename alive

  std::vector<Lesson> lessons;
  int lesson_index = -1;
  LessonView view;

  Workspace workspace = Workspace::Lessons;
  bool presentation = false;  // only grids, the arithmetic and the step controls
  bool fullscreen = false;
  bool show_log = true;
  bool record_layout = false;  // fill `layout` each frame (screenshots, tests)
  size_t log_seen = 0;         // log entries already scrolled to

  Fonts fonts;
  Theme theme;
  PhotoState photo;
  CellEdit cell_edit;
  LayoutRecord layout;
  AppRequests requests;
  std::unique_ptr<TrainingUi> training;  // the Training tab (ui/training/), made on first use
};

// Loads every lesson from `lesson_dir` (errors go to the log) and opens `start_id`, else the
// settings' last lesson, else the first.
void app_load_lessons(App& app, const std::string& lesson_dir, const std::string& start_id);
// Uses `lessons` as they are (tests); opens the first.
void app_set_lessons(App& app, std::vector<Lesson> lessons);
void select_lesson(App& app, int index);

// The one zoom (text, grids, tape and controls together): clamped, remembered, atlas rebuild
// requested. Ctrl+= / Ctrl+- / Ctrl+0 and Ctrl+mouse wheel.
void set_font_scale(App& app, float scale);
// Ctrl+wheel over the window zooms (×1.1 a notch) instead of scrolling.
void handle_zoom_wheel(App& app);
void set_high_contrast(App& app, bool on);

// Asks the frame loop to write the next frame to <export dir>/<lesson>/<lesson>-step-K.png.
void request_export_png(App& app);
// The folder exports go to: settings.export_dir, else ~/cnnlab-exports.
std::string export_dir(const App& app);

// Keyboard shortcuts (arrows, Home/End, Space, Ctrl+=/-/0, F11, F5 presentation, P predict).
void handle_shortcuts(App& app);
// The whole window for one frame, between ImGui::NewFrame and ImGui::Render.
void draw_app(App& app);
// The Training tab's state, made on first use (recent folders remembered when the App persists
// settings) and prepared: GL when the window has it, the export folder.
TrainingUi& ensure_training(App& app);

// GL work before drawing (ui/lesson/photo.cpp): refilters the photo when the kernel changed. No-op without GL.
void update_photo(App& app);
// Loads the photo (a flower from CNNLAB_DATA / ../shared/flowers/tiny_FR, else a generated
// pattern) and compiles the filter shader; errors go to the log. Needs a current GL context.
void init_photo(App& app);

}  // namespace cnnlab
