// core/fileio.cpp — checked reads and temp-file-then-rename writes.
#include "core/fileio.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

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
    throw UserError(path, "file too large: " + size_text(uint64_t(st.st_size)) + " (limit " +
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

AtomicFile::AtomicFile(const std::string& path)
    : path_(path), tmp_(path + ".tmp." + std::to_string(::getpid())) {
  file_ = std::fopen(tmp_.c_str(), "wb");
  if (!file_)
    throw UserError(path, std::string("cannot write: ") + std::strerror(errno),
                    "check that the folder exists and is writable");
}

AtomicFile::~AtomicFile() {
  if (file_) std::fclose(static_cast<FILE*>(file_));
  if (!committed_) std::remove(tmp_.c_str());
}

void AtomicFile::write(const void* data, size_t size) {
  if (size && std::fwrite(data, 1, size, static_cast<FILE*>(file_)) != size)
    throw UserError(path_, std::string("write failed: ") + std::strerror(errno),
                    "is the disk full?");
}

void AtomicFile::commit() {
  FILE* f = static_cast<FILE*>(file_);
  if (std::fflush(f) != 0 || ::fsync(::fileno(f)) != 0)
    throw UserError(path_, std::string("write failed: ") + std::strerror(errno),
                    "is the disk full?");
  std::fclose(f);
  file_ = nullptr;
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0)
    throw UserError(path_, std::string("cannot replace file: ") + std::strerror(errno));
  committed_ = true;
}

void write_file_atomic(const std::string& path, const void* data, size_t size) {
  AtomicFile f(path);
  f.write(data, size);
  f.commit();
}

std::string config_dir() {
  std::string base;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) base = x;
  else if (const char* h = std::getenv("HOME"); h && *h) base = std::string(h) + "/.config";
  else base = ".";
  std::string dir = base + "/cnnlab";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  return dir;
}

}  // namespace cnnlab
