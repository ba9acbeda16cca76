// tests/app/gui_pixels.cpp — pixel tests: renders the window with `cnnlab screenshot` and checks
// the PNGs where the layout sidecar says the window, the filled and the blank cells are; scale 2
// text is larger.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>

#include "core/fileio.h"
#include "data/image.h"
#include "test_tmp.h"
#include "ui/layout_record.h"
#include "ui/theme.h"

namespace cnnlab {

namespace {

struct Shot {
  Image png;
  LayoutRecord layout;
};

// Runs `cnnlab screenshot ARGS` into NAME.png / NAME.txt and loads both.
Shot take(const std::string& name, const std::string& args) {
  std::string dir = CNNLAB_PIXELS_OUT;
  std::filesystem::create_directories(dir);
  std::string png = dir + "/" + name + ".png", txt = dir + "/" + name + ".txt";
  std::string cmd = std::string(CNNLAB_EXE) + " screenshot --dir " + CNNLAB_LESSONS_DIR +
                    " --out " + png + " --layout " + txt + " " + args + " > /dev/null";
  INFO(cmd);
  REQUIRE(std::system(cmd.c_str()) == 0);
  return {decode_image_file(png), parse_layout(read_file_text(txt))};
}

struct Px {
  int r, g, b;
};

Px at(const Image& img, float x, float y) {
  int ix = int(x), iy = int(y);
  REQUIRE(ix >= 0);
  REQUIRE(iy >= 0);
  REQUIRE(ix < img.width);
  REQUIRE(iy < img.height);
  const uint8_t* p =
      &img.pixels[(size_t(iy) * size_t(img.width) + size_t(ix)) * size_t(img.channels)];
  return {p[0], p[1], p[2]};
}

Px unpack(uint32_t c) {
  return {int(c & 0xff), int((c >> 8) & 0xff), int((c >> 16) & 0xff)};
}

bool near(Px a, Px b, int tol = 6) {
  return std::abs(a.r - b.r) <= tol && std::abs(a.g - b.g) <= tol && std::abs(a.b - b.b) <= tol;
}

const LayoutGrid& grid(const LayoutRecord& l, const std::string& name) {
  for (const LayoutGrid& g : l.grids)
    if (g.name == name) return g;
  FAIL("no grid " << name << " in the layout");
  return l.grids.front();
}

// A spot in the cell's top-right area: inside every frame line, clear of the value (centre),
// the kernel overlay (bottom-right) and the "max" tag (top-left).
Px cell_background(const Shot& s, const LayoutGrid& g, int row, int col) {
  return at(s.png, g.x0 + (float(col) + 0.8f) * g.cell, g.y0 + (float(row) + 0.2f) * g.cell);
}

int count_state(const LayoutRecord& l, const std::string& grid, const std::string& state) {
  int n = 0;
  for (const LayoutCell& c : l.cells) n += c.grid == grid && c.state == state;
  return n;
}

// Height of the first band of dark rows (text ink) inside a rectangle.
int first_ink_band(const Image& img, const LayoutRect& r) {
  int top = -1;
  for (int y = int(r.y0); y < int(r.y1) && y < img.height; ++y) {
    bool ink = false;
    for (int x = int(r.x0); x < int(r.x1) && x < img.width && !ink; ++x) {
      const uint8_t* p = &img.pixels[(size_t(y) * size_t(img.width) + size_t(x)) * 3];
      ink = p[0] + p[1] + p[2] < 465;  // dark or coloured (the tape is blue) on the light page
    }
    if (ink && top < 0) top = y;
    if (!ink && top >= 0) return y - top;
  }
  return top < 0 ? 0 : int(r.y1) - top;
}

const LayoutRect& rect(const LayoutRecord& l, const std::string& name) {
  for (const LayoutRect& r : l.rects)
    if (r.name == name) return r;
  FAIL("no rect " << name << " in the layout");
  return l.rects.front();
}

GridColors colors() {
  return grid_colors(true);
}  // the light high-contrast theme

// The ink of one cell: rows and columns whose pixels differ from the cell's background by more
// than `contrast` (sum of |ΔR|+|ΔG|+|ΔB|), inside the part [fx0, fx1) × [fy0, fy1) of the cell
// (fractions of its side; an inset keeps the cell's border lines out). Returns the ink's height.
int ink_height(const Shot& s, const LayoutGrid& g, int row, int col, float fx0, float fy0,
               float fx1, float fy1, Px background, int contrast = 150) {
  int top = -1, bottom = -1;
  float x0 = g.x0 + float(col) * g.cell, y0 = g.y0 + float(row) * g.cell;
  for (int y = int(y0 + fy0 * g.cell); y < int(y0 + fy1 * g.cell); ++y) {
    for (int x = int(x0 + fx0 * g.cell); x < int(x0 + fx1 * g.cell); ++x) {
      Px p = at(s.png, float(x), float(y));
      int d = std::abs(p.r - background.r) + std::abs(p.g - background.g) +
              std::abs(p.b - background.b);
      if (d <= contrast) continue;
      if (top < 0) top = y;
      bottom = y;
      break;
    }
  }
  return top < 0 ? 0 : bottom - top + 1;
}

// The tallest value among the input cells outside the window (the digit's ink; the cell border and
// the window frame, which reaches a few pixels into the cells beside it, left out).
int digit_height(const Shot& s) {
  const LayoutGrid& in = grid(s.layout, "input.c0");
  int most = 0;
  for (const LayoutCell& c : s.layout.cells) {
    if (c.grid != "input.c0" || c.state != "filled") continue;
    most = std::max(most, ink_height(s, in, c.row, c.col, 0.12f, 0.12f, 0.88f, 0.88f,
                                     unpack(colors().cell_bg)));
  }
  return most;
}

// The kernel weight ("×0", "×1") in the window cell (row, col): its bottom-right corner, below
// the value (which moves up-left to make room).
int overlay_height(const Shot& s, int row, int col) {
  const LayoutGrid& in = grid(s.layout, "input.c0");
  return ink_height(s, in, row, col, 0.5f, 0.68f, 0.97f, 0.97f, unpack(colors().window_bg), 120);
}

// Every recorded step control lies inside the image and inside the stage.
void check_controls_inside(const Shot& s) {
  const LayoutRect& stage = rect(s.layout, "stage");
  int controls = 0;
  for (const LayoutRect& r : s.layout.rects) {
    if (r.name.rfind("control.", 0) != 0) continue;
    ++controls;
    CAPTURE(r.name);
    CHECK(r.x0 >= 0);
    CHECK(r.y0 >= 0);
    CHECK(r.x1 <= float(s.png.width));
    CHECK(r.y1 <= float(s.png.height));
    CHECK(r.x0 >= stage.x0 - 0.5f);
    CHECK(r.x1 <= stage.x1 + 0.5f);
    CHECK(r.y1 <= stage.y1 + 0.5f);
  }
  for (const char* name : {"first", "row_up", "back", "next", "row_down", "last", "play"}) {
    CAPTURE(name);
    rect(s.layout, std::string("control.") + name);  // FAILs when missing
  }
  CHECK(controls >= 7);
}

}  // namespace

TEST_CASE("pixels: course example 1, step 6 — window over input rows/cols 2–4, five cells filled") {
  Shot s = take("step6", "--lesson course-example-1 --step 6");
  CHECK(s.png.width == 1920);
  CHECK(s.png.height == 1080);
  // Not blank: many colours, some dark text, mostly light page.
  std::set<int> distinct;
  size_t dark = 0;
  for (size_t i = 0; i + 2 < s.png.pixels.size(); i += 3) {
    distinct.insert(s.png.pixels[i] << 16 | s.png.pixels[i + 1] << 8 | s.png.pixels[i + 2]);
    dark += s.png.pixels[i] + s.png.pixels[i + 1] + s.png.pixels[i + 2] < 200;
  }
  CHECK(distinct.size() > 50);
  double dark_fraction = double(dark) / double(s.png.width * s.png.height);
  CHECK(dark_fraction > 0.005);
  CHECK(dark_fraction < 0.5);

  GridColors c = colors();
  const LayoutGrid& in = grid(s.layout, "input.c0");
  CHECK(in.rows == 6);
  CHECK(in.cols == 6);
  // Step 6 computes output (1, 1): its 3×3 window covers input rows 1–3, cols 1–3 (0-based).
  for (int r = 0; r < 6; ++r) {
    for (int col = 0; col < 6; ++col) {
      bool in_window = r >= 1 && r <= 3 && col >= 1 && col <= 3;
      Px p = cell_background(s, in, r, col);
      CAPTURE(r);
      CAPTURE(col);
      CHECK(near(p, unpack(in_window ? c.window_bg : c.cell_bg)));
    }
  }
  CHECK(count_state(s.layout, "input.c0", "window") == 9);
  // Output: steps 1–5 filled (row 0 and (1, 0)), step 6 current, the other 10 blank.
  const LayoutGrid& out = grid(s.layout, "out0.c0");
  CHECK(out.rows == 4);
  for (int k = 0; k < 16; ++k) {
    int r = k / 4, col = k % 4;
    Px p = cell_background(s, out, r, col);
    CAPTURE(k);
    CHECK(near(p, unpack(k <= 5 ? c.cell_bg : c.blank_bg)));
  }
  CHECK(count_state(s.layout, "out0.c0", "filled") == 5);
  CHECK(count_state(s.layout, "out0.c0", "current") == 1);
  CHECK(count_state(s.layout, "out0.c0", "blank") == 10);
  // The pooled output is all blank: its first step is 17.
  CHECK(count_state(s.layout, "out1.c0", "blank") == 4);
}

TEST_CASE("pixels: a pooling step frames its 2×2 window on the conv output") {
  Shot s = take("step18", "--lesson course-example-1 --step 18");
  // Step 18 is pool output (0, 1): window on conv output rows 0–1, cols 2–3.
  const LayoutGrid& conv = grid(s.layout, "out0.c0");
  GridColors c = colors();
  int framed = 0;
  for (const LayoutCell& cell : s.layout.cells) {
    if (cell.grid != "out0.c0" || cell.state != "window") continue;
    ++framed;
    CHECK(cell.row <= 1);
    CHECK(cell.col >= 2);
  }
  CHECK(framed == 4);
  CHECK(near(cell_background(s, conv, 0, 0), unpack(c.cell_bg)));    // outside the window
  CHECK(near(cell_background(s, conv, 1, 3), unpack(c.window_bg)));  // inside, not the max
  CHECK(count_state(s.layout, "out1.c0", "filled") == 1);
  CHECK(count_state(s.layout, "out1.c0", "blank") == 2);
}

TEST_CASE("pixels: same padding shows the zero border around the input") {
  Shot s = take("same", "--lesson same-padding --step 1");
  const LayoutGrid& in = grid(s.layout, "input.c0");
  CHECK(in.rows == 8);
  CHECK(in.pad_top == 1);
  CHECK(in.pad_left == 1);
  // The first window sits on the top-left corner: 5 of its 9 cells are padding, all framed.
  CHECK(count_state(s.layout, "input.c0", "window") == 9);
  GridColors c = colors();
  CHECK(near(cell_background(s, in, 1, 1), unpack(c.window_bg)));
  CHECK(near(cell_background(s, in, 4, 4), unpack(c.cell_bg)));
}

TEST_CASE("pixels: predict mode hides the current cell; presentation mode makes the grids bigger") {
  Shot normal = take("normal", "--lesson course-example-1 --step 6");
  Shot predict = take("predict", "--lesson course-example-1 --step 6 --predict");
  Shot answered = take("answered", "--lesson course-example-1 --step 6 --predict --answer 3");
  GridColors c = colors();
  const LayoutGrid& out_n = grid(normal.layout, "out0.c0");
  const LayoutGrid& out_p = grid(predict.layout, "out0.c0");
  const LayoutGrid& out_a = grid(answered.layout, "out0.c0");
  CHECK(near(cell_background(normal, out_n, 1, 1), unpack(c.cell_bg)));
  CHECK(near(cell_background(predict, out_p, 1, 1), unpack(c.blank_bg)));  // "?" on grey
  CHECK(near(cell_background(answered, out_a, 1, 1), unpack(c.cell_bg)));  // revealed
  Shot present = take("presentation", "--lesson course-example-1 --step 6 --presentation");
  CHECK(grid(present.layout, "input.c0").cell > out_n.cell * 1.3f);
}

TEST_CASE(
    "pixels: 1280×720, zoom 2, presentation — digits at least 40 px, kernel weights 40% of that, "
    "every step control on screen") {
  Shot s = take("present720z2",
                "--lesson course-example-1 --step 6 --presentation --size 1280x720 --font-scale 2");
  int digit = digit_height(s);
  // Step 6: the window covers input rows/cols 1–3; (2, 2) is its middle (no frame line inside).
  int weight = overlay_height(s, 2, 2);
  CAPTURE(digit);
  CAPTURE(weight);
  CHECK(digit >= 40);
  CHECK(float(weight) >= 0.4f * float(digit));
  check_controls_inside(s);
}

// Regression: Ctrl+= grew the tape and the controls and took the height from the grids, so the
// digits got smaller as the text got larger (14 px at ×1.56, 12 px at ×1.95). One pixel of slack:
// padding and spacing grow with the zoom, so a grid that already fills the width may lose a pixel
// of cell (1280×720: 41 px at zoom 1, 40 at 1.5, 42 at 2).
TEST_CASE("pixels: zoom never shrinks the grids (1280×720 presentation, zoom 1 → 1.5 → 2)") {
  int previous = 0;
  for (const char* zoom : {"1", "1.5", "2"}) {
    Shot s = take(
        std::string("zoom") + zoom,
        std::string(
            "--lesson course-example-1 --step 6 --presentation --size 1280x720 --font-scale ") +
            zoom);
    int digit = digit_height(s);
    CAPTURE(std::string(zoom));
    CAPTURE(digit);
    CHECK(digit >= previous - 1);
    check_controls_inside(s);
    previous = digit;
  }
}

TEST_CASE(
    "pixels: kernel weights are at least 40% of the digits' height, full screen at 1920×1080") {
  Shot s = take("weights1080", "--lesson course-example-1 --step 6");
  int digit = digit_height(s), weight = overlay_height(s, 2, 2);
  CAPTURE(digit);
  CAPTURE(weight);
  CHECK(digit > 20);
  CHECK(float(weight) >= 0.4f * float(digit));
  check_controls_inside(s);
}

// Nothing leaves the stage: every lesson at the projector's 1280×720 with the text doubled, normal
// and presentation mode — the grids, the tape and the formula end above the stage's bottom edge
// and inside its width, and every step control is on screen. (In normal mode the menu and tabs
// leave too little height: the stage splits into a Grids and an Arithmetic tab. Presentation mode
// never splits.)
TEST_CASE("pixels: every lesson fits the stage at 1280×720, zoom 2") {
  for (const char* lesson :
       {"course-example-1", "course-example-2", "stride-two", "same-padding", "rgb-channels",
        "pooling-ties", "sandbox", "edge-detector", "relu-backward", "maxpool-backward",
        "conv-backward-weights", "conv-backward-input", "sgd-step", "softmax-cross-entropy"}) {
    for (const char* mode : {"", " --presentation"}) {
      Shot s = take("fit", std::string("--lesson ") + lesson +
                               " --step 2 --size 1280x720 --font-scale 2" + mode);
      std::string shot = std::string(lesson) + mode;
      CAPTURE(shot);
      const LayoutRect& stage = rect(s.layout, "stage");
      for (const LayoutGrid& g : s.layout.grids) {
        CAPTURE(g.name);
        CHECK(g.x0 >= stage.x0 - 0.5f);
        CHECK(g.x0 + float(g.cols) * g.cell <= stage.x1 + 0.5f);
        CHECK(g.y0 + float(g.rows) * g.cell <= stage.y1 + 0.5f);
      }
      for (const LayoutRect& r : s.layout.rects) {  // the softmax lesson's table rows
        if (r.name.rfind("softmax", 0) != 0) continue;
        CAPTURE(r.name);
        CHECK(r.x1 <= stage.x1 + 0.5f);
        CHECK(r.y1 <= stage.y1 + 0.5f);
      }
      // A stage too small for everything is split: the tape and the formula go to their own tab.
      bool split = std::any_of(s.layout.rects.begin(), s.layout.rects.end(),
                               [](const LayoutRect& r) { return r.name == "stage.split"; });
      for (const char* name : {"tape", "formula"}) {
        if (split) break;
        CAPTURE(std::string(name));
        CHECK(rect(s.layout, name).y1 <= stage.y1 + 0.5f);
      }
      check_controls_inside(s);
    }
  }
}

// Pixels of `rect` within `tol` of colour `c`.
int count_colour(const Shot& s, const LayoutRect& r, Px c, int tol = 6) {
  int n = 0;
  for (int y = int(r.y0) + 1; y < int(r.y1) - 1; ++y)
    for (int x = int(r.x0) + 1; x < int(r.x1) - 1; ++x)
      n += near(at(s.png, float(x), float(y)), c, tol);
  return n;
}

TEST_CASE(
    "pixels: backward lessons draw dY, the routed max, the kernel gradient and softmax bars") {
  GridColors c = colors();
  // maxpool-backward step 22 = dX[1,1]: its window [0..1]×[0..1] on X with the max at [1,1], the
  // dY cell [0,0] it receives framed, dX cells 0–4 done, [1,1] current, 10 blank.
  Shot pool = take("pool_backward", "--lesson maxpool-backward --step 22 --size 1280x720");
  const LayoutGrid& dy = grid(pool.layout, "extra1.0.c0");
  CHECK(dy.rows == 2);
  CHECK(near(cell_background(pool, dy, 0, 0), unpack(c.window_bg)));
  CHECK(near(cell_background(pool, dy, 1, 1), unpack(c.cell_bg)));
  CHECK(count_state(pool.layout, "out0.c0", "window") == 4);
  CHECK(near(cell_background(pool, grid(pool.layout, "out0.c0"), 1, 1), unpack(c.max_bg), 12));
  CHECK(count_state(pool.layout, "out1.c0", "filled") == 5);
  CHECK(count_state(pool.layout, "out1.c0", "current") == 1);
  CHECK(count_state(pool.layout, "out1.c0", "blank") == 10);
  // conv-backward-weights step 3 = dW[0,2]: the 4×4 block of X at columns 2–5 under dY.
  Shot dw =
      take("conv_backward_weights", "--lesson conv-backward-weights --step 3 --size 1280x720");
  CHECK(count_state(dw.layout, "input.c0", "window") == 16);
  const LayoutGrid& in = grid(dw.layout, "input.c0");
  CHECK(near(cell_background(dw, in, 0, 2), unpack(c.window_bg)));
  CHECK(near(cell_background(dw, in, 0, 1), unpack(c.cell_bg)));
  CHECK(count_state(dw.layout, "extra0.0.c0", "window") == 16);  // all of dY
  CHECK(count_state(dw.layout, "out0.c0", "filled") == 2);
  CHECK(count_state(dw.layout, "out0.c0", "current") == 1);
  CHECK(count_state(dw.layout, "out0.c0", "blank") == 6);
  // softmax step 2 (rose): daisy's and rose's p bars drawn (rose, the true class, in the max
  // colour), tulip's not yet; the rose row is the current one.
  Shot soft = take("softmax", "--lesson softmax-cross-entropy --step 2 --size 1280x720");
  const LayoutRect &daisy = rect(soft.layout, "softmax.row0"),
                   &rose = rect(soft.layout, "softmax.row1"),
                   &tulip = rect(soft.layout, "softmax.row2");
  CHECK(count_colour(soft, daisy, unpack(c.window_frame)) > 500);
  CHECK(count_colour(soft, rose, unpack(c.max_frame)) > 100);
  CHECK(count_colour(soft, rose, unpack(c.window_bg)) > 5000);
  CHECK(count_colour(soft, tulip, unpack(c.window_frame)) == 0);
  CHECK(count_colour(soft, tulip, unpack(c.max_frame)) == 0);
}

// Not part of the suite (1.5 s a shot): the digit heights of course-example-1 at every size and
// zoom, normal and presentation. Run: gui_pixels -tc="*survey*" --no-skip
TEST_CASE("pixels: survey of digit heights" * doctest::skip()) {
  for (const char* size : {"1280x720", "1366x768", "1920x1080", "2560x1440"}) {
    for (const char* zoom : {"1", "1.5", "2"}) {
      for (const char* mode : {"", " --presentation"}) {
        std::string args = std::string("--lesson course-example-1 --step 6 --size ") + size +
                           " --font-scale " + zoom + mode;
        Shot s = take("survey", args);
        std::printf("%-10s zoom %-4s %-13s digit %3d px  weight %3d px  cell %.0f\n", size, zoom,
                    *mode ? "presentation" : "normal", digit_height(s), overlay_height(s, 2, 2),
                    grid(s.layout, "input.c0").cell);
        check_controls_inside(s);
      }
    }
  }
}

// The grids take the free space first and the tape shrinks (never below the text's size) to leave
// it to them, so at zoom 2 on a full-HD window the tape grows less than the text: it must not be
// smaller than at zoom 1, and the zoom-2 text is twice the zoom-1 text.
TEST_CASE(
    "pixels: font scale 2 draws the arithmetic tape no smaller than scale 1, and the text larger") {
  Shot one = take("scale1", "--lesson course-example-1 --step 6 --font-scale 1");
  Shot two = take("scale2", "--lesson course-example-1 --step 6 --font-scale 2");
  int h1 = first_ink_band(one.png, rect(one.layout, "tape"));
  int h2 = first_ink_band(two.png, rect(two.layout, "tape"));
  CAPTURE(h1);
  CAPTURE(h2);
  CHECK(h1 > 10);
  CHECK(h2 >= h1);
  int f1 = first_ink_band(one.png, rect(one.layout, "formula"));
  int f2 = first_ink_band(two.png, rect(two.layout, "formula"));
  CAPTURE(f1);
  CAPTURE(f2);
  CHECK(f2 > f1 * 1.5);
}

TEST_CASE("pixels: --all-steps writes one numbered PNG per step, each different") {
  std::string dir = std::string(CNNLAB_PIXELS_OUT) + "/all";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string cmd = std::string(CNNLAB_EXE) + " screenshot --dir " + CNNLAB_LESSONS_DIR +
                    " --lesson pooling-ties --all-steps --size 640x360 --out " + dir +
                    "/ties.png > /dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  // pooling-ties: a 4×4 input pooled 2×2 stride 2 → 4 steps.
  for (int k = 1; k <= 4; ++k)
    CHECK(std::filesystem::exists(dir + "/ties-00" + std::to_string(k) + ".png"));
  CHECK_FALSE(std::filesystem::exists(dir + "/ties-005.png"));
  Image first = decode_image_file(dir + "/ties-001.png"),
        last = decode_image_file(dir + "/ties-004.png");
  CHECK(first.width == 640);
  CHECK(first.pixels != last.pixels);
}

TEST_CASE(
    "pixels: the photo view's hover arithmetic shows what the filter (GPU) drew at that pixel") {
  // The generated test pattern (no photos: hermetic); corners (edges clamped) and pixels on its
  // edges (non-zero responses) and inside; an edge
  // detector (|·|), the course's 0/1 kernel (÷ its sum) and the RGB lesson's first kernel.
  const char* no_photos = "CNNLAB_DATA=/nonexistent/cnnlab_photos ";
  int shots = 0;
  for (const char* lesson : {"edge-detector", "course-example-1", "rgb-channels"})
    for (const char* pixel : {"0,0", "96,60", "191,255", "20,180", "120,64"}) {
      std::string name = std::string("photo-") + lesson + "-" + pixel;
      std::replace(name.begin(), name.end(), ',', '_');
      std::string dir = CNNLAB_PIXELS_OUT, png = dir + "/" + name + ".png",
                  txt = dir + "/" + name + ".txt";
      std::filesystem::create_directories(dir);
      std::string cmd = no_photos + std::string(CNNLAB_EXE) + " screenshot --dir " +
                        CNNLAB_LESSONS_DIR + " --lesson " + lesson + " --photo-pixel " + pixel +
                        " --size 1920x1080 --out " + png + " --layout " + txt + " > /dev/null";
      INFO(cmd);
      REQUIRE(std::system(cmd.c_str()) == 0);
      Shot s{decode_image_file(png), parse_layout(read_file_text(txt))};
      const LayoutGrid* g = nullptr;
      for (const LayoutGrid& r : s.layout.grids)
        if (r.name == "photo.result") g = &r;
      REQUIRE(g);  // the enlarged view drew the filtered photo
      CHECK(g->rows == 192);
      CHECK(g->cols == 256);
      CHECK(g->cell > 2.0f);  // large: ~2.9 screen pixels per photo pixel
      const LayoutCell* c = nullptr;
      for (const LayoutCell& r : s.layout.cells)
        if (r.grid == "photo.result") c = &r;
      REQUIRE(c);  // the arithmetic was shown for the pinned pixel
      int y = 0, x = 0, r = 0, gg = 0, b = 0;
      std::sscanf(pixel, "%d,%d", &y, &x);
      CHECK(c->row == y);
      CHECK(c->col == x);
      REQUIRE(std::sscanf(c->state.c_str(), "rgb=%d,%d,%d", &r, &gg, &b) == 3);
      Px p = at(s.png, g->x0 + (float(x) + 0.5f) * g->cell, g->y0 + (float(y) + 0.5f) * g->cell);
      INFO(lesson << " (" << pixel << "): tape " << r << "," << gg << "," << b << " vs drawn "
                  << p.r << "," << p.g << "," << p.b);
      CHECK(std::abs(p.r - r) <= 1);
      CHECK(std::abs(p.g - gg) <= 1);
      CHECK(std::abs(p.b - b) <= 1);
      ++shots;
    }
  CHECK(shots == 15);
}

TEST_CASE("pixels: a bad lesson id or step is a user error, exit status 1") {
  std::string base = std::string(CNNLAB_EXE) + " screenshot --dir " + CNNLAB_LESSONS_DIR +
                     " --out " + CNNLAB_PIXELS_OUT + "/bad.png";
  CHECK(WEXITSTATUS(std::system((base + " --lesson no-such-lesson 2>/dev/null").c_str())) == 1);
  CHECK(WEXITSTATUS(std::system(
            (base + " --lesson course-example-1 --step 999 2>/dev/null").c_str())) == 1);
}

// Regression: the App (which owns the string ImGui's IniFilename points at) was freed before
// ImGui::DestroyContext wrote imgui.ini, so every normal exit wrote a file with a garbage name.
TEST_CASE(
    "window: a normal exit writes imgui.ini and gui.toml to the config folder, nothing to the "
    "working folder") {
  test::TempDir tmp("gui_exit");
  std::filesystem::create_directories(tmp.path() / "cwd");
  std::filesystem::create_directories(tmp.path() / "home");
  std::string cmd = "cd " + tmp / "cwd" + " && HOME=" + tmp / "home" +
                    " XDG_CONFIG_HOME=" + tmp / "config" + " CNNLAB_QUIT_AFTER_FRAMES=3 " +
                    CNNLAB_EXE + " > /dev/null 2>&1";
  INFO(cmd);
  REQUIRE(std::system(cmd.c_str()) == 0);
  CHECK(std::filesystem::is_regular_file(tmp / "config/cnnlab/imgui.ini"));
  CHECK(read_file_text(tmp / "config/cnnlab/imgui.ini").find("[Window]") != std::string::npos);
  CHECK(std::filesystem::is_regular_file(tmp / "config/cnnlab/gui.toml"));
  CHECK(std::filesystem::is_empty(tmp.path() / "cwd"));
  CHECK(std::filesystem::is_empty(tmp.path() / "home"));
}

}  // namespace cnnlab

int main(int argc, char** argv) {
  const char* display = std::getenv("DISPLAY");
  if (!display || !*display) {
    std::printf("gui_pixels: no DISPLAY; skipped (run through tools/dev.sh test or xvfb-run)\n");
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
