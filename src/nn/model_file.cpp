// nn/model_file.cpp — TOML model files ↔ Model: Keras layer names and arguments, errors as
// PATH:LINE.
//
// [SECTION] reading values (each error names the line)
// [SECTION] layers
// [SECTION] the [fit] table (epochs, EarlyStopping, ReduceLROnPlateau)
// [SECTION] the file
// [SECTION] writing a model back as a file
// [SECTION] where model files live
#include "nn/model_file.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "core/error.h"
#include "core/fileio.h"
#include "core/sysinfo.h"

namespace cnnlab {

namespace fs = std::filesystem;

// =================================================================================================
// [SECTION] reading values (each error names the line)
// =================================================================================================
namespace {

// 1e-08, 0.9999, 100001: std::to_string's "0.000000" would hide a bound like 1e-8.
std::string short_num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

struct Reader {
  std::string path;
  int line = 0;  // of the layer being read

  [[noreturn]] void fail(const std::string& why, const std::string& hint = {}, int at = 0) const {
    throw UserError(path, why, hint, at > 0 ? at : line);
  }
  int line_of(const toml::node& n) const { return int(n.source().begin.line); }

  double number(const toml::table& t, const char* key, double fallback, double lo,
                double hi) const {
    const toml::node* n = t.get(key);
    if (!n) return fallback;
    std::optional<double> v = n->value<double>();  // integers convert too
    if (!v || !std::isfinite(*v))
      fail(std::string("'") + key + "' must be a number", {}, line_of(*n));
    if (*v < lo || *v > hi)
      fail(std::string("'") + key + "' = " + short_num(*v) + " is out of range [" + short_num(lo) +
               ", " + short_num(hi) + "]",
           {}, line_of(*n));
    return *v;
  }
  int integer(const toml::table& t, const char* key, int fallback, int lo, int hi) const {
    const toml::node* n = t.get(key);
    if (!n) {
      if (fallback < 0) fail(std::string("missing '") + key + "'");
      return fallback;
    }
    if (const toml::array* a = n->as_array()) {  // Keras's (k, k): both the same
      if (a->size() != 2 || !a->get(0)->is_integer() || !a->get(1)->is_integer() ||
          a->get(0)->value<int64_t>() != a->get(1)->value<int64_t>())
        fail(std::string("'") + key + "' must be one whole number or two equal ones",
             "only square kernels, pools and strides", line_of(*n));
      n = a->get(0);
    }
    std::optional<int64_t> v = n->is_integer() ? n->value<int64_t>() : std::nullopt;
    if (!v) fail(std::string("'") + key + "' must be a whole number", {}, line_of(*n));
    if (*v < lo || *v > hi)
      fail(std::string("'") + key + "' = " + std::to_string(*v) + " is out of range " +
               std::to_string(lo) + ".." + std::to_string(hi),
           {}, line_of(*n));
    return int(*v);
  }
  std::string text(const toml::table& t, const char* key, const std::string& fallback,
                   const std::set<std::string>& allowed) const {
    const toml::node* n = t.get(key);
    if (!n) return fallback;
    if (!n->is_string()) fail(std::string("'") + key + "' must be a string", {}, line_of(*n));
    std::string v = *n->value<std::string>();
    if (!allowed.empty() && !allowed.count(v)) {
      std::string list;
      for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
      fail(std::string("'") + key + "' = \"" + v + "\" is not supported", "use one of: " + list,
           line_of(*n));
    }
    return v;
  }
  // Keras's factor: one number f = (-f, f) (or (f, f) where `symmetric` is false), or [lo, hi].
  std::pair<float, float> range(const toml::table& t, const char* key, bool required,
                                bool symmetric = true) const {
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) fail(std::string("missing '") + key + "'");
      return {0.0f, 0.0f};
    }
    if (const toml::array* a = n->as_array()) {
      std::optional<double> lo = a->size() == 2 ? a->get(0)->value<double>() : std::nullopt;
      std::optional<double> hi = a->size() == 2 ? a->get(1)->value<double>() : std::nullopt;
      if (!lo || !hi)
        fail(std::string("'") + key + "' must be a number or [low, high]", {}, line_of(*n));
      return {float(*lo), float(*hi)};
    }
    std::optional<double> f = n->value<double>();
    if (!f) fail(std::string("'") + key + "' must be a number or [low, high]", {}, line_of(*n));
    return symmetric ? std::pair{-float(std::fabs(*f)), float(std::fabs(*f))}
                     : std::pair{float(*f), float(*f)};
  }
  void check_keys(const toml::table& t, const std::set<std::string>& known,
                  const std::string& type) const {
    for (auto&& [k, v] : t) {
      if (known.count(std::string(k.str())) || k.str() == "type") continue;
      std::string list;
      for (const std::string& a : known) list += (list.empty() ? "" : ", ") + a;
      fail("unknown argument '" + std::string(k.str()) + "' for " + type,
           list.empty() ? type + " takes no arguments" : type + " takes: " + list, line_of(v));
    }
  }
};

Activation parse_activation(const Reader& r, const toml::table& t) {
  const std::string a = r.text(t, "activation", "linear", {"linear", "relu", "softmax"});
  return a == "relu" ? Activation::Relu : a == "softmax" ? Activation::Softmax : Activation::None;
}

Padding parse_padding(const Reader& r, const toml::table& t) {
  return r.text(t, "padding", "valid", {"valid", "same"}) == "same" ? Padding::Same
                                                                    : Padding::Valid;
}

// kernel_regularizer = { l2 = 0.01 } or "l2" (Keras's default factor 0.01).
float parse_l2(const Reader& r, const toml::table& t) {
  const toml::node* n = t.get("kernel_regularizer");
  if (!n) return 0;
  if (n->is_string()) {
    if (*n->value<std::string>() != "l2")
      r.fail("kernel_regularizer must be \"l2\" or { l2 = factor }", {}, r.line_of(*n));
    return 0.01f;
  }
  const toml::table* reg = n->as_table();
  if (!reg) r.fail("kernel_regularizer must be \"l2\" or { l2 = factor }", {}, r.line_of(*n));
  r.check_keys(*reg, {"l2"}, "kernel_regularizer");
  return float(r.number(*reg, "l2", 0.01, 0, 1e3));
}

// =================================================================================================
// [SECTION] layers
// =================================================================================================
// A layer's output would be under one pixel: say which and why, at the layer's line.
void check_window(const Reader& r, const LayerInfo& in, int window, Padding p, const char* type) {
  if (in.flat)
    r.fail(std::string(type) + " needs an image-shaped input (H, W, C), not a flat one",
           "put it before Flatten/GlobalAveragePooling2D");
  if (p == Padding::Valid && (in.out_h < window || in.out_w < window))
    r.fail(std::string(type) + " with a " + std::to_string(window) + "x" + std::to_string(window) +
               " window does not fit its " + std::to_string(in.out_h) + "x" +
               std::to_string(in.out_w) + " input: the output would have no pixels",
           "use padding = \"same\", a smaller window, fewer pooling layers or a larger image_size");
}

AugmentLayer parse_augment(const Reader& r, const toml::table& t, const std::string& type) {
  const std::set<std::string> geo = {"fill_mode", "interpolation", "fill_value"};
  auto geometric = [&](AugmentLayer a) {
    const std::string f = r.text(t, "fill_mode", "reflect", {"reflect", "constant", "nearest"});
    a.fill_mode = f == "constant"  ? FillMode::Constant
                  : f == "nearest" ? FillMode::Nearest
                                   : FillMode::Reflect;
    a.interpolation = r.text(t, "interpolation", "bilinear", {"bilinear", "nearest"}) == "nearest"
                          ? Interpolation::Nearest
                          : Interpolation::Bilinear;
    a.fill_value = float(r.number(t, "fill_value", 0, -1e6, 1e6));
    return a;
  };
  auto with_range = [&](AugmentLayer a) {  // value_range = [0, 255] in pixels
    if (const toml::node* n = t.get("value_range")) {
      const toml::array* v = n->as_array();
      std::optional<double> lo = v && v->size() == 2 ? v->get(0)->value<double>() : std::nullopt;
      std::optional<double> hi = v && v->size() == 2 ? v->get(1)->value<double>() : std::nullopt;
      if (!lo || !hi) r.fail("'value_range' must be [low, high]", {}, r.line_of(*n));
      a.value_lo = float(*lo), a.value_hi = float(*hi);
    }
    return a;
  };
  AugmentLayer a;
  if (type == "RandomFlip") {
    r.check_keys(t, {"mode"}, type);
    const std::string m = r.text(t, "mode", "horizontal_and_vertical",
                                 {"horizontal", "vertical", "horizontal_and_vertical"});
    a = random_flip(m != "vertical", m != "horizontal");
  } else if (type == "RandomRotation") {
    std::set<std::string> keys = geo;
    keys.insert("factor");
    r.check_keys(t, keys, type);
    auto [lo, hi] = r.range(t, "factor", true);
    a = geometric(random_rotation(lo, hi));
  } else if (type == "RandomZoom" || type == "RandomTranslation") {
    std::set<std::string> keys = geo;
    keys.insert({"height_factor", "width_factor"});
    r.check_keys(t, keys, type);
    auto [hl, hh] = r.range(t, "height_factor", true);
    const bool zoom = type == "RandomZoom";
    auto [wl, wh] = r.range(t, "width_factor", !zoom);
    a = zoom ? (t.get("width_factor") ? random_zoom(hl, hh, wl, wh) : random_zoom(hl, hh))
             : random_translation(hl, hh, wl, wh);
    a = geometric(a);
  } else if (type == "RandomContrast") {
    r.check_keys(t, {"factor", "value_range"}, type);
    auto [lo, hi] = r.range(t, "factor", true, false);
    a = with_range(random_contrast(lo, hi));
  } else {
    r.check_keys(t, {"factor", "value_range"}, type);
    auto [lo, hi] = r.range(t, "factor", true);
    a = with_range(random_brightness(lo, hi));
  }
  if (std::string why = augment_layer_problem(a); !why.empty()) r.fail(type + ": " + why);
  return a;
}

// Adds one [[layer]] table to m. `last` says whether it is the file's last layer.
void add_layer(const Reader& r, const toml::table& t, Model& m, bool last, int num_classes) {
  const toml::node* type_node = t.get("type");
  if (!type_node || !type_node->is_string())
    r.fail("a [[layer]] needs type = \"...\" (a Keras layer name such as \"Conv2D\")");
  const std::string type = *type_node->value<std::string>();
  const LayerInfo& in = m.layers().back();
  if (in.activation == Activation::Softmax)
    r.fail("a layer after the softmax layer", "softmax belongs to the last Dense layer only");
  const bool augment = type.rfind("Random", 0) == 0;
  if (augment && in.kind != LayerKind::Input && !is_augment_kind(in.kind))
    r.fail(type + " after a " + layer_kind_name(in.kind) + " layer",
           "augmentation layers (Random*) go first, before any other layer");
  if (type == "Conv2D") {
    r.check_keys(
        t, {"filters", "kernel_size", "strides", "padding", "activation", "kernel_regularizer"},
        type);
    const int filters = r.integer(t, "filters", -1, 1, 65536);
    const int k = r.integer(t, "kernel_size", -1, 1, 64), s = r.integer(t, "strides", 1, 1, 64);
    const Padding p = parse_padding(r, t);
    const Activation a = parse_activation(r, t);
    if (a == Activation::Softmax)
      r.fail("Conv2D cannot use softmax", "softmax is for the last Dense layer");
    check_window(r, in, k, p, "Conv2D");
    m.conv2d(filters, k, a, p, s).kernel_l2(parse_l2(r, t));
  } else if (type == "MaxPooling2D" || type == "AveragePooling2D") {
    r.check_keys(t, {"pool_size", "strides", "padding"}, type);
    const int pool = r.integer(t, "pool_size", 2, 1, 64), s = r.integer(t, "strides", pool, 1, 64);
    const bool avg = type == "AveragePooling2D";
    const Padding p = avg ? parse_padding(r, t) : Padding::Valid;
    if (!avg) (void)r.text(t, "padding", "valid", {"valid"});  // our MaxPooling2D: valid only
    check_window(r, in, pool, p, type.c_str());
    if (avg)
      m.avg_pool2d(pool, s, p);
    else
      m.maxpool2d(pool, s);
  } else if (type == "BatchNormalization") {
    r.check_keys(t, {"momentum", "epsilon"}, type);
    // Keras's defaults; with few batches per epoch a lower momentum lets the moving statistics
    // (what inference uses) catch up with the weights.
    const double momentum = r.number(t, "momentum", 0.99, 0, 0.9999);
    const double epsilon = r.number(t, "epsilon", 1e-3, 1e-8, 1);
    m.batch_norm(float(momentum), float(epsilon));
  } else if (type == "Flatten" || type == "GlobalAveragePooling2D") {
    r.check_keys(t, {}, type);
    if (type == "Flatten")
      m.flatten();
    else {
      if (in.flat) r.fail("GlobalAveragePooling2D needs an image-shaped input (H, W, C)");
      m.global_avg_pool2d();
    }
  } else if (type == "Dropout") {
    r.check_keys(t, {"rate"}, type);
    if (!t.get("rate")) r.fail("missing 'rate'", "the fraction of units to drop, e.g. rate = 0.5");
    const double rate = r.number(t, "rate", 0, 0, 1);
    if (rate >= 1)
      r.fail("Dropout rate must be below 1 (1 drops everything)", "Keras uses 0.2 to 0.5",
             r.line_of(*t.get("rate")));
    m.dropout(float(rate));
  } else if (type == "Dense") {
    r.check_keys(t, {"units", "activation", "kernel_regularizer"}, type);
    if (!in.flat)
      r.fail("Dense needs a flat input", "add a Flatten or GlobalAveragePooling2D layer before it");
    const toml::node* u = t.get("units");
    int units = 0;
    if (u && u->is_string() && *u->value<std::string>() == "classes") {
      if (num_classes == 0)
        r.fail("units = \"classes\" but the number of classes is not known here");
      units = num_classes < 0 ? kMinClasses : num_classes;
    } else {
      units = r.integer(t, "units", -1, 1, 1 << 24);
      if (last && num_classes > 0 && units != num_classes)
        r.fail("the last Dense layer has " + std::to_string(units) + " units but the data has " +
                   std::to_string(num_classes) + " classes",
               "write units = \"classes\"");
    }
    const Activation a = parse_activation(r, t);
    if (a == Activation::Softmax && !last) r.fail("softmax is allowed only on the last layer");
    m.dense(units, a).kernel_l2(parse_l2(r, t));
  } else if (type == "RandomFlip" || type == "RandomRotation" || type == "RandomZoom" ||
             type == "RandomTranslation" || type == "RandomContrast" ||
             type == "RandomBrightness") {
    m.augment(parse_augment(r, t, type));
  } else {
    r.fail(
        "unknown layer type \"" + type + "\"",
        "known: Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Flatten, Dense, "
        "Dropout, BatchNormalization, RandomFlip, RandomRotation, RandomZoom, RandomTranslation, "
        "RandomContrast, RandomBrightness");
  }
}

// Before anything big is allocated: parameters, gradients and Adam moments (batch 1) must fit.
// The error points at the layer with the most parameters (lines[i] is layer i+1's line).
void check_fits(const Reader& r, const Model& m, const std::vector<int>& lines) {
  const size_t need = m.estimate_memory(1, true).total();
  const size_t have = available_memory_bytes();
  if (have == 0 || need <= have) return;
  size_t biggest = 0, at = 1;
  for (size_t i = 1; i < m.layers().size(); ++i)
    if (m.layers()[i].num_params() > biggest) biggest = m.layers()[i].num_params(), at = i;
  r.fail("this model needs " + format_bytes(double(need)) + " to train (" +
             with_commas(m.num_params()) + " parameters), only " + format_bytes(double(have)) +
             " of memory is available",
         "use a smaller image_size, fewer filters or units, or GlobalAveragePooling2D instead of "
         "Flatten before the first Dense layer (this layer has " +
             with_commas(biggest) + " parameters)",
         lines[at - 1]);
}

// =================================================================================================
// [SECTION] the [fit] table (epochs, EarlyStopping, ReduceLROnPlateau)
// =================================================================================================
bool boolean(const Reader& r, const toml::table& t, const char* key, bool fallback) {
  const toml::node* n = t.get(key);
  if (!n) return fallback;
  if (!n->is_boolean())
    r.fail(std::string("'") + key + "' must be true or false", {}, r.line_of(*n));
  return *n->value<bool>();
}

MonitorMode parse_mode(const Reader& r, const toml::table& t) {
  const std::string m = r.text(t, "mode", "auto", {"auto", "min", "max"});
  return m == "min" ? MonitorMode::Min : m == "max" ? MonitorMode::Max : MonitorMode::Auto;
}

std::string parse_monitor(const Reader& r, const toml::table& t) {
  return r.text(t, "monitor", "val_loss", {"val_loss", "val_accuracy", "loss", "accuracy"});
}

// `key = { ... }` inside [fit]: the callback's own table (its line for errors).
const toml::table* callback_table(Reader& r, const toml::table& fit, const char* key) {
  const toml::node* n = fit.get(key);
  if (!n) return nullptr;
  r.line = r.line_of(*n);
  if (!n->is_table())
    r.fail(std::string("'") + key + "' must be a table of Keras arguments",
           std::string("e.g. ") + key + " = { patience = 5 }");
  return n->as_table();
}

EarlyStoppingConfig parse_early_stopping(const Reader& r, const toml::table& t) {
  r.check_keys(
      t, {"monitor", "min_delta", "patience", "mode", "restore_best_weights", "start_from_epoch"},
      "early_stopping");
  EarlyStoppingConfig c;
  c.enabled = true;
  c.monitor = parse_monitor(r, t);
  c.min_delta = r.number(t, "min_delta", 0, 0, 1e6);
  c.patience = r.integer(t, "patience", 0, 0, 100000);
  c.mode = parse_mode(r, t);
  c.restore_best_weights = boolean(r, t, "restore_best_weights", false);
  c.start_from_epoch = r.integer(t, "start_from_epoch", 0, 0, 100000);
  return c;
}

ReduceLROnPlateauConfig parse_reduce_lr(const Reader& r, const toml::table& t) {
  r.check_keys(t, {"monitor", "factor", "patience", "mode", "min_delta", "cooldown", "min_lr"},
               "reduce_lr_on_plateau");
  ReduceLROnPlateauConfig c;
  c.enabled = true;
  c.monitor = parse_monitor(r, t);
  c.factor = r.number(t, "factor", 0.1, 0, 1);
  if (c.factor <= 0 || c.factor >= 1)  // Keras: "does not support a factor >= 1.0"
    r.fail("reduce_lr_on_plateau factor must be above 0 and below 1 (the lr is multiplied by it)",
           "Keras uses 0.1 to 0.5", r.line_of(*t.get("factor")));
  c.patience = r.integer(t, "patience", 10, 0, 100000);
  c.mode = parse_mode(r, t);
  c.min_delta = r.number(t, "min_delta", 1e-4, 0, 1e6);
  c.cooldown = r.integer(t, "cooldown", 0, 0, 100000);
  c.min_lr = r.number(t, "min_lr", 0, 0, 10);
  return c;
}

CosineDecayConfig parse_cosine_decay(const Reader& r, const toml::table& t) {
  r.check_keys(t, {"warmup_epochs", "alpha"}, "cosine_decay");
  CosineDecayConfig c;
  c.enabled = true;
  c.warmup_epochs = r.integer(t, "warmup_epochs", 0, 0, 100000);
  c.alpha = r.number(t, "alpha", 0, 0, 1);
  return c;
}

MixUpConfig parse_mixup(const Reader& r, const toml::table& t) {
  r.check_keys(t, {"alpha"}, "mixup");
  MixUpConfig c;
  c.enabled = true;
  c.alpha = r.number(t, "alpha", 0.2, 0, 10);
  if (c.alpha <= 0)
    r.fail("mixup alpha must be above 0 (λ ~ Beta(alpha, alpha))", "Keras uses 0.2",
           r.line_of(*t.get("alpha")));
  return c;
}

FitConfig parse_fit(Reader r, const toml::node& node) {
  r.line = r.line_of(node);
  const toml::table* fit = node.as_table();
  if (!fit) r.fail("'fit' must be a table", "write [fit] on its own line, then epochs = 60, ...");
  r.check_keys(
      *fit,
      {"epochs", "batch_size", "early_stopping", "reduce_lr_on_plateau", "cosine_decay", "mixup"},
      "[fit]");
  FitConfig c;
  c.epochs = r.integer(*fit, "epochs", 0, 1, 100000);
  c.batch_size = r.integer(*fit, "batch_size", 0, 1, 4096);  // the CLI's --batch-size range
  if (const toml::table* t = callback_table(r, *fit, "early_stopping"))
    c.early_stopping = parse_early_stopping(r, *t);
  if (const toml::table* t = callback_table(r, *fit, "reduce_lr_on_plateau"))
    c.reduce_lr = parse_reduce_lr(r, *t);
  if (const toml::table* t = callback_table(r, *fit, "cosine_decay")) {
    c.cosine_decay = parse_cosine_decay(r, *t);
    if (c.reduce_lr.enabled)  // Keras: ReduceLROnPlateau cannot set a scheduled learning rate
      r.fail(
          "cosine_decay sets the learning rate every step, so reduce_lr_on_plateau cannot run "
          "with it",
          "keep one of the two");
    if (c.epochs > 0 && c.cosine_decay.warmup_epochs >= c.epochs)
      r.fail("cosine_decay warmup_epochs = " + std::to_string(c.cosine_decay.warmup_epochs) +
                 " leaves no epoch to decay in (epochs = " + std::to_string(c.epochs) + ")",
             "warm up for a few epochs, e.g. 5");
  }
  if (const toml::table* t = callback_table(r, *fit, "mixup")) c.mixup = parse_mixup(r, *t);
  return c;
}

}  // namespace

// =================================================================================================
// [SECTION] the file
// =================================================================================================
static toml::table parse_text(const std::string& text, const std::string& path) {
  if (text.size() > kMaxModelFileBytes)
    throw UserError(path, "model file too large (" + std::to_string(text.size()) + " bytes)",
                    "a model file is a few KB; is this the right file?", 1);
  try {
    return toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw UserError(path, "TOML syntax error: " + std::string(e.description()),
                    "check quotes, brackets and commas near this line", int(e.source().begin.line));
  }
}

Model model_from_toml(const std::string& text, const std::string& path, int image_size,
                      int num_classes, bool check_memory) {
  const toml::table root = parse_text(text, path);
  Reader r{path, 1};
  for (auto&& [k, v] : root)
    if (k.str() != "name" && k.str() != "image_size" && k.str() != "layer" && k.str() != "fit")
      r.fail("unknown key '" + std::string(k.str()) + "'",
             "a model file has name, image_size, [[layer]] tables and a [fit] table", r.line_of(v));
  const int file_size = r.integer(root, "image_size", 0, kMinImageSize, kMaxImageSize);
  const int size = image_size > 0 ? image_size : file_size;
  if (size == 0) r.fail("no image_size", "add image_size = 128 (or give --image-size)");
  try {
    check_model_input(size, size, 3);
  } catch (const UserError& e) {
    r.fail(e.reason(), e.hint());
  }
  const toml::array* layers = root["layer"].as_array();
  if (!layers || layers->empty() || !layers->is_array_of_tables())
    r.fail("no layers",
           "add [[layer]] tables, the last a Dense layer with activation = \"softmax\"");
  if (layers->size() > 1000) r.fail("more than 1000 layers");
  Model m(size, size, 3);
  m.preset_name = r.text(root, "name", fs::path(path).stem().string(), {});
  std::vector<int> lines;  // each layer's line: its type's, else its [[layer]] header's
  for (size_t i = 0; i < layers->size(); ++i) {
    const toml::table& t = *layers->get(i)->as_table();
    r.line = r.line_of(t.get("type") ? *t.get("type") : t);
    lines.push_back(r.line);
    try {
      add_layer(r, t, m, i + 1 == layers->size(), num_classes);
    } catch (const UserError& e) {
      if (!e.path().empty()) throw;  // ours, with its line
      r.fail(e.reason(), e.hint());  // the builder's (a layer too large), at this layer
    }
  }
  r.line = lines.back();
  try {
    check_model(m);
  } catch (const UserError& e) {
    r.fail(e.reason(), e.hint());
  }
  if (const toml::node* fit = root.get("fit")) m.fit = parse_fit(r, *fit);
  if (check_memory) check_fits(r, m, lines);
  return m;
}

Model load_model_file(const std::string& path, int image_size, int num_classes) {
  return model_from_toml(read_file_text(path, kMaxModelFileBytes), path, image_size, num_classes);
}

int model_file_image_size(const std::string& path) {
  const toml::table root = parse_text(read_file_text(path, kMaxModelFileBytes), path);
  Reader r{path, 1};
  return r.integer(root, "image_size", 0, kMinImageSize, kMaxImageSize);
}

// =================================================================================================
// [SECTION] writing a model back as a file
// =================================================================================================
static std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  std::string s = buf;
  if (s.find_first_of(".en") == std::string::npos) s += ".0";  // TOML floats need a point
  return s;
}

static std::string augment_toml(const LayerInfo& l) {
  const AugmentLayer& a = l.augment;
  const std::string factor = "[" + num(a.lower) + ", " + num(a.upper) + "]";
  std::string s;
  switch (l.kind) {
    case LayerKind::RandomFlip:
      s = std::string("mode = \"") +
          (a.horizontal && a.vertical ? "horizontal_and_vertical"
           : a.horizontal             ? "horizontal"
                                      : "vertical") +
          "\"\n";
      return s;
    case LayerKind::RandomContrast:
    case LayerKind::RandomBrightness:
      return "factor = " + factor + "\nvalue_range = [" + num(a.value_lo) + ", " + num(a.value_hi) +
             "]\n";
    case LayerKind::RandomRotation:
      s = "factor = " + factor + "\n";
      break;
    default:
      s = "height_factor = " + factor + "\n";
      if (l.kind == LayerKind::RandomTranslation || a.has_width)
        s += "width_factor = [" + num(a.lower2) + ", " + num(a.upper2) + "]\n";
  }
  s += std::string("fill_mode = \"") +
       (a.fill_mode == FillMode::Constant  ? "constant"
        : a.fill_mode == FillMode::Nearest ? "nearest"
                                           : "reflect") +
       "\"\n";
  s += std::string("interpolation = \"") +
       (a.interpolation == Interpolation::Nearest ? "nearest" : "bilinear") + "\"\n";
  return s + "fill_value = " + num(a.fill_value) + "\n";
}

std::string fit_to_toml(const FitConfig& f) {
  if (!f.any()) return "";
  std::string s = "\n[fit]\n";
  if (f.epochs > 0) s += "epochs = " + std::to_string(f.epochs) + "\n";
  if (f.batch_size > 0) s += "batch_size = " + std::to_string(f.batch_size) + "\n";
  if (const EarlyStoppingConfig& e = f.early_stopping; e.enabled)
    s += "early_stopping = { monitor = \"" + e.monitor + "\", min_delta = " + num(e.min_delta) +
         ", patience = " + std::to_string(e.patience) + ", mode = \"" + monitor_mode_name(e.mode) +
         "\", restore_best_weights = " + (e.restore_best_weights ? "true" : "false") +
         ", start_from_epoch = " + std::to_string(e.start_from_epoch) + " }\n";
  if (const ReduceLROnPlateauConfig& r = f.reduce_lr; r.enabled)
    s += "reduce_lr_on_plateau = { monitor = \"" + r.monitor + "\", factor = " + num(r.factor) +
         ", patience = " + std::to_string(r.patience) + ", mode = \"" + monitor_mode_name(r.mode) +
         "\", min_delta = " + num(r.min_delta) + ", cooldown = " + std::to_string(r.cooldown) +
         ", min_lr = " + num(r.min_lr) + " }\n";
  if (const CosineDecayConfig& c = f.cosine_decay; c.enabled)
    s += "cosine_decay = { warmup_epochs = " + std::to_string(c.warmup_epochs) +
         ", alpha = " + num(c.alpha) + " }\n";
  if (f.mixup.enabled) s += "mixup = { alpha = " + num(f.mixup.alpha) + " }\n";
  return s;
}

const char* monitor_mode_name(MonitorMode m) {
  return m == MonitorMode::Min ? "min" : m == MonitorMode::Max ? "max" : "auto";
}

std::string model_to_toml(const Model& m) {
  std::string s =
      "# written by cnnlab: the model of a checkpoint\nname = \"" + m.preset_name + "\"\n";
  s += "image_size = " + std::to_string(m.input_h()) + "\n";
  for (size_t i = 1; i < m.layers().size(); ++i) {
    const LayerInfo& l = m.layers()[i];
    s += "\n[[layer]]\ntype = \"" + std::string(layer_kind_name(l.kind)) + "\"\n";
    const std::string reg = l.l2 > 0 ? "kernel_regularizer = { l2 = " + num(l.l2) + " }\n" : "";
    switch (l.kind) {
      case LayerKind::Conv2D:
        s += "filters = " + std::to_string(l.filters) +
             "\nkernel_size = " + std::to_string(l.kernel_h) +
             "\nstrides = " + std::to_string(l.stride_h) + "\npadding = \"" +
             padding_name(l.padding) + "\"\nactivation = \"" + activation_name(l.activation) +
             "\"\n" + reg;
        break;
      case LayerKind::MaxPool2D:
      case LayerKind::AvgPool2D:
        s += "pool_size = " + std::to_string(l.kernel_h) +
             "\nstrides = " + std::to_string(l.stride_h) + "\n";
        if (l.kind == LayerKind::AvgPool2D)
          s += std::string("padding = \"") + padding_name(l.padding) + "\"\n";
        break;
      case LayerKind::Dense:
        s += "units = " + std::to_string(l.filters) + "\nactivation = \"" +
             activation_name(l.activation) + "\"\n" + reg;
        break;
      case LayerKind::Dropout:
        s += "rate = " + num(l.rate) + "\n";
        break;
      case LayerKind::BatchNorm:
        if (l.bn_momentum != 0.99f) s += "momentum = " + num(l.bn_momentum) + "\n";
        if (l.bn_epsilon != 1e-3f) s += "epsilon = " + num(l.bn_epsilon) + "\n";
        break;
      case LayerKind::Flatten:
      case LayerKind::GlobalAvgPool2D:
      case LayerKind::Input:
        break;
      default:
        s += augment_toml(l);
    }
  }
  return s + fit_to_toml(m.fit);
}

// =================================================================================================
// [SECTION] where model files live
// =================================================================================================
std::string default_model_dir() {
  if (const char* env = std::getenv("CNNLAB_MODELS"); env && *env) return env;
  std::error_code ec;
  if (fs::is_directory(CNNLAB_MODEL_DIR, ec)) return CNNLAB_MODEL_DIR;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path installed = exe.parent_path() / ".." / "share" / "cnnlab" / "models";
    if (fs::is_directory(installed, ec)) return fs::weakly_canonical(installed, ec).string();
  }
  return CNNLAB_MODEL_DIR;  // missing: loading a preset reports it with this path
}

std::string model_file_path(const std::string& name) {
  const bool is_path = name.find('/') != std::string::npos ||
                       (name.size() > 5 && name.compare(name.size() - 5, 5, ".toml") == 0);
  return is_path ? name : (fs::path(default_model_dir()) / (name + ".toml")).string();
}

std::vector<std::string> model_file_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(default_model_dir(), ec))
    if (e.path().extension() == ".toml") names.push_back(e.path().stem().string());
  const std::vector<std::string> first = {"course", "small", "tiny"};
  auto rank = [&](const std::string& n) {
    auto it = std::find(first.begin(), first.end(), n);
    return it - first.begin();
  };
  std::sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
    return rank(a) != rank(b) ? rank(a) < rank(b) : a < b;
  });
  return names;
}

}  // namespace cnnlab
