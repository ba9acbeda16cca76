// train/setup.h — turning user settings into a run: the presets' image sizes, the default dataset
// folder, validation of settings and of the split, the memory plan checked before anything big is
// allocated, and checkpoint metadata. Shared by the CLI and the GUI.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "data/split.h"
#include "nn/model.h"

namespace cnnlab {

// The model presets with the image size each is made for (its file's image_size), in the window's
// menu order; the course models also at 64×64, small enough to train live.
struct PresetSize {
  std::string preset;
  int image_size = 0;
};
std::vector<PresetSize> preset_table();
// The preset's (or model file's) default image size: the file's image_size (course 299, small 64,
// tiny 32, compact 192), 299 if it has none or cannot be read.
int default_image_size(const std::string& preset);

// The dataset folder when none is given: $CNNLAB_DATA if it is a folder, else `fallback` if that is
// one, else $CNNLAB_DATA as set (so a wrong value is reported with its path), else "".
std::string default_data_dir(const std::string& fallback = {});

// The largest --seed: numpy's RandomState (whose permutation the split reproduces) takes 32 bits.
constexpr uint64_t kMaxSeed = 4294967295u;

struct RunSettings {
  std::string data_dir;
  std::string preset = "course";
  int image_size = 299;
  int epochs = 25;
  int batch_size = 32;
  float learning_rate = 0.001f;
  uint64_t seed = 42;
  double test_size = 0.2;
  double validation_split = 0.1;
  int threads = 2;
  // Keras callbacks (train/callbacks.h): -1 = as the model file's [fit] table says, 0 = off,
  // N = on with patience N (--early-stopping N, --reduce-lr N).
  int early_stopping = -1, reduce_lr = -1;
};

// Throws UserError naming the setting (e.g. "--batch-size") and why it is impossible.
void validate_settings(const RunSettings& s);

// What differs between the settings a loaded run uses and the ones wanted (the window's form), by
// the setting's name: those a running trainer takes between batches (the worker's ApplySettings),
// and those only a reload can change (they decode the images again or rebuild the model).
struct SettingsChanges {
  std::vector<std::string> live;  // "epochs", "batch size", "learning rate", "seed", "threads",
                                  // "early stopping", "reduce lr"
  std::vector<std::string>
      reload;  // "data folder", "model", "image size", "test size", "validation split"
  bool any() const { return !live.empty() || !reload.empty(); }
  bool has(const std::string& name) const;  // in either list
};
SettingsChanges settings_changes(const RunSettings& applied, const RunSettings& wanted);
// The reload button's words: "Reload data" when no reload setting changed, else e.g.
// "Reload data (image size changed)" or "Reload data (data folder, image size changed)".
std::string reload_button_label(const SettingsChanges& c);
// Throws UserError naming --test-size or --validation-split when the split leaves nothing to train
// on.
void check_split(const Split& split, const RunSettings& s);

// Memory the run needs, estimated before allocating (model state, one batch's activations and
// scratch, the decoded dataset, the trainer's batch buffers) against what the machine has.
struct MemoryPlan {
  MemoryEstimate model;
  size_t data_bytes = 0, batch_bytes = 0;
  size_t available = 0;  // 0 = unknown
  size_t total() const { return model.total() + data_bytes + batch_bytes; }
  bool fits() const { return available == 0 || total() <= available; }
  std::string describe()
      const;  // one line: "parameters 1.40 GB, gradients …, total 6.2 GB of 22 GB available"
  std::string advice() const;  // what to change when it does not fit
};
MemoryPlan plan_memory(const Model& model, int batch_size, size_t num_images);

// Checkpoint metadata: class names, scaling, image size and the settings that made it.
std::map<std::string, std::string> checkpoint_metadata(const std::vector<std::string>& class_names,
                                                       const Scaling& scaling,
                                                       const RunSettings& settings,
                                                       int epochs_completed);
struct CheckpointInfo {
  std::vector<std::string> class_names;
  Scaling scaling;
  int epochs_completed = 0;
};
// Reads what checkpoint_metadata wrote; UserError(path, ...) if a key is missing or malformed.
CheckpointInfo read_checkpoint_info(const std::map<std::string, std::string>& meta,
                                    const std::string& path, int num_classes);

}  // namespace cnnlab
