// app/gui_export.cpp — the window's PNG exports (Ctrl+S, File → Export…): the slide (a lesson's
// presentation view, drawn into an offscreen target so the window never shows it), every step as
// slides, the whole window, or a training panel. Errors go to the log.
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <utility>

#include "app/gui_window.h"
#include "core/log.h"
#include "gfx/texture.h"
#include "ui/app.h"
#include "ui/image_io.h"
#include "ui/training/training_state.h"

namespace cnnlab {

namespace {

void save_png(const std::string& path, const RgbaImage& image) {
  try {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    write_png_rgba(path, image);
    log_info("wrote " + path);
  } catch (const std::exception& e) {
    log_error(std::string("export failed: ") + e.what());
  }
}

// The current step as the audience sees it, w × h: presentation mode (unless `whole_window`), no
// mouse (hover, clicks), Play held. Two frames: the second sees the first one's measured controls.
RgbaImage render_export(App& app, RenderTarget& target, int w, int h, bool whole_window) {
  // What the window's next frame must find as it was: the layout, Play, the hover, and the keyboard
  // (the answer box being typed in keeps it: a digit typed just after Ctrl+S is not lost).
  bool presentation = app.presentation, playing = app.view.playing,
       answer_active = app.keyboard.answer_active;
  int hover = app.view.hover_step;
  app.presentation = presentation || !whole_window;
  app.view.playing = false;
  target.ensure(w, h);
  for (int f = 0; f < 2; ++f) {
    target.bind();
    render_frame(app, w, h, true, true);
  }
  RgbaImage image = read_pixels(w, h);
  RenderTarget::unbind();
  app.presentation = presentation;
  app.view.playing = playing;
  app.view.hover_step = hover;
  app.keyboard.answer_active = answer_active;
  return image;
}

// "Export all steps": every step of the lesson as <export dir>/<lesson>/step-001.png, ….
void export_all_steps(App& app, RenderTarget& target, int w, int h) {
  LessonView& v = app.view;
  if (!v.loaded()) return;
  int saved_step = v.step;
  std::string dir = export_dir(app) + "/" + v.lesson.id;
  for (int k = 0; k < v.num_steps(); ++k) {
    step_to(v, k);
    char name[32];
    std::snprintf(name, sizeof name, "/step-%03d.png", k + 1);
    save_png(dir + name, render_export(app, target, w, h, app.export_whole_window));
  }
  step_to(v, saved_step);
}

}  // namespace

void serve_exports(App& app, RenderTarget& target, int w, int h) {
  if (app.training)
    finish_training_frame(*app.training, w, h);  // a panel PNG: cropped from this frame
  // The slides are drawn into `target`: the window's back buffer keeps this frame for the
  // whole-window ones.
  for (const ExportRequest& r : std::exchange(app.requests.exports, {})) {
    save_png(r.path, r.whole_window ? read_pixels(w, h) : render_export(app, target, w, h, false));
  }
  if (app.requests.export_all_steps) {
    app.requests.export_all_steps = false;
    export_all_steps(app, target, w, h);
  }
}

}  // namespace cnnlab
