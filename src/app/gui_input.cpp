// app/gui_input.cpp — the window's GLFW callbacks: each forwards to ImGui's GLFW backend
// (initialised without its own callbacks), key presses also go to the App's key queue
// (ui/key_queue.h), and every event counts as input for the idle loop (gui_pacing.cpp).
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <imgui.h>

#include <algorithm>
#include <string>
#include <utility>

#include "app/gui_window.h"
#include "ui/key_queue.h"

namespace cnnlab {

namespace {

WindowInput& input_of(GLFWwindow* window) {
  return *static_cast<WindowInput*>(glfwGetWindowUserPointer(window));
}

void on_key(GLFWwindow* window, int key, int scancode, int action, int mods) {
  WindowInput& input = input_of(window);
  ++input.events;
  bool tapped = action == GLFW_RELEASE &&
                std::find(input.pressed.begin(), input.pressed.end(), key) != input.pressed.end();
  if (tapped) {  // ImGui 1.86 would never see it down: release it after the next frame
    input.held_back.push_back({key, scancode, mods});
    return;
  }
  ImGui_ImplGlfw_KeyCallback(window, key, scancode, action, mods);
  if (action == GLFW_PRESS) input.pressed.push_back(key);
  if (action == GLFW_RELEASE || key == GLFW_KEY_UNKNOWN || !input.keys) return;
  input.keys->push({key, action == GLFW_REPEAT, (mods & GLFW_MOD_SHIFT) != 0,
                    (mods & GLFW_MOD_CONTROL) != 0, (mods & GLFW_MOD_ALT) != 0});
}

void on_char(GLFWwindow* window, unsigned int c) {
  ImGui_ImplGlfw_CharCallback(window, c);
  ++input_of(window).events;
}

void on_mouse_button(GLFWwindow* window, int button, int action, int mods) {
  ImGui_ImplGlfw_MouseButtonCallback(window, button, action, mods);
  ++input_of(window).events;
}

// Ctrl+wheel is the zoom: kept from ImGui, which would scroll the hovered panel before the App sees
// it.
void on_scroll(GLFWwindow* window, double dx, double dy) {
  WindowInput& input = input_of(window);
  ++input.events;
  bool ctrl = glfwGetKey(window, GLFW_KEY_LEFT_CONTROL) == GLFW_PRESS ||
              glfwGetKey(window, GLFW_KEY_RIGHT_CONTROL) == GLFW_PRESS;
  if (ctrl && dy != 0) {
    input.zoom_wheel += dy;
    return;
  }
  ImGui_ImplGlfw_ScrollCallback(window, dx, dy);
}

// Files dropped on the window: the loop makes the first one the probe (open_probe_images).
void on_drop(GLFWwindow* window, int count, const char** paths) {
  WindowInput& input = input_of(window);
  ++input.events;
  for (int i = 0; i < count; ++i) input.dropped.emplace_back(paths[i]);
}

void on_focus(GLFWwindow* window, int focused) {
  ImGui_ImplGlfw_WindowFocusCallback(window, focused);
  ++input_of(window).events;
}

void on_cursor_enter(GLFWwindow* window, int entered) {
  ImGui_ImplGlfw_CursorEnterCallback(window, entered);
  ++input_of(window).events;
}

// The backend reads the cursor position itself each frame; a move only needs a frame (hover).
void on_cursor_pos(GLFWwindow* window, double, double) {
  ++input_of(window).events;
}
void on_size(GLFWwindow* window, int, int) {
  ++input_of(window).events;
}
void on_refresh(GLFWwindow* window) {
  ++input_of(window).events;
}  // exposed: draw again

int key_code(const std::string& name) {
  if (name.size() == 1 && name[0] >= 'a' && name[0] <= 'z') return GLFW_KEY_A + (name[0] - 'a');
  if (name.size() == 1 && name[0] >= '0' && name[0] <= '9') return GLFW_KEY_0 + (name[0] - '0');
  struct Named {
    const char* name;
    int key;
  };
  const Named named[] = {{"right", GLFW_KEY_RIGHT},
                         {"left", GLFW_KEY_LEFT},
                         {"up", GLFW_KEY_UP},
                         {"down", GLFW_KEY_DOWN},
                         {"home", GLFW_KEY_HOME},
                         {"end", GLFW_KEY_END},
                         {"pagedown", GLFW_KEY_PAGE_DOWN},
                         {"pageup", GLFW_KEY_PAGE_UP},
                         {"enter", GLFW_KEY_ENTER},
                         {"backspace", GLFW_KEY_BACKSPACE},
                         {"space", GLFW_KEY_SPACE},
                         {"escape", GLFW_KEY_ESCAPE},
                         {"f5", GLFW_KEY_F5},
                         {"f11", GLFW_KEY_F11}};
  for (const Named& n : named)
    if (name == n.name) return n.key;
  return GLFW_KEY_UNKNOWN;
}

}  // namespace

bool queue_key_list(const std::string& list, KeyQueue& keys) {
  for (size_t at = 0; at < list.size();) {
    size_t end = std::min(list.find(',', at), list.size());
    std::string token = list.substr(at, end - at);
    at = end + 1;
    KeyEvent e;
    for (const char* mod : {"ctrl+", "shift+", "alt+"}) {
      std::string m = mod;
      if (token.rfind(m, 0) != 0) continue;
      token.erase(0, m.size());
      (m == "ctrl+" ? e.ctrl : m == "shift+" ? e.shift : e.alt) = true;
    }
    e.key = key_code(token);
    if (e.key == GLFW_KEY_UNKNOWN) return false;
    keys.push(e);
  }
  return true;
}

void end_input_frame(GLFWwindow* window, WindowInput& input) {
  input.pressed.clear();
  for (const WindowInput::Release& r : std::exchange(input.held_back, {})) {
    ImGui_ImplGlfw_KeyCallback(window, r.key, r.scancode, GLFW_RELEASE, r.mods);
  }
}

void install_input_callbacks(GLFWwindow* window, WindowInput& input) {
  glfwSetWindowUserPointer(window, &input);
  glfwSetKeyCallback(window, on_key);
  glfwSetCharCallback(window, on_char);
  glfwSetMouseButtonCallback(window, on_mouse_button);
  glfwSetScrollCallback(window, on_scroll);
  glfwSetWindowFocusCallback(window, on_focus);
  glfwSetCursorEnterCallback(window, on_cursor_enter);
  glfwSetCursorPosCallback(window, on_cursor_pos);
  glfwSetFramebufferSizeCallback(window, on_size);
  glfwSetWindowRefreshCallback(window, on_refresh);
  glfwSetDropCallback(window, on_drop);
  glfwSetMonitorCallback(ImGui_ImplGlfw_MonitorCallback);
}

}  // namespace cnnlab
