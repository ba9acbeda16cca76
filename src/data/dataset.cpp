// data/dataset.cpp — scans DIR/<class>/<files>, decodes + resizes on several threads, finds
// duplicates.
//
// [SECTION] folder scan     list_classes, list_class_files
// [SECTION] parallel decode decode_all (worker pool; progress + cancel from the calling thread;
//                           a pixel budget shared by the threads bounds decode memory)
// [SECTION] duplicates      byte-identical files by hash, confirmed by comparing bytes
// [SECTION] load            load_image_folder, estimate_dataset_bytes
#include "data/dataset.h"

#include <stb_image_resize.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <mutex>
#include <new>
#include <thread>

#include "core/check.h"
#include "core/error.h"
#include "core/fileio.h"
#include "data/image.h"

namespace cnnlab {
namespace fs = std::filesystem;
namespace {

const char* kLayoutHint = "expected DIR/<class>/<image files>, like tiny_FR/daisy/*.jpg";

bool is_hidden(const fs::path& p) {
  std::string name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

// ============================================================================ [SECTION] folder
// scan

// Sorted (byte order) names of the non-hidden subfolders of `dir`; top-level files go to `skipped`.
std::vector<std::string> list_classes(const std::string& dir, std::vector<SkippedFile>& skipped) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) throw UserError(dir, "dataset folder does not exist", kLayoutHint);
  if (!fs::is_directory(dir, ec))
    throw UserError(dir, "is a file, not a dataset folder", kLayoutHint);
  std::vector<std::string> classes, top_files;
  fs::directory_iterator it(dir, ec), end;
  if (ec) throw UserError(dir, "cannot list folder: " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) throw UserError(dir, "cannot list folder: " + ec.message());
    if (is_hidden(it->path())) continue;
    std::error_code ec2;
    if (it->is_directory(ec2))
      classes.push_back(it->path().filename().string());
    else
      top_files.push_back(it->path().string());
  }
  std::sort(classes.begin(), classes.end());  // std::string compares as unsigned bytes
  std::sort(top_files.begin(), top_files.end());
  if (classes.empty()) throw UserError(dir, "no class subfolders found", kLayoutHint);
  if (classes.size() < 2) {
    // Pointed one level too high (e.g. flowers/ instead of flowers/tiny_FR)? Say so.
    fs::path inner = fs::path(dir) / classes[0];
    bool nested = false;
    for (fs::directory_iterator d(inner, ec), e; !ec && d != e; d.increment(ec))
      nested = nested || (!is_hidden(d->path()) && d->is_directory(ec));
    throw UserError(
        dir, "only one class folder ('" + classes[0] + "'); need at least two classes",
        nested ? "did you mean " + inner.string() + "? " + kLayoutHint : std::string(kLayoutHint));
  }
  for (auto& f : top_files)
    skipped.push_back({f, "is not inside a class folder (only DIR/<class>/<file> is read)"});
  return classes;
}

// Sorted non-hidden entries of one class folder. Nested folders are listed in `skipped`.
std::vector<std::string> list_class_files(const std::string& class_dir,
                                          std::vector<SkippedFile>& skipped) {
  std::error_code ec;
  std::vector<std::string> files, folders;
  fs::directory_iterator it(class_dir, ec), end;
  if (ec) throw UserError(class_dir, "cannot list folder: " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) throw UserError(class_dir, "cannot list folder: " + ec.message());
    if (is_hidden(it->path())) continue;
    std::error_code ec2;
    if (it->is_directory(ec2))
      folders.push_back(it->path().string());
    else
      files.push_back(it->path().filename().string());
  }
  std::sort(files.begin(), files.end());
  std::sort(folders.begin(), folders.end());
  for (auto& f : folders)
    skipped.push_back({f, "is a folder inside a class folder; nested folders are not read"});
  if (files.empty())
    throw UserError(class_dir, "class folder has no image files",
                    "remove the folder or add images");
  return files;
}

// ========================================================================= [SECTION] parallel
// decode

struct FileResult {
  bool ok = false;
  std::string reason;  // why it was skipped
  uint64_t hash = 0;   // FNV-1a of the file bytes (duplicate candidates)
  size_t bytes = 0;
};

uint64_t fnv1a(const uint8_t* d, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; ++i) h = (h ^ d[i]) * 1099511628211ULL;
  return h;
}

// Pixels being decoded at once across threads, handed out first come first served: an image waits
// until its pixels fit beside those in flight (or nothing is in flight: a huge image goes alone).
class DecodeBudget {
 public:
  explicit DecodeBudget(long long limit) : limit_(limit) {}
  void acquire(long long pixels) {
    std::unique_lock<std::mutex> lock(mutex_);
    const uint64_t ticket = next_ticket_++;
    changed_.wait(
        lock, [&] { return serving_ == ticket && (in_use_ == 0 || in_use_ + pixels <= limit_); });
    ++serving_;
    in_use_ += pixels;
    peak_ = std::max(peak_, in_use_);
    changed_.notify_all();  // the next in line may fit too
  }
  void release(long long pixels) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      in_use_ -= pixels;
    }
    changed_.notify_all();
  }
  long long peak() const { return peak_; }  // read after the threads have joined

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  long long limit_, in_use_ = 0, peak_ = 0;
  uint64_t next_ticket_ = 0, serving_ = 0;
};

// Holds pixels of the budget for one decode; gives them back however the decode ends.
struct BudgetHold {
  DecodeBudget& budget;
  long long pixels;
  BudgetHold(DecodeBudget& b, long long p) : budget(b), pixels(p) { budget.acquire(pixels); }
  ~BudgetHold() { budget.release(pixels); }
  BudgetHold(const BudgetHold&) = delete;
  BudgetHold& operator=(const BudgetHold&) = delete;
};

// Decodes file i into slot i of `pixels` ((N, S, S, 3)). The header is checked before the budget
// is asked, so an image over the per-image limits never waits or allocates.
void decode_one(const std::string& path, int size, uint8_t* slot, FileResult& r,
                DecodeBudget& budget) {
  try {
    std::vector<uint8_t> bytes = read_image_bytes(path);
    r.bytes = bytes.size();
    r.hash = fnv1a(bytes.data(), bytes.size());
    BudgetHold hold(budget, check_image_memory(bytes.data(), bytes.size(), path).pixels());
    Image img = decode_image_memory(bytes.data(), bytes.size(), path);
    if (img.width == size && img.height == size) {
      std::memcpy(slot, img.pixels.data(), img.pixels.size());
    } else {
      int ok =
          stbir_resize_uint8(img.pixels.data(), img.width, img.height, 0, slot, size, size, 0, 3);
      if (!ok) throw UserError(path, "cannot resize image");
    }
    r.ok = true;
  } catch (const UserError& e) {
    r.reason = e.reason();
  }
}

// Decodes every path on `threads` threads (the caller is one of them and alone calls progress).
void decode_all(const std::vector<std::string>& paths, int size, uint8_t* pixels,
                std::vector<FileResult>& results, const LoadOptions& opt, LoadReport& rep) {
  const size_t n = paths.size(), per_image = size_t(size) * size * 3;
  DecodeBudget budget(opt.decode_budget_pixels);
  std::atomic<size_t> next{0}, done{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto cancelled = [&] { return opt.cancel && opt.cancel->load(std::memory_order_relaxed); };
  auto work = [&](bool caller) {
    for (;;) {
      if (cancelled()) return;
      size_t i = next.fetch_add(1);
      if (i >= n) return;
      try {
        decode_one(paths[i], size, pixels + i * per_image, results[i], budget);
      } catch (...) {  // bad_alloc and the like: stop everyone, rethrow in the caller
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        next.store(n);
      }
      size_t d = done.fetch_add(1) + 1;
      if (caller && opt.progress && d < n) opt.progress(d, n);
    }
  };
  int threads = std::max(1, std::min<int>(opt.threads, int(std::max<size_t>(n, 1))));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, false);
  work(true);
  for (auto& t : pool) t.join();
  rep.peak_decode_pixels = budget.peak();
  if (failure) std::rethrow_exception(failure);
  if (opt.progress && !cancelled()) opt.progress(n, n);  // always end on (total, total)
}

// ============================================================================ [SECTION] duplicates

bool same_bytes(const std::string& a, const std::string& b) {
  try {
    return read_image_bytes(a) == read_image_bytes(b);
  } catch (const UserError&) {
    return false;  // changed under us: not a confirmed duplicate
  }
}

// Groups byte-identical files: per image -1 or a group id (0, 1, ... in order of first member).
std::vector<int> find_duplicates(const std::vector<std::string>& paths,
                                 const std::vector<FileResult>& results, size_t* num_groups) {
  std::map<std::pair<uint64_t, size_t>, std::vector<int>> by_hash;  // ordered: deterministic ids
  for (size_t i = 0; i < paths.size(); ++i)
    by_hash[{results[i].hash, results[i].bytes}].push_back(int(i));
  std::vector<int> group(paths.size(), -1);
  std::vector<std::pair<int, std::vector<int>>> found;  // (first member, members)
  for (auto& [key, members] : by_hash) {
    if (members.size() < 2) continue;
    std::vector<bool> used(members.size(), false);
    for (size_t a = 0; a < members.size(); ++a) {  // split a hash bucket by real byte equality
      if (used[a]) continue;
      std::vector<int> g{members[a]};
      for (size_t b = a + 1; b < members.size(); ++b)
        if (!used[b] && same_bytes(paths[members[a]], paths[members[b]])) {
          used[b] = true;
          g.push_back(members[b]);
        }
      if (g.size() > 1) found.push_back({g[0], g});
    }
  }
  std::sort(found.begin(), found.end());
  for (size_t id = 0; id < found.size(); ++id)
    for (int i : found[id].second) group[i] = int(id);
  *num_groups = found.size();
  return group;
}

}  // namespace

// ================================================================================== [SECTION] load

void check_dataset_folder(const std::string& dir) {
  std::vector<SkippedFile> skipped;
  for (const std::string& c : list_classes(dir, skipped))
    list_class_files((fs::path(dir) / c).string(), skipped);
}

size_t estimate_dataset_bytes(size_t num_images, int image_size) {
  return num_images * size_t(image_size) * size_t(image_size) * 3;
}

namespace {

// Pixel storage for every listed file, (N, S, S, 3); a clear error instead of bad_alloc.
std::vector<uint8_t> allocate_pixels(const std::string& dir, size_t n, int S) {
  std::vector<uint8_t> pixels;
  try {
    pixels.resize(estimate_dataset_bytes(n, S));
  } catch (const std::bad_alloc&) {
    throw UserError(dir,
                    "not enough memory for " + std::to_string(n) + " images at " +
                        std::to_string(S) + "x" + std::to_string(S) + " (" +
                        std::to_string(estimate_dataset_bytes(n, S) >> 20) + " MiB)",
                    "use a smaller image size or fewer images");
  }
  return pixels;
}

// Moves the decoded files into `ds` in order (skipped ones go to the report), compacting `pixels`
// in place; then checks that every class kept at least one image.
std::vector<FileResult> keep_decoded(Dataset& ds, const std::vector<std::string>& paths,
                                     const std::vector<int>& labels,
                                     const std::vector<FileResult>& results,
                                     std::vector<uint8_t>& pixels, LoadReport& rep) {
  const size_t per_image = ds.image_bytes();
  std::vector<int> count_per_class(ds.class_names.size(), 0);
  std::vector<FileResult> kept;
  size_t k = 0;
  for (size_t i = 0; i < paths.size(); ++i) {
    if (!results[i].ok) {
      rep.skipped.push_back({paths[i], results[i].reason});
      continue;
    }
    if (k != i)
      std::memmove(pixels.data() + k * per_image, pixels.data() + i * per_image, per_image);
    ds.paths.push_back(paths[i]);
    ds.labels.push_back(labels[i]);
    kept.push_back(results[i]);
    count_per_class[size_t(labels[i])]++;
    ++k;
  }
  pixels.resize(k * per_image);
  for (size_t c = 0; c < ds.class_names.size(); ++c)
    if (count_per_class[c] == 0)
      throw UserError((fs::path(ds.root) / ds.class_names[c]).string(),
                      "class folder has no usable images (every file was skipped)",
                      "remove the folder or add images");
  return kept;
}

}  // namespace

Dataset load_image_folder(const std::string& dir, const LoadOptions& opt, LoadReport* report) {
  LoadReport local;
  LoadReport& rep = report ? *report : local;
  rep = LoadReport{};
  if (opt.image_size < 1 || opt.image_size > 4096)
    throw UserError(dir, "image_size " + std::to_string(opt.image_size) + " is out of range",
                    "use a size between 1 and 4096, e.g. 299");
  Dataset ds;
  ds.root = dir;
  ds.height = ds.width = opt.image_size;
  ds.channels = 3;
  ds.class_names = list_classes(dir, rep.skipped);
  std::vector<std::string> paths;  // every candidate file, classes sorted, files sorted
  std::vector<int> labels;
  for (size_t c = 0; c < ds.class_names.size(); ++c) {
    std::string class_dir = (fs::path(dir) / ds.class_names[c]).string();
    for (auto& f : list_class_files(class_dir, rep.skipped)) {
      paths.push_back((fs::path(class_dir) / f).string());
      labels.push_back(int(c));
    }
  }
  std::vector<uint8_t> pixels = allocate_pixels(dir, paths.size(), opt.image_size);
  std::vector<FileResult> results(paths.size());
  decode_all(paths, opt.image_size, pixels.data(), results, opt, rep);
  if (opt.cancel && opt.cancel->load()) throw UserError(dir, "loading cancelled");
  std::vector<FileResult> kept = keep_decoded(ds, paths, labels, results, pixels, rep);
  ds.pixels = std::move(pixels);  // (N, S, S, 3)
  ds.duplicate_group = find_duplicates(ds.paths, kept, &rep.duplicate_groups);
  rep.loaded = ds.size();
  return ds;
}

}  // namespace cnnlab
