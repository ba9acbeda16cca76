// gfx/gl.h — the one place that includes the glad-generated OpenGL 3.3 core header.
#pragma once
#include <glad/gl.h>

#include <string>

namespace cnnlab {

// Loads GL entry points through `load` (glfwGetProcAddress); the context must be current.
// Returns false when the driver offers less than GL 3.3 core.
bool load_gl(GLADloadfunc load);

// "OpenGL 4.5 (Core Profile) Mesa …, llvmpipe" — for the log panel.
std::string gl_description();

}  // namespace cnnlab
