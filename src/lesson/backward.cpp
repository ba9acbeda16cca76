// lesson/backward.cpp — the backward-pass lesson ops (ReLU mask, max-pool routing, conv dW and dX,
// one SGD step, softmax + cross-entropy): what each computes once, and each output cell's tape.
//
// [SECTION] helpers
// [SECTION] BackwardInfo
// [SECTION] one output cell of each backward op
#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "lesson/stepper.h"

namespace cnnlab {

namespace {

// [SECTION] helpers ------------------------------------------------------------------------------

// A factor in a product: negative numbers in parentheses, "2×(-1)".
std::string factor(double v) {
  std::string s = format_number(v);
  return v < 0 && s != "0" ? "(" + s + ")" : s;
}

// A weight after an SGD step without the binary fraction's noise (1 − 0.05×5 is 0.7499999…), so
// a lesson file can promise 0.75: rounded to 12 decimals, far below what the view shows.
double tidy(double v) {
  return std::round(v * 1e12) / 1e12;
}

// "[1,2]", or "[1,2,0]" when the grid has several channels.
std::string index(int y, int x, int c, int channels) {
  std::string s = "[" + std::to_string(y) + "," + std::to_string(x);
  return s + (channels > 1 ? "," + std::to_string(c) : "") + "]";
}

// "i", "i+2", "i−1": an index expression in the tape's formula.
std::string shifted(const char* var, int by) {
  if (by == 0) return var;
  return std::string(var) + (by > 0 ? "+" : "−") + std::to_string(std::abs(by));
}

// The forward op whose output Y the backward op differentiates.
Op forward_op(const Op& op) {
  Op f;
  if (op.kind == Op::Kind::ReluBackward) f.kind = Op::Kind::Relu;
  if (op.kind == Op::Kind::PoolBackward) f.kind = Op::Kind::Pool, f.pool = op.pool;
  if (uses_kernel(op.kind)) f.kind = Op::Kind::Conv, f.conv = op.conv;
  return f;
}

double half_squared_error(const Grid& y, const Grid& t) {
  CNNLAB_ASSERT(y.v.size() == t.v.size(), "loss: Y and T differ in shape");
  double sum = 0;
  for (size_t i = 0; i < y.v.size(); ++i) sum += 0.5 * (y.v[i] - t.v[i]) * (y.v[i] - t.v[i]);
  return sum;
}

// The cells of dW[a,b,c] = Σ_{i,j} dY[i,j]·X[i+a−pt, j+b−pl, c] (stride 1; the zero border reads
// 0) into s, each X cell times its dY; returns the sum. `products` gets "dY×X + …" when non-null.
double weight_grad_cells(const Grid& x, const ConvOp& cv, const Grid& dy, int a, int b, int c,
                         Step& s, std::string* products) {
  s.win_y = a - cv.pad_top, s.win_x = b - cv.pad_left, s.win_h = dy.h, s.win_w = dy.w;
  s.grad_y = 0, s.grad_x = 0, s.grad_h = dy.h, s.grad_w = dy.w;
  s.kernel_y = a, s.kernel_x = b;
  double sum = 0;
  for (int i = 0; i < dy.h; ++i)
    for (int j = 0; j < dy.w; ++j) {
      WindowCell w;
      w.in_y = s.win_y + i, w.in_x = s.win_x + j, w.in_c = c;
      w.is_padding = !x.in_bounds(w.in_y, w.in_x);
      w.in_value = w.is_padding ? 0.0 : x.at(w.in_y, w.in_x, c);
      w.k_value = dy.at(i, j);
      w.product = w.k_value * w.in_value;
      sum += w.product;
      if (products)
        *products += (i + j ? " + " : "") + factor(w.k_value) + "×" + factor(w.in_value);
      s.cells.push_back(w);
    }
  return sum;
}

// "dW[0,2] = Σ dY[i,j]·X[i,j+2]"
std::string weight_grad_formula(const ConvOp& cv, int a, int b, int c, int channels) {
  return "dW" + index(a, b, c, channels) + " = Σ dY[i,j]·X[" + shifted("i", a - cv.pad_top) + "," +
         shifted("j", b - cv.pad_left) + (channels > 1 ? "," + std::to_string(c) : "") + "]";
}

}  // namespace

// [SECTION] BackwardInfo -------------------------------------------------------------------------

BackwardInfo backward_info(const Grid& x, const Op& op) {
  CNNLAB_ASSERT(is_backward(op.kind), "backward_info: a backward op");
  BackwardInfo info;
  if (op.kind == Op::Kind::SoftmaxXent) {
    info.exps = Grid(x.h, x.w, x.c);
    double sum = 0;
    for (size_t i = 0; i < x.v.size(); ++i) sum += info.exps.v[i] = std::exp(x.v[i]);
    info.forward = info.exps;
    for (double& p : info.forward.v) p /= sum;
    info.has_loss = true;
    info.loss = -std::log(info.forward.v[size_t(op.back.true_class)]);
    return info;
  }
  info.forward = run_op(x, forward_op(op));
  const BackwardOp& b = op.back;
  info.grad = b.has_target() ? info.forward : b.grad;
  if (b.has_target()) {
    CNNLAB_ASSERT(b.target.v.size() == info.forward.v.size(), "target: shape of Y");
    for (size_t i = 0; i < info.grad.v.size(); ++i) info.grad.v[i] -= b.target.v[i];
    info.has_loss = true;
    info.loss = half_squared_error(info.forward, b.target);
  }
  CNNLAB_ASSERT(info.grad.h == info.forward.h && info.grad.w == info.forward.w &&
                    info.grad.c == info.forward.c,
                "dY: shape of Y");
  if (op.kind == Op::Kind::ConvBackwardInput) {  // windows span rows pt−(KH−1) .. H−1+pt of dY
    const ConvOp& cv = op.conv;
    info.grad_pad_top = cv.kh() - 1 - cv.pad_top, info.grad_pad_left = cv.kw() - 1 - cv.pad_left;
    info.grad_pad_bottom = std::max(0, x.h + cv.pad_top - info.grad.h);
    info.grad_pad_right = std::max(0, x.w + cv.pad_left - info.grad.w);
  }
  if (op.kind != Op::Kind::SgdStep) return info;
  const Grid& w = op.conv.kernels[0];
  info.d_w = info.new_kernel = w;
  for (int c = 0; c < w.c; ++c)
    for (int a = 0; a < w.h; ++a)
      for (int bx = 0; bx < w.w; ++bx) {
        Step s;
        double g = weight_grad_cells(x, op.conv, info.grad, a, bx, c, s, nullptr);
        info.d_w.at(a, bx, c) = g;
        info.new_kernel.at(a, bx, c) = tidy(w.at(a, bx, c) - b.learning_rate * g);
      }
  Op next = forward_op(op);
  next.conv.kernels[0] = info.new_kernel;
  info.new_forward = run_op(x, next);
  info.new_loss = b.has_target() ? half_squared_error(info.new_forward, b.target) : 0.0;
  return info;
}

// [SECTION] one output cell of each backward op
// ----------------------------------------------------

namespace {

// dX[y,x] = dY[y,x]·[X[y,x] > 0]: the mask lets the gradient through where the ReLU was open.
Step relu_backward_step(const Grid& x, const BackwardInfo& info, int y, int xx, int c, bool tape) {
  Step s;
  s.win_y = y, s.win_x = xx;
  WindowCell w;
  w.in_y = y, w.in_x = xx, w.in_c = c, w.in_value = x.at(y, xx, c);
  w.k_value = info.grad.at(y, xx, c);
  bool open = w.in_value > 0;
  w.product = open ? w.k_value : 0.0;
  s.cells.push_back(w);
  s.grad_y = y, s.grad_x = xx, s.grad_h = s.grad_w = 1;
  s.sum = s.pre_activation = s.result = w.product;
  if (tape) {
    std::string at = index(y, xx, c, x.c);
    s.tape = "dX" + at + " = dY · [X > 0]\n= " + factor(w.k_value) + " · [" +
             format_number(w.in_value) + " > 0] = " + factor(w.k_value) + " · " +
             (open ? "1" : "0") + " = " + format_number(s.result);
  }
  return s;
}

// dX[y,x] = the sum of dY over the windows whose max (the first in reading order) is X[y,x].
Step pool_backward_step(const Grid& x, const PoolOp& p, const BackwardInfo& info, int y, int xx,
                        int c, bool tape) {
  Step s;
  s.win_y = y, s.win_x = xx;  // no window covers the cell: frame the cell alone
  std::string at = index(y, xx, c, x.c), lines, sum_text;
  int received = 0;
  for (int oy = 0; oy < info.grad.h; ++oy)
    for (int ox = 0; ox < info.grad.w; ++ox) {
      int wy = oy * p.stride, wx = ox * p.stride;
      if (y < wy || y >= wy + p.size || xx < wx || xx >= wx + p.size) continue;
      Step window;  // this window's cells and its argmax (first maximum wins, as the engine)
      std::string list;
      for (int ky = 0; ky < p.size; ++ky)
        for (int kx = 0; kx < p.size; ++kx) {
          WindowCell w;
          w.in_y = wy + ky, w.in_x = wx + kx, w.in_c = c, w.in_value = x.at(w.in_y, w.in_x, c);
          w.k_value = 1.0, w.product = w.in_value;
          if (window.argmax_cell < 0 || w.in_value > window.cells[window.argmax_cell].in_value)
            window.argmax_cell = int(window.cells.size());
          list += (window.cells.empty() ? "" : ", ") + format_number(w.in_value);
          window.cells.push_back(w);
        }
      const WindowCell& best = window.cells[window.argmax_cell];
      bool wins = best.in_y == y && best.in_x == xx;
      double g = info.grad.at(oy, ox, c);
      if (s.cells.empty()) {  // the view frames the first window that covers the cell
        s.cells = window.cells, s.argmax_cell = window.argmax_cell;
        s.win_y = wy, s.win_x = wx, s.win_h = s.win_w = p.size;
        s.grad_y = oy, s.grad_x = ox, s.grad_h = s.grad_w = 1;
      }
      if (wins) s.sum += g, sum_text += (received++ ? " + " : "") + factor(g);
      if (!tape) continue;
      std::string max_at = index(best.in_y, best.in_x, c, x.c);
      lines += "max(" + list + ") = " + format_number(best.in_value) +
               (wins ? ": X" + at + " is the max, it gets dY" + index(oy, ox, c, info.grad.c) +
                           " = " + format_number(g)
                     : ": the max is X" + max_at + ", not X" + at + ": nothing") +
               "\n";
    }
  s.pre_activation = s.result = s.sum;
  if (tape) {
    if (lines.empty()) lines = "no pooling window covers X" + at + "\n";
    s.tape = lines + "dX" + at + " = " +
             (received > 1 ? sum_text + " = " + format_number(s.result) : format_number(s.result));
  }
  return s;
}

// dW[a,b] = Σ dY[i,j]·X[i+a, j+b]: the input under the window, weighted by each output's dY.
Step conv_weights_step(const Grid& x, const ConvOp& cv, const BackwardInfo& info, int a, int b,
                       int c, bool tape) {
  Step s;
  std::string products;
  s.sum = weight_grad_cells(x, cv, info.grad, a, b, c, s, tape ? &products : nullptr);
  s.pre_activation = s.result = s.sum;
  if (tape)
    s.tape =
        weight_grad_formula(cv, a, b, c, x.c) + "\n= " + products + " = " + format_number(s.sum);
  return s;
}

// dX[y,x] = Σ dY[i,j]·W[y+pt−i, x+pl−j]: the flipped kernel slides over dY with a zero border.
Step conv_input_step(const Grid& x, const ConvOp& cv, const BackwardInfo& info, int y, int xx,
                     int c, bool tape) {
  const Grid& w = cv.kernels[0];  // (KH, KW, C)
  const Grid& dy = info.grad;     // (OH, OW, 1)
  Step s;
  s.cells_on_grad = true;
  s.win_y = y + cv.pad_top - (w.h - 1), s.win_x = xx + cv.pad_left - (w.w - 1);
  s.win_h = w.h, s.win_w = w.w;
  s.grad_y = s.win_y, s.grad_x = s.win_x, s.grad_h = w.h, s.grad_w = w.w;
  std::string products;
  for (int r = 0; r < w.h; ++r)
    for (int q = 0; q < w.w; ++q) {
      WindowCell cell;
      cell.in_y = s.win_y + r, cell.in_x = s.win_x + q, cell.in_c = 0;
      cell.is_padding = !dy.in_bounds(cell.in_y, cell.in_x);
      cell.in_value = cell.is_padding ? 0.0 : dy.at(cell.in_y, cell.in_x);
      cell.k_value = w.at(w.h - 1 - r, w.w - 1 - q, c);  // the kernel turned by 180°
      cell.product = cell.in_value * cell.k_value;
      s.sum += cell.product;
      if (tape)
        products += (r + q ? " + " : "") + factor(cell.in_value) + "×" + factor(cell.k_value);
      s.cells.push_back(cell);
    }
  s.pre_activation = s.result = s.sum;
  if (tape)
    s.tape = "dX" + index(y, xx, c, x.c) + " = Σ dY[i,j]·W[" + std::to_string(y + cv.pad_top) +
             "−i," + std::to_string(xx + cv.pad_left) + "−j" +
             (x.c > 1 ? "," + std::to_string(c) : "") + "]\n= " + products + " = " +
             format_number(s.sum);
  return s;
}

// W'[a,b] = W[a,b] − η·dW[a,b]; the last step also reports the forward pass with W'.
Step sgd_step_step(const Grid& x, const Op& op, const BackwardInfo& info, int a, int b, int c,
                   bool tape) {
  Step s;
  s.sum = weight_grad_cells(x, op.conv, info.grad, a, b, c, s, nullptr);
  double w = op.conv.kernels[0].at(a, b, c), eta = op.back.learning_rate;
  s.pre_activation = s.sum;
  s.result = tidy(w - eta * s.sum);
  if (!tape) return s;
  std::string at = index(a, b, c, x.c);  // dW's own sum is the lesson before's (the cells have it)
  s.tape = "W'" + at + " = W" + at + " − η·dW" + at + "\n= " + format_number(w) + " − " +
           format_number(eta) + "×" + factor(s.sum) + " = " + format_number(s.result);
  const Grid& k = op.conv.kernels[0];
  if (a == k.h - 1 && b == k.w - 1 && c == k.c - 1 && info.has_loss)
    s.tape += "\nForward again with W': loss ½Σ(Y − T)² = " + format_number(info.loss) + " → " +
              format_number(info.new_loss);
  return s;
}

// dL/dz = p − y for one logit, with e^z, the sum and p written out; the true class adds the loss.
Step softmax_step(const Grid& z, const Op& op, const BackwardInfo& info, int y, int xx, int c,
                  bool tape) {
  Step s;
  size_t k = (size_t(y) * size_t(z.w) + size_t(xx)) * size_t(z.c) + size_t(c);
  double sum = 0;
  std::string exps_text;
  for (size_t i = 0; i < z.v.size(); ++i) {
    WindowCell w;
    w.in_y = int(i) / z.c / z.w, w.in_x = int(i) / z.c % z.w, w.in_c = int(i) % z.c;
    w.in_value = z.v[i], w.k_value = w.product = info.exps.v[i];
    sum += w.product;
    exps_text += (i ? " + " : "") + std::string("e^") + factor(z.v[i]);
    s.cells.push_back(w);
  }
  s.win_y = 0, s.win_x = 0, s.win_h = z.h, s.win_w = z.w;
  bool truth = int(k) == op.back.true_class;
  double p = info.forward.v[k];
  s.sum = s.pre_activation = p;
  s.result = p - (truth ? 1.0 : 0.0);
  if (!tape) return s;
  std::string name = k < op.back.classes.size() ? op.back.classes[k] : std::to_string(k);
  s.tape = "p(" + name + ") = e^" + factor(z.v[k]) + " / (" + exps_text +
           ")\n= " + format_number(info.exps.v[k]) + " / " + format_number(sum) + " = " +
           format_number(p) + "\ndL/dz = p − y = " + format_number(p) + " − " +
           (truth ? "1" : "0") + " = " + format_number(s.result);
  if (truth)
    s.tape +=
        "\nL = −ln p(" + name + ") = −ln " + format_number(p) + " = " + format_number(info.loss);
  return s;
}

}  // namespace

Step make_backward_step(const Grid& x, const Op& op, const BackwardInfo& info, int y, int xx, int c,
                        bool tape) {
  Step s;
  switch (op.kind) {
    case Op::Kind::ReluBackward:
      s = relu_backward_step(x, info, y, xx, c, tape);
      break;
    case Op::Kind::PoolBackward:
      s = pool_backward_step(x, op.pool, info, y, xx, c, tape);
      break;
    case Op::Kind::ConvBackwardWeights:
      s = conv_weights_step(x, op.conv, info, y, xx, c, tape);
      break;
    case Op::Kind::ConvBackwardInput:
      s = conv_input_step(x, op.conv, info, y, xx, c, tape);
      break;
    case Op::Kind::SgdStep:
      s = sgd_step_step(x, op, info, y, xx, c, tape);
      break;
    case Op::Kind::SoftmaxXent:
      s = softmax_step(x, op, info, y, xx, c, tape);
      break;
    default:
      CNNLAB_ASSERT(false, "make_backward_step: a backward op");
  }
  s.kind = op.kind;
  return s;
}

}  // namespace cnnlab
