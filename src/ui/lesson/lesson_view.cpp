// ui/lesson/lesson_view.cpp — stepping, predict-then-reveal and edits of the lesson on screen (no
// ImGui).
//
// [SECTION] open / reset
// [SECTION] navigation
// [SECTION] predict mode
// [SECTION] edits
// [SECTION] presets and the photo kernel
#include "ui/lesson/lesson_view.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "core/check.h"

namespace cnnlab {

// [SECTION] open / reset
// ---------------------------------------------------------------------------

namespace {

// Adopts `lesson` (already checked) as the working copy; the step is clamped, predictions reset.
void adopt(LessonView& view, Lesson lesson) {
  view.lesson = std::move(lesson);
  view.stepper = std::make_unique<Stepper>(view.lesson);
  view.tape_lines.assign(size_t(view.num_steps()), {});
  for (int k = 0; k < view.num_steps(); ++k) {
    std::istringstream in(view.stepper->step(k).tape);
    for (std::string line; std::getline(in, line);) view.tape_lines[size_t(k)].push_back(line);
  }
  view.step = std::clamp(view.step, 0, std::max(0, view.num_steps() - 1));
  view.predictions.assign(size_t(view.num_steps()), Prediction{});
  view.answer.clear();
  view.feedback.clear();
  view.hover_step = -1;
}
}  // namespace

void open_lesson(LessonView& view, const Lesson& lesson) {
  view.original = lesson;
  view.step = 0;
  view.playing = false;
  view.play_accumulator = 0;
  view.score_right = view.score_total = 0;
  view.edit_problem.clear();
  view.edit_problem_at.clear();
  adopt(view, lesson);
}

void reset_lesson(LessonView& view) {
  bool predict = view.predict;
  open_lesson(view, view.original);
  view.predict = predict;
}

// [SECTION] navigation
// -----------------------------------------------------------------------------

void step_to(LessonView& view, int step) {
  if (!view.loaded()) return;
  int clamped = std::clamp(step, 0, view.num_steps() - 1);
  if (clamped != view.step) {
    view.answer.clear();
    view.feedback.clear();
  }
  view.step = clamped;
}

void step_next(LessonView& view) {
  view.playing = false;
  step_to(view, view.step + 1);
}
void step_prev(LessonView& view) {
  view.playing = false;
  step_to(view, view.step - 1);
}
void step_first(LessonView& view) {
  view.playing = false;
  step_to(view, 0);
}
void step_last(LessonView& view) {
  view.playing = false;
  step_to(view, view.num_steps() - 1);
}

void step_next_row(LessonView& view) {
  if (!view.loaded()) return;
  view.playing = false;
  Step s = view.stepper->step(view.step);
  const Grid& out = view.stepper->outputs()[s.op_index];
  if (s.out_y + 1 < out.h) {
    step_to(view, view.stepper->step_index(s.op_index, s.out_y + 1, s.out_x, s.out_c));
  } else {
    // Past the last row: the first cell after this row, i.e. the next channel or op.
    step_to(view, view.stepper->step_index(s.op_index, s.out_y, out.w - 1, s.out_c) + 1);
  }
}

void step_prev_row(LessonView& view) {
  if (!view.loaded()) return;
  view.playing = false;
  Step s = view.stepper->step(view.step);
  if (s.out_y > 0) {
    step_to(view, view.stepper->step_index(s.op_index, s.out_y - 1, s.out_x, s.out_c));
  } else {
    // In the first row: the start of this row, or if already there, the cell before it.
    int row_start = view.stepper->step_index(s.op_index, 0, 0, s.out_c);
    step_to(view, view.step == row_start ? view.step - 1 : row_start);
  }
}

void advance_play(LessonView& view, double dt, double speed) {
  if (!view.playing || !view.loaded()) return;
  view.play_accumulator += dt;
  double period = 1.0 / std::max(speed, 0.01);
  while (view.play_accumulator >= period) {
    view.play_accumulator -= period;
    if (view.step + 1 >= view.num_steps()) {
      view.playing = false;
      view.play_accumulator = 0;
      return;
    }
    step_to(view, view.step + 1);
  }
}

// [SECTION] predict mode
// ---------------------------------------------------------------------------

void set_predict(LessonView& view, bool on) {
  view.predict = on;
  view.playing = false;
  view.answer.clear();
  view.feedback.clear();
}

bool submit_prediction(LessonView& view, const std::string& text) {
  if (!view.loaded()) return false;
  const char* begin = text.c_str();
  while (*begin == ' ') ++begin;
  char* end = nullptr;
  double value = std::strtod(begin, &end);
  while (end && *end == ' ') ++end;
  if (end == begin || (end && *end != '\0')) {
    view.feedback = "Type a number, e.g. 3 or -1.5";
    view.feedback_right = false;
    return false;
  }
  double truth = view.stepper->step(view.step).result;
  bool right = std::fabs(value - truth) <= 0.005 + 1e-9 * std::fabs(truth);
  Prediction& p = view.predictions[size_t(view.step)];
  if (!p.answered) {  // only the first answer for a cell counts towards the score
    ++view.score_total;
    if (right) ++view.score_right;
  }
  p.answered = true;
  p.right = right;
  p.value = value;
  view.feedback_right = right;
  view.feedback =
      right ? "✓ Right: " + format_number(truth)
            : "✗ Not quite: you said " + format_number(value) + ", it is " + format_number(truth);
  return true;
}

bool current_revealed(const LessonView& view) {
  if (!view.predict || !view.loaded()) return true;
  return view.predictions[size_t(view.step)].answered;
}

bool cell_revealed(const LessonView& view, int op, int y, int x, int c) {
  if (!view.loaded()) return false;
  int index = view.stepper->step_index(op, y, x, c);
  if (index > view.step) return false;
  if (index == view.step) return current_revealed(view);
  return true;
}

// [SECTION] edits
// ----------------------------------------------------------------------------------

std::string apply_edit(LessonView& view, Lesson edited) {
  for (auto& e : edited.expected) e.reset();  // the file's promised outputs no longer apply
  std::string problem = check_lesson(edited);
  if (!problem.empty()) return problem;
  view.playing = false;
  adopt(view, std::move(edited));
  return {};
}

int first_conv_op(const Lesson& lesson) {
  for (size_t i = 0; i < lesson.ops.size(); ++i) {
    if (uses_kernel(lesson.ops[i].kind)) return int(i);  // backward lessons' W too
  }
  return -1;
}

std::string edit_input_cell(LessonView& view, int y, int x, int c, double value) {
  Lesson edited = view.lesson;
  CNNLAB_ASSERT(edited.input.in_bounds(y, x) && c >= 0 && c < edited.input.c,
                "input cell out of range");
  edited.input.at(y, x, c) = value;
  return apply_edit(view, std::move(edited));
}

std::string toggle_input_cell(LessonView& view, int y, int x, int c) {
  double v = view.lesson.input.at(y, x, c);
  return edit_input_cell(view, y, x, c, v != 0 ? 0.0 : 1.0);
}

std::string edit_kernel_cell(LessonView& view, int op, int k, int y, int x, int c, double value) {
  Lesson edited = view.lesson;
  CNNLAB_ASSERT(op >= 0 && op < int(edited.ops.size()) && uses_kernel(edited.ops[op].kind),
                "edit_kernel_cell: not an op with a kernel");
  Grid& kernel = edited.ops[op].conv.kernels.at(size_t(k));
  CNNLAB_ASSERT(kernel.in_bounds(y, x) && c >= 0 && c < kernel.c, "kernel cell out of range");
  kernel.at(y, x, c) = value;
  return apply_edit(view, std::move(edited));
}

namespace {
// A copy of `g` resized to h × w (same channels): the overlap kept, new cells zero.
Grid resized(const Grid& g, int h, int w) {
  Grid out(h, w, g.c, 0.0);
  for (int y = 0; y < std::min(h, g.h); ++y)
    for (int x = 0; x < std::min(w, g.w); ++x)
      for (int c = 0; c < g.c; ++c) out.at(y, x, c) = g.at(y, x, c);
  return out;
}
}  // namespace

std::string resize_input(LessonView& view, int h, int w) {
  if (h < 1 || w < 1 || h > 16 || w > 16) return "the input must be between 1×1 and 16×16";
  Lesson edited = view.lesson;
  edited.input = resized(edited.input, h, w);
  return apply_edit(view, std::move(edited));
}

std::string resize_kernel(LessonView& view, int op, int kh, int kw) {
  if (kh < 1 || kw < 1 || kh > 7 || kw > 7) return "the kernel must be between 1×1 and 7×7";
  Lesson edited = view.lesson;
  CNNLAB_ASSERT(op >= 0 && op < int(edited.ops.size()) && edited.ops[op].kind == Op::Kind::Conv,
                "resize_kernel: not a conv op");
  for (Grid& kernel : edited.ops[op].conv.kernels) kernel = resized(kernel, kh, kw);
  return apply_edit(view, std::move(edited));
}

std::string set_stride(LessonView& view, int op, int stride) {
  if (stride < 1) return "the stride must be at least 1";
  Lesson edited = view.lesson;
  CNNLAB_ASSERT(op >= 0 && op < int(edited.ops.size()), "set_stride: op out of range");
  Op& o = edited.ops[op];
  if (o.kind == Op::Kind::Conv)
    o.conv.stride = stride;
  else if (o.kind == Op::Kind::Pool)
    o.pool.stride = stride;
  else
    return "a ReLU has no stride";
  return apply_edit(view, std::move(edited));
}

std::string set_padding(LessonView& view, int op, GridPadding padding, int pad) {
  if (pad < 0) return "padding cannot be negative";
  Lesson edited = view.lesson;
  CNNLAB_ASSERT(op >= 0 && op < int(edited.ops.size()) && edited.ops[op].kind == Op::Kind::Conv,
                "set_padding: not a conv op");
  ConvOp& conv = edited.ops[op].conv;
  conv.padding = padding;
  if (padding == GridPadding::Explicit)
    conv.pad_top = conv.pad_left = conv.pad_bottom = conv.pad_right = pad;
  return apply_edit(view, std::move(edited));
}

std::string set_kernel_values(LessonView& view, int op, int kh, int kw,
                              const std::vector<double>& values) {
  CNNLAB_ASSERT(values.size() == size_t(kh) * size_t(kw),
                "set_kernel_values: need (kh, kw) values");
  Lesson edited = view.lesson;
  CNNLAB_ASSERT(op >= 0 && op < int(edited.ops.size()) && uses_kernel(edited.ops[op].kind),
                "set_kernel_values: not an op with a kernel");
  for (Grid& kernel : edited.ops[op].conv.kernels) {
    kernel = Grid(kh, kw, kernel.c, 0.0);
    for (int y = 0; y < kh; ++y)
      for (int x = 0; x < kw; ++x)
        for (int c = 0; c < kernel.c; ++c) kernel.at(y, x, c) = values[size_t(y * kw + x)];
  }
  return apply_edit(view, std::move(edited));
}

// [SECTION] presets and the photo kernel
// -------------------------------------------------------------

const KernelPreset kKernelPresets[] = {
    {"Identity", 3, {0, 0, 0, 0, 1, 0, 0, 0, 0}},
    {"Anti-diagonal", 3, {0, 0, 1, 0, 1, 0, 1, 0, 0}},
    {"Box blur", 3, {1, 1, 1, 1, 1, 1, 1, 1, 1}},
    {"Sharpen", 3, {0, -1, 0, -1, 5, -1, 0, -1, 0}},
    {"Sobel x", 3, {-1, 0, 1, -2, 0, 2, -1, 0, 1}},
    {"Sobel y", 3, {-1, -2, -1, 0, 0, 0, 1, 2, 1}},
    {"Edge", 3, {-1, -1, -1, -1, 8, -1, -1, -1, -1}},
};
const int kNumKernelPresets = int(sizeof kKernelPresets / sizeof kKernelPresets[0]);

PhotoKernel photo_kernel(const Lesson& lesson, int op) {
  PhotoKernel pk;
  if (op < 0 || op >= int(lesson.ops.size()) || !uses_kernel(lesson.ops[op].kind) ||
      lesson.ops[op].conv.kernels.empty()) {
    pk.k = 1;
    pk.values = {1.0f};  // nothing to apply: the photo as it is
    return pk;
  }
  const Grid& kernel = lesson.ops[op].conv.kernels[0];
  pk.k = std::max(kernel.h, kernel.w) | 1;  // odd, so the window has a centre pixel
  pk.values.assign(size_t(pk.k) * size_t(pk.k), 0.0f);
  int oy = (pk.k - kernel.h) / 2, ox = (pk.k - kernel.w) / 2;
  double sum = 0;
  for (int y = 0; y < kernel.h; ++y) {
    for (int x = 0; x < kernel.w; ++x) {
      double v = kernel.at(y, x, 0);
      pk.values[size_t((y + oy) * pk.k + x + ox)] = float(v);
      sum += v;
    }
  }
  pk.absolute = sum <= 1e-9;
  pk.gain = sum > 1e-9 ? float(1.0 / sum) : 1.0f;
  return pk;
}

}  // namespace cnnlab
