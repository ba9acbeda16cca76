// ui/settings.cpp — reading and writing the window's settings file (atomic writes, forgiving
// reads).
#include "ui/settings.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "core/error.h"
#include "core/fileio.h"

namespace cnnlab {

namespace {

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r");
  size_t b = s.find_last_not_of(" \t\r");
  return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

// "\"text\"" → text, undoing \" and \\ ; anything else returned as is.
std::string unquote(const std::string& v) {
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return v;
  std::string out;
  for (size_t i = 1; i + 1 < v.size(); ++i) {
    if (v[i] == '\\' && i + 2 < v.size()) ++i;
    out += v[i];
  }
  return out;
}

std::string quote(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    if (c != '\n' && c != '\r') out += c;
  }
  return out + "\"";
}

bool parse_float(const std::string& v, float& out) {
  char* end = nullptr;
  float f = std::strtof(v.c_str(), &end);
  if (end == v.c_str() || *end != '\0') return false;
  out = f;
  return true;
}

}  // namespace

Settings parse_settings(const std::string& text) {
  Settings s;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    float f = 0;
    if (key == "window_width" && parse_float(value, f))
      s.window_width = int(f);
    else if (key == "window_height" && parse_float(value, f))
      s.window_height = int(f);
    else if (key == "font_scale" && parse_float(value, f))
      s.font_scale = f;
    else if (key == "play_speed" && parse_float(value, f))
      s.play_speed = f;
    else if (key == "last_lesson")
      s.last_lesson = unquote(value);
    else if (key == "export_dir")
      s.export_dir = unquote(value);
    else if (key == "high_contrast")
      s.high_contrast = value != "false";
  }
  s.window_width = std::clamp(s.window_width, 640, 7680);
  s.window_height = std::clamp(s.window_height, 400, 4320);
  s.font_scale = std::clamp(s.font_scale, kMinFontScale, kMaxFontScale);
  s.play_speed = std::clamp(s.play_speed, 0.25f, 20.0f);
  return s;
}

std::string format_settings(const Settings& s) {
  char buf[64];
  std::string out = "# cnnlab window settings (written by cnnlab; safe to edit or delete)\n";
  out += "window_width = " + std::to_string(s.window_width) + "\n";
  out += "window_height = " + std::to_string(s.window_height) + "\n";
  std::snprintf(buf, sizeof buf, "%.3g", double(s.font_scale));
  out += std::string("font_scale = ") + buf + "\n";
  std::snprintf(buf, sizeof buf, "%.3g", double(s.play_speed));
  out += std::string("play_speed = ") + buf + "\n";
  out += "last_lesson = " + quote(s.last_lesson) + "\n";
  out += "export_dir = " + quote(s.export_dir) + "\n";
  out += std::string("high_contrast = ") + (s.high_contrast ? "true" : "false") + "\n";
  return out;
}

std::string settings_path() {
  return config_dir() + "/gui.toml";
}

Settings load_settings(const std::string& path) {
  if (!std::filesystem::exists(path)) return Settings{};
  try {
    return parse_settings(read_file_text(path));
  } catch (const UserError&) {
    return Settings{};
  }
}

void save_settings(const std::string& path, const Settings& s) {
  write_file_atomic(path, format_settings(s));
}

}  // namespace cnnlab
