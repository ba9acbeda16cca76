// app/gui_pacing.cpp — when the window draws, the GLFW side. While training: waits for input for at
// most a frame, then asks ui/training/frame_pacing.h whether a frame is due, so that drawing leaves
// the cores to the worker. Otherwise: sleeps until input, Play or a new snapshot needs a frame
// (idle means idle).
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include "app/gui_window.h"

namespace cnnlab {

bool wait_for_training_frame(FramePacing& p, const WindowInput& input, uint64_t& seen_events,
                             uint64_t snapshot_version) {
  const double frame = kTrainingFrameSeconds;
  double now = glfwGetTime();
  if (now - p.last_frame_s < frame) glfwWaitEventsTimeout(frame - (now - p.last_frame_s));
  // Input that arrived while spacing the frames is due now; otherwise wait for some, at most a
  // frame.
  if (input.events == seen_events) glfwWaitEventsTimeout(p.settle_frames > 0 ? 0.0 : frame);
  bool event = input.events != seen_events;
  seen_events = input.events;
  return frame_due(p, glfwGetTime(), event, snapshot_version);
}

bool wait_for_idle_frame(IdlePacing& p, const WindowInput& input, const IdleNeeds& needs) {
  if (p.settle_frames > 0 || needs.busy)
    glfwPollEvents();  // a frame is due anyway
  else if (needs.animating)
    glfwWaitEventsTimeout(needs.animation_wait);
  else if (needs.watch_snapshots)
    glfwWaitEventsTimeout(kSnapshotPollSeconds);
  else
    glfwWaitEvents();  // nothing to show until something happens: no CPU at all
  bool event = input.events != p.seen_events;
  p.seen_events = input.events;
  if (event) p.settle_frames = kSettleFrames;
  bool fresh = needs.watch_snapshots && needs.version != p.drawn_version;
  bool due = event || p.settle_frames > 0 || needs.animating || needs.busy || fresh;
  if (!due) return false;
  if (p.settle_frames > 0 && !event) --p.settle_frames;
  p.drawn_version = needs.version;
  return true;
}

}  // namespace cnnlab
