// core/fileio.h — checked file I/O: every failure names the path and the reason; writes are atomic.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace cnnlab {

// Largest file read_file_bytes/read_file_text read unless the caller passes its own cap (lessons,
// images and checkpoints know better bounds).
inline constexpr uint64_t kDefaultMaxReadBytes = uint64_t(256) << 20;  // 256 MiB

// Reads a whole regular file of at most max_bytes. Throws UserError(path, reason) if it cannot:
// missing, unreadable, a folder, a FIFO/device/socket (refused after stat, never opened, so a FIFO
// cannot block), or larger than max_bytes (the message gives the file's size and the cap).
std::vector<uint8_t> read_file_bytes(const std::string& path,
                                     uint64_t max_bytes = kDefaultMaxReadBytes);
std::string read_file_text(const std::string& path, uint64_t max_bytes = kDefaultMaxReadBytes);
// The same checks without reading (for streaming readers): returns the file's size in bytes.
uint64_t check_regular_file(const std::string& path, uint64_t max_bytes = kDefaultMaxReadBytes);

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
