// bench/bench_gui.cpp — the training view's speed: median frame time while the worker trains, and
// training throughput with the window open vs the headless CLI (`cnnlab train`, same preset and
// settings), one run. Usage (under a display, e.g. xvfb-run): bench_gui --cnnlab BUILD/cnnlab
// [--data DIR] [--model course]
//        [--image-size 64] [--epochs 4] [--rounds 2]. CLI and window runs alternate (the host is
//        noisy);
// both sides' epoch times are wall time between epoch ends, epochs 2..E (loading and warm-up left
// out). --maps-frames N trains nothing: N frames of the Training tab while fake snapshots with the
// course model's conv/pool shapes at --image-size arrive, maps uploaded at once vs in slices
// (issue 11), frame times for each.
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "app/gui_window.h"
#include "gfx/gl.h"
#include "ui/app.h"

using namespace cnnlab;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Epoch wall times of `cnnlab train`: the time between its per-epoch result lines (epochs 2..E, so
// loading and the first epoch's warm-up are left out on both sides).
std::vector<double> cli_epoch_seconds(const std::string& cmd) {
  std::vector<double> ends;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {};
  char line[4096];
  Clock::time_point t0 = Clock::now();
  while (std::fgets(line, sizeof line, p))
    if (std::string(line).find("/sample") != std::string::npos) ends.push_back(seconds_since(t0));
  pclose(p);
  std::vector<double> out;
  for (size_t i = 1; i < ends.size(); ++i) out.push_back(ends[i] - ends[i - 1]);
  return out;
}

struct Args {
  std::string cnnlab, data, model = "course";
  int image_size = 64, epochs = 4, fps = 30, rounds = 2;
  bool draw_frames =
      true;  // --draw 0: never draw (isolates the worker's snapshot cost from drawing)
  int width = 1600, height = 900;  // the window's default size (ui/settings.h)
  int maps_frames = 0;             // > 0: the feature-map upload benchmark instead of training
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--cnnlab")
      a.cnnlab = v;
    else if (k == "--data")
      a.data = v;
    else if (k == "--model")
      a.model = v;
    else if (k == "--image-size")
      a.image_size = std::atoi(v.c_str());
    else if (k == "--epochs")
      a.epochs = std::atoi(v.c_str());
    else if (k == "--fps")
      a.fps = std::atoi(v.c_str());
    else if (k == "--rounds")
      a.rounds = std::atoi(v.c_str());
    else if (k == "--draw")
      a.draw_frames = v != "0";
    else if (k == "--maps-frames")
      a.maps_frames = std::atoi(v.c_str());
    else if (k == "--size")
      std::sscanf(v.c_str(), "%dx%d", &a.width, &a.height);
  }
  if (a.data.empty())
    a.data = std::getenv("CNNLAB_DATA") ? std::getenv("CNNLAB_DATA") : CNNLAB_DEFAULT_PHOTO_DIR;
  return a;
}

// One frame's milliseconds: building the ImGui lists, and the whole frame (ImGui, render, swap and
// glFinish, so llvmpipe's rasterising counts in this frame, not the next).
struct FrameMs {
  double build = 0, work = 0;
};

FrameMs draw_frame(App& app, GLFWwindow* window) {
  FrameMs ms;
  Clock::time_point t0 = Clock::now();
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
  draw_app(app);
  ImGui::Render();
  ms.build = seconds_since(t0) * 1e3;
  int w = 0, h = 0;
  glfwGetFramebufferSize(window, &w, &h);
  glViewport(0, 0, w, h);
  glClearColor(1, 1, 1, 1);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  glfwSwapBuffers(window);
  glFinish();
  ms.work = seconds_since(t0) * 1e3;
  return ms;
}

struct FrameStats {
  std::vector<double> work_ms, build_ms, raster_ms;
  int map_uploads = 0, kernel_uploads = 0;
  uint64_t snapshots = 0;
};

// One training run in the window (paced as gui_main.cpp's loop); returns epoch wall times,
// epochs 2..E.
std::vector<double> window_round(App& app, GLFWwindow* window, const Args& a, FrameStats& st,
                                 int& samples) {
  TrainingUi& ui = ensure_training(app);
  start_training(ui, a.data, a.model, a.image_size, 0, false, "", a.epochs);
  training_run(ui, 1);
  std::vector<double> ends;
  FramePacing pacing;
  WindowInput input;  // no callbacks here: the benchmark's window gets no input
  uint64_t seen_events = 0;
  Clock::time_point start = Clock::now();
  for (;;) {
    bool draw = true;
    if (training_running(ui))
      draw =
          wait_for_training_frame(pacing, input, seen_events, snapshot_version(ui));  // <= ~30 fps
    else
      glfwPollEvents();
    TrainingProgress p = training_progress(ui);
    while (ends.size() < p.epoch_seconds.size()) ends.push_back(seconds_since(start));
    if (p.done) {
      samples = p.epoch_samples.empty() ? 0 : p.epoch_samples[0];
      st.map_uploads += p.map_uploads, st.kernel_uploads += p.kernel_uploads,
          st.snapshots += p.snapshots;
      break;
    }
    if (!draw && training_running(ui))
      draw = advance_training_gl(ui);  // as gui_main.cpp: map bands between frames, then a frame
    if (!draw || !a.draw_frames) continue;
    FrameMs t = draw_frame(app, window);
    if (training_running(ui)) note_frame_cost(pacing, t.work / 1e3);  // as gui_main.cpp
    st.build_ms.push_back(t.build);
    st.work_ms.push_back(t.work);
    st.raster_ms.push_back(t.work - t.build);
  }
  std::vector<double> out;
  for (size_t i = 1; i < ends.size(); ++i) out.push_back(ends[i] - ends[i - 1]);
  return out;
}

double p90(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() * 9 / 10];
}

double max_of(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}

// ---- --maps-frames: feature-map uploads without training

// The course model's activations at side S (conv2d S²×32, pool (S/2)²×32, conv2d_1 (S/2)²×64,
// pool (S/4)²×64, dense 1000 and 5), values varying with `seed`.
SnapshotPtr course_maps_snapshot(int side, uint64_t version, float seed) {
  auto s = std::make_shared<Snapshot>();
  s->version = s->activations_version = version;
  auto add = [&](const char* name, std::vector<int> shape) {
    size_t n = 1;
    for (int d : shape) n *= size_t(d);
    TensorCopy t{name, shape, std::vector<float>(n)};
    for (size_t i = 0; i < n; ++i) t.values[i] = float((i * 2654435761u + size_t(seed)) % 1000);
    s->activations.push_back(std::move(t));
  };
  add("conv2d", {side, side, 32});
  add("max_pooling2d", {side / 2, side / 2, 32});
  add("conv2d_1", {side / 2, side / 2, 64});
  add("max_pooling2d_1", {side / 4, side / 4, 64});
  add("dense", {1000});
  add("dense_1", {5});
  return s;
}

// One whole frame (ImGui, render, swap, glFinish): its milliseconds.
double timed_frame(App& app, GLFWwindow* window) {
  return draw_frame(app, window).work;
}

void print_times(const char* what, const std::vector<double>& ms) {
  std::printf("%-44s %4zu, median %6.2f ms, p90 %6.2f, max %6.2f\n", what, ms.size(), median(ms),
              p90(ms), max_of(ms));
}

// Frames of the Training tab while a new snapshot arrives every `period` frames: maps at once
// (budget 0, as before issue 11), in slices within the frames, and in slices between frames as
// the window's training loop does (advance_training_gl; a frame only when the maps are whole).
void maps_benchmark(App& app, GLFWwindow* window, const Args& a) {
  TrainingUi& ui = ensure_training(app);
  ui.worker.reset();  // the fake snapshots are the only ones
  ui.select_tab = true;
  const int period = 16;
  SnapshotPtr snaps[2] = {course_maps_snapshot(a.image_size, 1, 0),
                          course_maps_snapshot(a.image_size, 2, 7)};
  for (int mode = 0; mode < 3; ++mode) {
    ui.gl.map_slice_texels = mode == 0 ? 0 : kMapSliceTexels;
    ui.snap = std::make_shared<const Snapshot>();
    for (int f = 0; f < 4; ++f) timed_frame(app, window);  // layout settles, nothing uploaded
    std::vector<double> frames, between;
    int uploads = ui.gl.map_uploads;
    ui.gl.map_texels_max = 0;
    for (int f = 0; f < a.maps_frames; ++f) {
      if (f % period == 0) ui.snap = snaps[(f / period) % 2];
      frames.push_back(timed_frame(app, window));
      while (mode == 2 && training_maps_pending(ui)) {
        Clock::time_point t0 = Clock::now();
        bool whole = advance_training_gl(ui);
        glFinish();
        between.push_back(seconds_since(t0) * 1e3);
        if (whole) frames.push_back(timed_frame(app, window)), ++f;
      }
    }
    const char* names[] = {"maps at once, frames:", "maps in slices within frames, frames:",
                           "maps in slices between frames, frames:"};
    print_times(names[mode], frames);
    if (mode == 2) print_times("  the slices between frames:", between);
    std::printf("  %d map uploads, at most %ld texels in one update\n", ui.gl.map_uploads - uploads,
                ui.gl.map_texels_max);
  }
}

// CLI and window runs alternating (see the file's comment); prints the comparison. 1 on an error.
int training_benchmark(App& app, GLFWwindow* window, const Args& a) {
  // Same settings both sides: batch 32, lr 0.001, seed 42, 2 threads (the defaults of both).
  std::string cmd = a.cnnlab + " train --data " + a.data + " --model " + a.model +
                    " --image-size " + std::to_string(a.image_size) + " --epochs " +
                    std::to_string(a.epochs) + " --threads 2 2>&1";
  std::vector<double> cli, win;
  FrameStats st;
  int samples = 0;
  for (int r = 0; r < a.rounds; ++r) {
    for (double t : cli_epoch_seconds(cmd)) cli.push_back(t);
    try {
      for (double t : window_round(app, window, a, st, samples)) win.push_back(t);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bench_gui: %s\n", e.what());
      return 1;
    }
    std::printf("round %d: CLI %.3f s/epoch, window %.3f s/epoch (medians so far)\n", r + 1,
                median(cli), median(win));
  }
  double cli_s = median(cli), win_s = median(win);
  std::printf("model %s @%d, %d epochs of %d samples, epochs 2..%d of %d rounds compared\n",
              a.model.c_str(), a.image_size, a.epochs, samples, a.epochs, a.rounds);
  std::printf("headless CLI: median %.3f s/epoch = %.1f samples/s\n", cli_s,
              cli_s > 0 ? samples / cli_s : 0);
  std::printf("window open : median %.3f s/epoch = %.1f samples/s\n", win_s,
              win_s > 0 ? samples / win_s : 0);
  std::printf(
      "frames drawn: %zu, median frame %.2f ms (p90 %.2f): build (ImGui + uploads) %.2f, render + "
      "swap + glFinish %.2f;"
      " %d map uploads, %d kernel uploads, %llu snapshots\n",
      st.work_ms.size(), median(st.work_ms), p90(st.work_ms), median(st.build_ms),
      median(st.raster_ms), st.map_uploads, st.kernel_uploads, (unsigned long long)st.snapshots);
  std::printf("RESULT frame_ms=%.2f window_vs_cli=%.3f\n", median(st.work_ms),
              cli_s > 0 && win_s > 0 ? cli_s / win_s : 0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines appear as they happen, even through a pipe
  Args a = parse(argc, argv);
  if (a.cnnlab.empty() && a.maps_frames <= 0) {
    std::fprintf(stderr,
                 "usage: bench_gui --cnnlab BUILD/cnnlab [--data DIR] [--model P] [--image-size N] "
                 "[--epochs E] [--rounds R]\n");
    return 2;
  }
  if (!glfwInit()) {
    std::fprintf(stderr, "bench_gui: no display (use xvfb-run)\n");
    return 77;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
  GLFWwindow* window = glfwCreateWindow(a.width, a.height, "cnnlab bench_gui", nullptr, nullptr);
  if (!window) return 1;
  glfwMakeContextCurrent(window);
  glfwSwapInterval(0);
  if (!load_gl(glfwGetProcAddress)) return 1;
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 330 core");
  auto app = std::make_unique<App>();
  build_fonts(app->fonts, *ImGui::GetIO().Fonts, 1.0f);
  app->theme = apply_theme(true, 1.0f);
  init_photo(*app);

  int rc = 0;
  if (a.maps_frames > 0) {
    std::printf("feature maps of the course model at %d², %dx%d window, new maps every 16 frames\n",
                a.image_size, a.width, a.height);
    maps_benchmark(*app, window, a);
  } else {
    rc = training_benchmark(*app, window, a);
  }
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  app.reset();  // after the ImGui context (as gui_main.cpp), before the window: its textures need
                // GL
  glfwDestroyWindow(window);
  glfwTerminate();
  return rc;
}
