// core/error.h — user-facing errors (tier 2): what went wrong, where (path, line), and a hint.
#pragma once
#include <stdexcept>
#include <string>

namespace cnnlab {

// An error a user can fix: bad file, bad folder, impossible setting. `what()` is the full message:
// "PATH:LINE: REASON (hint: HINT)". Thrown by loaders/parsers, caught at the CLI or UI edge.
class UserError : public std::runtime_error {
 public:
  UserError(std::string path, std::string reason, std::string hint = {}, int line = 0)
      : std::runtime_error(format(path, reason, hint, line)),
        path_(std::move(path)),
        reason_(std::move(reason)),
        hint_(std::move(hint)),
        line_(line) {}
  const std::string& path() const { return path_; }
  const std::string& reason() const { return reason_; }
  const std::string& hint() const { return hint_; }
  int line() const { return line_; }

  static std::string format(const std::string& path, const std::string& reason,
                            const std::string& hint, int line) {
    std::string s;
    if (!path.empty()) {
      s.append(path);
      if (line > 0) s.append(":").append(std::to_string(line));
      s.append(": ");
    }
    s.append(reason);
    if (!hint.empty()) s.append(" (hint: ").append(hint).append(")");
    return s;
  }

 private:
  std::string path_, reason_, hint_;
  int line_ = 0;
};

}  // namespace cnnlab
