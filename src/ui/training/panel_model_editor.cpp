// ui/training/panel_model_editor.cpp — the model editor: start from a preset, the loaded model or a
// file; add, remove, reorder and edit layers; the Keras summary, parameter budget, memory plan and
// epoch estimate follow every edit; the [fit] table (editor_fields.cpp); save as a model file;
// train it. Every argument a model file holds has a widget and a one-line Keras tooltip.
//
// [SECTION] editor state (no ImGui: tested headless)
// [SECTION] small widgets
// [SECTION] the layer list and the selected layer's arguments
// [SECTION] live numbers: parameters, memory, epoch time, summary
// [SECTION] the toolbar and its dialogs
// [SECTION] the panel
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "core/error.h"
#include "core/sysinfo.h"
#include "nn/model_file.h"
#include "ui/training/editor_fields.h"
#include "ui/training/training_panels.h"

namespace cnnlab {

namespace fs = std::filesystem;
using namespace editor_ui;  // the labelled fields, their tooltips and the Fit section

// =================================================================================================
// [SECTION] editor state (no ImGui: tested headless)
// =================================================================================================
namespace {

// Before any data is loaded the estimate assumes the flowers (tiny_FR: 500 photos → 360 train,
// 40 validation, 100 test; 5 classes).
constexpr int kAssumedTrain = 360, kAssumedVal = 40, kAssumedImages = 500, kAssumedClasses = 5;

bool data_loaded(const Snapshot& s) {
  return s.data != nullptr && !s.split.train.empty();
}

// A model file of the user's (not a preset's name, nor a file in the shipped models/ folder, which
// Save must never overwrite).
bool is_user_file(const std::string& name) {
  if (model_file_path(name) != name) return false;
  std::error_code ec;
  return !fs::equivalent(fs::path(name).parent_path().empty() ? "." : fs::path(name).parent_path(),
                         default_model_dir(), ec);
}

}  // namespace

void open_model_editor(TrainingUi& ui) {
  ModelEditor& e = ui.editor;
  e.open = true;
  if (e.started) return;
  const RunSettings s = form_settings(ui);
  if (!editor_load(ui, s.preset, s.image_size, true)) editor_load(ui, "small", 0, true);
}

void close_model_editor(TrainingUi& ui) {
  ui.editor.open = false;
}

bool editor_load(TrainingUi& ui, const std::string& name, int image_size, bool discard) {
  ModelEditor& e = ui.editor;
  if (e.started && e.dirty && !discard) {
    e.pending = name, e.pending_size = image_size, e.ask_discard = true;
    return false;
  }
  try {
    ModelSpec spec = load_model_spec(name);
    if (image_size > 0) spec.image_size = image_size;
    e.spec = std::move(spec);
  } catch (const UserError& err) {
    e.note = err.what();
    return false;
  }
  e.path = is_user_file(name) ? name : "";
  e.started = true, e.dirty = false, e.selected = 0;
  ++e.edits;
  e.note = "Editing " + (e.path.empty() ? "the preset '" + name + "'" : e.path);
  return true;
}

void editor_changed(TrainingUi& ui) {
  ui.editor.dirty = true;
  ++ui.editor.edits;
}

const SpecCheck& editor_check(TrainingUi& ui) {
  ModelEditor& e = ui.editor;
  int classes = -1;
  if (data_loaded(*ui.snap) && ui.snap->class_names.size() >= 2)
    classes = int(ui.snap->class_names.size());
  else if (!e.spec.layers.empty() && e.spec.layers.back().units_classes)
    classes = kAssumedClasses;
  if (!e.check || e.checked != e.edits || e.checked_classes != classes) {
    auto c = std::make_shared<SpecCheck>(check_spec(e.spec, classes));
    // A problem in [fit] only: the layers are whole, their summary stands.
    const bool whole = c->ok || (!c->error_fit.empty() && c->built == e.spec.layers.size());
    e.summary = whole ? c->model.summary_table() : "";
    e.check = std::move(c);
    e.checked = e.edits, e.checked_classes = classes;
  }
  return *e.check;
}

std::string editor_blocker(TrainingUi& ui) {
  const SpecCheck& c = editor_check(ui);
  if (c.ok) return {};
  if (!c.error_fit.empty())  // "[fit] reduce_lr_on_plateau: 'factor' = 1.5 is out of range ..."
    return "[fit] " + (c.error_fit == "[fit]" ? "" : c.error_fit + ": ") + c.error;
  if (c.error_layer < 0) return c.error;
  const LayerSpec& l = ui.editor.spec.layers[size_t(c.error_layer)];
  return "layer " + std::to_string(c.error_layer + 1) + " (" + l.type + "): " + c.error;
}

// The batch the model would train with: its [fit] batch_size, else the form's.
static int editor_batch_size(const TrainingUi& ui) {
  const int b = ui.editor.spec.fit.batch_size;
  return b > 0 ? b : ui.form.batch_size;
}

MemoryPlan editor_memory_plan(TrainingUi& ui) {
  const SpecCheck& c = editor_check(ui);
  if (!c.ok) return {};
  const Snapshot& s = *ui.snap;
  return plan_memory(c.model, editor_batch_size(ui),
                     data_loaded(s) ? s.data->size() : size_t(kAssumedImages));
}

std::string editor_train_blocker(TrainingUi& ui) {
  if (std::string why = editor_blocker(ui); !why.empty()) return why;
  const MemoryPlan plan = editor_memory_plan(ui);
  return plan.fits() ? "" : "it does not fit in memory: " + plan.advice();
}

std::string editor_default_path(const TrainingUi& ui) {
  std::string name;
  for (char ch : ui.editor.spec.name)
    name += std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' ? ch : '_';
  if (name.empty()) name = "model";
  const std::string dir = ui.export_dir.empty() ? "cnnlab-models" : ui.export_dir + "/models";
  return dir + "/" + name + ".toml";
}

bool editor_save(TrainingUi& ui, const std::string& path_in) {
  ModelEditor& e = ui.editor;
  if (std::string why = editor_blocker(ui); !why.empty()) {
    e.note = "Not saved: " + why;
    return false;
  }
  if (path_in.empty()) {
    e.note = "Not saved: type the file's path";
    return false;
  }
  std::string path = path_in;
  if (fs::path(path).extension() != ".toml") path += ".toml";
  if (path.find('/') == std::string::npos) path = "./" + path;  // a path, never a preset's name
  try {
    std::error_code ec;
    const fs::path parent = fs::path(path).parent_path();
    if (!parent.empty()) fs::create_directories(parent, ec);
    save_model_spec(e.spec, path);
  } catch (const UserError& err) {
    e.note = std::string("Not saved: ") + err.what();
    return false;
  }
  e.path = path, e.dirty = false;
  e.note = "Saved to " + path;
  return true;
}

bool editor_train(TrainingUi& ui) {
  ModelEditor& e = ui.editor;
  if (std::string why = editor_train_blocker(ui); !why.empty()) {
    e.note = "Cannot train: " + why;
    return false;
  }
  if ((e.path.empty() || e.dirty) &&
      !editor_save(ui, e.path.empty() ? editor_default_path(ui) : e.path))
    return false;
  const SpecCheck& c = editor_check(ui);
  PresetChoice choice{e.path, e.spec.image_size, c.model.num_params(),
                      "",     e.spec.fit.epochs, e.spec.fit.batch_size};
  choice.label = e.spec.name + " (" + fs::path(e.path).filename().string() + "), " +
                 std::to_string(e.spec.image_size) + "×" + std::to_string(e.spec.image_size) +
                 " (" + with_commas(choice.params) + " parameters)";
  auto same = [&](const PresetChoice& p) {
    return p.preset == choice.preset && p.image_size == choice.image_size;
  };
  auto it = std::find_if(ui.presets.begin(), ui.presets.end(), same);
  if (it == ui.presets.end()) it = ui.presets.insert(ui.presets.end(), choice);
  *it = choice;  // its parameter count may have changed
  choose_preset(ui, int(it - ui.presets.begin()));
  send_load(ui);
  if (!ui.form.folder_ok) {
    e.note = "The model is the form's now, but the dataset folder cannot be used: " +
             ui.form.folder_note;
    return false;
  }
  e.note = "Loading " + e.path + " with the data in " + ui.form.data_dir;
  e.open = false;  // the panels show it load and train
  return true;
}

void editor_key(TrainingUi& ui, EditorKey key) {
  ModelEditor& e = ui.editor;
  if (e.selected < 0 || size_t(e.selected) >= e.spec.layers.size()) return;
  const size_t i = size_t(e.selected);
  if (key == EditorKey::Delete) {
    remove_layer(e.spec, i);
    e.selected = std::min(e.selected, int(e.spec.layers.size()) - 1);
  } else {
    const size_t to = move_layer(e.spec, i, key == EditorKey::MoveUp ? -1 : +1);
    if (to == i) return;  // at the top or bottom already: nothing changed
    e.selected = int(to);
  }
  editor_changed(ui);
}

ComputeRate editor_rate(TrainingUi& ui) {
  ModelEditor& e = ui.editor;
  const Snapshot& s = *ui.snap;
  const size_t epochs = s.history.epochs.size();
  if (epochs > 0 && epochs != e.run_rate_epochs && data_loaded(s)) {
    e.run_rate_epochs = epochs;
    e.run_rate = {};
    try {  // the loaded run's model, rebuilt (not allocated) for its FLOPs
      const Model run = build_preset(s.settings.preset, s.settings.image_size,
                                     int(std::max<size_t>(2, s.class_names.size())));
      const EpochRecord& r = s.history.epochs.back();
      e.run_rate = rate_from_run(run, r.samples, int(s.split.val.size()), r.seconds);
    } catch (const UserError&) {
    }
  }
  if (epochs > 0 && e.run_rate.flops_per_s > 0) return e.run_rate;
  if (e.gemm_flops <= 0) e.gemm_flops = measure_gemm_flops_per_s();
  return rate_from_gemm(e.gemm_flops, ui.form.threads);
}

// =================================================================================================
// [SECTION] small widgets
// =================================================================================================
namespace {

// Puts the next item on this line when `width` still fits, else on a new one (toolbars wrap at
// 1280×720 with the text ×2 instead of running off the panel).
void flow(float width, bool first) {
  if (first) return;
  ImGui::SameLine();
  if (ImGui::GetContentRegionAvail().x < width) ImGui::NewLine();
}

float button_width(const char* label) {
  return ImGui::CalcTextSize(label, nullptr, true).x + ImGui::GetStyle().FramePadding.x * 2;
}

bool flow_button(const char* label, bool enabled, bool first = false) {
  flow(button_width(label), first);
  ImGui::BeginDisabled(!enabled);
  const bool pressed = ImGui::Button(label);
  ImGui::EndDisabled();
  return pressed;
}

std::string shape_text(const LayerInfo& l) {
  if (l.flat) return "(None, " + std::to_string(l.out_c) + ")";
  return "(None, " + std::to_string(l.out_h) + ", " + std::to_string(l.out_w) + ", " +
         std::to_string(l.out_c) + ")";
}

}  // namespace

// =================================================================================================
// [SECTION] the layer list and the selected layer's arguments
// =================================================================================================
namespace {

// One row: "3  Conv2D · 32 filters, 3×3, same, relu", then "conv2d_1 → (None, 64, 64, 32) · 18,496
// params", the loader's words under the layer at fault, and the selected layer's arguments right
// under it. A click selects.
void layer_args(TrainingUi& ui);
void layer_row(TrainingUi& ui, const SpecCheck& c, size_t i) {
  ModelEditor& e = ui.editor;
  const LayerSpec& l = e.spec.layers[i];
  const bool built = i < c.built && i + 1 < c.model.layers().size();
  const bool selected = e.selected == int(i);
  ImGui::PushID(int(i));
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImGui::BeginGroup();
  const std::string args = layer_args_text(l);
  ImGui::TextWrapped("%2zu  %s%s%s", i + 1, l.type.c_str(), args.empty() ? "" : " · ",
                     args.c_str());
  const float indent = ImGui::CalcTextSize("00  ").x;
  ImGui::Indent(indent);
  if (built) {
    const LayerInfo& info = c.model.layers()[i + 1];
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextWrapped("%s → %s · %s params", info.name.c_str(), shape_text(info).c_str(),
                       with_commas(info.num_params()).c_str());
    ImGui::PopStyleColor();
  }
  if (c.error_layer == int(i)) {
    ImGui::PushStyleColor(ImGuiCol_Text, kEditorProblem);
    ImGui::TextWrapped("✗ %s", c.error.c_str());
    ImGui::PopStyleColor();
  }
  ImGui::Unindent(indent);
  ImGui::EndGroup();
  if (ImGui::IsItemClicked()) e.selected = int(i);
  float y1 = ImGui::GetItemRectMax().y;
  if (selected) {  // its arguments, inside the same frame
    ImGui::Indent(indent);
    layer_args(ui);
    ImGui::Unindent(indent);
    y1 = ImGui::GetItemRectMax().y;
  }
  const ImVec2 p1(p0.x + ImGui::GetContentRegionAvail().x, y1);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  if (selected) record_rect(ui, "editor.args", p0, p1);
  if (selected)
    dl->AddRect(ImVec2(p0.x - 3, p0.y - 2), ImVec2(p1.x, p1.y + 3),
                ImGui::GetColorU32(ImGuiCol_ButtonActive), 3.0f, 0,
                std::max(2.0f, ImGui::GetFontSize() * 0.12f));
  else if (c.error_layer == int(i))
    dl->AddRect(ImVec2(p0.x - 3, p0.y - 2), ImVec2(p1.x, p1.y + 2),
                ImGui::GetColorU32(kEditorProblem));
  ImGui::PopID();
  ImGui::Dummy(ImVec2(1, ImGui::GetStyle().ItemSpacing.y));
}

void add_layer_menu(TrainingUi& ui) {
  ModelEditor& e = ui.editor;
  if (!ImGui::BeginPopup("add layer")) return;
  ImGui::TextDisabled("Insert after layer %d", e.selected + 1);
  for (const std::string& t : editable_layer_types()) {
    if (t == "RandomFlip") ImGui::Separator();
    if (ImGui::Selectable(t.c_str())) {
      const size_t at = e.spec.layers.empty() ? 0 : size_t(e.selected) + 1;
      insert_layer(e.spec, at, default_layer(t));
      e.selected = int(std::min(at, e.spec.layers.size() - 1));
      editor_changed(ui);
    }
  }
  ImGui::EndPopup();
}

void layer_buttons(TrainingUi& ui) {
  ModelEditor& e = ui.editor;
  const bool any = e.selected >= 0 && size_t(e.selected) < e.spec.layers.size();
  if (flow_button("+ Add layer", true, true)) ImGui::OpenPopup("add layer");
  add_layer_menu(ui);
  if (flow_button("↑ Up", any && e.selected > 0)) editor_key(ui, EditorKey::MoveUp);
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("Alt+↑");
  if (flow_button("↓ Down", any && size_t(e.selected) + 1 < e.spec.layers.size()))
    editor_key(ui, EditorKey::MoveDown);
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("Alt+↓");
  if (flow_button("✗ Remove", any)) editor_key(ui, EditorKey::Delete);
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("Delete");
}

// What each argument does, in Keras's terms (one line each: the tooltips).
constexpr const char* kTipFilters =
    "filters: how many kernels, so how many output channels (feature maps) the layer makes";
constexpr const char* kTipKernel =
    "kernel_size: each filter's window, k x k pixels (Keras writes 3 or (3, 3))";
constexpr const char* kTipConvStrides =
    "strides: how far the window moves per step; 2 halves the output's height and width";
constexpr const char* kTipPoolSize =
    "pool_size: the k x k window reduced to one value (its max or mean); 2 halves height and width";
constexpr const char* kTipPoolStrides =
    "strides: how far the pool window moves per step; Keras's default is pool_size (no overlap)";
constexpr const char* kTipPadding =
    "padding: \"valid\" uses whole windows only (the output shrinks), \"same\" pads with zeros "
    "to keep the size";
constexpr const char* kTipActivation =
    "activation: relu keeps positives, linear passes values on, softmax makes the last layer's "
    "class probabilities";
constexpr const char* kTipL2 =
    "kernel_regularizer l2: adds l2 x (sum of squared weights) to the loss, pulling weights "
    "towards 0; 0 = none; Keras's \"l2\" is 0.01";
constexpr const char* kTipClasses =
    "units = \"classes\": as many units as the data has classes (the last Dense layer)";
constexpr const char* kTipUnits = "units: how many neurons (outputs) the Dense layer has";
constexpr const char* kTipRate =
    "rate: the fraction of inputs set to 0 in each training step (not at inference); Keras "
    "uses 0.2 to 0.5";
constexpr const char* kTipMomentum =
    "momentum: how much of the old moving mean/variance each batch keeps; Keras default 0.99; "
    "with few batches per epoch use 0.9";
constexpr const char* kTipEpsilon =
    "epsilon: added to the variance before its square root, so nothing divides by 0; Keras "
    "default 0.001";
constexpr const char* kTipFlip =
    "mode: the flips RandomFlip may apply to a training image (each with probability 1/2)";
constexpr const char* kTipRotation =
    "factor: the rotation range as a fraction of a full turn: [-0.05, 0.05] is up to 18 degrees "
    "either way";
constexpr const char* kTipZoomHeight =
    "height_factor: the zoom range as a fraction of the height: negative zooms in, positive out";
constexpr const char* kTipZoomOwn =
    "width_factor of its own: unticked, the width zooms as the height does (the aspect ratio "
    "stays)";
constexpr const char* kTipZoomWidth =
    "width_factor: the zoom range as a fraction of the width: negative zooms in, positive out";
constexpr const char* kTipShiftHeight =
    "height_factor: the vertical shift range as a fraction of the height, e.g. [-0.1, 0.1]";
constexpr const char* kTipShiftWidth =
    "width_factor: the horizontal shift range as a fraction of the width, e.g. [-0.1, 0.1]";
constexpr const char* kTipContrast =
    "factor: the contrast is scaled by a random amount in [1 - lower, 1 + upper]; each in [0, 1]";
constexpr const char* kTipBrightness =
    "factor: the brightness shift range as a fraction of value_range, within [-1, 1]";
constexpr const char* kTipValueRange =
    "value_range: the pixels' [low, high] (cnnlab's images: [0, 255]); results are clipped to it";
constexpr const char* kTipFillMode =
    "fill_mode: how pixels from outside the image are filled: mirrored (reflect), fill_value "
    "(constant) or the edge's (nearest)";
constexpr const char* kTipInterpolation =
    "interpolation: how a moved pixel is read: bilinear blends four neighbours, nearest takes one";
constexpr const char* kTipFillValue =
    "fill_value: the value pixels from outside the image get when fill_mode is constant";

bool augment_args(LayerSpec& l) {
  bool ch = false;
  if (l.type == "RandomFlip")
    return choice_field("mode", l.mode, {"horizontal", "vertical", "horizontal_and_vertical"},
                        kTipFlip);
  const bool zoom = l.type == "RandomZoom", shift = l.type == "RandomTranslation";
  const char* factor_tip = zoom                           ? kTipZoomHeight
                           : shift                        ? kTipShiftHeight
                           : l.type == "RandomContrast"   ? kTipContrast
                           : l.type == "RandomBrightness" ? kTipBrightness
                                                          : kTipRotation;
  ch |=
      pair_field(zoom || shift ? "height_factor" : "factor", l.factor_lo, l.factor_hi, factor_tip);
  if (l.type == "RandomContrast" || l.type == "RandomBrightness")
    return ch | pair_field("value_range", l.value_lo, l.value_hi, kTipValueRange);
  if (zoom) ch |= check_field("width_factor of its own", l.has_width, kTipZoomOwn);
  if (shift || (zoom && l.has_width))
    ch |= pair_field("width_factor", l.width_lo, l.width_hi, zoom ? kTipZoomWidth : kTipShiftWidth);
  ch |= choice_field("fill_mode", l.fill_mode, {"reflect", "constant", "nearest"}, kTipFillMode);
  ch |= choice_field("interpolation", l.interpolation, {"bilinear", "nearest"}, kTipInterpolation);
  if (l.fill_mode == "constant") ch |= float_field("fill_value", l.fill_value, 1, kTipFillValue);
  return ch;
}

// Conv2D, the pools, Dense, Dropout and BatchNormalization: their arguments.
bool core_args(LayerSpec& l) {
  bool ch = false;
  if (l.type == "Conv2D") {
    ch |= int_field("filters", l.filters, kTipFilters);
    ch |= int_field("kernel_size", l.kernel_size, kTipKernel);
    ch |= int_field("strides", l.strides, kTipConvStrides);
  } else if (l.type == "MaxPooling2D" || l.type == "AveragePooling2D") {
    const int before = l.pool_size;
    if (int_field("pool_size", l.pool_size, kTipPoolSize)) {
      if (l.strides == before) l.strides = l.pool_size;  // strides follow the pool, as Keras's
      ch = true;
    }
    ch |= int_field("strides", l.strides, kTipPoolStrides);
    if (l.type == "MaxPooling2D") ImGui::TextDisabled("padding: valid (the only one here)");
  } else if (l.type == "Dense") {
    ch |=
        check_field("units = \"classes\" (as many as the data has)", l.units_classes, kTipClasses);
    if (!l.units_classes) ch |= int_field("units", l.units, kTipUnits);
  } else if (l.type == "Dropout") {
    ch |= float_field("rate", l.rate, 0.05f, kTipRate);
  } else if (l.type == "BatchNormalization") {
    ch |= float_field("momentum", l.momentum, 0.01f, kTipMomentum);
    ch |= float_field("epsilon", l.epsilon, 0.0001f, kTipEpsilon);
  }
  if (l.type == "Conv2D" || l.type == "AveragePooling2D")
    ch |= choice_field("padding", l.padding, {"valid", "same"}, kTipPadding);
  if (l.type == "Conv2D" || l.type == "Dense") {
    ch |= choice_field("activation", l.activation, {"relu", "linear", "softmax"}, kTipActivation);
    ch |= float_field("L2 (kernel)", l.l2, 0.0001f, kTipL2);
  }
  return ch;
}

// The selected layer's arguments, each with its widget; the checks run on every change.
void layer_args(TrainingUi& ui) {
  ModelEditor& e = ui.editor;
  if (e.selected < 0 || size_t(e.selected) >= e.spec.layers.size()) return;
  LayerSpec& l = e.spec.layers[size_t(e.selected)];
  bool ch = false;
  if (l.type == "Flatten" || l.type == "GlobalAveragePooling2D")
    ImGui::TextDisabled("%s has no arguments.", l.type.c_str());
  else
    ch = is_augment_type(l.type) ? augment_args(l) : core_args(l);
  if (ch) editor_changed(ui);
}

void layer_list(TrainingUi& ui) {
  ModelEditor& e = ui.editor;
  const SpecCheck& c = editor_check(ui);
  heading("Layers");
  const int in = e.spec.image_size;
  layer_buttons(ui);
  ImGui::TextDisabled("Input (None, %d, %d, 3)", in, in);
  for (size_t i = 0; i < e.spec.layers.size(); ++i) {
    if (e.scroll_to == int(i)) scroll_here(e);
    layer_row(ui, c, i);
  }
  if (e.spec.layers.empty()) ImGui::TextDisabled("No layers yet: add one.");
}

}  // namespace

// =================================================================================================
// [SECTION] live numbers: parameters, memory, epoch time, summary
// =================================================================================================
namespace {

void model_numbers(TrainingUi& ui) {
  const SpecCheck& c = editor_check(ui);
  const Snapshot& s = *ui.snap;
  heading("Size, memory and time");
  if (!c.ok) {
    ImGui::PushStyleColor(ImGuiCol_Text, kEditorProblem);
    ImGui::TextWrapped("✗ Cannot save or train: %s", editor_blocker(ui).c_str());
    ImGui::PopStyleColor();
    return;
  }
  std::vector<std::pair<std::string, size_t>> params;
  for (size_t i = 1; i < c.model.layers().size(); ++i)
    if (c.model.layers()[i].num_params())
      params.push_back({c.model.layers()[i].name, c.model.layers()[i].num_params()});
  draw_param_budget(ui, params, c.model.num_params());
  const bool loaded = data_loaded(s);
  const MemoryPlan plan = editor_memory_plan(ui);
  ImGui::PushStyleColor(ImGuiCol_Text,
                        plan.fits() ? ImGui::GetStyleColorVec4(ImGuiCol_Text) : kEditorProblem);
  ImGui::TextWrapped("%s Memory at batch %d: %s", plan.fits() ? "✓" : "✗", editor_batch_size(ui),
                     plan.describe().c_str());
  if (!plan.fits()) ImGui::TextWrapped("Cannot train: %s", plan.advice().c_str());
  ImGui::PopStyleColor();
  const int train = loaded ? int(s.split.train.size()) : kAssumedTrain;
  const int val = loaded ? int(s.split.val.size()) : kAssumedVal;
  const ComputeRate rate = editor_rate(ui);
  const double sec = estimate_epoch_seconds(c.model, train, val, rate);
  ImGui::Text("%s (estimate)", format_epoch_estimate(sec).c_str());
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextWrapped(
      "%.2f GFLOP per training image × %d training + forward × %d validation "
      "images%s, at the rate of %s.",
      training_flops(c.model) / 1e9, train, val, loaded ? "" : " (assumed: the flowers)",
      rate.source.c_str());
  ImGui::PopStyleColor();
}

void summary_table(TrainingUi& ui) {
  ModelEditor& e = ui.editor;
  editor_check(ui);
  heading("Keras summary");
  if (e.summary.empty()) {
    ImGui::TextDisabled("(appears once the model is whole)");
    return;
  }
  // At least 10 lines: at 1280×720 the numbers above leave it almost none (the column scrolls).
  const float em = ImGui::GetFontSize();
  const float h = ImGui::GetContentRegionAvail().y < 10 * em ? 10 * em : 0;
  ImGui::BeginChild("editor_summary", ImVec2(0, h), true, ImGuiWindowFlags_HorizontalScrollbar);
  if (ui.mono) ImGui::PushFont(ui.mono);
  ImGui::TextUnformatted(e.summary.c_str());
  if (ui.mono) ImGui::PopFont();
  ImGui::EndChild();
}

}  // namespace

// =================================================================================================
// [SECTION] the toolbar and its dialogs
// =================================================================================================
namespace {

void new_menu(TrainingUi& ui) {
  if (!ImGui::BeginPopup("new model")) return;
  const Snapshot& s = *ui.snap;
  if (s.state != RunState::Empty && !s.summary.empty()) {
    const std::string label = "The loaded model (" + s.settings.preset + ", " +
                              std::to_string(s.settings.image_size) + "×" +
                              std::to_string(s.settings.image_size) + ")";
    if (ImGui::Selectable(label.c_str())) editor_load(ui, s.settings.preset, s.settings.image_size);
    ImGui::Separator();
  }
  for (const std::string& name : model_file_names())
    if (ImGui::Selectable(("Preset: " + name).c_str())) editor_load(ui, name);
  ImGui::EndPopup();
}

// Open and Save as: a path typed into a modal (ImGui 1.86 has no file dialog).
void path_dialog(TrainingUi& ui, bool save) {
  ModelEditor& e = ui.editor;
  const char* id = save ? "Save model as" : "Open model file";
  bool& ask = save ? e.ask_save : e.ask_open;
  if (ask) ImGui::OpenPopup(id), ask = false;
  if (!ImGui::BeginPopupModal(id, nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
  ImGui::TextUnformatted(save ? "Save to (a .toml file):" : "Model file (.toml):");
  // A fixed width: -1 in a window that sizes itself to its content would collapse.
  ImGui::SetNextItemWidth(std::min(ImGui::GetIO().DisplaySize.x * 0.8f, ImGui::GetFontSize() * 36));
  if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
  const bool enter =
      ImGui::InputText("##path", &e.file_input, ImGuiInputTextFlags_EnterReturnsTrue);
  if (ImGui::Button(save ? "Save" : "Open") || enter) {
    if (save)
      editor_save(ui, e.file_input);
    else
      editor_load(ui, e.file_input);
    ImGui::CloseCurrentPopup();
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

void discard_dialog(TrainingUi& ui) {
  ModelEditor& e = ui.editor;
  if (e.ask_discard) ImGui::OpenPopup("Discard changes?"), e.ask_discard = false;
  if (!ImGui::BeginPopupModal("Discard changes?", nullptr, ImGuiWindowFlags_AlwaysAutoResize))
    return;
  ImGui::Text("'%s' has unsaved changes.", e.spec.name.c_str());
  ImGui::Text("Open '%s' and lose them?", e.pending.c_str());
  if (ImGui::Button("Discard and open")) {
    editor_load(ui, e.pending, e.pending_size, true);
    ImGui::CloseCurrentPopup();
  }
  ImGui::SameLine();
  if (ImGui::Button("Keep editing")) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

void toolbar(TrainingUi& ui) {
  ModelEditor& e = ui.editor;
  const bool can = editor_blocker(ui).empty();
  if (flow_button("New from…", true, true)) ImGui::OpenPopup("new model");
  new_menu(ui);
  if (flow_button("Open…", true)) e.file_input = e.path, e.ask_open = true;
  if (flow_button("Save", can)) {
    if (e.path.empty())
      e.file_input = editor_default_path(ui), e.ask_save = true;
    else
      editor_save(ui, e.path);
  }
  if (flow_button("Save as…", can))
    e.file_input = e.path.empty() ? editor_default_path(ui) : e.path, e.ask_save = true;
  // Narrow (1280×720 with the text ×2): the short label keeps the toolbar on one row.
  const bool narrow = ImGui::GetContentRegionAvail().x < 56 * ImGui::GetFontSize();
  const bool can_train = can && editor_train_blocker(ui).empty();
  if (flow_button(narrow ? "▶ Train###train" : "▶ Train this model###train", can_train))
    editor_train(ui);
  if (flow_button("Back to training", true)) close_model_editor(ui);
  path_dialog(ui, false);
  path_dialog(ui, true);
  discard_dialog(ui);
}

// The model as a whole: its name, input size, file, unsaved state and the last outcome.
void model_fields(TrainingUi& ui) {
  ModelEditor& e = ui.editor;
  const bool hovered = field_label("name");
  if (ImGui::InputText("##name", &e.spec.name)) editor_changed(ui);
  tip(hovered, "name: the model's name in the file (Keras's Sequential(name=...))");
  if (int_field("image_size", e.spec.image_size,
                "image_size: the input is image_size x image_size x 3; photos are resized to it"))
    editor_changed(ui);
  const SpecCheck& c = editor_check(ui);
  if (c.error_layer < 0 && c.error_fit.empty() && !c.ok) {  // [fit]'s own show in its section
    ImGui::PushStyleColor(ImGuiCol_Text, kEditorProblem);
    ImGui::TextWrapped("✗ %s", c.error.c_str());
    ImGui::PopStyleColor();
  }
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextWrapped("%s%s", e.path.empty() ? "not saved yet" : e.path.c_str(),
                     e.dirty ? " · ● unsaved changes" : "");
  ImGui::PopStyleColor();
  if (!e.note.empty()) ImGui::TextWrapped("%s", e.note.c_str());
}

}  // namespace

// =================================================================================================
// [SECTION] the panel
// =================================================================================================
namespace {

// Alt+↑/↓ and Delete, only while no text field has the keyboard (its arrows and Delete are its
// own).
void editor_keys(TrainingUi& ui) {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput || ImGui::IsPopupOpen("", ImGuiPopupFlags_AnyPopupId)) return;
  if (io.KeyAlt && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_UpArrow)))
    editor_key(ui, EditorKey::MoveUp);
  if (io.KeyAlt && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_DownArrow)))
    editor_key(ui, EditorKey::MoveDown);
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Delete), false))
    editor_key(ui, EditorKey::Delete);
}

}  // namespace

void draw_model_editor_panel(TrainingUi& ui) {
  if (!ui.editor.started) open_model_editor(ui);
  panel_header(ui, "Model editor", "editor");
  toolbar(ui);
  editor_keys(ui);
  const float em = ImGui::GetFontSize();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  if (avail.x >= 64 * em) {  // side by side: layers left, numbers and summary right
    const float left = std::floor(avail.x * 0.48f);
    ImGui::BeginChild("editor_layers", ImVec2(left, 0), true);
    model_fields(ui);
    layer_list(ui);
    fit_section(ui);
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("editor_numbers", ImVec2(0, 0), true);
    model_numbers(ui);
    summary_table(ui);
    ImGui::EndChild();
  } else {  // one column that scrolls (1280×720 with the text ×2)
    ImGui::BeginChild("editor_all", ImVec2(0, 0), true);
    model_fields(ui);
    layer_list(ui);
    fit_section(ui);
    model_numbers(ui);
    const float h = std::max(12 * em, ImGui::GetContentRegionAvail().y);
    ImGui::BeginChild("editor_summary_box", ImVec2(0, h), false);
    summary_table(ui);
    ImGui::EndChild();
    ImGui::EndChild();
  }
}

}  // namespace cnnlab
