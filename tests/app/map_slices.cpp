// tests/app/map_slices.cpp — the Training view's feature maps arrive in slices (issue 11): a big
// conv layer takes several update_training_gl calls, none over kMapSliceTexels; the finished RGBA
// is byte for byte the one-shot upload's; until whole, the panels keep the previous texture.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "gfx/gl.h"
#include "ui/training/training_state.h"

namespace cnnlab {

namespace {

GLFWwindow* g_window = nullptr;  // the hidden window whose GL context every test uses

// (H, W, C) with values that differ per channel, pixel and `seed` (ranges differ per channel).
TensorCopy maps(const char* name, int h, int w, int c, float seed) {
  TensorCopy t{name, {h, w, c}, std::vector<float>(size_t(h) * w * c)};
  for (size_t i = 0; i < t.values.size(); ++i)
    t.values[i] = std::sin(float(i % 9973) * 0.013f + seed) * float(1 + i % size_t(c));
  return t;
}

// The course model's shape of snapshot, smaller: conv 256²×32 (a 2048×1024 atlas),
// pool 128²×32 (1024×512), a dense layer (bars, no texture).
SnapshotPtr snapshot(uint64_t version, float seed) {
  auto s = std::make_shared<Snapshot>();
  s->version = s->activations_version = version;
  s->activations.push_back(maps("conv2d", 256, 256, 32, seed));
  s->activations.push_back(maps("max_pooling2d", 128, 128, 32, seed + 1));
  s->activations.push_back({"dense", {10}, std::vector<float>(10, 0.5f)});
  return s;
}

std::unique_ptr<TrainingUi> gl_ui() {
  auto ui = std::make_unique<TrainingUi>();
  init_training_gl(*ui);
  REQUIRE(ui->gl.colormap.ready());
  return ui;
}

std::vector<uint8_t> read_rgba(const ColorTarget& t) {
  std::vector<uint8_t> px(size_t(t.width()) * t.height() * 4);
  GLint previous = 0;
  glGetIntegerv(GL_FRAMEBUFFER_BINDING, &previous);
  glBindFramebuffer(GL_FRAMEBUFFER, t.fbo());
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, t.width(), t.height(), GL_RGBA, GL_UNSIGNED_BYTE, px.data());
  glBindFramebuffer(GL_FRAMEBUFFER, GLuint(previous));
  return px;
}

// Every conv/pool layer's RGBA in one piece: the whole atlas (feature_atlas) colour-mapped at once,
// on the CPU (colormap_rows, what the window uses) or by the shader pass (the path before).
std::vector<std::vector<uint8_t>> one_shot(const SnapshotPtr& s, bool per_layer,
                                           bool shader = false) {
  ColormapRenderer colormap;
  colormap.init();
  std::vector<std::vector<uint8_t>> out;
  for (const TensorCopy& t : s->activations) {
    if (t.shape.size() != 3) continue;
    const int cols = feature_grid_cols(t.shape[2]), rows = (t.shape[2] + cols - 1) / cols;
    const int w = cols * t.shape[1], h = rows * t.shape[0];
    std::vector<float> atlas = feature_atlas(t, cols);
    ColormapParams p;
    p.tile_w = t.shape[1], p.tile_h = t.shape[0], p.cols = cols;
    p.ranges = feature_ranges(t, per_layer);
    ColorTarget rgba;
    if (shader) {
      FloatTexture values;
      values.upload(atlas.data(), w, h);
      colormap.render(values, p, rgba, false);
    } else {
      std::vector<uint8_t> px;
      colormap_rows(atlas.data(), w, 0, h, p, px);
      rgba.ensure(w, h, false);
      rgba.upload_rows(px.data(), 0, h);
    }
    out.push_back(read_rgba(rgba));
  }
  return out;
}

// update_training_gl until the maps are whole; the number of calls.
int updates_until_whole(TrainingUi& ui) {
  int calls = 0, before = ui.gl.map_uploads;
  while (ui.gl.map_uploads == before && calls < 100) {
    update_training_gl(ui);
    ++calls;
    CHECK(ui.gl.map_texels_last <= kMapSliceTexels);
  }
  return calls;
}

}  // namespace

// conv2d: 8 maps per atlas row → 2048 × 1024 texels; max_pooling2d 1024 × 512.
constexpr long kConvTexels = 2048 * 1024, kPoolTexels = 1024 * 512;
static_assert(kConvTexels % kMapSliceTexels == 0 && kPoolTexels % kMapSliceTexels == 0,
              "the tests count whole budgets");
constexpr int kConvCalls = int(kConvTexels / kMapSliceTexels);  // 8 at 2^18
constexpr int kPoolCalls = int(kPoolTexels / kMapSliceTexels);  // 2

TEST_CASE("map slices: a 256x256x32 conv layer takes several updates, each within the budget") {
  static_assert(kConvCalls >= 4, "a big layer takes several updates");
  auto ui = gl_ui();
  ui->snap = snapshot(1, 0.0f);
  for (int call = 0; call < kConvCalls; ++call) {
    update_training_gl(*ui);
    CHECK(ui->gl.map_texels_last == kMapSliceTexels);
    CHECK(training_maps_pending(*ui));
  }
  CHECK(ui->gl.map_uploads == 0);
  REQUIRE(ui->gl.maps.size() == 2);
  CHECK(ui->gl.maps[0]->c == 32);  // whole: shown
  CHECK(ui->gl.maps[1]->c == 0);   // not yet: the panel draws a placeholder
  for (int call = 0; call < kPoolCalls; ++call) {
    CHECK(ui->gl.map_uploads == 0);
    update_training_gl(*ui);
    CHECK(ui->gl.map_texels_last == kMapSliceTexels);
  }
  CHECK(ui->gl.map_uploads == 1);
  CHECK_FALSE(training_maps_pending(*ui));
  CHECK(ui->gl.map_texels_max == kMapSliceTexels);
  CHECK(ui->gl.map_slices == kConvCalls + kPoolCalls);
  CHECK(ui->gl.maps[1]->c == 32);
  update_training_gl(*ui);  // nothing new
  CHECK(ui->gl.map_texels_last == 0);
  CHECK(ui->gl.map_slices == kConvCalls + kPoolCalls);
}

TEST_CASE("map slices: the sliced RGBA is byte for byte the one-shot upload's") {
  {
    auto ui = gl_ui();  // no budget: one call, the same pixels
    ui->snap = snapshot(7, 0.5f);
    ui->gl.map_slice_texels = 0;
    update_training_gl(*ui);
    CHECK(ui->gl.map_uploads == 1);
    CHECK(ui->gl.map_texels_last == kConvTexels + kPoolTexels);
    std::vector<std::vector<uint8_t>> want = one_shot(ui->snap, false);
    for (size_t k = 0; k < want.size(); ++k) CHECK(read_rgba(ui->gl.maps[k]->rgba) == want[k]);
  }
  for (bool per_layer : {false, true}) {
    CAPTURE(per_layer);
    SnapshotPtr s = snapshot(7, 0.5f);
    std::vector<std::vector<uint8_t>> want = one_shot(s, per_layer);
    auto ui = gl_ui();
    ui->snap = s;
    ui->maps_per_layer = per_layer;
    ui->gl.map_slice_texels = 100000;       // bands that end mid-tile and mid-layer
    CHECK(updates_until_whole(*ui) == 27);  // 2,621,440 texels / 100,000, rows whole: 27 calls
    REQUIRE(ui->gl.maps.size() == want.size());
    for (size_t k = 0; k < want.size(); ++k) {
      CAPTURE(k);
      CHECK(read_rgba(ui->gl.maps[k]->rgba) == want[k]);
    }
  }
}

TEST_CASE("map slices: the CPU's colours are the shader's, within one step of 255") {
  for (bool per_layer : {false, true}) {
    CAPTURE(per_layer);
    auto s = std::make_shared<Snapshot>(*snapshot(9, 1.5f));
    s->activations.push_back(maps("gaps", 20, 24, 6, 3.0f));  // 4 a row: two gap tiles
    const std::vector<std::vector<uint8_t>> cpu = one_shot(s, per_layer),
                                            gpu = one_shot(s, per_layer, true);
    REQUIRE(cpu.size() == gpu.size());
    for (size_t k = 0; k < cpu.size(); ++k) {
      REQUIRE(cpu[k].size() == gpu[k].size());
      size_t off_by_one = 0, worse = 0;
      for (size_t i = 0; i < cpu[k].size(); ++i) {
        const int d = std::abs(int(cpu[k][i]) - int(gpu[k][i]));
        off_by_one += d == 1, worse += d > 1;
      }
      CAPTURE(k);
      CAPTURE(off_by_one);
      CHECK(worse == 0);
      CHECK(off_by_one * 100 < cpu[k].size());  // float rounding: rare
    }
  }
}

TEST_CASE("map slices: until whole, the panels keep the previous texture and its pixels") {
  auto ui = gl_ui();
  ui->snap = snapshot(1, 0.0f);
  flush_training_maps(*ui);
  REQUIRE(ui->gl.maps.size() == 2);
  const GLuint old_tex = ui->gl.maps[0]->rgba.texture();
  const std::vector<uint8_t> old_px = read_rgba(ui->gl.maps[0]->rgba);
  SnapshotPtr next = snapshot(2, 2.0f);
  ui->snap = next;
  for (int call = 0; call + 1 < kConvCalls; ++call) {  // all of conv2d's bands but the last
    update_training_gl(*ui);
    CHECK(ui->gl.maps[0]->rgba.texture() == old_tex);
    CHECK(read_rgba(ui->gl.maps[0]->rgba) == old_px);
  }
  // A newer snapshot mid-way waits: the one in progress finishes first (between frames too).
  ui->snap = snapshot(3, 4.0f);
  CHECK_FALSE(advance_training_gl(*ui));  // conv2d's last band: swapped in
  CHECK(ui->gl.maps[0]->rgba.texture() != old_tex);
  for (int call = 0; call + 1 < kPoolCalls; ++call) CHECK_FALSE(advance_training_gl(*ui));
  CHECK(advance_training_gl(*ui));  // the pool's last band: whole
  CHECK(ui->gl.activations_version == 2);
  CHECK(read_rgba(ui->gl.maps[0]->rgba) == one_shot(next, false)[0]);
  CHECK_FALSE(advance_training_gl(*ui));  // starts nothing between frames
  update_training_gl(*ui);                // the next frame starts version 3
  CHECK(training_maps_pending(*ui));
  CHECK(ui->gl.map_job.snap->activations_version == 3);
}

TEST_CASE("map slices: a changed normalisation restarts the maps in progress; flush finishes") {
  auto ui = gl_ui();
  SnapshotPtr s = snapshot(5, 1.0f);
  ui->snap = s;
  update_training_gl(*ui);
  update_training_gl(*ui);
  ui->maps_per_layer = true;
  update_training_gl(*ui);  // restarted: conv2d's first band again
  CHECK(ui->gl.map_job.layer == 0);
  CHECK(ui->gl.map_job.row == kMapSliceTexels / 2048);
  CHECK(ui->gl.map_job.per_layer);
  ui->gl.flush_maps = true;  // screenshots
  update_training_gl(*ui);
  CHECK(ui->gl.map_texels_last == kConvTexels + kPoolTexels - kMapSliceTexels);  // the rest at once
  CHECK_FALSE(training_maps_pending(*ui));
  CHECK(ui->gl.maps_per_layer);
  std::vector<std::vector<uint8_t>> want = one_shot(s, true);
  for (size_t k = 0; k < want.size(); ++k) CHECK(read_rgba(ui->gl.maps[k]->rgba) == want[k]);
}

}  // namespace cnnlab

int main(int argc, char** argv) {
  if (!glfwInit()) {
    std::printf("map_slices: no display; skipped (run through tools/dev.sh test or xvfb-run)\n");
    return 77;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
  glfwWindowHint(GLFW_VISIBLE, GLFW_FALSE);
  cnnlab::g_window = glfwCreateWindow(64, 64, "map_slices", nullptr, nullptr);
  if (!cnnlab::g_window ||
      (glfwMakeContextCurrent(cnnlab::g_window), !cnnlab::load_gl(glfwGetProcAddress))) {
    std::printf("map_slices: no OpenGL 3.3 core context\n");
    glfwTerminate();
    return 1;
  }
  int rc = doctest::Context(argc, argv).run();
  glfwDestroyWindow(cnnlab::g_window);
  glfwTerminate();
  return rc;
}
