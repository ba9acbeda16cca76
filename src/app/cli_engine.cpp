// app/cli_engine.cpp — `cnnlab summary|train|evaluate|predict` (placeholder until the engine lands).
#include <CLI/CLI.hpp>

#include "app/commands.h"

namespace cnnlab {
void register_engine_commands(CLI::App& app, int& exit_code) { (void)app; (void)exit_code; }
}  // namespace cnnlab
