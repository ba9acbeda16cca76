// ui/panel_menu.cpp — the menu bar: File (export, quit), View (scale, presentation, theme), Lesson;
// where exports go and what they show.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/log.h"
#include "ui/app.h"
#include "ui/panels.h"
#include "ui/training/replay.h"

namespace cnnlab {

std::string export_dir(const App& app) {
  if (!app.settings.export_dir.empty()) return app.settings.export_dir;
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/cnnlab-exports";
}

void request_export(App& app, bool whole_window) {
  whole_window = whole_window || app.export_whole_window;
  bool training = app.workspace == Workspace::Training && !app.presentation && app.training;
  if (training && !whole_window) {
    TrainingUi& ui = *app.training;
    request_panel_png(ui, ui.focused_panel.empty() ? "curves" : ui.focused_panel);
    return;
  }
  std::string path;
  if (training) {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    long stamp = long(std::chrono::duration_cast<std::chrono::seconds>(now).count());
    path = export_dir(app) + "/training/window-" + std::to_string(stamp) + ".png";
  } else if (app.view.loaded()) {
    const std::string& id = app.view.lesson.id;
    path = export_dir(app) + "/" + id + "/" + id + "-step-" + std::to_string(app.view.step + 1) +
           (whole_window ? "-window" : "") + ".png";
  } else {
    return;
  }
  app.requests.exports.push_back({path, whole_window});
}

void open_probe_images(App& app, const std::vector<std::string>& paths) {
  if (paths.empty()) return;
  TrainingUi& ui = ensure_training(app);
  if (paths.size() > 1)
    log_warn("Dropped " + std::to_string(paths.size()) + " files: the first is the probe");
  open_probe_image(ui, paths.front());  // the worker answers in the Training tab's status
}

namespace {

void draw_file_menu(App& app) {
  bool lessons = app.workspace == Workspace::Lessons || app.presentation;
  bool can_export = lessons ? app.view.loaded() : app.training != nullptr;
  const char* what = lessons ? "Export the slide as PNG" : "Export the focused panel as PNG";
  if (ImGui::MenuItem(what, "Ctrl+S", false, can_export)) request_export(app);
  if (ImGui::MenuItem("Open image… (your photo as the probe)")) {
    TrainingUi& ui = ensure_training(app);
    ui.open_image_request = true;
    ui.select_tab = true;
  }
  if (ImGui::MenuItem("Export all steps as PNGs", nullptr, false, lessons && app.view.loaded())) {
    app.requests.export_all_steps = true;
  }
  if (ImGui::MenuItem("Screenshot of the window as PNG", "Ctrl+Shift+S", false, can_export)) {
    request_export(app, true);
  }
  if (ImGui::MenuItem("Export the whole window", nullptr, app.export_whole_window)) {
    app.export_whole_window = !app.export_whole_window;
  }
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip(
        "On: Ctrl+S and \"Export all steps\" write the whole window.\n"
        "Off: the slide (grids and arithmetic) or the focused training panel.");
  }
  // The time-lapse of the training run: a PNG per epoch and a GIF (ui/training/replay.h).
  bool has_timelapse = app.training && replay_frames(*app.training) >= 2;
  if (ImGui::MenuItem("Export time-lapse (PNGs + GIF)…", nullptr, false, has_timelapse)) {
    app.training->export_dir = export_dir(app);
    export_replay(*app.training);
  }
  ImGui::Separator();
  // The model editor lives in the Training tab (ui/training/panel_model_editor.cpp).
  if (ImGui::MenuItem("Model editor")) {
    TrainingUi& ui = ensure_training(app);
    open_model_editor(ui);
    ui.select_tab = true;
  }
  if (ImGui::MenuItem("Open model…")) {
    TrainingUi& ui = ensure_training(app);
    open_model_editor(ui);
    ui.editor.file_input = ui.editor.path;
    ui.editor.ask_open = true;
    ui.select_tab = true;
  }
  ImGui::Separator();
  if (ImGui::MenuItem("Quit", "Ctrl+Q")) app.requests.quit = true;
}

// The keys to remember, after the menus: as many of the hints as fit (large text on a projector:
// fewer).
void draw_menu_hint(const App& app) {
  char scale[32];
  std::snprintf(scale, sizeof scale, "text ×%.2g", app.settings.font_scale);
  std::string hint;
  const bool training = app.workspace == Workspace::Training;
  const char* lesson_parts[] = {scale, "←/→ PgUp/PgDn step", "Space play", "F5 presentation"};
  const char* training_parts[] = {scale, "F5 one panel full screen", "PgUp/PgDn next panel",
                                  "Ctrl+S panel PNG"};
  for (const char* part : training ? training_parts : lesson_parts) {
    std::string next = hint + "   " + part;
    if (ImGui::CalcTextSize(next.c_str()).x > ImGui::GetContentRegionAvail().x) break;
    hint = next;
  }
  ImGui::TextDisabled("%s", hint.c_str());
}

}  // namespace

void draw_menu_bar(App& app) {
  if (!ImGui::BeginMenuBar()) return;
  if (ImGui::BeginMenu("File")) {
    draw_file_menu(app);
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("View")) {
    if (ImGui::MenuItem("Larger text", "Ctrl+="))
      set_font_scale(app, app.settings.font_scale * 1.25f);
    if (ImGui::MenuItem("Smaller text", "Ctrl+-"))
      set_font_scale(app, app.settings.font_scale / 1.25f);
    if (ImGui::MenuItem("Default text size", "Ctrl+0")) set_font_scale(app, 1.0f);
    ImGui::Separator();
    if (ImGui::MenuItem("Presentation mode", "F5", app.presentation))
      app.presentation = !app.presentation;
    if (ImGui::MenuItem("Fullscreen", "F11", app.fullscreen)) app.requests.toggle_fullscreen = true;
    if (ImGui::MenuItem("High-contrast light theme", nullptr, app.settings.high_contrast)) {
      set_high_contrast(app, !app.settings.high_contrast);
    }
    if (ImGui::MenuItem("Log panel", nullptr, app.show_log)) app.show_log = !app.show_log;
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Lesson")) {
    if (ImGui::MenuItem("Reset lesson", nullptr, false, app.view.loaded())) reset_lesson(app.view);
    if (ImGui::MenuItem("Predict, then reveal", "P", app.view.predict))
      set_predict(app.view, !app.view.predict);
    ImGui::EndMenu();
  }
  draw_menu_hint(app);
  ImGui::EndMenuBar();
}

}  // namespace cnnlab
