// bench/bench_gui.cpp — the training view's speed: median frame time while the worker trains, and training
// throughput with the window open vs the headless CLI (`cnnlab train`, same preset and settings), one run.
// Usage (under a display, e.g. xvfb-run): bench_gui --cnnlab BUILD/cnnlab [--data DIR] [--model small]
//        [--image-size 64] [--epochs 4] [--fps 30]
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "gfx/gl.h"
#include "ui/app.h"

using namespace cnnlab;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

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
  std::string cnnlab, data, model = "small";
  int image_size = 64, epochs = 4, fps = 30;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--cnnlab") a.cnnlab = v;
    else if (k == "--data") a.data = v;
    else if (k == "--model") a.model = v;
    else if (k == "--image-size") a.image_size = std::atoi(v.c_str());
    else if (k == "--epochs") a.epochs = std::atoi(v.c_str());
    else if (k == "--fps") a.fps = std::atoi(v.c_str());
  }
  if (a.data.empty()) a.data = std::getenv("CNNLAB_DATA") ? std::getenv("CNNLAB_DATA") : CNNLAB_DEFAULT_PHOTO_DIR;
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  Args a = parse(argc, argv);
  if (a.cnnlab.empty()) {
    std::fprintf(stderr, "usage: bench_gui --cnnlab BUILD/cnnlab [--data DIR] [--model P] [--image-size N] [--epochs E] [--fps F]\n");
    return 2;
  }
  // 1. Headless CLI, same settings (batch 32, lr 0.001, seed 42, 2 threads are both sides' defaults).
  std::string cmd = a.cnnlab + " train --data " + a.data + " --model " + a.model + " --image-size " +
                    std::to_string(a.image_size) + " --epochs " + std::to_string(a.epochs) + " --threads 2 2>&1";
  std::vector<double> cli = cli_epoch_seconds(cmd);

  // 2. The window, training the same run; frames capped at `fps` so llvmpipe leaves the cores to training.
  if (!glfwInit()) { std::fprintf(stderr, "bench_gui: no display (use xvfb-run)\n"); return 77; }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
  GLFWwindow* window = glfwCreateWindow(1600, 900, "cnnlab bench_gui", nullptr, nullptr);
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
  start_training_view(*app, a.data, a.model, a.image_size, 0, false, "", a.epochs);
  training_run(*app->training, 1);

  std::vector<double> work_ms, interval_ms, build_ms, raster_ms;
  Clock::time_point last = Clock::now();
  for (;;) {
    // The same pacing as gui_main.cpp's loop: wait up to 1/fps for events while training.
    if (training_running(*app)) glfwWaitEventsTimeout(1.0 / a.fps);
    else glfwPollEvents();
    Clock::time_point t0 = Clock::now();
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    draw_app(*app);
    ImGui::Render();
    build_ms.push_back(seconds_since(t0) * 1e3);
    int w = 0, h = 0;
    glfwGetFramebufferSize(window, &w, &h);
    glViewport(0, 0, w, h);
    glClearColor(1, 1, 1, 1);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    glfwSwapBuffers(window);
    glFinish();  // count llvmpipe's rasterising in the frame, not in the next one
    work_ms.push_back(seconds_since(t0) * 1e3);
    raster_ms.push_back(work_ms.back() - build_ms.back());
    interval_ms.push_back(std::chrono::duration<double>(t0 - last).count() * 1e3);
    last = t0;
    TrainingProgress p = training_progress(*app->training);
    if (p.done) {
      std::vector<double> win;
      for (size_t i = 1; i < p.epoch_seconds.size(); ++i) win.push_back(p.epoch_seconds[i]);
      int samples = p.epoch_samples.empty() ? 0 : p.epoch_samples[0];
      double cli_s = median(cli), win_s = median(win);
      std::printf("model %s @%d, %d epochs of %d samples, epochs 2..%d compared\n", a.model.c_str(), a.image_size,
                  a.epochs, samples, a.epochs);
      std::printf("headless CLI: median %.3f s/epoch = %.1f samples/s\n", cli_s, cli_s > 0 ? samples / cli_s : 0);
      std::printf("window open : median %.3f s/epoch = %.1f samples/s\n", win_s, win_s > 0 ? samples / win_s : 0);
      std::printf("frames: %zu, median frame work %.2f ms (p90 %.2f ms), median interval %.2f ms; %d map uploads, %d kernel uploads, %llu snapshots\n",
                  work_ms.size(), median(work_ms), [&] { auto v = work_ms; std::sort(v.begin(), v.end()); return v[v.size() * 9 / 10]; }(),
                  median(interval_ms), p.map_uploads, p.kernel_uploads, (unsigned long long)p.snapshots);
      std::printf("of which: median build (ImGui + uploads) %.2f ms, render + swap + glFinish %.2f ms\n", median(build_ms), median(raster_ms));
      std::printf("RESULT frame_ms=%.2f window_vs_cli=%.3f\n", median(work_ms), cli_s > 0 && win_s > 0 ? cli_s / win_s : 0);
      break;
    }
  }
  app.reset();
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return 0;
}
