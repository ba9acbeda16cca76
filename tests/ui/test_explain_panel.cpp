// tests/ui/test_explain_panel.cpp — the Explain panel and your own photo as the probe without a
// GPU: the heat texture's exact colours and alpha, and every panel that shows the probe drawn for a
// few frames (ImGui's asserts) when the probe is a photo with no dataset index.
#include <doctest/doctest.h>
#include <imgui.h>
#include <imgui_internal.h>  // FindWindowByName: is the dialog open

#include "ui/training/training_panels.h"

namespace cnnlab {

namespace {

struct HeadlessImGui {
  HeadlessImGui() {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = ImVec2(1280, 720);
    unsigned char* pixels = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
  }
  ~HeadlessImGui() { ImGui::DestroyContext(); }
};

// A loaded 8×8 two-class run whose probe is "my photo.jpg" under a Grad-CAM ramp.
std::shared_ptr<Snapshot> own_photo_snapshot() {
  auto s = std::make_shared<Snapshot>();
  auto data = std::make_shared<Dataset>();
  data->class_names = {"daisy", "rose"};
  data->height = data->width = 8;
  for (int i = 0; i < 4; ++i) {
    data->paths.push_back("/fake/" + data->class_names[size_t(i % 2)] + "/" + std::to_string(i));
    data->labels.push_back(i % 2);
  }
  data->pixels.assign(4 * 8 * 8 * 3, 90);
  s->data = data;
  s->class_names = data->class_names;
  s->split.train = {0, 1};
  s->split.test = {2, 3};
  s->state = RunState::Paused;
  s->probe_index = -1;
  s->probe_file = "my photo.jpg";
  s->probe_version = 3;
  s->probe_pixels.assign(8 * 8 * 3, 200);
  s->probe_probs = {0.25f, 0.75f};
  s->activations = {TensorCopy{"conv2d", {8, 8, 2}, std::vector<float>(128, 0.5f)},
                    TensorCopy{"dense", {2}, {0.1f, 0.9f}}};
  s->explain = {true, ExplainMethod::GradCam, -1};
  s->probe_explain.cls = 1;
  s->probe_explain.layer = "conv2d";
  s->probe_explain.h = s->probe_explain.w = 8;
  for (int i = 0; i < 64; ++i) s->probe_explain.heat.push_back(float(i) / 63);
  return s;
}

void frame(TrainingUi& ui, void (*panel)(TrainingUi&), ImVec2 size) {
  ImGui::GetIO().DeltaTime = 1.0f / 60.0f;
  ImGui::NewFrame();
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(size);
  ImGui::Begin("panel under test");
  panel(ui);
  ImGui::End();
  ImGui::Render();
}

}  // namespace

TEST_CASE("heat_rgba: viridis with alpha 0.4 + 0.6 heat; a wrong-sized heat is transparent") {
  RgbaImage img = heat_rgba({0.0f, 1.0f, 0.5f, 2.0f}, 2, 2);
  REQUIRE(img.width == 2);
  const uint8_t* p = img.pixel(0, 0);  // heat 0: dark purple at alpha 0.4 · 255 = 102
  CHECK((p[0] == 68 && p[1] == 1 && p[2] == 84 && p[3] == 102));
  p = img.pixel(1, 0);  // heat 1: yellow, opaque
  CHECK((p[0] == 253 && p[1] == 231 && p[2] == 37 && p[3] == 255));
  p = img.pixel(0, 1);  // 0.5: the middle stop, alpha 0.7 · 255 = 178.5 → 179
  CHECK((p[0] == 33 && p[1] == 145 && p[2] == 140 && p[3] == 179));
  p = img.pixel(1, 1);  // clamped to 1
  CHECK(p[3] == 255);
  RgbaImage bad = heat_rgba({0.5f}, 2, 2);
  for (uint8_t v : bad.rgba) CHECK(v == 0);
}

TEST_CASE("your photo as the probe: explain, maps and predictions panels draw it (no GPU)") {
  HeadlessImGui imgui;
  TrainingUi ui;  // no worker: the panels' commands are no-ops
  ui.snap = own_photo_snapshot();
  for (ImVec2 size : {ImVec2(1200, 650), ImVec2(420, 700), ImVec2(900, 260)}) {
    for (auto* panel :
         {draw_train_explain_panel, draw_train_maps_panel, draw_train_predictions_panel}) {
      for (int f = 0; f < 3; ++f) frame(ui, panel, size);
    }
  }
  CHECK(ui.explain_started);  // the panel asks for the heat the first time it is shown
  // Saliency, a chosen class, heat off: still draws.
  auto s = own_photo_snapshot();
  s->explain = {false, ExplainMethod::Saliency, 0};
  s->probe_explain = ProbeExplanation{};
  ui.snap = s;
  for (int f = 0; f < 3; ++f) frame(ui, draw_train_explain_panel, ImVec2(900, 600));
  // No dataset yet: a hint, no probe.
  ui.snap = std::make_shared<Snapshot>();
  for (int f = 0; f < 2; ++f) frame(ui, draw_train_explain_panel, ImVec2(900, 600));
}

TEST_CASE("File → Open image…: the dialog opens and draws inside the Training tab") {
  HeadlessImGui imgui;
  TrainingUi ui;
  ui.snap = own_photo_snapshot();
  ui.open_image_request = true;
  for (int f = 0; f < 3; ++f) {
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(1280, 720));
    ImGui::Begin("workspace");
    draw_training(ui, false, "/tmp");
    if (f == 0) CHECK_FALSE(ui.open_image_request);  // taken
    ImGui::End();
    ImGui::Render();
  }
  CHECK(ImGui::FindWindowByName("Open image") != nullptr);
}

}  // namespace cnnlab
