// core/fileio.h — checked file I/O: every failure names the path and the reason; writes are atomic.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace cnnlab {

// Reads a whole file. Throws UserError(path, reason) if it cannot.
std::vector<uint8_t> read_file_bytes(const std::string& path);
std::string read_file_text(const std::string& path);

// Writes to "PATH.tmp.<pid>" then renames over PATH, so a crash never leaves a half-written
// file where the user's file was. Throws UserError on failure (the temp file is removed).
void write_file_atomic(const std::string& path, const void* data, size_t size);
inline void write_file_atomic(const std::string& path, const std::string& text) {
  write_file_atomic(path, text.data(), text.size());
}

// Streaming variant for large files (checkpoints): the callback writes through `write`.
class AtomicFile {
 public:
  explicit AtomicFile(const std::string& path);  // opens the temp file
  ~AtomicFile();                                 // removes the temp file unless committed
  void write(const void* data, size_t size);
  void commit();                                 // flush, fsync, rename over the target
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

 private:
  std::string path_, tmp_;
  void* file_ = nullptr;  // FILE*
  bool committed_ = false;
};

// The user's config directory for cnnlab ($XDG_CONFIG_HOME/cnnlab or ~/.config/cnnlab), created.
std::string config_dir();

}  // namespace cnnlab
