// train/run_record.h — what a checkpoint remembers of its run besides the weights (per-epoch
// metrics, per-batch losses, the last validation and test evaluations, the settings), as compact
// JSON strings in the safetensors __metadata__; shared by the CLI's --save and the worker's
// Save/LoadCheckpoint.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "train/snapshot.h"
#include "train/trainer.h"

namespace cnnlab {

// An evaluation of `indices` (dataset indices, in the order evaluated) as the snapshot shows it;
// `epoch` = epochs completed when it ran. A partial pass keeps the first r.count indices.
SplitEval make_split_eval(const std::string& split, int epoch, const std::vector<int>& indices,
                          const EvalResult& r);

struct RunRecord {
  bool present = false;     // false: the checkpoint predates run records (weights only)
  RunSettings settings;     // in use when saved (data_dir is not stored: "")
  uint64_t split_seed = 0;  // the seed the split was made with (a later seed: shuffles only)
  History history;          // epochs completed = history.epochs.size()
  std::vector<float> batch_losses;  // every batch's mean loss, in order
  std::vector<float> batch_epoch;   // fractional epoch at each batch (same length)
  SplitEval val_eval, test_eval;    // epoch == -1: none
};

// Adds "cnnlab.run" (settings and split seed), "cnnlab.history" (per-epoch columns),
// "cnnlab.batch_losses", "cnnlab.batch_epoch", "cnnlab.val_eval" and "cnnlab.test_eval" (when
// evaluated) to `meta`. Floats keep 9 significant digits and doubles 17 (both round-trip
// exactly); NaN is written as null.
void add_run_record(std::map<std::string, std::string>& meta, const RunRecord& r);

// Reads what add_run_record wrote; present = false when "cnnlab.history" is absent (an older
// checkpoint). A malformed value is a UserError naming `path` and the key; evaluations are checked
// against `num_classes` (sizes, labels in range, the matrix counting every image).
RunRecord read_run_record(const std::map<std::string, std::string>& meta, const std::string& path,
                          int num_classes);

// The record of a trainer's run (the CLI's --save): its history, batch losses and last validation
// pass; `test_eval` as evaluated by the caller (epoch -1 when not).
RunRecord run_record_of(const Trainer& t, const RunSettings& s, const SplitEval& test_eval);

}  // namespace cnnlab
