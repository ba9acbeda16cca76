// tests/core/test_fileio.cpp — atomic writes: through symlinks, refusing FIFOs/devices/folders,
// stale temp cleanup.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/fileio.h"
#include "test_tmp.h"

using namespace cnnlab;
namespace fs = std::filesystem;

namespace {

// The message of the UserError `f` throws ("" if none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// A pid that is certainly not running: a child that has exited and been reaped.
pid_t dead_pid() {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  int status = 0;
  waitpid(pid, &status, 0);
  return pid;
}

}  // namespace

TEST_CASE("write_file_atomic through a relative symlink writes the target and keeps the link") {
  test::TempDir dir("fileio");
  write_file_atomic(dir / "real.txt", std::string("old"));
  fs::create_symlink("real.txt", dir / "link.txt");
  write_file_atomic(dir / "link.txt", std::string("new"));
  CHECK(fs::is_symlink(dir / "link.txt"));
  CHECK(fs::read_symlink(dir / "link.txt") == "real.txt");
  CHECK(read_file_text(dir / "real.txt") == "new");
  CHECK(names_in(dir.path()) == std::vector<std::string>{"link.txt", "real.txt"});
}

TEST_CASE(
    "write_file_atomic through a chain of links and a dangling link creates the final target") {
  test::TempDir dir("fileio");
  fs::create_directory(dir / "sub");
  fs::create_symlink(dir / "sub/model.bin", dir / "b");  // absolute, dangling
  fs::create_symlink("b", dir / "a");                    // relative, to a link
  write_file_atomic(dir / "a", std::string("weights"));
  CHECK(fs::is_symlink(dir / "a"));
  CHECK(fs::is_symlink(dir / "b"));
  CHECK(read_file_text(dir / "sub/model.bin") == "weights");
  CHECK(resolve_write_target(dir / "a") == dir / "sub/model.bin");
  CHECK(names_in(dir.path() / "sub") == std::vector<std::string>{"model.bin"});
}

TEST_CASE("write_file_atomic refuses a FIFO and leaves it a FIFO") {
  test::TempDir dir("fileio");
  std::string fifo = dir / "pipe";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  std::string msg = error_of([&] { write_file_atomic(fifo, std::string("x")); });
  CHECK(msg.find(fifo + ": is a FIFO (named pipe), not a file cnnlab may replace") == 0);
  CHECK(fs::is_fifo(fifo));
  CHECK(names_in(dir.path()) == std::vector<std::string>{"pipe"});
}

TEST_CASE("write_file_atomic refuses a device reached through a symlink") {
  // Through a link in our folder: even a broken build would replace only the link, never /dev/null.
  test::TempDir dir("fileio");
  fs::create_symlink("/dev/null", dir / "null");
  std::string msg = error_of([&] { write_file_atomic(dir / "null", std::string("x")); });
  CHECK(msg.find(dir / "null" + ": is a device (the link's target /dev/null)") == 0);
  CHECK(fs::is_symlink(dir / "null"));
  CHECK(fs::is_character_file("/dev/null"));
  CHECK(names_in(dir.path()) == std::vector<std::string>{"null"});
}

TEST_CASE("write_file_atomic refuses a folder and names a missing folder") {
  test::TempDir dir("fileio");
  fs::create_directory(dir / "d");
  CHECK(error_of([&] { write_file_atomic(dir / "d", std::string("x")); }).find(": is a folder") !=
        std::string::npos);
  CHECK(fs::is_directory(dir / "d"));
  std::string msg = error_of([&] { write_file_atomic(dir / "nope/h.csv", std::string("x")); });
  CHECK(msg.find(dir / "nope/h.csv" + ": the folder " + dir / "nope" + " does not exist") == 0);
  write_file_atomic(dir / "file", std::string("x"));
  CHECK(error_of([&] {
          write_file_atomic(dir / "file/h.csv", std::string("x"));
        }).find(dir / "file" + " is not a folder") != std::string::npos);
}

TEST_CASE("write_file_atomic keeps the file's permission bits") {
  test::TempDir dir("fileio");
  std::string p = dir / "secret.txt";
  write_file_atomic(p, std::string("one"));
  REQUIRE(chmod(p.c_str(), 0600) == 0);
  write_file_atomic(p, std::string("two"));
  struct stat st;
  REQUIRE(stat(p.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  CHECK(read_file_text(p) == "two");
}

TEST_CASE("a save removes stale temp files of dead processes next to its target, nothing else") {
  test::TempDir dir("fileio");
  std::string dead = std::to_string(dead_pid());
  for (const std::string& name : {"m.bin.tmp." + dead,         // stale: removed
                                  std::string("m.bin.tmp.1"),  // pid 1 runs: kept
                                  "m.bin.tmp.x" + dead,        // not a pid: kept
                                  "other.bin.tmp." + dead})    // another target's: kept
    write_file_atomic(dir / name, std::string("partial"));
  write_file_atomic(dir / "m.bin", std::string("weights"));
  std::vector<std::string> want = {"m.bin", "m.bin.tmp.1", "m.bin.tmp.x" + dead,
                                   "other.bin.tmp." + dead};
  std::sort(want.begin(), want.end());
  CHECK(names_in(dir.path()) == want);
  CHECK(read_file_text(dir / "m.bin") == "weights");
  CHECK(remove_stale_temp_files(dir / "other.bin") == 1);
  CHECK(!fs::exists(dir / ("other.bin.tmp." + dead)));
}

TEST_CASE("an uncommitted AtomicFile leaves the target untouched; check_writable leaves nothing") {
  test::TempDir dir("fileio");
  std::string p = dir / "h.csv";
  write_file_atomic(p, std::string("kept"));
  {
    AtomicFile f(p);
    f.write("half", 4);
  }
  CHECK(read_file_text(p) == "kept");
  check_writable(dir / "new.csv");
  CHECK(names_in(dir.path()) == std::vector<std::string>{"h.csv"});
  CHECK(error_of([&] { check_writable(dir / "missing/m.safetensors"); }).find("does not exist") !=
        std::string::npos);
}
