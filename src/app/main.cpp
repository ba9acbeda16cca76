// app/main.cpp — `cnnlab`: no arguments opens the window; otherwise dispatches a CLI subcommand.
#include <CLI/CLI.hpp>

#include "app/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"cnnlab — a teaching lab for convolutional neural networks"};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", "cnnlab 0.1.0");
  int exit_code = 0;
  cnnlab::register_engine_commands(app, exit_code);
  cnnlab::register_lesson_commands(app, exit_code);
#ifdef CNNLAB_HAVE_GUI
  cnnlab::register_gui_commands(app, exit_code);
  app.footer("Run without arguments to open the window.");
#endif
  CLI11_PARSE(app, argc, argv);
  if (app.get_subcommands().empty()) {
#ifdef CNNLAB_HAVE_GUI
    return cnnlab::run_gui();
#else
    std::printf("%s", app.help().c_str());
    return 0;
#endif
  }
  return exit_code;
}
