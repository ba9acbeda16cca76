// nn/serialize.cpp — safetensors save/load: a tiny strict JSON writer/reader, model config in metadata.
//
// [SECTION] JSON (just what a safetensors header needs)
// [SECTION] model config <-> JSON
// [SECTION] save
// [SECTION] load
#include "nn/serialize.h"

#include <unistd.h>

#include <bit>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

#include "core/check.h"
#include "core/error.h"
#include "core/fileio.h"

namespace cnnlab {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

// =================================================================================================
// [SECTION] JSON (just what a safetensors header needs)
// =================================================================================================
namespace {

struct Json {
  enum Type { Null, Bool, Number, String, Array, Object } type = Null;
  bool b = false;
  std::string text;  // String value, or a Number's literal
  std::vector<Json> items;                          // Array
  std::vector<std::pair<std::string, Json>> members;  // Object, in file order
  const Json* get(const std::string& key) const {
    for (auto& [k, v] : members)
      if (k == key) return &v;
    return nullptr;
  }
};

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

// Strict recursive-descent parser; throws std::runtime_error with a short reason.
class JsonParser {
 public:
  explicit JsonParser(const std::string& s) : s_(s) {}
  Json parse_document() {
    Json v = parse_value(0);
    skip_ws();
    if (i_ != s_.size()) fail("trailing characters after the JSON value");
    return v;
  }

 private:
  const std::string& s_;
  size_t i_ = 0;

  [[noreturn]] void fail(const std::string& why) {
    throw std::runtime_error(why + " at byte " + std::to_string(i_));
  }
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
  }
  void expect(char c) {
    skip_ws();
    if (i_ >= s_.size() || s_[i_] != c) fail(std::string("expected '") + c + "'");
    ++i_;
  }
  bool literal(const char* word) {
    size_t n = std::strlen(word);
    if (s_.compare(i_, n, word) != 0) return false;
    i_ += n;
    return true;
  }
  Json parse_value(int depth) {
    if (depth > 32) fail("JSON nested too deeply");
    skip_ws();
    if (i_ >= s_.size()) fail("unexpected end of JSON");
    Json v;
    const char c = s_[i_];
    if (c == '{') {
      v.type = Json::Object;
      ++i_;
      skip_ws();
      if (i_ < s_.size() && s_[i_] == '}') return ++i_, v;
      for (;;) {
        skip_ws();
        std::string key = parse_string();
        expect(':');
        v.members.emplace_back(std::move(key), parse_value(depth + 1));
        skip_ws();
        if (i_ < s_.size() && s_[i_] == ',') { ++i_; continue; }
        expect('}');
        return v;
      }
    }
    if (c == '[') {
      v.type = Json::Array;
      ++i_;
      skip_ws();
      if (i_ < s_.size() && s_[i_] == ']') return ++i_, v;
      for (;;) {
        v.items.push_back(parse_value(depth + 1));
        skip_ws();
        if (i_ < s_.size() && s_[i_] == ',') { ++i_; continue; }
        expect(']');
        return v;
      }
    }
    if (c == '"') {
      v.type = Json::String;
      v.text = parse_string();
      return v;
    }
    if (literal("true")) { v.type = Json::Bool; v.b = true; return v; }
    if (literal("false")) { v.type = Json::Bool; return v; }
    if (literal("null")) return v;
    if (c == '-' || (c >= '0' && c <= '9')) {
      size_t start = i_;
      ++i_;
      while (i_ < s_.size() && std::strchr("0123456789.eE+-", s_[i_])) ++i_;
      v.type = Json::Number;
      v.text = s_.substr(start, i_ - start);
      return v;
    }
    fail("unexpected character in JSON");
  }
  std::string parse_string() {
    if (i_ >= s_.size() || s_[i_] != '"') fail("expected a string");
    ++i_;
    std::string out;
    while (i_ < s_.size() && s_[i_] != '"') {
      char c = s_[i_++];
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (c != '\\') { out += c; continue; }
      if (i_ >= s_.size()) break;
      char e = s_[i_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          if (i_ + 4 > s_.size()) fail("bad \\u escape");
          unsigned cp = unsigned(std::stoul(s_.substr(i_, 4), nullptr, 16));
          i_ += 4;
          if (cp < 0x80) out += char(cp);
          else if (cp < 0x800) out += char(0xC0 | (cp >> 6)), out += char(0x80 | (cp & 0x3F));
          else out += char(0xE0 | (cp >> 12)), out += char(0x80 | ((cp >> 6) & 0x3F)),
                   out += char(0x80 | (cp & 0x3F));
          break;
        }
        default: fail("bad escape in string");
      }
    }
    if (i_ >= s_.size()) fail("unterminated string");
    ++i_;
    return out;
  }
};

// A non-negative integer from a JSON number; -1 if it is not one.
long long json_uint(const Json& v) {
  if (v.type != Json::Number || v.text.empty() || v.text[0] == '-') return -1;
  for (char c : v.text)
    if (c < '0' || c > '9') return -1;
  if (v.text.size() > 15) return -1;
  return std::stoll(v.text);
}

}  // namespace

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
        s += ", \"filters\": " + std::to_string(l.filters) + ", \"kernel_size\": " +
             std::to_string(l.kernel_h) + ", \"strides\": " + std::to_string(l.stride_h) +
             ", \"padding\": \"" + padding_name(l.padding) + "\", \"activation\": \"" +
             activation_name(l.activation) + "\"";
        break;
      case LayerKind::MaxPool2D:
        s += ", \"pool_size\": " + std::to_string(l.kernel_h) + ", \"strides\": " +
             std::to_string(l.stride_h);
        break;
      case LayerKind::Dense:
        s += ", \"units\": " + std::to_string(l.filters) + ", \"activation\": \"" +
             activation_name(l.activation) + "\"";
        break;
      case LayerKind::Flatten:
      case LayerKind::Input: break;
    }
    s += "}";
  }
  return s + "]";
}

// Rebuilds the layer stack from "cnnlab.input" and "cnnlab.layers". Throws std::runtime_error.
static Model model_from_config(const std::string& input, const std::string& layers) {
  int h = 0, w = 0, c = 0;
  if (std::sscanf(input.c_str(), "%d,%d,%d", &h, &w, &c) != 3 || h <= 0 || w <= 0 || c <= 0 ||
      h > 100000 || w > 100000 || c > 4096)
    throw std::runtime_error("bad cnnlab.input '" + input + "' (want H,W,C)");
  Json arr = JsonParser(layers).parse_document();
  if (arr.type != Json::Array || arr.items.empty())
    throw std::runtime_error("cnnlab.layers is not a non-empty JSON array");
  Model m(h, w, c);
  auto num = [](const Json& o, const char* key, long long lo, long long hi) {
    const Json* v = o.get(key);
    long long x = v ? json_uint(*v) : -1;
    if (x < lo || x > hi) throw std::runtime_error(std::string("layer field '") + key + "' missing or out of range");
    return int(x);
  };
  auto str = [](const Json& o, const char* key) {
    const Json* v = o.get(key);
    if (!v || v->type != Json::String) throw std::runtime_error(std::string("layer field '") + key + "' missing");
    return v->text;
  };
  auto act = [&](const Json& o) {
    std::string a = str(o, "activation");
    if (a == "relu") return Activation::Relu;
    if (a == "softmax") return Activation::Softmax;
    if (a == "linear") return Activation::None;
    throw std::runtime_error("unknown activation '" + a + "'");
  };
  auto shape = [&] { return m.layers().back(); };
  for (const Json& o : arr.items) {
    if (o.type != Json::Object) throw std::runtime_error("cnnlab.layers entries must be objects");
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
      m.conv2d(num(o, "filters", 1, 65536), k, act(o), p == "same" ? Padding::Same : Padding::Valid, s);
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
  const LayerInfo& last = m.layers().back();
  if (last.kind != LayerKind::Dense || last.activation != Activation::Softmax)
    throw std::runtime_error("the model must end in a softmax Dense layer");
  return m;
}

std::vector<std::string> tensor_names(const Model& model) {
  std::vector<std::string> names;
  for (const LayerInfo& l : model.layers()) {
    if (l.weight_count == 0) continue;
    names.push_back(l.name + "/kernel");
    names.push_back(l.name + "/bias");
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

  std::string header = "{";
  size_t offset = 0;
  const auto entries = tensor_entries(model);
  for (const TensorEntry& t : entries) {
    const size_t bytes = t.count * sizeof(float);
    header += json_quote(t.name) + ":{\"dtype\":\"F32\",\"shape\":" + shape_json(t.shape) +
              ",\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + bytes) + "]},";
    offset += bytes;
  }
  header += "\"__metadata__\":{";
  bool first = true;
  for (auto& [k, v] : meta) {
    header += (first ? "" : ",") + json_quote(k) + ":" + json_quote(v);
    first = false;
  }
  header += "}}";
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
// [SECTION] load
// =================================================================================================
namespace {
struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
}  // namespace

constexpr const char* kHint = "is this a cnnlab .safetensors checkpoint? re-save it from cnnlab";

// A checkpoint whose header has been read and parsed; the file stays open for the data.
struct OpenedCheckpoint {
  std::unique_ptr<std::FILE, FileCloser> f;
  uint64_t header_len = 0, data_size = 0;
  Json root;
  std::map<std::string, std::string> metadata;
};

static OpenedCheckpoint open_checkpoint(const std::string& path) {
  OpenedCheckpoint c;
  c.f.reset(std::fopen(path.c_str(), "rb"));
  if (!c.f) throw UserError(path, std::string("cannot open: ") + std::strerror(errno), "check the path");
  std::fseek(c.f.get(), 0, SEEK_END);
  const long long file_size = ftello(c.f.get());
  std::fseek(c.f.get(), 0, SEEK_SET);
  uint8_t len[8];
  if (file_size < 8 || std::fread(len, 1, 8, c.f.get()) != 8)
    throw UserError(path, "file too short for a safetensors header (" + std::to_string(file_size) + " bytes)", kHint);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t(len[i]) << (8 * i);
  if (n < 2 || n > (uint64_t(100) << 20) || 8 + n > uint64_t(file_size))
    throw UserError(path, "bad header length " + std::to_string(n) + " for a file of " +
                              std::to_string(file_size) + " bytes (truncated or not safetensors)", kHint);
  std::string header(n, '\0');
  if (std::fread(header.data(), 1, n, c.f.get()) != n) throw UserError(path, "cannot read the header", kHint);
  c.header_len = n;
  c.data_size = uint64_t(file_size) - 8 - n;
  try {
    c.root = JsonParser(header).parse_document();
  } catch (const std::exception& e) {
    throw UserError(path, std::string("header is not valid JSON: ") + e.what(), kHint);
  }
  if (c.root.type != Json::Object) throw UserError(path, "header is not a JSON object", kHint);
  if (const Json* md = c.root.get("__metadata__")) {
    if (md->type != Json::Object) throw UserError(path, "__metadata__ is not an object", kHint);
    for (auto& [k, v] : md->members) {
      if (v.type != Json::String) throw UserError(path, "metadata '" + k + "' is not a string", kHint);
      c.metadata[k] = v.text;
    }
  }
  return c;
}

// The model the checkpoint's metadata describes (not allocated).
static Model checkpoint_model(const std::string& path, const OpenedCheckpoint& c) {
  auto it_l = c.metadata.find("cnnlab.layers"), it_i = c.metadata.find("cnnlab.input");
  if (it_l == c.metadata.end() || it_i == c.metadata.end())
    throw UserError(path, "no cnnlab model config in the metadata (cnnlab.layers, cnnlab.input)", kHint);
  Model m;
  try {
    m = model_from_config(it_i->second, it_l->second);
  } catch (const std::exception& e) {
    throw UserError(path, std::string("bad model config: ") + e.what(), kHint);
  }
  auto it_p = c.metadata.find("cnnlab.preset");
  m.preset_name = it_p != c.metadata.end() ? it_p->second : "";
  return m;
}

// Checks every tensor the model needs (dtype, shape, size, inside the file) and that there are no
// others; returns each tensor's [begin, end) within the data section, in tensor_entries order.
static std::vector<std::pair<uint64_t, uint64_t>> check_tensors(const std::string& path,
                                                                const OpenedCheckpoint& c,
                                                                const Model& model) {
  const auto entries = tensor_entries(model);
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const TensorEntry& t : entries) {
    const Json* j = c.root.get(t.name);
    if (!j || j->type != Json::Object) throw UserError(path, "missing tensor '" + t.name + "'", kHint);
    const Json* dt = j->get("dtype");
    if (!dt || dt->type != Json::String || dt->text != "F32")
      throw UserError(path, "tensor '" + t.name + "' is not F32", kHint);
    const Json* sh = j->get("shape");
    std::vector<int> shape;
    if (sh && sh->type == Json::Array)
      for (const Json& d : sh->items) shape.push_back(int(json_uint(d)));
    if (shape != t.shape)
      throw UserError(path, "tensor '" + t.name + "' has shape " + (sh ? shape_json(shape) : "?") +
                                ", the model needs " + shape_json(t.shape), kHint);
    const Json* off = j->get("data_offsets");
    long long b = -1, e = -1;
    if (off && off->type == Json::Array && off->items.size() == 2)
      b = json_uint(off->items[0]), e = json_uint(off->items[1]);
    if (b < 0 || e < b || uint64_t(e - b) != t.count * sizeof(float))
      throw UserError(path, "tensor '" + t.name + "' has bad data_offsets", kHint);
    if (uint64_t(e) > c.data_size)
      throw UserError(path, "tensor '" + t.name + "' runs past the end of the file (truncated?)", kHint);
    ranges.emplace_back(uint64_t(b), uint64_t(e));
  }
  for (auto& [k, v] : c.root.members) {
    if (k == "__metadata__") continue;
    bool known = false;
    for (const TensorEntry& t : entries) known = known || t.name == k;
    if (!known) throw UserError(path, "unexpected tensor '" + k + "' for this model", kHint);
  }
  return ranges;
}

static void read_tensors(const std::string& path, OpenedCheckpoint& c, Model& model,
                         const std::vector<std::pair<uint64_t, uint64_t>>& ranges) {
  const auto entries = tensor_entries(model);
  float* params = model.params();
  for (size_t i = 0; i < entries.size(); ++i) {
    const TensorEntry& t = entries[i];
    if (fseeko(c.f.get(), off_t(8 + c.header_len + ranges[i].first), SEEK_SET) != 0 ||
        std::fread(params + t.offset, sizeof(float), t.count, c.f.get()) != t.count)
      throw UserError(path, "cannot read tensor '" + t.name + "' (truncated?)", kHint);
  }
}

LoadedModel load_safetensors(const std::string& path, int max_batch, bool for_training) {
  OpenedCheckpoint c = open_checkpoint(path);
  LoadedModel out;
  out.model = checkpoint_model(path, c);
  const auto ranges = check_tensors(path, c, out.model);  // before allocating gigabytes
  const double need = double(out.model.estimate_memory(max_batch, for_training).total());
  const double have = double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGE_SIZE));
  if (need > have)
    throw UserError(path, "its model needs " + std::to_string(int(need / 1e9 + 0.5)) +
                              " GB at batch " + std::to_string(max_batch) + ", this machine has " +
                              std::to_string(int(have / 1e9 + 0.5)) + " GB",
                    "use a smaller batch, or load it on a bigger machine");
  out.model.allocate(max_batch, for_training);
  read_tensors(path, c, out.model, ranges);
  out.metadata = std::move(c.metadata);
  return out;
}

std::map<std::string, std::string> load_safetensors_weights(const std::string& path, Model& model) {
  CNNLAB_ASSERT(model.allocated(), "load_safetensors_weights: allocate the model first");
  OpenedCheckpoint c = open_checkpoint(path);
  Model file_model = checkpoint_model(path, c);
  auto describe = [](const Model& m) {
    return std::to_string(m.input_h()) + "x" + std::to_string(m.input_w()) + "x" +
           std::to_string(m.input_c()) + " " + layers_json(m);
  };
  if (describe(file_model) != describe(model))
    throw UserError(path, "its model (" + describe(file_model) + ", " +
                              std::to_string(file_model.num_params()) + " parameters) is not this one (" +
                              describe(model) + ", " + std::to_string(model.num_params()) + " parameters)",
                    "choose the same model preset, image size and classes, then load again");
  const auto ranges = check_tensors(path, c, model);
  read_tensors(path, c, model, ranges);
  return std::move(c.metadata);
}

}  // namespace cnnlab
