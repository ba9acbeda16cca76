// tests/ui/test_smoke.cpp — headless ImGui (no GPU, no backend): every panel of every lesson in
// every mode for a few frames (ImGui's asserts catch Begin/End mismatches), plus keys, hover and
// clicks.
#include <doctest/doctest.h>

#include <string>

#include "core/log.h"
#include "ui/headless_app.h"

namespace cnnlab {

namespace {

using test::frame;
using test::Headless;
using test::press;
using test::shipped_lessons;

const LayoutGrid* find_grid(const LayoutRecord& l, const std::string& name) {
  for (const LayoutGrid& g : l.grids)
    if (g.name == name) return &g;
  return nullptr;
}

ImVec2 cell_centre(const LayoutGrid& g, int row, int col) {
  return ImVec2(g.x0 + (float(col) + 0.5f) * g.cell, g.y0 + (float(row) + 0.5f) * g.cell);
}

}  // namespace

TEST_CASE("smoke: every lesson, every mode, every step kind draws without ImGui errors") {
  struct Mode {
    const char* name;
    float scale;
    bool presentation, predict, dark;
    ImVec2 size;
  };
  const Mode modes[] = {{"wide", 1.0f, false, false, false, {1920, 1080}},
                        {"presentation", 1.0f, true, false, false, {1920, 1080}},
                        {"predict", 1.0f, false, true, false, {1920, 1080}},
                        {"dark", 1.0f, false, false, true, {1280, 720}},
                        {"compact x2", 2.0f, false, true, false, {1920, 1080}},
                        {"tiny window x4", 4.0f, false, false, false, {800, 600}}};
  std::vector<Lesson> lessons = shipped_lessons();
  for (const Mode& m : modes) {
    CAPTURE(m.name);
    App app;
    app.settings.high_contrast = !m.dark;
    Headless h(app, m.scale, m.size);
    app_set_lessons(app, lessons);
    app.presentation = m.presentation;
    for (int i = 0; i < int(app.lessons.size()); ++i) {
      CAPTURE(app.lessons[size_t(i)].id);
      select_lesson(app, i);
      set_predict(app.view, m.predict);
      // First, a middle and the last step: conv, pool and ReLU steps all get drawn.
      for (int k : {0, app.view.num_steps() / 2, app.view.num_steps() - 1}) {
        step_to(app.view, k);
        frame(app);
        frame(app);
      }
    }
  }
}

TEST_CASE("smoke: keyboard shortcuts step, play, predict and scale") {
  App app;
  Headless h(app);
  app_set_lessons(app, shipped_lessons());
  REQUIRE(app.view.loaded());
  REQUIRE(app.view.lesson.id == "course-example-1");  // the first lesson by order
  frame(app);
  press(app, GLFW_KEY_RIGHT);
  CHECK(app.view.step == 1);
  press(app, GLFW_KEY_RIGHT, true);  // Shift+→: one output row down
  CHECK(app.view.step == 5);
  press(app, GLFW_KEY_LEFT);
  CHECK(app.view.step == 4);
  press(app, GLFW_KEY_END);
  CHECK(app.view.step == app.view.num_steps() - 1);
  press(app, GLFW_KEY_HOME);
  CHECK(app.view.step == 0);
  press(app, GLFW_KEY_SPACE);
  CHECK(app.view.playing);
  press(app, GLFW_KEY_SPACE);
  CHECK_FALSE(app.view.playing);
  press(app, GLFW_KEY_P);
  CHECK(app.view.predict);
  press(app, GLFW_KEY_EQUAL, false, true);  // Ctrl+=
  CHECK(app.settings.font_scale == doctest::Approx(1.25f));
  CHECK(app.requests.rebuild_fonts);
  press(app, GLFW_KEY_0, false, true);
  CHECK(app.settings.font_scale == doctest::Approx(1.0f));
  press(app, GLFW_KEY_F5);
  CHECK(app.presentation);
}

TEST_CASE("smoke: hovering an output cell shows its step; clicking a 0/1 input cell toggles it") {
  App app;
  Headless h(app);
  app_set_lessons(app, shipped_lessons());
  app.record_layout = true;
  step_to(app.view, 10);
  frame(app);
  const LayoutGrid* out = find_grid(app.layout, "out0.c0");
  const LayoutGrid* in = find_grid(app.layout, "input.c0");
  REQUIRE(out != nullptr);
  REQUIRE(in != nullptr);
  CHECK(out->rows == 4);
  CHECK(in->rows == 6);
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = cell_centre(*out, 0, 1);  // step 1, already computed
  frame(app);
  CHECK(app.view.hover_step == 1);
  frame(app);
  CHECK(app.view.step == 10);             // hovering never moves the step
  io.MousePos = cell_centre(*out, 3, 3);  // not computed yet: no hover
  frame(app);
  CHECK(app.view.hover_step == -1);

  double before = app.view.lesson.input.at(2, 2);
  io.MousePos = cell_centre(*in, 2, 2);
  frame(app);
  io.MouseDown[0] = true;
  frame(app);
  io.MouseDown[0] = false;
  frame(app);
  CHECK(app.view.lesson.input.at(2, 2) == 1.0 - before);
  CHECK(app.view.step == 10);
}

TEST_CASE("smoke: clicking a non-binary input cell opens the number popup") {
  App app;
  Headless h(app);
  std::vector<Lesson> lessons = shipped_lessons();
  app_set_lessons(app, lessons);
  int rgb = -1;
  for (int i = 0; i < int(app.lessons.size()); ++i)
    if (app.lessons[size_t(i)].input.c == 3) rgb = i;
  REQUIRE(rgb >= 0);
  select_lesson(app, rgb);
  app.record_layout = true;
  frame(app);
  const LayoutGrid* in = find_grid(app.layout, "input.c0");
  REQUIRE(in != nullptr);
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = cell_centre(*in, in->pad_top, in->pad_left);
  frame(app);
  io.MouseDown[0] = true;
  frame(app);
  io.MouseDown[0] = false;
  frame(app);
  CHECK(app.cell_edit.popup_open);
  CHECK_FALSE(app.cell_edit.kernel);
  press(app, GLFW_KEY_RIGHT);  // keys belong to the popup while it is open
  CHECK(app.view.step == 0);
}

TEST_CASE("smoke: a backward lesson's kernel cell toggles on click and the gradients recompute") {
  App app;
  Headless h(app);
  app_set_lessons(app, shipped_lessons());
  int sgd = -1;
  for (int i = 0; i < int(app.lessons.size()); ++i)
    if (app.lessons[size_t(i)].id == "sgd-step") sgd = i;
  REQUIRE(sgd >= 0);
  select_lesson(app, sgd);
  app.record_layout = true;
  frame(app);
  const LayoutGrid* kernel = find_grid(app.layout, "kernel0.k0.c0");
  REQUIRE(kernel != nullptr);
  double loss = app.view.stepper->backward(0)->new_loss;
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = cell_centre(*kernel, 0, 0);
  frame(app);
  io.MouseDown[0] = true;
  frame(app);
  io.MouseDown[0] = false;
  frame(app);
  CHECK(app.view.lesson.ops[0].conv.kernels[0].at(0, 0) == 1);  // 0 → 1
  CHECK(app.view.stepper->backward(0)->new_loss != loss);
  frame(app);
}

TEST_CASE("smoke: a malformed lesson file is an error in the log panel; the others still load") {
  global_log().clear();
  App app;
  Headless h(app);
  app_load_lessons(app, std::string(CNNLAB_SOURCE_DIR) + "/tests/lesson/data/bad", "");
  bool named = false;
  for (const LogEntry& e : global_log().entries()) {
    named |= e.level == LogLevel::Error && e.text.find("stride_zero.toml:9:") != std::string::npos;
  }
  CHECK(named);
  CHECK(find_lesson(app.lessons, "still-loads") != nullptr);
  CHECK(app.view.loaded());
  frame(app);  // the log panel draws the errors
  frame(app);
  CHECK(app.log_seen == global_log().size());
}

}  // namespace cnnlab
