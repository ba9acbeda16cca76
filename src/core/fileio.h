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

// Writes to "TARGET.tmp.<pid>" then renames over TARGET, so a crash never leaves a half-written
// file where the user's file was. TARGET is PATH with symlinks followed (the link stays a link);
// a FIFO, a device, a socket or a folder is refused, never replaced. Throws UserError(PATH, …)
// on failure (the temp file is removed).
void write_file_atomic(const std::string& path, const void* data, size_t size);
inline void write_file_atomic(const std::string& path, const std::string& text) {
  write_file_atomic(path, text.data(), text.size());
}

// Streaming variant for large files (checkpoints): call write() as often as needed, then commit().
// Nothing replaces the target until commit() succeeds; destroying it uncommitted removes the temp
// file. Opening also removes stale temp files of earlier saves to the same target.
class AtomicFile {
 public:
  explicit AtomicFile(const std::string& path);  // resolves the target, opens the temp file
  ~AtomicFile();                                 // removes the temp file unless committed
  void write(const void* data, size_t size);
  void commit();  // flush, fsync, rename over the target
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

 private:
  std::string path_, target_, tmp_;
  void* file_ = nullptr;  // FILE*
  bool committed_ = false;
};

// Where a save to `path` lands: symlinks followed (a dangling link gives its target's path).
// Throws UserError(path, …) when that is a folder, a FIFO, a device or a socket, or its folder
// does not exist.
std::string resolve_write_target(const std::string& path);

// Checks that a save to `path` would work by creating and removing the temp file it would use:
// long runs call it before they start, so a bad destination is reported before the work, not after.
void check_writable(const std::string& path);

// Removes "TARGET.tmp.<pid>" files next to `target` that a killed save left behind (kill -9, a
// second Ctrl-C), only those whose process is no longer running. Returns how many it removed.
int remove_stale_temp_files(const std::string& target);

// The user's config directory for cnnlab ($XDG_CONFIG_HOME/cnnlab or ~/.config/cnnlab), created.
std::string config_dir();

}  // namespace cnnlab
