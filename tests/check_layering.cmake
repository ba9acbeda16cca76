# tests/check_layering.cmake — the dependency rule as a test: nothing under src/nn, src/data, src/train or
# src/lesson includes ImGui, GL, glad, GLFW, ui/ or gfx/ headers, or links those libraries.
#   cmake -DROOT=<repository> -P tests/check_layering.cmake   fails listing every file and include that breaks it
#   cmake -DSELFTEST=ON -P tests/check_layering.cmake         the matcher must flag planted includes
cmake_minimum_required(VERSION 3.25)

# Sets ${out} to TRUE if the header named in an #include line is a GUI one.
function(gui_include line out)
  set(${out} FALSE PARENT_SCOPE)
  if(NOT line MATCHES "^[ \t]*#[ \t]*include[ \t]*[<\"]([^>\"]+)[>\"]")
    return()
  endif()
  string(TOLOWER "${CMAKE_MATCH_1}" h)
  # imgui*.h, backends/imgui_impl_*, GL/gl.h, GLES*/, KHR/, glad/, GLFW/, glew, epoxy; ui/ or gfx/ headers
  # by any relative spelling (ui/app.h, ../ui/app.h, src/gfx/texture.h).
  if(h MATCHES "imgui|implot|(^|/)gl/|(^|/)gles[0-9]*/|(^|/)khr/|glad|glfw|glew|epoxy|gl3w|(^|/)gl\\.h$|(^|/)(ui|gfx)/")
    set(${out} TRUE PARENT_SCOPE)
  endif()
endfunction()

if(SELFTEST)
  set(bad_lines "#include \"imgui.h\"" "#  include <GLFW/glfw3.h>" "#include <GL/gl.h>" "#include <glad/gl.h>"
      "#include \"ui/app.h\"" "#include \"gfx/texture.h\"" "#include \"../ui/theme.h\"" "#include \"backends/imgui_impl_glfw.h\""
      " # include <imgui_internal.h>" "#include \"src/gfx/shader.h\"")
  set(good_lines "#include \"nn/model.h\"" "#include <Eigen/Dense>" "#include \"data/guide.h\"" "#include <glob.h>"
      "#include \"train/worker.h\"" "#include <toml++/toml.hpp>" "// #include imgui.h is not an include line"
      "#include \"lesson/build.h\"")
  set(failures "")
  foreach(l IN LISTS bad_lines)
    gui_include("${l}" hit)
    if(NOT hit)
      string(APPEND failures "  not flagged: ${l}\n")
    endif()
  endforeach()
  foreach(l IN LISTS good_lines)
    gui_include("${l}" hit)
    if(hit)
      string(APPEND failures "  wrongly flagged: ${l}\n")
    endif()
  endforeach()
  if(failures)
    message(FATAL_ERROR "layering matcher self-test failed:\n${failures}")
  endif()
  message(STATUS "layering matcher flags all planted GUI includes and none of the others")
  return()
endif()

if(NOT ROOT)
  message(FATAL_ERROR "usage: cmake -DROOT=<repository> -P check_layering.cmake")
endif()
set(violations "")
set(count 0)
foreach(module nn data train lesson)
  set(dir "${ROOT}/src/${module}")
  if(NOT IS_DIRECTORY "${dir}")
    message(FATAL_ERROR "${dir}: no such folder (is ROOT the repository?)")
  endif()
  file(GLOB_RECURSE sources "${dir}/*.h" "${dir}/*.hpp" "${dir}/*.c" "${dir}/*.cc" "${dir}/*.cpp" "${dir}/*.inl")
  foreach(f IN LISTS sources)
    math(EXPR count "${count} + 1")
    # Only the #include lines: a whole file as a CMake list would split at ';' and merge at '['.
    file(STRINGS "${f}" lines REGEX "^[ \t]*#[ \t]*include")
    foreach(l IN LISTS lines)
      gui_include("${l}" hit)
      if(hit)
        file(RELATIVE_PATH rel "${ROOT}" "${f}")
        string(APPEND violations "  ${rel}: ${l}\n")
      endif()
    endforeach()
  endforeach()
  # The module's build file must not link a GUI library either.
  if(EXISTS "${dir}/CMakeLists.txt")
    file(READ "${dir}/CMakeLists.txt" text)
    string(TOLOWER "${text}" text)
    string(REGEX REPLACE "#[^\n]*" "" text "${text}")  # comments may name what the module avoids
    if(text MATCHES "imgui|glfw|opengl|glad|cnnlab_ui|cnnlab_gfx")
      string(APPEND violations "  src/${module}/CMakeLists.txt links or includes '${CMAKE_MATCH_0}'\n")
    endif()
  endif()
endforeach()
if(violations)
  message(FATAL_ERROR "nn, data, train and lesson must not depend on ImGui, GL, glad, GLFW, ui/ or gfx/ "
                      "(../shared/STYLE.md, dependency rule):\n${violations}")
endif()
message(STATUS "layering: ${count} files in src/nn, src/data, src/train, src/lesson include no GUI header")
