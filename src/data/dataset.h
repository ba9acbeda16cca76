// data/dataset.h — class-folder image datasets (DIR/<class>/<image files>) decoded into one N×H×W×3
// array.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "data/image.h"

namespace cnnlab {

struct Dataset {
  std::string root;
  std::vector<std::string> class_names;  // sorted folder names (LabelEncoder order); label = index
  std::vector<std::string> paths;        // one per image: classes sorted, files sorted (byte order)
  std::vector<int> labels;               // one per image, in [0, class_names.size())
  int height = 0, width = 0, channels = 3;
  std::vector<uint8_t> pixels;       // (N, H, W, 3) uint8
  std::vector<int> duplicate_group;  // per image: -1, or a group id shared by byte-identical files

  size_t size() const { return paths.size(); }
  size_t image_bytes() const { return size_t(height) * size_t(width) * size_t(channels); }
  const uint8_t* image(size_t i) const { return pixels.data() + i * image_bytes(); }  // (H, W, 3)
};

struct SkippedFile {
  std::string path, reason;
};

struct LoadReport {
  size_t loaded = 0;
  std::vector<SkippedFile> skipped;  // every file that was not loaded, with why
  size_t duplicate_groups = 0;       // number of sets of byte-identical files
  long long peak_decode_pixels = 0;  // most pixels decoded at once (≤ the budget, or one image)
};

struct LoadOptions {
  int image_size = 299;  // every image is resized to image_size × image_size
  int threads = 2;
  // Pixels being decoded at once, shared by all threads (see kDecodeBudgetPixels).
  long long decode_budget_pixels = kDecodeBudgetPixels;
  // Called from the calling thread (never concurrently) with the number of files processed so far.
  std::function<void(size_t done, size_t total)> progress;
  // If set and becomes true, loading stops and load_image_folder throws UserError(dir,
  // "cancelled").
  std::atomic<bool>* cancel = nullptr;
};

// Loads DIR/<class>/<image> (hidden dot-names ignored). Undecodable files, and files that are not
// regular (FIFOs, devices, links to them) or too large, are skipped unread and listed in `report`
// (may be null). Throws UserError for an unusable folder: missing, a file, no class
// subfolders, fewer than two classes, or a class folder with no usable images.
Dataset load_image_folder(const std::string& dir, const LoadOptions& options, LoadReport* report);

// The folder rules of load_image_folder without decoding anything (for a form that checks as the
// user types): throws the same UserError load_image_folder would for the folder's layout.
void check_dataset_folder(const std::string& dir);

// Bytes of the pixel array for num_images at image_size² × 3 (for "this will need X GB" checks).
size_t estimate_dataset_bytes(size_t num_images, int image_size);

}  // namespace cnnlab
