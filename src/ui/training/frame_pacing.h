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
  double frame_cost_s = 0;     // what recent frames took (build, draw, swap; wall seconds)
};

// Frames drawn for new snapshots take at most this share of the time (input is always served at
// once). On a GPU a frame costs ~1 ms and the 0.4 s floor decides; under llvmpipe on two cores a
// frame takes ~33 ms of a core that training needs, and each one stalls the other core's thread at
// its next barrier too (issue 11: at 2.4 frames a second the window trained at 0.82× the CLI).
constexpr double kTrainingFrameShare = 0.03;

// Seconds between frames that only show new snapshots: 0.4 s, more for costly frames, at most 2 s.
double snapshot_frame_spacing(const FramePacing& p);

// A frame drawn while training took `seconds`: folded into p.frame_cost_s (a moving average).
void note_frame_cost(FramePacing& p, double seconds);

// At time `now` (seconds), with input seen since the last call (`input`) and the newest snapshot
// `version`: is a frame due? Input (and the next 3 frames, so ImGui settles), a new snapshot once
// snapshot_frame_spacing has passed, or a heartbeat after max(0.5 s, that spacing) without a
// frame. Updates `p` when a frame is due.
bool frame_due(FramePacing& p, double now, bool input, uint64_t version);

}  // namespace cnnlab
