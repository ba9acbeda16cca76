// lesson/stepper.h — runs a lesson's op chain and yields each output cell's window, products, sum
// and tape.
#pragma once
#include <string>
#include <vector>

#include "lesson/lesson.h"

namespace cnnlab {

// Output of each op, in order: outputs[i] is op i's output; op i's input is outputs[i-1]
// (or lesson.input). Conv: (OH, OW, C_out); pool and ReLU keep the channel count.
// Padding must be resolved (parse_lesson / check_lesson do it).
std::vector<Grid> run_chain(const Lesson& lesson);

// One axis of the output-size formula out = ⌊(W − K + P_total) / S⌋ + 1.
struct AxisSize {
  int in = 0, k = 0, pad_before = 0, pad_after = 0, stride = 1, out = 0;
  bool fits = true;          // the last window ends exactly at the padded edge
  std::vector<int> dropped;  // input rows/cols (0-based, real cells only) no window ever covers
  // "⌊(W − K + 2P) / S⌋ + 1 = ⌊(6 − 3 + 0) / 1⌋ + 1 = 4" (UTF-8). Symmetric pads show 2P as its
  // value (the total); asymmetric pads show "P₁ + P₂" with both numbers.
  std::string formula;
};
AxisSize describe_axis(int in, int k, int pad_before, int pad_after, int stride);

struct OutputSize {
  AxisSize rows, cols;  // height (uses H) and width (uses W)
  bool relu = false;    // a ReLU op: size unchanged, no formula
  // Display text: one formula line when rows and cols agree, else "rows: …\ncols: …"; plus a
  // line per axis on what the stride drops, e.g. "Stride 2 does not fit: column 5 is never
  // covered." For ReLU: "ReLU keeps the size: 4 × 4 × 1".
  std::string text;
};
// The output-size formula for op `op_index` of a lesson (padding resolved).
OutputSize describe_output_size(const Lesson& lesson, int op_index);

// One cell of the window for a step. Conv: one per kernel weight, ordered channel-major then
// row-major (c, ky, kx). Pool: one per window cell (ky, kx) of channel out_c. ReLU: one cell.
struct WindowCell {
  int in_y = 0, in_x = 0, in_c = 0;  // input coords (may lie in the padding: < 0 or ≥ H/W)
  bool is_padding = false;           // in the zero border: in_value = 0
  double in_value = 0, k_value = 0, product = 0;  // pool/ReLU: k_value = 1, product = in_value
};

// Everything the view needs to show one output cell being computed.
struct Step {
  int op_index = 0;
  Op::Kind kind = Op::Kind::Conv;
  int out_y = 0, out_x = 0, out_c = 0;
  int win_y = 0, win_x = 0, win_h = 1,
      win_w = 1;  // window top-left (input coords, may be < 0), size
  std::vector<WindowCell> cells;
  double sum = 0;             // conv: Σ products; pool: the max; ReLU: the input value
  double bias = 0;            // conv only
  double pre_activation = 0;  // conv: sum + bias; pool: max; ReLU: input
  double result = 0;          // what lands in the output cell
  bool relu = false;          // ReLU applied in this step (folded conv ReLU or a ReLU op)
  int argmax_cell = -1;  // pool: index into cells of the max — ties: the FIRST in row-major order
  // Backward ops. The cells lie on X (the op's input) and k_value is the dY that multiplies each,
  // except with cells_on_grad (conv_backward_input): then they lie on dY (in_value, coordinates in
  // dY, outside it = the zero border) and k_value is the flipped kernel's weight. grad_*: the dY
  // cells this step reads, in dY coordinates (grad_h = 0: none). kernel_y/x: the kernel cell this
  // step computes (dW, W') or -1.
  bool cells_on_grad = false;
  int grad_y = 0, grad_x = 0, grad_h = 0, grad_w = 0;
  int kernel_y = -1, kernel_x = -1;
  // The arithmetic, one stage per line ('\n'):
  //   conv:  "0×1 + 0×0 + 1×0 + … = 1"   (all products; C>1: "(…) + (…) + (…) = 1 + 4 + 1 = 6")
  //          "1 + (-1) = 0"              (only when the op has a bias)
  //          "ReLU(0) = 0"               (only when relu)
  //   pool:  "max(1, 1, 1, 3) = 3"
  //   ReLU:  "ReLU(-2) = max(0, -2) = 0"
  //   backward ops: see lesson/backward.cpp (the formula, then the numbers)
  std::string tape;
};

// What a backward op computes once for all its steps (lesson/backward.cpp).
struct BackwardInfo {
  Grid forward;  // Y: the op's forward output on X (ReLU, pool, conv); softmax: the probabilities p
  Grid grad;     // dY: given, or Y − T (empty for softmax)
  bool has_loss = false;
  double loss = 0;  // ½Σ(Y − T)² with a target; softmax: −ln p[true class]
  Grid exps;        // softmax: e^z per logit (same shape as the logits)
  // sgd_step: dW, W' = W − η·dW, the forward pass again Y' = X ⊛ W' and its loss ½Σ(Y' − T)².
  Grid d_w, new_kernel, new_forward;
  double new_loss = 0;
  // conv_backward_input: the zero border of the full convolution around dY (K − 1 − pad per side),
  // so every window of the flipped kernel stays on it.
  int grad_pad_top = 0, grad_pad_left = 0, grad_pad_bottom = 0, grad_pad_right = 0;
};
// Computes a backward op's BackwardInfo for input X (shapes checked: check_lesson/parse_lesson).
BackwardInfo backward_info(const Grid& x, const Op& op);
// One output cell (y, x, c) of a backward op, with its tape when `tape`.
Step make_backward_step(const Grid& x, const Op& op, const BackwardInfo& info, int y, int xx, int c,
                        bool tape);
// The forward output of one forward op (conv, pool, ReLU) on `in`: what run_chain computes per op.
Grid run_op(const Grid& in, const Op& op);
// Output shape (H, W, C) of any op for an input of in_h × in_w × in_c (padding resolved).
void op_output_shape(const Op& op, int in_h, int in_w, int in_c, int& h, int& w, int& c);

// Steps through every output cell of every op in the chain, in this order: op by op; within an
// op, output channel by channel; within a channel, row-major (y, then x). A conv with relu=true
// folds the ReLU into its own steps; a separate ReLU op gets its own steps.
class Stepper {
 public:
  explicit Stepper(const Lesson& lesson);  // copies what it needs; runs the chain once
  int num_steps() const { return total_steps_; }
  Step step(int k) const;  // 0 ≤ k < num_steps()
  int step_index(int op, int y, int x, int c = 0) const;
  int first_step(int op) const {
    return first_step_[op];
  }  // op's steps: [first_step, first_step+op_steps)
  int op_steps(int op) const;
  int op_of_step(int k) const;
  int num_ops() const { return int(ops_.size()); }
  const Op& op(int i) const { return ops_[i]; }
  const std::vector<Grid>& outputs() const { return outputs_; }
  const Grid& input_of(int op) const { return op == 0 ? input_ : outputs_[op - 1]; }
  // True when output cell (y, x, c) of `op` has been computed once steps 0..k are done: the view
  // shows blanks for the rest.
  bool is_computed(int k, int op, int y, int x, int c = 0) const {
    return step_index(op, y, x, c) <= k;
  }
  OutputSize output_size(int op) const { return sizes_[op]; }
  // A backward op's gradients, probabilities and losses; nullptr for a forward op.
  const BackwardInfo* backward(int op) const {
    return is_backward(ops_[op].kind) ? &infos_[op] : nullptr;
  }

 private:
  Grid input_;
  std::vector<Op> ops_;
  std::vector<Grid> outputs_;
  std::vector<OutputSize> sizes_;
  std::vector<BackwardInfo> infos_;  // per op (empty for forward ops)
  std::vector<int> first_step_;
  int total_steps_ = 0;
};

}  // namespace cnnlab
