// app/cli_lesson.cpp — `cnnlab lessons` lists the lessons; `cnnlab lesson ID` prints every step as
// text for self-study.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include "app/commands.h"
#include "core/error.h"
#include "lesson/lesson.h"
#include "lesson/stepper.h"

namespace cnnlab {

namespace {

struct LessonArgs {
  std::string dir, id;
  int step = 0;  // 1-based; 0 = every step
};

// How a cell is drawn: plain " v ", in the window "[v]", the pooling winner "{v}", padding " . ".
enum class Mark { Plain, Window, Winner, Current };

// One channel of `g` surrounded by the given padding; `mark(y, x)` decides the brackets (input
// coords), `shown(y, x)` whether the value is printed yet (else blank).
template <class MarkFn, class ShownFn>
std::string render(const Grid& g, int ch, int pt, int pl, int pb, int pr, MarkFn mark,
                   ShownFn shown) {
  size_t width = 1;
  for (double v : g.v) width = std::max(width, format_number(v).size());
  std::string out;
  for (int y = -pt; y < g.h + pb; ++y) {
    out += "  ";
    for (int x = -pl; x < g.w + pr; ++x) {
      bool pad = !g.in_bounds(y, x);
      std::string s = pad ? "." : shown(y, x) ? format_number(g.at(y, x, ch)) : "";
      s = std::string(width - std::min(width, s.size()), ' ') + s;
      Mark m = mark(y, x);
      const char* br = m == Mark::Window    ? "[]"
                       : m == Mark::Winner  ? "{}"
                       : m == Mark::Current ? "<>"
                                            : "  ";
      out += br[0] + s + br[1];
    }
    out += '\n';
  }
  return out;
}

std::string channel_title(const Lesson& l, int op, int c, int channels) {
  if (channels == 1) return "";
  if (op == 0 && c < int(l.channel_names.size())) return " — channel " + l.channel_names[c];
  return " — channel " + std::to_string(c + 1);
}

Grid plain_channel(const Grid& g, int c) {
  return g.c > 1 ? g.channel(c) : g;
}

// A backward op's extra grids: dY (its cells for this step in [ ]; conv_backward_input's zero
// border as dots), the softmax table, and after an SGD step's last weight W' and Y'.
void print_backward(const Op& op, const BackwardInfo& info, const Step& s) {
  auto none = [](int, int) { return Mark::Plain; };
  auto all = [](int, int) { return true; };
  if (op.kind == Op::Kind::SoftmaxXent) {
    std::printf("class       z      e^z        p  y\n");
    for (size_t i = 0; i < info.exps.v.size(); ++i)
      std::printf("%-8s %4s %8s %8s  %d\n", op.back.classes[i].c_str(),
                  format_number(s.cells[i].in_value).c_str(), format_number(info.exps.v[i]).c_str(),
                  format_number(info.forward.v[i]).c_str(), int(i) == op.back.true_class);
    std::printf("Loss L = −ln p(%s) = %s\n", op.back.classes[size_t(op.back.true_class)].c_str(),
                format_number(info.loss).c_str());
    return;
  }
  int c = info.grad.c > 1 ? s.out_c : 0;
  int bt = 0, bl = 0, bb = 0, br = 0;  // the full convolution's zero border around dY
  if (s.cells_on_grad)
    bt = info.grad_pad_top, bl = info.grad_pad_left, bb = info.grad_pad_bottom,
    br = info.grad_pad_right;
  std::printf("Upstream gradient dY%s (read in [ ]):\n%s", op.back.has_target() ? " = Y − T" : "",
              render(
                  info.grad, c, bt, bl, bb, br,
                  [&](int y, int x) {
                    bool in = y >= s.grad_y && y < s.grad_y + s.grad_h && x >= s.grad_x &&
                              x < s.grad_x + s.grad_w;
                    return in ? Mark::Window : Mark::Plain;
                  },
                  all)
                  .c_str());
  if (info.has_loss) std::printf("Loss L = ½Σ(Y − T)² = %s\n", format_number(info.loss).c_str());
  const Grid& k = op.conv.kernels.empty() ? info.grad : op.conv.kernels[0];
  if (op.kind == Op::Kind::SgdStep && s.kernel_y == k.h - 1 && s.kernel_x == k.w - 1 &&
      s.out_c == k.c - 1) {
    std::printf("New kernel W':\n%s",
                render(plain_channel(info.new_kernel, c), 0, 0, 0, 0, 0, none, all).c_str());
    std::printf("Forward again: Y' = X ⊛ W', loss %s → %s\n%s", format_number(info.loss).c_str(),
                format_number(info.new_loss).c_str(),
                render(info.new_forward, 0, 0, 0, 0, 0, none, all).c_str());
  }
}

void print_step(const Lesson& l, const Stepper& st, int k) {
  Step s = st.step(k);
  const Op& op = st.op(s.op_index);
  const Grid& in = st.input_of(s.op_index);
  const Grid& out = st.outputs()[s.op_index];
  int pt = 0, pl = 0, pb = 0, pr = 0;
  if (uses_kernel(op.kind))
    pt = op.conv.pad_top, pl = op.conv.pad_left, pb = op.conv.pad_bottom, pr = op.conv.pad_right;
  std::printf("── Step %d/%d · op %d: %s · output row %d, column %d%s\n", k + 1, st.num_steps(),
              s.op_index + 1, op.label.c_str(), s.out_y, s.out_x,
              out.c > 1 ? (", channel " + std::to_string(s.out_c + 1)).c_str() : "");
  std::printf("Output size: %s\n\n", st.output_size(s.op_index).text.c_str());
  auto in_window = [&](int y, int x) {
    return !s.cells_on_grad && y >= s.win_y && y < s.win_y + s.win_h && x >= s.win_x &&
           x < s.win_x + s.win_w;
  };
  for (int c = 0; c < in.c; ++c) {
    bool used = op.kind == Op::Kind::Conv || c == s.out_c;
    if (!used) continue;
    std::printf("Input%s (window in [ ]%s%s):\n", channel_title(l, s.op_index, c, in.c).c_str(),
                op.kind == Op::Kind::Pool ? ", max in { }" : "",
                pt + pl + pb + pr > 0 ? ", . = zero padding" : "");
    const WindowCell* win = s.argmax_cell >= 0 ? &s.cells[s.argmax_cell] : nullptr;
    std::printf("%s", render(
                          in, c, pt, pl, pb, pr,
                          [&](int y, int x) {
                            if (win && win->in_y == y && win->in_x == x) return Mark::Winner;
                            return in_window(y, x) ? Mark::Window : Mark::Plain;
                          },
                          [](int, int) { return true; })
                          .c_str());
    if (uses_kernel(op.kind)) {
      const Grid& kern = op.conv.kernels[op.kind == Op::Kind::Conv ? s.out_c : 0];
      std::printf("Kernel%s:\n%s", channel_title(l, s.op_index, c, in.c).c_str(),
                  render(
                      kern, c, 0, 0, 0, 0, [](int, int) { return Mark::Plain; },
                      [](int, int) { return true; })
                      .c_str());
    }
  }
  if (const BackwardInfo* info = st.backward(s.op_index)) print_backward(op, *info, s);
  std::printf("\n%s\n\n", s.tape.c_str());
  std::printf("Output so far (this cell in < >):\n");
  for (int c = 0; c < out.c; ++c) {
    if (out.c > 1) std::printf("  channel %d\n", c + 1);
    std::printf("%s", render(
                          out, c, 0, 0, 0, 0,
                          [&](int y, int x) {
                            return (y == s.out_y && x == s.out_x && c == s.out_c) ? Mark::Current
                                                                                  : Mark::Plain;
                          },
                          [&](int y, int x) { return st.is_computed(k, s.op_index, y, x, c); })
                          .c_str());
  }
  std::printf("\n");
}

int run_lessons(const LessonArgs& a) {
  std::string dir = a.dir.empty() ? default_lesson_dir() : a.dir;
  LessonLoadResult r = load_lessons(dir);
  size_t w = 2;
  for (const Lesson& l : r.lessons) w = std::max(w, l.id.size());
  for (const Lesson& l : r.lessons)
    std::printf("%-*s  %s\n", int(w), l.id.c_str(), l.title.c_str());
  std::fflush(stdout);  // keep the list before the errors when both go to one pipe
  for (const std::string& e : r.errors) std::fprintf(stderr, "cnnlab: error: %s\n", e.c_str());
  return r.errors.empty() ? 0 : 1;
}

int run_lesson(const LessonArgs& a) {
  std::string dir = a.dir.empty() ? default_lesson_dir() : a.dir;
  LessonLoadResult r = load_lessons(dir);
  const Lesson* l = find_lesson(r.lessons, a.id);
  for (const std::string& e : r.errors)
    std::fprintf(stderr, "cnnlab: %s: %s\n", l ? "warning" : "error", e.c_str());
  if (!l) {
    std::string ids;
    for (const Lesson& x : r.lessons) ids += (ids.empty() ? "" : ", ") + x.id;
    throw UserError(dir, "no lesson with id \"" + a.id + "\"",
                    ids.empty() ? "no lessons loaded" : "known ids: " + ids);
  }
  Stepper st(*l);
  if (a.step < 0 || a.step > st.num_steps())
    throw UserError(l->source_path, "step " + std::to_string(a.step) + " does not exist",
                    "this lesson has steps 1 to " + std::to_string(st.num_steps()));
  std::printf("%s — %s\n%s\n\n", l->id.c_str(), l->title.c_str(), l->source_path.c_str());
  if (a.step == 0) std::printf("%s\n\n", l->text.c_str());
  for (int k = a.step ? a.step - 1 : 0; k < (a.step ? a.step : st.num_steps()); ++k)
    print_step(*l, st, k);
  if (a.step == 0)
    for (int i = 0; i < st.num_ops(); ++i)
      if (st.op(i).kind == Op::Kind::Pool) std::printf("Tie rule: %s\n", l->tie_rule.c_str());
  return 0;
}

}  // namespace

void register_lesson_commands(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<LessonArgs>();
  CLI::App* list = app.add_subcommand("lessons", "List the lessons (id and title)");
  list->add_option("--dir", args->dir,
                   "Lessons folder (default: $CNNLAB_LESSONS or the built-in lessons)");
  list->callback([args, &exit_code] { exit_code = guarded([&] { return run_lessons(*args); }); });

  CLI::App* one = app.add_subcommand(
      "lesson", "Print a lesson step by step: window, products, sum, output so far");
  one->add_option("id", args->id, "Lesson id (see `cnnlab lessons`)")->required();
  one->add_option("--dir", args->dir,
                  "Lessons folder (default: $CNNLAB_LESSONS or the built-in lessons)");
  one->add_option("--step", args->step, "Print only step K (1-based); default: every step");
  one->callback([args, &exit_code] { exit_code = guarded([&] { return run_lesson(*args); }); });
}

}  // namespace cnnlab
