// nn/model_edit.cpp — the model editor's logic: layer specs ↔ model file text, edit operations,
// and checking a spec with the model file loader (its errors mapped back to a layer).
//
// [SECTION] layer kinds and their defaults
// [SECTION] edits
// [SECTION] writing
// [SECTION] reading
// [SECTION] checking
#include "nn/model_edit.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/error.h"
#include "core/fileio.h"
#include "nn/model_file.h"

namespace cnnlab {

// =================================================================================================
// [SECTION] layer kinds and their defaults
// =================================================================================================
const std::vector<std::string>& editable_layer_types() {
  static const std::vector<std::string> types = {"Conv2D",
                                                 "MaxPooling2D",
                                                 "AveragePooling2D",
                                                 "BatchNormalization",
                                                 "Dropout",
                                                 "Flatten",
                                                 "GlobalAveragePooling2D",
                                                 "Dense",
                                                 "RandomFlip",
                                                 "RandomRotation",
                                                 "RandomZoom",
                                                 "RandomTranslation",
                                                 "RandomContrast",
                                                 "RandomBrightness"};
  return types;
}

bool is_augment_type(const std::string& type) {
  return type.rfind("Random", 0) == 0;
}

LayerSpec default_layer(const std::string& type) {
  LayerSpec l;
  l.type = type;
  if (type == "Conv2D") l.padding = "same", l.activation = "relu";
  if (type == "Dense") l.activation = "relu";
  if (type == "Dropout") l.rate = 0.3f;
  if (type == "RandomRotation") l.factor_lo = -0.05f, l.factor_hi = 0.05f;
  if (type == "RandomContrast") l.factor_lo = l.factor_hi = 0.1f;
  if (type == "RandomTranslation") l.has_width = true;
  if (type == "MaxPooling2D" || type == "AveragePooling2D") l.strides = l.pool_size;
  return l;
}

// Shortest text that reads back as the same float (0.05f → "0.05", not "0.0500000007").
static std::string float_text(float v) {
  char buf[32];
  for (int digits = 1; digits <= 9; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, double(v));
    if (std::strtof(buf, nullptr) == v) break;
  }
  std::string s = buf;
  if (s.find_first_of(".en") == std::string::npos) s += ".0";  // TOML floats need a point
  return s;
}

std::string layer_args_text(const LayerSpec& l) {
  const std::string k = std::to_string(l.kernel_size), p = std::to_string(l.pool_size);
  const std::string act = l.activation == "linear" ? "" : ", " + l.activation;
  const std::string reg = l.l2 > 0 ? ", L2 " + float_text(l.l2) : "";
  if (l.type == "Conv2D")
    return std::to_string(l.filters) + " filters, " + k + "×" + k +
           (l.strides > 1 ? " /" + std::to_string(l.strides) : "") + ", " + l.padding + act + reg;
  if (l.type == "MaxPooling2D" || l.type == "AveragePooling2D")
    return p + "×" + p + (l.strides != l.pool_size ? ", stride " + std::to_string(l.strides) : "") +
           (l.type == "AveragePooling2D" ? ", " + l.padding : "");
  if (l.type == "Dense")
    return (l.units_classes ? std::string("classes") : std::to_string(l.units)) + " units" + act +
           reg;
  if (l.type == "Dropout") return "rate " + float_text(l.rate);
  if (l.type == "BatchNormalization")  // Keras's defaults (0.99, 0.001) go unsaid
    return (l.momentum != 0.99f ? "momentum " + float_text(l.momentum) : std::string()) +
           (l.momentum != 0.99f && l.epsilon != 1e-3f ? ", " : "") +
           (l.epsilon != 1e-3f ? "epsilon " + float_text(l.epsilon) : std::string());
  if (l.type == "RandomFlip") return l.mode;
  if (is_augment_type(l.type))
    return "[" + float_text(l.factor_lo) + ", " + float_text(l.factor_hi) + "]";
  return "";
}

// =================================================================================================
// [SECTION] edits
// =================================================================================================
void insert_layer(ModelSpec& spec, size_t at, const LayerSpec& layer) {
  spec.layers.insert(spec.layers.begin() + long(std::min(at, spec.layers.size())), layer);
}

void remove_layer(ModelSpec& spec, size_t i) {
  if (i < spec.layers.size()) spec.layers.erase(spec.layers.begin() + long(i));
}

size_t move_layer(ModelSpec& spec, size_t i, int delta) {
  if (i >= spec.layers.size()) return i;
  const long j = long(i) + delta;
  if (j < 0 || j >= long(spec.layers.size())) return i;
  std::swap(spec.layers[i], spec.layers[size_t(j)]);
  return size_t(j);
}

// =================================================================================================
// [SECTION] writing
// =================================================================================================
static std::string quoted(const std::string& s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') q += '\\';
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    q += c;
  }
  return q + "\"";
}

static std::string pair_text(float lo, float hi) {
  return "[" + float_text(lo) + ", " + float_text(hi) + "]";
}

// The lines of one layer after its type line.
static std::vector<std::string> layer_body(const LayerSpec& l) {
  std::vector<std::string> s;
  const std::string reg =  // a negative one too: the loader says it is out of range
      l.l2 != 0 ? "kernel_regularizer = { l2 = " + float_text(l.l2) + " }" : std::string();
  if (l.type == "Conv2D") {
    s = {"filters = " + std::to_string(l.filters),
         "kernel_size = " + std::to_string(l.kernel_size)};
    if (l.strides != 1) s.push_back("strides = " + std::to_string(l.strides));
    s.push_back("padding = " + quoted(l.padding));
    s.push_back("activation = " + quoted(l.activation));
  } else if (l.type == "MaxPooling2D" || l.type == "AveragePooling2D") {
    s = {"pool_size = " + std::to_string(l.pool_size)};
    if (l.strides != l.pool_size) s.push_back("strides = " + std::to_string(l.strides));
    if (l.type == "AveragePooling2D") s.push_back("padding = " + quoted(l.padding));
  } else if (l.type == "Dense") {
    s = {"units = " + (l.units_classes ? std::string("\"classes\"") : std::to_string(l.units)),
         "activation = " + quoted(l.activation)};
  } else if (l.type == "Dropout") {
    s = {"rate = " + float_text(l.rate)};
  } else if (l.type == "BatchNormalization") {
    if (l.momentum != 0.99f) s.push_back("momentum = " + float_text(l.momentum));
    if (l.epsilon != 1e-3f) s.push_back("epsilon = " + float_text(l.epsilon));
  } else if (l.type == "RandomFlip") {
    s = {"mode = " + quoted(l.mode)};
  } else if (l.type == "RandomContrast" || l.type == "RandomBrightness") {
    s = {"factor = " + pair_text(l.factor_lo, l.factor_hi),
         "value_range = " + pair_text(l.value_lo, l.value_hi)};
  } else if (is_augment_type(l.type)) {
    const bool rot = l.type == "RandomRotation";
    s = {std::string(rot ? "factor" : "height_factor") + " = " +
         pair_text(l.factor_lo, l.factor_hi)};
    if (l.type == "RandomTranslation" || (l.type == "RandomZoom" && l.has_width))
      s.push_back("width_factor = " + pair_text(l.width_lo, l.width_hi));
    s.push_back("fill_mode = " + quoted(l.fill_mode));
    s.push_back("interpolation = " + quoted(l.interpolation));
    if (l.fill_value != 0) s.push_back("fill_value = " + float_text(l.fill_value));
  }
  if ((l.type == "Conv2D" || l.type == "Dense") && !reg.empty()) s.push_back(reg);
  return s;
}

// fit_to_toml, plus a negative epochs (fit_to_toml writes only positive ones, 0 meaning "not
// given"), so that the loader rejects it with its range.
static std::string fit_text(const FitConfig& f) {
  std::string s = fit_to_toml(f);
  if (f.epochs >= 0) return s;
  if (s.empty()) s = "\n[fit]\n";
  return s.insert(s.find("[fit]\n") + 6, "epochs = " + std::to_string(f.epochs) + "\n");
}

std::string spec_to_toml(const ModelSpec& spec, std::vector<int>* layer_lines) {
  std::string s = "# written by cnnlab's model editor\nname = " + quoted(spec.name) +
                  "\nimage_size = " + std::to_string(spec.image_size) + "\n";
  int line = 3;
  if (layer_lines) layer_lines->clear();
  for (const LayerSpec& l : spec.layers) {
    s += "\n[[layer]]\ntype = " + quoted(l.type) + "\n";
    if (layer_lines) layer_lines->push_back(line + 2);  // the blank line, then the header
    line += 3;
    for (const std::string& b : layer_body(l)) s += b + "\n", ++line;
  }
  return s + fit_text(spec.fit);  // after the layers: their line numbers stay
}

// =================================================================================================
// [SECTION] reading
// =================================================================================================
// Only the arguments `i`'s kind has are read; the rest keep default_layer's values, so a spec
// written and read back compares equal.
static LayerSpec spec_from_info(const LayerInfo& i) {
  LayerSpec l = default_layer(layer_kind_name(i.kind));
  switch (i.kind) {
    case LayerKind::BatchNorm:
      l.momentum = i.bn_momentum, l.epsilon = i.bn_epsilon;
      return l;
    case LayerKind::Conv2D:
      l.filters = i.filters, l.kernel_size = i.kernel_h, l.strides = i.stride_h;
      l.padding = padding_name(i.padding), l.activation = activation_name(i.activation);
      l.l2 = i.l2;
      return l;
    case LayerKind::MaxPool2D:
    case LayerKind::AvgPool2D:
      l.pool_size = i.kernel_h, l.strides = i.stride_h;
      if (i.kind == LayerKind::AvgPool2D) l.padding = padding_name(i.padding);
      return l;
    case LayerKind::Dense:
      l.units = i.filters, l.activation = activation_name(i.activation), l.l2 = i.l2;
      return l;
    case LayerKind::Dropout:
      l.rate = i.rate;
      return l;
    default:
      break;
  }
  if (!is_augment_kind(i.kind)) return l;  // Flatten, BatchNormalization, GlobalAveragePooling2D
  const AugmentLayer& a = i.augment;
  if (i.kind == LayerKind::RandomFlip) {
    l.mode = a.horizontal && a.vertical ? "horizontal_and_vertical"
             : a.horizontal             ? "horizontal"
                                        : "vertical";
    return l;
  }
  l.factor_lo = a.lower, l.factor_hi = a.upper;
  if (i.kind == LayerKind::RandomContrast || i.kind == LayerKind::RandomBrightness) {
    l.value_lo = a.value_lo, l.value_hi = a.value_hi;
    return l;
  }
  if (i.kind == LayerKind::RandomTranslation || a.has_width)
    l.has_width = true, l.width_lo = a.lower2, l.width_hi = a.upper2;
  l.fill_mode = a.fill_mode == FillMode::Constant  ? "constant"
                : a.fill_mode == FillMode::Nearest ? "nearest"
                                                   : "reflect";
  l.interpolation = a.interpolation == Interpolation::Nearest ? "nearest" : "bilinear";
  l.fill_value = a.fill_value;
  return l;
}

ModelSpec spec_from_toml(const std::string& text, const std::string& path) {
  // The loader checks everything (and names the line); the layers come back from its model.
  const Model m = model_from_toml(text, path, 0, -1, false);
  ModelSpec spec;
  spec.name = m.preset_name;
  spec.image_size = m.input_h();
  spec.fit = m.fit;
  for (size_t i = 1; i < m.layers().size(); ++i)
    spec.layers.push_back(spec_from_info(m.layers()[i]));
  // units = "classes" is read as 2 by the loader: find which Dense layers wrote it.
  const toml::table root = toml::parse(text, path);  // parsed once above: cannot fail now
  if (const toml::array* layers = root["layer"].as_array())
    for (size_t i = 0; i < layers->size() && i < spec.layers.size(); ++i) {
      const toml::table* t = layers->get(i)->as_table();
      const toml::node* u = t ? t->get("units") : nullptr;
      if (u && u->is_string() && *u->value<std::string>() == "classes")
        spec.layers[i].units_classes = true, spec.layers[i].units = default_layer("Dense").units;
    }
  return spec;
}

ModelSpec load_model_spec(const std::string& name) {
  const std::string path = model_file_path(name);
  return spec_from_toml(read_file_text(path, kMaxModelFileBytes), path);
}

void save_model_spec(const ModelSpec& spec, const std::string& path) {
  write_file_atomic(path, spec_to_toml(spec));
}

// =================================================================================================
// [SECTION] checking
// =================================================================================================
namespace {

// The layer whose [[layer]] block holds `line`; -1 before the first.
int layer_at_line(const std::vector<int>& lines, int line) {
  int at = -1;
  for (size_t i = 0; i < lines.size(); ++i)
    if (lines[i] <= line) at = int(i);
  return at;
}

// The [fit] key on `line` of `text` ("epochs", "batch_size", "early_stopping",
// "reduce_lr_on_plateau", "cosine_decay", "mixup", "[fit]" for the table's own line); "" when the
// line is not in the [fit] table.
std::string fit_key_at_line(const std::string& text, int line) {
  const size_t fit = text.find("\n[fit]\n");
  if (line <= 0 || fit == std::string::npos) return "";
  size_t at = 0;
  for (int l = 1; l < line && at != std::string::npos; ++l) {
    at = text.find('\n', at);
    if (at != std::string::npos) ++at;
  }
  if (at == std::string::npos || at <= fit) return "";
  for (const char* key :
       {"epochs", "batch_size", "early_stopping", "reduce_lr_on_plateau", "cosine_decay", "mixup"})
    if (text.compare(at, std::char_traits<char>::length(key), key) == 0) return key;
  return "[fit]";
}

// The first `count` layers as the loader builds them: the loader only accepts a whole model
// (softmax Dense last), so a throwaway tail is tried after them (it stays in out.model, after
// out.built layers: callers read only those).
bool build_prefix(const ModelSpec& spec, size_t count, SpecCheck& out) {
  ModelSpec prefix = spec;
  prefix.layers.resize(count);
  LayerSpec dense = default_layer("Dense");
  dense.units_classes = true, dense.activation = "softmax";
  const std::vector<std::vector<LayerSpec>> tails = {
      {}, {dense}, {default_layer("Flatten"), dense}};
  for (const auto& tail : tails) {
    ModelSpec t = prefix;
    t.layers.insert(t.layers.end(), tail.begin(), tail.end());
    try {
      Model m = model_from_toml(spec_to_toml(t), "model", 0, -1, false);
      out.model = std::move(m);
      out.built = count;
      return true;
    } catch (const UserError&) {
    }
  }
  return false;
}

}  // namespace

SpecCheck check_spec(const ModelSpec& spec, int num_classes) {
  SpecCheck c;
  std::vector<int> lines;
  const std::string text = spec_to_toml(spec, &lines);
  try {
    c.model = model_from_toml(text, spec.name, 0, num_classes, false);
    c.ok = true;
    c.built = spec.layers.size();
    return c;
  } catch (const UserError& e) {
    c.error = e.reason() + (e.hint().empty() ? "" : " (" + e.hint() + ")");
    c.error_fit = fit_key_at_line(text, e.line());
    c.error_layer = e.line() > 0 && c.error_fit.empty() ? layer_at_line(lines, e.line()) : -1;
  }
  if (!c.error_fit.empty()) {  // the layers are whole (the loader reads [fit] after them)
    ModelSpec layers_only = spec;
    layers_only.fit = {};
    try {
      c.model = model_from_toml(spec_to_toml(layers_only), spec.name, 0, num_classes, false);
      c.built = spec.layers.size();
    } catch (const UserError&) {
    }
  }
  if (c.error_layer >= 0) build_prefix(spec, size_t(c.error_layer), c);
  return c;
}

}  // namespace cnnlab
