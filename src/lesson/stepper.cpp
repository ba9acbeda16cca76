// lesson/stepper.cpp — runs conv / max pool / ReLU on small grids and explains each output cell
// (window, products, tape).
//
// [SECTION] output-size formula
// [SECTION] one output cell of each op (shared by run_chain and Stepper)
// [SECTION] run_chain
// [SECTION] Stepper
#include "lesson/stepper.h"

#include <algorithm>

#include "core/check.h"

namespace cnnlab {

namespace {

// A factor in a product: negative numbers in parentheses, "2×(-1)".
std::string factor(double v) {
  std::string s = format_number(v);
  return v < 0 && s != "0" ? "(" + s + ")" : s;
}

std::string join_list(const std::vector<int>& v) {  // "5", "4 and 5", "3, 4 and 5"
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) s += (i + 1 == v.size()) ? " and " : ", ";
    s += std::to_string(v[i]);
  }
  return s;
}

}  // namespace

// [SECTION] output-size formula -------------------------------------------------------------------

AxisSize describe_axis(int in, int k, int pad_before, int pad_after, int stride) {
  CNNLAB_ASSERT(in >= 1 && k >= 1 && stride >= 1 && pad_before >= 0 && pad_after >= 0,
                "describe_axis: bad sizes");
  AxisSize a;
  a.in = in, a.k = k, a.pad_before = pad_before, a.pad_after = pad_after, a.stride = stride;
  int padded = in + pad_before + pad_after;
  CNNLAB_ASSERT(k <= padded, "describe_axis: kernel larger than the padded input");
  a.out = (padded - k) / stride + 1;
  int covered_end = (a.out - 1) * stride + k;  // exclusive, in padded coordinates
  a.fits = covered_end == padded;
  for (int i = covered_end; i < padded; ++i) {
    int idx = i - pad_before;
    if (idx >= 0 && idx < in) a.dropped.push_back(idx);
  }
  std::string n = "⌊(" + std::to_string(in) + " − " + std::to_string(k) + " + ";
  std::string symbols;
  if (pad_before == pad_after) {
    symbols = "⌊(W − K + 2P) / S⌋ + 1";
    n += std::to_string(pad_before + pad_after);
  } else {
    symbols = "⌊(W − K + P₁ + P₂) / S⌋ + 1";
    n += std::to_string(pad_before) + " + " + std::to_string(pad_after);
  }
  n += ") / " + std::to_string(stride) + "⌋ + 1 = " + std::to_string(a.out);
  a.formula = symbols + " = " + n;
  return a;
}

namespace {

// Output shape (OH, OW, OC) of one op for an input of in_h × in_w × in_c (padding resolved).
struct Shape {
  int h = 0, w = 0, c = 0;
};
Shape op_output_shape(int in_h, int in_w, int in_c, const Op& op) {
  switch (op.kind) {  // backward ops: a gradient shaped like X, or like the kernel
    case Op::Kind::ReluBackward:
    case Op::Kind::PoolBackward:
    case Op::Kind::ConvBackwardInput:
    case Op::Kind::SoftmaxXent:
      return {in_h, in_w, in_c};
    case Op::Kind::ConvBackwardWeights:
    case Op::Kind::SgdStep:
      return {op.conv.kh(), op.conv.kw(), in_c};
    default:
      break;
  }
  if (op.kind == Op::Kind::Relu) return {in_h, in_w, in_c};
  if (op.kind == Op::Kind::Pool)
    return {describe_axis(in_h, op.pool.size, 0, 0, op.pool.stride).out,
            describe_axis(in_w, op.pool.size, 0, 0, op.pool.stride).out, in_c};
  const ConvOp& cv = op.conv;
  return {describe_axis(in_h, cv.kh(), cv.pad_top, cv.pad_bottom, cv.stride).out,
          describe_axis(in_w, cv.kw(), cv.pad_left, cv.pad_right, cv.stride).out, cv.c_out()};
}

// Shape of op `op_index`'s input from the shapes alone (no arithmetic: the Stepper asks per op).
Shape input_shape(const Lesson& lesson, int op_index) {
  Shape s{lesson.input.h, lesson.input.w, lesson.input.c};
  for (int i = 0; i < op_index; ++i) s = op_output_shape(s.h, s.w, s.c, lesson.ops[i]);
  return s;
}

std::string axis_note(const AxisSize& a, const char* one, const char* many) {
  if (a.fits) return {};
  std::string s = "Stride " + std::to_string(a.stride) + " does not fit evenly: ";
  if (a.dropped.empty()) return s + "only padding is left over, no real " + one + " is lost.";
  s += (a.dropped.size() == 1 ? std::string(one) : std::string(many)) + " " + join_list(a.dropped);
  s += a.dropped.size() == 1 ? " is" : " are";
  return s + " never covered by a window.";
}

}  // namespace

OutputSize describe_output_size(const Lesson& lesson, int op_index) {
  CNNLAB_ASSERT(op_index >= 0 && op_index < int(lesson.ops.size()), "op index out of range");
  Shape in = input_shape(lesson, op_index);
  OutputSize o;
  const Op& op = lesson.ops[op_index];
  if (is_backward(op.kind)) {  // no window slides over X: no formula, nothing dropped
    Shape out = op_output_shape(in.h, in.w, in.c, op);
    o.rows = describe_axis(in.h, 1, 0, 0, 1);
    o.cols = describe_axis(in.w, 1, 0, 0, 1);
    bool like_kernel = op.kind == Op::Kind::ConvBackwardWeights || op.kind == Op::Kind::SgdStep;
    const char* like = like_kernel                        ? "Shaped like the kernel: "
                       : op.kind == Op::Kind::SoftmaxXent ? "One per logit: "
                                                          : "Shaped like the input X: ";
    o.text = std::string(like) + std::to_string(out.h) + " × " + std::to_string(out.w) +
             (out.c > 1 ? " × " + std::to_string(out.c) : "");
    return o;
  }
  if (op.kind == Op::Kind::Relu) {
    o.relu = true;
    o.rows = describe_axis(in.h, 1, 0, 0, 1);
    o.cols = describe_axis(in.w, 1, 0, 0, 1);
    o.text = "ReLU keeps the size: " + std::to_string(in.h) + " × " + std::to_string(in.w) + " × " +
             std::to_string(in.c);
    return o;
  }
  if (op.kind == Op::Kind::Conv) {
    const ConvOp& c = op.conv;
    o.rows = describe_axis(in.h, c.kh(), c.pad_top, c.pad_bottom, c.stride);
    o.cols = describe_axis(in.w, c.kw(), c.pad_left, c.pad_right, c.stride);
  } else {
    o.rows = describe_axis(in.h, op.pool.size, 0, 0, op.pool.stride);
    o.cols = describe_axis(in.w, op.pool.size, 0, 0, op.pool.stride);
  }
  if (o.rows.formula == o.cols.formula)
    o.text = o.rows.formula;
  else
    o.text = "rows: " + o.rows.formula + "\ncols: " + o.cols.formula;
  if (!o.rows.fits && !o.cols.fits && o.rows.dropped == o.cols.dropped &&
      o.rows.stride == o.cols.stride && !o.rows.dropped.empty()) {
    // Square case, one sentence: "row 5 and column 5 are never covered".
    const auto& d = o.rows.dropped;
    o.text += "\nStride " + std::to_string(o.rows.stride) +
              " does not fit evenly: " + (d.size() == 1 ? "row " : "rows ") + join_list(d) +
              " and " + (d.size() == 1 ? "column " : "columns ") + join_list(d) +
              " are never covered by a window.";
    return o;
  }
  for (const std::string& note :
       {axis_note(o.rows, "row", "rows"), axis_note(o.cols, "column", "columns")})
    if (!note.empty()) o.text += "\n" + note;
  return o;
}

// [SECTION] one output cell of each op -----------------------------------------------------------

namespace {

// The zero-filled output grid of one op for input `in` (padding resolved). (OH, OW, OC)
Grid output_shape(const Grid& in, const Op& op) {
  if (op.kind == Op::Kind::Conv) {
    const ConvOp& cv = op.conv;
    CNNLAB_ASSERT(!cv.kernels.empty() && cv.kernels[0].c == in.c,
                  "conv: kernel channels != input channels");
    CNNLAB_ASSERT(cv.bias.size() == cv.kernels.size(), "conv: one bias per kernel");
  }
  Shape s = op_output_shape(in.h, in.w, in.c, op);
  return Grid(s.h, s.w, s.c);
}

Step make_conv_step(const Grid& in, const ConvOp& cv, int y, int x, int co, bool tape) {
  const Grid& k = cv.kernels[co];  // (KH, KW, C_in)
  Step s;
  s.kind = Op::Kind::Conv;
  s.win_y = y * cv.stride - cv.pad_top, s.win_x = x * cv.stride - cv.pad_left;
  s.win_h = k.h, s.win_w = k.w;
  s.cells.reserve(size_t(k.h) * k.w * k.c);
  std::string products, channel_sums;
  for (int c = 0; c < k.c; ++c) {
    double before = s.sum;
    if (tape && k.c > 1) products += c == 0 ? "(" : ") + (";
    for (int ky = 0; ky < k.h; ++ky)
      for (int kx = 0; kx < k.w; ++kx) {
        WindowCell w;
        w.in_y = s.win_y + ky, w.in_x = s.win_x + kx, w.in_c = c;
        w.is_padding = !in.in_bounds(w.in_y, w.in_x);
        w.in_value = w.is_padding ? 0.0 : in.at(w.in_y, w.in_x, c);
        w.k_value = k.at(ky, kx, c);
        w.product = w.in_value * w.k_value;
        s.sum += w.product;
        if (tape) {
          if (ky + kx > 0) products += " + ";
          products += factor(w.in_value) + "×" + factor(w.k_value);
        }
        s.cells.push_back(w);
      }
    if (tape) channel_sums += (c ? " + " : "") + factor(s.sum - before);
  }
  s.bias = cv.bias[co];
  s.pre_activation = s.sum + s.bias;
  s.relu = cv.relu;
  s.result = cv.relu ? std::max(0.0, s.pre_activation) : s.pre_activation;
  if (tape) {
    if (k.c > 1) products += ")";
    s.tape = products + " = " + (k.c > 1 ? channel_sums + " = " : "") + format_number(s.sum);
    if (cv.has_bias)
      s.tape += "\n" + format_number(s.sum) + " + " + factor(s.bias) + " = " +
                format_number(s.pre_activation);
    if (cv.relu)
      s.tape += "\nReLU(" + format_number(s.pre_activation) + ") = " + format_number(s.result);
  }
  return s;
}

Step make_pool_step(const Grid& in, const PoolOp& p, int y, int x, int c, bool tape) {
  Step s;
  s.kind = Op::Kind::Pool;
  s.win_y = y * p.stride, s.win_x = x * p.stride, s.win_h = p.size, s.win_w = p.size;
  std::string list;
  for (int ky = 0; ky < p.size; ++ky)
    for (int kx = 0; kx < p.size; ++kx) {
      WindowCell w;
      w.in_y = s.win_y + ky, w.in_x = s.win_x + kx, w.in_c = c;
      w.in_value = in.at(w.in_y, w.in_x, c);  // pooling windows never leave the input
      w.k_value = 1.0, w.product = w.in_value;
      // Strictly greater: among equal maxima the first in row-major order stays (the tie rule).
      if (s.argmax_cell < 0 || w.in_value > s.cells[s.argmax_cell].in_value)
        s.argmax_cell = int(s.cells.size());
      if (tape) list += (s.cells.empty() ? "" : ", ") + format_number(w.in_value);
      s.cells.push_back(w);
    }
  s.sum = s.pre_activation = s.result = s.cells[s.argmax_cell].in_value;
  if (tape) s.tape = "max(" + list + ") = " + format_number(s.result);
  return s;
}

Step make_relu_step(const Grid& in, int y, int x, int c, bool tape) {
  Step s;
  s.kind = Op::Kind::Relu;
  s.win_y = y, s.win_x = x;
  WindowCell w;
  w.in_y = y, w.in_x = x, w.in_c = c, w.in_value = in.at(y, x, c), w.k_value = 1.0,
  w.product = w.in_value;
  s.cells.push_back(w);
  s.sum = s.pre_activation = w.in_value;
  s.relu = true;
  s.result = std::max(0.0, w.in_value);
  if (tape) {
    std::string v = format_number(w.in_value);
    s.tape = "ReLU(" + v + ") = max(0, " + v + ") = " + format_number(s.result);
  }
  return s;
}

Step make_step(const Grid& in, const Op& op, int y, int x, int c, bool tape) {
  switch (op.kind) {
    case Op::Kind::Conv:
      return make_conv_step(in, op.conv, y, x, c, tape);
    case Op::Kind::Pool:
      return make_pool_step(in, op.pool, y, x, c, tape);
    case Op::Kind::Relu:
      return make_relu_step(in, y, x, c, tape);
    default:
      break;
  }
  CNNLAB_ASSERT(false, "make_step: a backward op needs its BackwardInfo");
  return {};
}

}  // namespace

void op_output_shape(const Op& op, int in_h, int in_w, int in_c, int& h, int& w, int& c) {
  Shape s = op_output_shape(in_h, in_w, in_c, op);
  h = s.h, w = s.w, c = s.c;
}

Grid run_op(const Grid& in, const Op& op) {
  CNNLAB_ASSERT(!is_backward(op.kind), "run_op: forward ops only");
  Grid out = output_shape(in, op);
  for (int c = 0; c < out.c; ++c)
    for (int y = 0; y < out.h; ++y)
      for (int x = 0; x < out.w; ++x) out.at(y, x, c) = make_step(in, op, y, x, c, false).result;
  return out;
}

// [SECTION] run_chain ----------------------------------------------------------------------------

std::vector<Grid> run_chain(const Lesson& lesson) {
  std::vector<Grid> outs;
  const Grid* in = &lesson.input;
  for (const Op& op : lesson.ops) {
    if (!is_backward(op.kind)) {
      outs.push_back(run_op(*in, op));
      in = &outs.back();
      continue;
    }
    BackwardInfo info = backward_info(*in, op);
    Grid out = output_shape(*in, op);
    for (int c = 0; c < out.c; ++c)
      for (int y = 0; y < out.h; ++y)
        for (int x = 0; x < out.w; ++x)
          out.at(y, x, c) = make_backward_step(*in, op, info, y, x, c, false).result;
    outs.push_back(std::move(out));
    in = &outs.back();
  }
  return outs;
}

// [SECTION] Stepper ------------------------------------------------------------------------------

Stepper::Stepper(const Lesson& lesson) : input_(lesson.input), ops_(lesson.ops) {
  outputs_ = run_chain(lesson);
  for (int i = 0; i < int(ops_.size()); ++i) {
    first_step_.push_back(total_steps_);
    total_steps_ += int(outputs_[i].v.size());
    sizes_.push_back(describe_output_size(lesson, i));
    infos_.push_back(is_backward(ops_[i].kind) ? backward_info(input_of(i), ops_[i])
                                               : BackwardInfo{});
  }
}

int Stepper::op_steps(int op) const {
  CNNLAB_ASSERT(op >= 0 && op < num_ops(), "op index out of range");
  return int(outputs_[op].v.size());
}

int Stepper::op_of_step(int k) const {
  CNNLAB_ASSERT(k >= 0 && k < total_steps_, "step index out of range");
  auto it = std::upper_bound(first_step_.begin(), first_step_.end(), k);
  return int(it - first_step_.begin()) - 1;
}

int Stepper::step_index(int op, int y, int x, int c) const {
  CNNLAB_ASSERT(op >= 0 && op < num_ops(), "op index out of range");
  const Grid& o = outputs_[op];
  CNNLAB_ASSERT(o.in_bounds(y, x) && c >= 0 && c < o.c, "output cell out of range");
  return first_step_[op] + (c * o.h + y) * o.w + x;  // channel, then row-major
}

Step Stepper::step(int k) const {
  int op = op_of_step(k);
  const Grid& o = outputs_[op];
  int local = k - first_step_[op];
  int c = local / (o.h * o.w), rem = local % (o.h * o.w);
  Step s =
      is_backward(ops_[op].kind)
          ? make_backward_step(input_of(op), ops_[op], infos_[op], rem / o.w, rem % o.w, c, true)
          : make_step(input_of(op), ops_[op], rem / o.w, rem % o.w, c, true);
  s.op_index = op;
  s.out_y = rem / o.w, s.out_x = rem % o.w, s.out_c = c;
  return s;
}

}  // namespace cnnlab
