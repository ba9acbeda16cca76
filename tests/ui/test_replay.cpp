// tests/ui/test_replay.cpp — the time-lapse replay without a GPU: the replayed snapshot holds the
// recorded values (not the live ones), the keys' stepping, the strip in the workspace at projector
// sizes, and the CPU composition and GIF a slide deck gets (read back with giflib).
#include <doctest/doctest.h>
#include <gif_lib.h>
#include <imgui.h>

#include <cmath>
#include <filesystem>

#include "core/error.h"
#include "test_tmp.h"
#include "ui/training/replay.h"
#include "ui/training/timelapse_export.h"
#include "ui/training/training_panels.h"

namespace cnnlab {

namespace {

struct HeadlessImGui {
  HeadlessImGui() {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = ImVec2(1920, 1080);
    unsigned char* pixels = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
  }
  ~HeadlessImGui() { ImGui::DestroyContext(); }
};

TensorCopy ramp(const std::string& name, std::vector<int> shape, float scale) {
  size_t n = 1;
  for (int d : shape) n *= size_t(d);
  TensorCopy t{name, shape, std::vector<float>(n)};
  for (size_t i = 0; i < n; ++i) t.values[i] = scale * std::sin(float(i) * 0.37f + scale);
  return t;
}

// Two classes, 6 images; the live run at epoch 3 of 5 with a record of epochs 0..3 whose kernels
// are the live ones scaled by (epoch + 1) / 4.
std::shared_ptr<Snapshot> snapshot_with_record() {
  auto s = std::make_shared<Snapshot>();
  s->inspect = std::make_shared<const OutputArithmetic>();  // a live pixel's arithmetic
  auto data = std::make_shared<Dataset>();
  data->class_names = {"daisy", "rose"};
  data->height = data->width = 8;
  for (int i = 0; i < 6; ++i)
    data->paths.push_back("/fake/" + std::to_string(i) + ".jpg"), data->labels.push_back(i % 2);
  data->pixels.assign(6 * 8 * 8 * 3, 128);
  s->data = data;
  s->class_names = data->class_names;
  s->split.train = {0, 1, 2}, s->split.val = {3}, s->split.test = {4, 5};
  s->state = RunState::Paused;
  s->epochs = 5, s->epoch = 3;
  s->conv_kernels = {ramp("conv2d", {5, 5, 3, 4}, 0.2f), ramp("conv2d_1", {3, 3, 4, 6}, 0.1f)};
  s->conv_kernels_init = s->conv_kernels;
  s->probe_index = 4;
  s->activations = {ramp("conv2d", {8, 8, 4}, 1), ramp("max_pooling2d", {4, 4, 4}, 1),
                    ramp("dense_1", {2}, 1)};
  s->probe_probs = {0.3f, 0.7f};
  s->val_eval = {"validation", 3, 1.0, 0.5, {3}, {0}, {0.6f, 0.4f}, {0, 0, 1, 0}};
  s->test_eval = {"test", 3, 0.9, 0.5, {4, 5}, {0, 0}, {0.6f, 0.4f, 0.7f, 0.3f}, {1, 0, 1, 0}};
  TimelapsePtr t;
  for (int e = 0; e <= 3; ++e) {
    std::vector<TensorCopy> k = s->conv_kernels;
    for (TensorCopy& c : k)
      for (float& v : c.values) v *= float(e + 1) / 4;
    SplitEval val{"validation", e, 1.0 / (e + 1), 0.5, {3}, {e % 2}, {}, {}};
    val.confusion = e % 2 ? std::vector<int>{0, 0, 1, 0} : std::vector<int>{0, 0, 0, 1};
    t = timelapse_append(t, make_timelapse_frame(e, k, s->activations, e == 2 ? 5 : 4,
                                                 {0.1f * e, 1 - 0.1f * e}, e ? &val : nullptr));
  }
  s->timelapse = t;
  return s;
}

void workspace_frame(TrainingUi& ui, const std::string& export_dir) {
  ImGui::GetIO().DeltaTime = 1.0f / 60.0f;
  ImGui::NewFrame();
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImGui::GetIO().DisplaySize);
  ImGui::Begin("workspace");
  draw_training(ui, false, export_dir);
  ImGui::End();
  ImGui::Render();
}

}  // namespace

TEST_CASE("replay: the shown snapshot holds the recorded epoch's values, live returns") {
  TrainingUi ui;
  ui.snap = snapshot_with_record();
  CHECK(&shown_snapshot(ui) == ui.snap.get());  // live
  replay_set(ui, 1);
  const Snapshot& r = shown_snapshot(ui);
  CHECK(replaying(ui));
  CHECK(r.epoch == 1);
  REQUIRE(r.conv_kernels.size() == 2);
  for (size_t i = 0; i < r.conv_kernels[0].values.size(); ++i)
    CHECK(r.conv_kernels[0].values[i] == ui.snap->conv_kernels[0].values[i] * 0.5f);
  CHECK(r.conv_kernels[1].name == "conv2d_1");
  CHECK(r.val_eval.epoch == 1);
  CHECK(r.val_eval.confusion == std::vector<int>{0, 0, 1, 0});
  CHECK(r.val_eval.predicted == std::vector<int>{1});
  CHECK(r.val_eval.loss == doctest::Approx(0.5));
  CHECK(r.test_eval.epoch == -1);  // not recorded: not shown as if it were of this epoch
  CHECK(r.probe_probs == std::vector<float>{0.1f, 0.9f});
  // Maps: the conv layer's (8-bit, so within 1/255 of its range), then the output bars.
  REQUIRE(r.activations.size() == 2);
  CHECK(r.activations[0].name == "conv2d");
  CHECK(r.activations[0].values[5] ==
        doctest::Approx(ui.snap->activations[0].values[5]).epsilon(0.01));
  CHECK(r.activations[1].name == "dense_1");
  CHECK(r.weights_version != ui.snap->weights_version);
  CHECK(ui.snap->inspect != nullptr);
  CHECK(r.inspect == nullptr);  // the live network's arithmetic is not the recorded epoch's
  // Built once per frame shown; another frame is a new version for the GL side.
  const uint64_t v = r.weights_version;
  CHECK(&shown_snapshot(ui) == &r);
  replay_set(ui, 2);
  CHECK(shown_snapshot(ui).weights_version == v + 1);
  CHECK(shown_snapshot(ui).probe_index == 5);
  replay_set(ui, 0);
  CHECK(shown_snapshot(ui).val_eval.epoch == -1);  // epoch 0: not evaluated yet
  replay_live(ui);
  CHECK(&shown_snapshot(ui) == ui.snap.get());
}

TEST_CASE("replay: [ and ] step, Home the first, End live; an index outside the data is dropped") {
  TrainingUi ui;
  ui.snap = snapshot_with_record();
  replay_step(ui, -1);  // from live: the last recorded epoch
  CHECK(ui.replay.frame == 3);
  replay_step(ui, -1);
  CHECK(ui.replay.frame == 2);
  replay_first(ui);
  replay_step(ui, -1);  // stays at the first
  CHECK(ui.replay.frame == 0);
  replay_set(ui, 3);
  replay_step(ui, +1);  // past the last: live
  CHECK(ui.replay.frame == -1);
  replay_set_epoch(ui, 2);
  CHECK(ui.replay.frame == 2);
  CHECK_THROWS_AS(replay_set_epoch(ui, 9), UserError);
  // A record made on another dataset: its indices do not fit this one's 6 images.
  Snapshot small = *ui.snap;
  auto data = std::make_shared<Dataset>(*small.data);
  data->labels.resize(3), data->paths.resize(3);
  small.data = data;
  Snapshot r = make_replay_snapshot(small, *ui.snap->timelapse->frames[2], 7);
  CHECK(r.probe_index == -1);
  CHECK(r.probe_probs.empty());
  CHECK(r.val_eval.epoch == -1);
}

TEST_CASE("replay: the strip fits at projector sizes and zooms; panels stay inside, apart") {
  HeadlessImGui imgui;
  test::TempDir tmp("replay_ws");
  TrainingUi ui;
  ui.snap = snapshot_with_record();
  for (float zoom : {1.0f, 2.0f})
    for (ImVec2 size : {ImVec2(1280, 720), ImVec2(1920, 1080)}) {
      INFO(size.x << "x" << size.y << " zoom " << zoom);
      ImGui::GetIO().DisplaySize = size;
      ImGui::GetStyle() = ImGuiStyle();
      ImGui::GetStyle().ScaleAllSizes(zoom);
      ImGui::GetIO().FontGlobalScale = 18.0f * zoom / 13.0f;
      for (int frame : {-1, 1}) {
        replay_set(ui, frame);
        for (int f = 0; f < 3; ++f) workspace_frame(ui, tmp / "exports");
        CHECK(replaying(ui) == (frame >= 0));
        REQUIRE(!ui.rects.empty());
        for (const PanelRect& r : ui.rects) {
          INFO(r.name);
          CHECK(r.y0 >= 0);
          CHECK(r.y1 <= size.y + 0.5f);
          CHECK(r.x1 <= size.x + 0.5f);
        }
      }
    }
  ImGui::GetIO().FontGlobalScale = 1;
  ImGui::GetStyle() = ImGuiStyle();
}

TEST_CASE(
    "timelapse export: a PNG per epoch and a GIF with one frame per epoch (giflib reads it)") {
  test::TempDir tmp("timelapse_gif");
  auto s = snapshot_with_record();
  TimelapseExport e = export_timelapse(*s->timelapse, tmp / "out", tmp / "t.gif");
  REQUIRE(e.pngs.size() == 4);
  CHECK(std::filesystem::path(e.pngs[3]).filename() == "epoch_003.png");
  for (const std::string& p : e.pngs) CHECK(std::filesystem::exists(p));
  CHECK(e.width == 960);
  int err = 0;
  GifFileType* g = DGifOpenFileName((tmp / "t.gif").c_str(), &err);
  REQUIRE(g);
  REQUIRE(DGifSlurp(g) == GIF_OK);
  CHECK(g->ImageCount == 4);  // epochs 0..3
  CHECK(g->SWidth == e.width);
  CHECK(g->SHeight == e.height);
  GraphicsControlBlock gcb;
  REQUIRE(DGifSavedExtensionToGCB(g, 0, &gcb) == GIF_OK);
  CHECK(gcb.DelayTime == 60);
  REQUIRE(DGifSavedExtensionToGCB(g, 3, &gcb) == GIF_OK);
  CHECK(gcb.DelayTime == 250);  // the last epoch stays a while
  DGifCloseFile(g, &err);
  // Frames differ as the kernels do: epoch 0's picture is not epoch 3's.
  RgbaImage a = compose_timelapse_frame(*s->timelapse->frames[0], 3),
            b = compose_timelapse_frame(*s->timelapse->frames[3], 3);
  REQUIRE(a.height == b.height);
  CHECK(a.rgba != b.rgba);
  // A folder that cannot be made is a UserError naming it.
  CHECK_THROWS_AS(export_timelapse(*s->timelapse, "/proc/no/such", ""), UserError);
}

}  // namespace cnnlab
