// ui/lesson/lesson_panels.h — the Lessons view's panels, one draw function per panel (one file
// each); each reads and changes the App.
#pragma once
#include <imgui.h>

#include <string>
#include <vector>

#include "gfx/rgba_image.h"
#include "nn/inspect.h"
#include "ui/lesson/lesson_view.h"

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
void draw_photo_large(App& app);      // panel_photo.cpp: the same, enlarged over the workspace

// One pixel of the photo view on the CPU, as conv_filter.frag computes it (photo.cpp): per channel
// R, G, B the K×K window (edges clamped, values 0…1) times the kernel, × gain, then |·| or clamp.
struct PhotoPixel {
  int y = 0, x = 0, k = 0;
  ClampedWindow ch[3];
  float gain = 1;
  bool absolute = false;
  float shown[3] = {0, 0, 0};  // the displayed value, 0…1
};
PhotoPixel photo_pixel(const RgbaImage& image, const PhotoKernel& kernel, int y, int x);
// Its tape: channel `channel`'s products "R: 0.42·1 + … = 0.5", the other channels' sums, the
// gain, |·|, the shown values.
std::vector<std::string> photo_tape(const PhotoPixel& p, const PhotoKernel& kernel, int channel);

}  // namespace cnnlab
