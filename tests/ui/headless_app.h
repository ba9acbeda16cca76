// tests/ui/headless_app.h — an App in a headless ImGui context (real fonts, no renderer) for the
// shell's tests: frames as the window builds them, key presses as the window's GLFW callbacks
// deliver them.
#pragma once
#include <doctest/doctest.h>

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>  // key codes, as the GLFW backend fills io.KeysDown and the key queue
#include <imgui.h>

#include <string>
#include <vector>

#include "lesson/lesson.h"
#include "ui/app.h"

namespace cnnlab::test {

// An ImGui context with the real fonts and no renderer: NewFrame/Render build draw lists only.
struct Headless {
  explicit Headless(App& app, float scale = 1.0f, ImVec2 size = ImVec2(1920, 1080)) {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = size;
    io.ConfigInputTextCursorBlink = false;  // as the window sets it
    app.settings.font_scale = scale;
    build_fonts(app.fonts, *io.Fonts, scale);
    unsigned char* pixels = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
    app.theme = apply_theme(app.settings.high_contrast, scale);
  }
  ~Headless() { ImGui::DestroyContext(); }
  Headless(const Headless&) = delete;
  Headless& operator=(const Headless&) = delete;
};

// One frame as app/gui_main.cpp's render_frame builds it (without GL).
inline void frame(App& app) {
  ImGuiIO& io = ImGui::GetIO();
  io.DeltaTime = 1.0f / 60.0f;
  ImGui::NewFrame();
  handle_shortcuts(app);
  advance_play(app.view, io.DeltaTime, app.settings.play_speed);
  update_photo(app);  // no GL: must do nothing
  draw_app(app);
  ImGui::Render();
}

// What the window's key callback does with a press or release: ImGui's backend sets io.KeysDown
// (and the modifiers), and a press goes to the App's queue.
inline void key_event(App& app, int key, bool down, bool shift = false, bool ctrl = false) {
  ImGuiIO& io = ImGui::GetIO();
  io.KeysDown[key] = down;
  io.KeyShift = down && shift;
  io.KeyCtrl = down && ctrl;
  if (down) app.keyboard.queue.push({key, false, shift, ctrl, false});
}

// A press in one frame and the release in the next, as a normal (not quick) key press.
inline void press(App& app, int key, bool shift = false, bool ctrl = false) {
  key_event(app, key, true, shift, ctrl);
  frame(app);
  key_event(app, key, false);
  frame(app);
}

// Typed text, as GLFW's char callback hands it to ImGui.
inline void type_text(const std::string& text) {
  for (char c : text) ImGui::GetIO().AddInputCharacter(static_cast<unsigned>(c));
}

inline std::vector<Lesson> shipped_lessons() {
  LessonLoadResult r = load_lessons(std::string(CNNLAB_SOURCE_DIR) + "/lessons");
  CHECK(r.errors.empty());
  REQUIRE(r.lessons.size() >= 6);
  return std::move(r.lessons);
}

}  // namespace cnnlab::test
