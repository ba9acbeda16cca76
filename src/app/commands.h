// app/commands.h — how each group of subcommands registers itself with main's CLI11 parser.
#pragma once

namespace CLI {
class App;
}

namespace cnnlab {

// Each function adds its subcommands to `app`; a subcommand's callback stores its process exit
// status in `exit_code` (0 ok, 1 user error, 2 usage). Library errors are caught and printed there.
void register_engine_commands(CLI::App& app, int& exit_code);  // summary, train, evaluate, predict
void register_lesson_commands(CLI::App& app, int& exit_code);  // lessons, lesson
#ifdef CNNLAB_HAVE_GUI
void register_gui_commands(CLI::App& app, int& exit_code);     // screenshot
int run_gui();                                                 // `cnnlab` with no arguments
#endif

}  // namespace cnnlab
