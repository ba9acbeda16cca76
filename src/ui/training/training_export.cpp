// ui/training/training_export.cpp — the training lesson texts, panel rectangles and the panel PNG
// export served after a frame is rendered.
#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <utility>

#include "core/error.h"
#include "core/fileio.h"
#include "core/log.h"
#include "gfx/texture.h"
#include "ui/image_io.h"
#include "ui/training/training_state.h"

namespace cnnlab {

namespace fs = std::filesystem;

std::vector<LessonText> load_training_lessons(const std::string& dir) {
  std::vector<LessonText> out;
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".md") files.push_back(it->path());
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    try {
      std::string text = read_file_text(f.string());
      LessonText l;
      l.id = f.stem().string();
      size_t nl = text.find('\n');
      std::string first = text.substr(0, nl);
      if (first.rfind("# ", 0) != 0) {
        log_warn(
            UserError(f.string(), "a training lesson starts with '# Title'", "add a title line", 1)
                .what());
        continue;
      }
      l.title = first.substr(2);
      l.text = nl == std::string::npos ? "" : text.substr(nl + 1);
      while (!l.text.empty() && (l.text.front() == '\n')) l.text.erase(0, 1);
      out.push_back(std::move(l));
    } catch (const UserError& e) {
      log_warn(e.what());
    }
  }
  return out;
}

void record_panel_rect(TrainingUi& ui, const std::string& name) {
  if (ImGui::IsWindowFocused(ImGuiFocusedFlags_ChildWindows)) ui.focused_panel = name;
  ImVec2 p = ImGui::GetWindowPos(), s = ImGui::GetWindowSize();
  for (PanelRect& r : ui.rects)
    if (r.name == name) {
      r = {name, p.x, p.y, p.x + s.x, p.y + s.y};
      return;
    }
  ui.rects.push_back({name, p.x, p.y, p.x + s.x, p.y + s.y});
}

const PanelRect* find_panel_rect(const TrainingUi& ui, const std::string& name) {
  for (const PanelRect& r : ui.rects)
    if (r.name == name) return &r;
  return nullptr;
}

void request_panel_png(TrainingUi& ui, const std::string& name) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  long stamp = long(std::chrono::duration_cast<std::chrono::seconds>(now).count());
  ui.export_panel = name;
  ui.export_path = ui.export_dir + "/training/" + name + "-" + std::to_string(stamp) + ".png";
}

void finish_training_frame(TrainingUi& ui, int width, int height) {
  if (ui.export_panel.empty()) return;
  std::string name = std::exchange(ui.export_panel, {}), path = std::exchange(ui.export_path, {});
  const PanelRect* r = find_panel_rect(ui, name);
  if (!r) return;
  try {
    RgbaImage frame = read_pixels(width, height);
    int x0 = std::clamp(int(r->x0), 0, width - 1), y0 = std::clamp(int(r->y0), 0, height - 1);
    int x1 = std::clamp(int(r->x1), x0 + 1, width), y1 = std::clamp(int(r->y1), y0 + 1, height);
    RgbaImage crop(x1 - x0, y1 - y0);
    for (int y = y0; y < y1; ++y)
      std::copy_n(frame.pixel(x0, y), size_t(x1 - x0) * 4, crop.pixel(0, y - y0));
    fs::create_directories(fs::path(path).parent_path());
    write_png_rgba(path, crop);
    ui.message = "Wrote " + path;
    log_info("wrote " + path);
  } catch (const std::exception& e) {
    ui.message = std::string("Export failed: ") + e.what();
    log_error(ui.message);
  }
}

}  // namespace cnnlab
