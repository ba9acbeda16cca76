// train/timelapse.cpp — the per-epoch record: frames from a snapshot's pieces, the append with its
// budget, 8-bit maps, and the strict binary/base64 form a checkpoint carries.
// [SECTION] frames  [SECTION] maps  [SECTION] binary form  [SECTION] checks  [SECTION] base64
#include "train/timelapse.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "core/error.h"
#include "nn/explain.h"
#include "nn/model.h"
#include "train/snapshot.h"

namespace cnnlab {

//-----------------------------------------------------------------------------
// [SECTION] frames
//-----------------------------------------------------------------------------
size_t RecordTensor::count() const {
  size_t n = 1;
  for (int d : shape) n *= size_t(d);
  return n;
}

size_t RecordTensor::bytes() const {
  return name.size() + shape.size() * 4 + f32.size() * 4 + i32.size() * 4 + u8.size() +
         (lo.size() + hi.size()) * 4;
}

const RecordTensor* TimelapseFrame::find(const std::string& name) const {
  for (const RecordTensor& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

size_t TimelapseFrame::bytes() const {
  size_t n = 8;
  for (const RecordTensor& t : tensors) n += t.bytes();
  return n;
}

namespace {

RecordTensor f32_tensor(const std::string& name, std::vector<int> shape, std::vector<float> v) {
  RecordTensor t;
  t.name = name, t.type = RecordTensor::Type::F32, t.shape = std::move(shape), t.f32 = std::move(v);
  return t;
}

RecordTensor i32_tensor(const std::string& name, const std::vector<int>& v,
                        std::vector<int> shape = {}) {
  RecordTensor t;
  t.name = name, t.type = RecordTensor::Type::I32;
  t.shape = shape.empty() ? std::vector<int>{int(v.size())} : std::move(shape);
  t.i32.assign(v.begin(), v.end());
  return t;
}

}  // namespace

TimelapseFrame make_timelapse_frame(int epoch, const std::vector<TensorCopy>& conv_kernels,
                                    const std::vector<TensorCopy>& activations, int probe_index,
                                    const std::vector<float>& probe_probs, const SplitEval* val) {
  TimelapseFrame f;
  f.epoch = epoch;
  for (const TensorCopy& k : conv_kernels)
    f.tensors.push_back(f32_tensor("kernel/" + k.name, k.shape, k.values));
  for (const TensorCopy& k : conv_kernels)
    for (const TensorCopy& a : activations)
      if (a.name == k.name && a.shape.size() == 3)
        f.tensors.push_back(quantise_maps("map/" + a.name, a));
  if (probe_index >= 0) {
    f.tensors.push_back(i32_tensor("probe/index", {probe_index}));
    f.tensors.push_back(f32_tensor("probe/probs", {int(probe_probs.size())}, probe_probs));
  }
  if (val && val->epoch >= 0 && !val->indices.empty()) {
    const int k = int(std::lround(std::sqrt(double(val->confusion.size()))));
    f.tensors.push_back(i32_tensor("val/indices", val->indices));
    f.tensors.push_back(i32_tensor("val/predicted", val->predicted));
    f.tensors.push_back(i32_tensor("val/confusion", val->confusion, {k, k}));
    f.tensors.push_back(f32_tensor("val/metrics", {2}, {float(val->loss), float(val->accuracy)}));
  }
  return f;
}

TimelapseFrame capture_timelapse_frame(int epoch, Model& model, const Dataset& data,
                                       const Scaling& scaling, int probe_index,
                                       const SplitEval* val) {
  std::vector<TensorCopy> kernels, maps;
  const auto& L = model.layers();
  for (size_t i = 0; i < L.size(); ++i) {
    if (L[i].kind != LayerKind::Conv2D) continue;
    ParamView w = model.layer_weights(int(i));
    kernels.push_back({L[i].name, w.shape, std::vector<float>(w.data, w.data + w.size)});
  }
  std::vector<float> probs, x;  // x: the probe as the model takes it (maps, then Grad-CAM)
  if (probe_index >= 0) {
    x.resize(size_t(data.height) * data.width * data.channels);
    int label = 0;
    make_batch(data, &probe_index, 1, scaling, x.data(), &label);
    probs.assign(size_t(model.num_classes()), 0.f);
    model.forward(x.data(), 1, probs.data());
    for (size_t i = 0; i < L.size(); ++i) {
      if (L[i].kind != LayerKind::Conv2D) continue;
      const float* a = model.activation(int(i));
      maps.push_back({L[i].name,
                      {L[i].out_h, L[i].out_w, L[i].out_c},
                      std::vector<float>(a, a + L[i].out_size())});
    }
  }
  TimelapseFrame f = make_timelapse_frame(epoch, kernels, maps, probe_index, probs, val);
  if (probe_index >= 0) add_frame_gradcam(f, model, x.data());
  return f;
}

void add_frame_gradcam(TimelapseFrame& f, Model& model, const float* probe_x) {
  if (!probe_x || last_conv_layer(model) < 0) return;
  Explanation e = explain_image(model, probe_x, -1, ExplainMethod::GradCam);
  f.tensors.push_back(quantise_maps("heat/gradcam", {"gradcam", {e.map_h, e.map_w, 1}, e.coarse}));
  f.tensors.push_back(i32_tensor("heat/class", {e.cls}));
}

bool frame_gradcam(const TimelapseFrame& f, int h, int w, int* cls, std::vector<float>* heat) {
  const RecordTensor* t = f.find("heat/gradcam");
  const RecordTensor* c = f.find("heat/class");
  if (!t || !c || c->i32.size() != 1 || t->shape.size() != 3 || t->shape[2] != 1 || h <= 0 ||
      w <= 0)
    return false;
  const TensorCopy coarse = dequantise_maps(*t);
  *heat = resize_bilinear(coarse.values.data(), t->shape[0], t->shape[1], h, w);
  float most = 0;
  for (float v : *heat) most = std::max(most, v);
  for (float& v : *heat) v = most > 0 ? std::max(v, 0.f) / most : 0.f;
  *cls = c->i32[0];
  return true;
}

TimelapsePtr timelapse_append(const TimelapsePtr& t, TimelapseFrame f) {
  auto out = std::make_shared<Timelapse>();
  if (t) {
    out->thinned = t->thinned;
    for (const auto& p : t->frames)
      if (p->epoch < f.epoch) out->frames.push_back(p);
  }
  out->frames.push_back(std::make_shared<const TimelapseFrame>(std::move(f)));
  auto total = [&] {
    size_t n = 0;
    for (const auto& p : out->frames) n += p->bytes();
    return n;
  };
  out->bytes = total();
  while ((out->bytes > kTimelapseMaxBytes || out->frames.size() > size_t(kTimelapseMaxFrames)) &&
         out->frames.size() > 2) {
    std::vector<std::shared_ptr<const TimelapseFrame>> kept;
    const size_t n = out->frames.size();
    for (size_t i = 0; i < n; ++i)
      if (i % 2 == 0 || i + 1 == n) kept.push_back(out->frames[i]);
    out->frames = std::move(kept);
    out->thinned = true;
    out->bytes = total();
  }
  return out;
}

//-----------------------------------------------------------------------------
// [SECTION] maps
//-----------------------------------------------------------------------------
RecordTensor quantise_maps(const std::string& name, const TensorCopy& a) {
  const int H = a.shape[0], W = a.shape[1], C = a.shape[2];
  const int h = std::min(H, kTimelapseMapSide), w = std::min(W, kTimelapseMapSide);
  // Box means: output (y, x) covers rows y·H/h .. (y+1)·H/h (at least one), columns alike.
  std::vector<float> small(size_t(h) * w * C, 0.f);
  for (int y = 0; y < h; ++y) {
    const int y0 = y * H / h, y1 = std::max(y0 + 1, (y + 1) * H / h);
    for (int x = 0; x < w; ++x) {
      const int x0 = x * W / w, x1 = std::max(x0 + 1, (x + 1) * W / w);
      float* o = &small[(size_t(y) * w + x) * C];
      for (int yy = y0; yy < y1; ++yy)
        for (int xx = x0; xx < x1; ++xx) {
          const float* s = &a.values[(size_t(yy) * W + xx) * C];
          for (int c = 0; c < C; ++c) o[c] += s[c];
        }
      const float n = float((y1 - y0) * (x1 - x0));
      for (int c = 0; c < C; ++c) o[c] /= n;
    }
  }
  RecordTensor t;
  t.name = name, t.type = RecordTensor::Type::U8Maps, t.shape = {h, w, C};
  t.lo.assign(size_t(C), INFINITY);
  t.hi.assign(size_t(C), -INFINITY);
  for (size_t i = 0; i < small.size(); ++i) {
    float v = std::isfinite(small[i]) ? small[i] : 0.f;
    small[i] = v;
    t.lo[i % C] = std::min(t.lo[i % C], v), t.hi[i % C] = std::max(t.hi[i % C], v);
  }
  t.u8.resize(small.size());
  for (size_t i = 0; i < small.size(); ++i) {
    const float lo = t.lo[i % C], span = t.hi[i % C] - lo;
    t.u8[i] =
        span > 0 ? uint8_t(std::lround(std::clamp((small[i] - lo) / span, 0.f, 1.f) * 255)) : 0;
  }
  return t;
}

TensorCopy dequantise_maps(const RecordTensor& t) {
  TensorCopy out;
  out.name = t.name.rfind("map/", 0) == 0 ? t.name.substr(4) : t.name;
  out.shape = t.shape;
  const size_t C = t.lo.size();
  out.values.resize(t.u8.size());
  for (size_t i = 0; i < t.u8.size(); ++i)
    out.values[i] = t.lo[i % C] + float(t.u8[i]) / 255.f * (t.hi[i % C] - t.lo[i % C]);
  return out;
}

//-----------------------------------------------------------------------------
// [SECTION] binary form
//-----------------------------------------------------------------------------
namespace {

constexpr uint32_t kVersion = 1;
constexpr size_t kMaxTensors = 256, kMaxName = 128;

struct Writer {
  std::vector<uint8_t> b;
  void raw(const void* p, size_t n) {
    auto c = static_cast<const uint8_t*>(p);
    b.insert(b.end(), c, c + n);
  }
  void u32(uint32_t v) { raw(&v, 4); }  // little-endian: serialize.cpp asserts the host is
  void u8(uint8_t v) { b.push_back(v); }
};

struct Reader {
  const std::vector<uint8_t>& b;
  size_t at = 0;
  void need(size_t n, const char* what) {
    if (n > b.size() - at) throw std::runtime_error(std::string("truncated in ") + what);
  }
  void raw(void* p, size_t n, const char* what) {
    need(n, what);
    std::memcpy(p, b.data() + at, n);
    at += n;
  }
  uint32_t u32(const char* what) {
    uint32_t v;
    raw(&v, 4, what);
    return v;
  }
  uint8_t u8(const char* what) {
    uint8_t v;
    raw(&v, 1, what);
    return v;
  }
};

void write_tensor(Writer& w, const RecordTensor& t) {
  w.u32(uint32_t(t.name.size()));
  w.raw(t.name.data(), t.name.size());
  w.u8(uint8_t(t.type));
  w.u8(uint8_t(t.shape.size()));
  for (int d : t.shape) w.u32(uint32_t(d));
  if (t.type == RecordTensor::Type::F32) w.raw(t.f32.data(), t.f32.size() * 4);
  if (t.type == RecordTensor::Type::I32) w.raw(t.i32.data(), t.i32.size() * 4);
  if (t.type == RecordTensor::Type::U8Maps) {
    w.raw(t.lo.data(), t.lo.size() * 4);
    w.raw(t.hi.data(), t.hi.size() * 4);
    w.raw(t.u8.data(), t.u8.size());
  }
}

template <class T>
void read_array(Reader& r, std::vector<T>& v, size_t n, const char* what) {
  r.need(n * sizeof(T), what);  // checked before allocating: a huge count cannot exhaust memory
  v.resize(n);
  r.raw(v.data(), n * sizeof(T), what);
}

RecordTensor read_tensor(Reader& r) {
  RecordTensor t;
  const uint32_t len = r.u32("a tensor name");
  if (len == 0 || len > kMaxName)
    throw std::runtime_error("a tensor name of " + std::to_string(len) + " bytes");
  t.name.resize(len);
  r.raw(t.name.data(), len, "a tensor name");
  for (char c : t.name)
    if (c < 0x21 || c > 0x7e) throw std::runtime_error("a tensor name with a non-printable byte");
  const uint8_t type = r.u8(t.name.c_str());
  if (type > 2) throw std::runtime_error(t.name + ": unknown type " + std::to_string(type));
  t.type = RecordTensor::Type(type);
  const uint8_t rank = r.u8(t.name.c_str());
  if (rank < 1 || rank > 4) throw std::runtime_error(t.name + ": rank " + std::to_string(rank));
  uint64_t n = 1;
  for (int i = 0; i < rank; ++i) {
    const uint32_t d = r.u32(t.name.c_str());
    if (d < 1 || d > (1u << 20))
      throw std::runtime_error(t.name + ": dimension " + std::to_string(d));
    n *= d;
    if (n > (uint64_t(1) << 30)) throw std::runtime_error(t.name + ": too many values");
    t.shape.push_back(int(d));
  }
  if (t.type == RecordTensor::Type::F32) read_array(r, t.f32, size_t(n), t.name.c_str());
  if (t.type == RecordTensor::Type::I32) read_array(r, t.i32, size_t(n), t.name.c_str());
  if (t.type == RecordTensor::Type::U8Maps) {
    if (rank != 3) throw std::runtime_error(t.name + ": maps must be (h, w, C)");
    read_array(r, t.lo, size_t(t.shape[2]), t.name.c_str());
    read_array(r, t.hi, size_t(t.shape[2]), t.name.c_str());
    read_array(r, t.u8, size_t(n), t.name.c_str());
  }
  return t;
}

}  // namespace

std::string encode_timelapse(const Timelapse& tl) {
  Writer w;
  w.raw("CNTL", 4);
  w.u32(kVersion);
  w.u32(uint32_t(tl.frames.size()));
  for (const auto& f : tl.frames) {
    w.u32(uint32_t(f->epoch));
    w.u32(uint32_t(f->tensors.size()));
    for (const RecordTensor& t : f->tensors) write_tensor(w, t);
  }
  return base64_encode(w.b);
}

//-----------------------------------------------------------------------------
// [SECTION] checks
//-----------------------------------------------------------------------------
namespace {

void check_tensor(const RecordTensor& t, int num_classes) {
  auto fail = [&](const std::string& why) { throw std::runtime_error(t.name + ": " + why); };
  for (float v : t.f32)
    if (!std::isfinite(v)) fail("a value is not finite");
  for (size_t c = 0; c < t.lo.size(); ++c)
    if (!std::isfinite(t.lo[c]) || !std::isfinite(t.hi[c]) || t.lo[c] > t.hi[c])
      fail("channel " + std::to_string(c) + " has a bad range");
  auto want = [&](RecordTensor::Type type, size_t rank) {
    if (t.type != type || t.shape.size() != rank) fail("unexpected type or shape");
  };
  auto classes_in_range = [&] {
    for (int32_t v : t.i32)
      if (v < 0 || v >= num_classes)
        fail("class " + std::to_string(v) + " is not one of " + std::to_string(num_classes));
  };
  if (t.name.rfind("kernel/", 0) == 0) want(RecordTensor::Type::F32, 4);
  if (t.name.rfind("map/", 0) == 0) want(RecordTensor::Type::U8Maps, 3);
  if (t.name == "heat/gradcam") {
    want(RecordTensor::Type::U8Maps, 3);
    if (t.shape[2] != 1) fail("not one channel");
  }
  if (t.name == "heat/class") {
    want(RecordTensor::Type::I32, 1);
    if (t.i32.size() != 1) fail("not one class");
    classes_in_range();
  }
  if (t.name == "probe/probs" || t.name == "val/metrics") want(RecordTensor::Type::F32, 1);
  if (t.name == "probe/probs" && t.shape[0] != num_classes) fail("not one probability per class");
  if (t.name == "probe/index" || t.name == "val/indices" || t.name == "val/predicted") {
    want(RecordTensor::Type::I32, 1);
    for (int32_t v : t.i32)
      if (v < 0) fail("a negative index");
  }
  if (t.name == "val/predicted") classes_in_range();
  if (t.name == "val/confusion") {
    want(RecordTensor::Type::I32, 2);
    if (t.shape[0] != num_classes || t.shape[1] != num_classes) fail("not classes × classes");
    for (int32_t v : t.i32)
      if (v < 0) fail("a negative count");
  }
}

void check_frame(const TimelapseFrame& f, int num_classes) {
  for (size_t i = 0; i < f.tensors.size(); ++i) {
    check_tensor(f.tensors[i], num_classes);
    for (size_t j = 0; j < i; ++j)
      if (f.tensors[j].name == f.tensors[i].name)
        throw std::runtime_error("two tensors named " + f.tensors[i].name);
  }
  const RecordTensor *idx = f.find("val/indices"), *pred = f.find("val/predicted"),
                     *conf = f.find("val/confusion");
  if (bool(idx) != bool(pred) || bool(idx) != bool(conf))
    throw std::runtime_error("val/indices, val/predicted and val/confusion come together");
  if (idx && pred->count() != idx->count())
    throw std::runtime_error("val/predicted and val/indices differ in length");
  if (conf) {
    int64_t sum = 0;
    for (int32_t v : conf->i32) sum += v;
    if (sum != int64_t(idx->count()))
      throw std::runtime_error("val/confusion does not count every prediction");
  }
}

}  // namespace

Timelapse decode_timelapse(const std::string& text, int num_classes) {
  const std::vector<uint8_t> bytes = base64_decode(text);
  Reader r{bytes};
  char magic[4];
  r.raw(magic, 4, "the header");
  if (std::memcmp(magic, "CNTL", 4) != 0) throw std::runtime_error("not a cnnlab time-lapse");
  const uint32_t version = r.u32("the header");
  if (version != kVersion)
    throw std::runtime_error("version " + std::to_string(version) + " (this cnnlab reads 1)");
  const uint32_t n = r.u32("the header");
  if (n > uint32_t(kTimelapseMaxFrames)) throw std::runtime_error(std::to_string(n) + " frames");
  Timelapse tl;
  for (uint32_t i = 0; i < n; ++i) {
    TimelapseFrame f;
    const uint32_t epoch = r.u32("a frame");
    if (epoch > (1u << 20)) throw std::runtime_error("epoch " + std::to_string(epoch));
    f.epoch = int(epoch);
    if (!tl.frames.empty() && f.epoch <= tl.frames.back()->epoch)
      throw std::runtime_error("epoch " + std::to_string(f.epoch) + " does not follow epoch " +
                               std::to_string(tl.frames.back()->epoch));
    const uint32_t k = r.u32("a frame");
    if (k > kMaxTensors) throw std::runtime_error(std::to_string(k) + " tensors in a frame");
    for (uint32_t j = 0; j < k; ++j) f.tensors.push_back(read_tensor(r));
    try {
      check_frame(f, num_classes);
    } catch (const std::runtime_error& e) {
      throw std::runtime_error("epoch " + std::to_string(f.epoch) + ", " + e.what());
    }
    tl.bytes += f.bytes();
    tl.frames.push_back(std::make_shared<const TimelapseFrame>(std::move(f)));
  }
  if (r.at != bytes.size()) throw std::runtime_error("bytes after the last frame");
  if (tl.bytes > kTimelapseMaxBytes + (size_t(1) << 20))
    throw std::runtime_error("larger than the budget of " +
                             std::to_string(kTimelapseMaxBytes >> 20) + " MiB");
  return tl;
}

void add_timelapse(std::map<std::string, std::string>& meta, const Timelapse& t) {
  if (!t.frames.empty()) meta["cnnlab.timelapse"] = encode_timelapse(t);
}

TimelapsePtr read_timelapse(const std::map<std::string, std::string>& meta, const std::string& path,
                            int num_classes) {
  auto it = meta.find("cnnlab.timelapse");
  if (it == meta.end()) return nullptr;
  try {
    return std::make_shared<const Timelapse>(decode_timelapse(it->second, num_classes));
  } catch (const std::runtime_error& e) {
    throw UserError(path,
                    std::string("its time-lapse (cnnlab.timelapse) is malformed: ") + e.what(),
                    "save the checkpoint again from cnnlab, or load its weights alone");
  }
}

//-----------------------------------------------------------------------------
// [SECTION] base64
//-----------------------------------------------------------------------------
namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

std::string base64_encode(const std::vector<uint8_t>& b) {
  std::string s;
  s.reserve((b.size() + 2) / 3 * 4);
  for (size_t i = 0; i < b.size(); i += 3) {
    uint32_t v = uint32_t(b[i]) << 16;
    if (i + 1 < b.size()) v |= uint32_t(b[i + 1]) << 8;
    if (i + 2 < b.size()) v |= b[i + 2];
    s += kAlphabet[(v >> 18) & 63];
    s += kAlphabet[(v >> 12) & 63];
    s += i + 1 < b.size() ? kAlphabet[(v >> 6) & 63] : '=';
    s += i + 2 < b.size() ? kAlphabet[v & 63] : '=';
  }
  return s;
}

std::vector<uint8_t> base64_decode(const std::string& s) {
  if (s.size() % 4) throw std::runtime_error("base64 of a length that is not a multiple of 4");
  int8_t table[256];
  std::memset(table, -1, sizeof table);
  for (int i = 0; i < 64; ++i) table[uint8_t(kAlphabet[i])] = int8_t(i);
  std::vector<uint8_t> out;
  out.reserve(s.size() / 4 * 3);
  for (size_t i = 0; i < s.size(); i += 4) {
    const bool last = i + 4 == s.size();
    int pad = 0;
    uint32_t v = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = s[i + size_t(j)];
      if (c == '=' && last && (j == 3 || (j == 2 && s[i + 3] == '='))) {
        ++pad, v <<= 6;
        continue;
      }
      if (pad || table[uint8_t(c)] < 0)
        throw std::runtime_error("a byte outside base64 at offset " +
                                 std::to_string(i + size_t(j)));
      v = (v << 6) | uint32_t(table[uint8_t(c)]);
    }
    out.push_back(uint8_t(v >> 16));
    if (pad < 2) out.push_back(uint8_t(v >> 8));
    if (pad < 1) out.push_back(uint8_t(v));
  }
  return out;
}

}  // namespace cnnlab
