// ui/training/frame_pacing.h — when to draw a frame while the worker trains: the decision and its
// data (last frame, snapshot version shown, frames still settling after input). The waiting itself
// (GLFW) is the window's: src/app/gui_pacing.cpp.
#pragma once
#include <cstdint>

namespace cnnlab {

constexpr double kTrainingFrameSeconds = 1.0 / 30.0;  // input gets up to 30 fps

struct FramePacing {
  double last_frame_s = 0;     // time of the last frame drawn
  uint64_t drawn_version = 0;  // snapshot version the last frame showed
  int settle_frames = 0;       // frames still to draw after input
};

// At time `now` (seconds), with input seen since the last call (`input`) and the newest snapshot
// `version`: is a frame due? Input (and the next 3 frames, so ImGui settles), a new snapshot at
// most 2.5 times a second, or 0.5 s without a frame. Updates `p` when a frame is due.
bool frame_due(FramePacing& p, double now, bool input, uint64_t version);

}  // namespace cnnlab
