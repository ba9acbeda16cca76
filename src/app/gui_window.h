// app/gui_window.h — the window's frame loop, shared by `cnnlab` (interactive) and `cnnlab
// screenshot`.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ui/training/frame_pacing.h"

struct GLFWwindow;

namespace cnnlab {

struct App;
struct KeyQueue;
class RenderTarget;

struct WindowOptions {
  bool offscreen = false;  // hidden window, render `frames` frames into an FBO of width × height
  int width = 1920, height = 1080;
  int frames = 4;          // offscreen: frames rendered before the read-back (layout settles)
  bool persist = true;     // read/write settings and imgui.ini (off for screenshots: reproducible)
  float font_scale = 0;    // > 0: overrides the settings
  std::string lesson_dir;  // "" = default_lesson_dir()
  std::string lesson;      // lesson id to open ("" = last / first)
  int step = 0;            // 1-based step to show (0 = the lesson's first)
  bool predict = false;
  std::string answer;  // predict mode: submit this answer before the shot
  bool presentation = false;
  bool dark = false;
  std::string out_png;     // offscreen: where the PNG goes
  bool all_steps = false;  // offscreen: one PNG per step, OUT with "-001", "-002", … before ".png"
  std::string layout_path;  // offscreen: the layout sidecar (cell rectangles) for pixel tests
  int quit_after_frames =
      0;  // interactive: > 0 closes after this many frames (tests; $CNNLAB_QUIT_AFTER_FRAMES)
  std::string
      start_keys;  // interactive: keys pressed before the first frame (tests; $CNNLAB_TEST_KEYS)
  // --view training: the Training tab after `train_batches` batches (ui/training/training_state.h).
  std::string view;  // "" / "lessons", or "training"
  std::string train_data, train_model = "small", train_tab;
  int train_image_size = 0, train_batches = 0;
  bool train_evaluate = false;
  std::string runs_dir;     // --view training: the runs folder (record and list); "" = none
  std::string photo_pixel;  // "Y,X": the photo view enlarged with that pixel's arithmetic pinned
  std::string train_probe_image, train_explain;  // your photo as the probe; gradcam/saliency
};

// Opens the window (or the offscreen target), runs until closed (or for `frames` frames), shuts
// down in reverse. Returns the process exit status; prints user errors to stderr.
int run_window(const WindowOptions& options);

// ---- input (gui_input.cpp)
// --------------------------------------------------------------------------- What the window's
// GLFW callbacks feed: key presses for the App's queue, and a count of every event (keys, text,
// mouse, scroll, focus, resize, expose) for the idle loop.
struct WindowInput {
  struct Release {
    int key, scancode, mods;
  };
  KeyQueue* keys = nullptr;
  uint64_t events = 0;
  double zoom_wheel = 0;           // Ctrl+wheel notches since the last frame (the loop zooms)
  std::vector<int> pressed;        // keys pressed since the last frame
  std::vector<Release> held_back;  // their releases, handed to ImGui after the next frame
  // Files dropped on the window since the last frame.
  std::vector<std::string> dropped;
};
// Installs the window's callbacks (ImGui's GLFW backend must be initialised without its own): each
// forwards to the backend, counts the event, and key presses go to `input.keys`. `input` must
// outlive the window. A key released in the same frame it was pressed reaches ImGui's io.KeysDown
// only after the next frame, so that widgets (Backspace in a text box) see the tap too.
void install_input_callbacks(GLFWwindow* window, WindowInput& input);
// After each frame: hands the held-back releases to ImGui.
void end_input_frame(GLFWwindow* window, WindowInput& input);
// "right,ctrl+s,ctrl+shift+s" → presses into `keys` (tests drive the real window with it). Names:
// letters, digits, right, left, up, down, home, end, pagedown, pageup, enter, backspace, space,
// escape, f5, f11; "ctrl+", "shift+" and "alt+" prefixes. Returns false at the first unknown name.
bool queue_key_list(const std::string& list, KeyQueue& keys);

// ---- pacing (gui_pacing.cpp)
// ---------------------------------------------------------------------------
constexpr int kSettleFrames = 3;  // frames drawn after input, so ImGui settles
constexpr double kAnimationFrameSeconds =
    1.0 / 60.0;                               // Play: a frame at most this often (default wait)
constexpr double kSnapshotPollSeconds = 0.1;  // a worker exists: look for new snapshots this often

struct IdlePacing {
  uint64_t seen_events = 0;  // WindowInput::events at the last wait
  uint64_t drawn_version = 0;
  int settle_frames = 0;
};
struct IdleNeeds {
  bool animating = false;  // Play: a frame every `animation_wait` seconds without input
  double animation_wait = kAnimationFrameSeconds;
  bool busy = false;  // draw now, whatever else (tests that quit after N frames)
  bool watch_snapshots =
      false;             // a training worker exists: a new snapshot (load, evaluation) is drawn
  uint64_t version = 0;  // the newest snapshot's version
};
// Not training: sleeps in glfwWaitEvents until something needs a frame (input and the settle frames
// after it, Play, a new snapshot), and says whether a frame is due. Idle, the window uses no CPU.
bool wait_for_idle_frame(IdlePacing& p, const WindowInput& input, const IdleNeeds& needs);
// While the worker trains: waits for input for at most a frame (1/30 s), processing GLFW events,
// and says whether a frame is due (frame_due). Input is any event since `seen_events` (updated).
// Frames are never closer than 1/30 s.
bool wait_for_training_frame(FramePacing& p, const WindowInput& input, uint64_t& seen_events,
                             uint64_t snapshot_version);

// ---- frames and exports (gui_main.cpp, gui_export.cpp)
// ---------------------------------------------------- One frame of the App into the bound
// framebuffer (w × h). `offscreen`: the display is w × h and the mouse is away (screenshots,
// exports). `keep_active`: the widget that has the keyboard (predict mode's answer box) stays
// active though this frame does not draw it (a slide exported between two frames of the window).
void render_frame(App& app, int w, int h, bool offscreen, bool keep_active = false);
// After a frame drawn into the window's back buffer (w × h): writes the PNGs the App asked for (the
// slide or the whole window, every step, a training panel). Slides are drawn into `target`, never
// shown.
void serve_exports(App& app, RenderTarget& target, int w, int h);

}  // namespace cnnlab
