// ui/lesson/lesson_panels.h — the Lessons view's panels, one draw function per panel (one file each); each
// reads and changes the App.
#pragma once

namespace cnnlab {

struct App;

// lesson_workspace.cpp: the whole Lessons tab, and the stage alone (grids, tape, controls: all that
// presentation mode shows).
void draw_lessons_workspace(App& app);
void draw_stage(App& app);

void draw_lesson_list_panel(App& app);   // panel_lesson_list.cpp: the lessons, click to open
void draw_explanation_panel(App& app);   // panel_explanation.cpp: the lesson's text and tie rule
void draw_grids_panel(App& app, float height);  // panel_grids.cpp: input ⊛ kernel = outputs
// panel_tape.cpp: the arithmetic tape (its font shrinks to fit `budget` px of height) and the
// output-size formula.
void draw_tape_panel(App& app, float budget);
float tape_height_needed(const App& app, float width);  // the longest step's tape at full size
void draw_controls_panel(App& app);      // panel_controls.cpp: step buttons, play, predict
void draw_edit_panel(App& app);          // panel_edit.cpp: sizes, stride, padding, reset
void draw_cell_edit_popup(App& app);     // panel_edit.cpp: type a cell's value
void draw_photo_panel(App& app);         // panel_photo.cpp: the kernel on a real photo, presets

}  // namespace cnnlab
