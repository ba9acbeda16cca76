// app/gui_main.cpp — `cnnlab` with no arguments: GLFW window + glad GL 3.3 core + Dear ImGui, laid
// out like ImGui's example_glfw_opengl3/main.cpp: init, loop, shut down in reverse.
#define GLFW_INCLUDE_NONE  // GL comes from glad (gfx/gl.h)
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <imgui_internal.h>  // KeepAliveID: exports keep the widget being typed in active

#include <algorithm>
#include <cfloat>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <utility>

#include "app/commands.h"
#include "app/gui_window.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/log.h"
#include "gfx/gl.h"
#include "gfx/texture.h"
#include "ui/app.h"
#include "ui/image_io.h"
#include "ui/layout_record.h"
#include "ui/panels.h"
#include "ui/training/training_state.h"

namespace cnnlab {

namespace {

void glfw_error(int code, const char* text) {
  log_error("GLFW error " + std::to_string(code) + ": " + text);
}

void rebuild_fonts(App& app) {
  build_fonts(app.fonts, *ImGui::GetIO().Fonts, app.settings.font_scale);
  ImGui_ImplOpenGL3_DestroyFontsTexture();
  ImGui_ImplOpenGL3_CreateFontsTexture();
  app.theme = apply_theme(app.settings.high_contrast, app.settings.font_scale);
  app.requests.rebuild_fonts = false;
}

struct WindowedState {
  int x = 0, y = 0, w = 0, h = 0;  // position and size before going fullscreen
};

void toggle_fullscreen(App& app, GLFWwindow* window, WindowedState& saved) {
  app.requests.toggle_fullscreen = false;
  if (!app.fullscreen) {
    GLFWmonitor* monitor = glfwGetPrimaryMonitor();
    const GLFWvidmode* mode = monitor ? glfwGetVideoMode(monitor) : nullptr;
    if (!mode) return;
    glfwGetWindowPos(window, &saved.x, &saved.y);
    glfwGetWindowSize(window, &saved.w, &saved.h);
    glfwSetWindowMonitor(window, monitor, 0, 0, mode->width, mode->height, mode->refreshRate);
  } else {
    glfwSetWindowMonitor(window, nullptr, saved.x, saved.y, saved.w, saved.h, 0);
  }
  app.fullscreen = !app.fullscreen;
}

// "slides/step.png", 7 → "slides/step-007.png".
std::string numbered_path(const std::string& path, int number) {
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "-%03d", number);
  std::string p = path;
  size_t dot = p.rfind('.');
  size_t slash = p.rfind('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) dot = p.size();
  return p.insert(dot, suffix);
}

// `cnnlab screenshot --all-steps`: every step rendered offscreen into OUT-001.png, OUT-002.png, ….
void write_all_steps(App& app, const RenderTarget& target, const WindowOptions& o) {
  for (int k = 0; k < app.view.num_steps(); ++k) {
    step_to(app.view, k);
    for (int f = 0; f < 2; ++f) {  // the second frame sees the first one's measured controls
      target.bind();
      render_frame(app, o.width, o.height, true);
    }
    write_png_rgba(numbered_path(o.out_png, k + 1), read_pixels(o.width, o.height));
  }
}

void apply_start_options(App& app, const WindowOptions& o) {
  if (!app.view.loaded()) return;
  if (o.step > 0) {
    if (o.step > app.view.num_steps()) {
      throw UserError("",
                      "step " + std::to_string(o.step) + " is past the end: lesson '" +
                          app.view.lesson.id + "' has " + std::to_string(app.view.num_steps()) +
                          " steps",
                      "use --step 1.." + std::to_string(app.view.num_steps()));
    }
    step_to(app.view, o.step - 1);
  }
  if (o.predict) set_predict(app.view, true);
  if (o.predict && !o.answer.empty()) submit_prediction(app.view, o.answer);
  app.presentation = o.presentation;
  if (!o.photo_pixel.empty()) {  // --photo-pixel Y,X
    if (std::sscanf(o.photo_pixel.c_str(), "%d,%d", &app.photo.pin_y, &app.photo.pin_x) != 2 ||
        app.photo.pin_y < 0 || app.photo.pin_x < 0)
      throw UserError("", "--photo-pixel " + o.photo_pixel + " is not a pixel",
                      "write Y,X, e.g. --photo-pixel 100,120");
    app.photo.large = true;
  }
}

// What run_window owns between init and shutdown (ImGui's example keeps these as main's locals).
struct Window {
  GLFWwindow* glfw = nullptr;
  std::unique_ptr<App> app;
  std::unique_ptr<RenderTarget> target;  // offscreen screenshots and the window's slide exports
  WindowInput input;                     // what the GLFW callbacks feed (keys, an event count)
};

// GLFW, a window with a GL 3.3 core context, glad. On failure prints why, cleans up, returns null.
GLFWwindow* open_gl_window(int width, int height, bool hidden) {
  glfwSetErrorCallback(glfw_error);
  if (!glfwInit()) {
    std::fprintf(stderr,
                 "cnnlab: cannot open a window: no display (hint: run under "
                 "xvfb-run -a -s \"-screen 0 1920x1080x24\", or use the CLI commands)\n");
    return nullptr;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
  if (hidden) glfwWindowHint(GLFW_VISIBLE, GLFW_FALSE);
  GLFWwindow* window =
      glfwCreateWindow(width, height, "cnnlab — convolution, step by step", nullptr, nullptr);
  if (!window) {
    std::fprintf(stderr,
                 "cnnlab: cannot create an OpenGL 3.3 core window (hint: check the GL driver; "
                 "under Xvfb install libgl1-mesa-dri)\n");
    glfwTerminate();
    return nullptr;
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(hidden ? 0 : 1);
  if (!load_gl(glfwGetProcAddress)) {
    std::fprintf(stderr, "cnnlab: OpenGL 3.3 core is not available\n");
    glfwDestroyWindow(window);
    glfwTerminate();
    return nullptr;
  }
  return window;
}

// The App (settings), the window, then Dear ImGui (context, ini file, backends, fonts, theme). On
// failure prints why, releases what it made and returns false.
bool init_window(Window& win, const WindowOptions& o) {
  win.app = std::make_unique<App>();
  App& app = *win.app;
  if (o.persist) app.settings = load_settings(settings_path());
  if (o.font_scale > 0)
    app.settings.font_scale = std::clamp(o.font_scale, kMinFontScale, kMaxFontScale);
  if (o.dark) app.settings.high_contrast = false;
  int win_w = o.offscreen ? 64 : app.settings.window_width;
  int win_h = o.offscreen ? 64 : app.settings.window_height;
  win.glfw = open_gl_window(win_w, win_h, o.offscreen);
  if (!win.glfw) {
    win.app.reset();
    return false;
  }
  log_info(gl_description());

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  // ImGui keeps the pointer, not the string: app.imgui_ini must outlive ImGui::DestroyContext,
  // which writes the file (shutdown_window frees the App after it).
  app.imgui_ini = o.persist ? config_dir() + "/imgui.ini" : "";
  ImGui::GetIO().IniFilename = o.persist ? app.imgui_ini.c_str() : nullptr;
  // Our callbacks forward to the backend's: keys are also queued (no press is lost between frames)
  // and every event wakes the idle loop (gui_input.cpp).
  ImGui_ImplGlfw_InitForOpenGL(win.glfw, false);
  win.input.keys = &app.keyboard.queue;
  install_input_callbacks(win.glfw, win.input);
  ImGui::GetIO().ConfigInputTextCursorBlink =
      false;  // a blinking caret would need frames while idle
  ImGui_ImplOpenGL3_Init("#version 330 core");
  rebuild_fonts(app);
  win.target = std::make_unique<RenderTarget>();
  return true;
}

// Lessons, the photo and the start options (--lesson, --step, --view training, …). Throws
// UserError.
void load_content(App& app, const WindowOptions& o) {
  init_photo(app);
  app_load_lessons(app, o.lesson_dir.empty() ? default_lesson_dir() : o.lesson_dir, o.lesson);
  if (!o.lesson.empty() && (!app.view.loaded() || app.view.lesson.id != o.lesson)) {
    throw UserError("", "no lesson with id '" + o.lesson + "'", "`cnnlab lessons` lists them");
  }
  apply_start_options(app, o);
  if (o.view == "training") {
    TrainingUi& ui = ensure_training(app);
    ui.runs.dir = o.runs_dir;  // listed only: a screenshot's own batches are not recorded
    start_training(ui, o.train_data, o.train_model, o.train_image_size, o.train_batches,
                   o.train_evaluate, o.train_tab);
    ui.gl.flush_maps = o.offscreen;  // a screenshot shows whole maps in its first frame
    if (!o.train_probe_image.empty() || !o.train_explain.empty())
      probe_and_explain_blocking(ui, o.train_probe_image, o.train_explain, 600);
  }
}

// `cnnlab screenshot`: `frames` frames into the FBO, then the PNG(s) and the layout sidecar.
void run_offscreen(Window& win, const WindowOptions& o) {
  App& app = *win.app;
  win.target->ensure(o.width, o.height);
  app.record_layout = !o.layout_path.empty();
  for (int f = 0; f < o.frames; ++f) {
    if (app.requests.rebuild_fonts) rebuild_fonts(app);
    win.target->bind();
    render_frame(app, o.width, o.height, true);
  }
  win.target->bind();
  write_png_rgba(o.out_png, read_pixels(o.width, o.height));
  if (o.all_steps) write_all_steps(app, *win.target, o);
  RenderTarget::unbind();
  if (!o.layout_path.empty()) {
    app.layout.width = o.width;
    app.layout.height = o.height;
    write_file_atomic(o.layout_path, format_layout(app.layout));
  }
}

// Whether a frame is due, after waiting for one. While the worker trains, frames are drawn only for
// input or a new snapshot, at most ~30 fps (vsync may be absent, e.g. under Xvfb), so that drawing
// leaves the cores to training; otherwise the window sleeps until input, Play or a new snapshot
// needs a frame.
bool wait_for_frame(Window& win, const WindowOptions& o, FramePacing& training, IdlePacing& idle) {
  App& app = *win.app;
  if (app.training && training_running(*app.training)) {
    return wait_for_training_frame(training, win.input, idle.seen_events,
                                   snapshot_version(*app.training));
  }
  IdleNeeds needs;
  needs.animating = app_animating(app);
  needs.animation_wait =
      app_animation_wait(app);             // Play: wake for its next step, not 60 times a second
  needs.busy = o.quit_after_frames > 0 ||  // maps arriving in slices: the frames carry them
               (app.training && training_maps_pending(*app.training));
  needs.watch_snapshots = app.training && app.training->worker;
  needs.version = app.training ? snapshot_version(*app.training) : 0;
  return wait_for_idle_frame(idle, win.input, needs);
}

// The interactive main loop: wait for a frame to be due, one frame, requests only the loop can
// serve (fonts, fullscreen, PNG exports), swap. Ends on close, Ctrl+Q or after `quit_after_frames`
// frames.
void main_loop(Window& win, const WindowOptions& o) {
  App& app = *win.app;
  WindowedState windowed;
  FramePacing training_pacing;
  IdlePacing idle_pacing;
  idle_pacing.settle_frames =
      kSettleFrames;  // the first frames, whatever events the window system sends
  int frames = 0;
  if (!queue_key_list(o.start_keys, app.keyboard.queue)) {
    throw UserError("", "CNNLAB_TEST_KEYS: unknown key in '" + o.start_keys + "'",
                    "e.g. right,ctrl+s,pagedown");
  }
  while (!glfwWindowShouldClose(win.glfw) && !app.requests.quit) {
    if (o.quit_after_frames > 0 && frames++ >= o.quit_after_frames) break;
    if (!wait_for_frame(win, o, training_pacing, idle_pacing)) {
      // Between frames while training: the next band of big feature maps (issue 11), and a frame
      // to show them once whole.
      if (!app.training || !advance_training_gl(*app.training)) continue;
    }
    zoom_by_wheel(app, float(std::exchange(win.input.zoom_wheel, 0.0)));  // Ctrl+wheel
    // Photos dropped on the window: the first becomes the training probe.
    open_probe_images(app, std::exchange(win.input.dropped, {}));
    if (app.requests.rebuild_fonts) rebuild_fonts(app);
    if (app.requests.toggle_fullscreen) toggle_fullscreen(app, win.glfw, windowed);
    int fb_w = 0, fb_h = 0;
    glfwGetFramebufferSize(win.glfw, &fb_w, &fb_h);
    if (fb_w <= 0 || fb_h <= 0) continue;  // minimised
    const double frame_start = glfwGetTime();
    render_frame(app, fb_w, fb_h, false);
    end_input_frame(win.glfw,
                    win.input);  // taps released within the frame: ImGui has now seen them down
    serve_exports(app, *win.target, fb_w, fb_h);
    glfwSwapBuffers(win.glfw);
    // What a frame costs decides how often snapshots get one (a software renderer: less often).
    if (app.training && training_running(*app.training))
      note_frame_cost(training_pacing, glfwGetTime() - frame_start);
  }
  if (!app.fullscreen)
    glfwGetWindowSize(win.glfw, &app.settings.window_width, &app.settings.window_height);
  if (o.persist) save_settings(settings_path(), app.settings);
}

// Shut down in ImGui's example order: backends, the ImGui context (which writes imgui.ini through
// the App's string), then our state (its GL objects need the context, so before the window), then
// the window.
void shutdown_window(Window& win) {
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  win.app.reset();
  win.target.reset();
  glfwDestroyWindow(win.glfw);
  glfwTerminate();
}

}  // namespace

// Builds one frame: backends, App (keys, play, photo, panels), then draws it into the bound
// framebuffer of size w × h.
void render_frame(App& app, int w, int h, bool offscreen, bool keep_active) {
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGuiIO& io = ImGui::GetIO();
  if (offscreen) {  // the hidden window's size and mouse do not matter: the FBO does
    io.DisplaySize = ImVec2(float(w), float(h));
    io.DisplayFramebufferScale = ImVec2(1, 1);
    io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
    for (bool& down : io.MouseDown) down = false;
  }
  ImGui::NewFrame();
  if (keep_active)
    ImGui::KeepAliveID(ImGui::GetActiveID());  // not drawn in this frame, still active after it
  bool was_playing = app.view.playing;
  handle_shortcuts(app);
  // The window sleeps when idle, so the time since the last frame can be long: Play counts it only
  // when it was already running, and at most half a second (a frame that stalled does not skip
  // steps).
  advance_play(app.view, was_playing ? std::min(io.DeltaTime, 0.5f) : 0.0f,
               app.settings.play_speed);
  update_photo(app);
  draw_app(app);
  ImGui::Render();
  glViewport(0, 0, w, h);
  ImVec4 bg = ImGui::ColorConvertU32ToFloat4(app.theme.grid.page_bg);
  glClearColor(bg.x, bg.y, bg.z, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

int run_window(const WindowOptions& o) {
  Window win;
  if (!init_window(win, o)) return 1;
  int status = 0;
  try {
    load_content(*win.app, o);
    if (o.offscreen)
      run_offscreen(win, o);
    else
      main_loop(win, o);
  } catch (const UserError& e) {
    std::fprintf(stderr, "cnnlab: %s\n", e.what());
    status = 1;
  }
  shutdown_window(win);
  return status;
}

int run_gui() {
  WindowOptions options;
  // Hidden test hook (tests/app/gui_pixels.cpp): quit after N frames, as if the user closed the
  // window.
  if (const char* n = std::getenv("CNNLAB_QUIT_AFTER_FRAMES"); n && *n)
    options.quit_after_frames = std::atoi(n);
  // ...and keys pressed before the first frame (tests/app/gui_export.cpp drives Ctrl+S with it).
  if (const char* k = std::getenv("CNNLAB_TEST_KEYS"); k && *k) options.start_keys = k;
  return run_window(options);
}

}  // namespace cnnlab
