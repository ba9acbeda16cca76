// ui/training/timelapse_export.h — a time-lapse as pictures for slides: each frame composed on the
// CPU from the record (an epoch bar and number, first-layer kernels, the next layer's kernel grid,
// the first conv layer's maps, the confusion matrix), written as numbered PNGs and an animated GIF.
#pragma once
#include <string>
#include <vector>

#include "gfx/rgba_image.h"
#include "train/timelapse.h"

namespace cnnlab {

// One frame as a picture; every frame of a record gets the same size (the shapes do not change).
// `last_epoch` scales the epoch bar.
RgbaImage compose_timelapse_frame(const TimelapseFrame& f, int last_epoch);

// An animated GIF (giflib), looping, one image per frame with its own 256-colour palette; each
// shown `delay_cs` hundredths of a second, the last `last_delay_cs`. Frames must share one size.
// Throws UserError naming `path` when it cannot be written.
void write_timelapse_gif(const std::string& path, const std::vector<RgbaImage>& frames,
                         int delay_cs = 60, int last_delay_cs = 250);

struct TimelapseExport {
  std::vector<std::string> pngs;  // dir/epoch_000.png, … in epoch order
  std::string gif;                // "" when none was asked for
  int width = 0, height = 0;
};
// Writes a PNG per frame into `dir` (created if missing) and, when `gif` is not empty, the GIF.
TimelapseExport export_timelapse(const Timelapse& t, const std::string& dir,
                                 const std::string& gif);

}  // namespace cnnlab
