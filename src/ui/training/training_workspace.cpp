// ui/training/training_workspace.cpp — the Training tab's layout (three columns, two, or all tabs,
// by what fits), F5's one-panel focus and its cycling, the screenshot start-up; what the window and
// the benchmark read (running, version, progress).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "core/error.h"
#include "ui/training/replay.h"
#include "ui/training/training_panels.h"

namespace cnnlab {

namespace {

// force_tab is a comma-separated list of view choices (screenshots): tab names and toggles.
bool has_token(const std::string& list, const std::string& token) {
  return ("," + list + ",").find("," + token + ",") != std::string::npos;
}

// Every panel: its child-window id, its tab label (short: tabs must fit at 1280×720, text ×2),
// its rectangle name (force_tab uses it too) and its draw function.
struct PanelDef {
  const char* id;
  const char* tab;
  const char* name;
  void (*draw)(TrainingUi&);
};
enum PanelIndex {
  kRun,
  kCurves,
  kMaps,
  kFilters,
  kPredictions,
  kConfusion,
  kModel,
  kLesson,
  kRuns,
  kGlance,
  kAugment,
  kExplain
};
const PanelDef kPanels[] = {
    {"train_controls", "Run###run", "controls", draw_train_controls_panel},
    {"train_curves", "Curves###curves", "curves", draw_train_curves_panel},
    {"train_maps", "Feature maps###maps", "maps", draw_train_maps_panel},
    {"train_filters", "Filters###filters", "filters", draw_train_filters_panel},
    {"train_predictions", "Predictions###predictions", "predictions", draw_train_predictions_panel},
    {"train_confusion", "Confusion###confusion", "confusion", draw_train_confusion_panel},
    {"train_model", "Model###model", "model", draw_train_model_panel},
    {"train_lesson", "Lessons###lesson", "lesson", draw_train_lesson_panel},
    {"train_runs", "Runs###runs", "runs", draw_train_runs_panel},
    {"train_glance", "Network###glance", "glance", draw_train_glance_panel},
    {"train_augment", "Augment###augment", "augment", draw_train_augment_panel},
    {"train_explain", "Explain###explain", "explain", draw_train_explain_panel},
};

ImGuiTabItemFlags tab_flags(TrainingUi& ui, const PanelDef& p) {
  bool want = has_token(ui.force_tab, p.name) ||
              (p.draw == draw_train_controls_panel && has_token(ui.force_tab, "run"));
  return want ? ImGuiTabItemFlags_SetSelected : 0;
}

void panel(const PanelDef& p, ImVec2 size, TrainingUi& ui) {
  ImGui::BeginChild(p.id, size, true);
  p.draw(ui);
  ImGui::EndChild();
}

// Panels `which` as tabs in a region of `size` (0 = the rest); the tab bar scrolls rather than
// cutting labels when it is too narrow.
void panel_tabs(TrainingUi& ui, const char* id, std::initializer_list<PanelIndex> which,
                ImVec2 size) {
  ImGui::BeginChild(id, size, false);
  if (ImGui::BeginTabBar(id, ImGuiTabBarFlags_FittingPolicyScroll)) {
    for (PanelIndex i : which) {
      const PanelDef& p = kPanels[i];
      if (ImGui::BeginTabItem(p.tab, nullptr, tab_flags(ui, p))) {
        panel(p, ImVec2(0, 0), ui);
        ImGui::EndTabItem();
      }
    }
    ImGui::EndTabBar();
  }
  ImGui::EndChild();
}

void three_columns(TrainingUi& ui, float W, float H, float em) {
  float gap = ImGui::GetStyle().ItemSpacing.x;
  float left_w = std::max(W * 0.24f, 26 * em), right_w = std::max(W * 0.28f, 28 * em);
  float centre_w = W - left_w - right_w - 2 * gap;
  ImGui::BeginGroup();
  // The Run panel as tall as its content was last frame (within 35–66%); Model/Lessons get the
  // rest.
  float run_h = ui.controls_h > 0 ? std::clamp(ui.controls_h, H * 0.35f, H * 0.66f) : H * 0.66f;
  panel(kPanels[kRun], ImVec2(left_w, std::floor(run_h)), ui);
  panel_tabs(ui, "train_left_tabs", {kModel, kLesson}, ImVec2(left_w, 0));
  ImGui::EndGroup();
  ImGui::SameLine();
  ImGui::BeginGroup();
  panel(kPanels[kCurves], ImVec2(centre_w, std::floor(H * 0.4f)), ui);
  panel_tabs(ui, "train_centre_tabs", {kMaps, kGlance}, ImVec2(centre_w, 0));
  ImGui::EndGroup();
  ImGui::SameLine();
  ImGui::BeginGroup();
  panel(kPanels[kFilters], ImVec2(right_w, std::floor(H * 0.46f)), ui);
  panel_tabs(ui, "train_right_tabs", {kPredictions, kExplain, kConfusion, kAugment, kRuns},
             ImVec2(right_w, 0));
  ImGui::EndGroup();
}

void two_columns(TrainingUi& ui, float W, float H, float em) {
  float left_w = std::clamp(W * 0.34f, 26 * em, 34 * em);
  ImGui::BeginGroup();
  panel_tabs(ui, "train_left_tabs", {kRun, kModel, kLesson}, ImVec2(left_w, H));
  ImGui::EndGroup();
  ImGui::SameLine();
  ImGui::BeginGroup();
  panel(kPanels[kCurves], ImVec2(0, std::floor(H * 0.42f)), ui);
  panel_tabs(ui, "train_right_tabs",
             {kMaps, kGlance, kFilters, kPredictions, kExplain, kConfusion, kAugment, kRuns},
             ImVec2(0, 0));
  ImGui::EndGroup();
}

// F5: the focused panel takes the whole region; its header says how to move on.
void draw_focus(TrainingUi& ui) {
  const std::string name = training_focus_name(ui);
  for (const PanelDef& p : kPanels)
    if (name == p.name) panel(p, ImVec2(0, 0), ui);
}

}  // namespace

TrainingLayout training_layout(float width, float height, float em) {
  if (width >= 92 * em && height >= 40 * em) return TrainingLayout::ThreeColumns;
  if (width >= 60 * em && height >= 24 * em) return TrainingLayout::TwoColumns;
  return TrainingLayout::Tabs;
}

const char* training_layout_name(TrainingLayout layout) {
  switch (layout) {
    case TrainingLayout::ThreeColumns:
      return "three columns";
    case TrainingLayout::TwoColumns:
      return "two columns";
    case TrainingLayout::Tabs:
      return "tabs";
  }
  return "?";
}

const std::vector<std::string>& training_focus_panels() {
  static const std::vector<std::string> names{"curves",    "maps",        "glance",
                                              "filters",   "predictions", "explain",
                                              "confusion", "augment",     "model"};
  return names;
}

bool training_focus_active(const TrainingUi& ui) {
  return ui.focus >= 0;
}

std::string training_focus_name(const TrainingUi& ui) {
  const auto& names = training_focus_panels();
  return ui.focus >= 0 && ui.focus < int(names.size()) ? names[size_t(ui.focus)] : "";
}

void training_toggle_focus(TrainingUi& ui) {
  if (ui.focus >= 0) return training_leave_focus(ui);
  ui.focus = std::clamp(ui.focus_last, 0, int(training_focus_panels().size()) - 1);
}

void training_leave_focus(TrainingUi& ui) {
  if (ui.focus >= 0) ui.focus_last = ui.focus;
  ui.focus = -1;
}

void training_focus_next(TrainingUi& ui) {
  if (ui.focus < 0) return;
  ui.focus = (ui.focus + 1) % int(training_focus_panels().size());
}

void training_focus_prev(TrainingUi& ui) {
  if (ui.focus < 0) return;
  int n = int(training_focus_panels().size());
  ui.focus = (ui.focus + n - 1) % n;
}

bool training_focus_set(TrainingUi& ui, const std::string& name) {
  const auto& names = training_focus_panels();
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) {
      ui.focus = int(i);
      return true;
    }
  return false;
}

void prepare_training(TrainingUi& ui, bool gl_available, const std::string& export_dir) {
  if (gl_available && !ui.gl.enabled) init_training_gl(ui);
  ui.export_dir = export_dir;
}

bool take_tab_request(TrainingUi& ui) {
  return std::exchange(ui.select_tab, false);
}

void draw_training(TrainingUi& ui, bool gl_available, const std::string& export_dir) {
  prepare_training(ui, gl_available, export_dir);
  refresh_snapshot(ui);  // a pointer copy: never waits on the worker
  // The time-lapse slider (replay.h) when epochs are recorded; F5's one panel shows it only while
  // replaying (the panel keeps the screen, yet a replayed epoch is never mistaken for live).
  if (!ui.editor.open && (!training_focus_active(ui) || replaying(ui))) draw_replay_strip(ui);
  update_training_gl(ui);  // uploads only what changed
  ui.hover_text.clear();
  ui.rects.clear();  // panels record themselves as they are drawn (hidden tabs are absent)
  ImVec2 avail = ImGui::GetContentRegionAvail();
  float em = ImGui::GetFontSize();
  if (training_focus_active(ui)) {
    draw_focus(ui);
  } else if (ui.editor.open) {  // the model editor takes the tab's whole region
    ImGui::BeginChild("model_editor", ImVec2(0, 0), true);
    draw_model_editor_panel(ui);
    ImGui::EndChild();
  } else {
    switch (training_layout(avail.x, avail.y, em)) {
      case TrainingLayout::ThreeColumns:
        three_columns(ui, avail.x, avail.y, em);
        break;
      case TrainingLayout::TwoColumns:
        two_columns(ui, avail.x, avail.y, em);
        break;
      case TrainingLayout::Tabs:
        panel_tabs(ui, "train_tabs",
                   {kRun, kCurves, kMaps, kGlance, kFilters, kPredictions, kExplain, kConfusion,
                    kAugment, kModel, kLesson, kRuns},
                   ImVec2(0, 0));
        break;
    }
  }
  ui.force_tab.clear();
  draw_open_image_dialog(ui);  // after: an Open sets force_tab for the next frame
}

// Screenshot tokens for the model editor, once it is open (opening selects layer 1): "editlayerN"
// selects layer N (1-based) and scrolls to it, "editfit" scrolls to the Fit section.
static void editor_tokens(TrainingUi& ui, const std::string& tab) {
  for (size_t at = 0; at < tab.size();) {
    const size_t end = std::min(tab.find(',', at), tab.size());
    const std::string t = tab.substr(at, end - at);
    if (t.rfind("editlayer", 0) == 0)
      ui.editor.selected = ui.editor.scroll_to = std::max(0, std::atoi(t.c_str() + 9) - 1);
    if (t == "editfit") ui.editor.scroll_to = kEditorScrollFit;
    at = end + 1;
  }
}

void start_training(TrainingUi& ui, const std::string& data_dir, const std::string& preset,
                    int image_size, int batches, bool evaluate, const std::string& tab,
                    int epochs) {
  RunSettings s = form_settings(ui);
  s.data_dir = data_dir.empty() ? ui.form.data_dir : data_dir;
  s.preset = preset;
  s.image_size = image_size > 0 ? image_size : default_image_size(preset);
  int choice = -1;
  for (int i = 0; i < int(ui.presets.size()); ++i)
    if (ui.presets[size_t(i)].preset == s.preset &&
        ui.presets[size_t(i)].image_size == s.image_size)
      choice = i;
  if (choice < 0) {  // not one of the form's choices: add it, so the form shows what runs
    ui.presets.push_back(make_preset_choice(s.preset, s.image_size));
    choice = int(ui.presets.size()) - 1;
  }
  choose_preset(ui, choice);  // the model file's [fit] epochs and batch size, as the CLI's
  if (epochs > 0) ui.form.epochs = epochs;
  s.epochs = ui.form.epochs, s.batch_size = ui.form.batch_size;
  if (has_token(tab, "editor") && batches == 0 && !evaluate) {  // the editor alone: nothing to load
    ui.form.data_dir = s.data_dir;
    open_model_editor(ui);
    editor_tokens(ui, tab);
    ui.select_tab = true;
    return;
  }
  const double timeout = 1800;
  load_blocking(ui, s, timeout);
  train_batches_blocking(ui, batches, timeout);
  if (evaluate) {
    uint64_t before = ui.worker->latest()->version;
    ui.worker->send({Command::Evaluate});
    ui.snap = ui.worker->wait_until(
        [&](const Snapshot& x) {
          return x.version > before && x.test_eval.epoch >= 0 &&
                 x.status.find("Test-") != std::string::npos;
        },
        timeout);
  }
  ui.select_tab = true;
  ui.force_tab = tab;
  if (tab.find("glance=") != std::string::npos) ui.force_tab += ",glance";
  // Toggles: "delta" (filters since init), "perlayer" (map normalisation), "layerN" (one layer's
  // maps), "enlargeN" (channel N of the shown layer), "mistakes" (gallery), "test" (confusion
  // split), "editor" (the model editor, on the run's model), "replayN" (the time-lapse at epoch N),
  // "editlayerN" / "editfit" (editor_tokens).
  for (size_t at = 0; at <= tab.size();) {
    size_t end = tab.find(',', at);
    std::string t = tab.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (t == "delta") ui.kernels_delta = true;
    if (t == "perlayer") ui.maps_per_layer = true;
    if (t == "mistakes") ui.gallery_mistakes_only = true;
    if (t == "test") ui.confusion_split = 1;
    if (t == "editor") open_model_editor(ui);
    if (t == "tickall") ui.runs.tick_all = true;  // the runs panel ticks every run it reads
    if (t.rfind("focus-", 0) == 0 && !training_focus_set(ui, t.substr(6)))
      throw UserError(
          "", "no panel '" + t.substr(6) + "' to focus",
          "use focus-curves, focus-maps, focus-glance, focus-filters, "
          "focus-predictions, focus-explain, focus-confusion, focus-augment or focus-model");
    glance_token(ui, t);  // glance=LAYER:C, pixel=Y:X
    if (t.rfind("layer", 0) == 0) ui.map_layer = std::atoi(t.c_str() + 5);
    if (t.rfind("replay", 0) == 0) replay_set_epoch(ui, std::atoi(t.c_str() + 6));
    if (t.rfind("enlarge", 0) == 0)
      ui.enlarged = std::atoi(t.c_str() + 7), ui.enlarged_layer = std::max(ui.map_layer, 0);
    if (end == std::string::npos) break;
    at = end + 1;
  }
  editor_tokens(ui, tab);
  if (!ui.glance.layer.empty()) glance_wait_inspect(ui, timeout);  // the pixel's arithmetic
}

TrainingProgress training_progress(const TrainingUi& ui) {
  SnapshotPtr s = ui.worker ? ui.worker->latest() : ui.snap;
  TrainingProgress p;
  p.training = s->state == RunState::Training;
  p.done = s->state == RunState::Done || s->state == RunState::Error;
  for (const EpochRecord& r : s->history.epochs)
    p.epoch_seconds.push_back(r.seconds), p.epoch_samples.push_back(r.samples);
  p.map_uploads = ui.gl.map_uploads;
  p.kernel_uploads = ui.gl.kernel_uploads;
  p.snapshots = s->version;
  return p;
}

bool training_running(const TrainingUi& ui) {
  return ui.worker && ui.worker->latest()->state == RunState::Training;
}

uint64_t snapshot_version(const TrainingUi& ui) {
  return ui.worker ? ui.worker->latest()->version : ui.snap->version;
}

void training_run(TrainingUi& ui, int refresh) {
  send_command(ui, Command::SetRefresh, std::max(1, refresh));
  send_command(ui, Command::Start);
}

}  // namespace cnnlab
