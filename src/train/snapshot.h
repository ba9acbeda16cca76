// train/snapshot.h — an immutable picture of a training run for the UI: progress, metrics, conv
// weights, the probe image's activations, evaluation results. Published by the worker, never
// mutated.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/augment.h"
#include "data/dataset.h"
#include "data/split.h"
#include "nn/explain.h"
#include "nn/inspect.h"
#include "train/history.h"
#include "train/setup.h"
#include "train/timelapse.h"

namespace cnnlab {

enum class RunState { Empty, Loading, Ready, Training, Paused, Done, Error };
const char* run_state_name(RunState s);

// A copied tensor with its shape, e.g. a conv kernel (KH, KW, Cin, Cout) or an activation (H, W,
// C).
struct TensorCopy {
  std::string name;  // layer name ("conv2d", "max_pooling2d", ...)
  std::vector<int> shape;
  std::vector<float> values;
};

// Evaluation of a split: which image got which prediction.
struct SplitEval {
  std::string split;  // "validation" or "test"
  int epoch = -1;     // epochs completed when it was computed
  double loss = 0, accuracy = 0;
  std::vector<int> indices;    // dataset indices
  std::vector<int> predicted;  // argmax class per index
  std::vector<float> probs;    // (indices.size(), classes)
  std::vector<int> confusion;  // classes × classes, row = true, column = predicted
};

// What the UI asks of the probe's explanation (Command::SetExplain).
struct ExplainRequest {
  bool on = false;
  ExplainMethod method = ExplainMethod::GradCam;
  int cls = -1;  // -1: the predicted class
};

// The probe's Grad-CAM or saliency (nn/explain.h), recomputed with its activations while on.
struct ProbeExplanation {
  ExplainMethod method = ExplainMethod::GradCam;
  int cls = -1;             // the class explained (-1: none computed)
  std::string layer;        // Grad-CAM's layer name; "" for saliency
  int h = 0, w = 0;         // the model's input size
  std::vector<float> heat;  // (h, w) in 0..1
};

struct Snapshot {
  // Versions let the UI upload to GPU textures only what changed since it last looked.
  uint64_t version = 0, weights_version = 0, activations_version = 0;
  RunState state = RunState::Empty;
  std::string status;  // one line for the status bar
  std::string error;   // set when state == Error (or the last command failed)

  // The run's setup: data folder, model, image size and split fixed by Load; epochs, batch size,
  // learning rate, seed and threads as last applied (ApplySettings).
  RunSettings settings;
  uint64_t split_seed = 0;  // the seed Load made the split with (a later seed: shuffles, Reset)
  std::shared_ptr<const Dataset> data;  // immutable once loaded: thumbnails, labels, paths
  Split split;
  Scaling scaling;
  std::vector<std::string> class_names;
  std::string summary;  // Keras table
  size_t num_params = 0;
  std::vector<std::pair<std::string, size_t>>
      layer_params;  // name, parameters (for the budget bar)
  MemoryPlan memory;
  double estimated_epoch_s = 0;  // before starting: from a timed step (or 0 if unknown)
  std::string callbacks;         // the run's Keras callbacks in words (train/callbacks.h)
  // The model's Random* layers as its file gives them (value_range in pixels), for the
  // augmented-probe strip; empty when the model has none.
  std::vector<AugmentLayer> augmentation;
  std::vector<std::string> augmentation_names;  // their Keras layer names, same order
  double mixup_alpha = 0;  // the run's [fit] MixUp alpha (0: no MixUp), for the strip too

  // Progress.
  int epoch = 0, epochs = 0;       // epochs completed / planned
  int batch = 0, num_batches = 0;  // within the current epoch
  int samples_done = 0, samples_total = 0;
  double running_loss = 0, running_accuracy = 0;
  double samples_per_s = 0, eta_epoch_s = 0, eta_run_s = 0;
  History history;
  std::vector<float> batch_losses;  // every batch's mean loss, in order
  std::vector<float> batch_epoch;   // fractional epoch at each batch (x axis for batch_losses)

  // Weights: every Conv2D kernel now and at initialisation (same order), for the filters view.
  std::vector<TensorCopy> conv_kernels, conv_kernels_init;

  // The probe image: its dataset index, the input as the model saw it, each layer's output, probs.
  int probe_index = -1;
  std::vector<TensorCopy> activations;  // conv/pool/dense outputs for the probe, (H, W, C) or (N)
  std::vector<float> probe_probs;
  // The arithmetic of the probe output last asked for (Command::Inspect), on the weights that
  // `activations` came from: its `engine` is the map's value. Null until asked, or unknown layer.
  std::shared_ptr<const OutputArithmetic> inspect;
  // The probe as the model sees it, (H, W, 3) pixels at the input size, whichever it is. A photo of
  // the user's own (SetProbeImage) sets probe_file to its file name, probe_index to -1 (no true
  // class); probe_version changes whenever the probe does (texture uploads).
  std::vector<uint8_t> probe_pixels;
  std::string probe_file;
  uint64_t probe_version = 0;
  ExplainRequest explain;          // as last asked
  ProbeExplanation probe_explain;  // cls = -1 while off

  SplitEval val_eval, test_eval;  // latest of each (epoch = -1: not yet)

  // The runs folder (Command::SetRunsDir): how many runs this worker has recorded there (the runs
  // panel re-reads the folder when it grows), and a --seeds-like series in progress.
  int runs_recorded = 0;
  int series_size = 0, series_index = 0;  // 0: no series; else the seed being trained (0-based)
  // The time-lapse: a frame per finished epoch and one of the initial weights (train/timelapse.h).
  // Shared and immutable: a snapshot copies a pointer, not the record.
  TimelapsePtr timelapse;
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

}  // namespace cnnlab
