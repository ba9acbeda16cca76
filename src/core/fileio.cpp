// core/fileio.cpp — checked reads and temp-file-then-rename writes (symlinks followed, stale temps
// cleaned).
#include "core/fileio.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace cnnlab {

namespace {

// "812 bytes" below 1 MiB, else "3072.0 MiB": enough to compare a file with its cap.
std::string size_text(uint64_t bytes) {
  if (bytes < (uint64_t(1) << 20)) return std::to_string(bytes) + " bytes";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.1f MiB", double(bytes) / double(1 << 20));
  return buf;
}

// Refuses what read_file_bytes must not read: anything but a regular file, or one over the cap.
void check_stat(const std::string& path, const struct stat& st, uint64_t max_bytes) {
  if (S_ISDIR(st.st_mode)) throw UserError(path, "is a folder, not a file");
  if (!S_ISREG(st.st_mode)) {
    const char* kind = S_ISFIFO(st.st_mode)   ? "a FIFO (named pipe)"
                       : S_ISCHR(st.st_mode)  ? "a character device"
                       : S_ISBLK(st.st_mode)  ? "a block device"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                                              : "a special file";
    throw UserError(path, std::string("is ") + kind + ", not a regular file",
                    "only regular files are read; remove it or point at the real file");
  }
  if (uint64_t(st.st_size) > max_bytes)
    throw UserError(path,
                    "file too large: " + size_text(uint64_t(st.st_size)) + " (limit " +
                        size_text(max_bytes) + ")",
                    "is this the right file?");
}

}  // namespace

uint64_t check_regular_file(const std::string& path, uint64_t max_bytes) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)  // follows symlinks: a link to /dev/zero is a device
    throw UserError(path, std::string("cannot open: ") + std::strerror(errno));
  check_stat(path, st, max_bytes);
  return uint64_t(st.st_size);
}

std::vector<uint8_t> read_file_bytes(const std::string& path, uint64_t max_bytes) {
  check_regular_file(path, max_bytes);
  // O_NONBLOCK: if the path was swapped for a FIFO after the stat, open must not wait for a writer.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw UserError(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st;
  std::vector<uint8_t> bytes;
  try {
    if (::fstat(fd, &st) != 0)
      throw UserError(path, std::string("cannot open: ") + std::strerror(errno));
    check_stat(path, st, max_bytes);
    const uint64_t over = max_bytes == UINT64_MAX ? max_bytes : max_bytes + 1;  // one byte too many
    bytes.resize(size_t(st.st_size) + 1);  // one spare byte notices a file that grew
    size_t got = 0;
    for (;;) {
      if (got == bytes.size()) {
        if (got > max_bytes)
          throw UserError(path, "file too large: it grew past the limit of " +
                                    size_text(max_bytes) + " while being read");
        uint64_t grown = uint64_t(bytes.size()) * 2;
        bytes.resize(size_t(grown < over ? grown : over));
      }
      ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw UserError(path, std::string("read error: ") + std::strerror(errno));
      if (n == 0) break;
      got += size_t(n);
    }
    bytes.resize(got);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return bytes;
}

std::string read_file_text(const std::string& path, uint64_t max_bytes) {
  auto b = read_file_bytes(path, max_bytes);
  return std::string(b.begin(), b.end());
}

//-----------------------------------------------------------------------------
// writes: resolve the target, temp file, rename, stale temp cleanup
//-----------------------------------------------------------------------------
namespace {

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

// What a non-regular file is, for the message that refuses to replace it.
const char* kind_of(mode_t m) {
  if (S_ISDIR(m)) return "a folder";
  if (S_ISFIFO(m)) return "a FIFO (named pipe)";
  if (S_ISCHR(m) || S_ISBLK(m)) return "a device";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

// Best effort: make the rename itself durable (a crash right after commit keeps the new file).
void sync_folder(const std::string& file) {
  std::string dir = std::filesystem::path(file).parent_path().string();
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

}  // namespace

std::string resolve_write_target(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) throw UserError("(empty path)", "no file name given");
  fs::path p = path;
  for (int hops = 0;; ++hops) {
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) break;  // a new file; its folder is checked below
      throw UserError(path, errno_text("cannot check the file"));
    }
    if (!S_ISLNK(st.st_mode)) {
      if (S_ISREG(st.st_mode)) break;
      std::string via = p.string() == path ? "" : " (the link's target " + p.string() + ")";
      throw UserError(
          path, std::string("is ") + kind_of(st.st_mode) + via + ", not a file cnnlab may replace",
          "give the path of a regular file, e.g. run1/model.safetensors");
    }
    if (hops == 40) throw UserError(path, "too many levels of symbolic links");
    std::error_code ec;
    fs::path link = fs::read_symlink(p, ec);
    if (ec) throw UserError(path, "cannot read the symbolic link: " + ec.message());
    p = link.is_absolute() ? link : p.parent_path() / link;
  }
  fs::path dir = p.parent_path();
  std::error_code ec;
  if (!dir.empty() && !fs::is_directory(dir, ec)) {
    bool exists = fs::exists(dir, ec);
    throw UserError(path,
                    exists ? dir.string() + " is not a folder"
                           : "the folder " + dir.string() + " does not exist",
                    "create the folder first (mkdir -p) or choose another path");
  }
  return p.string();
}

int remove_stale_temp_files(const std::string& target) {
  namespace fs = std::filesystem;
  fs::path t(target);
  fs::path dir = t.parent_path().empty() ? fs::path(".") : t.parent_path();
  const std::string prefix = t.filename().string() + ".tmp.";
  int removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.size() > prefix.size() + 9 ||
        name.rfind(prefix, 0) != 0)
      continue;
    std::string digits = name.substr(prefix.size());
    if (digits.find_first_not_of("0123456789") != std::string::npos) continue;
    long pid = std::strtol(digits.c_str(), nullptr, 10);
    // pid <= 0 would address a process group; our own pid may be a save in progress on another
    // thread.
    if (pid <= 0 || pid == long(::getpid())) continue;
    if (::kill(pid_t(pid), 0) == 0 || errno != ESRCH) continue;  // running (or not ours to judge)
    std::error_code ec2;
    if (it->is_symlink(ec2) || !it->is_regular_file(ec2)) continue;
    if (fs::remove(it->path(), ec2)) ++removed;
  }
  return removed;
}

AtomicFile::AtomicFile(const std::string& path) : path_(path), target_(resolve_write_target(path)) {
  remove_stale_temp_files(target_);
  tmp_ = target_ + ".tmp." + std::to_string(::getpid());
  ::unlink(tmp_.c_str());  // a leftover of this pid: O_EXCL below then never follows a planted link
  int fd = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0)
    throw UserError(path, errno_text("cannot write"),
                    "check that the folder exists and is writable");
  struct stat st;
  if (::stat(target_.c_str(), &st) == 0) (void)::fchmod(fd, st.st_mode & 07777);  // keep its mode
  file_ = ::fdopen(fd, "wb");
  if (!file_) {
    ::close(fd);
    ::unlink(tmp_.c_str());
    throw UserError(path, errno_text("cannot write"));
  }
}

AtomicFile::~AtomicFile() {
  if (file_) std::fclose(static_cast<FILE*>(file_));
  if (!committed_) ::unlink(tmp_.c_str());
}

void AtomicFile::write(const void* data, size_t size) {
  if (size && std::fwrite(data, 1, size, static_cast<FILE*>(file_)) != size)
    throw UserError(path_, errno_text("write failed"), "is the disk full?");
}

void AtomicFile::commit() {
  FILE* f = static_cast<FILE*>(file_);
  if (std::fflush(f) != 0 || ::fsync(::fileno(f)) != 0)
    throw UserError(path_, errno_text("write failed"), "is the disk full?");
  file_ = nullptr;
  if (std::fclose(f) != 0) throw UserError(path_, errno_text("write failed"), "is the disk full?");
  if (std::rename(tmp_.c_str(), target_.c_str()) != 0)
    throw UserError(path_, errno_text("cannot replace the file"));
  committed_ = true;
  sync_folder(target_);
}

void write_file_atomic(const std::string& path, const void* data, size_t size) {
  AtomicFile f(path);
  f.write(data, size);
  f.commit();
}

void check_writable(const std::string& path) {
  AtomicFile probe(path);  // creates the temp file; the destructor removes it
}

std::string config_dir() {
  std::string base;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x)
    base = x;
  else if (const char* h = std::getenv("HOME"); h && *h)
    base = std::string(h) + "/.config";
  else
    base = ".";
  std::string dir = base + "/cnnlab";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  return dir;
}

}  // namespace cnnlab
