// ui/training/training_state.h — the Training workspace's state (the worker, the latest snapshot,
// the settings form, view choices, the GL textures with the versions uploaded) and its whole
// interface. The window passes what it needs (GL present, export folder) as arguments: this view
// never sees the App.
#pragma once
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gfx/featuremap.h"

struct ImFont;
#include "gfx/texture.h"
#include "nn/model_edit.h"
#include "train/epoch_estimate.h"
#include "train/runs.h"
#include "train/worker.h"

namespace cnnlab {

// A panel's rectangle in the last frame (framebuffer pixels), for pixel tests and panel PNG export.
struct PanelRect {
  std::string name;  // "controls", "curves", "maps", "filters", "predictions", "confusion",
                     // "augment", "model", "lesson"
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

// A model choice in the form: preset + image size, with its parameter count (computed once).
struct PresetChoice {
  std::string preset;
  int image_size = 0;
  size_t params = 0;
  std::string label;   // "course model, 299×299 (350,464,… parameters)"
  int epochs = 0;      // the model file's [fit] epochs (0: none); choosing the model adopts them
  int batch_size = 0;  // the model file's [fit] batch_size (0: none); adopted the same way
};
std::vector<PresetChoice> default_preset_choices(int num_classes = 5);
// One choice with its parameter count and label.
PresetChoice make_preset_choice(const std::string& preset, int image_size, int num_classes = 5);

// What the student types before pressing Load.
struct TrainingForm {
  std::string data_dir;
  std::vector<std::string> recent;  // most recent first, at most 8
  int choice = 0;                   // index into TrainingUi::presets
  int epochs = 25, batch_size = 32, seed = 42, threads = 2, refresh = 1;
  int seeds = 1;  // Train repeats the run over seeds, seed + seeds − 1 (the runs panel sums up)
  float learning_rate = 0.001f;
  int early_stopping = -1, reduce_lr = -1;  // RunSettings's: -1 the model file's, 0 off, N on
  std::string folder_note;                  // why the folder cannot be used ("" = looks fine)
  bool folder_ok = false;
};

// Checks a dataset folder without decoding anything, by data's rules (check_dataset_folder):
// exists, has >= 2 class subfolders, each with files. Returns "" when it looks usable, else what is
// wrong and what to try.
std::string check_data_folder(const std::string& dir);

// ---- pure helpers (tested without GL)
// -------------------------------------------------------------

// Tiles per atlas row for C feature maps: 2 for ≤4, 4 for ≤16, else 8.
int feature_grid_cols(int channels);
// (H, W, C) activation → atlas of C tiles, `cols` per row: (rows·H, cols·W), unused tiles = gap.
std::vector<float> feature_atlas(const TensorCopy& t, int cols);
// Rows y0 .. y0 + n − 1 of feature_atlas(t, cols) into `out` (n · cols·W floats): what the window
// uploads one band at a time.
void feature_atlas_rows(const TensorCopy& t, int cols, int y0, int n, std::vector<float>& out);
// (lo, hi) per channel, or one (lo, hi) over the layer.
std::vector<std::pair<float, float>> feature_ranges(const TensorCopy& t, bool per_layer);
// Conv kernels are (KH, KW, Cin, Cout). Weight (i, j, ci, co), minus its initial value when `init`
// is given (the "change since initialisation" view).
float kernel_at(const TensorCopy& k, const TensorCopy* init, int i, int j, int ci, int co);
// Max |kernel_at| over output filter `co` (all i, j, ci).
float filter_abs_max(const TensorCopy& k, const TensorCopy* init, int co);
// Size in texels of kernel_grid_atlas(k): ((KW+1)·Cout wide, (KH+1)·Cin high).
struct TexelSize {
  int width = 0, height = 0;
};
TexelSize kernel_grid_size(const TensorCopy& k);
// Conv kernel (KH, KW, Cin, Cout) → atlas with Cin rows and Cout columns of KH×KW tiles (a column
// is one output filter), one gap texel after each tile: ((KH+1)·Cin, (KW+1)·Cout) texels.
// Values − init when `init` is given.
std::vector<float> kernel_grid_atlas(const TensorCopy& k, const TensorCopy* init);
// Max |value| of a kernel (or of its change since init): the symmetric range.
float kernel_abs_max(const TensorCopy& k, const TensorCopy* init);
// First-layer RGB kernels (KH, KW, 3, Cout) → RGBA tiles side by side with one gap pixel:
// ((KH), Cout·(KW+1)) pixels; each kernel scaled by its own max |w| to 0.5 ± 0.5.
RgbaImage rgb_kernel_tiles(const TensorCopy& k, const TensorCopy* init);
// Value of channel c at (y, x) of an (H, W, C) activation.
float activation_at(const TensorCopy& t, int y, int x, int c);

// An (N, H, W, 3) dataset's images `indices` as thumbnails of side `side`, `cols` per row.
RgbaImage thumbnail_atlas(const Dataset& data, const std::vector<int>& indices, int side, int cols);

// ---- GL side
// ---------------------------------------------------------------------------------------

// One conv/pool layer's maps as shown: name, shape and atlas grid describe `rgba`, which always
// holds a whole layer; a newer one is filled in `next` band by band and swapped in when whole.
struct LayerMapsGl {
  std::string name;
  int h = 0, w = 0, c = 0, cols = 1, rows = 1;
  ColorTarget rgba;      // what the panels draw
  ColorTarget next;      // being filled; swapped with rgba when its last band is done
  bool nearest = false;  // the filter rgba samples with now (set_map_filter)
};

// Feature maps are uploaded in bands of atlas rows, at most this many texels per
// update_training_gl (CPU atlas, colormap_rows, glTexSubImage2D). At 299² the course model's
// conv/pool maps are 5.3 M texels: in one frame that stalled the window 100–250 ms under llvmpipe
// (issue 11: p90 124 ms), mostly the shader's colormap pass at 20–35 ns a texel. With the colours
// made on the CPU a band of 2^18 texels took ~1.6 ms (median, loaded 2-core host) against 5.6–8
// before (21 bands at 299²; 2^20 texels took 13 ms a band there, too long beside a frame).
inline constexpr long kMapSliceTexels = 1L << 18;

// A snapshot's maps on their way to the GPU, layer by layer, band by band.
struct MapUploadJob {
  SnapshotPtr snap;        // null: none in progress (snapshots are immutable: safe to keep)
  bool replay = false;     // a replayed epoch's (restarts when the replay changes)
  bool per_layer = false;  // the normalisation it is made with (restarts when changed)
  std::vector<int> acts;   // the (H, W, C) activations, one per LayerMapsGl
  size_t layer = 0;        // the one in progress
  int row = 0;             // its next atlas texel row
  std::vector<std::pair<float, float>> ranges;  // its colour ranges (made at its first band)
};
// Magnified maps sample GL_NEAREST (each value a crisp square), shrunk ones GL_LINEAR. The last
// setting in a frame is what ImGui draws with; a no-op without a texture.
void set_map_filter(LayerMapsGl& maps, bool nearest);

// The augmented-probe strip's textures and what they were made from (panel_train_augment.cpp).
struct AugmentStripGl {
  std::vector<Texture> textures;  // the augmented copies (the original is `probe`)
  const void* data = nullptr;     // the Dataset
  int probe = -1;
  std::string preset;
  uint64_t seed = 0;
  double mixup_alpha = 0;    // MixUp's, when the copies were made (0: none)
  std::string mixup_shares;  // with MixUp: "0.62 (+ rose), ..." (each copy's own share)
};

struct TrainingGl {
  bool enabled = false;  // false in the headless smoke test: panels draw placeholders
  ColormapRenderer colormap;
  std::vector<std::unique_ptr<LayerMapsGl>> maps;  // one per conv/pool activation of the probe
  FloatTexture kernel_values;                      // second conv layer's kernel grid
  ColorTarget kernel_rgba;
  Texture rgb_kernels;  // first conv layer's RGB tiles
  Texture thumbs;       // every image's thumbnail, dataset order, thumb_cols per row
  Texture probe;        // the probe image, full size
  Texture probe_view;   // the probe as the snapshot has it (a dataset image or your photo)
  Texture heat;         // the probe's Grad-CAM/saliency as RGBA (heat_rgba)
  uint64_t probe_view_for = UINT64_MAX, heat_for = UINT64_MAX;  // probe/activations versions
  int thumb_side = 0, thumb_cols = 0;
  // What is on the GPU now (upload only on change).
  uint64_t activations_version = UINT64_MAX, weights_version = UINT64_MAX;
  bool maps_per_layer = false, kernels_delta = false;
  const void* thumbs_for = nullptr;  // the Dataset the thumbnails were made from
  int probe_for = -1;
  int map_uploads = 0, kernel_uploads = 0;  // counters (tests, bench); maps: whole snapshots
  AugmentStripGl augment;
  // Feature maps in slices (issue 11). A newer snapshot waits until the one in progress is whole
  // (else, at a high snapshot rate, none ever would be); a changed normalisation or a replay
  // restarts it.
  MapUploadJob map_job;
  long map_slice_texels = kMapSliceTexels;  // per update; <= 0: everything at once
  bool flush_maps = false;      // screenshots: every update finishes the maps (flush_training_maps)
  long map_texels_last = 0;     // atlas texels the last update or advance processed (tests, bench)
  long map_texels_max = 0;      // the most any one processed
  int map_slices = 0;           // updates and advances that processed some
  std::vector<float> map_band;  // the band's atlas rows, reused (no fresh pages per slice)
  std::vector<uint8_t> map_rgba;  // and their colours (colormap_rows), reused
};

// The model editor (panel_model_editor.cpp). It lives in TrainingUi, which the App owns, so edits
// survive switching tabs and views; New/Open ask before discarding them.
struct ModelEditor {
  bool open = false;     // shown in place of the Training panels
  bool started = false;  // a model is being edited (the first open starts from the form's model)
  ModelSpec spec;
  std::string path;  // the file it was opened from or last saved to ("" = a preset, never saved)
  bool dirty = false;
  int selected = 0;    // layer index
  uint64_t edits = 0;  // bumped by every change; the check below follows it
  uint64_t checked = UINT64_MAX;
  int checked_classes = 0;
  std::shared_ptr<const SpecCheck> check;
  std::string summary;    // the Keras table of check->model when it is whole
  double gemm_flops = 0;  // a quick single-thread GEMM, measured on first use
  ComputeRate run_rate;   // from the loaded run's last epoch (flops_per_s 0: none)
  size_t run_rate_epochs = 0;
  std::string file_input;  // the Open / Save as path fields
  std::string pending;     // what New/Open loads once the user agrees to discard the edits
  int pending_size = 0;
  bool ask_discard = false, ask_open = false, ask_save = false;
  std::string note;    // the last outcome ("Saved to …", an error)
  int scroll_to = -1;  // a layer index (or kEditorScrollFit) scrolled into view on the next frame
};
constexpr int kEditorScrollFit = -2;  // ModelEditor::scroll_to: the Fit section

struct LessonText {
  std::string id, title, text;
};

// The runs panel (panel_train_runs.cpp): the runs folder as last read, the ticked runs (overlaid on
// the curves) and the table's sort.
struct RunsView {
  std::string dir;  // "" = none (tests, screenshots without --runs): nothing recorded or listed
  RunList list;
  bool loaded = false;           // read on first draw, by Refresh, and when the worker records one
  int recorded_seen = 0;         // the snapshot's runs_recorded when last read
  std::set<std::string> ticked;  // folder names
  bool tick_all = false;         // screenshots (--tab runs,tickall): tick every run once read
  int sort_column = 0;           // the table's column (0 = start time)
  bool sort_descending = false;
};

// The network at a glance (panel_train_glance.cpp): the enlarged map or unit ("" = the strip), the
// output pixel pinned by a click or a screenshot (-1 = follow the mouse), the last Inspect sent.
struct GlanceState {
  std::string layer;  // the enlarged layer's name
  int channel = 0;    // its map (or dense unit)
  int pin_y = -1, pin_x = -1;
  std::string asked;      // "layer y x c" of the last Inspect sent
  uint64_t asked_at = 0;  // the activations_version it was sent for
};

// The time-lapse replay (replay.h): the frame shown and the snapshot built for it.
struct ReplayState {
  int frame = -1;                               // index into the time-lapse; -1 = live
  SnapshotPtr shown;                            // the replayed snapshot, when frame >= 0
  const Snapshot* built_from = nullptr;         // the live snapshot it was built from
  const TimelapseFrame* built_frame = nullptr;  // and the frame
  uint64_t version = uint64_t(1) << 62;         // replayed kernels/maps: above any live version
  std::string export_note;                      // the last export's outcome
};

struct TrainingUi {
  std::unique_ptr<TrainingWorker> worker;  // null when a test feeds snapshots by hand
  SnapshotPtr snap = std::make_shared<const Snapshot>();
  std::vector<PresetChoice> presets = default_preset_choices();
  TrainingForm form;
  RunsView runs;
  std::string recent_file;  // "" = do not remember recent folders

  // View choices.
  int map_layer = -1;           // -1: every layer; else one activation index
  bool maps_per_layer = false;  // normalise per layer (else per map)
  int enlarged = -1;            // channel shown large (of `enlarged_layer`), -1 none
  int enlarged_layer = 0;
  bool kernels_delta = false;  // filters: show the change since initialisation
  bool gallery_mistakes_only = false;
  int confusion_split = 0;  // 0 validation, 1 test

  // Explain panel: the heat's opacity over the probe; whether the panel has asked the worker for
  // the heat once; File → Open image… opens its path dialog next frame.
  float explain_opacity = 0.7f;
  bool explain_started = false;
  bool open_image_request = false;
  std::string open_image_path;

  int confusion_row = -1, confusion_col = -1;
  int lesson = 0;
  uint64_t augment_roll = 0;                 // "New samples" presses (the strip's seed)
  std::vector<std::string> augment_presets;  // presets with augmentation layers, found once
  bool augment_presets_known = false;
  std::vector<LessonText> lessons;
  std::string checkpoint_path, csv_path;
  std::string hover_text;  // the value under the cursor (feature maps), for the status line
  std::string message;     // last UI-side note (export written, error)

  // Requests the frame loop serves after rendering (panel PNG export).
  std::string export_panel, export_path;
  std::string focused_panel;     // the panel that last had focus (a click in it): Ctrl+S exports it
  std::vector<PanelRect> rects;  // this frame's panel rectangles
  std::string export_dir;        // where panel PNGs, CSVs and checkpoints go by default
  float controls_h = 0;          // the Run panel's content height in the last frame (layout)
  ImFont* mono = nullptr;   // a monospaced font at the body's size (the window sets it), for tables
  int focus = -1;           // F5: index into training_focus_panels() shown full screen, -1 none
  int focus_last = 0;       // the panel F5 shows again
  bool select_tab = false;  // select the Training workspace tab once (screenshots)
  std::string force_tab;    // select this tab once (screenshots): "predictions", "confusion",
                            // "model", "lesson"

  GlanceState glance;

  TrainingGl gl;
  ModelEditor editor;
  ReplayState replay;
};

// ---- the view's interface (the window calls these)
// --------------------------------------------------

// Makes a TrainingUi with a worker, the form pre-filled (default data folder, recent folders read
// from `recent_file` if non-empty) and the lesson texts loaded from `lesson_dir`/training.
std::unique_ptr<TrainingUi> create_training_ui(const std::string& lesson_dir,
                                               const std::string& recent_file);
// GL set-up on first use (when the window has GL) and the export folder; no ImGui calls.
void prepare_training(TrainingUi& ui, bool gl_available, const std::string& export_dir);
// prepare_training, then the snapshot swap, texture uploads and every panel (inside an ImGui
// frame).
void draw_training(TrainingUi& ui, bool gl_available, const std::string& export_dir);
// True once after start_training: the window selects the Training tab.
bool take_tab_request(TrainingUi& ui);
// For `cnnlab screenshot --view training`: load `data_dir` ("" = the form's folder) with `preset`
// at `image_size` (0 = the preset's default) and `epochs` (0 = the model file's [fit] epochs if it
// has them, else the form's; its [fit] batch_size too), train `batches` batches one by one,
// optionally evaluate the test split, then show the Training tab with sub-tab `tab` ("" =
// defaults). Throws UserError.
void start_training(TrainingUi& ui, const std::string& data_dir, const std::string& preset,
                    int image_size, int batches, bool evaluate, const std::string& tab,
                    int epochs = 0);
// What the window's frame pacing decides on: is the worker training, and the newest snapshot's
// version.
bool training_running(const TrainingUi& ui);
uint64_t snapshot_version(const TrainingUi& ui);

// For the GUI benchmark (bench/bench_gui.cpp).
struct TrainingProgress {
  bool training = false, done = false;
  std::vector<double>
      epoch_seconds;  // wall time per finished epoch (train + validation), as the CLI's
  std::vector<int> epoch_samples;  // training samples per finished epoch
  int map_uploads = 0, kernel_uploads = 0;
  uint64_t snapshots = 0;  // snapshot version
};
TrainingProgress training_progress(const TrainingUi& ui);
void training_run(TrainingUi& ui, int refresh);  // SetRefresh, then Start

// ---- layout and focus (F5: one panel at projector size)
// ------------------------------------------

// How the tab arranges its panels for a content region of `width` × `height` pixels with text `em`
// pixels high: three columns, two (left: Run/Model/Lessons as tabs; right: curves over tabs), or
// every panel a tab of its own. Chosen so no panel is squeezed below what its text needs.
enum class TrainingLayout { ThreeColumns, TwoColumns, Tabs };
TrainingLayout training_layout(float width, float height, float em);
const char* training_layout_name(TrainingLayout layout);  // "three columns", "two columns", "tabs"

// The panels F5 cycles through, in order: curves, maps, filters, predictions, confusion, model.
const std::vector<std::string>& training_focus_panels();
bool training_focus_active(const TrainingUi& ui);
std::string training_focus_name(const TrainingUi& ui);  // "" when not focused
void training_toggle_focus(TrainingUi& ui);  // F5: enter (the last focused panel) or leave
void training_leave_focus(TrainingUi& ui);   // Esc
void training_focus_next(TrainingUi& ui);    // PageDown / →: wraps around; no-op when not focused
void training_focus_prev(TrainingUi& ui);    // PageUp / ←
bool training_focus_set(TrainingUi& ui, const std::string& name);  // false for an unknown name

// ---- inside the view
// ------------------------------------------------------------------------------ Compiles the
// colormap shader (needs a current GL context); errors go to the log.
void init_training_gl(TrainingUi& ui);
// Reads the newest snapshot from the worker (a pointer copy: never waits on training).
void refresh_snapshot(TrainingUi& ui);
// Uploads what changed since the last call (feature maps, kernels, thumbnails). No-op without GL.
// Feature maps take several calls when big (kMapSliceTexels each); until a layer is whole its
// panels show the previous one.
void update_training_gl(TrainingUi& ui);
// Finishes the feature maps now: the one in progress, then the shown snapshot's (screenshots,
// tests).
void flush_training_maps(TrainingUi& ui);
// Feature maps still on their way (a band remains).
bool training_maps_pending(const TrainingUi& ui);
// Between frames (no ImGui): one more band of the maps in progress. True when that made them whole,
// so the window draws a frame to show them. Starts nothing new.
bool advance_training_gl(TrainingUi& ui);

// Commands (no-ops without a worker).
RunSettings form_settings(const TrainingUi& ui);
// Makes presets[i] the form's model and adopts its model file's [fit] epochs and batch size, as
// the model list, the editor's Train and screenshots all do.
void choose_preset(TrainingUi& ui, int i);
void send_load(TrainingUi& ui);  // validates the folder, remembers it, sends Load
void send_command(TrainingUi& ui, Command::Kind kind, int index = 0, const std::string& path = {});
void remember_folder(TrainingUi& ui, const std::string& dir);
// The Train button: Start, or StartSeeds when the form asks for more than one seed on a fresh or
// finished run.
void send_train(TrainingUi& ui);
// Where the worker records runs and the runs panel reads them ("" = nowhere); re-read on next draw.
void set_runs_dir(TrainingUi& ui, const std::string& dir);
// Reads the runs folder again when asked (`force`), never read, or the worker recorded a run since.
void refresh_runs(TrainingUi& ui, bool force);

// Blocking helpers for `cnnlab screenshot` and tests: Load and wait for Ready; then K batches one
// by one. Return the last snapshot; throw UserError on a worker error or timeout.
SnapshotPtr load_blocking(TrainingUi& ui, const RunSettings& s, double timeout_s);
SnapshotPtr train_batches_blocking(TrainingUi& ui, int batches, double timeout_s);

// A training lesson's text with its placeholders filled from the loaded model's Keras summary:
// {params} (total, "350,586,533"), {largest} (the layer with most parameters), {largest.share}
// ("99.97%"), and per layer {conv2d.filters} / {dense.units} (last dimension), {conv2d.output}
// ("299×299", or "1000" for a dense layer), {conv2d.params}. Unknown or not yet known: "?".
std::string fill_lesson_numbers(const std::string& text, const std::string& summary);
// Loads lessons/training/*.md: first line "# Title", the rest is the text. Sorted by file name.
std::vector<LessonText> load_training_lessons(const std::string& dir);

// ---- your own photo as the probe; its explanation (panel_train_explain.cpp)
// A photo file becomes the probe (dropped on the window, File → Open image…): sends SetProbeImage;
// the worker answers in the snapshot (a bad file: `error`, the loader's message, and the log).
// Shows the Explain panel.
void open_probe_image(TrainingUi& ui, const std::string& path);
// For `cnnlab screenshot`: open_probe_image ("" = keep the probe), then the explanation `method`
// ("gradcam", "saliency"; "" = off), each waited for. UserError on a bad file, method or timeout.
void probe_and_explain_blocking(TrainingUi& ui, const std::string& path, const std::string& method,
                                double timeout_s);
// Uploads the snapshot's probe pixels and heat when they changed (update_training_gl calls it).
void update_probe_gl(TrainingUi& ui);
// Heat (h, w) in 0..1 → viridis RGBA with alpha 0.4 + 0.6·heat (nn/explain.h blend_heat's), to
// draw over the probe at the user's opacity.
RgbaImage heat_rgba(const std::vector<float>& heat, int h, int w);

// Panel rectangles: record (inside a panel, from the current window) and look up.
void record_panel_rect(TrainingUi& ui, const std::string& name);
const PanelRect* find_panel_rect(const TrainingUi& ui, const std::string& name);
// Asks for panel `name` as a PNG in <export dir>/training after this frame (its PNG button; the
// shell's Ctrl+S).
void request_panel_png(TrainingUi& ui, const std::string& name);
// After the frame is rendered into the bound framebuffer (w × h): writes the requested panel PNG.
void finish_training_frame(TrainingUi& ui, int width, int height);

// ---- the model editor (panel_model_editor.cpp)
// -------------------------------------------------------
// Shows the editor in place of the panels; the first time it starts from the form's model.
void open_model_editor(TrainingUi& ui);
void close_model_editor(TrainingUi& ui);  // back to the panels; the edits stay
// Edits `name_or_path` (a preset or a model file) at `image_size` (0: the file's); a file in the
// shipped models/ folder is edited as its preset (Save asks for a new path). With unsaved
// edits and !discard it only asks (the panel's confirmation) and returns false; a file that does
// not load leaves the edits alone and says why in editor.note.
bool editor_load(TrainingUi& ui, const std::string& name_or_path, int image_size = 0,
                 bool discard = false);
void editor_changed(TrainingUi& ui);  // after an edit: unsaved, checked again
// The spec checked by the model file loader (cached until the next edit). Classes: the loaded
// data's, else 5 where the last layer says units = "classes" (the flowers), else as written.
const SpecCheck& editor_check(TrainingUi& ui);
// Why it cannot be saved or trained ("" when it can): the first problem, with its layer.
std::string editor_blocker(TrainingUi& ui);
// The memory the model needs at the form's batch size with the loaded data (else 500 images), and
// why it cannot be trained: editor_blocker's reason, or that plan not fitting.
MemoryPlan editor_memory_plan(TrainingUi& ui);
std::string editor_train_blocker(TrainingUi& ui);
// Saves atomically to `path` (".toml" added when missing, folders made); false with the reason
// in editor.note.
bool editor_save(TrainingUi& ui, const std::string& path);
// Where Save puts a model never saved: <export dir>/models/<name>.toml.
std::string editor_default_path(const TrainingUi& ui);
// "Train this model": saves (when unsaved), makes the file the form's model and sends Load; the
// panels come back. False (editor.note says why) when the model or the folder cannot be used.
bool editor_train(TrainingUi& ui);
// The editor's keys (Alt+↑/↓ move the selected layer, Delete removes it): the panel calls this
// only while no text field has the keyboard.
enum class EditorKey { MoveUp, MoveDown, Delete };
void editor_key(TrainingUi& ui, EditorKey key);
// The estimate's rate: the loaded run's last epoch, else a quick GEMM (measured once).
ComputeRate editor_rate(TrainingUi& ui);
void draw_model_editor_panel(TrainingUi& ui);

}  // namespace cnnlab
