// gfx/gl.cpp — loading the GL 3.3 core entry points and describing the driver.
#include "gfx/gl.h"

namespace cnnlab {

bool load_gl(GLADloadfunc load) {
  int version = gladLoadGL(load);
  return version != 0 && GLAD_VERSION_MAJOR(version) * 10 + GLAD_VERSION_MINOR(version) >= 33;
}

std::string gl_description() {
  auto str = [](GLenum name) {
    const GLubyte* s = glGetString(name);
    return s ? std::string(reinterpret_cast<const char*>(s)) : std::string("?");
  };
  return "OpenGL " + str(GL_VERSION) + ", " + str(GL_RENDERER);
}

}  // namespace cnnlab
