// ui/training/training_workspace.cpp — the Training tab's layout: run controls and model/lessons on the left,
// curves and feature maps in the centre, filters and predictions/confusion on the right; the screenshot
// start-up; what the window and the benchmark read (running, version, progress).
#include <algorithm>
#include <cstdlib>
#include <utility>

#include "core/error.h"
#include "ui/training/training_panels.h"

namespace cnnlab {

namespace {

// force_tab is a comma-separated list of view choices (screenshots): tab names and toggles.
bool has_token(const std::string& list, const std::string& token) {
  return ("," + list + ",").find("," + token + ",") != std::string::npos;
}

ImGuiTabItemFlags tab_flags(TrainingUi& ui, const char* id) {
  return has_token(ui.force_tab, id) ? ImGuiTabItemFlags_SetSelected : 0;
}

void panel(const char* id, ImVec2 size, TrainingUi& ui, void (*draw)(TrainingUi&)) {
  ImGui::BeginChild(id, size, true);
  draw(ui);
  ImGui::EndChild();
}

}  // namespace

void prepare_training(TrainingUi& ui, bool gl_available, const std::string& export_dir) {
  if (gl_available && !ui.gl.enabled) init_training_gl(ui);
  ui.export_dir = export_dir;
}

bool take_tab_request(TrainingUi& ui) { return std::exchange(ui.select_tab, false); }

void draw_training(TrainingUi& ui, bool gl_available, const std::string& export_dir) {
  prepare_training(ui, gl_available, export_dir);
  refresh_snapshot(ui);     // a pointer copy: never waits on the worker
  update_training_gl(ui);   // uploads only what changed
  ui.hover_text.clear();
  ui.rects.clear();  // panels record themselves as they are drawn (hidden tabs are absent)
  ImGuiStyle& st = ImGui::GetStyle();
  float W = ImGui::GetContentRegionAvail().x, H = ImGui::GetContentRegionAvail().y;
  float left_w = std::max(W * 0.24f, 380.0f), right_w = std::max(W * 0.30f, 440.0f);
  float centre_w = std::max(W - left_w - right_w - 2 * st.ItemSpacing.x, 200.0f);

  ImGui::BeginGroup();
  panel("train_controls", ImVec2(left_w, H * 0.6f), ui, draw_train_controls_panel);
  ImGui::BeginChild("train_left_tabs", ImVec2(left_w, 0), false);
  if (ImGui::BeginTabBar("left tabs")) {
    if (ImGui::BeginTabItem("Model", nullptr, tab_flags(ui, "model"))) {
      panel("train_model", ImVec2(0, 0), ui, draw_train_model_panel);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Lessons", nullptr, tab_flags(ui, "lesson"))) {
      panel("train_lesson", ImVec2(0, 0), ui, draw_train_lesson_panel);
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
  ImGui::EndChild();
  ImGui::EndGroup();
  ImGui::SameLine();

  ImGui::BeginGroup();
  panel("train_curves", ImVec2(centre_w, H * 0.38f), ui, draw_train_curves_panel);
  panel("train_maps", ImVec2(centre_w, 0), ui, draw_train_maps_panel);
  ImGui::EndGroup();
  ImGui::SameLine();

  ImGui::BeginGroup();
  panel("train_filters", ImVec2(right_w, H * 0.48f), ui, draw_train_filters_panel);
  ImGui::BeginChild("train_right_tabs", ImVec2(right_w, 0), false);
  if (ImGui::BeginTabBar("right tabs")) {
    if (ImGui::BeginTabItem("Predictions", nullptr, tab_flags(ui, "predictions"))) {
      panel("train_predictions", ImVec2(0, 0), ui, draw_train_predictions_panel);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Confusion matrix", nullptr, tab_flags(ui, "confusion"))) {
      panel("train_confusion", ImVec2(0, 0), ui, draw_train_confusion_panel);
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
  ImGui::EndChild();
  ImGui::EndGroup();
  ui.force_tab.clear();
}

void start_training(TrainingUi& ui, const std::string& data_dir, const std::string& preset, int image_size,
                    int batches, bool evaluate, const std::string& tab, int epochs) {
  RunSettings s = form_settings(ui);
  s.data_dir = data_dir.empty() ? ui.form.data_dir : data_dir;
  s.preset = preset;
  s.image_size = image_size > 0 ? image_size : default_image_size(preset);
  if (epochs > 0) s.epochs = ui.form.epochs = epochs;
  ui.form.choice = -1;
  for (int i = 0; i < int(ui.presets.size()); ++i)
    if (ui.presets[size_t(i)].preset == s.preset && ui.presets[size_t(i)].image_size == s.image_size) ui.form.choice = i;
  if (ui.form.choice < 0) {  // not one of the form's choices: add it, so the form shows what runs
    ui.presets.push_back(make_preset_choice(s.preset, s.image_size));
    ui.form.choice = int(ui.presets.size()) - 1;
  }
  const double timeout = 1800;
  load_blocking(ui, s, timeout);
  train_batches_blocking(ui, batches, timeout);
  if (evaluate) {
    uint64_t before = ui.worker->latest()->version;
    ui.worker->send({Command::Evaluate});
    ui.snap = ui.worker->wait_until([&](const Snapshot& x) {
      return x.version > before && x.test_eval.epoch >= 0 && x.status.find("Test-") != std::string::npos;
    }, timeout);
  }
  ui.select_tab = true;
  ui.force_tab = tab;
  // Toggles: "delta" (filters since init), "perlayer" (map normalisation), "layerN" (one layer's
  // maps), "enlargeN" (channel N of the shown layer), "mistakes" (gallery), "test" (confusion split).
  for (size_t at = 0; at <= tab.size();) {
    size_t end = tab.find(',', at);
    std::string t = tab.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (t == "delta") ui.kernels_delta = true;
    if (t == "perlayer") ui.maps_per_layer = true;
    if (t == "mistakes") ui.gallery_mistakes_only = true;
    if (t == "test") ui.confusion_split = 1;
    if (t.rfind("layer", 0) == 0) ui.map_layer = std::atoi(t.c_str() + 5);
    if (t.rfind("enlarge", 0) == 0) ui.enlarged = std::atoi(t.c_str() + 7), ui.enlarged_layer = std::max(ui.map_layer, 0);
    if (end == std::string::npos) break;
    at = end + 1;
  }
}

TrainingProgress training_progress(const TrainingUi& ui) {
  SnapshotPtr s = ui.worker ? ui.worker->latest() : ui.snap;
  TrainingProgress p;
  p.training = s->state == RunState::Training;
  p.done = s->state == RunState::Done || s->state == RunState::Error;
  for (const EpochRecord& r : s->history.epochs) p.epoch_seconds.push_back(r.seconds), p.epoch_samples.push_back(r.samples);
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
