// train/runs.h — the runs folder: every finished or stopped run (CLI or window) as one folder
// (model.toml, run.json, history.csv, checkpoint.safetensors, confusion.json), written atomically,
// and the summaries `cnnlab runs` and the runs panel list. Offline, no server: TensorBoard's job.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "data/split.h"
#include "nn/model.h"
#include "train/run_record.h"

namespace cnnlab {

// The version run.json records (main.cpp's --version says the same).
inline constexpr const char* kCnnlabVersion = "0.1.0";

// Where runs go when --runs is not given: $CNNLAB_RUNS, else $XDG_DATA_HOME/cnnlab/runs, else
// ~/.local/share/cnnlab/runs ("" when there is no HOME either). Not created here.
std::string default_runs_dir();

// "2026-12-01T18:40:12Z" (UTC) for a time; now() when 0.
std::string utc_timestamp(int64_t unix_seconds = 0);

// What run.json says besides the record (the settings, history and evaluations are in RunRecord).
struct RunMeta {
  std::string data_dir;
  std::vector<std::string> class_names;
  Scaling scaling;
  std::string started, ended;  // utc_timestamp()
  std::string stop_reason;     // "completed", "stopped" (Ctrl-C, the window's Stop or quit),
                               // "non-finite" (the loss became NaN)
  std::string group;           // the --seeds series' id ("" for a lone run)
  int group_index = 0, group_size = 0;  // 0-based place in the series, its length
  // More checkpoint __metadata__ (the time-lapse, train/timelapse.h add_timelapse), as --save has.
  std::map<std::string, std::string> checkpoint_extra;
};

// "2026-12-01T18-40-12_compact_seed42": sorts by start time, says the model and the seed.
std::string run_folder_name(const RunRecord& rec, const RunMeta& meta);

// The id shared by a --seeds series' runs: "2026-12-01T18-40-12_tiny_seeds42-44" (its start, the
// model, the first and last seed).
std::string seed_group_id(const std::string& started, const std::string& preset,
                          uint64_t first_seed, int n);

// Writes the run into runs_dir (created if needed) as NAME.tmp.PID, then renames it to NAME
// (NAME_2, NAME_3, … when taken), so a listing never sees half a run. The checkpoint holds
// checkpoint_metadata and the run record, as --save writes it; `model` is the trained model.
// Returns the folder's path. UserError naming the folder when it cannot be written.
std::string write_run(const std::string& runs_dir, const RunRecord& rec, const RunMeta& meta,
                      const Model& model);

// One run as listed: read from run.json and history.csv only (never the checkpoint).
struct RunSummary {
  std::string folder, path;  // folder name, full path
  std::string model;         // the preset's name or the model file's stem
  size_t params = 0;
  int epochs = 0, epochs_planned = 0;
  double best_val_accuracy = 0;  // NaN: no validation split
  int best_val_epoch = 0;        // 1-based epoch of the best (0 when none)
  double test_accuracy = 0;      // NaN: not evaluated (a stopped run)
  double seconds_per_epoch = 0;
  uint64_t seed = 0;
  std::string started, stop_reason, group;
  int group_size = 0;
  History history;  // for the curves panel's overlay
};

struct RunList {
  std::vector<RunSummary> runs;       // sorted by folder name (start time)
  std::vector<std::string> warnings;  // "PATH: why it was skipped" (damaged or half-written)
};

// Lists `dir`'s runs; a missing folder is an empty list. A folder without a readable run.json
// and history.csv is skipped with a warning naming it; so is a NAME.tmp.PID being written.
RunList list_runs(const std::string& dir);

// Test accuracy over a --seeds series: n, mean, sample standard deviation (n − 1; 0 when n < 2).
struct SeedStats {
  int n = 0;
  double mean = 0, std = 0, min = 0, max = 0;
};
SeedStats seed_stats(const std::vector<double>& values);

}  // namespace cnnlab
