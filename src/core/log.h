// core/log.h — the log sink: libraries report here; the CLI prints it, the UI shows it in a panel.
#pragma once
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace cnnlab {

enum class LogLevel { Info, Warning, Error };

struct LogEntry {
  LogLevel level;
  std::string text;
};

// Thread-safe. Libraries never print; they call log_info/log_warn/log_error. By default entries
// are kept (for the UI) and, if a printer is installed (the CLI does), printed too.
class LogSink {
 public:
  void add(LogLevel level, std::string text);
  std::vector<LogEntry> entries() const;  // a copy, for the UI
  size_t size() const;
  void clear();
  void set_printer(std::function<void(const LogEntry&)> printer);

 private:
  mutable std::mutex mutex_;
  std::vector<LogEntry> entries_;
  std::function<void(const LogEntry&)> printer_;
};

LogSink& global_log();
inline void log_info(std::string t) {
  global_log().add(LogLevel::Info, std::move(t));
}
inline void log_warn(std::string t) {
  global_log().add(LogLevel::Warning, std::move(t));
}
inline void log_error(std::string t) {
  global_log().add(LogLevel::Error, std::move(t));
}

}  // namespace cnnlab
