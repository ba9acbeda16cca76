// app/gui_window.h — the window's frame loop, shared by `cnnlab` (interactive) and `cnnlab screenshot`.
#pragma once
#include <cstdint>
#include <string>

#include "ui/training/frame_pacing.h"

namespace cnnlab {

struct WindowOptions {
  bool offscreen = false;    // hidden window, render `frames` frames into an FBO of width × height
  int width = 1920, height = 1080;
  int frames = 4;            // offscreen: frames rendered before the read-back (layout settles)
  bool persist = true;       // read/write settings and imgui.ini (off for screenshots: reproducible)
  float font_scale = 0;      // > 0: overrides the settings
  std::string lesson_dir;    // "" = default_lesson_dir()
  std::string lesson;        // lesson id to open ("" = last / first)
  int step = 0;              // 1-based step to show (0 = the lesson's first)
  bool predict = false;
  std::string answer;        // predict mode: submit this answer before the shot
  bool presentation = false;
  bool dark = false;
  std::string out_png;       // offscreen: where the PNG goes
  bool all_steps = false;    // offscreen: one PNG per step, OUT with "-001", "-002", … before ".png"
  std::string layout_path;   // offscreen: the layout sidecar (cell rectangles) for pixel tests
  int quit_after_frames = 0;  // interactive: > 0 closes after this many frames (tests; $CNNLAB_QUIT_AFTER_FRAMES)
  // --view training: the Training tab after `train_batches` batches (ui/training/training_state.h).
  std::string view;          // "" / "lessons", or "training"
  std::string train_data, train_model = "small", train_tab;
  int train_image_size = 0, train_batches = 0;
  bool train_evaluate = false;
};

// Opens the window (or the offscreen target), runs until closed (or for `frames` frames), shuts
// down in reverse. Returns the process exit status; prints user errors to stderr.
int run_window(const WindowOptions& options);

// While the worker trains (gui_pacing.cpp): waits for input for at most a frame (1/30 s), processing
// GLFW events, and says whether a frame is due (frame_due). Frames are never closer than 1/30 s.
bool wait_for_training_frame(FramePacing& p, uint64_t snapshot_version);

}  // namespace cnnlab
