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
#include "ui/layout_record.h"

namespace cnnlab {

namespace {

namespace fs = std::filesystem;

struct Shot {
  Image png;
  LayoutRecord layout;
};

Shot take(const std::string& name, const std::string& args) {
  std::string dir = CNNLAB_PIXELS_OUT;
  fs::create_directories(dir);
  std::string png = dir + "/" + name + ".png", txt = dir + "/" + name + ".txt";
  std::string cmd = std::string(CNNLAB_EXE) +
                    " screenshot --view training --panel editor --data /nonexistent --out " + png +
                    " --layout " + txt + " " + args + " > /dev/null";
  INFO(cmd);
  REQUIRE(std::system(cmd.c_str()) == 0);
  return {decode_image_file(png), parse_layout(read_file_text(txt))};
}

const LayoutRect* rect(const Shot& s, const std::string& name) {
  for (const LayoutRect& r : s.layout.rects)
    if (r.name == name) return &r;
  return nullptr;
}

// Pixels within `tol` (sum of channel differences) of a colour inside a rectangle.
size_t near(const Shot& s, const LayoutRect& r, int tr, int tg, int tb, int tol = 30) {
  size_t n = 0;
  for (int y = int(r.y0) + 2; y < int(r.y1) - 2; ++y)
    for (int x = int(r.x0) + 2; x < int(r.x1) - 2; ++x) {
      const uint8_t* p = &s.png.pixels[(size_t(y) * s.png.width + x) * s.png.channels];
      n += std::abs(p[0] - tr) + std::abs(p[1] - tg) + std::abs(p[2] - tb) < tol;
    }
  return n;
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
