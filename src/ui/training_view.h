// ui/training_view.h — the Training tab as the App sees it. Light on purpose: keeps nn/train headers (and
// their build cost) out of app.h, which every panel includes.
#pragma once
#include <memory>
#include <string>
#include <vector>

namespace cnnlab {

struct App;
struct TrainingUi;
struct TrainingUiDeleter {
  void operator()(TrainingUi* ui) const;  // defined beside TrainingUi (training_state.cpp)
};
using TrainingUiPtr = std::unique_ptr<TrainingUi, TrainingUiDeleter>;

// A panel's rectangle in the last frame (framebuffer pixels), for pixel tests and panel PNG export.
struct PanelRect {
  std::string name;  // "controls", "curves", "maps", "filters", "predictions", "confusion", "model", "lesson"
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

// ---- for the App (training_hooks.cpp) ---------------------------------------------------------------
// The whole Training workspace: creates app.training on first use, then draws it.
void draw_training_workspace(App& app);
// True once after start_training_view: the frame loop selects the Training tab.
bool take_training_tab_request(App& app);
// For `cnnlab screenshot --view training`: load `data_dir` ("" = the default folder) with `preset` at
// `image_size` (0 = the preset's default), train `batches` batches one by one, optionally evaluate the
// test split, then show the Training tab with sub-tab `tab` ("" = defaults). Throws UserError.
void start_training_view(App& app, const std::string& data_dir, const std::string& preset, int image_size,
                         int batches, bool evaluate, const std::string& tab, int epochs = 0);
// After a frame is rendered into the bound framebuffer (w × h): writes a requested panel PNG.
void finish_training_frame(App& app, int width, int height);
// True while the worker is training (the frame loop paces itself then).
bool training_running(const App& app);
// While training: waits for input for at most a frame (1/30 s) and says whether a frame is due: input
// arrived (or did in the last few frames, so ImGui settles), a new snapshot was published (shown at
// most 2.5 times a second), or 0.5 s passed. Frames are never closer than 1/30 s. Processes GLFW events.
bool training_wait_for_frame(App& app);

// ---- the same, on TrainingUi alone (training_workspace.cpp) -----------------------------------------
TrainingUiPtr create_training_ui(const std::string& lesson_dir, const std::string& recent_file);
// GL set-up on first use (when the window has GL) and the export folder; no ImGui calls.
void prepare_training(TrainingUi& ui, bool gl_available, const std::string& export_dir);
// prepare_training, then the snapshot swap, texture uploads and every panel (inside an ImGui frame).
void draw_training(TrainingUi& ui, bool gl_available, const std::string& export_dir);
bool take_tab_request(TrainingUi& ui);
void start_training(TrainingUi& ui, const std::string& data_dir, const std::string& preset, int image_size,
                    int batches, bool evaluate, const std::string& tab, int epochs = 0);

// For the GUI benchmark (bench/bench_gui.cpp), which sees the App but not the engine headers.
struct TrainingProgress {
  bool training = false, done = false;
  std::vector<double> epoch_seconds;  // wall time per finished epoch (train + validation), as the CLI's
  std::vector<int> epoch_samples;     // training samples per finished epoch
  int map_uploads = 0, kernel_uploads = 0;
  uint64_t snapshots = 0;             // snapshot version
};
TrainingProgress training_progress(const TrainingUi& ui);
void training_run(TrainingUi& ui, int refresh);  // SetRefresh, then Start
void finish_training_frame(TrainingUi& ui, int width, int height);
const std::vector<PanelRect>& training_panel_rects(const TrainingUi& ui);
bool training_running(const TrainingUi& ui);
bool training_wait_for_frame(TrainingUi& ui);

}  // namespace cnnlab
