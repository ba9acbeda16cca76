// gfx/shader.cpp — reading shader sources (folder, env override, embedded fallback) and compiling
// them.
#include "gfx/shader.h"

#include <cstdlib>
#include <filesystem>
#include <regex>

#include "core/error.h"
#include "core/fileio.h"
#include "core/log.h"

namespace cnnlab {

std::string shader_dir() {
  if (const char* env = std::getenv("CNNLAB_SHADER_DIR"); env && *env) return env;
  return CNNLAB_SHADER_DIR;
}

std::string embedded_shader_source(const std::string& name) {
  for (const EmbeddedShader* s = kEmbeddedShaders; s->name; ++s) {
    if (name == s->name) return s->text;
  }
  return {};
}

std::string load_shader_source(const std::string& name) {
  std::string path = shader_dir() + "/" + name;
  if (std::filesystem::exists(path)) return read_file_text(path);
  std::string embedded = embedded_shader_source(name);
  if (embedded.empty()) {
    throw UserError(path, "shader not found", "set CNNLAB_SHADER_DIR to cnnlab's shaders/ folder");
  }
  log_info("shader " + path + " not found; using the copy built into cnnlab");
  return embedded;
}

namespace {

// Mesa and NVIDIA report "0:12(3): error: …" or "0(12) : error …"; pull the line number out.
int driver_line(const std::string& message) {
  std::smatch m;
  if (std::regex_search(message, m, std::regex(R"(^\s*\d+[:(](\d+))"))) return std::stoi(m[1]);
  return 0;
}

GLuint compile(GLenum type, const std::string& name, const std::string& source) {
  GLuint shader = glCreateShader(type);
  const char* text = source.c_str();
  glShaderSource(shader, 1, &text, nullptr);
  glCompileShader(shader);
  GLint ok = 0;
  glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
  if (!ok) {
    GLint length = 0;
    glGetShaderiv(shader, GL_INFO_LOG_LENGTH, &length);
    std::string message(size_t(std::max(length, 1)), '\0');
    glGetShaderInfoLog(shader, length, nullptr, message.data());
    glDeleteShader(shader);
    while (!message.empty() && (message.back() == '\0' || message.back() == '\n'))
      message.pop_back();
    throw UserError(shader_dir() + "/" + name, "GLSL compile error: " + message,
                    "fix the shader and reopen the lesson", driver_line(message));
  }
  return shader;
}

}  // namespace

ShaderProgram::~ShaderProgram() {
  if (id_) glDeleteProgram(id_);
}

void ShaderProgram::build(const std::string& vs_name, const std::string& vs_source,
                          const std::string& fs_name, const std::string& fs_source) {
  GLuint vs = compile(GL_VERTEX_SHADER, vs_name, vs_source);
  GLuint fs = 0;
  try {
    fs = compile(GL_FRAGMENT_SHADER, fs_name, fs_source);
  } catch (...) {
    glDeleteShader(vs);
    throw;
  }
  GLuint program = glCreateProgram();
  glAttachShader(program, vs);
  glAttachShader(program, fs);
  glLinkProgram(program);
  glDeleteShader(vs);
  glDeleteShader(fs);
  GLint ok = 0;
  glGetProgramiv(program, GL_LINK_STATUS, &ok);
  if (!ok) {
    char message[1024] = {};
    glGetProgramInfoLog(program, sizeof message, nullptr, message);
    glDeleteProgram(program);
    throw UserError(shader_dir() + "/" + fs_name, std::string("GLSL link error: ") + message,
                    "check that the vertex and fragment shaders agree");
  }
  if (id_) glDeleteProgram(id_);
  id_ = program;
}

}  // namespace cnnlab
