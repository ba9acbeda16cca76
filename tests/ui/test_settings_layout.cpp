// tests/ui/test_settings_layout.cpp — the settings file and the layout sidecar round-trip and forgive garbage.
#include <doctest/doctest.h>

#include "ui/layout_record.h"
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

  Settings g = parse_settings("font_scale = 99\nwindow_width = abc\nnonsense line\nfoo = 1\nwindow_height = 10\n");
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

}  // namespace cnnlab
