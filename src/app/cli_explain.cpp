// app/cli_explain.cpp — `cnnlab explain`: Grad-CAM or gradient saliency of a checkpoint on photos,
// written as heat-over-photo PNGs (nn/explain.h).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "app/commands.h"
#include "core/error.h"
#include "data/image.h"
#include "nn/explain.h"
#include "nn/model.h"
#include "nn/serialize.h"
#include "train/setup.h"

namespace cnnlab {

namespace {

struct ExplainArgs {
  std::string load, cls = "auto", method = "gradcam", layer, out;
  std::vector<std::string> photos;
  float opacity = 0.7f;
  int max_side = 512, threads = 2;
};

// A class name as part of a file name: letters, digits, '-', '.' kept; anything else '_'.
std::string file_safe(const std::string& name) {
  std::string s;
  for (unsigned char c : name) s += std::isalnum(c) || c == '-' || c == '.' ? char(c) : '_';
  return s.empty() || s[0] == '.' ? "_" + s : s;
}

int find_class(const std::vector<std::string>& names, const std::string& cls) {
  if (cls == "auto") return -1;
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == cls) return int(i);
  std::string known;
  for (auto& n : names) known += (known.empty() ? "" : ", ") + n;
  throw UserError("--class", "the checkpoint has no class '" + cls + "'",
                  "use auto (the predicted class) or one of: " + known);
}

// The photo at up to max_side pixels on its longer side, the heat stretched back over it (the
// model saw the photo squashed to N×N, so stretching undoes exactly that).
Image overlay_image(const Image& photo, const Explanation& e, int max_side, float opacity) {
  const double scale = std::min(1.0, double(max_side) / std::max(photo.width, photo.height));
  const int w = std::max(1, int(std::lround(photo.width * scale)));
  const int h = std::max(1, int(std::lround(photo.height * scale)));
  Image out = resize_rgb(photo, w, h);
  std::vector<float> heat = resize_bilinear(e.heat.data(), e.h, e.w, h, w);
  blend_heat(out.pixels.data(), out.pixels.data(), heat.data(), h, w, opacity);
  return out;
}

// One photo: predict, explain, write DIR/<stem>_<method>_<class>.png. UserError on a bad photo.
void explain_one(Model& model, const CheckpointInfo& info, const ExplainArgs& a,
                 const std::string& path, int cls, ExplainMethod method, int layer) {
  Image photo = decode_image_file(path);  // what the dataset loader decodes, with its messages
  Image in = resize_rgb(photo, model.input_w(), model.input_h());
  std::vector<float> x(in.pixels.size());
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = (in.pixels[i] / 255.0f - info.scaling.mean) / info.scaling.std;
  Explanation e = explain_image(model, x.data(), cls, method, layer);
  for (float p : e.probs)
    if (!std::isfinite(p))
      throw UserError(path, "the model's output for this image is not a number",
                      "its weights in " + a.load + " are too large; retrain it");
  const std::string name = info.class_names[size_t(e.cls)];
  const std::string out = (std::filesystem::path(a.out) /
                           (std::filesystem::path(path).stem().string() + "_" +
                            explain_method_name(method) + "_" + file_safe(name) + ".png"))
                              .string();
  write_png(out, overlay_image(photo, e, a.max_side, a.opacity));
  std::printf("%s: %s (%.1f%%); %s of %s (%.1f%%) -> %s\n", path.c_str(),
              info.class_names[size_t(e.predicted)].c_str(), 100.0 * e.probs[size_t(e.predicted)],
              method == ExplainMethod::GradCam ? "Grad-CAM" : "saliency", name.c_str(),
              100.0 * e.probs[size_t(e.cls)], out.c_str());
}

int run_explain(const ExplainArgs& a) {
  return guarded([&] {
    ExplainMethod method;
    if (!parse_explain_method(a.method, &method))
      throw UserError("--method", "unknown method '" + a.method + "'", "use gradcam or saliency");
    if (!(a.opacity >= 0 && a.opacity <= 1)) throw UserError("--opacity", "must be 0 to 1");
    if (a.max_side < 8 || a.max_side > 8192) throw UserError("--max-side", "must be 8 to 8192");
    if (a.threads < 1 || a.threads > 256) throw UserError("--threads", "must be 1 to 256");
    LoadedModel lm = load_safetensors(a.load, 1, /*for_training=*/false);
    CheckpointInfo info = read_checkpoint_info(lm.metadata, a.load, lm.model.num_classes());
    lm.model.set_threads(a.threads);
    const int cls = find_class(info.class_names, a.cls);
    int layer = -1;
    if (method == ExplainMethod::GradCam) {
      layer = a.layer.empty() ? last_conv_layer(lm.model) : find_explain_layer(lm.model, a.layer);
      if (layer < 0)
        throw UserError(a.load, "Grad-CAM needs a Conv2D layer and this model has none",
                        "use --method saliency");
    } else if (!a.layer.empty()) {
      throw UserError("--layer", "applies to --method gradcam only");
    }
    std::error_code ec;
    std::filesystem::create_directories(a.out, ec);
    if (!std::filesystem::is_directory(a.out))
      throw UserError(a.out, "cannot create the output folder",
                      ec ? ec.message() : "a file of that name is in the way");
    int failures = 0;
    for (const std::string& path : a.photos) {
      try {
        explain_one(lm.model, info, a, path, cls, method, layer);
      } catch (const UserError& e) {
        std::fprintf(stderr, "cnnlab: error: %s\n", e.what());
        ++failures;
      }
    }
    return failures ? 1 : 0;
  });
}

}  // namespace

void register_explain_commands(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<ExplainArgs>();
  auto* ex = app.add_subcommand(
      "explain", "Where the model looks: Grad-CAM or saliency heat over photos, as PNGs");
  ex->add_option("--load", a->load, "Checkpoint (.safetensors)")->required();
  ex->add_option("--class", a->cls, "Class to explain: a class name, or auto (the predicted one)")
      ->capture_default_str();
  ex->add_option("--method", a->method,
                 "gradcam (last conv layer's maps weighed by the class logit's gradient) or "
                 "saliency (|gradient| of the class logit w.r.t. each pixel)")
      ->capture_default_str();
  ex->add_option("--layer", a->layer, "Grad-CAM's layer (default: the last Conv2D)");
  ex->add_option("--out", a->out, "Folder for PHOTO-STEM_METHOD_CLASS.png")->required();
  ex->add_option("--opacity", a->opacity, "Heat over the photo, 0 to 1")->capture_default_str();
  ex->add_option("--max-side", a->max_side, "Overlay size: the photo's, at most this many pixels")
      ->capture_default_str();
  ex->add_option("--threads", a->threads, "CPU threads")->capture_default_str();
  ex->add_option("photos", a->photos, "Image files")->required();
  ex->callback([a, &exit_code] { exit_code = run_explain(*a); });
}

}  // namespace cnnlab
