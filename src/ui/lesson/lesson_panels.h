// ui/lesson/lesson_panels.h — the Lessons view's panels, one draw function per panel (one file
// each); each reads and changes the App.
#pragma once
#include <imgui.h>

namespace cnnlab {

struct App;

// lesson_workspace.cpp: the whole Lessons tab, and the stage alone (grids, tape, controls: all that
// presentation mode shows). `tight`: the stage may drop its step line, as presentation mode does.
// A stage that does not fit (stage_fits) is split in two tabs: the grids (with the step controls)
// and the arithmetic (step line, tape, formula, controls).
enum class StagePart { All, Grids, Arithmetic };
void draw_lessons_workspace(App& app);
void draw_stage(App& app, bool tight = false, StagePart part = StagePart::All);
bool stage_fits(const App& app, ImVec2 avail);

void draw_lesson_list_panel(App& app);  // panel_lesson_list.cpp: the lessons, click to open
void draw_explanation_panel(App& app);  // panel_explanation.cpp: the lesson's text and tie rule
// panel_grids.cpp: input ⊛ kernel = outputs in width × height; when not every grid fits at a
// readable size, only the current step's (its input, kernel, output). grids_cell_size: the cell
// side that panel would use there.
void draw_grids_panel(App& app, float width, float height);
float grids_cell_size(const App& app, float width, float height);
// panel_softmax.cpp: the softmax + cross-entropy lesson's stage, a table (class, z, e^z, p with a
// bar, y, dL/dz) in place of the grids; its row height at width × height, like grids_cell_size.
bool is_softmax_stage(const App& app);
void draw_softmax_table(App& app, float width, float height);
float softmax_cell_size(const App& app, float width, float height);
// panel_tape.cpp: the step line (`header`), the arithmetic tape (its font shrinks to fit `budget`
// px of height), a pool tie's rule and the output-size formula.
void draw_tape_panel(App& app, float budget, bool header);
// The longest step's tape at `scale` × the tape font (1: full size; kTapeMinScale: the smallest).
constexpr float kTapeMinScale = 0.45f;  // the tape is never smaller than the text around it
float tape_height_needed(const App& app, float width, float scale);
float tape_below_height(const App& app, float width);  // the tie rule and the tallest formula
// panel_controls.cpp: step buttons, play, speed, predict, as wrapped rows (long labels with their
// keys, or icons) or as a column right of the grids; the predict row under the tape.
void draw_controls_panel(App& app, bool short_labels);
float controls_rows_height(const App& app, float width, bool short_labels);
void draw_controls_strip(App& app, float height);
float controls_strip_width(const App& app, float height);
void draw_predict_row(App& app);
float predict_row_height(const App& app);
void draw_edit_panel(App& app);       // panel_edit.cpp: sizes, stride, padding, reset
void draw_cell_edit_popup(App& app);  // panel_edit.cpp: type a cell's value
void draw_photo_panel(App& app);      // panel_photo.cpp: the kernel on a real photo, presets

}  // namespace cnnlab
