// app/cli_lesson.cpp — `cnnlab lessons` and `cnnlab lesson ID` (placeholder until the lesson module lands).
#include <CLI/CLI.hpp>

#include "app/commands.h"

namespace cnnlab {
void register_lesson_commands(CLI::App& app, int& exit_code) { (void)app; (void)exit_code; }
}  // namespace cnnlab
