// ui/training/training_gl.cpp — the Training view's GL side: uploads feature maps, kernels,
// thumbnails and the probe image only when the snapshot's versions (or a view choice) changed.
#include <algorithm>

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

void upload_maps(TrainingUi& ui, const Snapshot& s) {
  TrainingGl& gl = ui.gl;
  size_t n = 0;
  for (const TensorCopy& t : s.activations) {
    if (t.shape.size() != 3) continue;  // dense outputs are drawn as bars
    if (gl.maps.size() <= n) gl.maps.push_back(std::make_unique<LayerMapsGl>());
    LayerMapsGl& m = *gl.maps[n++];
    m.name = t.name;
    m.h = t.shape[0], m.w = t.shape[1], m.c = t.shape[2];
    m.cols = feature_grid_cols(m.c);
    m.rows = (m.c + m.cols - 1) / m.cols;
    std::vector<float> atlas = feature_atlas(t, m.cols);
    m.values.upload(atlas.data(), m.cols * m.w, m.rows * m.h);
    ColormapParams p;
    p.kind = ColormapKind::Viridis;
    p.tile_w = m.w, p.tile_h = m.h, p.cols = m.cols;
    p.ranges = feature_ranges(t, ui.maps_per_layer);
    gl.colormap.render(m.values, p, m.rgba, false);
    m.nearest = false;        // ensure() sets the filter only when it (re)creates the target
    set_map_filter(m, true);  // maps are mostly shown magnified; the panel corrects it per frame
  }
  gl.maps.resize(n);
  ++gl.map_uploads;
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

void update_training_gl(TrainingUi& ui) {
  TrainingGl& gl = ui.gl;
  if (!gl.enabled || !gl.colormap.ready()) return;
  const Snapshot& s = shown_snapshot(ui);  // live, or the replayed epoch
  if (s.activations_version != gl.activations_version || ui.maps_per_layer != gl.maps_per_layer) {
    upload_maps(ui, s);
    gl.activations_version = s.activations_version;
    gl.maps_per_layer = ui.maps_per_layer;
  }
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
