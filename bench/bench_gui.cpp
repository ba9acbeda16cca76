// bench/bench_gui.cpp — the training view's speed: median frame time while the worker trains, and
// training throughput with the window open vs the headless CLI (`cnnlab train`, same preset and
// settings), one run. Usage (under a display, e.g. xvfb-run): bench_gui --cnnlab BUILD/cnnlab
// [--data DIR] [--model course]
//        [--image-size 64] [--epochs 4] [--rounds 2]. CLI and window runs alternate (the host is
//        noisy);
// both sides' epoch times are wall time between epoch ends, epochs 2..E (loading and warm-up left
// out).
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
    else if (k == "--size")
      std::sscanf(v.c_str(), "%dx%d", &a.width, &a.height);
  }
  if (a.data.empty())
    a.data = std::getenv("CNNLAB_DATA") ? std::getenv("CNNLAB_DATA") : CNNLAB_DEFAULT_PHOTO_DIR;
  return a;
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
    if (!draw || !a.draw_frames) continue;
    Clock::time_point t0 = Clock::now();
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    draw_app(app);
    ImGui::Render();
    st.build_ms.push_back(seconds_since(t0) * 1e3);
    int w = 0, h = 0;
    glfwGetFramebufferSize(window, &w, &h);
    glViewport(0, 0, w, h);
    glClearColor(1, 1, 1, 1);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    glfwSwapBuffers(window);
    glFinish();  // count llvmpipe's rasterising in this frame, not the next
    st.work_ms.push_back(seconds_since(t0) * 1e3);
    st.raster_ms.push_back(st.work_ms.back() - st.build_ms.back());
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

}  // namespace

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines appear as they happen, even through a pipe
  Args a = parse(argc, argv);
  if (a.cnnlab.empty()) {
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
      for (double t : window_round(*app, window, a, st, samples)) win.push_back(t);
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
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  app.reset();  // after the ImGui context (as gui_main.cpp), before the window: its textures need
                // GL
  glfwDestroyWindow(window);
  glfwTerminate();
  return 0;
}
