// tests/app/explain_pixels.cpp — the Explain panel's pixels: a photo of one's own (a magenta
// square) becomes the probe and is drawn; with Grad-CAM on, the heat covers its copy and the
// viridis legend is there; a bad photo is a user error, not a crash.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/fileio.h"
#include "core/rng.h"
#include "data/image.h"
#include "pixel_shot.h"
#include "ui/layout_record.h"

namespace cnnlab {

namespace {

namespace fs = std::filesystem;

// Two classes of 32×32 PNGs: bright noise vs dark noise.
std::string make_dataset() {
  fs::path dir = fs::path(CNNLAB_PIXELS_OUT) / "data";
  fs::remove_all(dir);
  Rng rng(3);
  for (int c = 0; c < 2; ++c) {
    fs::path cls = dir / (c == 0 ? "bright" : "dark");
    fs::create_directories(cls);
    for (int i = 0; i < 12; ++i) {
      Image img{32, 32, 3, std::vector<uint8_t>(32 * 32 * 3)};
      for (auto& p : img.pixels) p = uint8_t(c == 0 ? 150 + rng.below(100) : rng.below(100));
      write_png((cls / (std::to_string(i) + ".png")).string(), img);
    }
  }
  return dir.string();
}

// A 60×40 photo: pure magenta (nothing else in the window is), a grey band at the bottom.
std::string make_photo() {
  Image img{60, 40, 3, std::vector<uint8_t>(60 * 40 * 3)};
  for (int y = 0; y < 40; ++y)
    for (int x = 0; x < 60; ++x) {
      uint8_t* p = &img.pixels[size_t(y * 60 + x) * 3];
      const bool band = y >= 30;
      p[0] = band ? 128 : 255, p[1] = band ? 128 : 0, p[2] = band ? 128 : 255;
    }
  std::string path = std::string(CNNLAB_PIXELS_OUT) + "/my photo.png";
  write_png(path, img);
  return path;
}

using test::Shot;

Shot take(const std::string& name, const std::string& args) {
  return test::take_shot(CNNLAB_PIXELS_OUT, name, "--view training " + args);
}

const LayoutRect* rect(const Shot& s, const std::string& name) {
  return test::find_rect(s, name);
}

size_t near(const Shot& s, const LayoutRect& r, int tr, int tg, int tb, int tol = 30) {
  return test::count_near(s, r, tr, tg, tb, tol);
}

}  // namespace

TEST_CASE("explain panel: your photo is the probe, drawn plain and under the Grad-CAM heat") {
  const std::string data = make_dataset(), photo = make_photo();
  const std::string common = "--data " + data + " --model small --image-size 32 --batches 3 " +
                             "--size 1280x720 --tab focus-explain --probe-image '" + photo + "'";
  Shot off = take("heat-off", common);
  Shot on = take("heat-on", common + " --explain gradcam");
  const LayoutRect* a = rect(off, "train.explain");
  const LayoutRect* b = rect(on, "train.explain");
  REQUIRE(a);
  REQUIRE(b);
  // Heat off: the probe twice (plain and the overlay's base), magenta as the photo's 3/4.
  const size_t magenta_off = near(off, *a, 255, 0, 255), magenta_on = near(on, *b, 255, 0, 255);
  INFO("magenta pixels: heat off " << magenta_off << ", heat on " << magenta_on);
  CHECK(magenta_off > 20000);
  // Heat on: the overlay's copy is tinted (alpha ≥ 0.4 · 0.7), the plain one stays.
  CHECK(magenta_on > magenta_off / 4);
  CHECK(magenta_on < magenta_off * 3 / 4);
  // The legend's ends: viridis's dark purple and yellow, only with the heat.
  CHECK(near(on, *b, 68, 1, 84, 20) > 50);
  CHECK(near(on, *b, 253, 231, 37, 20) > 20);
  CHECK(near(off, *a, 253, 231, 37, 20) == 0);
}

TEST_CASE("explain panel at 1280x720 with text x2: inside the window, the photo drawn") {
  const std::string data = make_dataset(), photo = make_photo();
  Shot s = take("z2", "--data " + data +
                          " --model small --image-size 32 --batches 2 --size 1280x720 "
                          "--font-scale 2 --tab explain --explain saliency --probe-image '" +
                          photo + "'");
  const LayoutRect* r = rect(s, "train.explain");
  REQUIRE(r);
  CHECK(r->x0 >= 0);
  CHECK(r->y0 >= 0);
  CHECK(r->x1 <= 1280);
  CHECK(r->y1 <= 720);
  CHECK(near(s, *r, 253, 231, 37, 20) > 20);  // the legend
  // The overlay image is large even with big text: (magenta or tinted) photo pixels.
  CHECK(r->x1 - r->x0 > 600);
}

TEST_CASE("explain panel: a bad photo is a user error naming the file, not a crash") {
  const std::string data = make_dataset();
  const std::string bad = std::string(CNNLAB_PIXELS_OUT) + "/bad.jpg";
  write_file_atomic(bad, std::string("not an image"));
  std::string cmd = std::string(CNNLAB_EXE) + " screenshot --view training --data " + data +
                    " --model small --image-size 32 --probe-image " + bad + " --out " +
                    CNNLAB_PIXELS_OUT + "/bad.png 2> " + CNNLAB_PIXELS_OUT + "/bad.err";
  CHECK(WEXITSTATUS(std::system(cmd.c_str())) == 1);
  CHECK(read_file_text(std::string(CNNLAB_PIXELS_OUT) + "/bad.err").find(bad) != std::string::npos);
}

}  // namespace cnnlab

int main(int argc, char** argv) {
  const char* display = std::getenv("DISPLAY");
  if (!display || !*display) {
    std::printf(
        "explain_pixels: no DISPLAY; skipped (run through tools/dev.sh test or xvfb-run)\n");
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
