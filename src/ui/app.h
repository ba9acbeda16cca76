// ui/app.h — App: the one owner of the window's state (lessons, lesson view, the Training tab's
// state, fonts, theme, GL resources, requests to the frame loop). Lesson panels read and change it;
// app/gui_main.cpp drives it; ui/training/ never sees it.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "gfx/conv_filter.h"
#include "gfx/texture.h"
#include "lesson/lesson.h"
#include "ui/fonts.h"
#include "ui/key_queue.h"
#include "ui/layout_record.h"
#include "ui/lesson/lesson_view.h"
#include "ui/settings.h"
#include "ui/theme.h"
#include "ui/training/training_state.h"

namespace cnnlab {

// Top-level workspaces, one tab each (Lessons: ui/lesson/, Training: ui/training/); each draws into
// the same area below the menu bar.
enum class Workspace { Lessons, Training };

// A PNG the frame loop writes after the frame (Ctrl+S, File → Export…).
struct ExportRequest {
  std::string path;
  bool whole_window = false;  // the whole window as drawn, not the slide
};

// Things only the frame loop can do (GLFW, GL read-back), asked for by panels and shortcuts.
struct AppRequests {
  bool rebuild_fonts = false;  // font scale changed: rebuild the atlas, re-upload its texture
  bool toggle_fullscreen = false;
  bool quit = false;
  // Exports (app/gui_export.cpp), in the order asked. Slide-ready unless whole_window: a lesson
  // exports its presentation view (grids, arithmetic, step controls) at the window's size; the
  // Training tab exports its focused panel (ui/training/, TrainingUi::export_panel).
  std::vector<ExportRequest> exports;
  bool export_all_steps = false;  // write one PNG per step of the current lesson
};

// The real-photo view's GL side. Without GL (the headless smoke test) `gl` stays false and the
// panel shows the kernel presets only.
struct PhotoState {
  bool gl = false;
  Texture photo;
  ConvFilter filter;
  std::string photo_name;      // "daisy/…jpg" or "generated test pattern"
  bool dirty = true;           // refilter even if the kernel looks unchanged (new photo)
  std::vector<float> applied;  // the kernel last applied: refilter only when it changes
  int applied_k = 0;
  RgbaImage image;             // the photo on the CPU: the hover arithmetic reads it
  bool large = false;          // the enlarged view over the workspace (hover a pixel: arithmetic)
  int pin_y = -1, pin_x = -1;  // the pixel pinned by a click (or `screenshot --photo-pixel`)
  int tape_channel = -1;       // the channel whose products the tape lists (-1: the largest |Σ|)
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
  KeyboardState keyboard;  // key presses queued by the window, applied in order each frame
  bool export_whole_window =
      false;  // File → "Export the whole window": exports are screenshots, not slides
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
// Ctrl+wheel zooms (×1.1 a notch) instead of scrolling; the window's scroll callback keeps those
// notches from ImGui and hands them here. Ignored while the cell popup is open.
void zoom_by_wheel(App& app, float notches);
void set_high_contrast(App& app, bool on);

// Ctrl+S / File → Export: asks the frame loop for a PNG of what the audience sees: in a lesson, the
// presentation view to <export dir>/<lesson>/<lesson>-step-K.png; in the Training tab, the focused
// panel (the curves when none has focus) to <export dir>/training/. `whole_window` (or the App's
// export_whole_window) exports the whole window instead.
void request_export(App& app, bool whole_window = false);
// The folder exports go to: settings.export_dir, else ~/cnnlab-exports.
std::string export_dir(const App& app);

// The keyboard (ui/shortcuts.cpp): applies every key press queued in app.keyboard since the last
// frame, in order (arrows, PageDown/PageUp, Enter/Backspace, Home/End, Space, P, Esc, F5, F11,
// Ctrl+=/-/0/S/Q). Call after ImGui::NewFrame: who owns the keys (a popup, a text box, the answer
// box) comes from last frame.
void handle_shortcuts(App& app);
void apply_key(App& app, const KeyEvent& e);  // one press, as handle_shortcuts applies it
// Whether the window must keep drawing with no input: Play is running. (The frame loop also draws
// for input, pending requests and new training snapshots.)
bool app_animating(const App& app);
// While animating: seconds the window may sleep before the next frame (Play's next step, at most
// 0.25 s).
double app_animation_wait(const App& app);
// The whole window for one frame, between ImGui::NewFrame and ImGui::Render.
void draw_app(App& app);
// The Training tab's state, made on first use (recent folders remembered when the App persists
// settings) and prepared: GL when the window has it, the export folder.
TrainingUi& ensure_training(App& app);

// GL work before drawing (ui/lesson/photo.cpp): refilters the photo when the kernel changed. No-op
// without GL.
void update_photo(App& app);
// Loads the photo (a flower from CNNLAB_DATA / ../shared/flowers/tiny_FR, else a generated
// pattern) and compiles the filter shader; errors go to the log. Needs a current GL context.
void init_photo(App& app);

}  // namespace cnnlab
