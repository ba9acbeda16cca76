// core/check.h — asserts for programmer mistakes (tier 1 of STYLE.md's three error tiers).
#pragma once
#include <cstdio>
#include <cstdlib>

namespace cnnlab {
[[noreturn]] void assert_fail(const char* expr, const char* file, int line, const char* msg);
}

// Always on (also in Release): a broken shape is a bug we want to hear about, and checks sit at
// layer boundaries, never in inner loops.
#define CNNLAB_ASSERT(cond, msg)                                          \
  do {                                                                    \
    if (!(cond)) ::cnnlab::assert_fail(#cond, __FILE__, __LINE__, (msg)); \
  } while (0)
