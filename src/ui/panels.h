// ui/panels.h — the shell's panels (menu bar, log); the views' panels are in lesson/ and training/.
#pragma once
#include <string>
#include <vector>

namespace cnnlab {

struct App;

void draw_menu_bar(App& app);   // panel_menu.cpp: File / View / Lesson menus
void draw_log_panel(App& app);  // panel_log.cpp: errors and notes from every module
// Files dropped on the window (or File → Open image…): the first becomes the Training tab's probe.
void open_probe_images(App& app, const std::vector<std::string>& paths);  // panel_menu.cpp

}  // namespace cnnlab
