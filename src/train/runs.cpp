// train/runs.cpp — run folders written atomically (a temp folder renamed when complete) and read
// back as summaries. [SECTION] helpers  [SECTION] writing  [SECTION] reading  [SECTION] stats
#include "train/runs.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/fileio.h"
#include "core/sysinfo.h"
#include "nn/model_file.h"
#include "nn/serialize.h"
#include "train/setup.h"

namespace cnnlab {

namespace fs = std::filesystem;
using Json = nlohmann::json;

//-----------------------------------------------------------------------------
// [SECTION] helpers
//-----------------------------------------------------------------------------
namespace {

constexpr uint64_t kMaxRunJsonBytes = 16 << 20;

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  return "unknown";
}

// A preset's name, or a model file's stem, reduced to characters safe in a folder name.
std::string model_label(const std::string& preset) {
  std::string stem = fs::path(preset).stem().string();
  if (stem.empty()) stem = "model";
  for (char& c : stem)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '-';
  return stem;
}

Json eval_json(const SplitEval& e, int k) {
  if (e.epoch < 0) return nullptr;
  Json rows = Json::array();
  for (int i = 0; i < k; ++i) {
    Json row = Json::array();
    for (int j = 0; j < k; ++j) row.push_back(e.confusion.at(size_t(i) * k + j));
    rows.push_back(row);
  }
  return {{"epoch", e.epoch}, {"loss", e.loss}, {"accuracy", e.accuracy}, {"matrix", rows}};
}

// 0.003f as 0.003, not 0.003000000026077032: the float's shortest round-tripping digits.
double float_as_written(float v) {
  char buf[32];
  for (int digits = 6; digits < 9; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, double(v));
    if (std::strtof(buf, nullptr) == v) return std::strtod(buf, nullptr);
  }
  std::snprintf(buf, sizeof buf, "%.9g", double(v));
  return std::strtod(buf, nullptr);
}

double seconds_per_epoch(const History& h) {
  double total = 0;
  for (const EpochRecord& e : h.epochs) total += e.seconds;
  return h.epochs.empty() ? 0 : total / double(h.epochs.size());
}

// The best validation accuracy and its 1-based epoch (NaN, 0 without validation).
std::pair<double, int> best_val(const History& h) {
  double best = NAN;
  int at = 0;
  for (const EpochRecord& e : h.epochs)
    if (!std::isnan(e.val_accuracy) && (std::isnan(best) || e.val_accuracy > best))
      best = e.val_accuracy, at = e.epoch + 1;
  return {best, at};
}

Json run_json(const RunRecord& rec, const RunMeta& meta, const Model& model) {
  const RunSettings& s = rec.settings;
  auto [best, best_epoch] = best_val(rec.history);
  Json j;
  j["cnnlab_version"] = kCnnlabVersion;
  j["model"] = model_label(s.preset);
  j["preset"] = s.preset;
  j["params"] = model.num_params();
  j["settings"] = {
      {"image_size", s.image_size}, {"epochs", s.epochs},
      {"batch_size", s.batch_size}, {"learning_rate", float_as_written(s.learning_rate)},
      {"test_size", s.test_size},   {"validation_split", s.validation_split},
      {"threads", s.threads}};
  j["seed"] = s.seed;
  j["split_seed"] = rec.split_seed;
  j["data_dir"] = meta.data_dir;
  j["class_names"] = meta.class_names;
  j["host"] = {{"cpu", cpu_model()}, {"cores", cpu_count()}, {"threads", s.threads}};
  j["started"] = meta.started;
  j["ended"] = meta.ended;
  j["epochs_done"] = rec.history.epochs.size();
  j["stop_reason"] = meta.stop_reason;
  j["seconds_per_epoch"] = seconds_per_epoch(rec.history);
  j["best_val_accuracy"] = best;  // NaN is written as null
  j["best_val_epoch"] = best_epoch;
  j["test_accuracy"] = rec.test_eval.epoch >= 0 ? Json(rec.test_eval.accuracy) : Json(nullptr);
  j["group"] = meta.group;
  j["group_index"] = meta.group_index;
  j["group_size"] = meta.group_size;
  return j;
}

}  // namespace

std::string default_runs_dir() {
  if (const char* r = std::getenv("CNNLAB_RUNS"); r && *r) return r;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/cnnlab/runs";
  if (const char* h = std::getenv("HOME"); h && *h)
    return std::string(h) + "/.local/share/cnnlab/runs";
  return {};
}

std::string utc_timestamp(int64_t unix_seconds) {
  std::time_t t = unix_seconds ? std::time_t(unix_seconds) : std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string run_folder_name(const RunRecord& rec, const RunMeta& meta) {
  std::string stamp = meta.started.substr(0, 19);  // "2026-12-01T18:40:12"
  std::replace(stamp.begin(), stamp.end(), ':', '-');
  return stamp + "_" + model_label(rec.settings.preset) + "_seed" +
         std::to_string(rec.settings.seed);
}

std::string seed_group_id(const std::string& started, const std::string& preset,
                          uint64_t first_seed, int n) {
  std::string stamp = started.substr(0, 19);
  std::replace(stamp.begin(), stamp.end(), ':', '-');
  return stamp + "_" + model_label(preset) + "_seeds" + std::to_string(first_seed) + "-" +
         std::to_string(first_seed + uint64_t(n > 0 ? n - 1 : 0));
}

//-----------------------------------------------------------------------------
// [SECTION] writing
//-----------------------------------------------------------------------------
std::string write_run(const std::string& runs_dir, const RunRecord& rec, const RunMeta& meta,
                      const Model& model) {
  std::error_code ec;
  fs::create_directories(runs_dir, ec);
  if (!fs::is_directory(runs_dir))
    throw UserError(runs_dir, "cannot create the runs folder" + (ec ? ": " + ec.message() : ""),
                    "pass --runs DIR with a folder you can write, or --no-runs");
  const std::string name = run_folder_name(rec, meta);
  const fs::path tmp = fs::path(runs_dir) / (name + ".tmp." + std::to_string(::getpid()));
  fs::remove_all(tmp, ec);
  if (!fs::create_directory(tmp, ec))
    throw UserError(tmp.string(), "cannot create the run's folder: " + ec.message(),
                    "check the runs folder's permissions, or pass --no-runs");
  try {
    const int k = int(meta.class_names.size());
    write_file_atomic((tmp / "model.toml").string(), model_to_toml(model));
    write_file_atomic((tmp / "history.csv").string(), rec.history.to_csv());
    Json conf = {{"class_names", meta.class_names},
                 {"validation", eval_json(rec.val_eval, k)},
                 {"test", eval_json(rec.test_eval, k)}};
    write_file_atomic((tmp / "confusion.json").string(), conf.dump(1) + "\n");
    auto ck = checkpoint_metadata(meta.class_names, meta.scaling, rec.settings,
                                  int(rec.history.epochs.size()));
    add_run_record(ck, rec);
    for (const auto& [key, value] : meta.checkpoint_extra) ck[key] = value;
    save_safetensors((tmp / "checkpoint.safetensors").string(), model, ck);
    // run.json last: a folder that has it is complete.
    write_file_atomic((tmp / "run.json").string(), run_json(rec, meta, model).dump(1) + "\n");
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  fs::path dest = fs::path(runs_dir) / name;
  for (int i = 2; fs::exists(dest) && i < 1000; ++i)
    dest = fs::path(runs_dir) / (name + "_" + std::to_string(i));
  fs::rename(tmp, dest, ec);
  if (ec) {
    fs::remove_all(tmp, ec);
    throw UserError(dest.string(), "cannot rename the finished run into place", "check the disk");
  }
  return dest.string();
}

//-----------------------------------------------------------------------------
// [SECTION] reading
//-----------------------------------------------------------------------------
namespace {

double number_or_nan(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : NAN;
}

// One folder's summary; UserError (naming the file) when it is damaged.
RunSummary read_summary(const fs::path& dir) {
  RunSummary r;
  r.folder = dir.filename().string();
  r.path = dir.string();
  const std::string run_path = (dir / "run.json").string();
  Json j;
  try {
    j = Json::parse(read_file_text(run_path, kMaxRunJsonBytes));
  } catch (const Json::exception& e) {
    throw UserError(run_path, std::string("not JSON (") + e.what() + ")");
  }
  try {
    r.model = j.at("model").get<std::string>();
    r.params = j.at("params").get<size_t>();
    r.epochs_planned = j.at("settings").at("epochs").get<int>();
    r.seed = j.at("seed").get<uint64_t>();
    r.started = j.at("started").get<std::string>();
    r.stop_reason = j.at("stop_reason").get<std::string>();
    r.group = j.value("group", std::string());
    r.group_size = j.value("group_size", 0);
    r.seconds_per_epoch = number_or_nan(j, "seconds_per_epoch");
    r.test_accuracy = number_or_nan(j, "test_accuracy");
  } catch (const Json::exception& e) {
    throw UserError(run_path, std::string("a field is missing or malformed (") + e.what() + ")");
  }
  const std::string hist_path = (dir / "history.csv").string();
  r.history = History::from_csv(read_file_text(hist_path, kMaxRunJsonBytes), hist_path);
  r.epochs = int(r.history.epochs.size());
  std::tie(r.best_val_accuracy, r.best_val_epoch) = best_val(r.history);
  return r;
}

}  // namespace

RunList list_runs(const std::string& dir) {
  RunList out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  std::vector<fs::path> folders;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec))
    if (e.is_directory(ec)) folders.push_back(e.path());
  std::sort(folders.begin(), folders.end());
  for (const fs::path& f : folders) {
    if (f.filename().string().find(".tmp.") != std::string::npos) {
      out.warnings.push_back(f.string() +
                             ": skipped: half-written (a run being recorded, or one "
                             "killed while it was; delete it if no cnnlab is running)");
      continue;
    }
    try {
      out.runs.push_back(read_summary(f));
    } catch (const UserError& e) {
      out.warnings.push_back(f.string() + ": skipped: " + e.what());
    }
  }
  return out;
}

//-----------------------------------------------------------------------------
// [SECTION] stats
//-----------------------------------------------------------------------------
SeedStats seed_stats(const std::vector<double>& v) {
  SeedStats s;
  s.n = int(v.size());
  if (v.empty()) return s;
  s.min = *std::min_element(v.begin(), v.end());
  s.max = *std::max_element(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / s.n;
  if (s.n < 2) return s;
  double ss = 0;
  for (double x : v) ss += (x - s.mean) * (x - s.mean);
  s.std = std::sqrt(ss / (s.n - 1));
  return s;
}

}  // namespace cnnlab
