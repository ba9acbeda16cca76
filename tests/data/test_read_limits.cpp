// tests/data/test_read_limits.cpp — file reads refuse folders, FIFOs and devices unopened; size
// caps.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "core/error.h"
#include "core/fileio.h"
#include "data_fixtures.h"

using namespace cnnlab;
using namespace cnnlab::testing;

TEST_CASE("read_file_bytes refuses a folder instead of reporting 9223372036854775807 bytes") {
  TempDir dir("read_folder");
  CHECK(error_of([&] { read_file_bytes(dir.str()); }) == dir.str() + ": is a folder, not a file");
  CHECK(error_of([&] { check_regular_file(dir.str()); }) ==
        dir.str() + ": is a folder, not a file");
}

TEST_CASE("read_file_bytes refuses a FIFO without opening it (opening one for reading blocks)") {
  TempDir dir("read_fifo");
  const std::string fifo = dir / "pipe";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(error_of([&] { read_file_text(fifo); }) ==
        fifo +
            ": is a FIFO (named pipe), not a regular file "
            "(hint: only regular files are read; remove it or point at the real file)");
}

TEST_CASE("read_file_bytes refuses a device and a symlink to one") {
  TempDir dir("read_dev");
  const std::string link = dir / "zero.bin";
  std::filesystem::create_symlink("/dev/zero", link);
  CHECK(error_of([&] {
          read_file_bytes(link);
        }).find(link + ": is a character device, not a regular file") == 0);
  CHECK(error_of([&] { read_file_bytes("/dev/null"); }).find("/dev/null: is a character device") ==
        0);
}

TEST_CASE("read_file_bytes caps the size and names the cap and the file's size") {
  TempDir dir("read_cap");
  const std::string small = dir / "small.txt";
  write_bytes(small, {'a', 'b', 'c', 'd'});
  CHECK(read_file_text(small, 4) == "abcd");  // exactly at the cap: read
  CHECK(error_of([&] { read_file_bytes(small, 3); }) ==
        small + ": file too large: 4 bytes (limit 3 bytes) (hint: is this the right file?)");
  CHECK(check_regular_file(small, 4) == 4);

  const std::string big = dir / "big.bin";  // sparse: no disk used, never read
  write_bytes(big, {});
  std::filesystem::resize_file(big, (uint64_t(3) << 30) + 1);
  CHECK(error_of([&] { read_file_bytes(big); }) ==
        big + ": file too large: 3072.0 MiB (limit 256.0 MiB) (hint: is this the right file?)");
  CHECK(kDefaultMaxReadBytes == uint64_t(256) << 20);

  const std::string empty = dir / "empty.txt";
  write_bytes(empty, {});
  CHECK(read_file_bytes(empty).empty());
  CHECK(error_of([&] { read_file_bytes(dir / "missing"); }) ==
        dir / "missing" + ": cannot open: No such file or directory");
}

TEST_CASE("read_file_bytes reads a /proc file whose stat size is 0") {
  std::string status = read_file_text("/proc/self/status");  // st_size 0, content is not
  CHECK(status.find("Name:") == 0);
}
