// tests/core/test_core.cpp — rng determinism, atomic writes, error formatting.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <set>

#include "core/error.h"
#include "core/fileio.h"
#include "core/rng.h"
#include "test_tmp.h"

using namespace cnnlab;

TEST_CASE("PCG32 reference sequence for seed 42, stream 54") {
  // pcg32 demo output (pcg32_srandom(42, 54)): 0xa15c02b7 0x7b47f409 0xba1d3330 ...
  Rng r(42, 54);
  CHECK(r.next_u32() == 0xa15c02b7u);
  CHECK(r.next_u32() == 0x7b47f409u);
  CHECK(r.next_u32() == 0xba1d3330u);
}

TEST_CASE("below() stays in range and shuffle is a permutation") {
  Rng r(7);
  for (int i = 0; i < 1000; ++i) CHECK(r.below(5) < 5u);
  std::vector<int> v(100);
  for (int i = 0; i < 100; ++i) v[i] = i;
  r.shuffle(v);
  CHECK(std::set<int>(v.begin(), v.end()).size() == 100);
  CHECK(v != std::vector<int>([] {
          std::vector<int> a(100);
          for (int i = 0; i < 100; ++i) a[i] = i;
          return a;
        }()));
}

TEST_CASE("write_file_atomic replaces the file and leaves no temp file") {
  test::TempDir dir("core");
  std::string p = dir / "a.txt";
  write_file_atomic(p, std::string("one"));
  write_file_atomic(p, std::string("two"));
  CHECK(read_file_text(p) == "two");
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  CHECK(files == 1);
}

TEST_CASE("UserError names path, line, reason and hint") {
  UserError e("lessons/x.toml", "stride must be at least 1", "set stride = 1", 12);
  CHECK(std::string(e.what()) ==
        "lessons/x.toml:12: stride must be at least 1 (hint: set stride = 1)");
  CHECK_THROWS_AS(read_file_bytes("/nonexistent/cnnlab/file"), UserError);
}
