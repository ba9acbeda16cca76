// train/run_record.cpp — RunRecord ⇄ checkpoint metadata (compact JSON strings, read strictly).
#include "train/run_record.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "core/error.h"

namespace cnnlab {

namespace {

using Json = nlohmann::json;

constexpr size_t kMaxItems = size_t(1) << 26;  // per array: far above any real run, below a bomb

// ---- writing: numbers by hand (nlohmann would print a float as its 17-digit double) ----
void append_number(std::string& s, double v, int digits) {
  if (!std::isfinite(v)) {  // JSON has no NaN or inf: the history's "no validation" is NaN
    s += "null";
    return;
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  s += buf;
}

template <class T>
std::string array_text(const std::vector<T>& v, int digits = 0) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ',';
    if constexpr (std::is_integral_v<T>)
      s += std::to_string(v[i]);
    else
      append_number(s, double(v[i]), digits);
  }
  return s + "]";
}

std::string number_text(double v, int digits = 17) {
  std::string s;
  append_number(s, v, digits);
  return s;
}

std::string eval_text(const SplitEval& e) {
  return "{\"split\":\"" + e.split + "\",\"epoch\":" + std::to_string(e.epoch) +
         ",\"loss\":" + number_text(e.loss) + ",\"accuracy\":" + number_text(e.accuracy) +
         ",\"indices\":" + array_text(e.indices) + ",\"predicted\":" + array_text(e.predicted) +
         ",\"confusion\":" + array_text(e.confusion) + ",\"probs\":" + array_text(e.probs, 9) + "}";
}

std::string history_text(const History& h) {
  std::vector<int> epoch, samples;
  std::vector<double> loss, acc, val_loss, val_acc, seconds;
  for (const EpochRecord& r : h.epochs) {
    epoch.push_back(r.epoch), samples.push_back(r.samples);
    loss.push_back(r.loss), acc.push_back(r.accuracy), seconds.push_back(r.seconds);
    val_loss.push_back(r.val_loss), val_acc.push_back(r.val_accuracy);
  }
  return "{\"epoch\":" + array_text(epoch) + ",\"loss\":" + array_text(loss, 17) +
         ",\"accuracy\":" + array_text(acc, 17) + ",\"val_loss\":" + array_text(val_loss, 17) +
         ",\"val_accuracy\":" + array_text(val_acc, 17) + ",\"seconds\":" + array_text(seconds, 6) +
         ",\"samples\":" + array_text(samples) + "}";
}

std::string settings_text(const RunSettings& s, uint64_t split_seed) {
  return "{\"preset\":" + Json(s.preset).dump() +
         ",\"image_size\":" + std::to_string(s.image_size) +
         ",\"epochs\":" + std::to_string(s.epochs) +
         ",\"batch_size\":" + std::to_string(s.batch_size) +
         ",\"learning_rate\":" + number_text(s.learning_rate, 9) +
         ",\"seed\":" + std::to_string(s.seed) + ",\"split_seed\":" + std::to_string(split_seed) +
         ",\"test_size\":" + number_text(s.test_size) +
         ",\"validation_split\":" + number_text(s.validation_split) +
         ",\"threads\":" + std::to_string(s.threads) + "}";
}

// ---- reading: every field checked, a UserError naming the file and the key ----
struct Reader {
  const std::string& path;
  std::string key;

  [[noreturn]] void fail(const std::string& why) const {
    throw UserError(path, "checkpoint's '" + key + "' is malformed: " + why,
                    "re-save it from cnnlab, or load an older copy");
  }
  Json parse(const std::string& text) {
    try {
      return Json::parse(text);
    } catch (const Json::exception& e) {
      fail(std::string("not JSON (") + e.what() + ")");
    }
  }
  const Json& field(const Json& o, const char* name) {
    if (!o.is_object()) fail("not a JSON object");
    auto it = o.find(name);
    if (it == o.end()) fail(std::string("no '") + name + "'");
    return *it;
  }
  double number(const Json& v, const char* what) {  // null is NaN
    if (v.is_null()) return NAN;
    if (!v.is_number()) fail(std::string(what) + " is not a number");
    return v.get<double>();
  }
  long long integer(const Json& v, long long lo, long long hi, const char* what) {
    if (!v.is_number_integer()) fail(std::string(what) + " is not a whole number");
    long long x =
        v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(hi) ? hi + 1 : v.get<long long>();
    if (x < lo || x > hi) fail(std::string(what) + " is out of range");
    return x;
  }
  const Json& array(const Json& o, const char* name, size_t want = SIZE_MAX) {
    const Json& a = field(o, name);
    if (!a.is_array() || a.size() > kMaxItems) fail(std::string("'") + name + "' is not a list");
    if (want != SIZE_MAX && a.size() != want)
      fail(std::string("'") + name + "' has " + std::to_string(a.size()) + " entries, not " +
           std::to_string(want));
    return a;
  }
  template <class T>
  std::vector<T> numbers(const Json& o, const char* name, size_t want = SIZE_MAX) {
    std::vector<T> out;
    for (const Json& v : array(o, name, want)) out.push_back(T(number(v, name)));
    return out;
  }
  std::vector<int> integers(const Json& o, const char* name, long long lo, long long hi,
                            size_t want = SIZE_MAX) {
    std::vector<int> out;
    for (const Json& v : array(o, name, want)) out.push_back(int(integer(v, lo, hi, name)));
    return out;
  }
};

History read_history(Reader& rd, const std::string& text) {
  const Json o = rd.parse(text);
  const std::vector<int> epoch = rd.integers(o, "epoch", 0, 1 << 30);
  const size_t n = epoch.size();
  const auto loss = rd.numbers<double>(o, "loss", n), acc = rd.numbers<double>(o, "accuracy", n);
  const auto vl = rd.numbers<double>(o, "val_loss", n),
             va = rd.numbers<double>(o, "val_accuracy", n);
  const auto secs = rd.numbers<double>(o, "seconds", n);
  const std::vector<int> samples = rd.integers(o, "samples", 0, 1 << 30, n);
  History h;
  for (size_t i = 0; i < n; ++i) {
    if (epoch[i] != int(i))
      rd.fail("epoch " + std::to_string(i) + " is numbered " + std::to_string(epoch[i]));
    h.epochs.push_back({epoch[i], loss[i], acc[i], vl[i], va[i], secs[i], samples[i]});
  }
  return h;
}

SplitEval read_eval(Reader& rd, const std::string& text, int k) {
  const Json o = rd.parse(text);
  SplitEval e;
  const Json& split = rd.field(o, "split");
  if (!split.is_string() || (split != "validation" && split != "test")) rd.fail("unknown split");
  e.split = split.get<std::string>();
  e.epoch = int(rd.integer(rd.field(o, "epoch"), 0, 1 << 30, "epoch"));
  e.loss = rd.number(rd.field(o, "loss"), "loss");
  e.accuracy = rd.number(rd.field(o, "accuracy"), "accuracy");
  e.indices = rd.integers(o, "indices", 0, (1LL << 31) - 1);
  const size_t n = e.indices.size();
  e.predicted = rd.integers(o, "predicted", 0, k - 1, n);
  e.confusion = rd.integers(o, "confusion", 0, (1LL << 31) - 1, size_t(k) * k);
  e.probs = rd.numbers<float>(o, "probs", n * size_t(k));
  long long counted = 0;
  for (int c : e.confusion) counted += c;
  if (counted != (long long)n)
    rd.fail("the confusion matrix counts " + std::to_string(counted) + " images, not " +
            std::to_string(n));
  return e;
}

RunSettings read_settings(Reader& rd, const std::string& text, uint64_t& split_seed) {
  const Json o = rd.parse(text);
  RunSettings s;
  const Json& preset = rd.field(o, "preset");
  if (!preset.is_string()) rd.fail("preset is not a string");
  s.preset = preset.get<std::string>();
  s.image_size = int(rd.integer(rd.field(o, "image_size"), 1, 1 << 20, "image_size"));
  s.epochs = int(rd.integer(rd.field(o, "epochs"), 1, 1 << 30, "epochs"));
  s.batch_size = int(rd.integer(rd.field(o, "batch_size"), 1, 1 << 20, "batch_size"));
  s.learning_rate = float(rd.number(rd.field(o, "learning_rate"), "learning_rate"));
  s.seed = uint64_t(rd.integer(rd.field(o, "seed"), 0, (long long)kMaxSeed, "seed"));
  split_seed =
      uint64_t(rd.integer(rd.field(o, "split_seed"), 0, (long long)kMaxSeed, "split_seed"));
  s.test_size = rd.number(rd.field(o, "test_size"), "test_size");
  s.validation_split = rd.number(rd.field(o, "validation_split"), "validation_split");
  s.threads = int(rd.integer(rd.field(o, "threads"), 1, 256, "threads"));
  return s;
}

}  // namespace

SplitEval make_split_eval(const std::string& split, int epoch, const std::vector<int>& indices,
                          const EvalResult& r) {
  SplitEval e;
  e.split = split;
  e.epoch = epoch;
  e.loss = r.loss;
  e.accuracy = r.accuracy;
  e.indices.assign(indices.begin(),
                   indices.begin() + std::min<size_t>(indices.size(), size_t(r.count)));
  e.predicted = r.predicted;
  e.probs = r.probs;
  e.confusion = r.confusion;
  return e;
}

void add_run_record(std::map<std::string, std::string>& meta, const RunRecord& r) {
  meta["cnnlab.run"] = settings_text(r.settings, r.split_seed);
  meta["cnnlab.history"] = history_text(r.history);
  meta["cnnlab.batch_losses"] = array_text(r.batch_losses, 9);
  meta["cnnlab.batch_epoch"] = array_text(r.batch_epoch, 9);
  if (r.val_eval.epoch >= 0) meta["cnnlab.val_eval"] = eval_text(r.val_eval);
  if (r.test_eval.epoch >= 0) meta["cnnlab.test_eval"] = eval_text(r.test_eval);
}

RunRecord read_run_record(const std::map<std::string, std::string>& meta, const std::string& path,
                          int num_classes) {
  RunRecord r;
  auto get = [&](const char* key) -> const std::string* {
    auto it = meta.find(key);
    return it == meta.end() ? nullptr : &it->second;
  };
  if (!get("cnnlab.history")) return r;  // an older checkpoint: weights and class names only
  Reader rd{path, "cnnlab.history"};
  r.history = read_history(rd, *get("cnnlab.history"));
  for (const char* key : {"cnnlab.run", "cnnlab.batch_losses", "cnnlab.batch_epoch"})
    if (!get(key))
      throw UserError(path, std::string("checkpoint has a history but no '") + key + "'",
                      "re-save it from cnnlab");
  rd.key = "cnnlab.run";
  r.settings = read_settings(rd, *get("cnnlab.run"), r.split_seed);
  rd.key = "cnnlab.batch_losses";
  const Json losses = Json{{"v", rd.parse(*get("cnnlab.batch_losses"))}};
  r.batch_losses = rd.numbers<float>(losses, "v");
  rd.key = "cnnlab.batch_epoch";
  const Json at = Json{{"v", rd.parse(*get("cnnlab.batch_epoch"))}};
  r.batch_epoch = rd.numbers<float>(at, "v", r.batch_losses.size());
  for (const char* key : {"cnnlab.val_eval", "cnnlab.test_eval"}) {
    if (!get(key)) continue;
    rd.key = key;
    SplitEval e = read_eval(rd, *get(key), num_classes);
    (key == std::string("cnnlab.val_eval") ? r.val_eval : r.test_eval) = std::move(e);
  }
  r.present = true;
  return r;
}

RunRecord run_record_of(const Trainer& t, const RunSettings& s, const SplitEval& test_eval) {
  RunRecord r;
  r.present = true;
  r.settings = s;
  r.settings.data_dir.clear();
  r.split_seed = s.seed;
  r.history = t.history();
  r.batch_losses = t.batch_losses();
  r.batch_epoch = t.batch_epoch();
  if (t.epoch() > 0 && !t.split().val.empty())
    r.val_eval = make_split_eval("validation", t.epoch(), t.split().val, t.last_val_eval());
  r.test_eval = test_eval;
  return r;
}

}  // namespace cnnlab
