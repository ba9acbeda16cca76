// app/cli_timelapse.cpp — `cnnlab timelapse --load CKPT --out DIR [--gif FILE]`: a checkpoint's
// time-lapse as a PNG per epoch and an animated GIF, headless (composed on the CPU, no window).
#ifdef CNNLAB_HAVE_GUI
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "app/commands.h"
#include "core/error.h"
#include "nn/serialize.h"
#include "train/timelapse.h"
#include "ui/training/timelapse_export.h"

namespace cnnlab {

namespace {

struct TimelapseArgs {
  std::string load, out, gif;
};

int run_timelapse(const TimelapseArgs& a) {
  const auto meta = read_safetensors_metadata(a.load);
  auto it = meta.find("cnnlab.num_classes");
  int classes = 0;
  if (it != meta.end()) classes = std::atoi(it->second.c_str());
  if (classes < 1)
    throw UserError(a.load, "names no number of classes", "is it a cnnlab checkpoint?");
  TimelapsePtr t = read_timelapse(meta, a.load, classes);
  if (!t || t->frames.empty())
    throw UserError(a.load, "holds no time-lapse",
                    "checkpoints saved by the window since the time-lapse was added carry one");
  TimelapseExport e = export_timelapse(*t, a.out, a.gif);
  std::printf("Wrote %zu PNG(s) of %d×%d to %s (epochs %d to %d%s)\n", e.pngs.size(), e.width,
              e.height, a.out.c_str(), t->frames.front()->epoch, t->frames.back()->epoch,
              t->thinned ? ", thinned to stay in budget" : "");
  if (!e.gif.empty()) std::printf("Wrote %s: %zu frames\n", e.gif.c_str(), e.pngs.size());
  return 0;
}

}  // namespace

void register_timelapse_commands(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<TimelapseArgs>();
  CLI::App* c = app.add_subcommand(
      "timelapse", "Write a checkpoint's time-lapse of learning as PNGs (one per epoch) and a GIF");
  c->add_option("--load", args->load, "Checkpoint (.safetensors) saved by the window")->required();
  c->add_option("--out", args->out, "Folder for epoch_000.png, epoch_001.png, …")->required();
  c->add_option("--gif", args->gif, "Also write this animated GIF (one frame per epoch)");
  c->callback([args, &exit_code] { exit_code = guarded([&] { return run_timelapse(*args); }); });
}

}  // namespace cnnlab
#endif
