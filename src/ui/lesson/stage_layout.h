// ui/lesson/stage_layout.h — where the stage's parts go (grids, tape, controls): the arrangement
// that gives the grids the largest cells. No ImGui here: the panels measure, this decides
// (tests/ui).
#pragma once
#include <functional>
#include <vector>

namespace cnnlab {

// What the stage needs besides the grids, measured by the caller in pixels at the current zoom.
struct StageNeeds {
  float width = 0, height = 0;  // the stage's content region
  float spacing = 0;            // the vertical gap between items (ImGui's ItemSpacing.y)
  float header = 0;             // the "Step k of n: …" line above the tape
  float tape = 0;               // the tape's height budget (its font shrinks to fit)
  float below = 0;              // the tie rule, the output-size formula, the predict row
  float strip_tape = 0;         // the same two beside the strip (narrower: they may wrap more)
  float strip_below = 0;
  float controls_long = 0;    // the step controls as wrapped rows, labels with their keys
  float controls_short = 0;   // … as wrapped rows of icons
  float strip_width = 0;      // the step controls as a column right of the grids
  bool presentation = false;  // presentation mode or a tight stage: the header may go (the strip
                              // shows "k / n")
};

struct StagePlan {
  bool strip = false;            // controls in a column right of the grids, else in rows below
  bool header = true;            // the step line is drawn above the tape
  bool short_labels = false;     // rows of icons (the keys in tooltips)
  float grid_w = 0, grid_h = 0;  // the grids' area
  float cell = 0;                // the cell side `cell_for` gave for that area
};

// The arrangement whose grid area gets the largest cell from `cell_for(width, height)`; on a tie
// the first of: rows of long labels, rows of icons, the strip, and in presentation mode the same
// without the header. The grid area never goes below zero.
StagePlan plan_stage(const StageNeeds& n, const std::function<float(float, float)>& cell_for);

// How many rows items of these widths take when flowed left to right into `width`.
int flow_rows(const std::vector<float>& widths, float gap, float width);

}  // namespace cnnlab
