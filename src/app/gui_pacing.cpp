// app/gui_pacing.cpp — frame pacing while training: the GLFW waits, and when a frame is due (input, a new
// snapshot, or a heartbeat), so that drawing leaves the cores to the worker.
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include "app/gui_window.h"

namespace cnnlab {

namespace {
constexpr double kFrame = 1.0 / 30.0;  // input gets up to 30 fps
}  // namespace

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

bool wait_for_training_frame(FramePacing& p, uint64_t snapshot_version) {
  double now = glfwGetTime();
  if (now - p.last_frame_s < kFrame) glfwWaitEventsTimeout(kFrame - (now - p.last_frame_s));
  double t0 = glfwGetTime();
  glfwWaitEventsTimeout(p.settle_frames > 0 ? 0.0 : kFrame);
  double t1 = glfwGetTime();
  bool input = t1 - t0 < kFrame * 0.8 && p.settle_frames == 0;  // woken early: an event arrived
  return frame_due(p, t1, input, snapshot_version);
}

}  // namespace cnnlab
