// train/history.cpp — History ⇄ Keras CSVLogger text.
#include "train/history.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "core/error.h"
#include "core/fileio.h"
#include "train/callbacks.h"

namespace cnnlab {

namespace {
std::string number(double v) {
  if (std::isnan(v)) return "nan";
  char buf[40];
  // Keras logs float32 metrics converted to Python floats: repr() of the widened value.
  std::snprintf(buf, sizeof buf, "%.17g", double(float(v)));
  return buf;
}
}  // namespace

bool History::has_lr() const {
  for (const EpochRecord& e : epochs)
    if (!std::isnan(e.lr)) return true;
  return false;
}

std::string History::to_csv() const {
  const bool lr = has_lr();
  std::string s = lr ? "epoch,accuracy,loss,lr,val_accuracy,val_loss\n"
                     : "epoch,accuracy,loss,val_accuracy,val_loss\n";
  for (const EpochRecord& e : epochs) {
    s += std::to_string(e.epoch) + "," + number(e.accuracy) + "," + number(e.loss) + ",";
    if (lr) s += (std::isnan(e.lr) ? std::string("nan") : lr_text(float(e.lr))) + ",";
    s += number(e.val_accuracy) + "," + number(e.val_loss) + "\n";
  }
  return s;
}

History History::from_csv(const std::string& text, const std::string& path) {
  History h;
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  const std::string plain = "epoch,accuracy,loss,val_accuracy,val_loss";
  const std::string with_lr = "epoch,accuracy,loss,lr,val_accuracy,val_loss";
  if (!std::getline(in, line) || (line.rfind(plain, 0) != 0 && line.rfind(with_lr, 0) != 0))
    throw UserError(path, "not a cnnlab/Keras CSVLogger history file",
                    "expected the header " + plain + " (or with an lr column after loss)", 1);
  const int numbers = line.rfind(with_lr, 0) == 0 ? 5 : 4;  // after the epoch
  line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line == "\r") continue;
    EpochRecord e;
    double f[5];
    char* p = line.data();
    char* end = nullptr;
    e.epoch = int(std::strtol(p, &end, 10));
    bool ok = end != p && *end == ',';
    for (int i = 0; ok && i < numbers; ++i) {
      p = end + 1;
      f[i] = std::strtod(p, &end);
      ok = end != p && (i == numbers - 1 ? (*end == 0 || *end == '\r') : *end == ',');
    }
    if (!ok)
      throw UserError(path, "malformed row: '" + line + "'",
                      "expected " + std::to_string(numbers + 1) + " numbers", line_no);
    e.accuracy = f[0], e.loss = f[1];
    if (numbers == 5) e.lr = f[2];
    e.val_accuracy = f[numbers - 2], e.val_loss = f[numbers - 1];
    h.epochs.push_back(e);
  }
  return h;
}

void History::write_csv(const std::string& path) const {
  write_file_atomic(path, to_csv());
}

}  // namespace cnnlab
