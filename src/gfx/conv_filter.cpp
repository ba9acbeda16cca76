// gfx/conv_filter.cpp — runs shaders/conv_filter.frag over a photo into an offscreen texture.
#include "gfx/conv_filter.h"

#include "core/check.h"

namespace cnnlab {

void ConvFilter::init() {
  program_.build("fullscreen.vert", load_shader_source("fullscreen.vert"), "conv_filter.frag",
                 load_shader_source("conv_filter.frag"));
  if (!vao_) glGenVertexArrays(1, &vao_);  // core profile needs a bound VAO even with no attributes
}

ConvFilter::~ConvFilter() {
  if (vao_) glDeleteVertexArrays(1, &vao_);
}

void ConvFilter::apply(const Texture& source, const std::vector<float>& kernel, int k, float gain,
                       FilterDisplay display) {
  CNNLAB_ASSERT(k >= 1 && k <= kMaxKernel && k % 2 == 1, "ConvFilter: k must be odd and <= 7");
  CNNLAB_ASSERT(kernel.size() == size_t(k) * size_t(k), "ConvFilter: kernel must be (k, k)");
  if (!ready() || !source.valid()) return;
  target_.ensure(source.width(), source.height());
  target_.bind();
  glDisable(GL_BLEND);
  glDisable(GL_SCISSOR_TEST);
  glDisable(GL_DEPTH_TEST);
  glUseProgram(program_.id());
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, source.id());
  glUniform1i(program_.uniform("u_image"), 0);
  glUniform1fv(program_.uniform("u_kernel"), GLsizei(kernel.size()), kernel.data());
  glUniform1i(program_.uniform("u_k"), k);
  glUniform1f(program_.uniform("u_gain"), gain);
  glUniform1i(program_.uniform("u_absolute"), display == FilterDisplay::Absolute ? 1 : 0);
  glBindVertexArray(vao_);
  glDrawArrays(GL_TRIANGLES, 0, 3);
  glBindVertexArray(0);
  glUseProgram(0);
  RenderTarget::unbind();
}

}  // namespace cnnlab
