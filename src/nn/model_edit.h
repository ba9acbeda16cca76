// nn/model_edit.h — a model being edited (the window's model editor): layers as Keras arguments,
// the edit operations (add, remove, move), checking through the model file loader (so problems
// read exactly as a file's would, pinned to a layer) and writing/reading model files.
#pragma once
#include <string>
#include <vector>

#include "nn/model.h"

namespace cnnlab {

// One [[layer]] of a model file, every argument the editor offers (only those of `type` are
// written). Defaults are Keras's where it has one.
struct LayerSpec {
  std::string type = "Dense";  // Keras class name: "Conv2D", "MaxPooling2D", ...
  int filters = 32, kernel_size = 3, strides = 1;  // Conv2D (strides also for the pools)
  int pool_size = 2;                               // MaxPooling2D / AveragePooling2D
  int units = 64;                                  // Dense
  bool units_classes = false;                      // Dense: units = "classes"
  std::string padding = "valid";                   // "valid" / "same"
  std::string activation = "linear";               // "linear" / "relu" / "softmax"
  float l2 = 0;                                    // kernel_regularizer l2 (0 = none)
  float rate = 0.5f;                               // Dropout
  float momentum = 0.99f, epsilon = 1e-3f;         // BatchNormalization
  // Random* (data/augment.h): factor (height_factor for Zoom/Translation) as [lo, hi]; width.
  std::string mode = "horizontal";  // RandomFlip
  float factor_lo = -0.1f, factor_hi = 0.1f;
  bool has_width = false;  // RandomZoom: width_factor given (RandomTranslation: always written)
  float width_lo = -0.1f, width_hi = 0.1f;
  std::string fill_mode = "reflect", interpolation = "bilinear";
  float fill_value = 0;
  float value_lo = 0, value_hi = 255;  // RandomContrast / RandomBrightness value_range
  bool operator==(const LayerSpec&) const = default;
};

struct ModelSpec {
  std::string name = "untitled";
  int image_size = 128;
  std::vector<LayerSpec> layers;  // no input layer: the file's [[layer]] tables in order
  FitConfig fit;                  // the [fit] table (epochs, EarlyStopping, ReduceLROnPlateau)
  bool operator==(const ModelSpec&) const = default;
};

// The layer kinds the engine builds, in the editor's "Add layer" menu order.
const std::vector<std::string>& editable_layer_types();
bool is_augment_type(const std::string& type);  // "Random..."
// A new layer of `type` with sensible arguments (Conv2D 32 3x3 same relu, Dense 64 relu, ...).
LayerSpec default_layer(const std::string& type);
// The arguments worth a glance, e.g. "32 filters, 3×3, same, relu" or "rate 0.3".
std::string layer_args_text(const LayerSpec& l);

// Edits. Indices are into spec.layers; out-of-range ones do nothing.
void insert_layer(ModelSpec& spec, size_t at, const LayerSpec& layer);  // at > size: appends
void remove_layer(ModelSpec& spec, size_t i);
// Swaps layer i with its neighbour (delta -1 up, +1 down); returns the layer's new index.
size_t move_layer(ModelSpec& spec, size_t i, int delta);

// The model file text. `layer_lines` (optional) gets each layer's [[layer]] header line (1-based).
// A negative fit.epochs or kernel l2 is written too, so that the loader rejects it rather than the
// file silently dropping it.
std::string spec_to_toml(const ModelSpec& spec, std::vector<int>* layer_lines = nullptr);
// Reads a model file's text (UserError "PATH:LINE: reason" when the loader rejects it).
ModelSpec spec_from_toml(const std::string& text, const std::string& path);
ModelSpec load_model_spec(const std::string& path_or_preset);  // a preset name or a file
// Writes spec_to_toml atomically (core/fileio); UserError naming the path on failure.
void save_model_spec(const ModelSpec& spec, const std::string& path);

// The spec checked by the model file loader (num_classes as model_from_toml takes it; memory is
// not checked here: the caller plans it for its batch and data).
struct SpecCheck {
  bool ok = false;
  std::string error;     // the loader's reason, then "(hint)" if it gives one; "" when ok
  int error_layer = -1;  // index into spec.layers of the layer at fault; -1: the model as a whole
  // The [fit] table is at fault (error_layer -1): "epochs", "early_stopping" or
  // "reduce_lr_on_plateau" (the line the loader named), "[fit]" for the table itself; "" if not.
  std::string error_fit;
  // ok: the whole model. Else the layers before error_layer as the loader builds them (for their
  // shapes) followed by a throwaway tail, or an empty model when even those cannot be shown; with
  // the problem in [fit], every layer (the model without its [fit] table).
  Model model;
  size_t built = 0;  // how many of spec.layers `model` shows (model.layers()[i + 1] is layer i)
};
SpecCheck check_spec(const ModelSpec& spec, int num_classes = -1);

}  // namespace cnnlab
