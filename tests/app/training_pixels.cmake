# tests/app/training_pixels.cmake — pixel test of the Training tab: `cnnlab screenshot --view training` on a
# generated dataset under a display, then training_pixels checks the panels the layout sidecar names.
if(CNNLAB_BUILD_GUI)
  add_executable(training_pixels ${CMAKE_CURRENT_SOURCE_DIR}/app/training_pixels.cpp)
  target_link_libraries(training_pixels PRIVATE cnnlab_ui doctest::doctest cnnlab_flags)
  target_compile_definitions(training_pixels PRIVATE
    CNNLAB_EXE="$<TARGET_FILE:cnnlab>" CNNLAB_PIXELS_OUT="${CMAKE_BINARY_DIR}/training_pixels")
  add_dependencies(training_pixels cnnlab)
  add_test(NAME training_pixels COMMAND training_pixels)
  # Exit 77 = no display (run through tools/dev.sh test, or xvfb-run): reported as skipped.
  set_tests_properties(training_pixels PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()
