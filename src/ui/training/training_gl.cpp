// ui/training/training_gl.cpp — the Training view's GL side: uploads feature maps, kernels,
// thumbnails and the probe image only when the snapshot's versions (or a view choice) changed;
// big feature maps in bands of atlas rows over several frames (kMapSliceTexels each).
#include <algorithm>
#include <climits>

#include "core/error.h"
#include "core/log.h"
#include "ui/image_io.h"
#include "ui/training/replay.h"
#include "ui/training/training_state.h"

namespace cnnlab {

void init_training_gl(TrainingUi& ui) {
  ui.gl.enabled = true;
  try {
    ui.gl.colormap.init();
  } catch (const UserError& e) {
    log_error(e.what());
  }
}

void set_map_filter(LayerMapsGl& maps, bool nearest) {
  if (!maps.rgba.texture() || maps.nearest == nearest) return;
  GLint filter = nearest ? GL_NEAREST : GL_LINEAR;
  glBindTexture(GL_TEXTURE_2D, maps.rgba.texture());
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, filter);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, filter);
  maps.nearest = nearest;
}

namespace {

// Starts uploading `snap`'s conv/pool maps: one LayerMapsGl per (H, W, C) activation (new ones
// show a placeholder until whole; extra ones go when the job ends).
void start_map_job(TrainingGl& gl, const SnapshotPtr& snap, bool replay, bool per_layer) {
  MapUploadJob& job = gl.map_job;
  job = MapUploadJob{};
  job.snap = snap, job.replay = replay, job.per_layer = per_layer;
  for (int i = 0; i < int(snap->activations.size()); ++i)
    if (snap->activations[size_t(i)].shape.size() == 3) job.acts.push_back(i);  // dense: bars
  while (gl.maps.size() < job.acts.size()) gl.maps.push_back(std::make_unique<LayerMapsGl>());
}

// The layer in progress is whole: show it (swap) with its shape.
void finish_layer(LayerMapsGl& m, const TensorCopy& t, int cols) {
  m.rgba.swap(m.next);
  m.name = t.name;
  m.h = t.shape[0], m.w = t.shape[1], m.c = t.shape[2];
  m.cols = cols;
  m.rows = (m.c + cols - 1) / cols;
  m.nearest = false;        // ensure() sets the filter only when it (re)creates the target
  set_map_filter(m, true);  // maps are mostly shown magnified; the panel corrects it per frame
}

// Bands of the job's layers until `budget` texels are used (at least one row, so it progresses).
// True when the last layer became whole.
bool advance_map_job(TrainingGl& gl, long budget) {
  MapUploadJob& job = gl.map_job;
  long used = 0;
  while (job.layer < job.acts.size()) {
    const TensorCopy& t = job.snap->activations[size_t(job.acts[job.layer])];
    LayerMapsGl& m = *gl.maps[job.layer];
    const int h = t.shape[0], w = t.shape[1], c = t.shape[2];
    const int cols = feature_grid_cols(c), aw = cols * w, ah = (c + cols - 1) / cols * h;
    long fit = (budget - used) / aw;
    if (fit < 1 && used > 0) break;
    const int n = int(std::clamp(fit, 1L, long(ah - job.row)));
    if (job.row == 0) job.ranges = feature_ranges(t, job.per_layer);
    feature_atlas_rows(t, cols, job.row, n, gl.map_band);
    ColormapParams p;
    p.kind = ColormapKind::Viridis;
    p.tile_w = w, p.tile_h = h, p.cols = cols;
    p.ranges = job.ranges;
    // Colour-mapped on the CPU (colormap_rows): under llvmpipe the shader pass cost ~25× more.
    colormap_rows(gl.map_band.data(), aw, job.row, n, p, gl.map_rgba);
    m.next.ensure(aw, ah, false);
    m.next.upload_rows(gl.map_rgba.data(), job.row, n);
    used += long(aw) * n;
    job.row += n;
    if (job.row < ah) continue;
    finish_layer(m, t, cols);
    ++job.layer, job.row = 0;
  }
  gl.map_texels_last = used;
  gl.map_texels_max = std::max(gl.map_texels_max, used);
  if (used > 0) ++gl.map_slices;
  if (job.layer < job.acts.size()) return false;
  gl.maps.resize(job.acts.size());
  gl.activations_version = job.snap->activations_version;
  gl.maps_per_layer = job.per_layer;
  job = MapUploadJob{};
  ++gl.map_uploads;
  return true;
}

// The snapshot the panels show now (live, or the replayed epoch) as a pointer the job can keep.
SnapshotPtr shown_snapshot_ptr(TrainingUi& ui) {
  const Snapshot& s = shown_snapshot(ui);
  return &s == ui.snap.get() ? ui.snap : ui.replay.shown;
}

// One update's worth of feature maps (`budget` texels): continues the job in progress, restarts it
// when the normalisation or the replay changed, or starts the shown snapshot's when it is new.
void update_maps(TrainingUi& ui, long budget) {
  TrainingGl& gl = ui.gl;
  SnapshotPtr shown = shown_snapshot_ptr(ui);
  if (!shown) return;
  const bool replay = shown != ui.snap;
  MapUploadJob& job = gl.map_job;
  bool restart = job.snap && (job.per_layer != ui.maps_per_layer ||
                              ((job.replay || replay) && job.snap != shown));
  bool fresh = shown->activations_version != gl.activations_version ||
               ui.maps_per_layer != gl.maps_per_layer;
  if (restart || (!job.snap && fresh)) start_map_job(gl, shown, replay, ui.maps_per_layer);
  if (job.snap) advance_map_job(gl, budget);
}

long slice_budget(const TrainingGl& gl) {
  return gl.flush_maps || gl.map_slice_texels <= 0 ? LONG_MAX : gl.map_slice_texels;
}

void upload_kernels(TrainingUi& ui, const Snapshot& s) {
  TrainingGl& gl = ui.gl;
  bool delta = ui.kernels_delta && s.conv_kernels_init.size() == s.conv_kernels.size();
  if (!s.conv_kernels.empty() && s.conv_kernels[0].shape.size() == 4 &&
      s.conv_kernels[0].shape[2] == 3)
    gl.rgb_kernels.upload(
        rgb_kernel_tiles(s.conv_kernels[0], delta ? &s.conv_kernels_init[0] : nullptr));
  if (gl.rgb_kernels.valid()) {  // magnified pixels must stay sharp
    glBindTexture(GL_TEXTURE_2D, gl.rgb_kernels.id());
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  }
  if (s.conv_kernels.size() >= 2) {
    const TensorCopy& k = s.conv_kernels[1];
    const TensorCopy* init = delta ? &s.conv_kernels_init[1] : nullptr;
    std::vector<float> atlas = kernel_grid_atlas(k, init);
    TexelSize size = kernel_grid_size(k);
    gl.kernel_values.upload(atlas.data(), size.width, size.height);
    ColormapParams p;
    p.kind = ColormapKind::Diverging;
    float m = kernel_abs_max(k, init);
    p.ranges = {{-m, m}};
    gl.colormap.render(gl.kernel_values, p, gl.kernel_rgba, true);
  }
  ++gl.kernel_uploads;
}

}  // namespace

void flush_training_maps(TrainingUi& ui) {
  if (!ui.gl.enabled || !ui.gl.colormap.ready()) return;
  for (int i = 0; i < 2; ++i) update_maps(ui, LONG_MAX);  // the one in progress, then the newest
}

bool training_maps_pending(const TrainingUi& ui) {
  return ui.gl.map_job.snap != nullptr;
}

bool advance_training_gl(TrainingUi& ui) {
  TrainingGl& gl = ui.gl;
  if (!gl.enabled || !gl.colormap.ready() || !gl.map_job.snap) return false;
  return advance_map_job(gl, slice_budget(gl));
}

void update_training_gl(TrainingUi& ui) {
  TrainingGl& gl = ui.gl;
  if (!gl.enabled || !gl.colormap.ready()) return;
  const Snapshot& s = shown_snapshot(ui);  // live, or the replayed epoch
  gl.map_texels_last = 0;
  if (gl.flush_maps)
    flush_training_maps(ui);
  else
    update_maps(ui, slice_budget(gl));
  if (s.weights_version != gl.weights_version || ui.kernels_delta != gl.kernels_delta) {
    upload_kernels(ui, s);
    gl.weights_version = s.weights_version;
    gl.kernels_delta = ui.kernels_delta;
  }
  if (s.data && s.data.get() != gl.thumbs_for && s.data->size() > 0) {
    gl.thumb_side = std::min(48, s.data->height);  // every image (any split can be shown)
    gl.thumb_cols = 25;
    std::vector<int> all(s.data->size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = int(i);
    gl.thumbs.upload(thumbnail_atlas(*s.data, all, gl.thumb_side, gl.thumb_cols));
    gl.thumbs_for = s.data.get();
    gl.probe_for = -1;
  }
  if (s.data && s.probe_index >= 0 && s.probe_index != gl.probe_for) {
    gl.probe.upload(
        rgba_from_rgb(s.data->image(size_t(s.probe_index)), s.data->width, s.data->height));
    gl.probe_for = s.probe_index;
  }
  update_probe_gl(ui);  // the probe as the snapshot has it (your photo too) and its heat
}

}  // namespace cnnlab
