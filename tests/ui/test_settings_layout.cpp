// tests/ui/test_settings_layout.cpp — the settings file and the layout sidecar round-trip and
// forgive garbage; the lesson stage's planner puts grids, tape and controls where the grids get the
// largest cells.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>

#include "ui/layout_record.h"
#include "ui/lesson/stage_layout.h"
#include "ui/settings.h"

namespace cnnlab {

TEST_CASE("settings: round trip, clamping, unknown keys and garbage ignored") {
  Settings s;
  s.window_width = 1280;
  s.window_height = 720;
  s.font_scale = 1.5f;
  s.last_lesson = "same-\"padding\"";
  s.high_contrast = false;
  s.play_speed = 3.0f;
  Settings r = parse_settings(format_settings(s));
  CHECK(r.window_width == 1280);
  CHECK(r.window_height == 720);
  CHECK(r.font_scale == doctest::Approx(1.5f));
  CHECK(r.last_lesson == "same-\"padding\"");
  CHECK_FALSE(r.high_contrast);
  CHECK(r.play_speed == doctest::Approx(3.0f));

  Settings g = parse_settings(
      "font_scale = 99\nwindow_width = abc\nnonsense line\nfoo = 1\nwindow_height = 10\n");
  CHECK(g.font_scale == kMaxFontScale);
  CHECK(g.window_width == Settings{}.window_width);
  CHECK(g.window_height == 400);
}

TEST_CASE("layout record: text round trip") {
  LayoutRecord l;
  l.width = 1920;
  l.height = 1080;
  l.lesson = "course-example-1";
  l.step = 6;
  l.grids.push_back({"input.c0", 10.5f, 20.0f, 60.0f, 6, 6, 0, 0});
  l.cells.push_back({"input.c0", 1, 2, "window"});
  l.rects.push_back({"tape", 1, 2, 3, 4});
  LayoutRecord r = parse_layout(format_layout(l));
  CHECK(r.width == 1920);
  CHECK(r.lesson == "course-example-1");
  CHECK(r.step == 6);
  REQUIRE(r.grids.size() == 1);
  CHECK(r.grids[0].x0 == doctest::Approx(10.5f));
  CHECK(r.grids[0].rows == 6);
  REQUIRE(r.cells.size() == 1);
  CHECK(r.cells[0].state == "window");
  REQUIRE(r.rects.size() == 1);
  CHECK(r.rects[0].y1 == doctest::Approx(4.0f));
}

// The stage planner (ui/lesson/stage_layout.h), with a stand-in for the grids: square cells,
// `cols` wide and `rows` tall, as large as the area allows.
namespace {

std::function<float(float, float)> grids(float cols, float rows) {
  return [cols, rows](float w, float h) { return std::min(w / cols, h / rows); };
}

// 1280×720 at zoom 2, presentation mode (pixel values measured from the app): a 36 px text line,
// 16 px gaps, a one-line tape, a one-line formula, controls as 2 rows of labels / 1 of icons.
StageNeeds projector_zoom2() {
  StageNeeds n;
  n.width = 1248;
  n.height = 688;
  n.spacing = 16;
  n.header = 36;
  n.tape = n.strip_tape = 42;
  n.below = n.strip_below = 64;
  n.controls_long = 128;
  n.controls_short = 56;
  n.strip_width = 90;
  n.presentation = true;
  return n;
}

}  // namespace

TEST_CASE("stage layout: flow_rows wraps items that do not fit") {
  CHECK(flow_rows({}, 10, 100) == 0);
  CHECK(flow_rows({40, 40}, 10, 100) == 1);      // 40 + 10 + 40 = 90
  CHECK(flow_rows({40, 40, 40}, 10, 100) == 2);  // the third starts a row
  CHECK(flow_rows({150, 20}, 10, 100) == 2);     // too wide alone: a row of its own
}

TEST_CASE("stage layout: height-bound grids on a projector take the strip and drop the step line") {
  StageNeeds n = projector_zoom2();
  StagePlan p = plan_stage(n, grids(13, 6.5f));  // conv focus: 13 columns, 6 rows + title
  CHECK(p.strip);
  CHECK_FALSE(p.header);
  // Everything below the grids fits: grids + tape + formula + 3 gaps = the height.
  CHECK(p.grid_h == doctest::Approx(688 - 42 - 64 - 3 * 16));
  CHECK(p.grid_w == doctest::Approx(1248 - 90 - 16));
  CHECK(p.cell == doctest::Approx(std::min(1142.0f / 13, 534.0f / 6.5f)));
}

TEST_CASE("stage layout: outside presentation mode the step line stays") {
  StageNeeds n = projector_zoom2();
  n.presentation = false;
  StagePlan p = plan_stage(n, grids(13, 6.5f));
  CHECK(p.header);
  CHECK(p.grid_h + 36 + 16 + 42 + 64 + 3 * 16 <= 688 + 0.01f);
}

TEST_CASE("stage layout: width-bound grids keep the controls as rows of labels under them") {
  StageNeeds n = projector_zoom2();
  n.presentation = false;
  StagePlan p = plan_stage(n, grids(30, 3));  // a wide, flat stage: width decides the cell
  CHECK_FALSE(p.strip);
  CHECK_FALSE(p.short_labels);  // a tie: the first arrangement, labels with their keys
  CHECK(p.cell == doctest::Approx(1248.0f / 30));
}

TEST_CASE(
    "stage layout: a stage too small for anything gives a zero grid area, never a negative one") {
  StageNeeds n = projector_zoom2();
  n.height = 100;
  StagePlan p = plan_stage(n, grids(13, 6));
  CHECK(p.grid_h == 0);
  CHECK(p.cell == 0);
}

}  // namespace cnnlab
