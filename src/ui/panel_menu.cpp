// ui/panel_menu.cpp — the menu bar: File (export, quit), View (scale, presentation, theme), Lesson.
#include <cstdlib>
#include <string>

#include "ui/app.h"
#include "ui/panels.h"

namespace cnnlab {

std::string export_dir(const App& app) {
  if (!app.settings.export_dir.empty()) return app.settings.export_dir;
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/cnnlab-exports";
}

// Asks the frame loop to write the next frame as PNG (PATH/<lesson>-step-K.png).
void request_export_png(App& app) {
  std::string dir = export_dir(app) + "/" + app.view.lesson.id;
  app.requests.export_png = dir + "/" + app.view.lesson.id + "-step-" + std::to_string(app.view.step + 1) + ".png";
}

void draw_menu_bar(App& app) {
  if (!ImGui::BeginMenuBar()) return;
  if (ImGui::BeginMenu("File")) {
    if (ImGui::MenuItem("Export view as PNG", "Ctrl+S", false, app.view.loaded())) request_export_png(app);
    if (ImGui::MenuItem("Export all steps as PNGs", nullptr, false, app.view.loaded())) {
      app.requests.export_all_steps = true;
    }
    ImGui::Separator();
    if (ImGui::MenuItem("Quit", "Ctrl+Q")) app.requests.quit = true;
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("View")) {
    if (ImGui::MenuItem("Larger text", "Ctrl+=")) set_font_scale(app, app.settings.font_scale * 1.25f);
    if (ImGui::MenuItem("Smaller text", "Ctrl+-")) set_font_scale(app, app.settings.font_scale / 1.25f);
    if (ImGui::MenuItem("Default text size", "Ctrl+0")) set_font_scale(app, 1.0f);
    ImGui::Separator();
    if (ImGui::MenuItem("Presentation mode", "F5", app.presentation)) app.presentation = !app.presentation;
    if (ImGui::MenuItem("Fullscreen", "F11", app.fullscreen)) app.requests.toggle_fullscreen = true;
    if (ImGui::MenuItem("High-contrast light theme", nullptr, app.settings.high_contrast)) {
      set_high_contrast(app, !app.settings.high_contrast);
    }
    if (ImGui::MenuItem("Log panel", nullptr, app.show_log)) app.show_log = !app.show_log;
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Lesson")) {
    if (ImGui::MenuItem("Reset lesson", nullptr, false, app.view.loaded())) reset_lesson(app.view);
    if (ImGui::MenuItem("Predict, then reveal", "P", app.view.predict)) set_predict(app.view, !app.view.predict);
    ImGui::EndMenu();
  }
  ImGui::TextDisabled("   text ×%.2g   ·   ←/→ step   Space play   F5 presentation", app.settings.font_scale);
  ImGui::EndMenuBar();
}

}  // namespace cnnlab
