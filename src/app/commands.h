// app/commands.h — how each group of subcommands registers itself with main's CLI11 parser.
#pragma once
#include <functional>

namespace CLI {
class App;
}

namespace cnnlab {

// Each function adds its subcommands to `app`; a subcommand's callback stores its process exit
// status in `exit_code` (0 ok, 1 error, 130 stopped by Ctrl-C/SIGTERM/SIGHUP; CLI11's own codes for
// malformed options). Library errors are caught and printed there, through guarded().
void register_engine_commands(CLI::App& app, int& exit_code);  // summary, train, evaluate, predict
void register_lesson_commands(CLI::App& app, int& exit_code);  // lessons, lesson
void register_export_commands(CLI::App& app, int& exit_code);  // export, import (PyTorch)
void register_runs_commands(CLI::App& app, int& exit_code);    // runs
// explain (Grad-CAM, saliency): cli_explain.cpp
void register_explain_commands(CLI::App& app, int& exit_code);
#ifdef CNNLAB_HAVE_GUI
void register_gui_commands(CLI::App& app, int& exit_code);        // screenshot
void register_timelapse_commands(CLI::App& app, int& exit_code);  // timelapse (PNGs + GIF)
int run_gui();                                                    // `cnnlab` with no arguments
#endif

// Runs a subcommand's body and returns its exit status; a UserError becomes "cnnlab: error: …" on
// stderr and status 1, running out of memory a hint and status 1 (main.cpp).
int guarded(const std::function<int()>& body);

}  // namespace cnnlab
