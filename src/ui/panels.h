// ui/panels.h — the shell's panels (menu bar, log); the views' panels are in lesson/ and training/.
#pragma once

namespace cnnlab {

struct App;

void draw_menu_bar(App& app);   // panel_menu.cpp: File / View / Lesson menus
void draw_log_panel(App& app);  // panel_log.cpp: errors and notes from every module

}  // namespace cnnlab
