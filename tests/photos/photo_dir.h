// tests/photos/photo_dir.h — where the tests that need the course's real photos look for them.
#pragma once
#include <cstdlib>
#include <string>

namespace cnnlab::test {

// $CNNLAB_DATA if set; else $CNNLAB_TEST_DEFAULT_DATA (lets a test stand in for a machine without
// ../shared); else the compiled-in default, CMake's CNNLAB_DEFAULT_DATA
// (../shared/flowers/tiny_FR).
inline std::string photo_dir() {
  if (const char* d = std::getenv("CNNLAB_DATA"); d && *d) return d;
  if (const char* d = std::getenv("CNNLAB_TEST_DEFAULT_DATA"); d && *d) return d;
  return CNNLAB_DEFAULT_DATA;
}

}  // namespace cnnlab::test
