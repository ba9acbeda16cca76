// ui/training/editor_fields.cpp — the model editor's labelled fields, each with its one-line Keras
// tooltip, and its Fit section: the model file's [fit] table (epochs, EarlyStopping,
// ReduceLROnPlateau) with every key the loader accepts.
//
// [SECTION] labelled fields
// [SECTION] the [fit] table
#include "ui/training/editor_fields.h"

#include <imgui.h>

#include <algorithm>

namespace cnnlab::editor_ui {

// =================================================================================================
// [SECTION] labelled fields
// =================================================================================================
// A labelled field on its own line: the label left, the widget in the remaining width (at most
// 12 em, so a wide panel does not stretch numbers across the screen). Returns whether the label is
// hovered (its tooltip shows for the label and the widget alike).
bool field_label(const char* label) {
  const float x = ImGui::GetCursorPosX();
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(label);
  const bool hovered = ImGui::IsItemHovered();
  const float em = ImGui::GetFontSize();
  const float label_end = x + ImGui::GetItemRectSize().x + ImGui::GetStyle().ItemSpacing.x * 2;
  ImGui::SameLine(std::max(em * 11, label_end));  // 11 em: start_from_epoch, indented
  ImGui::SetNextItemWidth(std::min(ImGui::GetContentRegionAvail().x, em * 12));
  return hovered;
}

// The argument's tooltip, one line in Keras's terms, over its label or its widget; wrapped where
// the window is narrower than the line (1280×720 with the text ×2).
void tip(bool label_hovered, const char* text) {
  if (!label_hovered && !ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) return;
  ImGui::BeginTooltip();
  ImGui::PushTextWrapPos(ImGui::GetIO().DisplaySize.x - 4 * ImGui::GetFontSize());
  ImGui::TextUnformatted(text);
  ImGui::PopTextWrapPos();
  ImGui::EndTooltip();
}

bool int_field(const char* label, int& v, const char* tooltip) {
  const bool hovered = field_label(label);
  ImGui::PushID(label);
  const bool changed = ImGui::InputInt("##v", &v);
  ImGui::PopID();
  tip(hovered, tooltip);
  return changed;
}

bool float_field(const char* label, float& v, float step, const char* tooltip) {
  const bool hovered = field_label(label);
  ImGui::PushID(label);
  const bool changed = ImGui::InputFloat("##v", &v, step, step * 10, "%.4g");
  ImGui::PopID();
  tip(hovered, tooltip);
  return changed;
}

bool double_field(const char* label, double& v, double step, const char* tooltip) {
  const bool hovered = field_label(label);
  ImGui::PushID(label);
  const bool changed = ImGui::InputDouble("##v", &v, step, step * 10, "%.4g");
  ImGui::PopID();
  tip(hovered, tooltip);
  return changed;
}

bool pair_field(const char* label, float& lo, float& hi, const char* tooltip) {
  const bool hovered = field_label(label);
  float v[2] = {lo, hi};
  ImGui::PushID(label);
  const bool changed = ImGui::InputFloat2("##v", v, "%.4g");
  ImGui::PopID();
  tip(hovered, tooltip);
  if (changed) lo = v[0], hi = v[1];
  return changed;
}

bool choice_field(const char* label, std::string& v, std::initializer_list<const char*> options,
                  const char* tooltip) {
  const bool hovered = field_label(label);
  bool changed = false;
  ImGui::PushID(label);
  if (ImGui::BeginCombo("##v", v.c_str())) {
    for (const char* o : options)
      if (ImGui::Selectable(o, v == o)) v = o, changed = true;
    ImGui::EndCombo();
  }
  ImGui::PopID();
  tip(hovered, tooltip);
  return changed;
}

bool check_field(const char* label, bool& v, const char* tooltip) {
  const bool changed = ImGui::Checkbox(label, &v);
  tip(false, tooltip);
  return changed;
}

// A part of the editor for the pixel tests' layout sidecar ("train.editor.args": the selected
// layer with its arguments; "train.editor.fit": the Fit section), unclipped: a test can tell
// whether it fits in the window.
void record_rect(TrainingUi& ui, const char* name, ImVec2 p0, ImVec2 p1) {
  ui.rects.push_back({name, p0.x, p0.y, p1.x, p1.y});
}

// Scrolls the current line to the top of the window, a line below its edge (a selected layer's
// frame stays whole), once.
void scroll_here(ModelEditor& e) {
  ImGui::SetScrollY(std::max(0.0f, ImGui::GetCursorPosY() - ImGui::GetFontSize()));
  e.scroll_to = -1;
}

// A section title (ImGui 1.86 has no SeparatorText).
void heading(const std::string& title) {
  ImGui::Spacing();
  ImGui::TextUnformatted(title.c_str());
  ImGui::Separator();
}

// =================================================================================================
// [SECTION] the [fit] table
// =================================================================================================
namespace {

constexpr const char* kTipEpochs =
    "epochs: how many passes over the training data fit() makes; 0 = the file does not say (the "
    "form's)";
constexpr const char* kTipBatch =
    "batch_size: samples per gradient step (Keras fit's batch_size); 0 = the file does not say "
    "(the form's). Smaller batches give noisier steps, which can help a small dataset generalise";
constexpr const char* kTipEarly =
    "EarlyStopping: stop training once the monitored number has stopped improving";
constexpr const char* kTipMonitor =
    "monitor: the number looked at after each epoch: val_loss, val_accuracy, loss or accuracy";
constexpr const char* kTipMode =
    "mode: which way is better: auto (max for accuracy, else min), min or max";
constexpr const char* kTipEarlyDelta =
    "min_delta: a change smaller than this counts as no improvement; Keras default 0";
constexpr const char* kTipEarlyPatience =
    "patience: epochs without improvement before training stops; Keras default 0";
constexpr const char* kTipRestore =
    "restore_best_weights: on stopping, the best epoch's weights come back; Keras default false";
constexpr const char* kTipStartFrom =
    "start_from_epoch: warm-up epochs before any improvement is looked for; Keras default 0";
constexpr const char* kTipReduce =
    "ReduceLROnPlateau: multiply the learning rate by factor once the monitored number stops "
    "improving";
constexpr const char* kTipFactor =
    "factor: new learning rate = lr x factor, above 0 and below 1; Keras default 0.1";
constexpr const char* kTipReducePatience =
    "patience: epochs without improvement before the learning rate is cut; Keras default 10";
constexpr const char* kTipReduceDelta =
    "min_delta: a change smaller than this counts as no improvement; Keras default 0.0001";
constexpr const char* kTipCooldown =
    "cooldown: epochs to wait after a cut before counting again; Keras default 0";
constexpr const char* kTipMinLr =
    "min_lr: the learning rate is never cut below this; Keras default 0";

constexpr const char* kTipCosine =
    "CosineDecay: the learning rate climbs from 0 over the warm-up epochs, then falls along half a "
    "cosine to alpha x lr at the last epoch, set before every step (Keras's "
    "optimizers.schedules.CosineDecay); not with ReduceLROnPlateau";
constexpr const char* kTipWarmup =
    "warmup_epochs: epochs of linear warm-up from 0 to the learning rate; 0 starts at it";
constexpr const char* kTipCosineAlpha =
    "alpha: where the rate ends, as a fraction of the learning rate (0 to 1); Keras default 0";
constexpr const char* kTipMixup =
    "MixUp: each training photo is blended with another of its batch, and so are their labels "
    "(x = l x1 + (1 - l) x2, l ~ Beta(alpha, alpha)); the network cannot learn a photo by heart";
constexpr const char* kTipMixupAlpha =
    "alpha: the Beta distribution's shape; small values blend a little, 1 blends evenly; Keras "
    "default 0.2";

bool mode_field(MonitorMode& m) {
  std::string v = monitor_mode_name(m);
  if (!choice_field("mode", v, {"auto", "min", "max"}, kTipMode)) return false;
  m = v == "min" ? MonitorMode::Min : v == "max" ? MonitorMode::Max : MonitorMode::Auto;
  return true;
}

bool monitor_field(std::string& monitor) {
  return choice_field("monitor", monitor, {"val_loss", "val_accuracy", "loss", "accuracy"},
                      kTipMonitor);
}

// The loader's words under the part of [fit] at fault (a callback's: under its checkbox).
void fit_problem(const SpecCheck& c, const char* part) {
  if (c.error_fit != part) return;
  ImGui::PushStyleColor(ImGuiCol_Text, kEditorProblem);
  ImGui::TextWrapped("✗ %s", c.error.c_str());
  ImGui::PopStyleColor();
}

// A [fit] part that is on or off: its checkbox, the loader's words when it is at fault, and, when
// on, its arguments indented under it (body draws them; returns whether any changed).
template <class Body>
bool fit_part(const char* label, bool& enabled, const char* tip, const char* key,
              const SpecCheck& c, Body body) {
  bool ch = check_field(label, enabled, tip);
  fit_problem(c, key);
  if (!enabled) return ch;
  const float indent = ImGui::GetFontSize() * 1.5f;
  ImGui::Indent(indent);
  ImGui::PushID(key);
  ch |= body();
  ImGui::PopID();
  ImGui::Unindent(indent);
  return ch;
}

bool early_stopping_fields(EarlyStoppingConfig& es, const SpecCheck& c) {
  return fit_part("EarlyStopping", es.enabled, kTipEarly, "early_stopping", c, [&] {
    bool ch = monitor_field(es.monitor);
    ch |= int_field("patience", es.patience, kTipEarlyPatience);
    ch |= check_field("restore_best_weights", es.restore_best_weights, kTipRestore);
    ch |= int_field("start_from_epoch", es.start_from_epoch, kTipStartFrom);
    ch |= double_field("min_delta", es.min_delta, 0.001, kTipEarlyDelta);
    return ch | mode_field(es.mode);
  });
}

bool reduce_lr_fields(ReduceLROnPlateauConfig& r, const SpecCheck& c) {
  return fit_part("ReduceLROnPlateau", r.enabled, kTipReduce, "reduce_lr_on_plateau", c, [&] {
    bool ch = monitor_field(r.monitor);
    ch |= double_field("factor", r.factor, 0.05, kTipFactor);
    ch |= int_field("patience", r.patience, kTipReducePatience);
    ch |= double_field("min_lr", r.min_lr, 1e-5, kTipMinLr);
    ch |= double_field("min_delta", r.min_delta, 1e-4, kTipReduceDelta);
    ch |= int_field("cooldown", r.cooldown, kTipCooldown);
    return ch | mode_field(r.mode);
  });
}

bool cosine_decay_fields(CosineDecayConfig& cd, const SpecCheck& c) {
  return fit_part("CosineDecay", cd.enabled, kTipCosine, "cosine_decay", c, [&] {
    bool ch = int_field("warmup_epochs", cd.warmup_epochs, kTipWarmup);
    return ch | double_field("alpha", cd.alpha, 0.05, kTipCosineAlpha);
  });
}

bool mixup_fields(MixUpConfig& m, const SpecCheck& c) {
  return fit_part("MixUp", m.enabled, kTipMixup, "mixup", c,
                  [&] { return double_field("alpha", m.alpha, 0.1, kTipMixupAlpha); });
}

}  // namespace

// Under the layer list: the model file's [fit] table, saved back with the layers.
void fit_section(TrainingUi& ui) {
  ModelEditor& e = ui.editor;
  const SpecCheck& c = editor_check(ui);
  FitConfig& f = e.spec.fit;
  if (e.scroll_to == kEditorScrollFit) scroll_here(e);
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const float width = ImGui::GetContentRegionAvail().x;
  heading("Fit (the file's [fit] table)");
  fit_problem(c, "[fit]");
  bool ch = int_field("epochs", f.epochs, kTipEpochs);  // a negative one: the loader says so
  if (f.epochs == 0) ImGui::TextDisabled("epochs 0: not in the file (the form's count)");
  fit_problem(c, "epochs");
  ch |= int_field("batch_size", f.batch_size, kTipBatch);
  if (f.batch_size == 0) ImGui::TextDisabled("batch_size 0: not in the file (the form's)");
  fit_problem(c, "batch_size");
  ch |= early_stopping_fields(f.early_stopping, c);
  ch |= reduce_lr_fields(f.reduce_lr, c);
  ch |= cosine_decay_fields(f.cosine_decay, c);
  ch |= mixup_fields(f.mixup, c);
  record_rect(ui, "editor.fit", p0, ImVec2(p0.x + width, ImGui::GetItemRectMax().y));
  if (ch) editor_changed(ui);
}

}  // namespace cnnlab::editor_ui
