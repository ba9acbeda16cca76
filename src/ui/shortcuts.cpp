// ui/shortcuts.cpp — the keyboard: every queued key press (ui/key_queue.h) applied in order at the
// frame, to whoever owns the keys (a popup, a text box, predict mode's answer box, or the
// shortcuts).
//
// Keys: →/← step (Shift: a row), PageDown/PageUp (presenter clickers) and Enter/Backspace (outside
// text boxes) step like →/←, Home/End, Space play, P predict, Esc leaves predict mode (else
// presentation), F5 presentation, F11 fullscreen, Ctrl+=/-/0 text size, Ctrl+S export the view,
// Ctrl+Shift+S export the whole window, Ctrl+Q quit. On the Training tab: F5 one panel full
// screen, PageDown/PageUp and →/← the next/previous panel, Esc back, [ ] the time-lapse epochs,
// Home its first, End live.
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>  // key codes only: the queue holds GLFW key codes

#include "ui/app.h"
#include "ui/training/replay.h"
#include "ui/training/training_state.h"

namespace cnnlab {

namespace {

// Who the keys belong to this frame, from what last frame's widgets reported.
// Shortcuts: no text box, every shortcut. Answer: predict mode's answer box; digits, '-', '.',
// Enter and Backspace go to it, the rest are shortcuts. TextBox: another text box; it keeps arrows,
// Enter, Space and letters, while clicker keys, F-keys and Ctrl still work. Popup: the cell's
// number popup owns all.
enum class KeyOwner { Shortcuts, Answer, TextBox, Popup };

KeyOwner key_owner(const App& app) {
  if (app.cell_edit.popup_open) return KeyOwner::Popup;
  if (app.keyboard.answer_active && app.view.predict) return KeyOwner::Answer;
  if (ImGui::GetCurrentContext() && ImGui::GetIO().WantTextInput) return KeyOwner::TextBox;
  return KeyOwner::Shortcuts;
}

bool ctrl_key(App& app, const KeyEvent& e) {
  if (e.repeat) return true;  // Ctrl shortcuts act once per press
  switch (e.key) {
    case GLFW_KEY_EQUAL:
    case GLFW_KEY_KP_ADD:
      set_font_scale(app, app.settings.font_scale * 1.25f);
      break;
    case GLFW_KEY_MINUS:
    case GLFW_KEY_KP_SUBTRACT:
      set_font_scale(app, app.settings.font_scale / 1.25f);
      break;
    case GLFW_KEY_0:
    case GLFW_KEY_KP_0:
      set_font_scale(app, 1.0f);
      break;
    case GLFW_KEY_S:
      request_export(app, e.shift);
      break;
    case GLFW_KEY_Q:
      app.requests.quit = true;
      break;
    default:
      return false;
  }
  return true;
}

// Stepping keys: only while the lesson is on screen. Returns whether the key was a stepping key.
bool step_key(App& app, const KeyEvent& e, KeyOwner owner) {
  LessonView& v = app.view;
  bool lesson_shown = app.presentation || app.workspace == Workspace::Lessons;
  bool arrows = owner != KeyOwner::TextBox;             // a text box moves its caret with them
  bool enter_backspace = owner == KeyOwner::Shortcuts;  // a text box types with them
  auto act = [&](void (*step)(LessonView&)) {
    if (lesson_shown) step(v);
    return true;
  };
  switch (e.key) {
    case GLFW_KEY_PAGE_DOWN:
      return act(step_next);
    case GLFW_KEY_PAGE_UP:
      return act(step_prev);
    case GLFW_KEY_RIGHT:
      return arrows && act(e.shift ? step_next_row : step_next);
    case GLFW_KEY_LEFT:
      return arrows && act(e.shift ? step_prev_row : step_prev);
    case GLFW_KEY_HOME:
      return arrows && act(step_first);
    case GLFW_KEY_END:
      return arrows && act(step_last);
    case GLFW_KEY_ENTER:
    case GLFW_KEY_KP_ENTER:
      return enter_backspace && act(step_next);
    case GLFW_KEY_BACKSPACE:
      return enter_backspace && act(step_prev);
    default:
      return false;
  }
}

// Space, P, Esc, F5, F11: once per press (a held key does not repeat them).
void toggle_key(App& app, const KeyEvent& e, KeyOwner owner) {
  LessonView& v = app.view;
  if (e.key == GLFW_KEY_F11) app.requests.toggle_fullscreen = true;
  if (e.key == GLFW_KEY_F5) app.presentation = !app.presentation;
  if (owner == KeyOwner::TextBox) return;  // Space, P and Esc belong to the text being typed
  if (!app.presentation && app.workspace != Workspace::Lessons) return;  // the lesson is not shown
  if (e.key == GLFW_KEY_SPACE && v.loaded()) {
    v.playing = !v.playing;
    if (v.playing && v.step + 1 >= v.num_steps()) step_to(v, 0);
  }
  if (e.key == GLFW_KEY_P) set_predict(v, !v.predict);
  if (e.key == GLFW_KEY_ESCAPE) {
    if (app.photo.large)  // the enlarged photo view first: it covers the lesson
      app.photo.large = false;
    else if (v.predict)
      set_predict(v, false);
    else
      app.presentation = false;
  }
}

// The Training tab (not the lesson's presentation): F5 shows one panel full screen, PageDown/PageUp
// and →/← cycle the panels, Esc leaves. Returns whether the key was the Training tab's.
bool training_key(App& app, const KeyEvent& e, KeyOwner owner) {
  if (app.presentation || app.workspace != Workspace::Training || !app.training) return false;
  TrainingUi& t = *app.training;
  bool arrows = owner != KeyOwner::TextBox;
  switch (e.key) {
    case GLFW_KEY_F5:
      if (!e.repeat) training_toggle_focus(t);
      return true;
    case GLFW_KEY_ESCAPE:
      if (!e.repeat && training_focus_active(t)) training_leave_focus(t);
      return !e.repeat && owner != KeyOwner::TextBox;
    case GLFW_KEY_PAGE_DOWN:
      training_focus_next(t);
      return true;
    case GLFW_KEY_PAGE_UP:
      training_focus_prev(t);
      return true;
    case GLFW_KEY_RIGHT:
      if (arrows) training_focus_next(t);
      return arrows;
    case GLFW_KEY_LEFT:
      if (arrows) training_focus_prev(t);
      return arrows;
    // The time-lapse (ui/training/replay.h): [ ] step the epochs, Home the first, End live.
    case GLFW_KEY_LEFT_BRACKET:
    case GLFW_KEY_RIGHT_BRACKET:
      if (arrows) replay_step(t, e.key == GLFW_KEY_LEFT_BRACKET ? -1 : +1);
      return arrows;
    case GLFW_KEY_HOME:
      if (arrows) replay_first(t);
      return arrows;
    case GLFW_KEY_END:
      if (arrows) replay_live(t);
      return arrows;
    default:
      return false;
  }
}

}  // namespace

void apply_key(App& app, const KeyEvent& e) {
  KeyOwner owner = key_owner(app);
  if (owner == KeyOwner::Popup) return;  // keys belong to the number being typed
  if (e.ctrl) {
    ctrl_key(app, e);
    return;
  }
  if (owner == KeyOwner::Answer && (e.key == GLFW_KEY_ENTER || e.key == GLFW_KEY_KP_ENTER)) {
    if (!e.repeat)
      app.keyboard.submit_answer = true;  // the box checks what it holds after this frame's typing
    return;
  }
  if (training_key(app, e, owner)) return;
  if (step_key(app, e, owner) || e.repeat) return;
  toggle_key(app, e, owner);
  // The box is gone once predict mode is off: later keys in the queue are shortcuts again.
  if (!app.view.predict) app.keyboard.answer_active = false;
}

void handle_shortcuts(App& app) {
  for (const KeyEvent& e : app.keyboard.queue.take()) apply_key(app, e);
}

}  // namespace cnnlab
