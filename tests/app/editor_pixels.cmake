# tests/app/editor_pixels.cmake — pixel test of the model editor: `cnnlab screenshot --view training
# --panel editor` (no data needed) for the compact and course models, then editor_pixels checks the
# panel the layout sidecar names is drawn, fills the window and shows the parameter budget.
if(CNNLAB_BUILD_GUI)
  add_executable(editor_pixels ${CMAKE_CURRENT_SOURCE_DIR}/app/editor_pixels.cpp)
  target_link_libraries(editor_pixels PRIVATE cnnlab_ui doctest::doctest cnnlab_flags)
  target_compile_definitions(editor_pixels PRIVATE
    CNNLAB_EXE="$<TARGET_FILE:cnnlab>" CNNLAB_PIXELS_OUT="${CMAKE_BINARY_DIR}/editor_pixels")
  add_dependencies(editor_pixels cnnlab)
  add_test(NAME editor_pixels COMMAND editor_pixels)
  # Exit 77 = no display (run through tools/dev.sh test, or xvfb-run): reported as skipped.
  set_tests_properties(editor_pixels PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()
