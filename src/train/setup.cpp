// train/setup.cpp — preset sizes, the default data folder, settings checks, the memory plan,
// checkpoint metadata.
#include "train/setup.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "core/error.h"
#include "core/sysinfo.h"
#include "nn/model_file.h"
#include "nn/serialize.h"

namespace cnnlab {

int default_image_size(const std::string& preset) {
  try {  // a model file's own image_size
    const int size = model_file_image_size(model_file_path(preset));
    return size > 0 ? size : 299;
  } catch (const UserError&) {
    return 299;  // building the model reports the file's problem with its line
  }
}

std::vector<PresetSize> preset_table() {
  return {{"course", default_image_size("course")},
          {"course", 64},
          {"course-regularised", default_image_size("course-regularised")},
          {"course-regularised", 64},
          {"compact", default_image_size("compact")},
          {"small", default_image_size("small")},
          {"tiny", default_image_size("tiny")}};
}

std::string default_data_dir(const std::string& fallback) {
  namespace fs = std::filesystem;
  const char* env = std::getenv("CNNLAB_DATA");
  std::error_code ec;
  if (env && *env && fs::is_directory(env, ec)) return env;
  if (!fallback.empty() && fs::is_directory(fallback, ec))
    return fs::weakly_canonical(fallback, ec).string();
  return env ? env : "";
}

void validate_settings(const RunSettings& s) {
  auto bad = [](const char* opt, const std::string& why, const std::string& hint = {}) {
    throw UserError(opt, why, hint);
  };
  if (s.epochs < 1) bad("--epochs", "must be at least 1");
  if (s.batch_size < 1) bad("--batch-size", "must be at least 1");
  if (s.batch_size > 4096) bad("--batch-size", "is larger than 4096", "the course uses 32");
  if (!(s.learning_rate > 0) || !std::isfinite(s.learning_rate) || s.learning_rate > 10)
    bad("--learning-rate", "must be a positive number (at most 10)",
        "Keras's Adam default is 0.001");
  if (!(s.test_size > 0 && s.test_size < 1))
    bad("--test-size", "must be between 0 and 1 (exclusive)", "the course uses 0.2");
  if (!(s.validation_split >= 0 && s.validation_split < 1))
    bad("--validation-split", "must be in [0, 1)", "the course uses 0.1");
  if (s.image_size < 8 || s.image_size > 2048)
    bad("--image-size", "must be between 8 and 2048 pixels", "the course uses 299");
  if (s.threads < 1 || s.threads > 256) bad("--threads", "must be between 1 and 256");
  if (s.early_stopping < -1 || s.early_stopping > 100000)
    bad("--early-stopping", "must be a patience in epochs (0 turns it off)",
        "Keras examples use 3 to 10");
  if (s.reduce_lr < -1 || s.reduce_lr > 100000)
    bad("--reduce-lr", "must be a patience in epochs (0 turns it off)", "Keras's default is 10");
  if (s.seed > kMaxSeed)
    bad("--seed", "must be a whole number from 0 to 4294967295",
        "numpy's random_state range; the course uses 42");
}

bool SettingsChanges::has(const std::string& name) const {
  return std::find(live.begin(), live.end(), name) != live.end() ||
         std::find(reload.begin(), reload.end(), name) != reload.end();
}

SettingsChanges settings_changes(const RunSettings& a, const RunSettings& b) {
  SettingsChanges c;
  if (a.epochs != b.epochs) c.live.push_back("epochs");
  if (a.batch_size != b.batch_size) c.live.push_back("batch size");
  if (a.learning_rate != b.learning_rate) c.live.push_back("learning rate");
  if (a.seed != b.seed) c.live.push_back("seed");
  if (a.threads != b.threads) c.live.push_back("threads");
  if (a.early_stopping != b.early_stopping) c.live.push_back("early stopping");
  if (a.reduce_lr != b.reduce_lr) c.live.push_back("reduce lr");
  if (a.data_dir != b.data_dir) c.reload.push_back("data folder");
  if (a.preset != b.preset) c.reload.push_back("model");
  if (a.image_size != b.image_size) c.reload.push_back("image size");
  if (a.test_size != b.test_size) c.reload.push_back("test size");
  if (a.validation_split != b.validation_split) c.reload.push_back("validation split");
  return c;
}

std::string reload_button_label(const SettingsChanges& c) {
  if (c.reload.empty()) return "Reload data";
  std::string s = "Reload data (";
  for (size_t i = 0; i < c.reload.size(); ++i) s += (i ? ", " : "") + c.reload[i];
  return s + " changed)";
}

void check_split(const Split& split, const RunSettings& s) {
  if (!split.train.empty()) return;
  size_t rest = split.val.size();  // what the test split left, all of it taken for validation
  if (rest == 0)
    throw UserError("--test-size", "leaves no images for training",
                    "use a smaller fraction; the course uses 0.2");
  char why[160];
  std::snprintf(why, sizeof why,
                "%g leaves no training images: it takes all %zu image(s) left after the test split "
                "for validation",
                s.validation_split, rest);
  throw UserError("--validation-split", why, "use a smaller fraction; the course uses 0.1");
}

MemoryPlan plan_memory(const Model& model, int batch_size, size_t num_images) {
  MemoryPlan p;
  p.model = model.estimate_memory(batch_size);
  size_t per_image = size_t(model.input_h()) * model.input_w() * model.input_c();
  p.data_bytes = num_images * per_image;  // uint8
  p.batch_bytes = size_t(batch_size) * (per_image * sizeof(float) + sizeof(int) +
                                        size_t(model.num_classes()) * sizeof(float));
  p.available = available_memory_bytes();
  return p;
}

std::string MemoryPlan::describe() const {
  std::string s =
      "parameters " + format_bytes(double(model.params)) + ", gradients " +
      format_bytes(double(model.grads)) + ", Adam moments " + format_bytes(double(model.adam)) +
      ", activations " + format_bytes(double(model.activations + model.scratch + batch_bytes)) +
      ", images " + format_bytes(double(data_bytes)) + " = " + format_bytes(double(total()));
  if (available) s += " (" + format_bytes(double(available)) + " available)";
  return s;
}

std::string MemoryPlan::advice() const {
  return "this run needs " + format_bytes(double(total())) + " but only " +
         format_bytes(double(available)) +
         " is available; use a smaller --image-size (e.g. 128 or 64: the first dense layer "
         "shrinks with the square of it), a smaller --batch-size, or a smaller model "
         "(--model small)";
}

std::map<std::string, std::string> checkpoint_metadata(const std::vector<std::string>& names,
                                                       const Scaling& sc, const RunSettings& s,
                                                       int epochs_completed) {
  char buf[64];
  std::map<std::string, std::string> m;
  m["cnnlab.class_names"] = encode_name_list(names);  // label order; any bytes round-trip
  std::snprintf(buf, sizeof buf, "%.9g", double(sc.mean));
  m["cnnlab.scaling_mean"] = buf;
  std::snprintf(buf, sizeof buf, "%.9g", double(sc.std));
  m["cnnlab.scaling_std"] = buf;
  m["cnnlab.epochs_completed"] = std::to_string(epochs_completed);
  m["cnnlab.seed"] = std::to_string(s.seed);
  m["cnnlab.batch_size"] = std::to_string(s.batch_size);
  std::snprintf(buf, sizeof buf, "%.9g", double(s.learning_rate));
  m["cnnlab.learning_rate"] = buf;
  return m;
}

CheckpointInfo read_checkpoint_info(const std::map<std::string, std::string>& meta,
                                    const std::string& path, int num_classes) {
  auto get = [&](const char* key) -> const std::string& {
    auto it = meta.find(key);
    if (it == meta.end())
      throw UserError(path, std::string("checkpoint metadata lacks '") + key + "'",
                      "was this file written by `cnnlab train --save`?");
    return it->second;
  };
  CheckpointInfo info;
  try {
    info.class_names = decode_name_list(get("cnnlab.class_names"));
  } catch (const std::runtime_error& e) {
    if (dynamic_cast<const UserError*>(&e)) throw;
    throw UserError(path, std::string("bad cnnlab.class_names: ") + e.what());
  }
  if (int(info.class_names.size()) != num_classes)
    throw UserError(path, "checkpoint lists " + std::to_string(info.class_names.size()) +
                              " class names but the model has " + std::to_string(num_classes) +
                              " outputs");
  auto number = [&](const char* key) {  // the whole value, finite
    const std::string& text = get(key);
    char* end = nullptr;
    const float v = std::strtof(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(v))
      throw UserError(
          path, std::string("checkpoint's '") + key + "' is not a finite number: '" + text + "'");
    return v;
  };
  info.scaling.mean = number("cnnlab.scaling_mean");
  info.scaling.std = number("cnnlab.scaling_std");
  if (!(info.scaling.std > 0)) throw UserError(path, "checkpoint has a non-positive scaling std");
  auto it = meta.find("cnnlab.epochs_completed");
  if (it != meta.end()) info.epochs_completed = std::atoi(it->second.c_str());
  return info;
}

}  // namespace cnnlab
