// tests/test_main.cpp — doctest's main, shared by every module's test executable. Built with
// CNNLAB_TEST_NEEDS_PHOTOS (tests/photos), it first looks for the real photos and, when they are
// absent, exits 77: ctest's SKIP_RETURN_CODE, so the suite says "skipped", never "passed".
#ifndef CNNLAB_TEST_NEEDS_PHOTOS
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#else
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>

#include "photos/photo_dir.h"

int main(int argc, char** argv) {
  std::string dir = cnnlab::test::photo_dir();
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    std::printf("skipped: no photos at %s (set CNNLAB_DATA to the tiny_FR folder)\n", dir.c_str());
    return 77;
  }
  std::printf("photos: %s\n", dir.c_str());
  return doctest::Context(argc, argv).run();
}
#endif
