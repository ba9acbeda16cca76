// ui/panel_log.cpp — every module's errors and notes (global_log), newest at the bottom.
#include <string>
#include <vector>

#include "core/log.h"
#include "ui/app.h"
#include "ui/panels.h"

namespace cnnlab {

void draw_log_panel(App& app) {
  std::vector<LogEntry> entries = global_log().entries();
  int errors = 0;
  for (const LogEntry& e : entries) errors += e.level == LogLevel::Error;
  ImGui::Text("Log: %zu messages, %d errors", entries.size(), errors);
  ImGui::SameLine();
  if (ImGui::SmallButton("Clear")) {
    global_log().clear();
    entries.clear();
    app.log_seen = 0;
  }
  ImGui::BeginChild("log lines", ImVec2(0, 0), true, ImGuiWindowFlags_HorizontalScrollbar);
  const GridColors& colors = app.theme.grid;
  for (const LogEntry& e : entries) {
    // The level is spelled out and marked with a shape, not shown by colour alone.
    const char* tag = e.level == LogLevel::Error     ? "✗ error  "
                      : e.level == LogLevel::Warning ? "▲ warning"
                                                     : "● info   ";
    bool coloured = e.level != LogLevel::Info;
    if (coloured)
      ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(colors.wrong));
    ImGui::TextUnformatted(tag);
    if (coloured) ImGui::PopStyleColor();
    ImGui::SameLine();
    ImGui::TextUnformatted(e.text.c_str());
  }
  if (entries.size() != app.log_seen) {
    ImGui::SetScrollHereY(1.0f);  // new entries: show the latest
    app.log_seen = entries.size();
  }
  ImGui::EndChild();
}

}  // namespace cnnlab
