// gfx/featuremap.cpp — R32F uploads (storage reused), RGBA targets, and the colormap pass over
// them.
#include "gfx/featuremap.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "core/error.h"

namespace cnnlab {

// ---- FloatTexture -------------------------------------------------------------------------------

FloatTexture::~FloatTexture() {
  reset();
}

void FloatTexture::reset() {
  if (id_) glDeleteTextures(1, &id_);
  id_ = 0;
  width_ = height_ = 0;
}

namespace {

// (Re)creates `id`'s R32F storage at width × height, filled from `values` (may be null).
void create_r32f(GLuint& id, int width, int height, const float* values) {
  if (!id) glGenTextures(1, &id);
  glBindTexture(GL_TEXTURE_2D, id);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_R32F, width, height, 0, GL_RED, GL_FLOAT, values);
}

}  // namespace

void FloatTexture::upload(const float* values, int width, int height) {
  CNNLAB_ASSERT(values && width > 0 && height > 0, "FloatTexture::upload: empty");
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  if (id_ && width == width_ && height == height_) {
    glBindTexture(GL_TEXTURE_2D, id_);
    glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, width, height, GL_RED, GL_FLOAT, values);
  } else {
    create_r32f(id_, width, height, values);
    width_ = width;
    height_ = height;
    ++allocs_;
  }
  ++uploads_;
}

void FloatTexture::allocate(int width, int height) {
  CNNLAB_ASSERT(width > 0 && height > 0, "FloatTexture::allocate: empty");
  if (id_ && width == width_ && height == height_) return;
  create_r32f(id_, width, height, nullptr);
  width_ = width;
  height_ = height;
  ++allocs_;
}

// Texel rows y0 .. y0 + rows − 1 of texture `tex` (width texels wide), tightly packed.
static void upload_texel_rows(GLuint tex, int width, int y0, int rows, GLenum format, GLenum type,
                              const void* data) {
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  glBindTexture(GL_TEXTURE_2D, tex);
  glTexSubImage2D(GL_TEXTURE_2D, 0, 0, y0, width, rows, format, type, data);
}

void FloatTexture::upload_rows(const float* values, int y0, int rows) {
  CNNLAB_ASSERT(values && id_ && y0 >= 0 && rows > 0 && y0 + rows <= height_,
                "FloatTexture::upload_rows: rows outside the texture");
  upload_texel_rows(id_, width_, y0, rows, GL_RED, GL_FLOAT, values);
  ++uploads_;
}

// ---- ColorTarget --------------------------------------------------------------------------------

void ColorTarget::upload_rows(const uint8_t* rgba, int y0, int rows) {
  CNNLAB_ASSERT(rgba && tex_ && y0 >= 0 && rows > 0 && y0 + rows <= height_,
                "ColorTarget::upload_rows: rows outside the target");
  upload_texel_rows(tex_, width_, y0, rows, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
}

ColorTarget::~ColorTarget() {
  reset();
}

void ColorTarget::reset() {
  if (fbo_) glDeleteFramebuffers(1, &fbo_);
  if (tex_) glDeleteTextures(1, &tex_);
  fbo_ = tex_ = 0;
  width_ = height_ = 0;
}

void ColorTarget::swap(ColorTarget& other) noexcept {
  std::swap(tex_, other.tex_);
  std::swap(fbo_, other.fbo_);
  std::swap(width_, other.width_);
  std::swap(height_, other.height_);
  std::swap(nearest_, other.nearest_);
}

void ColorTarget::ensure(int width, int height, bool nearest) {
  if (tex_ && width == width_ && height == height_ && nearest == nearest_) return;
  if (!tex_) glGenTextures(1, &tex_);
  glBindTexture(GL_TEXTURE_2D, tex_);
  GLint filter = nearest ? GL_NEAREST : GL_LINEAR;
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, filter);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, filter);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  if (width != width_ || height != height_)
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
  width_ = width;
  height_ = height;
  nearest_ = nearest;
  GLint previous = 0;
  glGetIntegerv(GL_FRAMEBUFFER_BINDING, &previous);
  if (!fbo_) glGenFramebuffers(1, &fbo_);
  glBindFramebuffer(GL_FRAMEBUFFER, fbo_);
  glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, tex_, 0);
  GLenum status = glCheckFramebufferStatus(GL_FRAMEBUFFER);
  glBindFramebuffer(GL_FRAMEBUFFER, GLuint(previous));
  if (status != GL_FRAMEBUFFER_COMPLETE)
    throw UserError("",
                    "colour target " + std::to_string(width) + "x" + std::to_string(height) +
                        " is incomplete (status " + std::to_string(status) + ")",
                    "the GL driver may limit texture sizes; try a smaller image size");
}

// ---- ColormapRenderer ---------------------------------------------------------------------------

ColormapRenderer::~ColormapRenderer() {
  if (vao_) glDeleteVertexArrays(1, &vao_);
}

void ColormapRenderer::init() {
  program_.build("fullscreen.vert", load_shader_source("fullscreen.vert"), "featuremap.frag",
                 load_shader_source("featuremap.frag"));
  if (!vao_) glGenVertexArrays(1, &vao_);  // core profile: a bound VAO even without attributes
}

void ColormapRenderer::render(const FloatTexture& src, const ColormapParams& params,
                              ColorTarget& dst, bool nearest) {
  render_rows(src, params, dst, nearest, 0, src.height());
}

void ColormapRenderer::render_rows(const FloatTexture& src, const ColormapParams& params,
                                   ColorTarget& dst, bool nearest, int row0, int rows) {
  CNNLAB_ASSERT(!params.ranges.empty() && params.ranges.size() <= size_t(kMaxColormapRanges),
                "ColormapRenderer: 1..256 ranges");
  CNNLAB_ASSERT(params.tile_w > 0 && params.tile_h > 0 && params.cols > 0,
                "ColormapRenderer: tiles");
  if (!ready() || !src.id()) return;
  CNNLAB_ASSERT(row0 >= 0 && rows >= 0 && row0 + rows <= src.height(), "ColormapRenderer: rows");
  dst.ensure(src.width(), src.height(), nearest);
  // Called while ImGui builds its frame, possibly with an offscreen target bound: put it back.
  GLint previous_fbo = 0, viewport[4] = {}, box[4] = {};
  glGetIntegerv(GL_FRAMEBUFFER_BINDING, &previous_fbo);
  glGetIntegerv(GL_VIEWPORT, viewport);
  glGetIntegerv(GL_SCISSOR_BOX, box);
  GLboolean blend = glIsEnabled(GL_BLEND), scissor = glIsEnabled(GL_SCISSOR_TEST);
  glBindFramebuffer(GL_FRAMEBUFFER, dst.fbo());
  glViewport(0, 0, dst.width(), dst.height());
  glDisable(GL_BLEND);
  // Fragment row y is texel row y (the shader texelFetches gl_FragCoord): the band's rows only.
  glEnable(GL_SCISSOR_TEST);
  glScissor(0, row0, dst.width(), rows);
  glDisable(GL_DEPTH_TEST);
  glUseProgram(program_.id());
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, src.id());
  glUniform1i(program_.uniform("u_values"), 0);
  glUniform2i(program_.uniform("u_tile"), params.tile_w, params.tile_h);
  glUniform1i(program_.uniform("u_cols"), params.cols);
  std::vector<float> ranges;
  for (const auto& r : params.ranges) ranges.insert(ranges.end(), {r.first, r.second});
  glUniform1i(program_.uniform("u_num_ranges"), GLint(params.ranges.size()));
  glUniform2fv(program_.uniform("u_ranges"), GLsizei(params.ranges.size()), ranges.data());
  glUniform1i(program_.uniform("u_kind"), int(params.kind));
  glUniform3f(program_.uniform("u_gap"), params.gap.r, params.gap.g, params.gap.b);
  glBindVertexArray(vao_);
  glDrawArrays(GL_TRIANGLES, 0, 3);
  glBindVertexArray(0);
  glUseProgram(0);
  glBindFramebuffer(GL_FRAMEBUFFER, GLuint(previous_fbo));
  glViewport(viewport[0], viewport[1], viewport[2], viewport[3]);
  glScissor(box[0], box[1], box[2], box[3]);
  if (blend) glEnable(GL_BLEND);
  if (!scissor) glDisable(GL_SCISSOR_TEST);
}

// ---- CPU twins ----------------------------------------------------------------------------------

// Viridis as a polynomial in t, the same coefficients as shaders/featuremap.frag's.
constexpr float kViridis[7][3] = {{0.2777273272f, 0.0054073445f, 0.3340998053f},
                                  {0.1050930431f, 1.4046135299f, 1.3845901626f},
                                  {-0.3308618287f, 0.2148475595f, 0.0950951630f},
                                  {-4.6342304990f, -5.7991009734f, -19.3324409563f},
                                  {6.2282699363f, 14.1799333668f, 56.6905526007f},
                                  {4.7763849977f, -13.7451453777f, -65.3530326334f},
                                  {-5.4354558559f, 4.6458526122f, 26.3124352496f}};

Rgb viridis(float t) {
  t = std::clamp(t, 0.0f, 1.0f);
  const auto& c = kViridis;
  float out[3];
  for (int k = 0; k < 3; ++k) {
    float v = c[6][k];
    for (int i = 5; i >= 0; --i) v = c[i][k] + t * v;
    out[k] = std::clamp(v, 0.0f, 1.0f);
  }
  return {out[0], out[1], out[2]};
}

namespace {

// One tile row's segment [x0, x1) of values with one range: no branch, so it vectorises. The
// polynomial is viridis()'s, written out here: calling viridis() per texel did not vectorise (a
// 2^18-texel band 3.3-4.0 ms against 1.4).
void viridis_segment(const float* v, int n, float lo, float hi, const Rgb& gap, uint8_t* out) {
  const auto& c = kViridis;
  const bool spread = hi > lo;
  const float span = spread ? hi - lo : 1.0f;
  const uint8_t g[3] = {uint8_t(std::clamp(gap.r, 0.0f, 1.0f) * 255.0f + 0.5f),
                        uint8_t(std::clamp(gap.g, 0.0f, 1.0f) * 255.0f + 0.5f),
                        uint8_t(std::clamp(gap.b, 0.0f, 1.0f) * 255.0f + 0.5f)};
  for (int x = 0; x < n; ++x) {
    const float t = std::clamp(spread ? (v[x] - lo) / span : 0.0f, 0.0f, 1.0f);
    const bool is_gap = v[x] < -1e29f;
    for (int k = 0; k < 3; ++k) {
      float a = c[6][k];
      for (int i = 5; i >= 0; --i) a = c[i][k] + t * a;
      const uint8_t u = uint8_t(std::clamp(a, 0.0f, 1.0f) * 255.0f + 0.5f);
      out[4 * x + k] = is_gap ? g[k] : u;
    }
    out[4 * x + 3] = 255;
  }
}

}  // namespace

void colormap_rows(const float* values, int width, int row0, int rows, const ColormapParams& p,
                   std::vector<uint8_t>& rgba) {
  CNNLAB_ASSERT(p.kind == ColormapKind::Viridis, "colormap_rows: viridis only");
  CNNLAB_ASSERT(!p.ranges.empty() && p.tile_w > 0 && p.tile_h > 0 && p.cols > 0 && width > 0 &&
                    row0 >= 0 && rows >= 0,
                "colormap_rows: tiles, ranges, rows");
  rgba.resize(size_t(rows) * size_t(width) * 4);
  const int num = int(p.ranges.size());
  for (int r = 0; r < rows; ++r) {
    const int tile_row = (row0 + r) / p.tile_h;
    for (int x0 = 0; x0 < width; x0 += p.tile_w) {
      const int tile = num > 1 ? std::min(tile_row * p.cols + x0 / p.tile_w, num - 1) : 0;
      const int n = std::min(p.tile_w, width - x0);
      const size_t at = size_t(r) * size_t(width) + size_t(x0);
      viridis_segment(values + at, n, p.ranges[size_t(tile)].first, p.ranges[size_t(tile)].second,
                      p.gap, rgba.data() + 4 * at);
    }
  }
}

Rgb diverging_cb(float t) {
  return diverging(t);
}

}  // namespace cnnlab
