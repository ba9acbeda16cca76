// ui/lesson/lesson_view.h — the lesson being shown: working copy, stepper, step position, predict
// mode, edits. No ImGui here, so the logic is tested directly (tests/ui/test_lesson_view.cpp).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "lesson/lesson.h"
#include "lesson/stepper.h"

namespace cnnlab {

struct Prediction {
  bool answered = false, right = false;
  double value = 0;  // what the student typed
};

struct LessonView {
  Lesson original;                   // as loaded from its file ("reset lesson" restores it)
  Lesson lesson;                     // the working copy the student edits
  std::unique_ptr<Stepper> stepper;  // recomputed once per edit, never per frame
  // Per step, its tape's lines (recomputed with the stepper): the view sizes the tape area for the
  // longest step so the grids do not jump while stepping.
  std::vector<std::vector<std::string>> tape_lines;
  int step = 0;  // 0 ≤ step < num_steps: cells 0..step are computed
  bool playing = false;
  double play_accumulator = 0;  // seconds since the last automatic step
  int hover_step = -1;          // output cell under the mouse this frame, or -1

  bool predict = false;                 // predict-then-reveal mode
  std::vector<Prediction> predictions;  // one per step
  int score_right = 0, score_total = 0;
  std::string answer;    // the value being typed
  std::string feedback;  // "✓ Right: …" / "✗ Not quite: …"
  bool feedback_right = false;

  std::string edit_problem;     // why the last edit was refused ("" when it was applied)
  std::string edit_problem_at;  // which control it came from, to show the reason beside it

  bool loaded() const { return stepper != nullptr; }
  int num_steps() const { return stepper ? stepper->num_steps() : 0; }
};

// Opens `lesson` at its first step (clears edits, predictions and score).
void open_lesson(LessonView& view, const Lesson& lesson);
// Restores the file's values; keeps predict mode on/off.
void reset_lesson(LessonView& view);

// Navigation. Each clamps to [0, num_steps − 1] and stops playback except advance_play.
void step_next(LessonView& view);
void step_prev(LessonView& view);
void step_first(LessonView& view);
void step_last(LessonView& view);
void step_to(LessonView& view, int step);
// Same column one output row down (up); past the last (first) row, to the next (previous) block.
void step_next_row(LessonView& view);
void step_prev_row(LessonView& view);
// Playback: advances one step every 1/speed seconds of `dt`; stops at the last step.
void advance_play(LessonView& view, double dt, double speed);

// Predict mode. The current step's output cell stays hidden until answered.
void set_predict(LessonView& view, bool on);
// Parses `text` as a number and scores it against the current step's result (within 0.005,
// so "0.33" counts for 1/3). Returns false (and sets feedback) when `text` is not a number.
bool submit_prediction(LessonView& view, const std::string& text);
// Whether output cell (y, x, c) of op `op` shows its value: computed by step `view.step`, and in
// predict mode not the current, still unanswered step.
bool cell_revealed(const LessonView& view, int op, int y, int x, int c);
// Whether the current step's result may be shown (tape "= …", output cell).
bool current_revealed(const LessonView& view);

// Edits of the working copy. Each builds an edited copy, checks it (check_lesson) and, if it can
// run, adopts it: stepper rebuilt, step clamped, predictions cleared. Otherwise the view is
// unchanged and the problem is returned ("" on success).
std::string apply_edit(LessonView& view, Lesson edited);
int first_conv_op(const Lesson& lesson);  // the first op with a kernel (conv, backward W), or -1
std::string edit_input_cell(LessonView& view, int y, int x, int c, double value);
std::string toggle_input_cell(LessonView& view, int y, int x, int c);  // 0 ↔ 1
std::string edit_kernel_cell(LessonView& view, int op, int k, int y, int x, int c, double value);
std::string resize_input(LessonView& view, int h, int w);  // keeps the overlap, zeros elsewhere
std::string resize_kernel(LessonView& view, int op, int kh, int kw);
std::string set_stride(LessonView& view, int op, int stride);  // conv or pool op
std::string set_padding(LessonView& view, int op, GridPadding padding,
                        int pad);  // pad: Explicit only
std::string set_kernel_values(LessonView& view, int op, int kh, int kw,
                              const std::vector<double>& values);

// A preset kernel for the photo view and the grids: name and (k, k) values, row-major.
struct KernelPreset {
  const char* name;
  int k;
  double values[9];
};
extern const KernelPreset kKernelPresets[];
extern const int kNumKernelPresets;

// The kernel the photo view applies: op `op`'s first output channel, input channel 0, embedded
// in an odd square (centre-aligned). gain = 1/Σ when Σ > 0 (averaging kernels keep brightness),
// else 1, and absolute = Σ ≤ 0 (edge detectors: show |response|).
struct PhotoKernel {
  std::vector<float> values;  // (k, k)
  int k = 0;
  float gain = 1;
  bool absolute = false;
};
PhotoKernel photo_kernel(const Lesson& lesson, int op);

}  // namespace cnnlab
