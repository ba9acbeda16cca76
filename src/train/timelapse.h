// train/timelapse.h — a time-lapse of learning: a small record per epoch (conv kernels, the probe's
// conv maps at 8 bits, the validation confusion matrix and predictions, the probe's probabilities)
// that snapshots share without copying, checkpoints carry, and the window replays.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace cnnlab {

struct TensorCopy;
struct SplitEval;
struct Dataset;
struct Scaling;
class Model;

// One named tensor of a frame. F32 and I32 hold exact values; U8Maps holds (h, w, C) maps, each
// channel quantised to 8 bits over its own range: value = lo[c] + q / 255 · (hi[c] − lo[c]).
struct RecordTensor {
  enum class Type : uint8_t { F32 = 0, I32 = 1, U8Maps = 2 };
  std::string name;
  Type type = Type::F32;
  std::vector<int> shape;
  std::vector<float> f32;     // F32
  std::vector<int32_t> i32;   // I32
  std::vector<uint8_t> u8;    // U8Maps, (h, w, C) row-major
  std::vector<float> lo, hi;  // U8Maps, one per channel
  size_t count() const;       // product of shape
  size_t bytes() const;       // what it costs in memory and (before base64) in a checkpoint
  bool operator==(const RecordTensor&) const = default;
};

// Names the window knows (a frame may hold others; a Grad-CAM map joins as "map/gradcam"):
//   "kernel/<conv layer>"  F32 (KH, KW, Cin, Cout)    "map/<conv layer>"  U8Maps (h, w, C)
//   "val/indices", "val/predicted"  I32 (N)           "val/confusion"  I32 (K, K)
//   "probe/index"  I32 (1)                             "probe/probs"  F32 (K)
struct TimelapseFrame {
  int epoch = 0;  // epochs completed when recorded (0 = the initial weights)
  std::vector<RecordTensor> tensors;
  const RecordTensor* find(const std::string& name) const;  // nullptr when absent
  size_t bytes() const;
  bool operator==(const TimelapseFrame&) const = default;
};

// Frames in epoch order, shared: appending makes a new Timelapse holding the same frame pointers.
struct Timelapse {
  std::vector<std::shared_ptr<const TimelapseFrame>> frames;
  size_t bytes = 0;      // sum of the frames' bytes
  bool thinned = false;  // frames were dropped to stay in budget (see timelapse_append)
};
using TimelapsePtr = std::shared_ptr<const Timelapse>;

// Maps are box-downsampled to at most this side: the course model's 32 + 64 conv maps then cost
// 96 × 64 × 64 bytes ≈ 0.4 MB a frame, its kernels 77 KB.
inline constexpr int kTimelapseMapSide = 64;
// The whole record's budget (≈ 100 epochs of the course model); base64 in the checkpoint header
// makes it 64 MB, under safetensors' 100 MB header limit.
inline constexpr size_t kTimelapseMaxBytes = size_t(48) << 20;
inline constexpr int kTimelapseMaxFrames = 10000;

// A frame from what a snapshot holds: every conv kernel, the probe's maps of those conv layers
// (activations named like a kernel), the probe's index and probabilities, and `val` when evaluated
// (epoch >= 0).
TimelapseFrame make_timelapse_frame(int epoch, const std::vector<TensorCopy>& conv_kernels,
                                    const std::vector<TensorCopy>& activations, int probe_index,
                                    const std::vector<float>& probe_probs, const SplitEval* val);

// The same frame straight from a model (the CLI's trainer; the worker builds its frames from its
// snapshots): its conv kernels, and `probe_index`'s conv maps and probabilities from a forward pass
// of that one image (none when -1). The model must be allocated for a batch of at least 1.
TimelapseFrame capture_timelapse_frame(int epoch, Model& model, const Dataset& data,
                                       const Scaling& scaling, int probe_index,
                                       const SplitEval* val);

// `t` (may be null) plus `f`. A frame of an epoch not after the last one replaces the frames from
// that epoch on (a Reset or a reloaded run). Over kTimelapseMaxBytes, every second frame after the
// first is dropped (the latest stays) and `thinned` is set: a long run keeps its whole arc.
TimelapsePtr timelapse_append(const TimelapsePtr& t, TimelapseFrame f);

// (h, w, C) maps of an (H, W, C) activation: box means to at most kTimelapseMapSide a side, then
// 8 bits per value over each channel's [min, max].
RecordTensor quantise_maps(const std::string& name, const TensorCopy& activation);
// The values back as a float (h, w, C) tensor named after the layer ("map/conv2d" → "conv2d").
TensorCopy dequantise_maps(const RecordTensor& t);

// The probe's Grad-CAM for its predicted class (nn/explain.h) as "heat/gradcam" (the coarse map
// before upsampling, 8 bits, at most kTimelapseMapSide a side) and "heat/class"; nothing for a
// model without a Conv2D layer. `probe_x` is the probe as the model takes it (scaled); runs an
// inference forward and backward_to on `model` (weights and gradients untouched).
void add_frame_gradcam(TimelapseFrame& f, Model& model, const float* probe_x);
// The frame's recorded Grad-CAM upsampled to (h, w) and divided by its maximum, and its class;
// false when the frame has none.
bool frame_gradcam(const TimelapseFrame& f, int h, int w, int* cls, std::vector<float>* heat);

// The checkpoint: "cnnlab.timelapse" in the safetensors metadata, base64 of a little-endian binary
// (magic "CNTL", version, frames; per tensor its name, type, shape and data).
void add_timelapse(std::map<std::string, std::string>& meta, const Timelapse& t);
// Reads what add_timelapse wrote; nullptr when absent (an older checkpoint). Strict: any size,
// bound or value out of place (non-finite floats, epochs not increasing, classes outside
// num_classes, a confusion matrix that does not count the predictions) is a UserError naming
// `path`.
TimelapsePtr read_timelapse(const std::map<std::string, std::string>& meta, const std::string& path,
                            int num_classes);

std::string encode_timelapse(const Timelapse& t);
// Throws std::runtime_error saying what is wrong (read_timelapse adds the path and a hint).
Timelapse decode_timelapse(const std::string& text, int num_classes);

std::string base64_encode(const std::vector<uint8_t>& bytes);
// Throws std::runtime_error on a character outside the alphabet or a bad length/padding.
std::vector<uint8_t> base64_decode(const std::string& text);

}  // namespace cnnlab
