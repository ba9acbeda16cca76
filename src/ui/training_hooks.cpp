// ui/training_hooks.cpp — the App's side of the Training tab: where the state lives (app.training), GL
// availability, the export folder. Kept apart from the panels because lesson.h and nn/layers.h clash.
#include "core/fileio.h"
#include "ui/app.h"
#include "ui/training_view.h"

namespace cnnlab {

namespace {
TrainingUi& ensure(App& app) {
  if (!app.training) {
    std::string recent = app.imgui_ini.empty() ? "" : config_dir() + "/recent_data.txt";
    app.training = create_training_ui(default_lesson_dir(), recent);
  }
  return *app.training;
}
}  // namespace

void draw_training_workspace(App& app) {
  TrainingUi& ui = ensure(app);
  draw_training(ui, app.photo.gl, export_dir(app));
  if (!app.record_layout) return;
  for (const PanelRect& r : training_panel_rects(ui)) app.layout.rects.push_back({"train." + r.name, r.x0, r.y0, r.x1, r.y1});
}

bool take_training_tab_request(App& app) { return app.training && take_tab_request(*app.training); }

void start_training_view(App& app, const std::string& data_dir, const std::string& preset, int image_size,
                         int batches, bool evaluate, const std::string& tab, int epochs) {
  TrainingUi& ui = ensure(app);
  prepare_training(ui, app.photo.gl, export_dir(app));
  start_training(ui, data_dir, preset, image_size, batches, evaluate, tab, epochs);
}

bool training_running(const App& app) { return app.training && training_running(*app.training); }

bool training_wait_for_frame(App& app) { return app.training && training_wait_for_frame(*app.training); }

void finish_training_frame(App& app, int width, int height) {
  if (app.training) finish_training_frame(*app.training, width, height);
}

}  // namespace cnnlab
