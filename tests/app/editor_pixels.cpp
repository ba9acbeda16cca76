// tests/app/editor_pixels.cpp — the model editor's pixels: `cnnlab screenshot --panel editor` draws
// the editor where the layout says, in place of the Training panels, with the parameter budget's
// colours (the biggest layer's segment) at 1920×1080, and inside the window at 1280×720 text ×2;
// a BatchNormalization layer's arguments and the Fit section drawn whole at both sizes and zooms.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <algorithm>
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

// The selected BatchNormalization layer (compact's layer 7) with its momentum and epsilon fields,
// and the Fit section, at the projector's sizes: each drawn whole inside the editor (the Fit
// section may run below the window at 1280×720: its top and its width must be inside), with text
// (dark pixels) and input fields (the theme's frame fill) in it.
TEST_CASE("model editor: a BatchNormalization layer's arguments and the Fit section, not clipped") {
  for (const char* size : {"1280x720", "1920x1080"})
    for (const char* zoom : {"1", "2"}) {
      const std::string tag = std::string(size) + "-z" + zoom;
      const std::string args =
          std::string("--model compact --size ") + size + " --font-scale " + zoom + " --tab ";
      CAPTURE(tag);
      Shot s = take("bn-" + tag, args + "editlayer7");
      const LayoutRect* e = rect(s, "train.editor");
      const LayoutRect* a = rect(s, "train.editor.args");
      REQUIRE(e != nullptr);
      REQUIRE(a != nullptr);
      CHECK(a->x0 >= e->x0);
      CHECK(a->y0 >= e->y0);
      CHECK(a->x1 <= e->x1);
      CHECK(a->y1 <= e->y1);
      REQUIRE(a->y1 <= s.png.height);
      // Measured at text ×1: 910 dark, 7279 field pixels (RandomFlip's one combo: 4286); ×4 at ×2.
      const size_t z2 = std::string(zoom) == "2" ? 4 : 1;
      const size_t dark = near(s, *a, 0, 0, 0, 150), fields = near(s, *a, 236, 236, 236, 6);
      INFO("dark " << dark << ", field fill " << fields);
      CHECK(dark > 600 * z2);     // "6 BatchNormalization · momentum 0.9", its shape, two labels
      CHECK(fields > 5500 * z2);  // two fields (momentum, epsilon), not one

      Shot f = take("fit-" + tag, args + "editfit");
      const LayoutRect* fe = rect(f, "train.editor");
      const LayoutRect* fit = rect(f, "train.editor.fit");
      REQUIRE(fe != nullptr);
      REQUIRE(fit != nullptr);
      CHECK(fit->x0 >= fe->x0);
      CHECK(fit->x1 <= fe->x1);
      CHECK(fit->y0 >= fe->y0);
      REQUIRE(fit->y0 < fe->y1 - 100);
      LayoutRect shown = *fit;
      shown.y1 = std::min(fit->y1, fe->y1);
      const size_t fit_dark = near(f, shown, 0, 0, 0, 150);
      INFO("Fit section dark pixels " << fit_dark);
      CHECK(fit_dark > 1200 * z2);  // measured 3297 at ×1, 6271 at ×2 in 1280×720 (its top)
    }
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
