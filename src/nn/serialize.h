// nn/serialize.h — models to and from safetensors files (weights in Keras shapes + model config).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "nn/model.h"

namespace cnnlab {

// Writes PATH atomically: 8-byte little-endian header length, JSON header
// {"conv2d/kernel": {"dtype":"F32","shape":[5,5,3,32],"data_offsets":[b,e]}, ...,
//  "__metadata__": {...}}, then the raw little-endian float32 data. The metadata written is
// `metadata` plus the model's config: "cnnlab.preset", "cnnlab.input" ("H,W,C"),
// "cnnlab.num_classes", "cnnlab.layers" (a JSON array as a string). Adam moments are not saved.
void save_safetensors(const std::string& path, const Model& model,
                      const std::map<std::string, std::string>& metadata = {});

struct LoadedModel {
  Model model;  // rebuilt from the config, allocated for max_batch, weights set
  std::map<std::string, std::string> metadata;  // everything in __metadata__
};
// Checks what the safetensors crate checks (header length and size limit, UTF-8 JSON starting
// with '{', no duplicate keys, F32 tensors whose byte ranges tile the data section exactly), then
// the model config (check_model: what the tools can feed it), the tensor names and shapes, the
// memory available, and that every weight is finite. Any problem is a UserError naming PATH.
// for_training = false allocates for inference only (see Model::allocate).
LoadedModel load_safetensors(const std::string& path, int max_batch, bool for_training = true);

// Reads PATH's weights straight into an allocated `model` (no second model in memory: the course
// model's is 1.4 GB). The file's layer stack must equal the model's, else a UserError naming PATH
// says how they differ. Returns the file's metadata. Adam moments are left as they are. Every check
// (including finite weights) runs before the first weight changes.
std::map<std::string, std::string> load_safetensors_weights(const std::string& path, Model& model);

// Only PATH's __metadata__, with the header checked as load_safetensors checks it (the tensors'
// layout included) but no weight read: for what must be checked before any weight changes.
std::map<std::string, std::string> read_safetensors_metadata(const std::string& path);

// Byte strings (folder names: any bytes but NUL, newlines included) as one metadata value, which
// safetensors requires to be UTF-8: a JSON array whose strings keep valid UTF-8 as is and write '%'
// and every other byte as %XX. decode also reads the first format (one name per line); it throws
// std::runtime_error on a malformed list.
std::string encode_name_list(const std::vector<std::string>& names);
std::vector<std::string> decode_name_list(const std::string& text);

// Tensor names in file order: "conv2d/kernel", "conv2d/bias", ..., "dense_2/bias".
std::vector<std::string> tensor_names(const Model& model);

}  // namespace cnnlab
