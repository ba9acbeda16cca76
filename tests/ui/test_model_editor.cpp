// tests/ui/test_model_editor.cpp — the model editor in the Training tab: its state (edits, checks,
// save and reload, "Train this model" handing the file to the form, asking before discarding),
// drawn without GL at the projector's sizes, and its keys next to the clicker's.
#include <doctest/doctest.h>

#include <filesystem>

#include "core/fileio.h"
#include "data/image.h"
#include "headless_app.h"
#include "nn/model_file.h"
#include "test_tmp.h"
#include "ui/training/training_panels.h"

namespace cnnlab {

namespace {

// Two class folders with one small PNG each: enough for the form's folder check.
std::string tiny_folder(const test::TempDir& tmp) {
  for (const char* c : {"a", "b"}) {
    std::filesystem::create_directories(tmp / ("data/" + std::string(c)));
    write_png(tmp / ("data/" + std::string(c) + "/0.png"),
              Image{8, 8, 3, std::vector<uint8_t>(8 * 8 * 3, 100)});
  }
  return tmp / "data";
}

// The editor's ImGui keys as the GLFW backend maps them.
void map_keys() {
  ImGuiIO& io = ImGui::GetIO();
  io.KeyMap[ImGuiKey_UpArrow] = GLFW_KEY_UP;
  io.KeyMap[ImGuiKey_DownArrow] = GLFW_KEY_DOWN;
  io.KeyMap[ImGuiKey_Delete] = GLFW_KEY_DELETE;
}

void alt_press(App& app, int key) {
  ImGui::GetIO().KeyAlt = true;
  test::key_event(app, key, true);
  ImGui::GetIO().KeyAlt = true;  // key_event resets shift/ctrl only
  test::frame(app);
  test::key_event(app, key, false);
  ImGui::GetIO().KeyAlt = false;
  test::frame(app);
}

}  // namespace

TEST_CASE(
    "model editor: edits are checked, saved atomically, reloaded, and trained from the form") {
  test::TempDir tmp("model_editor");
  TrainingUi ui;  // no worker: Load is not sent
  ui.export_dir = tmp / "exports";
  ui.form.choice = 4;  // compact, 192×192 (preset_table's order)
  REQUIRE(form_settings(ui).preset == "compact");
  open_model_editor(ui);
  ModelEditor& e = ui.editor;
  CHECK(e.open);
  CHECK(e.spec == load_model_spec("compact"));
  CHECK(e.path.empty());
  CHECK_FALSE(e.dirty);
  CHECK(editor_check(ui).ok);
  CHECK(editor_blocker(ui).empty());

  // Keys: Delete removes the selected layer, Alt+↓ moves it; the top layer cannot move up.
  e.selected = 0;
  editor_key(ui, EditorKey::MoveUp);
  CHECK_FALSE(e.dirty);               // nothing moved
  editor_key(ui, EditorKey::Delete);  // RandomFlip gone
  CHECK(e.spec.layers.size() == 19);
  CHECK(e.spec.layers[0].type == "RandomRotation");
  CHECK(e.dirty);
  e.selected = 4;  // the first Conv2D, below the AveragePooling2D
  editor_key(ui, EditorKey::MoveUp);
  editor_key(ui, EditorKey::MoveUp);
  CHECK(e.selected == 2);
  // A Conv2D before augmentation: the next layer (RandomContrast) is at fault, in the loader's
  // words; nothing can be saved or trained.
  const SpecCheck& bad = editor_check(ui);
  CHECK_FALSE(bad.ok);
  CHECK(bad.error_layer == 3);
  CHECK(bad.error.find("RandomContrast after a Conv2D layer") == 0);
  CHECK(editor_blocker(ui).find("layer 4 (RandomContrast): RandomContrast after") == 0);
  CHECK_FALSE(editor_save(ui, tmp / "bad.toml"));
  CHECK_FALSE(std::filesystem::exists(tmp / "bad.toml"));
  CHECK_FALSE(editor_train(ui));
  CHECK(e.note.find("Cannot train: layer 4") == 0);
  editor_key(ui, EditorKey::MoveDown);  // back where it was
  editor_key(ui, EditorKey::MoveDown);
  REQUIRE(editor_check(ui).ok);

  // Opening another model with unsaved edits only asks.
  CHECK_FALSE(editor_load(ui, "tiny"));
  CHECK(e.ask_discard);
  CHECK(e.pending == "tiny");
  CHECK(e.spec.layers.size() == 19);  // the edits are still there

  // Save: ".toml" added, folders made; the file reloads to the same spec and model.
  REQUIRE(editor_save(ui, tmp / "mine/edited"));
  CHECK(e.path == tmp / "mine/edited.toml");
  CHECK_FALSE(e.dirty);
  CHECK(load_model_spec(e.path) == e.spec);
  CHECK(load_model_file(e.path, 0, 5).summary_table() == editor_check(ui).model.summary_table());

  // Train this model: the form's model becomes the file; without a usable folder it says so.
  ui.form.data_dir = tmp / "nowhere";
  CHECK_FALSE(editor_train(ui));
  CHECK(form_settings(ui).preset == e.path);
  CHECK(form_settings(ui).image_size == 192);
  CHECK(e.note.find("dataset folder cannot be used") != std::string::npos);
  CHECK(e.open);
  ui.form.data_dir = tiny_folder(tmp);
  const size_t choices = ui.presets.size();
  CHECK(editor_train(ui));
  CHECK(ui.presets.size() == choices);  // the same file and size: one choice, updated
  CHECK(form_settings(ui).preset == e.path);
  CHECK_FALSE(e.open);  // the panels come back to show the run

  // Edited and never saved: Train saves it under the export folder first.
  CHECK(editor_load(ui, "tiny", 0, false));  // saved: no question
  e.spec.name = "my tiny";
  editor_changed(ui);
  CHECK(editor_train(ui));
  CHECK(e.path == tmp / "exports/models/my_tiny.toml");
  CHECK(load_model_spec(e.path) == e.spec);
  CHECK(form_settings(ui).preset == e.path);
  CHECK(form_settings(ui).image_size == 32);

  // A shipped preset opened by its path is edited as the preset: Save never overwrites it.
  CHECK(editor_load(ui, model_file_path("small"), 0, true));
  CHECK(e.path.empty());
  // Too big to train here (a 2048×2048 input into Flatten → Dense 65536 softmax: 825 G
  // parameters): saving is allowed, training is not, with the memory plan's advice.
  e.spec.image_size = 2048;
  e.spec.layers = {default_layer("Flatten"), default_layer("Dense")};
  e.spec.layers[1].units = 65536, e.spec.layers[1].activation = "softmax";
  editor_changed(ui);
  INFO(editor_check(ui).error);
  REQUIRE(editor_check(ui).ok);
  CHECK(editor_blocker(ui).empty());
  CHECK(editor_train_blocker(ui).find("it does not fit in memory: this run needs") == 0);
  CHECK_FALSE(editor_train(ui));
  CHECK(editor_save(ui, tmp / "huge.toml"));

  // A file that does not load leaves the edits alone and says why.
  e.spec.layers.pop_back();
  editor_changed(ui);
  write_file_atomic(tmp / "broken.toml",
                    std::string("image_size = 32\n[[layer]]\ntype = \"Conv3D\"\n"));
  CHECK_FALSE(editor_load(ui, tmp / "broken.toml", 0, true));
  CHECK(e.note.find("broken.toml:3: unknown layer type \"Conv3D\"") != std::string::npos);
  CHECK(e.dirty);
}

TEST_CASE(
    "model editor: a BatchNormalization or [fit] value out of range blocks Save and Train until "
    "fixed; Train adopts the edited [fit] epochs and batch_size") {
  test::TempDir tmp("model_editor_fit");
  TrainingUi ui;  // no worker: Load is not sent
  ui.export_dir = tmp / "exports";
  ui.form.choice = 4;  // compact
  open_model_editor(ui);
  ModelEditor& e = ui.editor;
  REQUIRE(e.spec.layers[6].type == "BatchNormalization");
  e.spec.layers[6].momentum = 1;
  editor_changed(ui);
  CHECK(editor_check(ui).error_layer == 6);
  CHECK(editor_blocker(ui) ==
        "layer 7 (BatchNormalization): 'momentum' = 1 is out of range [0, 0.9999]");
  CHECK_FALSE(editor_save(ui, tmp / "bad.toml"));
  CHECK_FALSE(std::filesystem::exists(tmp / "bad.toml"));
  e.spec.layers[6].momentum = 0.8f;
  REQUIRE(e.spec.fit.cosine_decay.enabled);
  e.spec.fit.cosine_decay.alpha = 1.5;
  editor_changed(ui);
  const SpecCheck& c = editor_check(ui);
  CHECK(c.error_layer == -1);
  CHECK(c.error_fit == "cosine_decay");
  CHECK(c.built == e.spec.layers.size());  // the layers still show their shapes
  CHECK(editor_blocker(ui) == "[fit] cosine_decay: 'alpha' = 1.5 is out of range [0, 1]");
  CHECK_FALSE(editor_save(ui, tmp / "bad.toml"));
  CHECK_FALSE(editor_train(ui));
  CHECK(e.note.find("Cannot train: [fit] cosine_decay: 'alpha'") == 0);
  e.spec.fit.cosine_decay.alpha = 0.25;
  e.spec.fit.epochs = 7;
  e.spec.fit.batch_size = 12;
  e.spec.fit.early_stopping.enabled = true;  // compact stops on no callback: turned on here
  e.spec.fit.early_stopping.restore_best_weights = true;
  editor_changed(ui);
  REQUIRE(editor_blocker(ui).empty());
  ui.form.data_dir = tiny_folder(tmp);
  ui.form.epochs = 30;
  ui.form.batch_size = 32;
  REQUIRE(editor_train(ui));  // saved under the export folder, then handed to the form
  CHECK(ui.form.epochs == 7);
  CHECK(ui.form.batch_size == 12);
  const ModelSpec saved = load_model_spec(e.path);
  CHECK(saved == e.spec);
  CHECK(saved.layers[6].momentum == 0.8f);
  CHECK(saved.fit.cosine_decay.alpha == 0.25);
  CHECK(saved.fit.early_stopping.restore_best_weights);
}

TEST_CASE("model editor: the epoch estimate's rate comes from a GEMM, then from the loaded run") {
  TrainingUi ui;
  ui.form.threads = 2;
  const ComputeRate g = editor_rate(ui);
  CHECK(g.flops_per_s > 0);
  CHECK(g.source.find("measured GEMM") != std::string::npos);
  const double measured = ui.editor.gemm_flops;
  CHECK(editor_rate(ui).flops_per_s == doctest::Approx(measured * 2 * kTrainingGemmEfficiency));
  CHECK(ui.editor.gemm_flops == measured);  // measured once
  // A loaded run of the tiny model whose last epoch took 2 s: its FLOPs per second, from then on.
  auto snap = std::make_shared<Snapshot>();
  snap->data = std::make_shared<Dataset>();
  snap->split.train.assign(90, 0);
  snap->split.val.assign(10, 0);
  snap->class_names = {"a", "b", "c"};
  snap->settings.preset = "tiny";
  snap->settings.image_size = 32;
  snap->history.epochs.push_back({0, 1, 0.5, 1, 0.5, 2.0, 90});
  ui.snap = snap;
  const Model tiny = build_preset("tiny", 32, 3);
  const ComputeRate run = editor_rate(ui);
  CHECK(run.source.find("loaded run") != std::string::npos);
  CHECK(run.flops_per_s == doctest::Approx(epoch_flops(tiny, 90, 10) / 2.0).epsilon(1e-12));
}

TEST_CASE("model editor: drawn at 1280×720 and 1920×1080, text ×1 and ×2, valid and broken") {
  for (ImVec2 size : {ImVec2(1280, 720), ImVec2(1920, 1080)})
    for (float zoom : {1.0f, 2.0f}) {
      CAPTURE(size.x);
      CAPTURE(zoom);
      App app;
      test::Headless h(app, zoom, size);
      TrainingUi& ui = ensure_training(app);
      ui.form.choice = 4;  // compact
      app.workspace = Workspace::Training;
      ui.select_tab = true;
      open_model_editor(ui);
      for (int f = 0; f < 3; ++f) test::frame(app);
      const PanelRect* r = find_panel_rect(ui, "editor");
      REQUIRE(r != nullptr);
      CHECK(r->x0 >= 0);
      CHECK(r->x1 <= size.x + 0.5f);
      CHECK(r->y1 <= size.y + 0.5f);
      CHECK(r->x1 - r->x0 > size.x * 0.9f);
      CHECK(r->y1 - r->y0 > size.y * 0.6f);
      CHECK(find_panel_rect(ui, "curves") == nullptr);  // in place of the panels
      // Broken (a Dense layer on an image-shaped input), then every layer kind selected in turn.
      insert_layer(ui.editor.spec, 4, default_layer("Dense"));
      editor_changed(ui);
      for (const std::string& t : editable_layer_types()) {
        insert_layer(ui.editor.spec, 0, default_layer(t));
        ui.editor.selected = 0;
        editor_changed(ui);
        test::frame(app);
      }
      CHECK_FALSE(editor_check(ui).ok);
      // A [fit] problem, drawn under the Fit section; both callbacks off, then on again.
      ui.editor.spec.layers.erase(ui.editor.spec.layers.begin() + 18);  // the Dense layer again
      ui.editor.spec.layers.erase(ui.editor.spec.layers.begin(),
                                  ui.editor.spec.layers.begin() + 14);
      ui.editor.spec.fit.early_stopping.enabled = true;
      ui.editor.spec.fit.early_stopping.patience = -3;
      ui.editor.scroll_to = kEditorScrollFit;
      editor_changed(ui);
      test::frame(app);
      CHECK(editor_check(ui).error_fit == "early_stopping");
      CHECK(find_panel_rect(ui, "editor.fit") != nullptr);
      ui.editor.spec.fit.early_stopping.enabled = ui.editor.spec.fit.reduce_lr.enabled = false;
      editor_changed(ui);
      test::frame(app);
      ui.editor.spec.fit = load_model_spec("compact").fit;
      editor_changed(ui);
      test::frame(app);
      CHECK(editor_check(ui).ok);
      ui.editor.spec.layers.clear();
      editor_changed(ui);
      test::frame(app);
      close_model_editor(ui);
      test::frame(app);
      CHECK(find_panel_rect(ui, "editor") == nullptr);
      CHECK(ui.editor.dirty);  // closing keeps the edits
    }
}

TEST_CASE("model editor: Alt+↑/↓ and Delete edit the list; F5 and PageDown still work") {
  App app;
  test::Headless h(app, 1.0f, ImVec2(1920, 1080));
  map_keys();
  TrainingUi& ui = ensure_training(app);
  ui.form.choice = 6;  // tiny: Conv2D, MaxPooling2D, Flatten, Dense
  REQUIRE(form_settings(ui).preset == "tiny");
  app.workspace = Workspace::Training;
  ui.select_tab = true;
  open_model_editor(ui);
  for (int f = 0; f < 2; ++f) test::frame(app);  // the tab is selected in the second
  REQUIRE(app.workspace == Workspace::Training);
  const std::vector<LayerSpec> before = ui.editor.spec.layers;
  ui.editor.selected = 1;
  alt_press(app, GLFW_KEY_DOWN);
  CHECK(ui.editor.selected == 2);
  CHECK(ui.editor.spec.layers[2] == before[1]);
  alt_press(app, GLFW_KEY_UP);
  CHECK(ui.editor.spec.layers == before);
  test::press(app, GLFW_KEY_UP);  // without Alt: nothing
  CHECK(ui.editor.spec.layers == before);
  test::press(app, GLFW_KEY_DELETE);
  CHECK(ui.editor.spec.layers.size() == before.size() - 1);
  // The clicker: F5 shows one panel full screen over the editor, PageDown moves on, F5 returns.
  test::press(app, GLFW_KEY_F5);
  CHECK(training_focus_active(ui));
  const std::string first = training_focus_name(ui);
  test::press(app, GLFW_KEY_PAGE_DOWN);
  CHECK(training_focus_name(ui) != first);
  test::press(app, GLFW_KEY_F5);
  CHECK_FALSE(training_focus_active(ui));
  CHECK(ui.editor.open);
  CHECK(find_panel_rect(ui, "editor") != nullptr);
}

}  // namespace cnnlab
