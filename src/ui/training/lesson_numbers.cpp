// ui/training/lesson_numbers.cpp — fills a training lesson's {placeholders} with the loaded model's
// numbers, read from its Keras summary table, so the text describes the model on screen.
#include <cstdio>
#include <sstream>
#include <vector>

#include "nn/model.h"
#include "ui/training/training_state.h"

namespace cnnlab {

namespace {

struct SummaryRow {
  std::string name;
  std::vector<long> shape;  // output shape without the batch ("None")
  size_t params = 0;
};

// Rows look like " conv2d (Conv2D)             (None, 299, 299, 32)      2432"; a long type wraps
// onto the next line, which has no "(None" and is skipped.
std::vector<SummaryRow> parse_rows(const std::string& summary, size_t& total) {
  std::vector<SummaryRow> rows;
  std::istringstream in(summary);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Total params: ", 0) == 0) {
      total = 0;
      for (char ch : line.substr(14))
        if (ch >= '0' && ch <= '9') total = total * 10 + size_t(ch - '0');
      continue;
    }
    size_t shape_at = line.find("(None");
    size_t close = shape_at == std::string::npos ? std::string::npos : line.find(')', shape_at);
    if (close == std::string::npos) continue;
    SummaryRow r;
    std::istringstream head(line.substr(0, shape_at));
    head >> r.name;
    std::string dims = line.substr(shape_at + 5, close - shape_at - 5);  // ", 299, 299, 32"
    for (size_t at = dims.find(','); at != std::string::npos; at = dims.find(',', at + 1))
      r.shape.push_back(std::atol(dims.c_str() + at + 1));
    r.params = size_t(std::atoll(line.c_str() + close + 1));
    if (!r.name.empty() && !r.shape.empty()) rows.push_back(r);
  }
  return rows;
}

// The value of one placeholder, or "" when the model has no such thing.
std::string lookup(const std::vector<SummaryRow>& rows, size_t total, const std::string& key) {
  if (key == "params") return total ? with_commas(total) : "";
  const SummaryRow* largest = nullptr;
  for (const SummaryRow& r : rows)
    if (!largest || r.params > largest->params) largest = &r;
  if (key == "largest") return largest ? largest->name : "";
  if (key == "largest.share") {
    if (!largest || total == 0) return "";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f%%", 100.0 * double(largest->params) / double(total));
    return buf;
  }
  size_t dot = key.rfind('.');
  if (dot == std::string::npos) return "";
  std::string layer = key.substr(0, dot), field = key.substr(dot + 1);
  for (const SummaryRow& r : rows) {
    if (r.name != layer) continue;
    if (field == "params") return with_commas(r.params);
    if (field == "filters" || field == "maps" || field == "units")
      return std::to_string(r.shape.back());
    if (field == "output")
      return r.shape.size() == 3 ? std::to_string(r.shape[0]) + "×" + std::to_string(r.shape[1])
                                 : std::to_string(r.shape.back());
  }
  return "";
}

}  // namespace

std::string fill_lesson_numbers(const std::string& text, const std::string& summary) {
  size_t total = 0;
  std::vector<SummaryRow> rows = parse_rows(summary, total);
  std::string out;
  for (size_t i = 0; i < text.size();) {
    size_t close = text[i] == '{' ? text.find('}', i) : std::string::npos;
    std::string key = close == std::string::npos ? "" : text.substr(i + 1, close - i - 1);
    bool is_key = !key.empty() && key.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_.") ==
                                      std::string::npos;
    if (!is_key) {
      out += text[i++];
      continue;
    }
    std::string v = lookup(rows, total, key);
    out +=
        v.empty() ? "?" : v;  // no model yet (or no such layer in it): a question mark, not a brace
    i = close + 1;
  }
  return out;
}

}  // namespace cnnlab
