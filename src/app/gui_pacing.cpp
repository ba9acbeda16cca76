// app/gui_pacing.cpp — frame pacing while training, the GLFW side: waits for input for at most a frame,
// then asks ui/training/frame_pacing.h whether a frame is due, so that drawing leaves the cores to the worker.
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include "app/gui_window.h"

namespace cnnlab {

bool wait_for_training_frame(FramePacing& p, uint64_t snapshot_version) {
  const double frame = kTrainingFrameSeconds;
  double now = glfwGetTime();
  if (now - p.last_frame_s < frame) glfwWaitEventsTimeout(frame - (now - p.last_frame_s));
  double t0 = glfwGetTime();
  glfwWaitEventsTimeout(p.settle_frames > 0 ? 0.0 : frame);
  double t1 = glfwGetTime();
  bool input = t1 - t0 < frame * 0.8 && p.settle_frames == 0;  // woken early: an event arrived
  return frame_due(p, t1, input, snapshot_version);
}

}  // namespace cnnlab
