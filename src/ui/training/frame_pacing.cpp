// ui/training/frame_pacing.cpp — the frame-pacing decision while training (no GLFW: tested with
// exact times).
#include "ui/training/frame_pacing.h"

namespace cnnlab {

bool frame_due(FramePacing& p, double now, bool input, uint64_t version) {
  if (input) p.settle_frames = 3;  // ImGui reacts to input over the next frames (hover, popups)
  // New snapshots are shown at most 2.5 times a second: plenty for curves and maps, and each frame
  // costs llvmpipe CPU that training would otherwise use (bench_gui: 5/s cost ~5% more throughput).
  bool fresh = version != p.drawn_version && now - p.last_frame_s >= 0.4;
  bool due = input || p.settle_frames > 0 || fresh || now - p.last_frame_s > 0.5;
  if (!due) return false;
  if (p.settle_frames > 0 && !input) --p.settle_frames;
  p.last_frame_s = now;
  p.drawn_version = version;
  return true;
}

}  // namespace cnnlab
