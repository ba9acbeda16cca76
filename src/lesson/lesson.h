// lesson/lesson.h — a lesson: a small input grid, a chain of ops (conv, max pool, ReLU) and its
// text, parsed from TOML.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace cnnlab {

// A small H×W×C grid of numbers, stored HWC: v[(y * w + x) * c + ch]. Lesson values are
// usually integers; format_number prints those without decimals.
struct Grid {
  int h = 0, w = 0, c = 1;
  std::vector<double> v;  // (H, W, C)

  Grid() = default;
  Grid(int h_, int w_, int c_ = 1, double fill = 0.0);
  double& at(int y, int x, int ch = 0);
  double at(int y, int x, int ch = 0) const;
  bool in_bounds(int y, int x) const { return y >= 0 && y < h && x >= 0 && x < w; }
  bool empty() const { return v.empty(); }
  // One channel as an H×W grid (c = 1).
  Grid channel(int ch) const;
  bool operator==(const Grid&) const = default;
};

// "3", "-2", "0.5", "1.25": integers without decimals, others with at most 4 decimals.
std::string format_number(double value);
// Multi-line text of one channel, numbers right-aligned in columns (for logs, the CLI and tests).
std::string format_grid(const Grid& g, int ch = 0);

// Valid: no border. Same: enough zeros so that out = ceil(in / stride) (TensorFlow's rule: total
// padding max((out-1)*S + K - in, 0), the smaller half on top/left, the extra one bottom/right).
// Explicit: the pads given in the file.
// (GridPadding, not Padding: nn/layers.h has cnnlab::Padding for the engine's layers.)
enum class GridPadding { Valid, Same, Explicit };

struct ConvOp {
  std::vector<Grid> kernels;  // one per output channel; each (KH, KW, C_in)
  std::vector<double> bias;   // one per output channel (zeros when the file has none)
  bool has_bias = false;      // the file gave a bias: the tape shows the "+ b" stage even if 0
  int stride = 1;
  GridPadding padding = GridPadding::Valid;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;  // resolved (resolve_padding)
  bool relu = false;  // ReLU folded into this op: each step's result = max(0, sum + b)
  int kh() const { return kernels.empty() ? 0 : kernels[0].h; }
  int kw() const { return kernels.empty() ? 0 : kernels[0].w; }
  int c_out() const { return int(kernels.size()); }
};

struct PoolOp {
  int size = 2,
      stride = 2;  // max pooling, no padding; a window that would cross the edge is dropped
};

struct ReluOp {};

// The backward-pass ops (lessons/backward/). Each reads X, the op's input, from the chain (the
// lesson's input or the previous op's output) and is the chain's last op: its output is a gradient
// (or, for sgd_step, the updated kernel), not an image for a next op. The upstream gradient dY is
// given (`grad`) or comes from a target T on the op's forward output Y: L = ½Σ(Y − T)², dY = Y − T.
struct BackwardOp {
  Grid grad;                         // dY as written in the file (empty when a target is given)
  Grid target;                       // T (empty when grad is given)
  double learning_rate = 0;          // sgd_step: η
  int true_class = 0;                // softmax_cross_entropy: index of the true class
  std::vector<std::string> classes;  // softmax_cross_entropy: one name per logit
  bool has_target() const { return !target.empty(); }
};

struct Op {
  // ReluBackward .. SoftmaxXent are the backward ops (is_backward). Conv kinds keep their single
  // kernel (stride 1, no bias) in `conv`; PoolBackward its window in `pool`.
  enum class Kind {
    Conv,
    Pool,
    Relu,
    ReluBackward,
    PoolBackward,
    ConvBackwardWeights,
    ConvBackwardInput,
    SgdStep,
    SoftmaxXent
  };
  Kind kind = Kind::Conv;
  ConvOp conv;          // when kind == Conv, ConvBackwardWeights, ConvBackwardInput, SgdStep
  PoolOp pool;          // when kind == Pool, PoolBackward
  BackwardOp back;      // when is_backward(kind)
  std::string label;    // short name shown in the UI, e.g. "3×3 conv, stride 1"
  int source_line = 0;  // line of the op's [[ops]] table in the file (0 if built in code)
};

inline bool is_backward(Op::Kind k) {
  return k >= Op::Kind::ReluBackward;
}
// The ops whose `conv` holds a kernel the view shows and the student edits.
inline bool uses_kernel(Op::Kind k) {
  return k == Op::Kind::Conv || k == Op::Kind::ConvBackwardWeights ||
         k == Op::Kind::ConvBackwardInput || k == Op::Kind::SgdStep;
}

// Limits no lesson needs, so that a mistyped or hostile file is refused with its line instead of
// hanging the app: every grid (input, kernel, expected, each op's output) at most 64×64 with at
// most 16 channels, at most 16 kernels per conv and 16 ops, stride and pool size at most 64,
// explicit padding at most the kernel's size on that side's axis, and at most 2²² multiplications
// for the whole chain (run_chain, the stepper and the UI stay instant).
inline constexpr int kMaxLessonGridSide = 64;
inline constexpr int kMaxLessonChannels = 16;
inline constexpr int kMaxLessonOps = 16;
inline constexpr int kMaxLessonStride = 64;
inline constexpr long long kMaxLessonProducts = 1LL << 22;
inline constexpr unsigned long long kMaxLessonFileBytes = 1ULL << 20;  // a lesson file is a few KB
// softmax_cross_entropy: 2..16 logits, each within ±30 so that e^z stays a readable number.
inline constexpr int kMaxLessonClasses = 16;
inline constexpr double kMaxLessonLogit = 30;

// The default tie rule text; a lesson may override it with `tie_rule = "..."`.
extern const char* const kDefaultTieRule;

struct Lesson {
  std::string id, title;
  std::string text;      // explanation beside the view: plain text, paragraphs split by blank lines
  std::string tie_rule;  // how max pooling picks among equal maxima (first in row-major order)
  int order = 1000;      // position in the lesson list (then id)
  Grid input;            // (H, W, C)
  std::vector<std::string>
      channel_names;  // one per input channel, e.g. {"R","G","B"}; may be empty
  std::vector<Op> ops;
  std::vector<std::optional<Grid>>
      expected;  // per op: the output the file promises (checked on load)
  std::string source_path;
  bool binary_input = false;  // a 0/1 grid: the UI toggles a cell on click
  bool sandbox = false;       // the UI lets the student edit input and kernel freely
};

// Parses one lesson file's text. Checks everything (shapes, kernel fits the padded input,
// stride ≥ 1, channel counts, the limits above, finite outputs, expected outputs) and resolves
// padding. Integers out of range are errors, never truncated. Throws
// cnnlab::UserError(path, reason, hint, line) naming the offending line.
Lesson parse_lesson(const std::string& toml_text, const std::string& path);
// Reads the file, then parse_lesson. Throws UserError if unreadable or malformed.
Lesson load_lesson_file(const std::string& path);

struct LessonLoadResult {
  std::vector<Lesson> lessons;      // sorted by `order`, then id
  std::vector<std::string> errors;  // "PATH:LINE: problem (hint: ...)", one per bad file
};
// Loads every *.toml in `dir` and in its subfolders one level down (lessons/backward/). Bad files
// (and duplicate ids) go to `errors`; the rest still load. A missing/unreadable dir gives one error
// and no lessons.
LessonLoadResult load_lessons(const std::string& dir);

// Where lessons live: $CNNLAB_LESSONS if set; else the source tree's lessons/ (CNNLAB_LESSON_DIR)
// if it exists; else <exe dir>/../share/cnnlab/lessons.
std::string default_lesson_dir();

// The lesson with this id, or nullptr.
const Lesson* find_lesson(const std::vector<Lesson>& lessons, const std::string& id);

// Fills conv.pad_* for an input of in_h × in_w from conv.padding (Same computes them; Valid
// zeroes them; Explicit keeps them). Call again after changing the input size in a sandbox.
void resolve_padding(ConvOp& conv, int in_h, int in_w);

// Re-checks a lesson edited in code (sandbox): resolves padding along the chain and returns ""
// if it can run, else the first problem ("kernel 5×5 is larger than the padded input 4×4"). The
// limits above and finite outputs are checked too.
std::string check_lesson(Lesson& lesson);

}  // namespace cnnlab
