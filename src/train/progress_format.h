// train/progress_format.h — Keras-style progress text ("360/360 [====] - 21s 58ms/sample - loss:
// …").
#pragma once
#include <string>

#include "train/history.h"

namespace cnnlab {

// The bar line Keras (TF 1.x/2.x, sample mode) prints: done/total (done right-aligned to total's
// width), a 30-character bar ('=' done, '>' at the head while running, '.' to go); when the epoch
// is finished the elapsed time and the time per sample ("ms/sample", or "us/sample" under 1 ms),
// while running the ETA instead; running loss and accuracy with 4 decimals; val metrics when
// finished.
//   360/360 [==============================] - 21s 58ms/sample - loss: 1.3308 - accuracy: 0.5194 -
//   val_loss: 1.4175 - val_accuracy: 0.4250 128/360 [==========>...................] - ETA: 13s -
//   loss: 1.5123 - accuracy: 0.3125
struct ProgressLine {
  int done = 0, total = 0;
  double elapsed_s = 0;
  double loss = 0, accuracy = 0;
  bool final = false;  // epoch finished: show time, not ETA, plus val metrics
  bool has_val = false;
  double val_loss = 0, val_accuracy = 0;
};
std::string format_progress(const ProgressLine& p);

// What Stop says, counting exactly: "Stopped in epoch 8 of 25, after batch 12 of 12: weights and
// history kept" (mid-epoch), "Stopped after epoch 7 of 25: …" (between epochs).
std::string format_stopped(int epochs_done, int epochs, int batch, int num_batches);

// Keras's duration forms: "21s" under a minute (rounded), "1:05" under an hour, "1:02:03" beyond.
std::string format_duration(double seconds);

}  // namespace cnnlab
