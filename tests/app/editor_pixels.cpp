// tests/app/editor_pixels.cpp — the model editor's pixels: `cnnlab screenshot --panel editor` draws
// the editor where the layout says, in place of the Training panels, with the parameter budget's
// colours (the biggest layer's segment) at 1920×1080, and inside the window at 1280×720 text ×2.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/fileio.h"
#include "data/image.h"
#include "pixel_shot.h"
#include "ui/layout_record.h"

namespace cnnlab {

namespace {

namespace fs = std::filesystem;

using test::Shot;

Shot take(const std::string& name, const std::string& args) {
  return test::take_shot(CNNLAB_PIXELS_OUT, name,
                         "--view training --panel editor --data /nonexistent " + args);
}

const LayoutRect* rect(const Shot& s, const std::string& name) {
  return test::find_rect(s, name);
}

size_t near(const Shot& s, const LayoutRect& r, int tr, int tg, int tb, int tol = 30) {
  return test::count_near(s, r, tr, tg, tb, tol, 2);
}

}  // namespace

TEST_CASE("model editor: drawn in place of the panels, with the parameter budget") {
  // compact: conv2d_3 holds 75.4% of the parameters, the 7th colour (Okabe–Ito yellow).
  Shot s = take("compact-1920", "--model compact --size 1920x1080");
  REQUIRE(s.png.width == 1920);
  const LayoutRect* e = rect(s, "train.editor");
  REQUIRE(e != nullptr);
  CHECK(rect(s, "train.curves") == nullptr);
  CHECK(e->x1 - e->x0 > 1800);
  CHECK(e->y1 - e->y0 > 900);
  const size_t yellow = near(s, *e, 240, 227, 66);
  INFO("yellow pixels: " << yellow);
  CHECK(yellow > 5000);  // the bar's segment: ~0.75 × 950 px wide × 28 px high
  // course: dense holds 99.97%, the 3rd colour (bluish green) fills the bar.
  Shot c = take("course-1920", "--model course --size 1920x1080");
  const LayoutRect* ce = rect(c, "train.editor");
  REQUIRE(ce != nullptr);
  const size_t green = near(c, *ce, 0, 158, 115);
  INFO("bluish green pixels: " << green);
  CHECK(green > 15000);
}

TEST_CASE("model editor at 1280x720, text x2: inside the window, not blank") {
  Shot s = take("compact-1280-z2", "--model compact --size 1280x720 --font-scale 2");
  const LayoutRect* e = rect(s, "train.editor");
  REQUIRE(e != nullptr);
  CHECK(e->x0 >= 0);
  CHECK(e->y0 >= 0);
  CHECK(e->x1 <= 1280);
  CHECK(e->y1 <= 720);
  // Buttons (the theme's button fill) and the layer list's text: dark pixels in quantity.
  const size_t dark = near(s, *e, 0, 0, 0, 150);
  INFO("dark pixels: " << dark);
  CHECK(dark > 3000);
}

}  // namespace cnnlab

int main(int argc, char** argv) {
  const char* display = std::getenv("DISPLAY");
  if (!display || !*display) {
    std::printf("editor_pixels: no DISPLAY; skipped (run through tools/dev.sh test or xvfb-run)\n");
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
