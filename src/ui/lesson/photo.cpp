// ui/lesson/photo.cpp — the real-photo view's GL side: a flower (or a generated pattern) uploaded
// once, and refiltered with the lesson's kernel whenever the kernel changes.
#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "core/error.h"
#include "core/log.h"
#include "ui/app.h"
#include "ui/image_io.h"

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

}  // namespace cnnlab
