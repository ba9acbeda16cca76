// core/fileio.cpp — checked reads and temp-file-then-rename writes.
#include "core/fileio.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <unistd.h>

#include "core/error.h"

namespace cnnlab {

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw UserError(path, "is a folder, not a file");
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw UserError(path, std::string("cannot open: ") + std::strerror(errno));
  std::vector<uint8_t> bytes;
  uint8_t buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.insert(bytes.end(), buf, buf + n);
  bool bad = std::ferror(f);
  std::fclose(f);
  if (bad) throw UserError(path, "read error");
  return bytes;
}

std::string read_file_text(const std::string& path) {
  auto b = read_file_bytes(path);
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
