// app/cli_export.cpp — `cnnlab export --pytorch DIR` (a model.py nn.Sequential + the weights) and
// `cnnlab import --pytorch FILE` (a PyTorch state_dict back into a lab checkpoint); hidden
// `logits`. [SECTION] torch modules  [SECTION] model.py  [SECTION] export  [SECTION] torch
// safetensors [SECTION] import  [SECTION] logits  [SECTION] registration
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/export_model_py.h"
#include "core/error.h"
#include "core/fileio.h"
#include "data/image.h"
#include "nn/layers.h"
#include "nn/model.h"
#include "nn/serialize.h"
#include "train/setup.h"

namespace cnnlab {
namespace {

//-----------------------------------------------------------------------------
// [SECTION] torch modules: the nn.Sequential that computes what the lab's model computes
//-----------------------------------------------------------------------------
// What a module holds in its state_dict: "<index>.weight" and "<index>.bias" (Conv2d, Linear),
// plus "<index>.running_mean", "<index>.running_var" (and num_batches_tracked) for BatchNorm.
enum class TorchParams { None, Conv, Linear, BatchNorm };

// One module of the Sequential. Parameterised ones name the lab layer whose weights they hold.
struct TorchModule {
  std::string code;     // "nn.Conv2d(3, 32, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))"
  std::string comment;  // "conv2d: (299, 299, 32)"
  int layer = -1;       // lab layer with weights, else -1
  TorchParams params = TorchParams::None;
  std::vector<int> weight_shape;  // PyTorch's: (Cout, Cin, KH, KW), (Out, In) or (C,) for BatchNorm
  // Linear, BatchNorm1d: the (H, W, C) their inputs are flattened from (NHWC in the lab, NCHW in
  // PyTorch); (1, 1, F) after a Dense or GlobalAveragePooling2D layer (nothing to reorder).
  int flat_h = 1, flat_w = 1, flat_c = 0;
  float l2 = 0;  // the lab layer's kernel_regularizer (a loss term in PyTorch: l2_penalty)
};

std::string shape_text(int h, int w, int c) {
  return "(" + std::to_string(h) + ", " + std::to_string(w) + ", " + std::to_string(c) + ")";
}

std::string pair_text(int a, int b) {
  return "(" + std::to_string(a) + ", " + std::to_string(b) + ")";
}

// A float as a Python literal with the digits the model file gave ("0.1", "0.001", "1e-05").
std::string num_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Keras's "same" padding of one axis: (before, after); the extra pixel goes after.
std::pair<int, int> same_pads(int size, int k, int s, int out, Padding p) {
  const int total = p == Padding::Same ? std::max((out - 1) * s + k - size, 0) : 0;
  const int before = conv_pad_before(size, k, s, p);
  return {before, total - before};
}

std::string l2_comment(const LayerInfo& l) {
  return l.l2 > 0 ? "; kernel_regularizer l2=" + num_text(l.l2) + ": a loss term, see l2_penalty"
                  : "";
}

// Keras pads "same" convolutions with the extra pixel after (bottom/right); a Conv2d pads both
// sides alike, so an uneven padding becomes a ZeroPad2d in front of an unpadded Conv2d.
void add_conv(std::vector<TorchModule>& mods, const LayerInfo& in, const LayerInfo& l, int index) {
  const auto [top, bottom] = same_pads(in.out_h, l.kernel_h, l.stride_h, l.out_h, l.padding);
  const auto [left, right] = same_pads(in.out_w, l.kernel_w, l.stride_w, l.out_w, l.padding);
  const std::string out = shape_text(l.out_h, l.out_w, l.out_c);
  std::string padding = pair_text(top, left);
  if (top != bottom || left != right) {
    mods.push_back({"nn.ZeroPad2d((" + std::to_string(left) + ", " + std::to_string(right) + ", " +
                        std::to_string(top) + ", " + std::to_string(bottom) + "))",
                    l.name + ": Keras's \"same\" padding, the extra pixel after"});
    padding = "0";
  }
  TorchModule conv;
  conv.code = "nn.Conv2d(" + std::to_string(in.out_c) + ", " + std::to_string(l.filters) +
              ", kernel_size=" + pair_text(l.kernel_h, l.kernel_w) +
              ", stride=" + pair_text(l.stride_h, l.stride_w) + ", padding=" + padding + ")";
  conv.comment = l.name + ": " + out + l2_comment(l);
  conv.layer = index;
  conv.params = TorchParams::Conv;
  conv.weight_shape = {l.filters, in.out_c, l.kernel_h, l.kernel_w};
  conv.l2 = l.l2;
  mods.push_back(conv);
  if (l.activation == Activation::Relu) mods.push_back({"nn.ReLU()", ""});
}

// AveragePooling2D. Valid: nn.AvgPool2d as is. "same" leaves the padded cells out of each average
// (TF's avg_pool): count_include_pad=False when the padding is even; Keras's uneven padding (the
// extra cell after) needs model.py's KerasAvgPool2d (AvgPool2d's ceil_mode does not match it).
TorchModule avg_pool_module(const LayerInfo& in, const LayerInfo& l) {
  const auto [top, bottom] = same_pads(in.out_h, l.kernel_h, l.stride_h, l.out_h, l.padding);
  const auto [left, right] = same_pads(in.out_w, l.kernel_w, l.stride_w, l.out_w, l.padding);
  const std::string k = pair_text(l.kernel_h, l.kernel_w), s = pair_text(l.stride_h, l.stride_w);
  const std::string out = l.name + ": " + shape_text(l.out_h, l.out_w, l.out_c);
  if (top == 0 && bottom == 0 && left == 0 && right == 0)
    return {"nn.AvgPool2d(kernel_size=" + k + ", stride=" + s + ")", out};
  if (top == bottom && left == right)
    return {"nn.AvgPool2d(kernel_size=" + k + ", stride=" + s +
                ", padding=" + pair_text(top, left) + ", count_include_pad=False)",
            out + ", \"same\": padded cells left out of the average"};
  return {"KerasAvgPool2d(kernel_size=" + k + ", stride=" + s + ", padding=(" +
              std::to_string(left) + ", " + std::to_string(right) + ", " + std::to_string(top) +
              ", " + std::to_string(bottom) + "))",
          out + ", Keras's uneven \"same\": padded cells left out of the average"};
}

// BatchNormalization over the channels of (H, W, C) or the features of a flat input (whose order
// `flat` gives). Keras's momentum m keeps m of the moving statistics per step; PyTorch's momentum
// is the share of the new batch: 1 - m.
TorchModule batch_norm_module(const LayerInfo& l, int index, int flat_h, int flat_w) {
  TorchModule bn;
  // 1 - m from the digits the model file gave (0.99 -> 0.01, where 1 - 0.99f is 0.00999999).
  const double keep = std::strtod(num_text(l.bn_momentum).c_str(), nullptr);
  bn.code = std::string(l.flat ? "nn.BatchNorm1d(" : "nn.BatchNorm2d(") + std::to_string(l.out_c) +
            ", eps=" + num_text(l.bn_epsilon) + ", momentum=" + num_text(1.0 - keep) + ")";
  bn.comment = l.name + ": Keras momentum " + num_text(l.bn_momentum) +
               "; eval() normalises with the moving statistics";
  bn.layer = index;
  bn.params = TorchParams::BatchNorm;
  bn.weight_shape = {l.out_c};
  if (l.flat) bn.flat_h = flat_h, bn.flat_w = flat_w;
  bn.flat_c = l.out_c / (bn.flat_h * bn.flat_w);
  return bn;
}

// What a Keras preprocessing layer does while training, as torchvision.transforms (v1) on the
// images (C, H, W); at inference it is the identity, so the Sequential holds an nn.Identity().
std::string torchvision_text(const AugmentLayer& a) {
  const double range = (a.value_hi - a.value_lo) / 255.0;  // value_range in 0..1 units
  switch (a.kind) {
    case AugmentKind::Flip:
      if (a.horizontal && a.vertical)
        return "RandomHorizontalFlip() and transforms.RandomVerticalFlip() (Keras flips both "
               "on one coin)";
      return a.horizontal ? "RandomHorizontalFlip()" : "RandomVerticalFlip()";
    case AugmentKind::Rotation:  // a fraction of a turn; both count counter-clockwise
      return "RandomRotation(degrees=(" + num_text(a.lower * 360.0) + ", " +
             num_text(a.upper * 360.0) + ")) (Keras fills by " +
             (a.fill_mode == FillMode::Reflect   ? "reflection"
              : a.fill_mode == FillMode::Nearest ? "the nearest pixel"
                                                 : "a constant") +
             ")";
    case AugmentKind::Zoom:  // Keras's zoom 1 + u reads an input (1 + u) times wider: 1/(1+u)
      return "RandomAffine(degrees=0, scale=(" + num_text(1.0 / (1.0 + a.upper)) + ", " +
             num_text(1.0 / (1.0 + a.lower)) + "))" +
             (a.has_width ? " (one scale for both axes; Keras draws the width's apart)" : "");
    case AugmentKind::Translation:
      return "RandomAffine(degrees=0, translate=(" +
             num_text(std::max(std::fabs(a.lower2), std::fabs(a.upper2))) + ", " +
             num_text(std::max(std::fabs(a.lower), std::fabs(a.upper))) +
             ")) (translate is (width, height) fractions, symmetric)";
    case AugmentKind::Contrast:
      return "ColorJitter(contrast=(" + num_text(1.0 - a.lower) + ", " + num_text(1.0 + a.upper) +
             ")) (Keras keeps each channel's mean, torchvision the grey mean)";
    case AugmentKind::Brightness:
      return "Lambda(lambda x: (x + torch.empty(1).uniform_(" + num_text(a.lower * range) + ", " +
             num_text(a.upper * range) + ")).clamp(" + num_text(a.value_lo / 255.0) + ", " +
             num_text(a.value_hi / 255.0) +
             ")) on 0..1 images (Keras adds; ColorJitter's brightness multiplies)";
  }
  return "";
}

TorchModule linear_module(const LayerInfo& in, const LayerInfo& l, int index, int flat_h,
                          int flat_w, int flat_c) {
  TorchModule d;
  d.code = "nn.Linear(" + std::to_string(in.out_size()) + ", " + std::to_string(l.filters) + ")";
  d.comment = l.name + ": (" + std::to_string(l.filters) + ",)" +
              (l.activation == Activation::Softmax ? ", logits (softmax: in the loss)" : "") +
              l2_comment(l);
  d.layer = index;
  d.params = TorchParams::Linear;
  d.weight_shape = {l.filters, int(in.out_size())};
  d.flat_h = flat_h, d.flat_w = flat_w, d.flat_c = flat_c;
  d.l2 = l.l2;
  return d;
}

// The Sequential for `m`; a layer kind PyTorch export does not know yet is a UserError naming
// `path` (the checkpoint).
std::vector<TorchModule> torch_modules(const Model& m, const std::string& path) {
  std::vector<TorchModule> mods;
  const auto& L = m.layers();
  // The order of the current flat vector: (H, W, C) from a Flatten (NHWC here, NCHW in PyTorch),
  // (1, 1, F) from GlobalAveragePooling2D or a Dense (the same order in both).
  int flat_h = 1, flat_w = 1, flat_c = 0;
  for (size_t i = 1; i < L.size(); ++i) {
    const LayerInfo &l = L[i], &in = L[i - 1];
    const std::string out = l.name + ": " + shape_text(l.out_h, l.out_w, l.out_c);
    if (l.kind == LayerKind::Conv2D) {
      add_conv(mods, in, l, int(i));
    } else if (l.kind == LayerKind::MaxPool2D) {
      mods.push_back({"nn.MaxPool2d(kernel_size=" + pair_text(l.kernel_h, l.kernel_w) +
                          ", stride=" + pair_text(l.stride_h, l.stride_w) + ")",
                      out});
    } else if (l.kind == LayerKind::AvgPool2D) {
      mods.push_back(avg_pool_module(in, l));
    } else if (l.kind == LayerKind::Flatten) {
      flat_h = in.out_h, flat_w = in.out_w, flat_c = in.out_c;
      mods.push_back(
          {"nn.Flatten()", l.name + ": (" + std::to_string(l.out_c) +
                               ",), NCHW order (the next layers' inputs are reordered)"});
    } else if (l.kind == LayerKind::GlobalAvgPool2D) {
      flat_h = 1, flat_w = 1, flat_c = l.out_c;
      mods.push_back({"nn.AdaptiveAvgPool2d(1)", l.name + ": " + shape_text(1, 1, l.out_c)});
      mods.push_back({"nn.Flatten()", l.name + ": (" + std::to_string(l.out_c) + ",)"});
    } else if (l.kind == LayerKind::Dense) {
      mods.push_back(linear_module(in, l, int(i), flat_h, flat_w, flat_c));
      flat_h = 1, flat_w = 1, flat_c = l.filters;
      if (l.activation == Activation::Relu) mods.push_back({"nn.ReLU()", ""});
    } else if (l.kind == LayerKind::Dropout) {
      mods.push_back({"nn.Dropout(p=" + num_text(l.rate) + ")", l.name + ": training only"});
    } else if (l.kind == LayerKind::BatchNorm) {
      mods.push_back(batch_norm_module(l, int(i), flat_h, flat_w));
    } else if (is_augment_kind(l.kind)) {
      mods.push_back({"nn.Identity()", l.name + " (" + layer_kind_name(l.kind) +
                                           "): identity at inference; train with transforms." +
                                           torchvision_text(l.augment)});
    } else {
      throw UserError(path, "layer " + l.name + " (" + layer_kind_name(l.kind) +
                                ") has no PyTorch counterpart in `cnnlab export` yet");
    }
  }
  return mods;
}

//-----------------------------------------------------------------------------
// [SECTION] model.py: a template with @FIELDS@ filled in (the network, its parameter table)
//-----------------------------------------------------------------------------
// The template (app/export_model_py.h) has the fields @TITLE@ @H@ @W@ @C@ @CLASSES@ @LAYERS@
// @MODULES@ @PARAMS@ @L2@ @L2LIST@ @AUGMENTS@.
void replace_all(std::string& text, const std::string& key, const std::string& value) {
  for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size()))
    text.replace(at, key.size(), value);
}

// A preset name from a file goes into a docstring: keep it to characters that cannot end one.
std::string safe_name(const std::string& name) {
  std::string out;
  for (char ch : name)
    out += std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' ? ch : '?';
  return out.empty() ? "(no preset)" : out;
}

// model.py's tables, one line per entry: the Sequential's modules, PARAMS, L2, and the docstring's
// lists of regularised layers and of augmentation for the data pipeline.
struct ModelPyTables {
  std::string modules, params, l2, l2_list, augments;
};

ModelPyTables model_py_tables(const Model& m, const std::vector<TorchModule>& mods) {
  ModelPyTables t;
  for (size_t i = 0; i < mods.size(); ++i) {
    const TorchModule& mod = mods[i];
    const std::string index = std::to_string(i);
    t.modules += "        " + mod.code + ",  # " + index +
                 (mod.comment.empty() ? "" : ": " + mod.comment) + "\n";
    if (mod.layer < 0) continue;
    const LayerInfo& l = m.layers()[mod.layer];
    const std::string flat = shape_text(mod.flat_h, mod.flat_w, mod.flat_c);
    t.params += "    (" + index + ", \"" + l.name + "\", ";
    t.params += mod.params == TorchParams::Conv        ? "\"conv\", None),\n"
                : mod.params == TorchParams::BatchNorm ? "\"bn\", " + flat + "),\n"
                                                       : "\"dense\", " + flat + "),\n";
    if (mod.l2 > 0) {
      t.l2 += "    (" + index + ", \"" + l.name + "\", " + num_text(mod.l2) + "),\n";
      t.l2_list += (t.l2_list.empty() ? "" : ", ") + l.name + " (l2=" + num_text(mod.l2) + ")";
    }
  }
  for (const LayerInfo& l : m.layers())
    if (is_augment_kind(l.kind))
      t.augments += "    " + l.name + " (" + layer_kind_name(l.kind) + "): transforms." +
                    torchvision_text(l.augment) + "\n";
  for (std::string* s : {&t.modules, &t.params, &t.l2, &t.augments})
    if (!s->empty()) s->pop_back();
  if (t.l2_list.empty()) t.l2_list = "none.";
  if (t.augments.empty()) t.augments = "    none (the model has no Random* layers).";
  return t;
}

std::string model_py(const Model& m, const std::string& layers_json,
                     const std::vector<TorchModule>& mods) {
  const ModelPyTables tables = model_py_tables(m, mods);
  std::string text =
      std::string(export_model_py_template()).substr(1);  // the raw string starts with a newline
  replace_all(text, "@TITLE@",
              "the cnnlab model \"" + safe_name(m.preset_name) + "\" (" +
                  std::to_string(m.input_h()) + "x" + std::to_string(m.input_w()) + "x" +
                  std::to_string(m.input_c()) + " -> " + std::to_string(m.num_classes()) +
                  " classes)");
  replace_all(text, "@H@", std::to_string(m.input_h()));
  replace_all(text, "@W@", std::to_string(m.input_w()));
  replace_all(text, "@C@", std::to_string(m.input_c()));
  replace_all(text, "@CLASSES@", std::to_string(m.num_classes()));
  replace_all(text, "@LAYERS@", layers_json);
  replace_all(text, "@MODULES@", tables.modules);
  replace_all(text, "@PARAMS@", tables.params);
  replace_all(text, "@L2@", tables.l2);
  replace_all(text, "@L2LIST@", tables.l2_list);
  replace_all(text, "@AUGMENTS@", tables.augments);
  return text;
}

//-----------------------------------------------------------------------------
// [SECTION] export
//-----------------------------------------------------------------------------
// The checkpoint, with what the views need (class names, scaling) checked as predict checks it.
LoadedModel load_checkpoint(const std::string& path) {
  LoadedModel lm = load_safetensors(path, 1, /*for_training=*/false);
  (void)read_checkpoint_info(lm.metadata, path, lm.model.num_classes());
  return lm;
}

int run_export(const std::string& load, const std::string& dir) {
  return guarded([&] {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
      throw UserError(dir, "exists and is not a folder", "give --pytorch a folder (it is created)");
    fs::create_directories(dir, ec);
    if (ec) throw UserError(dir, "cannot create the folder: " + ec.message(), "check the path");
    const std::string py = (fs::path(dir) / "model.py").string();
    const std::string weights = (fs::path(dir) / "weights.safetensors").string();
    check_writable(py);
    check_writable(weights);
    LoadedModel lm = load_checkpoint(load);
    const std::string& layers = lm.metadata.at("cnnlab.layers");  // load_safetensors requires it
    if (layers.find_first_of("'\\\n") != std::string::npos)
      throw UserError(load, "its cnnlab.layers holds a quote, backslash or newline",
                      "re-save it from cnnlab");
    const std::vector<TorchModule> mods = torch_modules(lm.model, load);
    save_safetensors(weights, lm.model, lm.metadata);
    write_file_atomic(py, model_py(lm.model, layers, mods));
    std::printf("Wrote %s (an nn.Sequential of %zu modules) and %s (%s parameters, Keras shapes)\n",
                py.c_str(), mods.size(), weights.c_str(),
                with_commas(lm.model.num_params()).c_str());
    std::printf("In PyTorch: net = model.build_model(); info = model.load_cnnlab(net, \"%s\")\n",
                weights.c_str());
    std::printf(
        "Back here: model.save_state(net, \"trained.safetensors\"), then\n"
        "  cnnlab import --pytorch trained.safetensors --config %s --save back.safetensors\n",
        weights.c_str());
    return 0;
  });
}

//-----------------------------------------------------------------------------
// [SECTION] torch safetensors: a state_dict as model.py's save_state writes it (F32 tensors)
//-----------------------------------------------------------------------------
constexpr const char* kTorchHint =
    "save it with model.py's save_state(net, PATH) (float32 safetensors)";

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

struct TorchTensor {
  std::vector<long long> shape;
  uint64_t begin = 0, end = 0;  // within the data section
};

struct TorchFile {
  std::string path;
  std::unique_ptr<std::FILE, FileCloser> f;
  uint64_t data_start = 0;
  std::map<std::string, TorchTensor> tensors;
  std::map<std::string, std::string> metadata;
};

// One tensor's header entry: F32, a shape whose size matches its byte range.
TorchTensor parse_tensor(const std::string& path, const std::string& name,
                         const nlohmann::json& j) {
  auto bad = [&](const std::string& why) {
    throw UserError(path, "tensor '" + name + "' " + why, kTorchHint);
  };
  if (!j.is_object() || !j.contains("dtype") || !j.contains("shape") || !j.contains("data_offsets"))
    bad("lacks dtype, shape or data_offsets");
  // BatchNorm's step counter (int64 in PyTorch, F32 from save_state) is ignored, whatever its type.
  const bool counter = name.size() > 20 && name.rfind(".num_batches_tracked") == name.size() - 20;
  const std::map<std::string, int> sizes = {{"F32", 4}, {"F64", 8}, {"I64", 8}, {"I32", 4}};
  const auto dtype = sizes.find(j["dtype"].is_string() ? j["dtype"].get<std::string>() : "");
  if (j["dtype"] != "F32" && !(counter && dtype != sizes.end()))
    bad("is " + j["dtype"].dump() + ", not F32");
  const uint64_t bytes = dtype != sizes.end() ? uint64_t(dtype->second) : 4;
  TorchTensor t;
  uint64_t count = 1;
  const nlohmann::json &shape = j["shape"], &off = j["data_offsets"];
  if (!shape.is_array() || shape.size() > 8) bad("has a bad shape");
  for (const nlohmann::json& d : shape) {
    if (!d.is_number_unsigned() || d.get<uint64_t>() > 0x7fffffff) bad("has a bad shape");
    t.shape.push_back(d.get<long long>());
    count = count <= (uint64_t(1) << 40) ? count * d.get<uint64_t>() : ~uint64_t(0);
  }
  if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
      !off[1].is_number_unsigned())
    bad("has bad data_offsets");
  t.begin = off[0].get<uint64_t>(), t.end = off[1].get<uint64_t>();
  if (t.end < t.begin || count > (uint64_t(1) << 40) || count * bytes != t.end - t.begin)
    bad("has a byte range that does not fit its shape");
  return t;
}

// Reads the header and checks the layout: the tensors tile the data section exactly.
TorchFile open_torch_file(const std::string& path) {
  TorchFile tf;
  tf.path = path;
  const uint64_t size = check_regular_file(path, uint64_t(1) << 40);
  tf.f.reset(std::fopen(path.c_str(), "rb"));
  if (!tf.f) throw UserError(path, "cannot open it", "check the permissions");
  uint8_t len[8];
  uint64_t n = 0;
  if (size < 8 || std::fread(len, 1, 8, tf.f.get()) != 8)
    throw UserError(path, "too short for a safetensors file", kTorchHint);
  for (int i = 0; i < 8; ++i) n |= uint64_t(len[i]) << (8 * i);
  if (n < 2 || n > (uint64_t(100) << 20) || n > size - 8)
    throw UserError(path, "bad safetensors header length " + std::to_string(n) + " (truncated?)",
                    kTorchHint);
  std::string header(n, '\0');
  if (std::fread(header.data(), 1, n, tf.f.get()) != n)
    throw UserError(path, "cannot read the header");
  nlohmann::json root = nlohmann::json::parse(header, nullptr, /*allow_exceptions=*/false);
  if (!root.is_object()) throw UserError(path, "the header is not a JSON object", kTorchHint);
  tf.data_start = 8 + n;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (auto& [name, j] : root.items()) {
    if (name == "__metadata__") {
      if (!j.is_object()) throw UserError(path, "__metadata__ is not an object", kTorchHint);
      for (auto& [k, v] : j.items())
        if (v.is_string()) tf.metadata[k] = v.get<std::string>();
      continue;
    }
    tf.tensors[name] = parse_tensor(path, name, j);
    ranges.emplace_back(tf.tensors[name].begin, tf.tensors[name].end);
  }
  std::sort(ranges.begin(), ranges.end());
  uint64_t at = 0;
  for (auto& [b, e] : ranges) {
    if (b != at) throw UserError(path, "its tensors overlap or leave gaps", kTorchHint);
    at = e;
  }
  if (at != size - tf.data_start)
    throw UserError(path,
                    "the tensors cover " + std::to_string(at) + " bytes of a " +
                        std::to_string(size - tf.data_start) + "-byte data section (truncated?)",
                    kTorchHint);
  return tf;
}

std::vector<float> read_torch_tensor(const TorchFile& tf, const std::string& name) {
  const TorchTensor& t = tf.tensors.at(name);
  std::vector<float> v((t.end - t.begin) / 4);
  if (fseeko(tf.f.get(), off_t(tf.data_start + t.begin), SEEK_SET) != 0 ||
      std::fread(v.data(), sizeof(float), v.size(), tf.f.get()) != v.size())
    throw UserError(tf.path, "cannot read tensor '" + name + "' (truncated?)", kTorchHint);
  for (size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i]))
      throw UserError(
          tf.path, "tensor '" + name + "' holds a non-finite value at index " + std::to_string(i),
          "the PyTorch run diverged; use an earlier state");
  return v;
}

//-----------------------------------------------------------------------------
// [SECTION] import: the inverse of model.py's keras_to_torch
//-----------------------------------------------------------------------------
std::string shape_list(const std::vector<long long>& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + (s.size() == 1 ? ",)" : ")");
}

// The state_dict entries a module holds, as (key suffix, shape); BatchNorm's num_batches_tracked,
// which may be there too, is not read.
std::vector<std::pair<std::string, std::vector<long long>>> module_tensors(const TorchModule& m) {
  const std::vector<long long> w(m.weight_shape.begin(), m.weight_shape.end()), b{w[0]};
  if (m.params == TorchParams::BatchNorm)
    return {{".weight", b}, {".bias", b}, {".running_mean", b}, {".running_var", b}};
  return {{".weight", w}, {".bias", b}};
}

// Every tensor the Sequential has, in its shape, and nothing else; a config the file names must be
// the config checkpoint's (save_state writes cnnlab.input and cnnlab.layers).
void check_torch_tensors(const TorchFile& tf, const std::vector<TorchModule>& mods,
                         const LoadedModel& cfg, const std::string& cfg_path) {
  for (const char* key : {"cnnlab.input", "cnnlab.layers"}) {
    auto it = tf.metadata.find(key);  // layer lists compare as JSON (spacing may differ)
    auto same = [&](const std::string& a, const std::string& b) {
      if (a == b) return true;
      auto ja = nlohmann::json::parse(a, nullptr, false),
           jb = nlohmann::json::parse(b, nullptr, false);
      return !ja.is_discarded() && ja == jb;
    };
    if (it != tf.metadata.end() && !same(it->second, cfg.metadata.at(key)))
      throw UserError(tf.path, std::string("its ") + key + " differs from " + cfg_path + "'s",
                      "give --config the checkpoint this model.py was exported from");
  }
  std::set<std::string> keys;
  for (size_t i = 0; i < mods.size(); ++i) {
    if (mods[i].layer < 0) continue;
    for (const auto& [suffix, shape] : module_tensors(mods[i])) {
      const std::string key = std::to_string(i) + suffix;
      auto it = tf.tensors.find(key);
      if (it == tf.tensors.end())
        throw UserError(tf.path, "no tensor '" + key + "' (" + mods[i].code + ")",
                        "the state_dict must come from this model.py's build_model()");
      if (it->second.shape != shape)
        throw UserError(tf.path,
                        "tensor '" + key + "' is " + shape_list(it->second.shape) + ", " +
                            mods[i].code + " needs " + shape_list(shape),
                        "give --config the checkpoint this model.py was exported from");
      keys.insert(key);
    }
    if (mods[i].params == TorchParams::BatchNorm)
      keys.insert(std::to_string(i) + ".num_batches_tracked");
  }
  for (auto& [name, t] : tf.tensors)
    if (!keys.count(name))
      throw UserError(tf.path, "unexpected tensor '" + name + "' for this model",
                      "the state_dict must come from this model.py's build_model()");
}

// Index of feature (h, w, c) of a flat vector: in NCHW flatten order (PyTorch) and NHWC (the lab).
struct FlatOrder {
  int H, W, C;
  size_t nchw(int h, int w, int c) const { return (size_t(c) * H + h) * W + w; }
  size_t nhwc(int h, int w, int c) const { return (size_t(h) * W + w) * C + c; }
};

// Conv2d (Cout, Cin, KH, KW) -> Keras (KH, KW, Cin, Cout); Linear (Out, In in NCHW flatten order)
// -> Keras (In in NHWC flatten order, Out).
void torch_to_keras(float* k, const float* t, const TorchModule& m) {
  if (m.params == TorchParams::Conv) {
    const int co_n = m.weight_shape[0], ci_n = m.weight_shape[1], kh_n = m.weight_shape[2],
              kw_n = m.weight_shape[3];
    for (int co = 0; co < co_n; ++co)
      for (int ci = 0; ci < ci_n; ++ci)
        for (int kh = 0; kh < kh_n; ++kh)
          for (int kw = 0; kw < kw_n; ++kw)
            k[((size_t(kh) * kw_n + kw) * ci_n + ci) * co_n + co] =
                t[((size_t(co) * ci_n + ci) * kh_n + kh) * kw_n + kw];
    return;
  }
  const size_t out_n = size_t(m.weight_shape[0]), in_n = size_t(m.weight_shape[1]);
  const FlatOrder f{m.flat_h, m.flat_w, m.flat_c};
  for (size_t o = 0; o < out_n; ++o)
    for (int c = 0; c < f.C; ++c)
      for (int h = 0; h < f.H; ++h)
        for (int w = 0; w < f.W; ++w)
          k[f.nhwc(h, w, c) * out_n + o] = t[o * in_n + f.nchw(h, w, c)];
}

// One BatchNorm vector (C,) in NCHW flatten order -> the lab's order (the same unless after a
// Flatten).
void torch_to_keras_vector(float* k, const std::vector<float>& t, const TorchModule& m) {
  const FlatOrder f{m.flat_h, m.flat_w, m.flat_c};
  for (int c = 0; c < f.C; ++c)
    for (int h = 0; h < f.H; ++h)
      for (int w = 0; w < f.W; ++w) k[f.nhwc(h, w, c)] = t[f.nchw(h, w, c)];
}

struct ImportArgs {
  std::string pytorch, config, save;
};

// Writes module `i`'s tensors (read and checked) into the lab layer's weights: gamma, beta and the
// moving statistics for BatchNorm (whose running_var must not be negative).
void import_module(Model& model, const TorchModule& m, size_t i, const TorchFile& tf,
                   std::map<std::string, std::vector<float>>& t) {
  const std::string key = std::to_string(i);
  if (m.params != TorchParams::BatchNorm) {
    torch_to_keras(model.layer_weights(m.layer).data, t[key + ".weight"].data(), m);
    const std::vector<float>& b = t[key + ".bias"];
    std::copy(b.begin(), b.end(), model.layer_bias(m.layer).data);
    return;
  }
  const std::vector<float>& var = t[key + ".running_var"];
  for (size_t j = 0; j < var.size(); ++j)
    if (var[j] < 0)
      throw UserError(tf.path,
                      "tensor '" + key + ".running_var' holds a negative variance at index " +
                          std::to_string(j),
                      kTorchHint);
  const LayerInfo& l = model.layers()[m.layer];
  float* moving = model.params() + l.state_offset;  // moving mean (C), then moving variance (C)
  torch_to_keras_vector(model.layer_weights(m.layer).data, t[key + ".weight"], m);
  torch_to_keras_vector(model.layer_bias(m.layer).data, t[key + ".bias"], m);
  torch_to_keras_vector(moving, t[key + ".running_mean"], m);
  torch_to_keras_vector(moving + l.out_c, var, m);
}

int run_import(const ImportArgs& a) {
  return guarded([&] {
    check_writable(a.save);
    LoadedModel lm = load_checkpoint(a.config);
    const std::vector<TorchModule> mods = torch_modules(lm.model, a.config);
    TorchFile tf = open_torch_file(a.pytorch);
    check_torch_tensors(tf, mods, lm, a.config);
    std::map<std::string, std::vector<float>> tensors;  // all read (and checked) before any is used
    for (size_t i = 0; i < mods.size(); ++i)
      if (mods[i].layer >= 0)
        for (const auto& [suffix, shape] : module_tensors(mods[i]))
          tensors[std::to_string(i) + suffix] = read_torch_tensor(tf, std::to_string(i) + suffix);
    for (size_t i = 0; i < mods.size(); ++i)
      if (mods[i].layer >= 0) import_module(lm.model, mods[i], i, tf, tensors);
    save_safetensors(a.save, lm.model, lm.metadata);
    std::printf("Imported %zu tensors from %s into %s (the model, class names and scaling of %s)\n",
                tensors.size(), a.pytorch.c_str(), a.save.c_str(), a.config.c_str());
    return 0;
  });
}

//-----------------------------------------------------------------------------
// [SECTION] logits (hidden; tests/app/export_pytorch_test.sh): predict's path, before the softmax
//-----------------------------------------------------------------------------
struct LogitsArgs {
  std::string load, inputs_out;
  std::vector<std::string> images;
};

// Writes the model inputs as one safetensors tensor "x" (N, H, W, C), for PyTorch to run on.
void write_inputs(const std::string& path, const std::vector<float>& x, int n, const Model& m) {
  nlohmann::ordered_json root;
  root["x"] = {{"dtype", "F32"},
               {"shape", {n, m.input_h(), m.input_w(), m.input_c()}},
               {"data_offsets", {0, x.size() * sizeof(float)}}};
  std::string header = root.dump();
  while (header.size() % 8 != 0) header += ' ';
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = char(uint64_t(header.size()) >> (8 * i));
  bytes += header;
  bytes.append(reinterpret_cast<const char*>(x.data()), x.size() * sizeof(float));
  write_file_atomic(path, bytes);
}

// One line per image: the path, then the last layer's outputs before its softmax ("%.9g").
int run_logits(const LogitsArgs& a) {
  return guarded([&] {
    LoadedModel lm = load_safetensors(a.load, 1, /*for_training=*/false);
    const CheckpointInfo info = read_checkpoint_info(lm.metadata, a.load, lm.model.num_classes());
    Model& m = lm.model;
    const int last = int(m.layers().size()) - 1, h = m.input_h(), w = m.input_w();
    const DenseShape s{1, int(m.layers()[last - 1].out_size()), m.num_classes(), Activation::None};
    std::vector<float> x(size_t(h) * w * 3), all, probs(s.out), logits(s.out);
    for (const std::string& path : a.images) {
      Image img = resize_rgb(decode_image_file(path), w, h);  // as predict prepares an image
      for (size_t i = 0; i < x.size(); ++i)
        x[i] = (img.pixels[i] / 255.0f - info.scaling.mean) / info.scaling.std;
      m.forward(x.data(), 1, probs.data());
      dense_forward(logits.data(), m.activation(last - 1), m.layer_weights(last).data,
                    m.layer_bias(last).data, s);
      std::printf("%s", path.c_str());
      for (float v : logits) std::printf(" %.9g", double(v));
      std::printf("\n");
      all.insert(all.end(), x.begin(), x.end());
    }
    if (!a.inputs_out.empty()) write_inputs(a.inputs_out, all, int(a.images.size()), m);
    return 0;
  });
}

}  // namespace

//-----------------------------------------------------------------------------
// [SECTION] registration
//-----------------------------------------------------------------------------
void register_export_commands(CLI::App& app, int& exit_code) {
  struct ExportArgs {
    std::string load, dir;
  };
  auto ea = std::make_shared<ExportArgs>();
  auto* ex = app.add_subcommand("export", "Write a checkpoint as a PyTorch model.py + weights");
  ex->add_option("--pytorch", ea->dir,
                 "Folder for model.py (an nn.Sequential) and weights.safetensors")
      ->required();
  ex->add_option("--load", ea->load, "Checkpoint (.safetensors) from `cnnlab train --save`")
      ->required();
  ex->callback([ea, &exit_code] { exit_code = run_export(ea->load, ea->dir); });

  auto ia = std::make_shared<ImportArgs>();
  auto* im =
      app.add_subcommand("import", "Bring a PyTorch state_dict (model.py's save_state) back");
  im->add_option("--pytorch", ia->pytorch,
                 "The state_dict as safetensors, from model.py's save_state")
      ->required();
  im->add_option("--config", ia->config,
                 "The checkpoint it was exported from (layers, class names, scaling)")
      ->required();
  im->add_option("--save", ia->save, "Checkpoint to write (.safetensors)")->required();
  im->callback([ia, &exit_code] { exit_code = run_import(*ia); });

  auto la = std::make_shared<LogitsArgs>();
  auto* lo = app.add_subcommand("logits", "Print the logits for images (tests)");
  lo->group("");  // hidden from --help
  lo->add_option("--load", la->load)->required();
  lo->add_option("--inputs-out", la->inputs_out, "Also write the model inputs (tensor x, NHWC)");
  lo->add_option("images", la->images)->required();
  lo->callback([la, &exit_code] { exit_code = run_logits(*la); });
}

}  // namespace cnnlab
