// nn/model_file.h — model files (TOML, Keras's layer vocabulary) to and from a Sequential Model.
//
//   name = "compact"          # optional; shown as the model's preset name
//   image_size = 128          # the default input size (N x N x 3); --image-size overrides it
//   [[layer]]
//   type = "Conv2D"           # Keras class names and argument names
//   filters = 32
//   kernel_size = 3
//   padding = "same"
//   activation = "relu"
//   kernel_regularizer = { l2 = 0.0001 }
//   ...
//   [[layer]]
//   type = "Dense"
//   units = "classes"         # the last layer: as many units as the data has classes
//   activation = "softmax"
//   [fit]                     # optional (nn/fit_config.h): Keras's fit() epochs and callbacks
//   epochs = 60
//   early_stopping = { monitor = "val_loss", patience = 10, restore_best_weights = true }
//   reduce_lr_on_plateau = { factor = 0.5, patience = 5 }
//
// Every problem (TOML syntax, unknown layer or argument, a value out of range, a shape that
// shrinks below one pixel, a model too big for memory) is a UserError "PATH:LINE: reason".
#pragma once
#include <string>
#include <vector>

#include "nn/model.h"

namespace cnnlab {

constexpr size_t kMaxModelFileBytes = 1 << 20;

// Builds the model `text` describes. image_size 0 takes the file's image_size; num_classes 0
// takes the last Dense layer's units as written ("classes" then needs a number: an error);
// num_classes -1 checks the layers alone ("classes" counts as 2, written units are not compared).
// Not allocated. `path` names the file in errors. check_memory: training it at batch 1 must fit in
// the memory available (a checkpoint loaded for inference checks its own, smaller, need).
Model model_from_toml(const std::string& text, const std::string& path, int image_size,
                      int num_classes, bool check_memory = true);
Model load_model_file(const std::string& path, int image_size, int num_classes);

// The file's image_size (0 if it has none); UserError naming the file if it cannot be read.
int model_file_image_size(const std::string& path);

// The [fit] table as a model file writes it ("\n[fit]\nepochs = 120\n..."); "" when it says
// nothing.
std::string fit_to_toml(const FitConfig& f);
// A model file that rebuilds `m` exactly (image_size and units written out, and its [fit] table):
// what checkpoints embed.
std::string model_to_toml(const Model& m);

// Where the shipped model files live: $CNNLAB_MODELS if set, else the source tree's models/
// (or ../share/cnnlab/models next to the executable).
std::string default_model_dir();
// A preset name ("course") → its file in default_model_dir(); anything with a '/' or ending in
// ".toml" is a path, returned as is.
std::string model_file_path(const std::string& name_or_path);
// The preset names (file stems in default_model_dir()), the three originals first.
std::vector<std::string> model_file_names();

}  // namespace cnnlab
