// tests/ui/test_training_panels.cpp — the Training tab without a GPU: every training panel for a
// few frames against a fake snapshot (ImGui's asserts catch Begin/End mismatches), the atlas
// helpers with exact values, the shipped training lessons, and the workspace driven by a real
// worker on a tiny dataset.
#include <doctest/doctest.h>
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/fileio.h"
#include "core/rng.h"
#include "data/image.h"
#include "nn/inspect.h"
#include "nn/model.h"
#include "test_tmp.h"
#include "ui/training/frame_pacing.h"
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
  for (size_t i = 0; i < n; ++i) t.values[i] = scale * std::sin(float(i) * 0.37f);
  return t;
}

// Two classes, 6 images of 8×8, three epochs that overfit, both evaluations filled.
std::shared_ptr<Snapshot> fake_snapshot() {
  auto s = std::make_shared<Snapshot>();
  auto data = std::make_shared<Dataset>();
  data->class_names = {"daisy", "rose"};
  data->height = data->width = 8;
  for (int i = 0; i < 6; ++i) {
    data->paths.push_back("/fake/" + data->class_names[size_t(i % 2)] + "/" + std::to_string(i) +
                          ".jpg");
    data->labels.push_back(i % 2);
  }
  data->pixels.assign(6 * 8 * 8 * 3, 128);
  s->data = data;
  s->class_names = data->class_names;
  s->split.train = {0, 1, 2};
  s->split.val = {3};
  s->split.test = {4, 5};
  s->state = RunState::Paused;
  s->status = "Epoch 3/5, batch 1/2";
  s->summary = "Model: \"sequential\"\n(fake summary)\n";
  s->num_params = 1000;
  s->layer_params = {{"conv2d", 304}, {"conv2d_1", 222}, {"dense", 474}};
  s->epochs = 5, s->epoch = 3, s->batch = 1, s->num_batches = 2;
  s->samples_done = 2, s->samples_total = 3, s->samples_per_s = 10, s->eta_epoch_s = 0.1,
  s->estimated_epoch_s = 0.3;
  for (int e = 0; e < 3; ++e)
    s->history.epochs.push_back(
        {e, 1.5 - 0.5 * e, 0.4 + 0.3 * e, 1.6 - 0.1 * e, 0.4 + 0.05 * e, 0.3, 3});
  for (int b = 0; b < 7; ++b)
    s->batch_losses.push_back(1.6f - 0.2f * b), s->batch_epoch.push_back(0.5f * (b + 1));
  s->conv_kernels = {ramp("conv2d", {5, 5, 3, 4}, 0.2f), ramp("conv2d_1", {3, 3, 4, 6}, 0.1f)};
  s->conv_kernels_init = {ramp("conv2d", {5, 5, 3, 4}, 0.1f),
                          ramp("conv2d_1", {3, 3, 4, 6}, 0.05f)};
  s->probe_index = 4;
  s->activations = {ramp("conv2d", {8, 8, 4}, 1), ramp("max_pooling2d", {4, 4, 4}, 1),
                    ramp("dense", {10}, 1), ramp("dense_1", {2}, 1)};
  s->probe_probs = {0.3f, 0.7f};
  s->val_eval = {"validation", 3, 1.0, 0.5, {3}, {0}, {0.6f, 0.4f}, {0, 0, 1, 0}};
  s->test_eval = {"test", 3, 0.9, 0.5, {4, 5}, {0, 0}, {0.6f, 0.4f, 0.7f, 0.3f}, {1, 0, 1, 0}};
  return s;
}

void frame_with(TrainingUi& ui, void (*panel)(TrainingUi&)) {
  ImGui::GetIO().DeltaTime = 1.0f / 60.0f;
  ImGui::NewFrame();
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(900, 700));
  ImGui::Begin("panel under test");
  panel(ui);
  ImGui::End();
  ImGui::Render();
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

std::string source(const std::string& rel) {
  return std::string(CNNLAB_SOURCE_DIR) + "/" + rel;
}

// The app's look at a zoom: DejaVu 18 px × zoom there, ImGui's 13 px font here, so the headless
// font is scaled to the same pixel height; spacing scaled as apply_theme does.
void set_zoom(float zoom) {
  ImGui::GetStyle() = ImGuiStyle();
  ImGui::GetStyle().ScaleAllSizes(zoom);
  ImGui::GetIO().FontGlobalScale = 18.0f * zoom / 13.0f;
}

bool overlap(const PanelRect& a, const PanelRect& b) {
  return std::min(a.x1, b.x1) - std::max(a.x0, b.x0) > 0.5f &&
         std::min(a.y1, b.y1) - std::max(a.y0, b.y0) > 0.5f;
}

// This frame's panels lie inside the display and do not overlap one another.
void check_rects(const TrainingUi& ui, float w, float h) {
  for (size_t i = 0; i < ui.rects.size(); ++i) {
    const PanelRect& r = ui.rects[i];
    INFO(r.name << " [" << r.x0 << ", " << r.y0 << ", " << r.x1 << ", " << r.y1 << "]");
    CHECK(r.x0 >= -0.5f);
    CHECK(r.y0 >= -0.5f);
    CHECK(r.x1 <= w + 0.5f);
    CHECK(r.y1 <= h + 0.5f);
    CHECK(r.x1 - r.x0 > 100);
    CHECK(r.y1 - r.y0 > 100);
    for (size_t j = i + 1; j < ui.rects.size(); ++j)
      CHECK_MESSAGE(!overlap(r, ui.rects[j]), ui.rects[j].name);
  }
}

}  // namespace

TEST_CASE("training panels: every panel draws a fake snapshot, and an empty one, without GL") {
  HeadlessImGui imgui;
  TrainingUi ui;  // no worker: commands are ignored
  void (*panels[])(TrainingUi&) = {draw_train_controls_panel,    draw_train_curves_panel,
                                   draw_train_maps_panel,        draw_train_filters_panel,
                                   draw_train_predictions_panel, draw_train_confusion_panel,
                                   draw_train_model_panel,       draw_train_lesson_panel};
  for (auto panel : panels)
    for (int f = 0; f < 3; ++f) frame_with(ui, panel);  // the empty snapshot
  ui.snap = fake_snapshot();
  ui.lessons = load_training_lessons(source("lessons/training"));
  for (bool delta : {false, true})
    for (bool per_layer : {false, true})
      for (int split : {0, 1}) {
        ui.kernels_delta = delta, ui.maps_per_layer = per_layer, ui.confusion_split = split;
        ui.confusion_row = 1, ui.confusion_col = 0;
        for (auto panel : panels)
          for (int f = 0; f < 2; ++f) frame_with(ui, panel);
      }
  ui.enlarged = 2, ui.enlarged_layer = 1;  // one map enlarged
  frame_with(ui, draw_train_maps_panel);
  ui.gallery_mistakes_only = true;
  frame_with(ui, draw_train_predictions_panel);
  CHECK(find_panel_rect(ui, "maps") != nullptr);
  CHECK(find_panel_rect(ui, "confusion") != nullptr);
}

TEST_CASE(
    "training workspace: all panels laid out side by side; tabs switch; PNG export is a request") {
  HeadlessImGui imgui;
  test::TempDir tmp("training_ws");
  TrainingUi ui;
  ui.snap = fake_snapshot();
  for (int f = 0; f < 3; ++f) workspace_frame(ui, tmp / "exports");
  CHECK(ui.export_dir == tmp / "exports");
  for (const char* name : {"controls", "curves", "maps", "filters", "predictions", "model"}) {
    const PanelRect* r = find_panel_rect(ui, name);
    REQUIRE_MESSAGE(r != nullptr, name);
    CHECK(r->x1 - r->x0 > 100);
    CHECK(r->y1 - r->y0 > 100);
    CHECK(r->x1 <= 1920.5f);
    CHECK(r->y1 <= 1080.5f);
  }
  // Curves above feature maps in the centre; filters in the right column.
  CHECK(find_panel_rect(ui, "curves")->y1 <= find_panel_rect(ui, "maps")->y0 + 1);
  CHECK(find_panel_rect(ui, "filters")->x0 > find_panel_rect(ui, "maps")->x1 - 1);
  CHECK(find_panel_rect(ui, "confusion") == nullptr);  // behind its tab
  ui.force_tab = "confusion";
  for (int f = 0; f < 2; ++f) workspace_frame(ui, tmp / "exports");
  CHECK(find_panel_rect(ui, "confusion") != nullptr);
  CHECK(find_panel_rect(ui, "predictions") == nullptr);
  // Without GL nothing was uploaded.
  CHECK(ui.gl.map_uploads == 0);
  CHECK(ui.gl.kernel_uploads == 0);
}

TEST_CASE(
    "training workspace at projector sizes and zooms: a layout that fits, every panel drawn, none "
    "overlapping") {
  HeadlessImGui imgui;
  test::TempDir tmp("training_sizes");
  TrainingUi ui;
  ui.snap = fake_snapshot();
  ui.lessons = load_training_lessons(source("lessons/training"));
  const char* panels[] = {"controls",    "curves",    "maps",  "filters",
                          "predictions", "confusion", "model", "lesson"};
  struct Case {
    float w, h, zoom;
    TrainingLayout layout;
  };
  // The content region is the display minus the window padding (the app's menu and tab bars take
  // a little more): 1280×720 at text ×1 is two columns, 1920×1080 three, text ×2 at 1280 all tabs.
  const Case cases[] = {{1280, 720, 1, TrainingLayout::TwoColumns},
                        {1280, 720, 1.5f, TrainingLayout::Tabs},
                        {1280, 720, 2, TrainingLayout::Tabs},
                        {1366, 768, 1, TrainingLayout::TwoColumns},
                        {1366, 768, 1.5f, TrainingLayout::Tabs},
                        {1366, 768, 2, TrainingLayout::Tabs},
                        {1920, 1080, 1, TrainingLayout::ThreeColumns},
                        {1920, 1080, 1.5f, TrainingLayout::TwoColumns},
                        {1920, 1080, 2, TrainingLayout::Tabs},
                        {2560, 1440, 1, TrainingLayout::ThreeColumns},
                        {2560, 1440, 1.5f, TrainingLayout::ThreeColumns},
                        {2560, 1440, 2, TrainingLayout::TwoColumns}};
  for (const Case& c : cases) {
    INFO(c.w << "x" << c.h << " text x" << c.zoom);
    ImGui::GetIO().DisplaySize = ImVec2(c.w, c.h);
    set_zoom(c.zoom);
    float pad = ImGui::GetStyle().WindowPadding.x;
    CHECK(training_layout(c.w - 2 * pad, c.h - 2 * pad, 18 * c.zoom) == c.layout);
    for (const char* name : panels) {  // bring each panel's tab forward, then look at the frame
      ui.force_tab = name;
      for (int f = 0; f < 2; ++f) workspace_frame(ui, tmp / "exports");
      INFO("showing " << name);
      CHECK(find_panel_rect(ui, name) != nullptr);
      check_rects(ui, c.w, c.h);
    }
  }
  set_zoom(1);
}

TEST_CASE(
    "training focus (F5): one panel fills the region; PageDown/PageUp cycle and wrap; Esc leaves") {
  HeadlessImGui imgui;
  test::TempDir tmp("training_focus");
  TrainingUi ui;
  ui.snap = fake_snapshot();
  ImGui::GetIO().DisplaySize = ImVec2(1280, 720);
  const std::vector<std::string> order{"curves",  "maps",      "glance",  "filters", "predictions",
                                       "explain", "confusion", "augment", "model"};
  CHECK(training_focus_panels() == order);
  training_focus_next(ui);  // not focused: nothing to cycle
  CHECK_FALSE(training_focus_active(ui));
  training_toggle_focus(ui);
  REQUIRE(training_focus_active(ui));
  for (size_t k = 0; k <= order.size(); ++k) {  // every panel, and back round to the first
    CHECK(training_focus_name(ui) == order[k % order.size()]);
    for (int f = 0; f < 2; ++f) workspace_frame(ui, tmp / "exports");
    REQUIRE(ui.rects.size() == 1);
    const PanelRect& r = ui.rects[0];
    CHECK(r.name == order[k % order.size()]);
    CHECK((r.x1 - r.x0) * (r.y1 - r.y0) >
          0.95f * 1280 * 720 * 0.97f);  // the window less its padding
    training_focus_next(ui);
  }
  training_focus_prev(ui);
  training_focus_prev(ui);
  CHECK(training_focus_name(ui) == "model");  // wrapped backwards past the first
  training_leave_focus(ui);                   // Esc
  CHECK_FALSE(training_focus_active(ui));
  CHECK(training_focus_name(ui) == "");
  training_toggle_focus(ui);  // F5 again: back to the panel last shown
  CHECK(training_focus_name(ui) == "model");
  training_toggle_focus(ui);
  CHECK_FALSE(training_focus_active(ui));
  CHECK(training_focus_set(ui, "filters"));
  CHECK(training_focus_name(ui) == "filters");
  CHECK_FALSE(training_focus_set(ui, "nonsense"));
  for (int f = 0; f < 2; ++f) workspace_frame(ui, tmp / "exports");
  REQUIRE(ui.rects.size() == 1);
  CHECK(ui.rects[0].name == "filters");
}

TEST_CASE("glance panel: strip, enlarged map and unit; a pixel asks once for its arithmetic") {
  HeadlessImGui imgui;
  TrainingUi ui;  // no worker: the request is only recorded
  for (int f = 0; f < 2; ++f) frame_with(ui, draw_train_glance_panel);  // empty snapshot
  auto s = fake_snapshot();
  ui.snap = s;
  for (int f = 0; f < 2; ++f) frame_with(ui, draw_train_glance_panel);
  CHECK(find_panel_rect(ui, "glance") != nullptr);
  // A pinned pixel of conv2d map 1 with no answer yet: asked once, remembered per maps version.
  ui.glance.layer = "conv2d", ui.glance.channel = 1, ui.glance.pin_y = 7, ui.glance.pin_x = 0;
  for (int f = 0; f < 3; ++f) frame_with(ui, draw_train_glance_panel);
  CHECK(ui.glance.asked == "conv2d 7 0 1");
  // The answer arrives in a snapshot: its arithmetic box draws (window grids, tape).
  Model m(8, 8, 3);
  m.conv2d(4, 5).flatten().dense(3).dense(2, Activation::Softmax);
  m.allocate(1, false);
  m.init(1);
  std::vector<float> x(8 * 8 * 3, 0.5f);
  m.forward(x.data(), 1);
  s->inspect = std::make_shared<const OutputArithmetic>(inspect_output(m, 1, 7, 0, 1, 4));
  for (int f = 0; f < 2; ++f) frame_with(ui, draw_train_glance_panel);
  ui.glance.layer = "dense_1", ui.glance.channel = 1, ui.glance.pin_y = ui.glance.pin_x = -1;
  s->inspect = std::make_shared<const OutputArithmetic>(inspect_output(m, 4, 0, 0, 1, 4));
  for (int f = 0; f < 2; ++f) frame_with(ui, draw_train_glance_panel);
  CHECK(ui.glance.layer == "dense_1");
  CHECK(ui.glance.asked == "conv2d 7 0 1");  // dense_1 unit 1 was already answered: not asked
  ui.glance.layer = "no_such_layer";         // another model's: back to the strip
  frame_with(ui, draw_train_glance_panel);
  CHECK(ui.glance.layer.empty());
}

TEST_CASE("training lessons: placeholders take the loaded model's numbers from its summary") {
  std::string small = build_preset("small", 64, 5).summary_table();
  CHECK(fill_lesson_numbers("{conv2d.filters} maps of {conv2d.output}", small) ==
        "8 maps of 64×64");
  CHECK(fill_lesson_numbers(
            "pool: {max_pooling2d.output}, then {conv2d_1.filters} maps, {max_pooling2d_1.output}",
            small) == "pool: 32×32, then 16 maps, 16×16");
  CHECK(fill_lesson_numbers("{params} weights; {largest.share} in {largest}", small) ==
        "264,309 weights; 99.21% in dense");
  CHECK(fill_lesson_numbers("{dense.units} units, {dense_1.output} outputs, {conv2d_1.params}",
                            small) == "64 units, 5 outputs, 1,168");
  std::string course = course_model(299, 5).summary_table();
  CHECK(fill_lesson_numbers("{conv2d.filters} maps of {conv2d.output}; {max_pooling2d_1.output}",
                            course) == "32 maps of 299×299; 74×74");
  CHECK(fill_lesson_numbers("{params}, {largest.share} in {largest}", course) ==
        "350,586,533, 99.97% in dense");
  // Unknown layers and no model yet: a question mark; braces that are not placeholders stay.
  CHECK(fill_lesson_numbers("{conv2d_9.filters} and {params}", "") == "? and ?");
  CHECK(fill_lesson_numbers("a set {1, 2} and {} and {Conv}", small) ==
        "a set {1, 2} and {} and {Conv}");
  // The shipped lessons resolve every placeholder for the presets the classroom uses.
  for (const LessonText& l : load_training_lessons(source("lessons/training")))
    for (const std::string& summary : {small, course}) {
      INFO(l.id);
      std::string filled = fill_lesson_numbers(l.text, summary);  // no '?' added, no brace left
      CHECK(std::count(filled.begin(), filled.end(), '?') ==
            std::count(l.text.begin(), l.text.end(), '?'));
      CHECK(filled.find('{') == std::string::npos);
    }
  std::vector<LessonText> lessons = load_training_lessons(source("lessons/training"));
  REQUIRE(!lessons.empty());
  CHECK(fill_lesson_numbers(lessons[0].text, small).find("8 maps of 64×64") != std::string::npos);
}

TEST_CASE("atlases: feature maps tiled channel by channel, ranges per map and per layer") {
  // (H, W, C) = (2, 2, 3): value = 100·c + 10·y + x. Two columns → 2 rows of tiles; tile 3 is a
  // gap.
  TensorCopy t{"conv2d", {2, 2, 3}, std::vector<float>(12)};
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 2; ++x)
      for (int c = 0; c < 3; ++c)
        t.values[size_t((y * 2 + x) * 3 + c)] = float(100 * c + 10 * y + x);
  std::vector<float> a = feature_atlas(t, 2);
  REQUIRE(a.size() == 16);  // (2 rows · 2, 2 cols · 2)
  // Row 0 of the atlas: channel 0 (0, 1) then channel 1 (100, 101).
  CHECK(a[0] == 0);
  CHECK(a[1] == 1);
  CHECK(a[2] == 100);
  CHECK(a[3] == 101);
  CHECK(a[4] == 10);  // row 1: y = 1
  CHECK(a[6] == 110);
  CHECK(a[8] == 200);  // second tile row: channel 2
  CHECK(a[11] == kGapValue);
  CHECK(activation_at(t, 1, 0, 2) == 210);
  auto per_map = feature_ranges(t, false);
  REQUIRE(per_map.size() == 3);
  CHECK(per_map[1] == std::pair<float, float>(100, 111));
  auto per_layer = feature_ranges(t, true);
  REQUIRE(per_layer.size() == 1);
  CHECK(per_layer[0] == std::pair<float, float>(0, 211));
  CHECK(feature_grid_cols(4) == 2);
  CHECK(feature_grid_cols(16) == 4);
  CHECK(feature_grid_cols(32) == 8);
  CHECK(feature_grid_cols(64) == 8);
}

TEST_CASE("atlases: kernel grid (Cin rows × Cout columns, gaps), change since init, RGB tiles") {
  // (KH, KW, Cin, Cout) = (1, 2, 2, 2): value = 1000·i + 100·j + 10·ci + co (i = 0).
  TensorCopy k{"conv2d_1", {1, 2, 2, 2}, std::vector<float>(8)};
  for (int j = 0; j < 2; ++j)
    for (int ci = 0; ci < 2; ++ci)
      for (int co = 0; co < 2; ++co)
        k.values[size_t((j * 2 + ci) * 2 + co)] = float(100 * j + 10 * ci + co);
  std::vector<float> g = kernel_grid_atlas(k, nullptr);
  // Width (KW+1)·Cout = 6, height (KH+1)·Cin = 4.
  REQUIRE(g.size() == 24);
  CHECK(g[0] == 0);    // ci 0, co 0, j 0
  CHECK(g[1] == 100);  // j 1
  CHECK(g[2] == kGapValue);
  CHECK(g[3] == 1);          // co 1
  CHECK(g[6] == kGapValue);  // the gap row under the first tile row
  CHECK(g[12] == 10);        // ci 1
  CHECK(kernel_abs_max(k, nullptr) == 111);
  TensorCopy init = k;
  for (float& v : init.values) v -= 2;
  std::vector<float> d = kernel_grid_atlas(k, &init);
  CHECK(d[0] == 2);
  CHECK(d[13] == 2);
  CHECK(kernel_abs_max(k, &init) == 2);
  // The shared shape helpers the panel's tooltips and the upload use.
  CHECK(kernel_grid_size(k).width == 6);
  CHECK(kernel_grid_size(k).height == 4);
  CHECK(kernel_at(k, nullptr, 0, 1, 1, 0) == 110);
  CHECK(kernel_at(k, &init, 0, 1, 1, 0) == 2);
  CHECK(filter_abs_max(k, nullptr, 0) == 110);  // filter 0: 0, 10, 100, 110
  CHECK(filter_abs_max(k, nullptr, 1) == 111);
  // RGB: one 1×1×3 kernel (-1, 0, 0.5): scaled by max |w| = 1 to 0.5 ± 0.5 → 0, 128, 191.
  TensorCopy rgb{"conv2d", {1, 1, 3, 1}, {-1.0f, 0.0f, 0.5f}};
  RgbaImage tiles = rgb_kernel_tiles(rgb, nullptr);
  REQUIRE(tiles.width == 2);
  CHECK(int(tiles.pixel(0, 0)[0]) == 0);
  CHECK(int(tiles.pixel(0, 0)[1]) == 128);
  CHECK(int(tiles.pixel(0, 0)[2]) == 191);
  CHECK(int(tiles.pixel(1, 0)[3]) == 0);  // gap column transparent
}

TEST_CASE(
    "frame pacing while training: input, settling, new snapshots at most 2.5/s, a 0.5 s "
    "heartbeat") {
  FramePacing p;
  CHECK(frame_due(p, 10.0, false, 0));  // 10 s since the last frame: the heartbeat
  CHECK(p.last_frame_s == 10.0);
  CHECK_FALSE(frame_due(p, 10.1, false, 0));
  CHECK_FALSE(frame_due(p, 10.3, false, 1));  // a new snapshot, but only 0.3 s after the last frame
  CHECK(frame_due(p, 10.4, false, 1));        // 0.4 s: shown
  CHECK(p.drawn_version == 1);
  CHECK_FALSE(frame_due(p, 10.45, false, 1));
  CHECK(frame_due(p, 10.5, true, 1));  // input: at once, then 3 settling frames
  CHECK(p.settle_frames == 3);
  for (int k = 0; k < 3; ++k) CHECK(frame_due(p, 10.55 + 0.05 * k, false, 1));
  CHECK(p.settle_frames == 0);
  CHECK_FALSE(frame_due(p, 10.7, false, 1));
  CHECK(frame_due(p, 11.21, false, 1));  // > 0.5 s since 10.65
}

TEST_CASE("frame pacing while training: costly frames (llvmpipe) are spaced to ~3% of the time") {
  FramePacing p;
  note_frame_cost(p, 0.002);  // a GPU: the 0.4 s floor
  CHECK(p.frame_cost_s == 0.002);
  CHECK(snapshot_frame_spacing(p) == 0.4);
  p = FramePacing{};
  note_frame_cost(p, 0.033);  // llvmpipe on two cores: 33 ms a frame → 1.1 s
  CHECK(p.frame_cost_s == 0.033);
  CHECK(snapshot_frame_spacing(p) == doctest::Approx(1.1));
  CHECK(frame_due(p, 20.0, false, 1));
  CHECK_FALSE(frame_due(p, 20.5, false, 2));  // 0.5 s: due on a GPU, not here
  CHECK_FALSE(frame_due(p, 21.0, false, 2));
  CHECK(frame_due(p, 21.1, false, 2));  // 1.1 s
  CHECK_FALSE(frame_due(p, 22.1, false, 2));
  CHECK(frame_due(p, 22.21, false, 2));  // the heartbeat waits as long
  CHECK(frame_due(p, 22.25, true, 2));   // input: at once, whatever the cost
  note_frame_cost(p, 0.093);             // a moving average: 0.75 · 0.033 + 0.25 · 0.093 = 0.048
  CHECK(p.frame_cost_s == doctest::Approx(0.048));
  note_frame_cost(p, 5.0);  // capped at 1 s: 0.75 · 0.048 + 0.25 = 0.286
  CHECK(p.frame_cost_s == doctest::Approx(0.286));
  CHECK(snapshot_frame_spacing(p) == 2.0);  // at most 2 s
}

TEST_CASE("widgets and form: ticks, presets with parameter counts, folder checks, lessons") {
  CHECK(nice_ticks(0, 1, 5) == std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1});
  std::vector<double> t = nice_ticks(0, 25, 5);
  CHECK(t.front() == 0);
  CHECK(t.back() == 25);
  CHECK(t.size() == 6);
  std::vector<PresetChoice> p = default_preset_choices(5);
  REQUIRE(p.size() == 7);  // course, course 64, course-regularised (299, 64), compact, small, tiny
  // Course model at 299: 2,432 + 18,496 + 350,465,000 + 100,100 + 505 (Keras summary).
  CHECK(p[0].params == 350586533u);
  CHECK(p[0].label.find("350,586,533") != std::string::npos);
  CHECK(p[1].image_size == 64);
  CHECK(default_image_size("small") == 64);
  CHECK(p[0].epochs == 0);  // the course model's file has no [fit]: the form keeps its epochs
  CHECK(p[4].preset == "compact");
  CHECK(p[4].epochs == 100);                    // choosing compact adopts its [fit] epochs
  CHECK(default_image_size("compact") == 192);  // averaged down to 96 inside the model
  CHECK(check_data_folder("").size() > 0);
  CHECK(check_data_folder("/nonexistent/cnnlab") ==
        "dataset folder does not exist (expected DIR/<class>/<image files>, like "
        "tiny_FR/daisy/*.jpg)");
  test::TempDir one_class("one_class");  // (lessons/ was this folder until lessons/backward/)
  std::filesystem::create_directory(one_class / "training");
  CHECK(check_data_folder(one_class.path().string()).find("only one class folder ('training')") ==
        0);
  std::vector<LessonText> lessons = load_training_lessons(source("lessons/training"));
  REQUIRE(lessons.size() >= 3);
  CHECK(lessons[0].title == "What is a feature map?");
  CHECK(lessons[0].text.find("feature map") != std::string::npos);
}

TEST_CASE(
    "folder check: the form applies data's rules (a class folder without files, a good folder)") {
  namespace fs = std::filesystem;
  test::TempDir tmp("folder_check");
  fs::create_directories(tmp.path() / "d" / "cats");
  fs::create_directories(tmp.path() / "d" / "dogs");
  write_file_atomic(tmp / "d/cats/a.png", "x");  // not decoded: only the layout is checked
  CHECK(check_data_folder(tmp / "d") ==
        tmp / "d/dogs" + ": class folder has no image files (remove the folder or add images)");
  write_file_atomic(tmp / "d/dogs/b.png", "x");
  CHECK(check_data_folder(tmp / "d") == "");
  CHECK(check_data_folder(tmp / "d/cats/a.png") ==
        "is a file, not a dataset folder (expected DIR/<class>/<image files>, like "
        "tiny_FR/daisy/*.jpg)");
}

TEST_CASE("training workspace with a real worker: load, train batches, draw while it runs") {
  namespace fs = std::filesystem;
  test::TempDir tmp("training_ui");
  fs::path dir = tmp.path() / "data";
  Rng rng(7);
  for (const char* name : {"bright", "dark"}) {
    fs::create_directories(dir / name);
    for (int i = 0; i < 12; ++i) {
      Image img{12, 12, 3, std::vector<uint8_t>(12 * 12 * 3)};
      for (auto& v : img.pixels)
        v = uint8_t(name[0] == 'b' ? 150 + rng.below(100) : rng.below(100));
      write_png((dir / name / (std::to_string(i) + ".png")).string(), img);
    }
  }
  HeadlessImGui imgui;
  std::unique_ptr<TrainingUi> ui = create_training_ui(source("lessons"), "");
  CHECK(ui->lessons.size() >= 3);
  RunSettings s;
  s.data_dir = dir.string();
  s.preset = "tiny";
  s.image_size = 12;
  s.epochs = 2;
  s.batch_size = 4;
  SnapshotPtr snap = load_blocking(*ui, s, 60);
  CHECK(snap->state == RunState::Ready);
  snap = train_batches_blocking(*ui, 3, 60);
  CHECK(snap->batch_losses.size() == 3);
  CHECK(snap->state == RunState::Paused);
  send_command(*ui, Command::Start);  // runs on while the UI draws: frames never wait
  for (int f = 0; f < 5; ++f) workspace_frame(*ui, tmp / "exports");
  send_command(*ui, Command::Stop);
  snap = ui->worker->wait_until([](const Snapshot& x) { return x.state == RunState::Done; }, 60);
  CHECK(snap->state == RunState::Done);
  workspace_frame(*ui, tmp / "exports");
  CHECK(ui->snap->batch_losses.size() >= 3);
  // Loading again starts a fresh run, but versions keep counting up (uploads and waiters rely on
  // it).
  uint64_t v = snap->version, av = snap->activations_version, wv = snap->weights_version;
  snap = load_blocking(*ui, s, 60);
  CHECK(snap->version > v);
  CHECK(snap->activations_version > av);
  CHECK(snap->weights_version > wv);
  CHECK(snap->batch_losses.empty());
  // Started from the command line (`--view training --model FILE`): the file's [fit] epochs and
  // batch size, as choosing it in the form and the CLI do; an epoch count given wins.
  const std::string fitted = tmp / "fitted.toml";
  write_file_atomic(fitted,
                    "name = \"fitted\"\nimage_size = 12\n[[layer]]\ntype = \"Flatten\"\n"
                    "[[layer]]\ntype = \"Dense\"\nunits = \"classes\"\nactivation = \"softmax\"\n"
                    "[fit]\nepochs = 3\nbatch_size = 6\n");
  ui->form.epochs = 25;
  start_training(*ui, dir.string(), fitted, 0, 0, false, "");
  CHECK(ui->form.epochs == 3);
  CHECK(ui->form.batch_size == 6);
  CHECK(form_settings(*ui).preset == fitted);
  start_training(*ui, dir.string(), fitted, 0, 0, false, "", 7);
  CHECK(ui->form.epochs == 7);
  ui.reset();
}

}  // namespace cnnlab
