// train/progress_format.h — Keras-style progress text ("360/360 [====] - 21s 58ms/sample - loss: …").
#pragma once
#include <string>

#include "train/history.h"

namespace cnnlab {

// The bar line Keras (TF 1.x/2.x sample mode) prints: done/total, a 30-character bar, elapsed
// time (or ETA while running), time per sample, running metrics, and val metrics when final.
//   360/360 [==============================] - 21s 58ms/sample - loss: 1.3308 - accuracy: 0.5194 - val_loss: 1.4175 - val_accuracy: 0.4250
//   128/360 [==========>...................] - ETA: 13s - loss: 1.5123 - accuracy: 0.3125
struct ProgressLine {
  int done = 0, total = 0;
  double elapsed_s = 0;
  double loss = 0, accuracy = 0;
  bool final = false;                      // epoch finished: show time, not ETA, plus val metrics
  bool has_val = false;
  double val_loss = 0, val_accuracy = 0;
};
std::string format_progress(const ProgressLine& p);

// What Stop says, counting exactly: "Stopped in epoch 8 of 25, after batch 12 of 12: weights and
// history kept" (mid-epoch), "Stopped after epoch 7 of 25: …" (between epochs).
std::string format_stopped(int epochs_done, int epochs, int batch, int num_batches);

// "1m 05s", "21s", "350ms" — the duration forms the bar uses.
std::string format_duration(double seconds);

}  // namespace cnnlab
