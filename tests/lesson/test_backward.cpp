// tests/lesson/test_backward.cpp — the backward lessons: their values against the engine's own nn
// layers on the same numbers, hand-worked golden values for course example 1, file:line errors.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "lesson/lesson.h"
#include "lesson/stepper.h"
#include "nn/layers.h"

using namespace cnnlab;

namespace {

const std::string kShippedDir = std::string(CNNLAB_SOURCE_DIR) + "/lessons";

const Lesson& shipped(const std::string& id) {
  static const LessonLoadResult r = load_lessons(kShippedDir);  // read once for all cases
  const Lesson* l = find_lesson(r.lessons, id);
  REQUIRE_MESSAGE(l, id);
  return *l;
}

std::vector<float> floats(const Grid& g) {
  return std::vector<float>(g.v.begin(), g.v.end());
}

// The stepper's grid equals the engine's floats (lesson numbers are small: float is exact for
// integers and halves; softmax gets float's tolerance).
void check_same(const Grid& lesson, const std::vector<float>& engine, double tol = 0) {
  REQUIRE(lesson.v.size() == engine.size());
  for (size_t i = 0; i < engine.size(); ++i) {
    CAPTURE(i);
    CHECK(std::fabs(lesson.v[i] - double(engine[i])) <= tol);
  }
}

// The engine's conv forward and backward (N = 1, one kernel, no bias) for a lesson's conv op on X.
struct EngineConv {
  std::vector<float> y, d_x, d_w;
};
EngineConv engine_conv(const Grid& x, const ConvOp& cv, const Grid& target) {
  Padding pad = cv.padding == GridPadding::Same ? Padding::Same : Padding::Valid;
  ConvShape s = make_conv_shape(1, x.h, x.w, x.c, 1, cv.kh(), cv.kw(), 1, pad);
  std::vector<float> in = floats(x), w = floats(cv.kernels[0]), b(1, 0.0f), d_b(1);
  std::vector<float> scratch(std::max(conv2d_forward_scratch(s, 8), conv2d_backward_scratch(s, 8)));
  EngineConv e;
  e.y.resize(size_t(s.out_h) * s.out_w);
  conv2d_forward(e.y.data(), in.data(), w.data(), b.data(), s, {scratch.data(), scratch.size()});
  std::vector<float> d_y = e.y;
  for (size_t i = 0; i < d_y.size(); ++i) d_y[i] -= float(target.v[i]);  // L = ½Σ(Y − T)²
  e.d_x.resize(in.size()), e.d_w.resize(w.size());
  conv2d_backward(e.d_x.data(), e.d_w.data(), d_b.data(), d_y.data(), in.data(), w.data(), s,
                  {scratch.data(), scratch.size()});
  return e;
}

float half_squared_error(const std::vector<float>& y, const Grid& t) {
  float sum = 0;
  for (size_t i = 0; i < y.size(); ++i)
    sum += 0.5f * (y[i] - float(t.v[i])) * (y[i] - float(t.v[i]));
  return sum;
}

UserError parse_error(const std::string& text) {
  try {
    parse_lesson(text, "bad.toml");
  } catch (const UserError& e) {
    return e;
  }
  FAIL("expected a UserError for:\n" << text);
  return UserError("", "");
}

// A minimal backward lesson: lines 1-4 header and input (3×3), 5 [[ops]], 6 type, then `rest`.
std::string backward_text(const std::string& type, const std::string& rest) {
  return "id = \"b\"\ntitle = \"B\"\ntext = \"x\"\ninput = [[1, -2, 3], [0, 5, -1], [2, 2, 0]]\n"
         "[[ops]]\ntype = \"" +
         type + "\"\n" + rest;
}

void check_error(const UserError& e, int line, const std::string& part) {
  CHECK(e.path() == "bad.toml");
  CHECK(e.line() == line);
  CHECK_MESSAGE(e.reason().find(part) != std::string::npos, std::string(e.what()));
  CHECK_FALSE(e.hint().empty());
}

}  // namespace

// [SECTION] the shipped lessons against nn
// ---------------------------------------------------------

TEST_CASE("relu-backward equals nn relu_backward on the same numbers") {
  const Lesson& l = shipped("relu-backward");
  std::vector<Grid> out = run_chain(l);
  REQUIRE(l.ops[1].kind == Op::Kind::ReluBackward);
  std::vector<float> x = floats(out[0]), y(x.size()), d_y = floats(l.ops[1].back.grad),
                     d_x(x.size());
  relu_forward(y.data(), x.data(), x.size());
  relu_backward(d_x.data(), d_y.data(), y.data(), x.size());
  check_same(out[1], d_x);
  // By hand: only the three perfect / strokes (3 − 2 = 1) are open; X = 0 at [0,2] closes the gate.
  CHECK(format_grid(out[1]) == " 0  0  0  0\n 0  3  0  0\n 0  0  0 -2\n 0  0  2  0\n");
  Stepper st(l);
  CHECK(st.step(st.step_index(1, 1, 1)).tape ==
        "dX[1,1] = dY · [X > 0]\n= 3 · [1 > 0] = 3 · 1 = 3");
  CHECK(st.step(st.step_index(1, 0, 2)).tape ==
        "dX[0,2] = dY · [X > 0]\n= 2 · [0 > 0] = 2 · 0 = 0");
}

TEST_CASE("maxpool-backward equals nn maxpool2d_backward, the tie's gradient to the first max") {
  const Lesson& l = shipped("maxpool-backward");
  std::vector<Grid> out = run_chain(l);
  const Grid& x = out[0];
  PoolShape s = make_pool_shape(1, x.h, x.w, 1, 2, 2);
  std::vector<float> in = floats(x), y(size_t(s.out_h) * s.out_w), d_x(in.size());
  std::vector<int32_t> argmax(y.size());
  maxpool2d_forward(y.data(), argmax.data(), in.data(), s);
  std::vector<float> d_y = y;
  for (size_t i = 0; i < d_y.size(); ++i) d_y[i] -= float(l.ops[1].back.target.v[i]);
  maxpool2d_backward(d_x.data(), d_y.data(), argmax.data(), s);
  check_same(out[1], d_x);
  // By hand: Y = [[3,2],[2,3]], T = [[2,3],[3,2]] → dY = [[1,-1],[-1,1]], L = ½·4 = 2.
  Stepper st(l);
  const BackwardInfo* info = st.backward(1);
  REQUIRE(info);
  CHECK(format_grid(info->grad) == " 1 -1\n-1  1\n");
  CHECK(info->loss == 2);
  CHECK(format_grid(out[1]) == " 0  0 -1  0\n 0  1  0  0\n-1  0  0  1\n 0  0  0  0\n");
  Step win = st.step(st.step_index(1, 1, 1));
  CHECK(win.tape == "max(1, 1, 1, 3) = 3: X[1,1] is the max, it gets dY[0,0] = 1\ndX[1,1] = 1");
  CHECK(win.argmax_cell == 3);
  CHECK(win.grad_y == 0);
  CHECK(win.grad_x == 0);
  Step lose = st.step(st.step_index(1, 0, 0));
  CHECK(lose.tape == "max(1, 1, 1, 3) = 3: the max is X[1,1], not X[0,0]: nothing\ndX[0,0] = 0");
  // The bottom-right window [[0,3],[3,0]]: a tie; X[2,3] (first in reading order) takes dY = 1.
  CHECK(st.step(st.step_index(1, 2, 3)).result == 1);
  CHECK(st.step(st.step_index(1, 3, 2)).result == 0);
}

TEST_CASE("conv-backward-weights equals nn conv2d_backward's d_w") {
  const Lesson& l = shipped("conv-backward-weights");
  std::vector<Grid> out = run_chain(l);
  EngineConv e = engine_conv(l.input, l.ops[0].conv, l.ops[0].back.target);
  check_same(out[0], e.d_w);
  // By hand: dY = Y − T = [[1,1,2,0],[1,0,0,0],[2,0,0,0],[0,0,0,0]]; dW[0,2] = Σ dY[i,j]·X[i,j+2]
  // = 1·X[0,2] + 1·X[0,3] + 2·X[0,4] + 1·X[1,2] + 2·X[2,2] = 0 + 0 + 0 + 0 + 2·1 = 2.
  CHECK(format_grid(out[0]) == "2 2 2\n1 5 2\n4 3 1\n");
  Stepper st(l);
  CHECK(st.backward(0)->loss == 5.5);
  Step s = st.step(2);
  CHECK(s.tape ==
        "dW[0,2] = Σ dY[i,j]·X[i,j+2]\n= 1×0 + 1×0 + 2×0 + 0×0 + 1×0 + 0×1 + 0×0 + 0×0 + 2×1 + "
        "0×0 + 0×0 + 0×1 + 0×0 + 0×0 + 0×1 + 0×0 = 2");
  CHECK(s.win_y == 0);
  CHECK(s.win_x == 2);
  CHECK(s.win_h == 4);
  CHECK(s.cells.size() == 16);
}

TEST_CASE("conv-backward-input equals nn conv2d_backward's d_in (a full conv, kernel flipped)") {
  const Lesson& l = shipped("conv-backward-input");
  std::vector<Grid> out = run_chain(l);
  EngineConv e = engine_conv(l.input, l.ops[0].conv, l.ops[0].back.target);
  check_same(out[0], e.d_x);
  Stepper st(l);
  const BackwardInfo* info = st.backward(0);
  CHECK(info->grad_pad_top == 2);
  CHECK(info->grad_pad_bottom == 2);
  // dX[2,2] = Σ dY[i,j]·W[2−i,2−j]: the flipped / kernel over dY rows 0-2, cols 0-2: 2 + 0 + 2 = 4.
  Step s = st.step(st.step_index(0, 2, 2));
  CHECK(s.cells_on_grad);
  CHECK(s.win_y == 0);
  CHECK(s.win_x == 0);
  CHECK(s.tape ==
        "dX[2,2] = Σ dY[i,j]·W[2−i,2−j]\n= 1×0 + 1×0 + 2×1 + 1×0 + 0×1 + 0×0 + 2×1 + "
        "0×0 + 0×0 = 4");
}

TEST_CASE("sgd-step: W' = W − η·dW with nn's d_w, and the forward pass again lowers the loss") {
  const Lesson& l = shipped("sgd-step");
  std::vector<Grid> out = run_chain(l);
  const ConvOp& cv = l.ops[0].conv;
  const Grid& t = l.ops[0].back.target;
  EngineConv e = engine_conv(l.input, cv, t);
  double eta = l.ops[0].back.learning_rate;
  CHECK(eta == 0.05);
  std::vector<float> w_new = floats(cv.kernels[0]);
  for (size_t i = 0; i < w_new.size(); ++i) w_new[i] -= float(eta) * e.d_w[i];  // by hand
  check_same(out[0], w_new, 1e-6);
  ConvOp next = cv;
  next.kernels[0] = out[0];
  EngineConv again = engine_conv(l.input, next, t);
  Stepper st(l);
  const BackwardInfo* info = st.backward(0);
  CHECK(info->loss == 5.5);
  CHECK(half_squared_error(e.y, t) == doctest::Approx(5.5));
  CHECK(info->new_loss == doctest::Approx(half_squared_error(again.y, t)).epsilon(1e-6));
  CHECK(info->new_loss == doctest::Approx(3.44375));  // lower: the step went downhill
  check_same(info->new_forward, again.y, 1e-6);
  Step last = st.step(st.num_steps() - 1);
  CHECK(last.tape.find("W'[2,2] = W[2,2] − η·dW[2,2]\n= 0 − 0.05×1 = -0.05\n") !=
        std::string::npos);
  CHECK(st.step(4).tape == "W'[1,1] = W[1,1] − η·dW[1,1]\n= 1 − 0.05×5 = 0.75");
  CHECK(st.step(4).result == 0.75);  // exactly: the lesson file promises 0.75
  CHECK(last.tape.find("Forward again with W': loss ½Σ(Y − T)² = 5.5 → 3.4437") !=
        std::string::npos);
}

TEST_CASE("softmax-cross-entropy equals nn softmax_xent_forward/backward") {
  const Lesson& l = shipped("softmax-cross-entropy");
  std::vector<Grid> out = run_chain(l);
  std::vector<float> z = floats(l.input), p(z.size()), d_z(z.size());
  int label = l.ops[0].back.true_class;
  CHECK(label == 1);
  float loss = softmax_xent_forward(p.data(), z.data(), &label, 1, int(z.size()));
  softmax_xent_backward(d_z.data(), p.data(), &label, 1, int(z.size()));
  check_same(out[0], d_z, 1e-6);
  Stepper st(l);
  CHECK(st.backward(0)->loss == doctest::Approx(loss).epsilon(1e-6));
  CHECK(st.step(1).tape ==
        "p(rose) = e^1 / (e^2 + e^1 + e^0)\n= 2.7183 / 11.1073 = 0.2447\n"
        "dL/dz = p − y = 0.2447 − 1 = -0.7553\nL = −ln p(rose) = −ln 0.2447 = 1.4076");
  CHECK(st.step(0).tape.find("dL/dz = p − y = 0.6652 − 0 = 0.6652") != std::string::npos);
}

// [SECTION] beyond the shipped numbers: padding, overlapping pools, channels
// -----------------------

TEST_CASE(
    "backward ops agree with nn on other shapes: same padding, overlapping pool, 2 channels") {
  // X (4, 5, 2) of small integers, a 3×3×2 kernel with same padding, T = 0.
  Grid x(4, 5, 2), w(3, 3, 2);
  for (size_t i = 0; i < x.v.size(); ++i) x.v[i] = double(int(i * 7 % 5) - 2);
  for (size_t i = 0; i < w.v.size(); ++i) w.v[i] = double(int(i * 3 % 4) - 1);
  Lesson l;
  l.input = x;
  Op op;
  op.kind = Op::Kind::ConvBackwardWeights;
  op.conv.kernels = {w};
  op.conv.bias = {0};
  op.conv.padding = GridPadding::Same;
  op.back.target = Grid(4, 5, 1);
  l.ops = {op};
  REQUIRE(check_lesson(l) == "");
  EngineConv e = engine_conv(x, l.ops[0].conv, op.back.target);
  check_same(run_chain(l)[0], e.d_w);
  l.ops[0].kind = Op::Kind::ConvBackwardInput;
  REQUIRE(check_lesson(l) == "");
  check_same(run_chain(l)[0], e.d_x);

  // An overlapping 2×2 pool with stride 1 over channel-interleaved X: a cell can win two windows.
  Lesson p;
  p.input = x;
  Op pool;
  pool.kind = Op::Kind::PoolBackward;
  pool.pool = {2, 1};
  pool.back.grad = Grid(3, 4, 2);
  for (size_t i = 0; i < pool.back.grad.v.size(); ++i) pool.back.grad.v[i] = double(i % 3) + 1;
  p.ops = {pool};
  REQUIRE(check_lesson(p) == "");
  PoolShape s = make_pool_shape(1, 4, 5, 2, 2, 1);
  std::vector<float> in = floats(x), y(size_t(s.out_h) * s.out_w * 2), d_x(in.size());
  std::vector<int32_t> argmax(y.size());
  maxpool2d_forward(y.data(), argmax.data(), in.data(), s);
  std::vector<float> d_y = floats(pool.back.grad);
  maxpool2d_backward(d_x.data(), d_y.data(), argmax.data(), s);
  check_same(run_chain(p)[0], d_x);
}

// [SECTION] malformed backward lessons
// -------------------------------------------------------------

TEST_CASE("malformed backward lessons name their file and line") {
  check_error(parse_error(backward_text("relu_backward", "grad = [[1, 2, 3]]\n")), 5,
              "grad is 1×3 but the forward output Y is 3×3");
  check_error(parse_error(backward_text("relu_backward", "")), 5, "missing key 'grad' or 'target'");
  check_error(parse_error(backward_text("relu_backward", "grad = [[1]]\ntarget = [[1]]\n")), 8,
              "give either 'grad' or 'target', not both");
  check_error(parse_error(backward_text("relu_backward",
                                        "grad = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]\n[[ops]]\n"
                                        "type = \"relu\"\n")),
              5, "a relu_backward op must be the last op");
  check_error(
      parse_error(backward_text("maxpool_backward", "size = 2\ntarget = [[1, 1], [1, 1]]\n")), 5,
      "target is 2×2 but the forward output Y is 1×1");
  check_error(parse_error(backward_text("sgd_step",
                                        "kernel = [[1, 0], [0, 1]]\n"
                                        "learning_rate = 0.1\ngrad = [[1, 1], [1, 1]]\n")),
              9, "missing key 'target'");
  check_error(parse_error(backward_text("sgd_step",
                                        "kernel = [[1, 0], [0, 1]]\n"
                                        "learning_rate = 0\ntarget = [[1, 1], [1, 1]]\n")),
              8, "learning_rate must be more than 0");
  check_error(parse_error(backward_text("conv_backward_weights",
                                        "kernel = [[1, 0], [0, 1]]\nstride = 2\n"
                                        "target = [[1, 1], [1, 1]]\n")),
              8, "unknown key 'stride'");
  check_error(parse_error(backward_text("conv_backward_input",
                                        "kernel = [[1, 0], [0, 1]]\n"
                                        "target = [[1, 1], [1, 1]]\n"
                                        "expected = [[0]]\n")),
              9, "expected output of op 1 does not match");
  check_error(parse_error(backward_text("softmax_cross_entropy",
                                        "classes = [\"a\", \"b\", \"c\"]\ntrue_class = \"a\"\n")),
              5, "the logits (the op's input) must be one row");
  check_error(parse_error("id = \"s\"\ntitle = \"S\"\ntext = \"x\"\ninput = [[1, 2]]\n[[ops]]\n"
                          "type = \"softmax_cross_entropy\"\nclasses = [\"a\", \"b\"]\n"
                          "true_class = \"z\"\n"),
              8, "true_class \"z\" is not one of the classes");
  check_error(parse_error("id = \"s\"\ntitle = \"S\"\ntext = \"x\"\ninput = [[1, 99]]\n[[ops]]\n"
                          "type = \"softmax_cross_entropy\"\nclasses = [\"a\", \"b\"]\n"
                          "true_class = \"a\"\n"),
              5, "logit 2 is 99");
  check_error(parse_error(backward_text("max_backward", "")), 6,
              "unknown op type \"max_backward\"");
}

TEST_CASE("a backward lesson edited like the view does it re-checks: a resized input is refused") {
  Lesson l = shipped("conv-backward-weights");
  l.input = Grid(5, 5, 1, 1.0);
  CHECK(check_lesson(l) == "op 1: target is 4×4 but the forward output Y is 3×3");
  Lesson soft = shipped("softmax-cross-entropy");
  soft.input.at(0, 1) = 31;
  CHECK(check_lesson(soft) == "logit 2 is 31; logits are at most 30 either way");
}

TEST_CASE("an edited image recomputes dY and dW, and they still equal nn's") {
  Lesson l = shipped("conv-backward-weights");
  Grid before = run_chain(l)[0];
  l.input.at(2, 2) = 0;  // erase the middle of the / stroke on row 2 (as a click in the view)
  for (auto& e : l.expected) e.reset();
  REQUIRE(check_lesson(l) == "");
  Grid after = run_chain(l)[0];
  CHECK_FALSE(after == before);
  EngineConv e = engine_conv(l.input, l.ops[0].conv, l.ops[0].back.target);
  check_same(after, e.d_w);
  CHECK(Stepper(l).backward(0)->loss == half_squared_error(e.y, l.ops[0].back.target));
}
