// tests/ui/test_photo_pixel.cpp — one pixel of the photo view on the CPU (photo.cpp): the K×K
// window with clamped edges, gain, |·| and clamp, and its tape; hand-worked on a 3×2 image.
#include <doctest/doctest.h>

#include "headless_app.h"
#include "ui/lesson/lesson_panels.h"

using namespace cnnlab;

namespace {

// 3 wide, 2 high; red = 0, 51, 102 / 153, 204, 255 (0, .2, .4 / .6, .8, 1), green 255, blue 0.
RgbaImage tiny_image() {
  RgbaImage im(3, 2);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x) {
      uint8_t* p = im.pixel(x, y);
      p[0] = uint8_t(51 * (y * 3 + x)), p[1] = 255, p[2] = 0, p[3] = 255;
    }
  return im;
}

}  // namespace

TEST_CASE("photo pixel: a box blur at the corner repeats the edge, divides by the kernel's sum") {
  PhotoKernel box;
  box.k = 3, box.values.assign(9, 1.0f), box.gain = 1.0f / 9;
  PhotoPixel p = photo_pixel(tiny_image(), box, 0, 0);
  // Window rows y −1..1 → 0, 0, 1; columns x −1..1 → 0, 0, 1. Red:
  // (0 0 .2 / 0 0 .2 / .6 .6 .8): Σ = 2.4, ÷ 9 = 0.2667.
  CHECK(p.ch[0].values == std::vector<float>{0, 0, 0.2f, 0, 0, 0.2f, 0.6f, 0.6f, 0.8f});
  CHECK(p.ch[0].clamped == std::vector<uint8_t>{1, 1, 1, 1, 0, 0, 1, 0, 0});
  CHECK(p.ch[0].sum == doctest::Approx(2.4));
  CHECK(p.shown[0] == doctest::Approx(2.4 / 9));
  CHECK(p.shown[1] == doctest::Approx(1.0));  // green 1 everywhere: 9 / 9
  CHECK(p.shown[2] == 0.0f);
  std::vector<std::string> tape = photo_tape(p, box, 0);
  REQUIRE(tape.size() == 4);
  CHECK(
      tape[0] ==
      "R: 0.00·1 + 0.00·1 + 0.20·1 + 0.00·1 + 0.00·1 + 0.20·1 + 0.60·1 + 0.60·1 + 0.80·1 = 2.400");
  CHECK(tape[1] == "G: Σ = 9.000, B: Σ = 0.000 (the same products)");
  CHECK(tape[2] == "× 0.1111 (1 / the kernel's sum) = 0.267, 1.000, 0.000");
  CHECK(tape[3] == "shown, clamped to 0…1: 0.267, 1.000, 0.000 (68, 255, 0 of 255)");
}

TEST_CASE("photo pixel: an edge kernel shows |response|, clamped to 1") {
  PhotoKernel edge;
  edge.k = 3, edge.values = {-1, 0, 1, -1, 0, 1, -1, 0, 1}, edge.absolute = true;
  PhotoPixel p = photo_pixel(tiny_image(), edge, 1, 1);
  // Red window rows 0, 1, 1 (clamped), columns 0..2: right − left = (.4 − 0) + 2·(1 − .6) = 1.2.
  CHECK(p.ch[0].sum == doctest::Approx(1.2));
  CHECK(p.shown[0] == 1.0f);                             // clamped
  PhotoPixel q = photo_pixel(tiny_image(), edge, 1, 2);  // right edge: columns 1, 2, 2
  // (.4 − .2) + 2·(1 − .8) = 0.6
  CHECK(q.ch[0].sum == doctest::Approx(0.6));
  CHECK(q.shown[0] == doctest::Approx(0.6));
  std::vector<std::string> tape = photo_tape(q, edge, 0);
  CHECK(tape[2] == "|·| (the sign is only the edge's direction) = 0.600, 0.000, 0.000");
}

TEST_CASE("photo view enlarged: draws without GL at 1280x720 zoom 2; Esc closes it") {
  App app;
  test::Headless h(app, 2.0f, ImVec2(1280, 720));
  app_set_lessons(app, test::shipped_lessons());
  app.photo.large = true;
  app.photo.pin_y = 5, app.photo.pin_x = 7;
  for (int f = 0; f < 3; ++f) test::frame(app);
  CHECK(app.photo.large);
  test::press(app, GLFW_KEY_ESCAPE);
  CHECK_FALSE(app.photo.large);
  test::frame(app);  // the small panel again
}
