// tests/app/runs_pixels.cpp — the Runs tab's pixels: after `cnnlab train --seeds 2` into a runs
// folder, the screenshot's runs panel lists them (their colour swatches drawn where the layout
// says) and, ticked, their curves appear on the Curves panel in those colours; unticked, they do
// not.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "core/fileio.h"
#include "core/rng.h"
#include "data/image.h"
#include "pixel_shot.h"
#include "test_tmp.h"
#include "ui/layout_record.h"

namespace cnnlab {

namespace {

namespace fs = std::filesystem;

// Two classes of 16×16 PNGs: bright and dark, with noise.
std::string make_dataset(const test::TempDir& tmp) {
  fs::path dir = tmp.path() / "data";
  Rng rng(4);
  for (int c = 0; c < 2; ++c) {
    fs::path cls = dir / (c == 0 ? "bright" : "dark");
    fs::create_directories(cls);
    for (int i = 0; i < 16; ++i) {
      Image img{16, 16, 3, std::vector<uint8_t>(16 * 16 * 3)};
      for (auto& p : img.pixels) p = uint8_t(c == 0 ? 130 + rng.below(120) : rng.below(120));
      write_png((cls / (std::to_string(i) + ".png")).string(), img);
    }
  }
  return dir.string();
}

using test::Shot;

Shot take(const test::TempDir& tmp, const std::string& name, const std::string& args) {
  return test::take_shot(tmp.path().string(), name, "--view training " + args);
}

const LayoutRect* rect(const Shot& s, const std::string& name) {
  return test::find_rect(s, name);
}

size_t near(const Shot& s, const LayoutRect& box, int r, int g, int b, int tol = 40) {
  return test::count_near(s, box, r, g, b, tol, 2);
}

}  // namespace

TEST_CASE("runs tab: recorded runs listed with their colours; ticked, overlaid on the curves") {
  test::TempDir tmp("runs_pixels");
  const std::string data = make_dataset(tmp), runs = tmp / "runs";
  std::string train =
      std::string(CNNLAB_EXE) + " train --data " + data + " --runs " + runs +
      " --model tiny --image-size 16 --epochs 3 --batch-size 8 --seeds 2 --threads 1"
      " > " +
      tmp / "train.log" + " 2>&1";
  REQUIRE(std::system(train.c_str()) == 0);
  const std::string common = "--data " + data + " --model tiny --image-size 16 --batches 2 " +
                             "--size 1920x1080 --runs " + runs;

  // Runs tab with every run ticked: the swatches (Okabe–Ito bluish green, then reddish purple).
  Shot s = take(tmp, "ticked", common + " --tab runs,tickall");
  const LayoutRect* panel = rect(s, "train.runs");
  const LayoutRect* curves = rect(s, "train.curves");
  REQUIRE(panel);
  REQUIRE(curves);
  size_t green = near(s, *panel, 0, 158, 115), purple = near(s, *panel, 204, 120, 166);
  INFO("runs panel: green " << green << ", purple " << purple);
  CHECK(green > 40);
  CHECK(purple > 40);
  size_t green_curves = near(s, *curves, 0, 158, 115),
         purple_curves = near(s, *curves, 204, 120, 166);
  INFO("curves: green " << green_curves << ", purple " << purple_curves);
  CHECK(green_curves > 150);  // two plots' lines and the legend
  CHECK(purple_curves > 150);

  // Nothing ticked: the runs are listed but no run colour reaches the curves.
  Shot u = take(tmp, "unticked", common + " --tab runs");
  const LayoutRect* curves_u = rect(u, "train.curves");
  REQUIRE(curves_u);
  REQUIRE(rect(u, "train.runs"));
  CHECK(near(u, *curves_u, 0, 158, 115) < 10);
  CHECK(near(u, *rect(u, "train.runs"), 0, 158, 115) < 10);  // no swatch without a tick
}

TEST_CASE("runs tab: an empty runs folder draws its panel with the hint, not a blank") {
  test::TempDir tmp("runs_pixels");
  const std::string data = make_dataset(tmp);
  fs::create_directories(tmp / "runs");
  Shot s = take(tmp, "empty",
                "--data " + data + " --model tiny --image-size 16 --batches 1 --size 1280x720 " +
                    "--runs " + tmp / "runs" + " --tab runs");
  const LayoutRect* panel = rect(s, "train.runs");
  REQUIRE(panel);
  // Text: dark pixels on the light theme's panel background.
  CHECK(near(s, *panel, 0, 0, 0, 200) > 200);
}

}  // namespace cnnlab

int main(int argc, char** argv) {
  const char* display = std::getenv("DISPLAY");
  if (!display || !*display) {
    std::printf("runs_pixels: no DISPLAY; skipped (run it under xvfb-run)\n");
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
