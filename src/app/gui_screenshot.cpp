// app/gui_screenshot.cpp — `cnnlab screenshot`: render the window offscreen at a lesson step and
// write a PNG.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "app/commands.h"
#include "app/gui_window.h"
#include "core/error.h"
#include "lesson/lesson.h"

namespace cnnlab {

namespace {

bool parse_size(const std::string& text, int& w, int& h) {
  int a = 0, b = 0;
  char x = 0;
  if (std::sscanf(text.c_str(), "%d%c%d", &a, &x, &b) != 3 || (x != 'x' && x != 'X')) return false;
  if (a < 64 || b < 64 || a > 8192 || b > 8192) return false;
  w = a;
  h = b;
  return true;
}

// --dir must name a folder with at least one lesson that loads; a typo used to give a window with
// no lesson and exit status 0. Returns "" when it does, else the message.
std::string check_lesson_dir(const std::string& dir) {
  if (dir.empty()) return {};
  LessonLoadResult r = load_lessons(dir);
  if (!r.lessons.empty()) return {};
  if (!r.errors.empty()) return r.errors.front();
  return UserError::format(dir, "has no lesson files (*.toml)",
                           "omit --dir for the lessons cnnlab ships", 0);
}

}  // namespace

void register_gui_commands(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<WindowOptions>();
  auto size = std::make_shared<std::string>("1920x1080");
  auto panel = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "screenshot",
      "Render the window offscreen at a lesson step and write a PNG (needs a display; "
      "use xvfb-run on a headless machine)");
  cmd->add_option("--lesson", options->lesson,
                  "lesson id (see `cnnlab lessons`); default: the first");
  cmd->add_option("--dir", options->lesson_dir,
                  "lesson folder (default: the lessons/ cnnlab ships)");
  cmd->add_option("--step", options->step, "step to show, 1-based (default 1)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--out", options->out_png, "PNG file to write")->required();
  cmd->add_option("--size", *size, "image size WIDTHxHEIGHT")->capture_default_str();
  cmd->add_option("--font-scale", options->font_scale, "text scale, 0.5 to 4 (default 1)");
  cmd->add_flag("--predict", options->predict,
                "predict mode: the current cell waits for an answer");
  cmd->add_option("--answer", options->answer, "with --predict: submit this answer first");
  cmd->add_flag("--all-steps", options->all_steps,
                "every step of the lesson as a numbered PNG sequence (OUT-001.png, …) for slides");
  cmd->add_flag("--presentation", options->presentation,
                "presentation mode: grids, arithmetic, controls");
  cmd->add_flag("--dark", options->dark, "the dark theme instead of the high-contrast light one");
  cmd->add_option(
      "--layout", options->layout_path,
      "also write the screen rectangles of grid cells, the window and the tape (for tests)");
  cmd->add_option("--frames", options->frames, "frames rendered before the read-back")
      ->check(CLI::Range(1, 60));
  cmd->add_option("--view", options->view, "lessons (default) or training")
      ->check(CLI::IsMember({"lessons", "training"}));
  cmd->add_option(
      "--data", options->train_data,
      "--view training: dataset folder (default: $CNNLAB_DATA or ../shared/flowers/tiny_FR)");
  cmd->add_option("--model", options->train_model,
                  "--view training: model preset (course, small, tiny)")
      ->capture_default_str();
  cmd->add_option("--image-size", options->train_image_size,
                  "--view training: image size (default: the preset's)");
  cmd->add_option("--batches", options->train_batches,
                  "--view training: batches to train before the shot")
      ->check(CLI::Range(0, 100000));
  cmd->add_flag("--evaluate", options->train_evaluate,
                "--view training: evaluate the test split before the shot");
  cmd->add_option("--runs", options->runs_dir,
                  "--view training: the runs folder the Runs tab lists and the curves overlay "
                  "(screenshots never record runs)");
  cmd->add_option(
      "--tab", options->train_tab,
      "--view training: comma list of side tabs (predictions, explain, confusion, augment, model, "
      "lesson, runs) and toggles (delta, perlayer, layerN, enlargeN, mistakes, test, tickall: "
      "every run overlaid, "
      "replayN: the time-lapse at epoch N, "
      "glance=LAYER:C to enlarge a map or unit in the Network panel, pixel=Y:X to pin its pixel's "
      "arithmetic); focus-NAME shows one panel full screen as F5 does (curves, maps, glance, "
      "filters, predictions, explain, confusion, augment, model)");
  cmd->add_option("--panel", *panel,
                  "--view training: show a view in place of the panels: editor (the model editor "
                  "on --model; --tab editlayerN selects its layer N, editfit shows its Fit "
                  "section)")
      ->check(CLI::IsMember({"editor"}));
  cmd->add_option("--photo-pixel", options->photo_pixel,
                  "lessons: the kernel-on-a-photo view enlarged, pixel Y,X's arithmetic pinned");
  cmd->add_option("--probe-image", options->train_probe_image,
                  "--view training: this photo becomes the probe (as if dropped on the window)");
  cmd->add_option("--explain", options->train_explain,
                  "--view training: the probe's heat, gradcam or saliency (--tab explain shows it)")
      ->check(CLI::IsMember({"gradcam", "saliency"}));
  cmd->callback([options, size, panel, &exit_code] {
    if (!panel->empty())  // start_training reads it with the tab list
      options->train_tab += (options->train_tab.empty() ? "" : ",") + *panel;
    if (!parse_size(*size, options->width, options->height)) {
      std::fprintf(stderr,
                   "cnnlab screenshot: --size must look like 1920x1080 (64 to 8192 each)\n");
      exit_code = 2;
      return;
    }
    if (std::string bad = check_lesson_dir(options->lesson_dir); !bad.empty()) {
      std::fprintf(stderr, "cnnlab: error: --dir %s\n", bad.c_str());
      exit_code = 1;
      return;
    }
    options->offscreen = true;
    options->persist = false;
    exit_code = run_window(*options);
    if (exit_code == 0) std::printf("wrote %s\n", options->out_png.c_str());
  });
}

}  // namespace cnnlab
