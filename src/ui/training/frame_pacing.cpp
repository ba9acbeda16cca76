// ui/training/frame_pacing.cpp — the frame-pacing decision while training (no GLFW: tested with
// exact times).
#include "ui/training/frame_pacing.h"

#include <algorithm>

namespace cnnlab {

double snapshot_frame_spacing(const FramePacing& p) {
  return std::clamp(p.frame_cost_s / kTrainingFrameShare, 0.4, 2.0);
}

void note_frame_cost(FramePacing& p, double seconds) {
  if (!(seconds >= 0)) return;
  seconds = std::min(seconds, 1.0);  // one stalled frame (a resize, a font rebuild) is not a trend
  p.frame_cost_s = p.frame_cost_s == 0 ? seconds : 0.75 * p.frame_cost_s + 0.25 * seconds;
}

bool frame_due(FramePacing& p, double now, bool input, uint64_t version) {
  if (input) p.settle_frames = 3;  // ImGui reacts to input over the next frames (hover, popups)
  // New snapshots are shown at most 2.5 times a second, fewer when frames are costly: plenty for
  // curves and maps, and each frame costs CPU that training would otherwise use.
  const double spacing = snapshot_frame_spacing(p), since = now - p.last_frame_s;
  bool fresh = version != p.drawn_version && since >= spacing;
  bool due = input || p.settle_frames > 0 || fresh || since > std::max(0.5, spacing);
  if (!due) return false;
  if (p.settle_frames > 0 && !input) --p.settle_frames;
  p.last_frame_s = now;
  p.drawn_version = version;
  return true;
}

}  // namespace cnnlab
