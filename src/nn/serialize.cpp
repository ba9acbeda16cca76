// nn/serialize.cpp — safetensors save/load, as strict as the safetensors crate; model config in
// metadata.
//
// [SECTION] JSON and UTF-8
// [SECTION] model config <-> JSON
// [SECTION] save
// [SECTION] load
#include "nn/serialize.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "core/check.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/sysinfo.h"
#include "nn/model_file.h"

namespace cnnlab {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

// =================================================================================================
// [SECTION] JSON and UTF-8 (nlohmann-json parses; duplicate keys are refused as safetensors does)
// =================================================================================================
namespace {

using Json = nlohmann::json;  // objects sorted by key: the reader does not depend on file order

// Parses a whole document strictly (valid UTF-8, nothing but whitespace after the value, no key
// twice in one object). Throws std::runtime_error with a short reason.
Json parse_json(const std::string& text) {
  std::vector<std::set<std::string>> open_objects;
  Json::parser_callback_t cb = [&](int, Json::parse_event_t ev, Json& parsed) {
    if (ev == Json::parse_event_t::object_start)
      open_objects.emplace_back();
    else if (ev == Json::parse_event_t::object_end && !open_objects.empty())
      open_objects.pop_back();
    else if (ev == Json::parse_event_t::key && !open_objects.empty() &&
             !open_objects.back().insert(parsed.get<std::string>()).second)
      throw std::runtime_error("duplicate key \"" + parsed.get<std::string>() + "\"");
    return true;
  };
  try {
    return Json::parse(text, cb);
  } catch (const Json::exception& e) {
    throw std::runtime_error(e.what());
  }
}

// A non-negative integer (JSON's unsigned) up to `hi`; -1 if it is anything else.
long long json_uint(const Json& v, long long hi = (1LL << 53)) {
  if (!v.is_number_unsigned()) return -1;
  const uint64_t x = v.get<uint64_t>();
  return x > uint64_t(hi) ? -1 : (long long)x;
}

// Length of the valid UTF-8 sequence at p (1-4), or 0 (overlong, surrogate, > U+10FFFF, cut).
size_t utf8_length(const unsigned char* p, size_t left) {
  const unsigned char c = p[0];
  if (c < 0x80) return 1;
  size_t n = c >= 0xC2 && c <= 0xDF   ? 2
             : c >= 0xE0 && c <= 0xEF ? 3
             : c >= 0xF0 && c <= 0xF4 ? 4
                                      : 0;
  if (n == 0 || n > left) return 0;
  for (size_t i = 1; i < n; ++i)
    if ((p[i] & 0xC0) != 0x80) return 0;
  if (c == 0xE0 && p[1] < 0xA0) return 0;  // overlong
  if (c == 0xED && p[1] > 0x9F) return 0;  // UTF-16 surrogates
  if (c == 0xF0 && p[1] < 0x90) return 0;  // overlong
  if (c == 0xF4 && p[1] > 0x8F) return 0;  // above U+10FFFF
  return n;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::string encode_name_list(const std::vector<std::string>& names) {
  Json arr = Json::array();
  for (const std::string& name : names) {
    std::string out;
    const auto* p = reinterpret_cast<const unsigned char*>(name.data());
    for (size_t i = 0; i < name.size();) {
      const size_t n = utf8_length(p + i, name.size() - i);
      if (n == 0 || p[i] == '%') {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", unsigned(p[i]));
        out += buf;
        ++i;
      } else {
        out.append(name, i, n);
        i += n;
      }
    }
    arr.push_back(out);
  }
  return arr.dump();
}

std::vector<std::string> decode_name_list(const std::string& text) {
  std::vector<std::string> names;
  if (text.empty() || text[0] != '[') {  // the first format: one name per line
    for (size_t start = 0; start <= text.size();) {
      size_t end = std::min(text.find('\n', start), text.size());
      names.push_back(text.substr(start, end - start));
      start = end + 1;
    }
    return names;
  }
  const Json arr = parse_json(text);
  if (!arr.is_array()) throw std::runtime_error("the name list is not a JSON array");
  for (const Json& v : arr) {
    if (!v.is_string()) throw std::runtime_error("the name list holds a non-string");
    const std::string& s = v.get_ref<const std::string&>();
    std::string name;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '%') {
        name += s[i];
        continue;
      }
      const int hi = i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
      const int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
      if (lo < 0) throw std::runtime_error("bad %-escape in name \"" + s + "\"");
      name += char(hi * 16 + lo);
      i += 2;
    }
    names.push_back(std::move(name));
  }
  return names;
}

// =================================================================================================
// [SECTION] model config <-> JSON
// =================================================================================================
static std::string layers_json(const Model& m) {
  std::string s = "[";
  const auto& L = m.layers();
  for (size_t i = 1; i < L.size(); ++i) {
    const LayerInfo& l = L[i];
    if (i > 1) s += ", ";
    s += "{\"class\": \"" + std::string(layer_kind_name(l.kind)) + "\"";
    switch (l.kind) {
      case LayerKind::Conv2D:
        s += ", \"filters\": " + std::to_string(l.filters) +
             ", \"kernel_size\": " + std::to_string(l.kernel_h) +
             ", \"strides\": " + std::to_string(l.stride_h) + ", \"padding\": \"" +
             padding_name(l.padding) + "\", \"activation\": \"" + activation_name(l.activation) +
             "\"";
        break;
      case LayerKind::MaxPool2D:
        s += ", \"pool_size\": " + std::to_string(l.kernel_h) +
             ", \"strides\": " + std::to_string(l.stride_h);
        break;
      case LayerKind::Dense:
        s += ", \"units\": " + std::to_string(l.filters) + ", \"activation\": \"" +
             activation_name(l.activation) + "\"";
        break;
      case LayerKind::Dropout:
        s += ", \"rate\": " + std::to_string(l.rate);
        break;
      case LayerKind::AvgPool2D:
        s += ", \"pool_size\": " + std::to_string(l.kernel_h) +
             ", \"strides\": " + std::to_string(l.stride_h) + ", \"padding\": \"" +
             padding_name(l.padding) + "\"";
        break;
      default:
        break;  // the rest is in cnnlab.model_file
    }
    if (l.l2 > 0) s += ", \"l2\": " + std::to_string(l.l2);
    s += "}";
  }
  return s + "]";
}

// Rebuilds the layer stack from "cnnlab.input" and "cnnlab.layers" and checks it against what the
// tools can feed it (check_model). Throws std::runtime_error (UserError is one) with the reason.
static void parse_input(const std::string& input, int& h, int& w, int& c) {
  int used = 0;
  if (std::sscanf(input.c_str(), "%6d,%6d,%6d%n", &h, &w, &c, &used) != 3 ||
      size_t(used) != input.size())
    throw std::runtime_error("bad cnnlab.input '" + input + "' (want H,W,C)");
  check_model_input(h, w, c);
}

static Model model_from_config(const std::string& input, const std::string& layers) {
  int h = 0, w = 0, c = 0;
  parse_input(input, h, w, c);
  const Json arr = parse_json(layers);
  if (!arr.is_array() || arr.empty() || arr.size() > 1000)
    throw std::runtime_error("cnnlab.layers is not a JSON array of 1 to 1000 layers");
  Model m(h, w, c);
  auto num = [](const Json& o, const char* key, long long lo, long long hi) {
    auto it = o.find(key);
    long long x = it != o.end() ? json_uint(*it) : -1;
    if (x < lo || x > hi)
      throw std::runtime_error(std::string("layer field '") + key + "' missing or out of range");
    return int(x);
  };
  auto str = [](const Json& o, const char* key) {
    auto it = o.find(key);
    if (it == o.end() || !it->is_string())
      throw std::runtime_error(std::string("layer field '") + key + "' missing");
    return it->get<std::string>();
  };
  auto act = [&](const Json& o) {
    std::string a = str(o, "activation");
    if (a == "relu") return Activation::Relu;
    if (a == "softmax") return Activation::Softmax;
    if (a == "linear") return Activation::None;
    throw std::runtime_error("unknown activation '" + a + "'");
  };
  auto shape = [&] { return m.layers().back(); };
  for (const Json& o : arr) {
    if (!o.is_object()) throw std::runtime_error("cnnlab.layers entries must be objects");
    if (shape().activation == Activation::Softmax)
      throw std::runtime_error("softmax is allowed only on the last layer");
    const std::string cls = str(o, "class");
    if (cls == "Conv2D") {
      if (act(o) == Activation::Softmax) throw std::runtime_error("Conv2D cannot use softmax");
      std::string p = str(o, "padding");
      if (p != "same" && p != "valid") throw std::runtime_error("unknown padding '" + p + "'");
      const int k = num(o, "kernel_size", 1, 64), s = num(o, "strides", 1, 64);
      if (shape().flat || (p == "valid" && (shape().out_h < k || shape().out_w < k)))
        throw std::runtime_error("Conv2D does not fit its input");
      m.conv2d(num(o, "filters", 1, 65536), k, act(o), p == "same" ? Padding::Same : Padding::Valid,
               s);
    } else if (cls == "MaxPooling2D") {
      const int p = num(o, "pool_size", 1, 64);
      if (shape().flat || shape().out_h < p || shape().out_w < p)
        throw std::runtime_error("MaxPooling2D does not fit its input");
      m.maxpool2d(p, num(o, "strides", 1, 64));
    } else if (cls == "Flatten") {
      m.flatten();
    } else if (cls == "Dense") {
      if (!shape().flat) throw std::runtime_error("Dense needs a flat input");
      m.dense(num(o, "units", 1, 1 << 24), act(o));
    } else {
      throw std::runtime_error("unknown layer class '" + cls + "'");
    }
  }
  check_model(m);
  return m;
}

// Keras's weight names: kernel, bias; BatchNormalization's gamma, beta, moving_mean,
// moving_variance.
std::vector<std::string> tensor_names(const Model& model) {
  std::vector<std::string> names;
  for (const LayerInfo& l : model.layers()) {
    if (l.weight_count == 0) continue;
    const bool bn = l.kind == LayerKind::BatchNorm;
    names.push_back(l.name + (bn ? "/gamma" : "/kernel"));
    names.push_back(l.name + (bn ? "/beta" : "/bias"));
    if (bn) names.push_back(l.name + "/moving_mean"), names.push_back(l.name + "/moving_variance");
  }
  return names;
}

// =================================================================================================
// [SECTION] save
// =================================================================================================
static std::string shape_json(const std::vector<int>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

// (name, shape, offset into the param arena, count) in file order.
struct TensorEntry {
  std::string name;
  std::vector<int> shape;
  size_t offset, count;
};

static std::vector<TensorEntry> tensor_entries(const Model& model) {
  std::vector<TensorEntry> out;
  const auto& L = model.layers();
  for (size_t i = 1; i < L.size(); ++i) {
    const LayerInfo& l = L[i];
    if (l.weight_count == 0) continue;
    if (l.kind == LayerKind::BatchNorm) {
      const size_t c = size_t(l.out_c);
      out.push_back({l.name + "/gamma", {l.out_c}, l.weight_offset, c});
      out.push_back({l.name + "/beta", {l.out_c}, l.bias_offset, c});
      out.push_back({l.name + "/moving_mean", {l.out_c}, l.state_offset, c});
      out.push_back({l.name + "/moving_variance", {l.out_c}, l.state_offset + c, c});
      continue;
    }
    std::vector<int> k = l.kind == LayerKind::Conv2D
                             ? std::vector<int>{l.kernel_h, l.kernel_w, L[i - 1].out_c, l.filters}
                             : std::vector<int>{int(L[i - 1].out_size()), l.filters};
    out.push_back({l.name + "/kernel", k, l.weight_offset, l.weight_count});
    out.push_back({l.name + "/bias", {l.filters}, l.bias_offset, l.bias_count});
  }
  return out;
}

void save_safetensors(const std::string& path, const Model& model,
                      const std::map<std::string, std::string>& metadata) {
  CNNLAB_ASSERT(model.allocated(), "save_safetensors: the model has no weights (allocate first)");
  std::map<std::string, std::string> meta = metadata;
  meta["format"] = "pt";  // what most safetensors readers expect; the data is plain F32 either way
  meta["cnnlab.format"] = "1";
  meta["cnnlab.preset"] = model.preset_name;
  meta["cnnlab.input"] = std::to_string(model.input_h()) + "," + std::to_string(model.input_w()) +
                         "," + std::to_string(model.input_c());
  meta["cnnlab.num_classes"] = std::to_string(model.num_classes());
  meta["cnnlab.layers"] = layers_json(model);
  meta["cnnlab.model_file"] =
      model_to_toml(model);  // rebuilds the model; the rest is for old readers

  // Insertion order is file order: tensors in arena order, then the metadata (sorted by key).
  nlohmann::ordered_json root = nlohmann::ordered_json::object();
  size_t offset = 0;
  for (const TensorEntry& t : tensor_entries(model)) {
    const size_t bytes = t.count * sizeof(float);
    root[t.name] = {
        {"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  root["__metadata__"] = nlohmann::ordered_json::object();
  for (auto& [k, v] : meta) root["__metadata__"][k] = v;
  std::string header;
  try {
    header = root.dump();  // strict: a key or value that is not UTF-8 throws
  } catch (const nlohmann::json::exception&) {
    throw UserError(path, "cannot save: a metadata key or value is not valid UTF-8",
                    "encode byte strings such as folder names with encode_name_list");
  }
  while (header.size() % 8 != 0) header += ' ';  // safetensors pads the header to 8 bytes

  AtomicFile f(path);
  uint8_t len[8];
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) len[i] = uint8_t(n >> (8 * i));
  f.write(len, 8);
  f.write(header.data(), header.size());
  // Tensors are laid out in arena order (kernel, bias per layer), so the data is the arena as is.
  const char* data = reinterpret_cast<const char*>(model.params());
  const size_t total = model.num_params() * sizeof(float), chunk = size_t(64) << 20;
  for (size_t b = 0; b < total; b += chunk) f.write(data + b, std::min(chunk, total - b));
  f.commit();
}

// =================================================================================================
// [SECTION] load (the checks of the safetensors crate's `validate`, then the model's own)
// =================================================================================================
namespace {
struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
}  // namespace

constexpr const char* kHint = "is this a cnnlab .safetensors checkpoint? re-save it from cnnlab";
constexpr uint64_t kMaxHeader = uint64_t(100) << 20;  // safetensors' MAX_HEADER_SIZE

// A checkpoint whose header has been read and parsed; the file stays open for the data.
struct OpenedCheckpoint {
  std::unique_ptr<std::FILE, FileCloser> f;
  uint64_t header_len = 0, data_size = 0;
  Json root;  // the tensors (the metadata is taken out)
  std::map<std::string, std::string> metadata;
};

// Reads the length prefix and the header: the length fits the file, the header is UTF-8 JSON
// that starts with '{' (padding: trailing spaces only) and holds no key twice.
static OpenedCheckpoint open_checkpoint(const std::string& path) {
  OpenedCheckpoint c;
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    throw UserError(path, "not a regular file", "give the path of a .safetensors file");
  c.f.reset(std::fopen(path.c_str(), "rb"));
  if (!c.f)
    throw UserError(path, std::string("cannot open: ") + std::strerror(errno), "check the path");
  std::fseek(c.f.get(), 0, SEEK_END);
  const long long file_size = ftello(c.f.get());
  std::fseek(c.f.get(), 0, SEEK_SET);
  uint8_t len[8];
  if (file_size < 8 || std::fread(len, 1, 8, c.f.get()) != 8)
    throw UserError(
        path, "file too short for a safetensors header (" + std::to_string(file_size) + " bytes)",
        kHint);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t(len[i]) << (8 * i);
  if (n < 2 || n > kMaxHeader || n > uint64_t(file_size) - 8)
    throw UserError(path,
                    "bad header length " + std::to_string(n) + " for a file of " +
                        std::to_string(file_size) + " bytes (truncated or not safetensors)",
                    kHint);
  std::string header(n, '\0');
  if (std::fread(header.data(), 1, n, c.f.get()) != n)
    throw UserError(path, "cannot read the header", kHint);
  c.header_len = n;
  c.data_size = uint64_t(file_size) - 8 - n;
  if (header[0] != '{') throw UserError(path, "header does not start with '{'", kHint);
  try {
    c.root = parse_json(header);
  } catch (const std::exception& e) {
    throw UserError(path, std::string("header is not valid JSON: ") + e.what(), kHint);
  }
  if (!c.root.is_object()) throw UserError(path, "header is not a JSON object", kHint);
  if (auto md = c.root.find("__metadata__"); md != c.root.end()) {
    if (!md->is_object()) throw UserError(path, "__metadata__ is not an object", kHint);
    for (auto& [k, v] : md->items()) {
      if (!v.is_string()) throw UserError(path, "metadata '" + k + "' is not a string", kHint);
      c.metadata[k] = v.get<std::string>();
    }
    c.root.erase(md);
  }
  return c;
}

// safetensors' layout rules over every tensor the header lists: known fields only, F32 here,
// shape × 4 bytes = its byte range, and the ranges, sorted, tile the data section exactly (from
// 0, no gap, no overlap, nothing after). Returns name -> (shape, [begin, end)).
struct TensorRange {
  std::vector<int> shape;
  uint64_t begin = 0, end = 0;
};
static std::map<std::string, TensorRange> check_layout(const std::string& path,
                                                       const OpenedCheckpoint& c) {
  std::map<std::string, TensorRange> out;
  std::vector<std::pair<std::pair<uint64_t, uint64_t>, std::string>> by_offset;
  for (auto& [name, j] : c.root.items()) {
    auto bad = [&](const std::string& why) {
      throw UserError(path, "tensor '" + name + "' " + why, kHint);
    };
    if (!j.is_object()) bad("is not a JSON object");
    for (auto& [k, v] : j.items())
      if (k != "dtype" && k != "shape" && k != "data_offsets")
        bad("has an unknown field '" + k + "'");
    auto dt = j.find("dtype"), sh = j.find("shape"), off = j.find("data_offsets");
    if (dt == j.end() || !dt->is_string() || *dt != "F32") bad("is not F32");
    TensorRange r;
    uint64_t count = 1;
    if (sh == j.end() || !sh->is_array() || sh->size() > 8)
      bad("has no shape (a list of at most 8 sizes)");
    for (const Json& d : *sh) {
      const long long x = json_uint(d, 1LL << 31);
      if (x < 0 || x > 0x7fffffff) bad("has a bad shape");
      r.shape.push_back(int(x));
      count =
          x == 0 || count <= (uint64_t(1) << 60) / uint64_t(x) ? count * uint64_t(x) : ~uint64_t(0);
    }
    if (off == j.end() || !off->is_array() || off->size() != 2)
      bad("has no data_offsets [begin, end]");
    const long long b = json_uint((*off)[0], 1LL << 62), e = json_uint((*off)[1], 1LL << 62);
    if (b < 0 || e < b) bad("has bad data_offsets");
    r.begin = uint64_t(b), r.end = uint64_t(e);
    if (count > (uint64_t(1) << 60) || count * sizeof(float) != r.end - r.begin)
      bad("has " + std::to_string(r.end - r.begin) + " bytes of data for its shape " +
          shape_json(r.shape));
    by_offset.push_back({{r.begin, r.end}, name});
    out[name] = std::move(r);
  }
  std::sort(by_offset.begin(), by_offset.end());
  uint64_t at = 0;
  for (auto& [range, name] : by_offset) {
    if (range.first != at)
      throw UserError(path,
                      "tensor '" + name + "' starts at byte " + std::to_string(range.first) +
                          " of the data, not at " + std::to_string(at) +
                          " (overlapping or non-contiguous tensors)",
                      kHint);
    at = range.second;
  }
  if (at > c.data_size)
    throw UserError(path,
                    "the tensors need " + std::to_string(at) + " bytes of data, the file has " +
                        std::to_string(c.data_size) +
                        ": it runs past the end of the file (truncated?)",
                    kHint);
  if (at < c.data_size)
    throw UserError(path,
                    "the data section has " + std::to_string(c.data_size - at) +
                        " bytes no tensor covers (trailing bytes or a wrong header length)",
                    kHint);
  return out;
}

// The model the checkpoint's metadata describes (not allocated), checked against the tools.
static Model checkpoint_model(const std::string& path, const OpenedCheckpoint& c) {
  auto it_l = c.metadata.find("cnnlab.layers"), it_i = c.metadata.find("cnnlab.input");
  if (it_l == c.metadata.end() || it_i == c.metadata.end())
    throw UserError(path, "no cnnlab model config in the metadata (cnnlab.layers, cnnlab.input)",
                    kHint);
  Model m;
  auto it_f = c.metadata.find("cnnlab.model_file");
  if (it_f != c.metadata.end()) {  // since models are files: the embedded file rebuilds it
    int h = 0, w = 0, ch = 0;
    try {
      parse_input(it_i->second, h, w, ch);
    } catch (const std::exception& e) {
      throw UserError(path, std::string("bad model config: ") + e.what(), kHint);
    }
    try {
      m = model_from_toml(it_f->second, path, h, 0, false);
    } catch (const UserError& e) {
      throw UserError(path,
                      "bad embedded model file (cnnlab.model_file), its line " +
                          std::to_string(e.line()) + ": " + e.reason(),
                      kHint);
    }
    if (layers_json(m) != it_l->second) {  // edited metadata: say what is wrong with the config
      try {
        (void)model_from_config(it_i->second, it_l->second);
      } catch (const std::exception& e) {
        throw UserError(path, std::string("bad model config: ") + e.what(), kHint);
      }
      throw UserError(
          path, "cnnlab.layers and the embedded model file (cnnlab.model_file) disagree", kHint);
    }
    return m;
  }
  try {
    m = model_from_config(it_i->second, it_l->second);  // older checkpoints: the config only
  } catch (const std::exception& e) {
    throw UserError(path, std::string("bad model config: ") + e.what(), kHint);
  }
  auto it_p = c.metadata.find("cnnlab.preset");
  m.preset_name = it_p != c.metadata.end() ? it_p->second : "";
  return m;
}

// Checks that the file holds exactly the tensors `model` needs, in their shapes; returns each
// tensor's [begin, end) within the data section, in tensor_entries order.
static std::vector<std::pair<uint64_t, uint64_t>> check_tensors(const std::string& path,
                                                                const OpenedCheckpoint& c,
                                                                const Model& model) {
  const auto layout = check_layout(path, c);
  const auto entries = tensor_entries(model);
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const TensorEntry& t : entries) {
    auto it = layout.find(t.name);
    if (it == layout.end()) throw UserError(path, "missing tensor '" + t.name + "'", kHint);
    if (it->second.shape != t.shape)
      throw UserError(path,
                      "tensor '" + t.name + "' has shape " + shape_json(it->second.shape) +
                          ", the model needs " + shape_json(t.shape),
                      kHint);
    ranges.emplace_back(it->second.begin, it->second.end);
  }
  for (auto& [k, v] : layout) {
    bool known = false;
    for (const TensorEntry& t : entries) known = known || t.name == k;
    if (!known) throw UserError(path, "unexpected tensor '" + k + "' for this model", kHint);
  }
  return ranges;
}

// UserError unless every value is finite (a NaN weight makes every prediction NaN).
static void check_finite(const std::string& path, const std::string& name, const float* v, size_t n,
                         size_t first_index = 0) {
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(v[i]))
      throw UserError(path,
                      "tensor '" + name + "' holds a non-finite value (" + std::to_string(v[i]) +
                          ") at index " + std::to_string(first_index + i),
                      "the run that wrote it diverged; retrain with a smaller learning rate");
}

// Reads every tensor into `dst` (params of the model) or, with dst null, only checks the data.
static void read_tensors(const std::string& path, OpenedCheckpoint& c, const Model& model,
                         const std::vector<std::pair<uint64_t, uint64_t>>& ranges, float* dst) {
  const auto entries = tensor_entries(model);
  std::vector<float> chunk(dst ? 0 : size_t(1) << 20);
  for (size_t i = 0; i < entries.size(); ++i) {
    const TensorEntry& t = entries[i];
    if (fseeko(c.f.get(), off_t(8 + c.header_len + ranges[i].first), SEEK_SET) != 0)
      throw UserError(path, "cannot read tensor '" + t.name + "' (truncated?)", kHint);
    for (size_t done = 0; done < t.count;) {
      const size_t n = dst ? t.count : std::min(chunk.size(), t.count - done);
      float* to = dst ? dst + t.offset : chunk.data();
      if (std::fread(to, sizeof(float), n, c.f.get()) != n)
        throw UserError(path, "cannot read tensor '" + t.name + "' (truncated?)", kHint);
      check_finite(path, t.name, to, n, done);
      done += n;
    }
  }
}

LoadedModel load_safetensors(const std::string& path, int max_batch, bool for_training) {
  CNNLAB_ASSERT(max_batch >= 1, "load_safetensors: max_batch must be >= 1");
  OpenedCheckpoint c = open_checkpoint(path);
  LoadedModel out;
  out.model = checkpoint_model(path, c);
  const auto ranges = check_tensors(path, c, out.model);  // before allocating gigabytes
  const double need = double(out.model.estimate_memory(max_batch, for_training).total());
  const double have = double(available_memory_bytes());  // 0 = unknown
  if (have > 0 && need > have)
    throw UserError(
        path,
        "its model needs " + format_bytes(need) + " at batch " + std::to_string(max_batch) +
            ", only " + format_bytes(have) + " of memory is available",
        "use a smaller --batch-size, close other programs, or load it on a bigger machine");
  out.model.allocate(max_batch, for_training);
  read_tensors(path, c, out.model, ranges, out.model.params());
  out.metadata = std::move(c.metadata);
  return out;
}

std::map<std::string, std::string> read_safetensors_metadata(const std::string& path) {
  OpenedCheckpoint c = open_checkpoint(path);
  (void)check_layout(path, c);
  return std::move(c.metadata);
}

std::map<std::string, std::string> load_safetensors_weights(const std::string& path, Model& model) {
  CNNLAB_ASSERT(model.allocated(), "load_safetensors_weights: allocate the model first");
  OpenedCheckpoint c = open_checkpoint(path);
  Model file_model = checkpoint_model(path, c);
  auto describe = [](const Model& m) {
    return std::to_string(m.input_h()) + "x" + std::to_string(m.input_w()) + "x" +
           std::to_string(m.input_c()) + " " + layers_json(m);
  };
  auto layer_text = [](const Model& m) {  // the model file without its name line
    std::string t = model_to_toml(m);
    const size_t at = t.find("\nimage_size");
    return at == std::string::npos ? t : t.substr(at);
  };
  if (describe(file_model) != describe(model) || layer_text(file_model) != layer_text(model))
    throw UserError(path,
                    "its model (" + describe(file_model) + ", " +
                        std::to_string(file_model.num_params()) + " parameters) is not this one (" +
                        describe(model) + ", " + std::to_string(model.num_params()) +
                        " parameters)",
                    "choose the same model preset, image size and classes, then load again");
  const auto ranges = check_tensors(path, c, model);
  read_tensors(path, c, model, ranges, nullptr);  // every check first: the live weights stay intact
  read_tensors(path, c, model, ranges, model.params());
  return std::move(c.metadata);
}

}  // namespace cnnlab
