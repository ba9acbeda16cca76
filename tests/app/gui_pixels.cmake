# tests/app/gui_pixels.cmake — pixel tests of the window: `cnnlab screenshot` under a display (tools/dev.sh
# test provides Xvfb), then gui_pixels samples the PNGs at cell centres read from the layout sidecar.
if(CNNLAB_BUILD_GUI)
  add_executable(gui_pixels ${CMAKE_CURRENT_SOURCE_DIR}/app/gui_pixels.cpp)
  target_link_libraries(gui_pixels PRIVATE cnnlab_ui doctest::doctest cnnlab_flags)
  target_include_directories(gui_pixels PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})  # test_tmp.h
  target_compile_definitions(gui_pixels PRIVATE
    CNNLAB_EXE="$<TARGET_FILE:cnnlab>" CNNLAB_LESSONS_DIR="${CNNLAB_ROOT}/lessons"
    CNNLAB_PIXELS_OUT="${CMAKE_BINARY_DIR}/gui_pixels")
  add_dependencies(gui_pixels cnnlab)
  add_test(NAME gui_pixels COMMAND gui_pixels)
  # Exit 77 = no display (run through tools/dev.sh test, or xvfb-run): reported as skipped.
  set_tests_properties(gui_pixels PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()
