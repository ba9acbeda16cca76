// tests/app/training_pixels.cpp — the Training tab's pixels: after K batches on a generated dataset
// the feature-map and filter panels are not blank and sit where the layout says, and the curves
// have a line.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "core/fileio.h"
#include "core/rng.h"
#include "data/image.h"
#include "ui/layout_record.h"

namespace cnnlab {

namespace {

namespace fs = std::filesystem;

// Two classes of 32×32 PNGs a small CNN can tell apart: bright discs vs dark diagonal stripes.
std::string make_dataset() {
  fs::path dir = fs::path(CNNLAB_PIXELS_OUT) / "data";
  fs::remove_all(dir);
  Rng rng(11);
  for (int c = 0; c < 2; ++c) {
    fs::path cls = dir / (c == 0 ? "discs" : "stripes");
    fs::create_directories(cls);
    for (int i = 0; i < 16; ++i) {
      Image img{32, 32, 3, std::vector<uint8_t>(32 * 32 * 3)};
      int cx = 10 + int(rng.below(12)), cy = 10 + int(rng.below(12));
      for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x) {
          bool on =
              c == 0 ? (x - cx) * (x - cx) + (y - cy) * (y - cy) < 60 : ((x + y + i) / 4) % 2 == 0;
          uint8_t* p = &img.pixels[size_t(y * 32 + x) * 3];
          p[0] = uint8_t(on ? 220 : 40 + rng.below(30));
          p[1] = uint8_t(on ? (c == 0 ? 200 : 60) : 40 + rng.below(30));
          p[2] = uint8_t(on ? (c == 0 ? 40 : 220) : 40 + rng.below(30));
        }
      write_png((cls / (std::to_string(i) + ".png")).string(), img);
    }
  }
  return dir.string();
}

struct Shot {
  Image png;
  LayoutRecord layout;
};

Shot take(const std::string& name, const std::string& args) {
  std::string dir = CNNLAB_PIXELS_OUT;
  fs::create_directories(dir);
  std::string png = dir + "/" + name + ".png", txt = dir + "/" + name + ".txt";
  std::string cmd = std::string(CNNLAB_EXE) + " screenshot --view training --out " + png +
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

// Distinct colours (4 bits per channel) and pixels near `target` inside a rectangle.
struct Stats {
  size_t colours = 0, near = 0, pixels = 0;
};
Stats stats(const Shot& s, const LayoutRect& r, int tr = -1, int tg = -1, int tb = -1,
            int tol = 40) {
  std::set<int> colours;
  Stats st;
  for (int y = int(r.y0) + 2; y < int(r.y1) - 2; ++y)
    for (int x = int(r.x0) + 2; x < int(r.x1) - 2; ++x) {
      const uint8_t* p = &s.png.pixels[(size_t(y) * s.png.width + x) * s.png.channels];
      colours.insert((p[0] >> 4) << 8 | (p[1] >> 4) << 4 | (p[2] >> 4));
      if (tr >= 0 && std::abs(p[0] - tr) + std::abs(p[1] - tg) + std::abs(p[2] - tb) < tol)
        ++st.near;
      ++st.pixels;
    }
  st.colours = colours.size();
  return st;
}

}  // namespace

TEST_CASE(
    "training view after K batches: maps and filters drawn where the layout says, curves have "
    "lines") {
  std::string data = make_dataset();
  Shot s = take("small-4",
                "--data " + data + " --model small --image-size 32 --batches 4 --size 1920x1080");
  REQUIRE(s.png.width == 1920);
  for (const char* n : {"train.controls", "train.curves", "train.maps", "train.filters",
                        "train.predictions", "train.model"})
    CHECK_MESSAGE(rect(s, n) != nullptr, n);
  const LayoutRect* maps = rect(s, "train.maps");
  const LayoutRect* filters = rect(s, "train.filters");
  const LayoutRect* curves = rect(s, "train.curves");
  REQUIRE(maps);
  REQUIRE(filters);
  REQUIRE(curves);
  // Feature maps: viridis tiles give many colours; a blank panel has a handful (text, frame,
  // background).
  Stats m = stats(s, *maps, 68, 1, 84, 60);  // viridis(0), the darkest purple
  INFO("maps: colours " << m.colours << ", dark purple " << m.near);
  CHECK(m.colours > 60);
  CHECK(m.near > 50);
  // Filters: RGB tiles and the blue–white–orange grid.
  Stats f = stats(s, *filters);
  INFO("filters: colours " << f.colours);
  CHECK(f.colours > 60);
  // Curves: 4 batches of 1 batch/epoch → 4 epochs: the training line (Okabe–Ito blue) and val
  // (orange).
  Stats blue = stats(s, *curves, 0, 115, 179), orange = stats(s, *curves, 230, 158, 0);
  INFO("curves: blue " << blue.near << ", orange " << orange.near);
  CHECK(blue.near > 100);
  CHECK(orange.near > 100);
  // Left of the maps panel is another panel, not maps: the layout is what the pixels show.
  LayoutRect outside{"", maps->x0 - 200, maps->y0 + 40, maps->x0 - 20, maps->y1 - 40};
  CHECK(stats(s, outside, 68, 1, 84, 60).near < m.near / 10 + 1);
}

TEST_CASE("training view: the time-lapse slider replays another epoch's kernels in the filters") {
  std::string data = make_dataset();
  // 4 batches of 1 batch/epoch: frames of epochs 0..4. The same run shown at epoch 0 and live.
  const std::string args =
      "--data " + data + " --model small --image-size 32 --batches 4 --size 1920x1080";
  Shot first = take("replay0", args + " --tab replay0");
  Shot live = take("replay-live", args);
  const LayoutRect* a = rect(first, "train.filters");
  const LayoutRect* b = rect(live, "train.filters");
  REQUIRE(a);
  REQUIRE(b);
  CHECK(stats(first, *a).colours > 60);  // the replay draws kernels, not an empty panel
  // Same place, different kernels: many pixels of the panel differ.
  size_t differ = 0;
  for (int y = int(a->y0); y < int(a->y1); ++y)
    for (int x = int(a->x0); x < int(a->x1); ++x) {
      const uint8_t* p = &first.png.pixels[(size_t(y) * first.png.width + x) * first.png.channels];
      const uint8_t* q = &live.png.pixels[(size_t(y) * live.png.width + x) * live.png.channels];
      differ += p[0] != q[0] || p[1] != q[1] || p[2] != q[2];
    }
  INFO("pixels that differ: " << differ);
  CHECK(differ > 5000);
}

std::vector<const LayoutRect*> training_rects(const Shot& s) {
  std::vector<const LayoutRect*> out;
  for (const LayoutRect& r : s.layout.rects)
    if (r.name.rfind("train.", 0) == 0) out.push_back(&r);
  return out;
}

TEST_CASE(
    "training view at 1280x720: panels inside the window, none overlapping; F5 focus fills the "
    "screen") {
  std::string data = make_dataset();
  Shot s = take("w1280",
                "--data " + data + " --model small --image-size 32 --batches 4 --size 1280x720");
  REQUIRE(s.png.width == 1280);
  std::vector<const LayoutRect*> rects = training_rects(s);
  CHECK(rects.size() >= 3);  // two columns: a left tab, curves, a right tab
  for (size_t i = 0; i < rects.size(); ++i) {
    const LayoutRect& a = *rects[i];
    INFO(a.name << " [" << a.x0 << ", " << a.y0 << ", " << a.x1 << ", " << a.y1 << "]");
    CHECK(a.x0 >= 0);
    CHECK(a.y0 >= 0);
    CHECK(a.x1 <= 1280);
    CHECK(a.y1 <= 720);
    for (size_t j = i + 1; j < rects.size(); ++j) {
      const LayoutRect& b = *rects[j];
      bool apart = std::min(a.x1, b.x1) <= std::max(a.x0, b.x0) + 0.5f ||
                   std::min(a.y1, b.y1) <= std::max(a.y0, b.y0) + 0.5f;
      CHECK_MESSAGE(apart, b.name);
    }
  }
  Shot f =
      take("w1280-focus",
           "--data " + data +
               " --model small --image-size 32 --batches 4 --size 1280x720 --tab focus-curves");
  std::vector<const LayoutRect*> focus = training_rects(f);
  REQUIRE(focus.size() == 1);
  const LayoutRect& c = *focus[0];
  CHECK(c.name == "train.curves");
  INFO("focus [" << c.x0 << ", " << c.y0 << ", " << c.x1 << ", " << c.y1 << "]");
  CHECK(c.x0 <= 16);
  CHECK(c.y0 <= 16);  // no menu bar, no tab bars above it
  CHECK(c.x1 >= 1280 - 16);
  CHECK(c.y1 >= 720 - 16);
  // The curves are drawn there: the training line's blue across the screen.
  CHECK(stats(f, c, 0, 115, 179).near > 200);
}

TEST_CASE(
    "training view: an enlarged feature map shows crisp texels (GL_NEAREST), not a smoothed blur") {
  std::string data = make_dataset();
  // 32×32 map 0 of conv2d, enlarged to ~600 px on a 1280×720 screen: ~19 px per texel.
  Shot s = take(
      "enlarged",
      "--data " + data +
          " --model small --image-size 32 --batches 2 --size 1280x720 --tab focus-maps,enlarge0");
  const LayoutRect* maps = rect(s, "train.maps");
  REQUIRE(maps);
  // Along one row through the map's middle, colour changes only where one texel meets the next
  // (≤ 400 / 19 + 1 ≈ 22); linear filtering changes colour at almost every pixel.
  int y = int((maps->y0 + maps->y1) / 2), changes = 0, x0 = int(maps->x0) + 20;
  REQUIRE(x0 + 400 < s.png.width);
  for (int x = x0 + 1; x < x0 + 400; ++x) {
    const uint8_t* a = &s.png.pixels[(size_t(y) * s.png.width + x - 1) * s.png.channels];
    const uint8_t* b = &s.png.pixels[(size_t(y) * s.png.width + x) * s.png.channels];
    changes += a[0] != b[0] || a[1] != b[1] || a[2] != b[2];
  }
  INFO("colour changes along 400 px: " << changes);
  CHECK(changes >= 5);   // the map is there (not a blank panel)
  CHECK(changes <= 30);  // and made of whole texels
}

TEST_CASE(
    "training view: the network at a glance draws its strip, an enlarged map and the arithmetic") {
  std::string data = make_dataset();
  const std::string base = "--data " + data + " --model small --image-size 32 --batches 2 ";
  Shot s = take("glance", base + "--size 1280x720 --tab focus-glance");
  const LayoutRect* g = rect(s, "train.glance");
  REQUIRE(g);
  CHECK(g->x1 - g->x0 > 1200);  // F5: the whole screen
  // The strip: map thumbnails (viridis: many colours, the darkest purple) and the softmax bars.
  Stats m = stats(s, *g, 68, 1, 84, 60);
  INFO("strip: colours " << m.colours << ", dark purple " << m.near);
  CHECK(m.colours > 60);
  CHECK(m.near > 200);
  Stats bars = stats(s, *g, 0x57, 0xb5, 0xe8, 40);  // sky blue at 55% on white: the class bars
  CHECK(bars.near + stats(s, *g, 0xf0, 0xc9, 0x73, 40).near > 100);

  // Enlarged map with a pinned pixel at zoom 2: the map on the left, the arithmetic box on the
  // right (text: dark pixels), and no "computing…" left (the shot waited for the worker).
  Shot e = take("glance-pixel", base +
                                    "--size 1280x720 --font-scale 2 "
                                    "--tab focus-glance,glance=conv2d_1:0,pixel=0:0");
  g = rect(e, "train.glance");
  REQUIRE(g);
  float mid = (g->x0 + g->x1) / 2;
  LayoutRect left{"", g->x0, g->y0 + 100, mid - 100, g->y1},
      right{"", mid, g->y0 + 100, g->x1, g->y1};
  CHECK(stats(e, left, 68, 1, 84, 60).near > 2000);  // the map, large
  Stats text = stats(e, right, 0, 0, 0, 120);
  INFO("arithmetic box: dark pixels " << text.near);
  CHECK(text.near > 6000);  // ~13,000 with the tape; "computing…" alone ~2,000
}

TEST_CASE(
    "training view: the augmented-probe strip shows photos for compact, only words for small") {
  std::string data = make_dataset();
  const std::string common = "--data " + data + " --image-size 32 --batches 1 --size 1280x720 ";
  Shot aug = take("augment", common + "--model compact --tab focus-augment");
  Shot none = take("augment-none", common + "--model small --tab focus-augment");
  const LayoutRect* a = rect(aug, "train.augment");
  const LayoutRect* n = rect(none, "train.augment");
  REQUIRE(a);
  REQUIRE(n);
  CHECK(a->x1 - a->x0 >= 1280 - 32);  // F5 focus: the whole screen
  // The probe's colours (discs: yellow on dark, stripes: magenta-blue) resampled by rotation and
  // zoom: many colours, and the disc/stripe hue in quantity; the text-only panel has neither.
  Stats sa = stats(aug, *a, 220, 200, 40, 60), sb = stats(aug, *a, 220, 60, 220, 60);
  Stats na = stats(none, *n, 220, 200, 40, 60), nb = stats(none, *n, 220, 60, 220, 60);
  INFO("compact: colours " << sa.colours << ", probe hue " << sa.near + sb.near
                           << "; small: colours " << na.colours << ", probe hue "
                           << na.near + nb.near);
  CHECK(sa.colours > 2 * na.colours);
  CHECK(sa.near + sb.near > 2000);
  CHECK(na.near + nb.near < 50);
}

TEST_CASE("training view: a bad dataset folder is a user error, not a crash") {
  std::string cmd = std::string(CNNLAB_EXE) +
                    " screenshot --view training --data /nonexistent/cnnlab --out " +
                    CNNLAB_PIXELS_OUT + "/bad.png 2>/dev/null";
  CHECK(WEXITSTATUS(std::system(cmd.c_str())) == 1);
}

}  // namespace cnnlab

int main(int argc, char** argv) {
  const char* display = std::getenv("DISPLAY");
  if (!display || !*display) {
    std::printf(
        "training_pixels: no DISPLAY; skipped (run through tools/dev.sh test or xvfb-run)\n");
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
