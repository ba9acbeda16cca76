// ui/settings.h — what the window remembers between runs (size, font scale, last lesson, theme).
#pragma once
#include <string>

namespace cnnlab {

struct Settings {
  int window_width = 1600, window_height = 900;
  float font_scale = 1.0f;  // 0.5 … 4; Ctrl+= / Ctrl+- / Ctrl+0
  std::string last_lesson;  // lesson id; empty: the first lesson
  bool high_contrast =
      true;                 // the high-contrast light theme (false: ImGui's dark theme, recoloured)
  float play_speed = 1.5f;  // steps per second when playing
  std::string export_dir;   // where PNG exports go; empty: ~/cnnlab-exports
};

inline constexpr float kMinFontScale = 0.5f, kMaxFontScale = 4.0f;

// Parses "key = value" lines (a TOML subset: strings in double quotes, numbers, true/false).
// Unknown keys and malformed lines are ignored, so an old or hand-edited file never stops the
// app; values are clamped to sane ranges.
Settings parse_settings(const std::string& text);
std::string format_settings(const Settings& s);

// config_dir()/gui.toml. load_settings returns defaults if the file is missing or unreadable.
std::string settings_path();
Settings load_settings(const std::string& path);
void save_settings(const std::string& path, const Settings& s);  // atomic; throws UserError

}  // namespace cnnlab
