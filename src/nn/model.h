// nn/model.h — a Keras-like Sequential model over one parameter arena (llm.c): builder, summary,
// memory estimate, Glorot init, forward/backward and fused Adam over buffers allocated once.
// Augmentation (data/augment.h) and Dropout run only in training calls (train_step,
// forward_backward); forward() is inference (Keras's predict/evaluate).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/augment.h"
#include "nn/fit_config.h"
#include "nn/layers.h"

namespace cnnlab {

enum class LayerKind {
  Input,
  Conv2D,
  MaxPool2D,
  Flatten,
  Dense,
  Dropout,
  BatchNorm,
  GlobalAvgPool2D,
  AvgPool2D,
  // Keras preprocessing layers (augmentation): only at the front, identity at inference
  RandomFlip,
  RandomRotation,
  RandomZoom,
  RandomTranslation,
  RandomContrast,
  RandomBrightness
};
const char* layer_kind_name(LayerKind k);  // Keras class name: "InputLayer", "Conv2D", ...
bool is_augment_kind(LayerKind k);         // RandomFlip .. RandomBrightness
LayerKind augment_layer_kind(AugmentKind k);

struct LayerInfo {
  std::string name;  // Keras names: input_1, conv2d, max_pooling2d, conv2d_1, ..., dense_2
  LayerKind kind = LayerKind::Input;
  int out_h = 0, out_w = 0, out_c = 0;  // output (H, W, C); flat outputs have h = w = 1
  bool flat = false;                    // output printed as (None, C)
  int filters = 0;                      // Conv2D filters / Dense units / BatchNorm channels
  int kernel_h = 0, kernel_w = 0;       // Conv2D kernel, MaxPool2D/AvgPool2D pool size
  int stride_h = 1, stride_w = 1;
  Padding padding = Padding::Valid;
  Activation activation = Activation::None;
  size_t weight_offset = 0, weight_count = 0;  // into the parameter arena (kernel)
  size_t bias_offset = 0, bias_count = 0;      // (bias)
  // BatchNorm: weight = gamma, bias = beta (trainable); state = moving mean then moving variance
  // (C each), non-trainable, in the same arena (their gradients stay 0, so Adam leaves them alone).
  size_t state_offset = 0, state_count = 0;
  float rate = 0;                                 // Dropout rate
  float bn_momentum = 0.99f, bn_epsilon = 1e-3f;  // BatchNormalization (Keras defaults)
  float l2 = 0;                                   // Conv2D/Dense kernel_regularizer l2 (0 = none)
  AugmentLayer augment;                           // Random* layers
  size_t num_params() const { return weight_count + bias_count + state_count; }
  size_t out_size() const { return size_t(out_h) * out_w * out_c; }  // per sample
};

// A view of one tensor inside an arena, with its Keras shape.
struct ParamView {
  float* data = nullptr;
  std::vector<int> shape;
  size_t size = 0;
};

// Seconds of the last forward/backward per layer (index = layer) and of the last Adam: wall clock,
// and process CPU time (all threads; on a busy host CPU/threads is the better estimate of speed).
// A MaxPool2D computed with the Conv2D under it counts 0: its time is in the conv's.
struct StepTiming {
  std::vector<double> forward, backward, forward_cpu, backward_cpu;
  double loss = 0, adam = 0, adam_cpu = 0;
};

// Bytes needed for one batch size (see Model::estimate_memory).
struct MemoryEstimate {
  size_t params = 0, grads = 0, adam = 0;  // adam = m + v
  size_t activations = 0;                  // layer outputs, argmax, gradient ping-pong, probs
  size_t scratch = 0;                      // im2col and per-thread partial gradients
  size_t total() const { return params + grads + adam + activations + scratch; }
};

class Model {
 public:
  Model();                                       // empty; use Model(h, w, c) or a preset
  Model(int input_h, int input_w, int input_c);  // adds the input layer "input_1"
  ~Model();
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // ---- builder (before allocate) ----
  Model& conv2d(int filters, int kernel, Activation act = Activation::Relu,
                Padding padding = Padding::Same, int stride = 1);
  Model& maxpool2d(int pool, int stride = 0 /* = pool */);
  Model& flatten();
  Model& dense(int units, Activation act = Activation::Relu);  // Softmax only on the last layer
  Model& dropout(float rate);                                  // rate in [0, 1)
  Model& batch_norm(float momentum = 0.99f, float epsilon = 1e-3f);  // Keras's defaults
  Model& global_avg_pool2d();                                        // (H, W, C) -> (C)
  Model& avg_pool2d(int pool, int stride = 0, Padding padding = Padding::Valid);
  Model& augment(const AugmentLayer& a);  // only right after the input or another augment layer
  Model& kernel_l2(float l2);             // L2 on the kernel of the last Conv2D/Dense layer

  // ---- description ----
  const std::vector<LayerInfo>& layers() const { return layers_; }  // [0] is the input layer
  size_t num_params() const { return num_params_; }                 // Keras's "Total params"
  size_t num_trainable_params() const;  // total less BatchNorm's moving statistics
  std::string summary_table() const;    // Keras (TF 2.9+) model.summary() text, byte for byte
  MemoryEstimate estimate_memory(int batch, bool for_training = true) const;
  int input_h() const { return layers_.empty() ? 0 : layers_[0].out_h; }
  int input_w() const { return layers_.empty() ? 0 : layers_[0].out_w; }
  int input_c() const { return layers_.empty() ? 0 : layers_[0].out_c; }
  int num_classes() const;  // units of the last Dense layer
  std::string preset_name;  // set by build_preset; saved in checkpoints
  FitConfig fit;            // the model file's [fit] table (epochs, callbacks); saved likewise
  // Seeds the Dropout masks and augmentation of the next training call (the trainer sets it per
  // batch from its seed, epoch and batch); each layer mixes in its index and the Adam step.
  uint64_t step_seed = 0;
  // How the caller scaled pixels into the input (data/split.h make_batch: x = (p/255 - mean)/std),
  // so RandomContrast/RandomBrightness's value_range, given in pixels, applies to the input.
  void set_input_scaling(float mean, float std);

  // ---- memory ----
  // Allocates (once) params, grads, Adam m, v and every activation/scratch buffer for batches
  // up to max_batch, touching every page in parallel. Params are zero until init/load.
  // A mapping the system refuses throws UserError ("out of memory ...") and leaves it unallocated.
  // The gradients of kernels that train_step fuses with Adam (fuse_dense_adam) are not touched
  // here, so a train_step-only run never holds their pages (1.4 GB less RSS for the course model);
  // forward_backward faults them in on first use. estimate_memory counts them anyway.
  // for_training = false allocates only what forward() needs (no grads, Adam moments or gradient
  // buffers: 4.2 GB less for the course model); training calls then assert.
  void allocate(int max_batch, bool for_training = true);
  bool allocated() const { return max_batch_ > 0; }
  bool trainable() const { return grads_ != nullptr; }
  int max_batch() const { return max_batch_; }
  void init(uint64_t seed);  // Glorot-uniform kernels, zero biases, one Rng, layers in order

  // ---- compute (x: (N, H, W, C), y: (N) labels, probs_out: (N, classes), nullable) ----
  // forward + backward (grads overwritten) + Adam; returns the mean loss. With fuse_dense_adam
  // (default), dense kernels of >= 1M weights get their gradient and Adam update fused in cache
  // (dense_backward_adam), so grads() of those kernels are NOT written by train_step; use
  // forward_backward + adam_update (same result to rounding) where those gradients are needed.
  // x_augmented: x already went through augment_input (a batch prepared ahead on another thread),
  // so the Random* layers pass it on unchanged.
  // targets (N, classes), nullable: label distributions (MixUp's blended labels) that replace
  // onehot(y) in the loss and its gradient; y is still required (and checked) but then unused.
  float train_step(const float* x, const int* y, int n, float* probs_out = nullptr,
                   bool x_augmented = false, const float* targets = nullptr);
  // The leading Random* layers with value_range in the input's units: what augment_training_input
  // (below) needs to do to a batch what train_step does to its input. Empty: no augmentation.
  std::vector<AugmentLayer> input_augmentation() const;
  bool fuse_dense_adam = true;
  // Inference; returns the mean loss if y is given, else 0.
  float forward(const float* x, int n, float* probs_out = nullptr, const int* y = nullptr);
  float forward_backward(const float* x, const int* y, int n, float* probs_out = nullptr,
                         const float* targets = nullptr);
  void adam_update();  // one Adam step on the current grads (increments adam_step())
  AdamConfig adam;     // settable hyperparameters
  int64_t adam_step() const { return adam_t_; }
  void reset_adam();  // zero m, v and the step counter
  // Gradient of Σ d_logits · logits — the PRE-softmax class scores, d_logits (last_batch(),
  // classes) — w.r.t. the output of layer `to` (0 = the input), back through the last forward(),
  // which must have been inference. For Grad-CAM and saliency (nn/explain.h). Parameters, grads(),
  // Adam state and the activations stay as they are; works on an inference-only model too.
  // d_out: (last_batch(), out_h, out_w, out_c) of layer `to`, overwritten.
  void backward_to(int to, const float* d_logits, float* d_out);

  // ---- views for the UI, snapshots and serialization ----
  float* params() { return params_; }
  const float* params() const { return params_; }
  float* grads() { return grads_; }
  const float* grads() const { return grads_; }
  ParamView layer_weights(int layer);  // kernel of a Conv2D/Dense layer (Keras shape)
  ParamView layer_bias(int layer);
  ParamView layer_weight_grads(int layer);
  ParamView layer_bias_grads(int layer);
  // Whether train_step fuses this Dense layer's kernel gradient into Adam (dense_backward_adam):
  // then that gradient is never written (the benches time the layer that way).
  bool fused(const LayerInfo& l) const;
  // Output of `layer` (post-activation; probs for a softmax layer) from the last forward:
  // (last_batch(), out_h, out_w, out_c). Layer 0 is a copy of the input. A Conv2D right under a
  // MaxPool2D is computed with the pool and keeps sample 0's output only: (1, out_h, out_w, out_c)
  // (the probe's one image shows whole; the batch's maps are never stored, issue 11).
  const float* activation(int layer) const;
  int last_batch() const { return last_n_; }

  const StepTiming& timing() const { return timing_; }

  void set_threads(int n);  // OpenMP and Eigen threads
  int threads() const { return threads_; }

 private:
  struct Buffers;  // allocations (defined in model.cpp)
  std::vector<LayerInfo> layers_;
  size_t num_params_ = 0;
  int max_batch_ = 0, last_n_ = 0, threads_ = 0;
  int64_t adam_t_ = 0;
  bool last_training_ = false;                     // which mode the last forward ran in
  bool skip_augment_ = false;                      // during train_step(x_augmented = true)
  float input_mean_ = 0, input_std_ = 1.0f / 255;  // identity: the input is in pixels
  StepTiming timing_;
  float *params_ = nullptr, *grads_ = nullptr;  // point into buf_
  std::unique_ptr<Buffers> buf_;

  void swap(Model& o) noexcept;
  void add_layer(LayerInfo info);
  std::string unique_name(const std::string& base) const;
  void allocate_buffers(int max_batch, bool for_training);
  void run_forward(const float* x, int n, bool training);
  void forward_layer(size_t i, int n, bool training);
  void backward_layer(size_t i, int n, float* d_in, float* g, bool fuse_adam,
                      float* param_grads = nullptr);
  float forward_impl(const float* x, int n, float* probs_out, const int* y, bool training,
                     const float* targets = nullptr);
  double l2_loss() const;
  AugmentLayer augment_in_input_units(const AugmentLayer& a) const;
  void add_l2_grads();
  void run_backward(const int* y, int n, bool fuse_adam, const float* targets = nullptr);
};

// What the tools can feed a model and train it on: data/ decodes RGB images and resizes them to
// N×N with N in [kMinImageSize, kMaxImageSize]; the loss needs >= 2 classes. Every model built
// from user input (a preset's size, `summary`, a checkpoint's config) passes these checks, here
// and nowhere else. They throw UserError (no path; callers that read a file rethrow with theirs).
constexpr int kMinImageSize = 8, kMaxImageSize = 2048;
constexpr int kMinClasses = 2, kMaxClasses = 65536;
constexpr size_t kMaxLayerFloats = 0x7fffffff;  // one layer's output per sample (shapes are int)
void check_model_input(int h, int w, int c);    // before building: square RGB, size in range
void check_model(const Model& m);  // after building: input, softmax Dense last, classes

// What train_step's Random* layers do to its input x (N, H, W, C), in place, with the model's
// step_seed and Adam step (adam_step() before the step): layer k (1-based, right after the input)
// augments with augment_seed(step_seed, adam_step, k). Touches no model, so a batch can be
// prepared on another thread while the model trains (then train_step(..., x_augmented = true)).
void augment_training_input(float* x, int n, int h, int w, int c,
                            const std::vector<AugmentLayer>& layers, uint64_t step_seed,
                            int64_t adam_step);

// Presets are model files (nn/model_file.h): models/NAME.toml, e.g. "course" (the course's flower
// CNN), "small" (trains live at 64x64), "tiny" (for tests), "course-regularised", "compact".
// course_model builds the course model in code (benchmarks; the file must give the same model).
Model course_model(int image_size = 299, int num_classes = 5, int dense_units = 1000,
                   int dense1_units = 100);
// `name` is a preset or a model file's path; UserError (with the file's line) if unknown or bad.
Model build_preset(const std::string& name, int image_size, int num_classes);
// Before the data is read (its classes unknown): the same checks on the layers alone.
void check_preset(const std::string& name, int image_size);
std::vector<std::string> preset_names();  // the files in models/, course, small, tiny first
// 1234567 → "1,234,567": the summary's numbers (the UI's labels use it too).
std::string with_commas(size_t v);

}  // namespace cnnlab
