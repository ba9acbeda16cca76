// core/log.cpp — the process-wide log sink.
#include "core/log.h"

namespace cnnlab {

void LogSink::add(LogLevel level, std::string text) {
  std::function<void(const LogEntry&)> printer;
  LogEntry e{level, std::move(text)};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (entries_.size() >= 10000) entries_.erase(entries_.begin(), entries_.begin() + 1000);
    entries_.push_back(e);
    printer = printer_;
  }
  if (printer) printer(e);
}

std::vector<LogEntry> LogSink::entries() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_;
}

size_t LogSink::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

void LogSink::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.clear();
}

void LogSink::set_printer(std::function<void(const LogEntry&)> printer) {
  std::lock_guard<std::mutex> lock(mutex_);
  printer_ = std::move(printer);
}

LogSink& global_log() {
  static LogSink sink;  // the one process-wide sink; everything else is owned by App
  return sink;
}

}  // namespace cnnlab
