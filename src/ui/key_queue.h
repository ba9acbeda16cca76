// ui/key_queue.h — key presses in the order they happened: the window's GLFW key callback fills the
// queue and the shell applies every press at the next frame (ui/shortcuts.cpp). ImGui 1.86 only
// knows whether a key is down at the frame, so a tap that starts and ends between two frames would
// otherwise be lost.
#pragma once
#include <cstddef>
#include <utility>
#include <vector>

namespace cnnlab {

// One press (or the OS's key repeat while held). Key codes are GLFW's (GLFW_KEY_*), as ImGui's GLFW
// backend uses them for io.KeysDown; releases are not queued: nothing acts on them.
struct KeyEvent {
  int key = 0;
  bool repeat = false;
  bool shift = false, ctrl = false, alt = false;
};

struct KeyQueue {
  static constexpr size_t kMaxEvents =
      256;  // a stuck key between two frames cannot grow it without bound
  std::vector<KeyEvent> events;

  void push(const KeyEvent& e) {
    if (events.size() < kMaxEvents) events.push_back(e);
  }
  std::vector<KeyEvent> take() { return std::exchange(events, {}); }
};

// The keyboard as the shell sees it: the queue, and what last frame's widgets said about keys.
struct KeyboardState {
  KeyQueue queue;
  bool answer_active = false;  // predict mode's answer box had the keyboard last frame
  bool submit_answer =
      false;  // Enter was pressed in the answer box: the box checks the answer this frame
};

}  // namespace cnnlab
