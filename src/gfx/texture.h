// gfx/texture.h — an RGBA8 GL texture owned by one object (move-only), and framebuffer read-back.
#pragma once
#include "gfx/gl.h"
#include "gfx/rgba_image.h"

namespace cnnlab {

class Texture {
 public:
  Texture() = default;
  ~Texture();
  Texture(Texture&& other) noexcept;
  Texture& operator=(Texture&& other) noexcept;
  Texture(const Texture&) = delete;
  Texture& operator=(const Texture&) = delete;

  // Creates or resizes the texture and uploads `image` (linear filtering, clamp to edge).
  void upload(const RgbaImage& image);
  // Creates an empty texture of the given size (a render target).
  void allocate(int width, int height);
  void reset();

  GLuint id() const { return id_; }
  int width() const { return width_; }
  int height() const { return height_; }
  bool valid() const { return id_ != 0; }

 private:
  GLuint id_ = 0;
  int width_ = 0, height_ = 0;
};

// An offscreen colour target: a texture plus its framebuffer object.
class RenderTarget {
 public:
  RenderTarget() = default;
  ~RenderTarget();
  RenderTarget(const RenderTarget&) = delete;
  RenderTarget& operator=(const RenderTarget&) = delete;

  // (Re)creates the target when the size changes. Throws UserError if the FBO is incomplete.
  void ensure(int width, int height);
  void bind() const;     // binds the FBO and sets the viewport to its size
  static void unbind();  // back to the default framebuffer
  const Texture& texture() const { return texture_; }
  GLuint fbo() const { return fbo_; }
  int width() const { return texture_.width(); }
  int height() const { return texture_.height(); }

 private:
  GLuint fbo_ = 0;
  Texture texture_;
};

// Reads the currently bound framebuffer's (0,0,w,h) into an RgbaImage, top row first.
RgbaImage read_pixels(int width, int height);

}  // namespace cnnlab
