// ui/training/training_panels.h — the Training workspace's panels (one file each) and the small
// widgets they share.
#pragma once
#include <imgui.h>

#include <string>
#include <vector>

#include "gfx/featuremap.h"
#include "ui/training/training_state.h"

namespace cnnlab {

// Panels: each draws inside the current child window and reads ui.snap, sends commands via ui.
void draw_train_controls_panel(
    TrainingUi& ui);  // panel_train_controls.cpp: settings, buttons, progress
void draw_train_curves_panel(TrainingUi& ui);   // panel_train_curves.cpp: loss / accuracy per epoch
void draw_train_maps_panel(TrainingUi& ui);     // panel_train_maps.cpp: the probe's feature maps
void draw_train_filters_panel(TrainingUi& ui);  // panel_train_filters.cpp: conv kernels
void draw_train_predictions_panel(
    TrainingUi& ui);  // panel_train_predictions.cpp: probe softmax, gallery
void draw_train_confusion_panel(TrainingUi& ui);  // panel_train_confusion.cpp: confusion matrix
void draw_train_augment_panel(TrainingUi& ui);    // panel_train_augment.cpp: augmented probe strip
void draw_train_model_panel(TrainingUi& ui);   // panel_train_model.cpp: summary, parameter budget
void draw_train_lesson_panel(TrainingUi& ui);  // panel_train_lesson.cpp: lessons for this view
void draw_train_runs_panel(TrainingUi& ui);    // panel_train_runs.cpp: the runs folder's table

// The runs ticked in the runs panel, in the list's order, each with its colour and legend label
// (panel_train_runs.cpp); the curves panel overlays them.
struct TickedRun {
  const RunSummary* run;
  ImU32 color;
  std::string label;  // "tiny s42"
};
std::vector<TickedRun> ticked_runs(const TrainingUi& ui);

// The parameter budget (panel_train_model.cpp): the total, the biggest layer's share, a bar with a
// segment per layer and a legend. The model panel and the model editor draw it.
void draw_param_budget(const TrainingUi& ui,
                       const std::vector<std::pair<std::string, size_t>>& layer_params,
                       size_t num_params);
void draw_train_glance_panel(TrainingUi& ui);  // panel_train_glance.cpp: the network at a glance
// Screenshot tokens of the glance panel: "glance=LAYER:C" enlarges map (or unit) C of LAYER,
// "pixel=Y:X" pins that output pixel. False for other tokens.
bool glance_token(TrainingUi& ui, const std::string& token);
// After the tokens: asks the worker for the pinned pixel's arithmetic and waits for it
// (screenshots).
void glance_wait_inspect(TrainingUi& ui, double timeout_s);

// panel_train_explain.cpp: Grad-CAM and saliency of the probe; File → Open image…'s dialog.
void draw_train_explain_panel(TrainingUi& ui);
void draw_open_image_dialog(TrainingUi& ui);

// ---- shared widgets (training_widgets.cpp)
// ---------------------------------------------------------- Title line with a "PNG" button
// (exports this panel); records the panel's rectangle.
void panel_header(TrainingUi& ui, const char* title, const char* name);
// An image from a GL texture, or a labelled placeholder box when there is none (headless).
void texture_image(GLuint id, ImVec2 size, ImVec2 uv0 = ImVec2(0, 0), ImVec2 uv1 = ImVec2(1, 1));
// A horizontal colour bar with its end labels.
void colorbar(ColormapKind kind, float lo, float hi, float width);
ImU32 to_u32(Rgb c, float alpha = 1.0f);
// "Nice" tick values covering [lo, hi] (1, 2, 5 × 10^k steps), about `count` of them.
std::vector<double> nice_ticks(double lo, double hi, int count);
// `text` shortened with "…" to `w` pixels: a label never runs into its neighbour.
std::string fit_text(std::string text, float w);
// Class name of `label`, or "class N".
std::string class_name(const Snapshot& s, int label);
// Thumbnail of dataset image `index` from the thumbnail atlas (placeholder without GL).
void thumbnail(const TrainingUi& ui, int index, float side);

}  // namespace cnnlab
