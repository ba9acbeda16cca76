// gfx/featuremap.h — float textures (GL_R32F) colour-mapped by shaders/featuremap.frag into RGBA
// targets: feature maps (viridis) and signed weights (blue–white–orange, symmetric range), reused
// between uploads.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "gfx/colormap.h"
#include "gfx/shader.h"

namespace cnnlab {

// Values below this mark a gap between tiles (drawn in the gap colour, not colour-mapped).
inline constexpr float kGapValue = -1e30f;

// A single-channel float texture, nearest sampling. Re-uploading the same size reuses the
// storage (glTexSubImage2D); a new size re-creates it. Big atlases can be filled a band of rows at
// a time (allocate, then upload_rows), so no frame pays for all of it (issue 11).
class FloatTexture {
 public:
  FloatTexture() = default;
  ~FloatTexture();
  FloatTexture(const FloatTexture&) = delete;
  FloatTexture& operator=(const FloatTexture&) = delete;

  // values: (height, width) row-major, top row first.
  void upload(const float* values, int width, int height);
  // Storage of width × height without data; kept when the size is the same.
  void allocate(int width, int height);
  // values: (rows, width()) row-major, written to texel rows y0 .. y0 + rows − 1.
  void upload_rows(const float* values, int y0, int rows);
  void reset();
  GLuint id() const { return id_; }
  int width() const { return width_; }
  int height() const { return height_; }
  int uploads() const { return uploads_; }     // every upload (a band of rows counts too)
  int allocations() const { return allocs_; }  // uploads that (re)created the storage

 private:
  GLuint id_ = 0;
  int width_ = 0, height_ = 0, uploads_ = 0, allocs_ = 0;
};

// An RGBA8 colour target (texture + FBO) that the colormap pass renders into; ImGui shows it.
class ColorTarget {
 public:
  ColorTarget() = default;
  ~ColorTarget();
  ColorTarget(const ColorTarget&) = delete;
  ColorTarget& operator=(const ColorTarget&) = delete;

  // (Re)creates the target only when the size or filtering changes.
  void ensure(int width, int height, bool nearest);
  void reset();
  // Exchanges the two targets' GL objects and sizes (double buffering: draw one, fill the other).
  void swap(ColorTarget& other) noexcept;
  // RGBA8 texels (rows × width(), top row first) into texel rows y0 .. y0 + rows − 1: what
  // colormap_rows makes, without a render pass.
  void upload_rows(const uint8_t* rgba, int y0, int rows);
  GLuint texture() const { return tex_; }
  GLuint fbo() const { return fbo_; }
  int width() const { return width_; }
  int height() const { return height_; }

 private:
  GLuint tex_ = 0, fbo_ = 0;
  int width_ = 0, height_ = 0;
  bool nearest_ = false;
};

enum class ColormapKind { Viridis = 0, Diverging = 1 };

// How values become colours. The source is an atlas of equal tiles (tile_w × tile_h texels,
// `cols` per row); `ranges` holds one (lo, hi) per tile, or a single range for all tiles.
// Viridis maps lo..hi to 0..1; Diverging maps -m..m (m = max(|lo|, |hi|)) to blue–white–orange.
struct ColormapParams {
  ColormapKind kind = ColormapKind::Viridis;
  int tile_w = 1, tile_h = 1, cols = 1;
  std::vector<std::pair<float, float>> ranges{{0.0f, 1.0f}};
  Rgb gap{1.0f, 1.0f, 1.0f};
};
inline constexpr int kMaxColormapRanges = 256;

class ColormapRenderer {
 public:
  ~ColormapRenderer();
  // Compiles shaders/fullscreen.vert + shaders/featuremap.frag; throws UserError on GLSL errors.
  void init();
  bool ready() const { return program_.valid(); }
  // Renders `src` through the colormap into `dst` (resized to the source). Restores FBO 0.
  void render(const FloatTexture& src, const ColormapParams& params, ColorTarget& dst,
              bool nearest);
  // The same, for texel rows row0 .. row0 + rows − 1 only (a scissor): the rest of `dst` keeps
  // what it had. Pixels are the ones render() gives there.
  void render_rows(const FloatTexture& src, const ColormapParams& params, ColorTarget& dst,
                   bool nearest, int row0, int rows);

 private:
  ShaderProgram program_;
  GLuint vao_ = 0;
};

// The CPU twin of render_rows for a Viridis atlas: `rows` rows of `width` values (atlas rows row0
// .. row0 + rows − 1) into RGBA8, 4 bytes a texel, the colours the shader gives (the same
// polynomial and ranges; a colour may differ by one step of 255 where float rounding differs). The
// feature maps go this way: under llvmpipe the shader pass costs 20–35 ns a texel (an integer
// division and a dynamically indexed uniform per fragment), this loop ~1 (issue 11).
void colormap_rows(const float* values, int width, int row0, int rows, const ColormapParams& params,
                   std::vector<uint8_t>& rgba);

// CPU twins of the shader's maps (legends, tests). t in [0, 1] (viridis), [-1, 1] (diverging).
Rgb viridis(float t);
Rgb diverging_cb(float t);

}  // namespace cnnlab
