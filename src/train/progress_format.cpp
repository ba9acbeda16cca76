// train/progress_format.cpp — the Keras progress bar's text.
#include "train/progress_format.h"

#include <cmath>
#include <cstdio>

namespace cnnlab {

std::string format_duration(double s) {
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%d:%02d:%02d", int(s) / 3600, int(s) / 60 % 60, int(s) % 60);
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%d:%02d", int(s) / 60, int(s) % 60);
  else
    std::snprintf(buf, sizeof buf, "%ds", int(std::lround(s)));
  return buf;
}

std::string format_progress(const ProgressLine& p) {
  const int width = 30;
  char buf[256];
  std::string s;
  int digits = std::snprintf(nullptr, 0, "%d", p.total);
  std::snprintf(buf, sizeof buf, "%*d/%d [", digits, p.done, p.total);
  s += buf;
  int filled = p.total > 0 ? int(double(width) * p.done / p.total) : width;
  if (filled > width) filled = width;
  if (filled > 0) {
    s.append(size_t(filled - 1), '=');
    s += p.done < p.total ? '>' : '=';
  }
  s.append(size_t(width - filled), '.');
  s += "]";
  double per_sample = p.done > 0 ? p.elapsed_s / p.done : 0;
  if (p.final || p.done >= p.total) {
    s += " - " + format_duration(p.elapsed_s);
    if (per_sample >= 1e-3)
      std::snprintf(buf, sizeof buf, " %.0fms/sample", per_sample * 1e3);
    else
      std::snprintf(buf, sizeof buf, " %.0fus/sample", per_sample * 1e6);
    s += buf;
  } else {
    s += " - ETA: " + format_duration(per_sample * (p.total - p.done));
  }
  std::snprintf(buf, sizeof buf, " - loss: %.4f - accuracy: %.4f", p.loss, p.accuracy);
  s += buf;
  if (p.final && p.has_val) {
    std::snprintf(buf, sizeof buf, " - val_loss: %.4f - val_accuracy: %.4f", p.val_loss,
                  p.val_accuracy);
    s += buf;
  }
  return s;
}

std::string format_stopped(int epochs_done, int epochs, int batch, int num_batches) {
  const std::string kept = ": weights and history kept";
  if (batch > 0)
    return "Stopped in epoch " + std::to_string(epochs_done + 1) + " of " + std::to_string(epochs) +
           ", after batch " + std::to_string(batch) + " of " + std::to_string(num_batches) + kept;
  if (epochs_done == 0) return "Stopped before the first batch" + kept;
  return "Stopped after epoch " + std::to_string(epochs_done) + " of " + std::to_string(epochs) +
         kept;
}

}  // namespace cnnlab
