// gfx/conv_filter.h — a K×K kernel applied to a photo by a fragment shader, rendered offscreen.
#pragma once
#include <vector>

#include "gfx/shader.h"
#include "gfx/texture.h"

namespace cnnlab {

// How a filtered value v (per channel, in 0..1 photo units) becomes a displayed grey level.
enum class FilterDisplay {
  Clamp,     // clamp(v, 0, 1): identity, blur, sharpen
  Absolute,  // clamp(|v|, 0, 1): edge detectors, where the sign only says the edge's direction
};

class ConvFilter {
 public:
  static constexpr int kMaxKernel = 7;

  // Loads shaders/fullscreen.vert and shaders/conv_filter.frag. Throws UserError on compile
  // errors (the caller logs them and keeps running without the photo view).
  void init();
  bool ready() const { return program_.valid(); }

  // Renders `source` convolved with `kernel` ((k, k) row-major, k odd, k ≤ kMaxKernel) into
  // the filter's own target of the source's size. Cross-correlation, as in CNNs: out(y, x) =
  // Σ kernel(i, j) · in(y + i − k/2, x + j − k/2), edges clamped. Restores the default FBO.
  void apply(const Texture& source, const std::vector<float>& kernel, int k, float gain,
             FilterDisplay display);
  const Texture& output() const { return target_.texture(); }

  ~ConvFilter();

 private:
  ShaderProgram program_;
  RenderTarget target_;
  GLuint vao_ = 0;
};

}  // namespace cnnlab
