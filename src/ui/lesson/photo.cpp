// ui/lesson/photo.cpp — the real-photo view's GL side: a flower (or a generated pattern) uploaded
// once, and refiltered with the lesson's kernel whenever the kernel changes; one pixel's arithmetic
// on the CPU, as the shader computes it, for the enlarged view's hover.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "core/error.h"
#include "core/log.h"
#include "ui/app.h"
#include "ui/image_io.h"
#include "ui/lesson/lesson_panels.h"

namespace cnnlab {

namespace {

// A flower from $CNNLAB_DATA or ../shared/flowers/tiny_FR (first sunflower, else first image).
std::string find_photo() {
  const char* env = std::getenv("CNNLAB_DATA");
  std::string root = env && *env ? env : CNNLAB_DEFAULT_PHOTO_DIR;
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) return {};
  std::vector<std::string> files;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::string ext = it->path().extension().string();
    if (ext == ".jpg" || ext == ".jpeg" || ext == ".png") files.push_back(it->path().string());
  }
  std::sort(files.begin(), files.end());
  for (const std::string& f : files) {
    if (f.find("sunflower") != std::string::npos) return f;
  }
  return files.empty() ? std::string() : files.front();
}

}  // namespace

void init_photo(App& app) {
  PhotoState& photo = app.photo;
  photo.gl = true;
  RgbaImage image;
  std::string path = find_photo();
  try {
    if (!path.empty()) {
      image = shrink_to(load_rgba(path), 320);
      photo.photo_name = std::filesystem::path(path).parent_path().filename().string() + "/" +
                         std::filesystem::path(path).filename().string();
    }
  } catch (const UserError& e) {
    log_warn(e.what());
  }
  if (image.empty()) {
    image = make_test_pattern(256, 192);
    photo.photo_name = "generated test pattern (no flower photos found)";
  }
  photo.photo.upload(image);
  photo.image = image;
  try {
    photo.filter.init();
  } catch (const UserError& e) {
    log_error(e.what());
  }
  photo.dirty = true;
}

void update_photo(App& app) {
  PhotoState& photo = app.photo;
  if (!photo.gl || !photo.filter.ready() || !app.view.loaded()) return;
  PhotoKernel pk = photo_kernel(app.view.lesson, first_conv_op(app.view.lesson));
  if (!photo.dirty && pk.values == photo.applied && pk.k == photo.applied_k) return;
  if (pk.k > ConvFilter::kMaxKernel) return;
  photo.filter.apply(photo.photo, pk.values, pk.k, pk.gain,
                     pk.absolute ? FilterDisplay::Absolute : FilterDisplay::Clamp);
  photo.applied = pk.values;
  photo.applied_k = pk.k;
  photo.dirty = false;
}

PhotoPixel photo_pixel(const RgbaImage& image, const PhotoKernel& kernel, int y, int x) {
  PhotoPixel p;
  p.y = y, p.x = x, p.k = kernel.k, p.gain = kernel.gain, p.absolute = kernel.absolute;
  // The shader reads texels as 0…1: byte / 255.
  std::vector<float> img(size_t(image.width) * size_t(image.height) * 4);
  for (size_t i = 0; i < img.size(); ++i) img[i] = float(image.rgba[i]) / 255.0f;
  for (int c = 0; c < 3; ++c) {
    p.ch[c] = clamped_window_sum(img.data(), image.height, image.width, 4, c, kernel.values.data(),
                                 kernel.k, y, x);
    double v = p.ch[c].sum * double(kernel.gain);
    if (kernel.absolute) v = std::fabs(v);
    p.shown[c] = float(std::clamp(v, 0.0, 1.0));
  }
  return p;
}

namespace {

std::string num(double v, const char* format) {
  char buf[32];
  std::snprintf(buf, sizeof buf, format, std::fabs(v) < 5e-7 ? 0.0 : v);
  std::string t = buf;
  if (t[0] == '-') t = "\u2212" + t.substr(1);
  return t;
}

std::string factor(double v, const char* format) {
  return v < 0 ? "(" + num(v, format) + ")" : num(v, format);
}

}  // namespace

std::vector<std::string> photo_tape(const PhotoPixel& p, const PhotoKernel& kernel, int channel) {
  std::vector<std::string> out;
  const char* names[] = {"R", "G", "B"};
  channel = std::clamp(channel, 0, 2);
  std::string line = std::string(names[channel]) + ": ";
  for (int t = 0; t < p.k * p.k; ++t)
    line += (t ? " + " : "") + num(p.ch[channel].values[size_t(t)], "%.2f") + "\u00b7" +
            factor(kernel.values[size_t(t)], "%.3g");
  out.push_back(line + " = " + num(p.ch[channel].sum, "%.3f"));
  std::string others;
  for (int c = 0; c < 3; ++c)
    if (c != channel)
      others += std::string(others.empty() ? "" : ", ") + names[c] +
                ": \u03a3 = " + num(p.ch[c].sum, "%.3f");
  out.push_back(others + " (the same products)");
  auto triple = [&](bool gain, bool absolute) {
    std::string t;
    for (int c = 0; c < 3; ++c) {
      double v = p.ch[c].sum * (gain ? double(p.gain) : 1.0);
      t += std::string(c ? ", " : "") + num(absolute ? std::fabs(v) : v, "%.3f");
    }
    return t;
  };
  if (p.gain != 1.0f)
    out.push_back("\u00d7 " + num(p.gain, "%.4g") +
                  " (1 / the kernel's sum) = " + triple(true, false));
  if (p.absolute)
    out.push_back("|\u00b7| (the sign is only the edge's direction) = " + triple(true, true));
  char shown[96];
  std::snprintf(shown, sizeof shown,
                "shown, clamped to 0\u20261: %.3f, %.3f, %.3f (%d, %d, %d of 255)", p.shown[0],
                p.shown[1], p.shown[2], int(std::lround(p.shown[0] * 255)),
                int(std::lround(p.shown[1] * 255)), int(std::lround(p.shown[2] * 255)));
  out.push_back(shown);
  return out;
}

}  // namespace cnnlab
