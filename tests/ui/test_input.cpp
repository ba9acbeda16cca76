// tests/ui/test_input.cpp — the keyboard (ui/key_queue.h, ui/shortcuts.cpp) against a headless App:
// every queued press applied in order, clicker keys, predict mode's answer box, and what Ctrl+S
// asks the window to export.
#include <doctest/doctest.h>

#include <string>

#include "test_tmp.h"
#include "ui/headless_app.h"
#include "ui/training/replay.h"

namespace cnnlab {

namespace {

using test::frame;
using test::Headless;
using test::key_event;
using test::press;
using test::shipped_lessons;
using test::type_text;

// The first lesson (course-example-1: 6×6 input, 3×3 kernel, 4×4 output), settled for a frame.
void open_first(App& app) {
  app_set_lessons(app, shipped_lessons());
  REQUIRE(app.view.lesson.id == "course-example-1");
  frame(app);
}

// Predict mode on and its answer box holding the keyboard (focus is taken the frame after it is
// asked).
void enter_predict(App& app) {
  press(app, GLFW_KEY_P);
  REQUIRE(app.view.predict);
  frame(app);
  REQUIRE(app.keyboard.answer_active);
}

}  // namespace

TEST_CASE("key queue: presses kept in order, bounded") {
  KeyQueue q;
  q.push({GLFW_KEY_RIGHT});
  q.push({GLFW_KEY_LEFT, true, true});
  std::vector<KeyEvent> got = q.take();
  REQUIRE(got.size() == 2);
  CHECK(got[0].key == GLFW_KEY_RIGHT);
  CHECK(got[1].key == GLFW_KEY_LEFT);
  CHECK(got[1].repeat);
  CHECK(got[1].shift);
  CHECK(q.take().empty());
  for (size_t i = 0; i < KeyQueue::kMaxEvents + 10; ++i) q.push({GLFW_KEY_RIGHT});
  CHECK(q.events.size() == KeyQueue::kMaxEvents);
}

TEST_CASE("input: five quick Right taps between two frames are five steps") {
  App app;
  Headless h(app);
  open_first(app);
  for (int i = 0; i < 5;
       ++i) {  // press and release before the next frame: io.KeysDown never sees them
    key_event(app, GLFW_KEY_RIGHT, true);
    key_event(app, GLFW_KEY_RIGHT, false);
  }
  frame(app);
  CHECK(app.view.step == 5);
  // In order: →, →, ←, Shift+→ (a row down: +4), End.
  for (int key : {GLFW_KEY_RIGHT, GLFW_KEY_RIGHT, GLFW_KEY_LEFT})
    key_event(app, key, true), key_event(app, key, false);
  key_event(app, GLFW_KEY_RIGHT, true, true);
  key_event(app, GLFW_KEY_RIGHT, false);
  frame(app);
  CHECK(app.view.step == 10);
  app.keyboard.queue.push({GLFW_KEY_RIGHT, true});  // the OS's key repeat while → is held steps too
  frame(app);
  CHECK(app.view.step == 11);
}

TEST_CASE("input: presenter clicker keys (PageDown/PageUp) and Enter/Backspace step like →/←") {
  App app;
  Headless h(app);
  open_first(app);
  press(app, GLFW_KEY_PAGE_DOWN);
  CHECK(app.view.step == 1);
  press(app, GLFW_KEY_PAGE_DOWN);
  CHECK(app.view.step == 2);
  press(app, GLFW_KEY_PAGE_UP);
  CHECK(app.view.step == 1);
  press(app, GLFW_KEY_ENTER);
  CHECK(app.view.step == 2);
  press(app, GLFW_KEY_BACKSPACE);
  CHECK(app.view.step == 1);
  app.presentation = true;  // the clicker works in presentation mode too
  press(app, GLFW_KEY_PAGE_DOWN);
  CHECK(app.view.step == 2);
  press(app, GLFW_KEY_ESCAPE);  // Esc leaves presentation mode (clickers send it for "stop")
  CHECK_FALSE(app.presentation);
}

TEST_CASE(
    "input: predict mode: digits go to the answer; ←/→, P, Space and Esc keep their meaning") {
  App app;
  Headless h(app);
  open_first(app);
  enter_predict(app);
  type_text("1p 2");  // P and Space are not part of a number: only the digits land in the box
  frame(app);
  CHECK(app.view.answer == "12");
  CHECK(app.view.predict);
  CHECK_FALSE(app.view.playing);

  press(app, GLFW_KEY_LEFT);  // at the first step ← cannot move: the answer stays
  CHECK(app.view.step == 0);
  CHECK(app.view.answer == "12");
  press(app, GLFW_KEY_RIGHT);  // the step moves: that cell's answer is discarded, the next cell's
                               // box is empty
  CHECK(app.view.step == 1);
  CHECK(app.view.answer.empty());
  frame(app);
  REQUIRE(app.keyboard.answer_active);
  type_text("-1.5");
  frame(app);
  CHECK(app.view.answer == "-1.5");
  press(app, GLFW_KEY_LEFT);
  CHECK(app.view.step == 0);

  press(app, GLFW_KEY_SPACE);  // Space plays even while the box has the keyboard
  CHECK(app.view.playing);
  press(app, GLFW_KEY_SPACE);
  CHECK_FALSE(app.view.playing);

  frame(app);
  REQUIRE(app.keyboard.answer_active);
  press(app, GLFW_KEY_P);  // P leaves predict mode from the box
  CHECK_FALSE(app.view.predict);
  enter_predict(app);
  press(app, GLFW_KEY_ESCAPE);  // so does Esc
  CHECK_FALSE(app.view.predict);
  CHECK_FALSE(app.keyboard.answer_active);
}

TEST_CASE(
    "input: a quick '3' + Enter in one frame checks 3 (Enter does not step in the answer box)") {
  App app;
  Headless h(app);
  open_first(app);
  enter_predict(app);
  double truth = app.view.stepper->step(0).result;
  type_text(format_number(truth));
  key_event(app, GLFW_KEY_ENTER, true);
  key_event(app, GLFW_KEY_ENTER, false);
  frame(app);
  CHECK(app.view.step == 0);
  CHECK(app.view.predictions[0].answered);
  CHECK(app.view.score_right == 1);
  CHECK(app.view.score_total == 1);
  frame(app);
  CHECK_FALSE(app.keyboard.answer_active);  // revealed: no box
  press(app, GLFW_KEY_ENTER);               // now Enter is "next", as the clicker's flow wants
  CHECK(app.view.step == 1);
}

TEST_CASE("input: the lesson's keys (steps, Space, P) do nothing while the Training tab is shown") {
  App app;
  Headless h(app);
  open_first(app);
  app.workspace = Workspace::Training;
  for (int key : {GLFW_KEY_PAGE_DOWN, GLFW_KEY_RIGHT, GLFW_KEY_SPACE, GLFW_KEY_P})
    app.keyboard.queue.push({key});
  handle_shortcuts(app);  // no frame: a frame would draw the Lessons tab, the one selected
  CHECK(app.view.step == 0);
  CHECK_FALSE(app.view.playing);
  CHECK_FALSE(app.view.predict);
}

TEST_CASE(
    "export: Ctrl+S asks for the slide; Ctrl+Shift+S and the menu option for the whole window") {
  App app;
  Headless h(app);
  test::TempDir tmp("input_export");
  app.settings.export_dir = tmp.path().string();
  std::string dir = tmp / "course-example-1";
  open_first(app);
  press(app, GLFW_KEY_RIGHT);
  key_event(app, GLFW_KEY_S, true, false,
            true);  // Ctrl+S, then Ctrl+Shift+S, before one frame: both kept
  key_event(app, GLFW_KEY_S, true, true, true);
  frame(app);
  REQUIRE(app.requests.exports.size() == 2);
  CHECK(app.requests.exports[0].path == dir + "/course-example-1-step-2.png");
  CHECK_FALSE(app.requests.exports[0].whole_window);
  CHECK(app.requests.exports[1].path == dir + "/course-example-1-step-2-window.png");
  CHECK(app.requests.exports[1].whole_window);
  app.requests = AppRequests{};
  app.export_whole_window = true;
  request_export(app);
  REQUIRE(app.requests.exports.size() == 1);
  CHECK(app.requests.exports[0].whole_window);
}

TEST_CASE("idle: the window animates only while Play runs, waking for its next step") {
  App app;
  Headless h(app);
  open_first(app);
  CHECK_FALSE(app_animating(app));
  press(app, GLFW_KEY_SPACE);
  CHECK(app_animating(app));
  app.settings.play_speed = 2.0f;  // a step every 0.5 s
  app.view.play_accumulator = 0.0;
  CHECK(app_animation_wait(app) == doctest::Approx(0.25));  // at most a quarter second
  app.view.play_accumulator = 0.375;
  CHECK(app_animation_wait(app) == doctest::Approx(0.125));  // the step is due in 0.125 s
  app.view.play_accumulator = 0.499;
  CHECK(app_animation_wait(app) ==
        doctest::Approx(1.0 / 60.0));  // never shorter than a 60 Hz frame
  press(app, GLFW_KEY_SPACE);
  CHECK_FALSE(app_animating(app));
}

TEST_CASE("export: in the Training tab Ctrl+S asks for the focused panel (the curves when none)") {
  App app;
  Headless h(app);
  test::TempDir tmp("input_export");
  app.settings.export_dir = tmp.path().string();
  app.training = std::make_unique<TrainingUi>();  // no worker: nothing trains
  app.training->export_dir = export_dir(app);
  app.workspace = Workspace::Training;
  request_export(app);
  CHECK(app.training->export_panel == "curves");
  CHECK(app.training->export_path.rfind(tmp / "training/curves-", 0) == 0);
  CHECK(app.requests.exports.empty());
  app.training->focused_panel = "maps";
  request_export(app);
  CHECK(app.training->export_panel == "maps");
  request_export(app, true);  // the whole window instead
  REQUIRE(app.requests.exports.size() == 1);
  CHECK(app.requests.exports[0].whole_window);
  CHECK(app.requests.exports[0].path.rfind(tmp / "training/window-", 0) == 0);
}

TEST_CASE(
    "input: on the Training tab F5 shows one panel, clicker keys and arrows cycle, Esc leaves") {
  App app;
  Headless h(app);
  open_first(app);
  app.training = std::make_unique<TrainingUi>();  // no worker: nothing trains
  app.workspace = Workspace::Training;
  const std::vector<std::string>& panels = training_focus_panels();
  REQUIRE(panels.size() >= 3);
  for (int key :
       {GLFW_KEY_F5, GLFW_KEY_PAGE_DOWN, GLFW_KEY_PAGE_DOWN, GLFW_KEY_PAGE_UP, GLFW_KEY_RIGHT})
    app.keyboard.queue.push({key});
  handle_shortcuts(app);  // all five in one frame, in order: panel 0 → 1 → 2 → 1 → 2
  CHECK(training_focus_name(*app.training) == panels[2]);
  CHECK_FALSE(app.presentation);  // F5 here is the panel view, not the lesson's presentation
  CHECK(app.view.step == 0);      // nor did the lesson step
  app.keyboard.queue.push({GLFW_KEY_ESCAPE});
  handle_shortcuts(app);
  CHECK_FALSE(training_focus_active(*app.training));
}

}  // namespace cnnlab

namespace cnnlab {

TEST_CASE("input: on the Training tab [ and ] step the time-lapse, Home the first, End live") {
  App app;
  Headless h(app);
  app.training = std::make_unique<TrainingUi>();  // no worker: the record is set by hand
  auto snap = std::make_shared<Snapshot>();
  TimelapsePtr t;
  for (int e = 0; e <= 3; ++e) {
    TimelapseFrame f;
    f.epoch = e;
    t = timelapse_append(t, f);
  }
  snap->timelapse = t;
  app.training->snap = snap;
  app.workspace = Workspace::Training;
  TrainingUi& ui = *app.training;
  auto keys = [&](std::initializer_list<int> ks) {  // pressed within one frame, in order
    for (int k : ks) app.keyboard.queue.push({k});
    handle_shortcuts(app);
  };
  keys({GLFW_KEY_LEFT_BRACKET});  // from live: the last recorded epoch
  CHECK(ui.replay.frame == 3);
  keys({GLFW_KEY_LEFT_BRACKET, GLFW_KEY_LEFT_BRACKET});
  CHECK(ui.replay.frame == 1);
  keys({GLFW_KEY_HOME, GLFW_KEY_RIGHT_BRACKET});
  CHECK(ui.replay.frame == 1);
  CHECK(app.view.step == 0);  // Home was the time-lapse's, not the lesson's
  keys({GLFW_KEY_END});
  CHECK(ui.replay.frame == -1);
  CHECK_FALSE(replaying(ui));
}

}  // namespace cnnlab
