// train/history.h — per-epoch metrics (Keras History) and their CSV form (Keras CSVLogger columns).
#pragma once
#include <cmath>
#include <string>
#include <vector>

namespace cnnlab {

struct EpochRecord {
  int epoch = 0;  // 0-based, as Keras's CSVLogger writes it; logs show epoch + 1
  double loss = 0, accuracy = 0;
  double val_loss = 0, val_accuracy = 0;  // NaN when there is no validation split
  double seconds = 0;                     // wall time of the epoch (train + validation)
  int samples = 0;                        // training samples seen in the epoch
  double lr = NAN;  // the learning rate it trained with, logged when ReduceLROnPlateau runs
};

struct History {
  std::vector<EpochRecord> epochs;

  // "epoch,accuracy,loss,val_accuracy,val_loss\n0,0.51,1.33,0.42,1.41\n..." — CSVLogger's
  // column order (sorted keys) and number format (Python repr of the float, 17 significant digits
  // trimmed: we print %.17g of the float32 value widened to double, as Keras does). When a record
  // has an lr (ReduceLROnPlateau ran), an `lr` column joins in sorted place, after loss, written as
  // numpy prints the float32 ("0.001"), as CSVLogger does.
  bool has_lr() const;
  std::string to_csv() const;
  // Parses what to_csv writes, with or without the lr column (for the GUI's "load history" and
  // tests). Throws UserError(path,...).
  static History from_csv(const std::string& text, const std::string& path_for_errors);
  // Writes atomically (temp file + rename).
  void write_csv(const std::string& path) const;
};

}  // namespace cnnlab
