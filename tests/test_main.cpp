// tests/test_main.cpp — doctest's main, shared by every module's test executable.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
