// core/check.cpp — prints a failed assertion with its location and aborts.
#include "core/check.h"

namespace cnnlab {
void assert_fail(const char* expr, const char* file, int line, const char* msg) {
  std::fprintf(stderr, "cnnlab: internal error: %s:%d: assertion `%s` failed: %s\n", file, line,
               expr, msg ? msg : "");
  std::fflush(stderr);
  std::abort();
}
}  // namespace cnnlab
