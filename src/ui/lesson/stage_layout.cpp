// ui/lesson/stage_layout.cpp — choosing the stage's arrangement from measured heights.
#include "ui/lesson/stage_layout.h"

#include <algorithm>

namespace cnnlab {

StagePlan plan_stage(const StageNeeds& n, const std::function<float(float, float)>& cell_for) {
  // Every arrangement stacks: grids, [header], tape, below, [controls rows]; one gap after each.
  auto make = [&](bool strip, bool header, bool short_labels) {
    StagePlan p;
    p.strip = strip;
    p.header = header;
    p.short_labels = short_labels;
    float footer = (strip ? n.strip_tape + n.strip_below : n.tape + n.below) + 3.0f * n.spacing +
                   (header ? n.header + n.spacing : 0.0f);
    if (!strip) footer += (short_labels ? n.controls_short : n.controls_long) + n.spacing;
    p.grid_w = std::max(0.0f, n.width - (strip ? n.strip_width + n.spacing : 0.0f));
    p.grid_h = std::max(0.0f, n.height - footer);
    p.cell = cell_for(p.grid_w, p.grid_h);
    return p;
  };
  std::vector<StagePlan> plans = {make(false, true, false), make(false, true, true),
                                  make(true, true, false)};
  if (n.presentation) {
    plans.push_back(make(false, false, true));
    plans.push_back(make(true, false, false));
  }
  StagePlan best = plans.front();
  for (const StagePlan& p : plans) {
    // Half a pixel: a real gain, not rounding; on a tie (nothing fits) the taller grid area.
    if (p.cell > best.cell + 0.5f ||
        (p.cell <= 0.5f && best.cell <= 0.5f && p.grid_h > best.grid_h))
      best = p;
  }
  return best;
}

int flow_rows(const std::vector<float>& widths, float gap, float width) {
  if (widths.empty()) return 0;
  int rows = 1;
  float x = 0;
  for (float w : widths) {
    if (x > 0 && x + gap + w > width) {
      ++rows;
      x = 0;
    }
    x += (x > 0 ? gap : 0.0f) + w;
  }
  return rows;
}

}  // namespace cnnlab
