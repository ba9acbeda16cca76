// tests/app/gui_export.cpp — the window's Ctrl+S: the interactive `cnnlab` (keys injected before
// the first frame with $CNNLAB_TEST_KEYS) writes the slide, which is exactly `cnnlab screenshot
// --presentation` of that step, and with Ctrl+Shift+S the whole window (menu, side panels, log),
// which is not.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/fileio.h"
#include "data/image.h"
#include "test_tmp.h"

namespace cnnlab {

TEST_CASE(
    "window export: Ctrl+S writes the slide (the presentation view), Ctrl+Shift+S the whole "
    "window") {
  test::TempDir tmp("gui_export");
  std::string env = "HOME=" + tmp / "home" + " XDG_CONFIG_HOME=" + tmp / "config";
  // → and PageDown: step 3; then both exports, all before the first frame (the queue keeps every
  // press).
  std::string cmd =
      env + " CNNLAB_TEST_KEYS=right,pagedown,ctrl+s,ctrl+shift+s CNNLAB_QUIT_AFTER_FRAMES=6 " +
      CNNLAB_EXE + " > " + tmp / "log.txt" + " 2>&1";
  INFO(cmd);
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::string dir = tmp / "home/cnnlab-exports/course-example-1";
  std::string slide = dir + "/course-example-1-step-3.png",
              window = dir + "/course-example-1-step-3-window.png";
  REQUIRE(std::filesystem::is_regular_file(slide));
  REQUIRE(std::filesystem::is_regular_file(window));
  Image s = decode_image_file(slide), w = decode_image_file(window);
  CHECK(s.width == w.width);
  CHECK(s.height == w.height);
  CHECK(s.pixels != w.pixels);

  std::string shot = tmp / "shot.png";
  std::string size = std::to_string(s.width) + "x" + std::to_string(s.height);
  std::string cmd2 = std::string(CNNLAB_EXE) + " screenshot --dir " + CNNLAB_LESSONS_DIR +
                     " --lesson course-example-1 --step 3 --presentation --size " + size +
                     " --out " + shot + " > /dev/null";
  INFO(cmd2);
  REQUIRE(std::system(cmd2.c_str()) == 0);
  CHECK(read_file_text(shot) ==
        read_file_text(slide));  // the same bytes: the presentation view, nothing else
}

}  // namespace cnnlab

int main(int argc, char** argv) {
  const char* display = std::getenv("DISPLAY");
  if (!display || !*display) {
    std::printf("gui_export: no DISPLAY; skipped (run through tools/dev.sh test or xvfb-run)\n");
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
