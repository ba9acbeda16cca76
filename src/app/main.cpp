// app/main.cpp — `cnnlab`: no arguments opens the window; otherwise dispatches a CLI subcommand.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <new>

#include "app/commands.h"
#include "core/error.h"

namespace cnnlab {

int guarded(const std::function<int()>& body) {
  try {
    return body();
  } catch (const UserError& e) {
    std::fprintf(stderr, "cnnlab: error: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr,
                 "cnnlab: error: out of memory (try a smaller --image-size or --batch-size)\n");
    return 1;
  }
}

}  // namespace cnnlab

int main(int argc, char** argv) {
  CLI::App app{"cnnlab — a teaching lab for convolutional neural networks"};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", "cnnlab 0.1.0");
  int exit_code = 0;
  cnnlab::register_engine_commands(app, exit_code);
  cnnlab::register_lesson_commands(app, exit_code);
  cnnlab::register_export_commands(app, exit_code);
  cnnlab::register_runs_commands(app, exit_code);
  cnnlab::register_explain_commands(app, exit_code);
#ifdef CNNLAB_HAVE_GUI
  cnnlab::register_gui_commands(app, exit_code);
  cnnlab::register_timelapse_commands(app, exit_code);
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
