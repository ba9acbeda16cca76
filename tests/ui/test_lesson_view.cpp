// tests/ui/test_lesson_view.cpp — stepping, predict mode, edits and presets of the lesson on
// screen.
#include <doctest/doctest.h>

#include "lesson/lesson.h"
#include "ui/lesson/lesson_view.h"

namespace cnnlab {

// The course's first example, built in code: 6×6 0/1 input ⊛ anti-diagonal 3×3 → 4×4, then
// 2×2 max pool stride 2 → 2×2. 16 conv steps then 4 pool steps.
Lesson course_example_1() {
  Lesson l;
  l.id = "t1";
  l.title = "test";
  const int in[6][6] = {{0, 0, 0, 0, 0, 0}, {0, 0, 0, 1, 0, 0}, {1, 1, 1, 0, 0, 1},
                        {0, 1, 0, 0, 1, 0}, {0, 0, 0, 1, 0, 0}, {0, 0, 1, 0, 0, 0}};
  l.input = Grid(6, 6, 1);
  for (int y = 0; y < 6; ++y)
    for (int x = 0; x < 6; ++x) l.input.at(y, x) = in[y][x];
  l.binary_input = true;
  Op conv;
  conv.kind = Op::Kind::Conv;
  Grid k(3, 3, 1);
  k.at(0, 2) = k.at(1, 1) = k.at(2, 0) = 1;
  conv.conv.kernels = {k};
  conv.conv.bias = {0.0};
  Op pool;
  pool.kind = Op::Kind::Pool;
  l.ops = {conv, pool};
  l.expected.resize(2);
  REQUIRE(check_lesson(l) == "");
  return l;
}

TEST_CASE("lesson view: navigation clamps and moves by rows across ops") {
  LessonView v;
  open_lesson(v, course_example_1());
  REQUIRE(v.num_steps() == 20);
  step_prev(v);
  CHECK(v.step == 0);
  step_last(v);
  CHECK(v.step == 19);
  step_next(v);
  CHECK(v.step == 19);
  step_first(v);
  step_next(v);  // conv cell (0, 1)
  step_next_row(v);
  CHECK(v.step == 5);  // (1, 1): one row of 4 further
  step_to(v, 14);      // (3, 2), the last row
  step_next_row(v);
  CHECK(v.step == 16);  // past the last row: the pool's first cell
  step_prev_row(v);     // pool (0, 0) is the start of its first row: back one cell
  CHECK(v.step == 15);
  step_prev_row(v);  // conv (3, 3) → (2, 3)
  CHECK(v.step == 11);
}

TEST_CASE("lesson view: playback advances one step per period and stops at the end") {
  LessonView v;
  open_lesson(v, course_example_1());
  v.playing = true;
  advance_play(v, 0.4, 2.0);  // period 0.5 s: not yet
  CHECK(v.step == 0);
  advance_play(v, 0.7, 2.0);  // 1.1 s in total: two steps
  CHECK(v.step == 2);
  advance_play(v, 100.0, 2.0);
  CHECK(v.step == 19);
  CHECK_FALSE(v.playing);
}

TEST_CASE("lesson view: predict mode hides the current cell until answered and keeps score") {
  LessonView v;
  open_lesson(v, course_example_1());
  set_predict(v, true);
  step_to(v, 5);  // conv (1, 1) = 0×0+0×0+1×1+1×0+1×1+0×0+1×1+0×0+0×0 = 3
  CHECK_FALSE(current_revealed(v));
  CHECK_FALSE(cell_revealed(v, 0, 1, 1, 0));
  CHECK(cell_revealed(v, 0, 1, 0, 0));        // earlier cells stay visible
  CHECK_FALSE(cell_revealed(v, 0, 1, 2, 0));  // later ones are not computed yet
  CHECK_FALSE(submit_prediction(v, "three"));
  CHECK(v.score_total == 0);
  CHECK(submit_prediction(v, " 2 "));
  CHECK_FALSE(v.feedback_right);
  CHECK(v.feedback.find("it is 3") != std::string::npos);
  CHECK(current_revealed(v));
  CHECK(submit_prediction(v, "3"));  // a second answer does not count again
  CHECK(v.score_right == 0);
  CHECK(v.score_total == 1);
  step_next(v);                          // conv (1, 2) = 0
  CHECK(submit_prediction(v, "0.001"));  // within 0.005
  CHECK(v.feedback_right);
  CHECK(v.score_right == 1);
  CHECK(v.score_total == 2);
}

TEST_CASE("lesson view: edits recompute, impossible edits leave the lesson alone, reset restores") {
  LessonView v;
  open_lesson(v, course_example_1());
  step_to(v, 19);
  CHECK(v.stepper->outputs()[0].at(0, 0) == 1);
  // Output (0, 0) = input (0,2)·1 + (1,1)·1 + (2,0)·1 = 0 + 0 + 1. Flip input (2, 0) to 0.
  CHECK(toggle_input_cell(v, 2, 0, 0) == "");
  CHECK(v.lesson.input.at(2, 0) == 0);
  CHECK(v.stepper->outputs()[0].at(0, 0) == 0);
  CHECK(v.step == 19);                     // still valid: kept
  CHECK(resize_kernel(v, 0, 7, 7) != "");  // 7×7 does not fit a 6×6 input
  CHECK(v.lesson.ops[0].conv.kh() == 3);
  // Stride 2: conv ⌊(6 − 3) / 2⌋ + 1 = 2 → 2×2, pool → 1×1: 5 steps; the step is clamped.
  CHECK(set_stride(v, 0, 2) == "");
  CHECK(v.num_steps() == 5);
  CHECK(v.step == 4);
  CHECK(set_padding(v, 0, GridPadding::Same, 0) == "");
  CHECK(v.stepper->outputs()[0].h == 3);  // ceil(6 / 2)
  CHECK(resize_input(v, 4, 5) == "");
  CHECK(v.lesson.input.h == 4);
  CHECK(v.lesson.input.w == 5);
  reset_lesson(v);
  CHECK(v.num_steps() == 20);
  CHECK(v.lesson.input.at(2, 0) == 1);
  CHECK(v.step == 0);
}

// The tape's lines per step, kept for the stage to size the tape area as ImGui wraps it.
TEST_CASE("lesson view: every step's tape lines are kept, and rebuilt with each edit") {
  LessonView v;
  open_lesson(v, course_example_1());
  REQUIRE(v.tape_lines.size() == 20);
  // Step 1: output (0, 0), the window on input rows/cols 0–2 against the anti-diagonal kernel.
  REQUIRE(v.tape_lines[0].size() == 1);
  CHECK(v.tape_lines[0][0] == v.stepper->step(0).tape);
  CHECK(v.tape_lines[0][0].find(" = 1") != std::string::npos);
  CHECK(set_stride(v, 0, 2) == "");
  CHECK(v.tape_lines.size() == 5);
}

// A refused edit's reason is kept for the panel to show beside the control; opening a lesson
// (another, or the same one again) forgets it.
TEST_CASE("lesson view: opening a lesson forgets a refused edit's reason") {
  LessonView v;
  open_lesson(v, course_example_1());
  v.edit_problem = "input too small for the pool";
  v.edit_problem_at = "input";
  open_lesson(v, course_example_1());
  CHECK(v.edit_problem.empty());
  CHECK(v.edit_problem_at.empty());
}

TEST_CASE(
    "lesson view: presets set the kernel; the photo kernel's gain and display follow its sum") {
  LessonView v;
  open_lesson(v, course_example_1());
  PhotoKernel anti = photo_kernel(v.lesson, 0);
  CHECK(anti.k == 3);
  CHECK(anti.gain == doctest::Approx(1.0 / 3.0));
  CHECK_FALSE(anti.absolute);
  CHECK(anti.values[2] == 1.0f);
  for (int i = 0; i < kNumKernelPresets; ++i) {
    const KernelPreset& p = kKernelPresets[i];
    std::vector<double> values(p.values, p.values + p.k * p.k);
    CHECK(set_kernel_values(v, 0, p.k, p.k, values) == "");
    PhotoKernel pk = photo_kernel(v.lesson, 0);
    double sum = 0;
    for (double x : values) sum += x;
    CHECK(pk.absolute == (sum <= 0));  // Sobel x/y and Edge sum to 0
  }
  // A 2×2 kernel sits in the top-left of a 3×3 square for the shader.
  CHECK(resize_kernel(v, 0, 2, 2) == "");
  PhotoKernel even = photo_kernel(v.lesson, 0);
  CHECK(even.k == 3);
  CHECK(even.values.size() == 9);
}

}  // namespace cnnlab
